//! The eStreamer client: connect over mutual TLS, send the request, drive the sans-io
//! `ClientSession`, decode and format records through the output crate's `Pipeline` into a
//! `Sink`, keep a bookmark that makes a file output exactly once across crashes, and reconnect
//! after transient failures.
//!
//! * [`run`]: one server until `max_events`, `idle_exit`, shutdown or a permanent error.
//! * [`multi`]: several servers from a TOML file, each on its own thread.
//! * [`diagnose`]: `client test` — connect once and explain what happened.
//! * [`metrics`]: counters, Prometheus text over HTTP, the progress line.
//! * [`bookmark`]: state files (bookmark, metadata cache), written atomically.

pub mod bookmark;
pub mod connect;
mod delivery;
pub mod diagnose;
mod error;
pub mod hosts;
pub mod metrics;
pub mod multi;
mod run;
mod session;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use estreamer_pki::{ClientIdentity, ClientTlsOptions};
use estreamer_wire::message::{flags, EventSpec};
use estreamer_wire::session::{AckPolicy, ENCORE_5_2_11_EVENTS};

pub use bookmark::{Bookmark, BookmarkFormat};
pub use delivery::{OutputFormat, OutputOptions, StateFiles};
pub use error::{chain, ClientError, TlsFailure};
pub use run::{run, run_with_sink, Backoff, ReconnectPolicy};

/// Where to start streaming.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Start {
    /// Oldest data available (timestamp 0).
    Oldest,
    /// Only new data (timestamp 0xFFFFFFFF).
    Now,
    /// The bookmark's timestamp, skipping what was already delivered (oldest when there is none).
    Bookmark,
}

/// Settings of one server's client.
#[derive(Clone)]
pub struct ClientOptions {
    /// Name used in logs, metrics and (multi-server) the record tag.
    pub name: String,
    /// `host:port`.
    pub server: String,
    /// Certificate, key and CA.
    pub identity: ClientIdentity,
    /// TLS options.
    pub tls: ClientTlsOptions,
    /// Request flags (default: eNcore 5.2.11's 0x48900061).
    pub flags: u32,
    /// Extended event list (default: eNcore 5.2.11's).
    pub events: Vec<EventSpec>,
    /// Ack policy (default: every message, like eNcore).
    pub ack: AckPolicy,
    /// Start position.
    pub start: Start,
    /// Bookmark and metadata cache.
    pub state: StateFiles,
    /// Output destination and format.
    pub output: OutputOptions,
    /// Stop after this many event (non-metadata) records.
    pub max_events: Option<u64>,
    /// Stop when no record arrived for this long (connected or not).
    pub idle_exit: Option<Duration>,
    /// TCP + TLS connect timeout.
    pub connect_timeout: Duration,
    /// The server must answer the request within this long.
    pub answer_timeout: Duration,
    /// The connection is dead when nothing at all (not even a keepalive) arrived for this long.
    pub dead_after: Option<Duration>,
    /// Reconnection.
    pub reconnect: ReconnectPolicy,
}

impl ClientOptions {
    /// eNcore-like defaults for a server and identity: JSON to stdout, no state files.
    pub fn new(server: impl Into<String>, identity: ClientIdentity) -> Self {
        let server = server.into();
        ClientOptions {
            name: server.clone(),
            server,
            identity,
            tls: ClientTlsOptions::default(),
            flags: flags::ENCORE_DEFAULT,
            events: ENCORE_5_2_11_EVENTS.to_vec(),
            ack: AckPolicy::EveryMessage,
            start: Start::Bookmark,
            state: StateFiles::default(),
            output: OutputOptions::default(),
            max_events: None,
            idle_exit: None,
            connect_timeout: Duration::from_secs(10),
            answer_timeout: Duration::from_secs(10),
            dead_after: Some(Duration::from_secs(60)),
            reconnect: ReconnectPolicy::default(),
        }
    }
}

/// What a run did.
#[derive(Debug, Clone, Default)]
pub struct ClientSummary {
    /// Records delivered, by record type.
    pub by_type: BTreeMap<u32, u64>,
    /// Event (non-metadata) records delivered.
    pub events: u64,
    /// All records delivered.
    pub records: u64,
    /// Re-sent records skipped because an earlier run (or connection) already delivered them.
    pub skipped: u64,
    /// Records skipped because their framing was corrupt.
    pub corrupt: u64,
    /// Layout mismatches met (records decoded as far as possible).
    pub layout_issues: u64,
    /// Highest archival timestamp delivered.
    pub max_archive_ts: u32,
    /// Bundles received.
    pub bundles: u64,
    /// Error messages received from the server.
    pub server_errors: u64,
    /// Reconnection attempts.
    pub reconnects: u64,
}

/// The default directory for a server's state files: `$XDG_STATE_HOME/estreamer/<host>-<port>`,
/// else `$HOME/.local/state/estreamer/<host>-<port>`, else `./estreamer-state/<host>-<port>`;
/// with `base`, `<base>/<host>-<port>`. Characters other than letters, digits, `.`, `-` and `_`
/// in the host become `_`.
pub fn default_state_dir(base: Option<&Path>, server: &str) -> PathBuf {
    let (host, port) = connect::split_host_port(server).unwrap_or_else(|| (server.to_string(), 0));
    let host: String =
        host.chars().map(|c| if c.is_ascii_alphanumeric() || "._-".contains(c) { c } else { '_' }).collect();
    let leaf = format!("{host}-{port}");
    if let Some(b) = base {
        return b.join(leaf);
    }
    let env = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty()).map(PathBuf::from);
    let root = env("XDG_STATE_HOME")
        .or_else(|| env("HOME").map(|h| h.join(".local").join("state")))
        .unwrap_or_else(|| PathBuf::from("estreamer-state"));
    let root = if env("XDG_STATE_HOME").is_some() || env("HOME").is_some() { root.join("estreamer") } else { root };
    root.join(leaf)
}

/// The default state files for a server: `bookmark.json` and `metadata.cache` in
/// [`default_state_dir`].
pub fn default_state_files(base: Option<&Path>, server: &str) -> StateFiles {
    let dir = default_state_dir(base, server);
    StateFiles {
        bookmark: Some(dir.join("bookmark.json")),
        cache: Some(dir.join("metadata.cache")),
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_dirs_are_per_server() {
        let base = Path::new("/tmp/st");
        assert_eq!(default_state_dir(Some(base), "10.0.0.1:8302"), base.join("10.0.0.1-8302"));
        assert_eq!(default_state_dir(Some(base), "[::1]:8302"), base.join("__1-8302"));
        let f = default_state_files(Some(base), "fmc.example:8302");
        assert_eq!(f.bookmark.unwrap(), base.join("fmc.example-8302/bookmark.json"));
        assert_eq!(f.cache.unwrap(), base.join("fmc.example-8302/metadata.cache"));
    }
}
