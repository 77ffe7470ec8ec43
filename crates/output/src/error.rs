//! The crate's one error type.

use std::io;
use std::path::PathBuf;

/// Everything that can go wrong between a decoded record and its destination. Each variant says
/// where (path, address, format), and the underlying error is kept as the source.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// The `--output` string could not be understood.
    #[error("output {spec:?}: {reason}")]
    BadOutputSpec {
        /// The string given.
        spec: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A format name or format option that does not exist.
    #[error("format {spec:?}: {reason}")]
    BadFormat {
        /// The string given.
        spec: String,
        /// What is wrong with it.
        reason: String,
    },
    /// Reading, writing, truncating or renaming an output file failed.
    #[error("output file {path}: {action}")]
    File {
        /// The file.
        path: PathBuf,
        /// What was being done.
        action: &'static str,
        /// The I/O error.
        #[source]
        source: io::Error,
    },
    /// A saved flush position does not fit the files on disk.
    #[error("output file {path}: saved position {detail}")]
    ResumeMismatch {
        /// The active output file.
        path: PathBuf,
        /// What does not fit.
        detail: String,
    },
    /// Writing to stdout failed.
    #[error("writing to stdout")]
    Stdout(#[source] io::Error),
    /// A network sink could not reach its peer, or lost it, and gave up.
    #[error("{kind} output {addr}: {action}")]
    Network {
        /// `tcp`, `udp` or `hec`.
        kind: &'static str,
        /// Peer address as configured.
        addr: String,
        /// What was being done.
        action: &'static str,
        /// The I/O error.
        #[source]
        source: io::Error,
    },
    /// The Splunk HTTP Event Collector refused the events (400, 401, 403, …): resending them
    /// unchanged cannot help.
    #[error("Splunk HEC {url} refused the batch with HTTP {status}: {body}")]
    HecRejected {
        /// Endpoint URL.
        url: String,
        /// HTTP status.
        status: u16,
        /// Response body (Splunk's `{"text":…,"code":…}`), cut to 512 bytes.
        body: String,
    },
    /// The Splunk HTTP Event Collector stayed unavailable (503/500 or connection errors) through
    /// every retry.
    #[error("Splunk HEC {url} unavailable after {attempts} attempts: {last}")]
    HecUnavailable {
        /// Endpoint URL.
        url: String,
        /// Attempts made.
        attempts: u32,
        /// The last failure.
        last: String,
    },
    /// The HTTP client failed in a way that retrying cannot fix (bad URL, TLS set-up).
    #[error("Splunk HEC {url}: {action}")]
    Http {
        /// Endpoint URL.
        url: String,
        /// What was being done.
        action: &'static str,
        /// The client's error.
        #[source]
        source: ureq::Error,
    },
    /// No HEC token: neither a token file nor `ESTREAMER_HEC_TOKEN`.
    #[error("Splunk HEC token: {0}")]
    HecToken(String),
    /// TLS set-up for the HEC sink (CA file) failed.
    #[error("Splunk HEC CA file {path}: {reason}")]
    CaFile {
        /// The CA file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// A formatter could not render a record (for example JSON serialisation failed).
    #[error("{format} output of record type {record_type}: {reason}")]
    Format {
        /// Format name.
        format: &'static str,
        /// Record type.
        record_type: u32,
        /// What went wrong.
        reason: String,
    },
    /// A pipeline worker thread stopped unexpectedly (it panicked).
    #[error("output pipeline worker stopped unexpectedly")]
    WorkerLost,
    /// Starting a thread failed.
    #[error("starting an output thread")]
    Spawn(#[source] io::Error),
}
