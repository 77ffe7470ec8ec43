//! The ingest endpoint: producers (sensors, replays) feed a running service.
//!
//! Listeners are TCP with TLS (mutual authentication against the Internal CA; the identity
//! check admits *sensor* certificates only, see [`estreamer_pki::Role`]) or a local Unix socket
//! (access by file mode). Each connection drives the sans-io
//! [`ServiceSession`](estreamer_ingest::proto::ServiceSession); every batch goes through
//! [`Ingest::submit`] on the blocking pool — so batches of different producers share fsyncs
//! (group commit) — and is acknowledged only once it is durable.
//!
//! Admission is the event port's (the same budget of unauthenticated connections per address
//! and overall, handshake turns, deadlines, rate-limited refusal logs), then at most
//! [`IngestOptions::max_producers`] producer sessions at once.

mod connection;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use estreamer_ingest::Ingest;
use estreamer_pki::{IdentityPolicy, Role};
use tokio::net::{TcpListener, UnixListener};
use tokio::sync::Semaphore;

use crate::admission::{Admission, Limits};
use crate::ratelimit::LogLimiter;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::{info, warn};

use crate::{ServerError, TlsSource};

/// Settings of the ingest endpoint.
#[derive(Clone, Debug)]
pub struct IngestOptions {
    /// Producer sessions at once; more are refused (closed after the handshake).
    pub max_producers: usize,
    /// Unauthenticated connections (waiting for or in a TLS handshake) at once.
    pub max_unauthenticated: usize,
    /// Of those, from one address.
    pub max_waiting_per_address: usize,
    /// TLS handshakes run at once; other connections wait their turn.
    pub max_pending_handshakes: usize,
    /// Of those, for one address.
    pub max_pending_per_address: usize,
    /// Time allowed for the TLS handshake, the identity check and HELLO.
    pub handshake_timeout: Duration,
    /// Time allowed to write an acknowledgement.
    pub write_timeout: Duration,
    /// Post-handshake identity checks; the role is forced to [`Role::Sensor`].
    pub identity: IdentityPolicy,
}

impl Default for IngestOptions {
    fn default() -> Self {
        IngestOptions {
            max_producers: 64,
            max_unauthenticated: 256,
            max_waiting_per_address: 64,
            max_pending_handshakes: 32,
            max_pending_per_address: 8,
            handshake_timeout: Duration::from_secs(10),
            write_timeout: Duration::from_secs(30),
            identity: IdentityPolicy { role: Role::Sensor, ..IdentityPolicy::default() },
        }
    }
}

/// A bound ingest listener.
pub enum IngestListener {
    /// TCP; connections must complete TLS with a sensor certificate.
    Tcp(TcpListener),
    /// A Unix socket at this path (removed on shutdown).
    Unix(UnixListener, PathBuf),
}

impl IngestListener {
    /// Bind a Unix socket at `path` with permissions `mode` (e.g. `0o660`). A stale socket
    /// file left by a killed service is replaced; any other file there is an error.
    pub fn bind_unix(path: &Path, mode: u32) -> Result<IngestListener, ServerError> {
        use std::os::unix::fs::{FileTypeExt, PermissionsExt};
        let io = |source| ServerError::Io { addr: format!("unix:{}", path.display()), source };
        if let Ok(meta) = std::fs::symlink_metadata(path) {
            if !meta.file_type().is_socket() {
                return Err(io(std::io::Error::new(
                    std::io::ErrorKind::AlreadyExists,
                    "a file that is not a socket is in the way",
                )));
            }
            std::fs::remove_file(path).map_err(io)?;
        }
        let l = UnixListener::bind(path).map_err(io)?;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).map_err(io)?;
        Ok(IngestListener::Unix(l, path.to_path_buf()))
    }

    /// What it listens on, for logs.
    pub fn describe(&self) -> String {
        match self {
            IngestListener::Tcp(l) => l.local_addr().map(|a| a.to_string()).unwrap_or_default(),
            IngestListener::Unix(_, p) => format!("unix:{}", p.display()),
        }
    }
}

/// Everything the endpoint needs besides its listeners.
pub struct IngestService {
    /// The ingest API over the service's store.
    pub ingest: Arc<Ingest>,
    /// TLS configuration for TCP listeners (asked at every accept).
    pub tls: Arc<dyn TlsSource>,
    /// Limits and the identity policy.
    pub opts: IngestOptions,
}

pub(crate) struct Shared {
    pub(crate) ingest: Arc<Ingest>,
    pub(crate) tls: Arc<dyn TlsSource>,
    pub(crate) opts: IngestOptions,
    /// The same admission control as the event port's (before authentication).
    pub(crate) admission: Arc<Admission>,
    /// Refusals a peer can trigger at will are logged rate-limited.
    pub(crate) limiter: LogLimiter,
    pub(crate) producers: Arc<Semaphore>,
}

/// Run the ingest endpoint on `listeners` until `shutdown`: each producer session finishes the
/// batch it is storing, sends ERROR "shutting down" and closes.
pub async fn serve_ingest(
    listeners: Vec<IngestListener>,
    service: IngestService,
    shutdown: CancellationToken,
) -> Result<(), ServerError> {
    let mut opts = service.opts;
    opts.identity.role = Role::Sensor;
    let shared = Arc::new(Shared {
        ingest: service.ingest,
        tls: service.tls,
        admission: Arc::new(Admission::new(Limits::from(&opts))),
        limiter: LogLimiter::new(Duration::from_secs(10)),
        producers: Arc::new(Semaphore::new(opts.max_producers.max(1))),
        opts,
    });
    let tracker = TaskTracker::new();
    let mut loops = tokio::task::JoinSet::new();
    for l in listeners {
        info!(listen = %l.describe(), "ingest endpoint listening");
        loops.spawn(accept_loop(l, Arc::clone(&shared), tracker.clone(), shutdown.clone()));
    }
    let mut result = Ok(());
    while let Some(r) = loops.join_next().await {
        if let Ok(Err(e)) = r {
            shutdown.cancel();
            result = Err(e);
        }
    }
    tracker.close();
    tracker.wait().await;
    result
}

async fn accept_loop(
    listener: IngestListener,
    shared: Arc<Shared>,
    tracker: TaskTracker,
    shutdown: CancellationToken,
) -> Result<(), ServerError> {
    let mut id = 0u64;
    let mut backoff = Duration::from_millis(5);
    loop {
        id += 1;
        let accepted = match &listener {
            IngestListener::Tcp(l) => tokio::select! {
                _ = shutdown.cancelled() => break,
                r = l.accept() => r.map(|(s, peer)| match shared.admission.admit(peer.ip()) {
                    Ok(ticket) => Some(connection::Accepted::Tcp(s, peer, ticket)),
                    Err(reason) => {
                        if let Some(suppressed) = shared.limiter.check(reason) {
                            warn!(%peer, suppressed, "ingest connection refused: {reason}");
                        }
                        None
                    }
                }),
            },
            IngestListener::Unix(l, _) => tokio::select! {
                _ = shutdown.cancelled() => break,
                r = l.accept() => r.map(|(s, _)| Some(connection::Accepted::Unix(s))),
            },
        };
        let accepted = match accepted {
            Ok(Some(a)) => {
                backoff = Duration::from_millis(5);
                a
            }
            Ok(None) => continue,
            Err(e) => {
                warn!(error = %e, listen = %listener.describe(), "ingest accept failed; backing off");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(1));
                continue;
            }
        };
        let shared = Arc::clone(&shared);
        let stop = shutdown.child_token();
        tracker.spawn(async move { connection::run(shared, accepted, id, stop).await });
    }
    if let IngestListener::Unix(_, path) = &listener {
        let _ = std::fs::remove_file(path);
    }
    Ok(())
}
