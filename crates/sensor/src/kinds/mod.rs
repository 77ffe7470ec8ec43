//! The event generators, one module per kind of primary event, over one consistent world:
//!
//! | module | records |
//! |---|---|
//! | [`connection`] (+ the flow table in [`flows`]) | 71 |
//! | [`intrusion`] | 400, with its packet 2, extra data 110 and impact alert 9 |
//! | [`file`] | 500 / 502 |
//! | [`malware`] | 125 |
//! | [`discovery`] | 10 and the host updates about known hosts |
//! | [`user`] | 95 |
//!
//! The sensor makes no correlation events (112): a correlation source would be one more module
//! here and one more [`EventKind`].
//!
//! Every generator reads the world, draws from the generator state's [`Rng`] and writes its
//! records straight into bytes ([`Body`]); the order of the draws is part of the output (the
//! same seed gives the same bytes), so a change of that order is a change of the output.

pub(crate) mod connection;
pub(crate) mod discovery;
pub(crate) mod file;
pub(crate) mod flows;
pub(crate) mod intrusion;
pub(crate) mod malware;
pub(crate) mod user;

use std::collections::VecDeque;

use crate::body::Body;
use crate::rng::Rng;
use crate::world::{Device, Host, World};
use crate::{GenRecord, SensorError};

use connection::Conn;

/// Relative weights of the primary event kinds, in percent.
pub const MIX: &[(EventKind, u32)] = &[
    (EventKind::Connection, 50),
    (EventKind::Intrusion, 20),
    (EventKind::File, 10),
    (EventKind::Malware, 5),
    (EventKind::Discovery, 10),
    (EventKind::User, 5),
];

/// Kind of a primary event (what one step of the generator produces).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EventKind {
    /// Connection event (71).
    Connection,
    /// Intrusion event (400) with its packet (2), sometimes extra data (110) and an impact
    /// alert (9).
    Intrusion,
    /// File event (500, or 502 for a malware disposition).
    File,
    /// Malware event (125).
    Malware,
    /// Discovery event (10 new host, then 11/12, 13/14, 15, 16/17, 19, 22, 27/28, 34, 42, 82,
    /// 83, 101, 107 about known hosts; see `kinds/discovery`).
    Discovery,
    /// User login (95).
    User,
}

/// Recent connections kept for later events to refer to.
const RECENT: usize = 512;

/// Generator state (clock, counters, recent connections, discovered hosts, buffers).
#[derive(Clone, Debug)]
pub(crate) struct GenState {
    pub(crate) rng: Rng,
    pub(crate) clock_us: u64,
    pub(crate) mean_interval_us: u64,
    /// Connection counter per device and Snort instance.
    counters: Vec<Vec<u16>>,
    /// Last intrusion event id per device.
    event_ids: Vec<u32>,
    recent: VecDeque<Conn>,
    pub(crate) disc: discovery::DiscoveryState,
    /// The body being written (reused from record to record).
    body: Body,
    /// Scratch bytes (a packet's payload).
    scratch: Vec<u8>,
}

impl GenState {
    pub(crate) fn new(seed: u64, start: u32, devices: &[Device]) -> Self {
        let mut rng = Rng::new(seed, 0x00e7_e275);
        let counters = devices.iter().map(|d| (0..d.instances).map(|_| rng.below(60_000) as u16).collect()).collect();
        let event_ids = devices.iter().map(|_| 1 + rng.below(200_000) as u32).collect();
        GenState {
            rng,
            clock_us: u64::from(start) * 1_000_000,
            mean_interval_us: 50_000,
            counters,
            event_ids,
            recent: VecDeque::with_capacity(RECENT),
            disc: discovery::DiscoveryState::default(),
            body: Body::default(),
            scratch: Vec::new(),
        }
    }
}

/// Iterator over the records of `count` primary events (see [`World::events`]).
///
/// Records of one primary event are generated together; dropping the iterator in the middle
/// of a group (e.g. between an intrusion event and its packet) drops the rest of that group.
pub struct Events<'a> {
    world: &'a mut World,
    remaining: usize,
    queue: VecDeque<GenRecord>,
}

impl Iterator for Events<'_> {
    type Item = GenRecord;

    fn next(&mut self) -> Option<GenRecord> {
        if let Some(r) = self.queue.pop_front() {
            return Some(r);
        }
        if self.remaining == 0 {
            return None;
        }
        self.remaining -= 1;
        self.queue.extend(self.world.next_event());
        self.queue.pop_front()
    }
}

pub(crate) fn secs(us: u64) -> u32 {
    (us / 1_000_000) as u32
}

/// Records of one primary event, as they are written.
pub(crate) type Group = Vec<GenRecord>;

impl World {
    /// Start events at `start_time` (UNIX seconds) instead of the seed-derived default.
    pub fn with_start_time(mut self, start_time: u32) -> Self {
        self.set_start_time(start_time);
        self
    }

    /// Move the generator's clock to `start_time` (UNIX seconds).
    pub fn set_start_time(&mut self, start_time: u32) {
        self.gen.clock_us = u64::from(start_time) * 1_000_000;
    }

    /// Mean time between primary events in microseconds (default 50 000, i.e. 20 events/s).
    pub fn set_mean_interval_us(&mut self, mean: u64) {
        self.gen.mean_interval_us = mean;
    }

    /// Current generator time (UNIX seconds): the time of the last generated event.
    pub fn clock(&self) -> u32 {
        secs(self.gen.clock_us)
    }

    /// Records of the next `count` primary events; records attached to an intrusion event
    /// (packet, extra data, impact alert) come right after it and do not count.
    pub fn events(&mut self, count: usize) -> Events<'_> {
        Events { world: self, remaining: count, queue: VecDeque::new() }
    }

    /// The records of one primary event (the event first, then attached records).
    ///
    /// # Panics
    /// Only if the wire schema rejects a record this crate built, which is a bug (covered by
    /// the tests); use [`World::try_next_event`] to get the error instead.
    pub fn next_event(&mut self) -> Vec<GenRecord> {
        self.try_next_event().expect("sensor event must encode (bug in estreamer-sensor)")
    }

    /// The records of one primary event.
    pub fn try_next_event(&mut self) -> Result<Vec<GenRecord>, SensorError> {
        self.try_next_event_with(MIX)
    }

    /// The records of one primary event whose kind is drawn with the weights of `mix` (the
    /// same draws as [`World::try_next_event`] when `mix` is [`MIX`]). Kinds with weight 0
    /// never come; an all-zero `mix` falls back to [`MIX`].
    pub fn try_next_event_with(&mut self, mix: &[(EventKind, u32)]) -> Result<Vec<GenRecord>, SensorError> {
        let mix = if mix.iter().any(|m| m.1 > 0) { mix } else { MIX };
        let mean = self.gen.mean_interval_us;
        self.gen.clock_us += self.gen.rng.below(2 * mean + 1);
        let kind = mix[self.gen.rng.weighted_by(mix, |m| m.1)].0;
        self.event_of(kind)
    }

    /// Generate one primary event of `kind`. Intrusion, file and malware events refer to a
    /// recently logged connection; when none fits yet, a connection event is made instead.
    pub fn event_of(&mut self, kind: EventKind) -> Result<Vec<GenRecord>, SensorError> {
        let mut group = Vec::with_capacity(if kind == EventKind::Intrusion { 4 } else { 1 });
        match kind {
            EventKind::Connection => self.connection(&mut group),
            EventKind::Intrusion => self.intrusion(&mut group),
            EventKind::File => self.file_event(&mut group),
            EventKind::Malware => self.malware_event(&mut group),
            EventKind::Discovery => self.discovery(&mut group),
            EventKind::User => self.user_login(&mut group),
        }
        Ok(group)
    }

    // -----------------------------------------------------------------------------------------
    // helpers shared by the generators

    /// Write one record of `record_type` with `write` (into the reused body buffer) and add it
    /// to `group`.
    pub(crate) fn emit(&mut self, group: &mut Group, record_type: u32, write: impl FnOnce(&World, &mut Body)) {
        let mut body = std::mem::take(&mut self.gen.body);
        write(self, body.start());
        group.push(GenRecord { record_type, body: body.take(), meta_key: None });
        self.gen.body = body;
    }

    /// Index of a uniformly chosen host matching `f` (one draw; none when no host matches).
    pub(crate) fn pick_host(&mut self, f: impl Fn(&Host) -> bool) -> Option<usize> {
        let n = self.hosts.iter().filter(|h| f(h)).count();
        if n == 0 {
            return None;
        }
        let k = self.gen.rng.index(n);
        self.hosts.iter().enumerate().filter(|(_, h)| f(h)).nth(k).map(|(i, _)| i)
    }

    /// Time of the current event: (seconds, microseconds).
    pub(crate) fn now(&self) -> (u32, u32) {
        (secs(self.gen.clock_us), (self.gen.clock_us % 1_000_000) as u32)
    }

    /// MAC a device sees for a host: its own inside, the router's for an external host.
    pub(crate) fn mac_seen(&self, host: usize, device: usize) -> [u8; 6] {
        let h = &self.hosts[host];
        if h.internal() {
            h.mac
        } else {
            self.devices[device].router_mac
        }
    }

    /// A recent connection matching `f`, newest-biased (the newest quarter of the candidates).
    pub(crate) fn recent_conn_index(&mut self, f: impl Fn(&Conn) -> bool) -> Option<usize> {
        let n = self.gen.recent.iter().filter(|c| f(c)).count();
        if n == 0 {
            return None;
        }
        let lo = n - n.div_ceil(4);
        let k = lo + self.gen.rng.index(n - lo);
        self.gen.recent.iter().enumerate().filter(|(_, c)| f(c)).nth(k).map(|(i, _)| i)
    }

    /// The discovery event header (RECORDS.md §4) about `host` as `device` sees it, with the
    /// IPv6 host address: device, legacy IPv4 (0), MAC, has-IPv6 (1), reserved, time, event
    /// type and subtype, file number and position (0), host address.
    pub(crate) fn write_disc_header(
        &self,
        b: &mut Body,
        device: usize,
        mac: [u8; 6],
        host: usize,
        event_type: u32,
        subtype: u32,
    ) {
        let (now_s, now_us) = self.now();
        b.u32(self.devices[device].id).zeros(4).raw(&mac).u8(1).u8(0);
        b.u32(now_s).u32(now_us).u32(event_type).u32(subtype).zeros(8).ip(self.hosts[host].ip);
    }
}
