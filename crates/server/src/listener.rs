//! Accept loop and admission control.
//!
//! Admission before allocation: an unauthenticated peer gets a small fixed budget — at most
//! [`ServerOptions::max_pending_handshakes`] handshakes at once, at most
//! [`ServerOptions::max_pending_per_address`] from one address, and
//! [`ServerOptions::handshake_timeout`] to finish. Only authenticated sessions count against
//! [`ServerOptions::max_clients`], so a flood of idle TCP connections cannot keep a certified
//! client out. Refusals are logged rate-limited.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use estreamer_store::StoreReader;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::{info, warn};

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
    pending: Arc<Semaphore>,
    per_address: Mutex<HashMap<IpAddr, usize>>,
    pub(crate) sessions: Arc<Semaphore>,
    pub(crate) limiter: LogLimiter,
    ids: AtomicU32,
}

/// A pending (unauthenticated) connection's share of the admission budget.
pub(crate) struct PendingSlot {
    shared: Arc<Shared>,
    addr: IpAddr,
    _permit: OwnedSemaphorePermit,
}

impl Drop for PendingSlot {
    fn drop(&mut self) {
        let mut map = self.shared.per_address.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(n) = map.get_mut(&self.addr) {
            *n -= 1;
            if *n == 0 {
                map.remove(&self.addr);
            }
        }
    }
}

impl Shared {
    /// Admit a new TCP connection into the handshake budget, or say why not.
    fn admit(self: &Arc<Self>, peer: IpAddr) -> Result<PendingSlot, &'static str> {
        let addr = estreamer_pki::normalize_ip(peer);
        let mut map = self.per_address.lock().unwrap_or_else(|p| p.into_inner());
        let n = map.entry(addr).or_insert(0);
        if *n >= self.service.opts.max_pending_per_address {
            return Err("too many unauthenticated connections from one address");
        }
        let permit =
            Arc::clone(&self.pending).try_acquire_owned().map_err(|_| "too many TLS handshakes in progress")?;
        *n += 1;
        Ok(PendingSlot { shared: Arc::clone(self), addr, _permit: permit })
    }

    /// Pending handshakes now (for tests and metrics).
    pub(crate) fn pending(&self) -> usize {
        self.service.opts.max_pending_handshakes - self.pending.available_permits()
    }
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
        pending: Arc::new(Semaphore::new(opts.max_pending_handshakes)),
        per_address: Mutex::new(HashMap::new()),
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
        let slot = match shared.admit(peer.ip()) {
            Ok(slot) => slot,
            Err(reason) => {
                if let Some(suppressed) = shared.limiter.check(reason) {
                    warn!(%peer, pending = shared.pending(), suppressed, "connection refused: {reason}");
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
