//! Accept loop: admission before allocation (see `admission.rs`: a small fixed budget for
//! unauthenticated peers, apart from the client cap), one task per connection, shutdown.
//! Refusals are logged rate-limited.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use estreamer_store::StoreReader;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::{info, warn};

use crate::admission::Admission;
use crate::hosts::HostMap;
use crate::ratelimit::LogLimiter;
use crate::{ServerError, ServerOptions, TlsSource};

/// Everything a service needs besides its listeners.
pub struct Service {
    /// TLS configuration (asked at every accept).
    pub tls: Arc<dyn TlsSource>,
    /// The event store.
    pub store: StoreReader,
    /// The network map for Host Requests; without one, every host query finds nothing.
    pub hosts: Option<Arc<dyn HostMap>>,
    /// Limits, timeouts and session tuning.
    pub opts: ServerOptions,
    /// Counters (shared with whoever reports them).
    pub stats: Arc<crate::ServerStats>,
}

impl Service {
    /// A service with fresh counters and no network map.
    pub fn new(tls: Arc<dyn TlsSource>, store: StoreReader, opts: ServerOptions) -> Self {
        Service { tls, store, hosts: None, opts, stats: Arc::default() }
    }
}

/// State shared by the accept loops and the connection tasks.
pub(crate) struct Shared {
    pub(crate) service: Service,
    pub(crate) admission: Arc<Admission>,
    pub(crate) sessions: Arc<Semaphore>,
    pub(crate) limiter: LogLimiter,
    ids: AtomicU32,
}

/// Run the service on `listeners` until `shutdown` is cancelled. On shutdown every session
/// finishes the message it is writing and closes (TLS close_notify, no Error message, as the
/// guide says), and this returns once they all have.
pub async fn serve(
    listeners: Vec<TcpListener>,
    service: Service,
    shutdown: CancellationToken,
) -> Result<(), ServerError> {
    let opts = &service.opts;
    let shared = Arc::new(Shared {
        admission: Arc::new(Admission::new(opts.into())),
        sessions: Arc::new(Semaphore::new(opts.max_clients)),
        limiter: LogLimiter::new(Duration::from_secs(10)),
        ids: AtomicU32::new(1),
        service,
    });
    let tracker = TaskTracker::new();
    let mut loops = tokio::task::JoinSet::new();
    for listener in listeners {
        let addr = listener.local_addr().map(|a| a.to_string()).unwrap_or_default();
        info!(listen = %addr, "eStreamer service listening");
        loops.spawn(accept_loop(listener, Arc::clone(&shared), tracker.clone(), shutdown.clone()));
    }
    while let Some(r) = loops.join_next().await {
        if let Ok(Err(e)) = r {
            shutdown.cancel();
            tracker.close();
            tracker.wait().await;
            return Err(e);
        }
    }
    info!(sessions = tracker.len(), "shutting down: closing sessions");
    tracker.close();
    tracker.wait().await;
    Ok(())
}

async fn accept_loop(
    listener: TcpListener,
    shared: Arc<Shared>,
    tracker: TaskTracker,
    shutdown: CancellationToken,
) -> Result<(), ServerError> {
    let mut backoff = Duration::from_millis(5);
    loop {
        let (tcp, peer): (TcpStream, SocketAddr) = tokio::select! {
            _ = shutdown.cancelled() => return Ok(()),
            r = listener.accept() => match r {
                Ok(x) => {
                    backoff = Duration::from_millis(5);
                    x
                }
                Err(e) => {
                    // Accept errors (EMFILE, ECONNABORTED) are transient: back off, go on.
                    if let Some(suppressed) = shared.limiter.check("accept failed") {
                        warn!(error = %e, suppressed, "accept failed; backing off");
                    }
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(Duration::from_secs(1));
                    continue;
                }
            },
        };
        shared.service.stats.accepted();
        let slot = match shared.admission.admit(peer.ip()) {
            Ok(slot) => slot,
            Err(reason) => {
                if let Some(suppressed) = shared.limiter.check(reason) {
                    warn!(%peer, handshakes = shared.admission.handshakes(), suppressed, "connection refused: {reason}");
                }
                drop(tcp);
                shared.service.stats.ended(crate::EndReason::Refused);
                continue;
            }
        };
        let id = shared.ids.fetch_add(1, Ordering::Relaxed);
        let shared = Arc::clone(&shared);
        let stop = shutdown.child_token();
        tracker.spawn(async move { crate::connection::run(shared, tcp, peer, slot, id, stop).await });
    }
}
