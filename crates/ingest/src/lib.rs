//! Ingest: the one way into the store.
//!
//! ```text
//!  sensor ─┐                                  ┌─ Ingest::submit ─► Store (log + metadata table)
//!  raw     ├─ BatchSink ─┬─ OfflineSink ──────┘        ▲
//!  JSON   ─┘             └─ RemoteSink ── TLS / Unix ──┴─ service endpoint (crates/server)
//! ```
//!
//! * [`Ingest`] ([`api`]): validate → stamp with the store's archival clock → append with
//!   group commit → metadata table (key = the catalog identity) → per-producer watermark, in
//!   one store call. The network map follows the log, so it needs nothing more.
//! * [`proto`]: the ingest wire protocol, sans-io (frames, service and producer sessions).
//! * [`BatchSink`] ([`sink`]): what sources write to — [`OfflineSink`] (the API over a store
//!   directory, no service running) or [`RemoteSink`] ([`remote`]: a running service over TLS
//!   with a sensor certificate, or a Unix socket; resumes after reconnects).
//! * [`pace`]: a token bucket and replay schedule driven by an injected [`pace::Clock`].
//! * [`watermark`]: the internal record that makes "batch N of producer P is stored" durable
//!   with the batch itself, and [`watermark::stored_batches`] to audit a store.
//!
//! `docs/ingest.md` describes the API, the protocol byte by byte, identities, batch and resume
//! semantics, replay and retention.

pub mod api;
pub mod batch;
pub mod pace;
pub mod proto;
pub mod remote;
pub mod sink;
pub mod watermark;

pub use api::{validate, Ingest, IngestStats, Outcome};
pub use batch::{batch_crc, check_producer_id, Batch, Record, MAX_PRODUCER_ID};
pub use remote::{Endpoint, RemoteOptions, RemoteSink};
pub use sink::{AckLog, BatchSink, OfflineSink, SinkSummary};

/// Most records in one batch.
pub const MAX_BATCH_RECORDS: usize = 65_536;
/// Most record body bytes in one batch.
pub const MAX_BATCH_BYTES: usize = 32 << 20;

/// Everything that can go wrong while ingesting; each variant says what and where.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// A batch refused by validation: nothing of it was stored.
    #[error("batch {batch} refused{}: {reason}", index.map(|i| format!(" at record {i}")).unwrap_or_default())]
    Invalid {
        /// The batch seq.
        batch: u64,
        /// Index of the offending record in the batch, if one is.
        index: Option<usize>,
        /// What is wrong.
        reason: String,
    },
    /// A batch seq beyond the producer's last durable batch + 1.
    #[error("producer {producer}: batch {got} arrived but its last durable batch is {last}: batches are missing")]
    Gap {
        /// The producer.
        producer: String,
        /// Its last durable batch.
        last: u64,
        /// The batch seq received.
        got: u64,
    },
    /// An unusable producer id.
    #[error("producer id {id:?}: {reason}")]
    ProducerId {
        /// The id.
        id: String,
        /// Why.
        reason: String,
    },
    /// The store failed.
    #[error("store: {0}")]
    Store(#[from] estreamer_store::StoreError),
    /// The peer broke the ingest protocol.
    #[error("ingest protocol: {0}")]
    Frame(#[from] proto::FrameError),
    /// The service refused (its ERROR frame).
    #[error("the service refused{}: {text} (error {code})", if *batch > 0 { format!(" batch {batch}") } else { String::new() })]
    Refused {
        /// ERROR code ([`proto::codes`]).
        code: u16,
        /// The batch concerned (0: none).
        batch: u64,
        /// The service's text.
        text: String,
    },
    /// An I/O operation failed.
    #[error("{what}: {source}")]
    Io {
        /// What was being done, on what.
        what: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// TLS failed.
    #[error("TLS with {endpoint}: {source}")]
    Tls {
        /// The endpoint.
        endpoint: String,
        /// The cause.
        #[source]
        source: rustls::Error,
    },
    /// The service could not be reached again within the reconnect allowance.
    #[error("gave up reaching {endpoint} after {secs} s: {last}")]
    Unreachable {
        /// The endpoint.
        endpoint: String,
        /// How long reconnecting was tried.
        secs: u64,
        /// The last failure.
        #[source]
        last: Box<IngestError>,
    },
}

impl IngestError {
    pub(crate) fn io(what: impl Into<String>, source: std::io::Error) -> Self {
        IngestError::Io { what: what.into(), source }
    }
}
