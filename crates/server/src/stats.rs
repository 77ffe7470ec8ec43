//! Counters of what the service did, for operators (logs, metrics) and for tests, which wait on
//! them instead of sleeping.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::sync::Notify;

/// Why connections ended, counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndReason {
    /// Refused before authentication (admission budget, handshake failure or timeout, identity).
    Refused,
    /// Authenticated but over the client cap ("No space").
    NoSpace,
    /// The client closed the connection (or sent its goodbye Error).
    ClientClosed,
    /// A read or write failed.
    IoFailed,
    /// The client stopped reading: a write exceeded the write timeout.
    WriteStalled,
    /// The session sent an Error and closed (bad message, timeout, no acks, store error, host
    /// request refused).
    ErrorSent,
    /// Service shutdown.
    Shutdown,
}

const REASONS: usize = 7;

/// Keeps a session counted as active.
pub(crate) struct ActiveSession<'a>(&'a ServerStats);

impl Drop for ActiveSession<'_> {
    fn drop(&mut self) {
        self.0.active.fetch_sub(1, Ordering::Relaxed);
        self.0.changed.notify_waiters();
    }
}

/// The service's counters.
#[derive(Debug, Default)]
pub struct ServerStats {
    accepted: AtomicU64,
    authenticated: AtomicU64,
    active: AtomicU64,
    ended: [AtomicU64; REASONS],
    changed: Notify,
}

impl ServerStats {
    pub(crate) fn accepted(&self) {
        self.accepted.fetch_add(1, Ordering::Relaxed);
        self.changed.notify_waiters();
    }

    /// An authenticated session starts; it counts as active until the guard drops.
    pub(crate) fn session(&self) -> ActiveSession<'_> {
        self.authenticated.fetch_add(1, Ordering::Relaxed);
        self.active.fetch_add(1, Ordering::Relaxed);
        self.changed.notify_waiters();
        ActiveSession(self)
    }

    pub(crate) fn ended(&self, reason: EndReason) {
        self.ended[reason as usize].fetch_add(1, Ordering::Relaxed);
        self.changed.notify_waiters();
    }

    /// TCP connections accepted (before admission).
    pub fn accepted_total(&self) -> u64 {
        self.accepted.load(Ordering::Relaxed)
    }

    /// Sessions that passed TLS and the identity check.
    pub fn authenticated_total(&self) -> u64 {
        self.authenticated.load(Ordering::Relaxed)
    }

    /// Authenticated sessions running now.
    pub fn active(&self) -> u64 {
        self.active.load(Ordering::Relaxed)
    }

    /// Connections that ended for `reason`.
    pub fn ended_total(&self, reason: EndReason) -> u64 {
        self.ended[reason as usize].load(Ordering::Relaxed)
    }

    /// Wait until `cond` holds, or `limit` passes; returns whether it held.
    pub async fn wait_for(&self, limit: Duration, cond: impl Fn(&ServerStats) -> bool) -> bool {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            let changed = self.changed.notified();
            if cond(self) {
                return true;
            }
            if tokio::time::timeout_at(deadline, changed).await.is_err() {
                return cond(self);
            }
        }
    }
}
