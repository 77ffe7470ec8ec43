//! A synthetic eStreamer sensor: a small, consistent world and realistic event mixes,
//! deterministic by seed.
//!
//! # The world ([`World::new`])
//!
//! 2–3 managed devices (record 123) with inside/outside/DMZ interfaces (116) in three global
//! security zones (115); two access-control policies (117, and 145 per device) with eight
//! rules each (119) and the rule actions (120); two intrusion policies (118), a network
//! analysis policy (700) and a file policy (530); priorities (4), classifications (67) and
//! sixteen Snort rules (66); application protocols (63), client applications (55) and web
//! applications (109); identity users (98); countries (520); URL categories and reputations
//! (121/122); OS fingerprints (54), criticalities (58) and host attributes (60); file types (510,
//! and the same ids as AMP file types 131); extra-data types (111:
//! 2 "XFF Client (Ipv6)", 9 "HTTP URI"); the AMP cloud (127), malware event types, subtypes and
//! detector types (128/129/130); IOC names (161); DNS record and response types (320/321).
//! Hosts: per device 6–10 workstations (about a quarter IPv6, each with a logged-in user) and
//! DMZ servers (domain controller, file server; the first device also a web server, a mail
//! relay and a jump host); outside: web sites (some also IPv6), a few known-bad sites,
//! resolvers, NTP and mail servers, scanners and web visitors, with documentation addresses
//! (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32) and a country each.
//!
//! [`World::metadata_records`] returns all of it as metadata records. Each carries a
//! `meta_key`, the identity of the entry as the wire catalog defines it
//! (`estreamer_wire::schema::catalog::metadata_identity`, the key of the store's metadata
//! table): id for id/name records, UUID for 54, 115–118, 127, 530, 700, UUID + rule id for 119,
//! UUID + sensor id for 145, generator id + rule id for 66, country code for 520.
//!
//! # Events ([`World::events`])
//!
//! One step produces one *primary* event, chosen with the weights in [`MIX`]: connection 50%
//! (71, S1 174), intrusion 20% (400, S2 85), file 10% (500, or 502 for a malware disposition,
//! S2 79), malware 5% (125, S2 80), discovery 10%, user login 5% (95, S1 167). Discovery
//! builds a coherent network map of the internal hosts: a New Host event (10, S1 139 profile
//! with a first OS fingerprint, protocols, MAC and VLAN) comes before anything else about a
//! host; then the host's derived OS (101), the servers it really runs (11/12: web, DNS, SMB,
//! LDAP, Kerberos, NTP, SSH, RDP, mail), its client applications (15), NetBIOS name (42),
//! for servers a criticality (82) and attribute values (83), and updates (16/17, 107, 22,
//! 27/28, 13/14, 34); transient workstations time out (19) and are discovered again. Every intrusion event is followed by its packet (2: an Ethernet/IPv4 or IPv6/TCP
//! or UDP frame with valid checksums), for HTTP signatures usually by extra data 110 type 9
//! (the URI) and for some proxied attacks by 110 type 2 (16-byte original client address),
//! and for (potentially) vulnerable targets by an impact alert (9). **`count` counts primary
//! events only**: the packet, extra data and impact alert attached to an intrusion event come
//! on top, so an intrusion is never cut off from its packet.
//!
//! Intrusion, file and malware events refer to a connection event generated earlier (same
//! device, `connectionTimestamp` = the connection's `firstPacketTimestamp`, instance and
//! counter), and copy its addresses, ports, applications, user, rule, zones and interfaces;
//! when no fitting connection exists yet a connection event is generated instead. An id
//! value of 0 means "none" (no user, no web application, internal address without country,
//! no IOC), as on a real sensor; every non-zero id is defined by a metadata record.
//!
//! Time starts at [`World::clock`]: by default 1 750 000 000 plus up to a day derived from the
//! seed (see [`World::with_start_time`]), and advances by a uniform random gap with a mean of
//! 50 ms per primary event ([`World::set_mean_interval_us`]). The archival timestamp is not
//! part of a record body: the store assigns it.
//!
//! # Determinism
//!
//! Everything comes from a hand-rolled SplitMix64 generator with integer arithmetic only, so
//! the same seed (and start time) gives the same bytes on every platform and release.
//!
//! # Layout of the crate
//!
//! * `world/` — the world (devices, policies, rules, users, hosts) and its fixed catalogs;
//!   `metadata.rs` — the world as metadata records.
//! * `kinds/` — one generator per kind of primary event (`connection.rs` with the flow table in
//!   `flows.rs`, `intrusion.rs`, `file.rs`, `malware.rs`, `discovery/`, `user.rs`), over the
//!   generator state in `kinds/mod.rs`.
//! * `body.rs` — record bodies written straight into bytes in the wire crate's layouts (no
//!   JSON, no field tree); `packet.rs` — the frames of packet records.
//! * `producer.rs`, `replay.rs` — event sources for the ingest API.

mod body;
mod kinds;
mod metadata;
mod packet;
mod producer;
pub mod replay;
mod rng;
mod world;

use std::collections::BTreeMap;
use std::time::Duration;

use estreamer_ingest::pace::SystemClock;
use estreamer_ingest::{Batch, BatchSink, Ingest, IngestError, Outcome, SinkSummary};
use estreamer_store::{Store, StoreError};
use estreamer_wire::WireError;

pub use kinds::{EventKind, Events, MIX};
pub use producer::{kind_name, parse_mix, produce, ProducerOptions};
pub use world::{AcPolicy, AcRule, Device, Host, Named, SnortRule, User, World};

/// One generated record: its type, its body (what follows the record header on the wire) and,
/// for metadata, the identity of the entry it describes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GenRecord {
    /// eStreamer record type.
    pub record_type: u32,
    /// Record body bytes.
    pub body: Vec<u8>,
    /// For metadata records, the identity of the entry in the wire catalog's form (see the
    /// crate docs); `None` for events.
    pub meta_key: Option<Vec<u8>>,
}

/// Everything that can go wrong while generating or storing records.
#[derive(Debug, thiserror::Error)]
pub enum SensorError {
    /// The wire schema rejected a generated record (a bug in this crate).
    #[error("cannot encode {what} (record type {record_type}): {source}")]
    Encode {
        /// Record type being built.
        record_type: u32,
        /// What was being built.
        what: &'static str,
        /// The wire error.
        #[source]
        source: WireError,
    },
    /// The ingest API or the service refused a batch, or could not be reached.
    #[error("ingest: {0}")]
    Ingest(
        #[from]
        #[source]
        IngestError,
    ),
    /// A capture could not be read for replay.
    #[error("replay: {what}")]
    Replay {
        /// What and where.
        what: String,
    },
    /// A JSON line could not be ingested (its batch was not stored).
    #[error("JSON input: {0}")]
    JsonLine(
        #[from]
        #[source]
        replay::JsonLineError,
    ),
    /// The store refused a write.
    #[error("store: {what}: {source}")]
    Store {
        /// What was being written.
        what: String,
        /// The store error.
        #[source]
        source: StoreError,
    },
}

/// What [`write_to_store`] or [`produce`] wrote.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SensorSummary {
    /// Seed of the world.
    pub seed: u64,
    /// Metadata records (each appended to the log and put in the metadata table).
    pub metadata_records: usize,
    /// Primary events generated.
    pub events: usize,
    /// Event records appended (primary events plus attached packets, extra data, impact alerts).
    pub event_records: usize,
    /// Records appended per record type (metadata and events).
    pub by_type: BTreeMap<u32, usize>,
    /// Sequence number of the first record appended.
    pub first_seq: Option<u64>,
    /// Sequence number of the last record appended.
    pub last_seq: Option<u64>,
    /// Event time (UNIX seconds) of the first and last primary event.
    pub event_time_span: Option<(u32, u32)>,
    /// Batches handed to the sink (the metadata batch included).
    pub batches: u64,
    /// What the sink reported (stored, already stored, reconnects).
    pub sink: SinkSummary,
    /// Time taken, on the producer's clock.
    pub elapsed: Duration,
}

/// Primary events per batch written by [`write_to_store`].
pub const BATCH: usize = 256;

/// Build the world for `seed` and write it to `store`: see [`write_world_to_store`].
pub fn write_to_store(store: &Store, seed: u64, count: usize) -> Result<SensorSummary, SensorError> {
    let mut world = World::new(seed);
    write_world_to_store(store, &mut world, count)
}

/// Write `world`'s metadata and then `count` primary events to `store`, through the ingest API
/// ([`estreamer_ingest::Ingest`], no producer id: nothing to resume).
///
/// The metadata records come first, in one batch, so that a client reading from the oldest
/// record receives them before the events that use them; the ingest API also puts them in the
/// metadata table. Events follow in batches of [`BATCH`] primary events (one fsync each). The
/// store stamps every record with its archival clock.
pub fn write_world_to_store(store: &Store, world: &mut World, count: usize) -> Result<SensorSummary, SensorError> {
    let mut sink = StoreSink { ingest: Ingest::open(store)?, first_seq: None, last_seq: None };
    let opts = ProducerOptions { count: Some(count as u64), batch_events: BATCH, ..ProducerOptions::default() };
    let mut summary = produce(world, &mut sink, &opts, &SystemClock::default(), &mut |_| {})?;
    summary.first_seq = sink.first_seq;
    summary.last_seq = sink.last_seq;
    tracing::debug!(seed = summary.seed, events = summary.events, records = summary.event_records, "sensor wrote");
    Ok(summary)
}

/// The ingest API over a borrowed store, noting where the records landed.
struct StoreSink<'a> {
    ingest: Ingest<&'a Store>,
    first_seq: Option<u64>,
    last_seq: Option<u64>,
}

impl BatchSink for StoreSink<'_> {
    fn resume_after(&self) -> u64 {
        0
    }

    fn send(&mut self, batch: Batch) -> Result<(), IngestError> {
        if let Outcome::Stored { first_seq, records, .. } = self.ingest.submit(None, &batch)? {
            if records > 0 {
                self.first_seq.get_or_insert(first_seq);
                self.last_seq = Some(first_seq + u64::from(records) - 1);
            }
        }
        Ok(())
    }

    fn finish(&mut self) -> Result<SinkSummary, IngestError> {
        Ok(SinkSummary::default())
    }
}
