//! The eStreamer service: a TLS listener whose sessions are driven by the sans-io
//! [`ServerSession`](estreamer_wire::session::ServerSession) of the wire crate, fed from the
//! store through a bounded queue.
//!
//! Like mini-redis, the parts are apart:
//! * [`listener`]: accept, admission control (a small budget for unauthenticated handshakes,
//!   a per-address limit, a deadline; the client cap counts authenticated sessions only),
//!   shutdown;
//! * [`connection`]: one client: TLS handshake, identity check, then bytes ↔ session;
//! * [`feeder`]: store → bounded queue, owned by its connection task;
//! * [`hosts`]: the network map as the connections see it;
//! * [`ingest`]: the ingest endpoint (producers over TLS with sensor certificates, or a Unix
//!   socket), a separate [`ingest::serve_ingest`] beside [`serve`].
//!
//! Tokio code here only moves bytes, time, store batches and host lookups; every protocol
//! decision is made by the session state machine. [`serve`] takes already bound listeners and a
//! shutdown token, so tests bind port 0 on 127.0.0.1 and the CLI binds 8302.

mod admission;
pub mod connection;
pub mod feeder;
pub mod hosts;
pub mod ingest;
pub mod listener;
mod ratelimit;
pub mod stats;

use std::sync::Arc;
use std::time::Duration;

use estreamer_pki::IdentityPolicy;
use estreamer_wire::session::ServerConfig;

pub use hosts::HostMap;
pub use listener::{serve, Service};
pub use stats::{EndReason, ServerStats};

/// Everything that can end the service.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// Socket-level failure of a listener.
    #[error("I/O error on {addr}: {source}")]
    Io {
        /// Listener address.
        addr: String,
        /// Cause.
        #[source]
        source: std::io::Error,
    },
    /// Store failure.
    #[error("store")]
    Store(
        #[from]
        #[source]
        estreamer_store::StoreError,
    ),
}

/// Where the TLS configuration comes from: asked at every accept, so a new revocation list
/// takes effect for new connections without a restart.
pub trait TlsSource: Send + Sync + 'static {
    /// The configuration for the next handshake.
    fn current(&self) -> Arc<rustls::ServerConfig>;
}

impl TlsSource for Arc<rustls::ServerConfig> {
    fn current(&self) -> Arc<rustls::ServerConfig> {
        Arc::clone(self)
    }
}

impl TlsSource for estreamer_pki::ReloadingServerConfig {
    fn current(&self) -> Arc<rustls::ServerConfig> {
        estreamer_pki::ReloadingServerConfig::current(self)
    }
}

/// Service settings. Every limit and timeout has a documented default (`docs/protocol.md`).
#[derive(Clone)]
pub struct ServerOptions {
    /// Authenticated sessions allowed at once; a certified client beyond it is told "No space"
    /// (Error 19) and closed.
    pub max_clients: usize,
    /// Unauthenticated connections (waiting for or in a TLS handshake) allowed at once; more
    /// are closed at once.
    pub max_unauthenticated: usize,
    /// Unauthenticated connections allowed at once from one address; more are closed at once.
    pub max_waiting_per_address: usize,
    /// TLS handshakes run at once; other admitted connections wait their turn.
    pub max_pending_handshakes: usize,
    /// TLS handshakes run at once for one address; its other connections wait their turn.
    pub max_pending_per_address: usize,
    /// Time allowed to wait for a handshake turn, and again for the handshake and the identity
    /// check.
    pub handshake_timeout: Duration,
    /// Time allowed to write one batch of messages (a client that stopped reading is dropped).
    pub write_timeout: Duration,
    /// How often a caught-up session looks for new records written by another process.
    pub poll_interval: Duration,
    /// Post-handshake identity checks.
    pub identity: IdentityPolicy,
    /// Session tuning and deadlines (request, streaming request, idle, keepalive, window).
    pub session: ServerConfig,
    /// Records per store read (the feeder queue holds at most [`FEED_QUEUE`] such batches).
    pub feed_batch: usize,
    /// Record bytes per store read: with [`FEED_QUEUE`] and the batch being offered, what one
    /// session holds in store records at most.
    pub feed_batch_bytes: usize,
}

/// Store batches a feeder may have queued ahead of its session.
pub const FEED_QUEUE: usize = 2;

impl Default for ServerOptions {
    fn default() -> Self {
        ServerOptions {
            max_clients: 64,
            max_unauthenticated: 1024,
            max_waiting_per_address: 256,
            max_pending_handshakes: 128,
            max_pending_per_address: 8,
            handshake_timeout: Duration::from_secs(10),
            write_timeout: Duration::from_secs(30),
            poll_interval: Duration::from_millis(200),
            identity: IdentityPolicy::default(),
            session: ServerConfig::default(),
            feed_batch: 512,
            feed_batch_bytes: 256 * 1024,
        }
    }
}
