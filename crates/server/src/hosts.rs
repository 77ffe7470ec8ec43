//! The network map as the connection tasks see it: brought up to date with the store before an
//! answer (read-your-writes), then read page by page so a /16 answer never sits in memory whole.

use estreamer_wire::session::HostBlocks;

/// One host, able to write the profile blocks a query asks for.
pub type HostEntry = Box<dyn HostBlocks + Send>;

/// Host lookups for Host Requests (PROTOCOL.md §8).
pub trait HostMap: Send + Sync + 'static {
    /// Apply what the store gained since the last call.
    fn sync(&self) -> Result<(), String>;
    /// Up to `limit` hosts with `start ≤ address ≤ end`, after `after` (exclusive) when given,
    /// in address order. Addresses are 16 bytes, IPv4 as IPv4-mapped IPv6.
    fn page(&self, start: [u8; 16], end: [u8; 16], after: Option<[u8; 16]>, limit: usize) -> Vec<HostEntry>;
}

/// Hosts handed to a session per step of a range answer.
pub const HOST_PAGE: usize = 256;

impl HostMap for estreamer_store::NetMapTracker {
    fn sync(&self) -> Result<(), String> {
        estreamer_store::NetMapTracker::sync(self).map(|_| ()).map_err(|e| e.to_string())
    }

    fn page(&self, start: [u8; 16], end: [u8; 16], after: Option<[u8; 16]>, limit: usize) -> Vec<HostEntry> {
        self.read().page(start, end, after, limit).into_iter().map(|h| Box::new(h) as HostEntry).collect()
    }
}

/// Keep the network map following the log while the service runs (hosts written by another
/// process or the ingest endpoint), and save its snapshot when the service stops so the next
/// start replays only the tail.
pub async fn follow(
    tracker: std::sync::Arc<estreamer_store::NetMapTracker>,
    every: std::time::Duration,
    shutdown: tokio_util::sync::CancellationToken,
) {
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => break,
            _ = tokio::time::sleep(every) => {}
        }
        let t = std::sync::Arc::clone(&tracker);
        match tokio::task::spawn_blocking(move || t.sync()).await {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => tracing::warn!(error = %e, "network map could not read the store; will retry"),
            Err(e) => tracing::warn!(error = %e, "network map update task failed"),
        }
    }
    let t = std::sync::Arc::clone(&tracker);
    match tokio::task::spawn_blocking(move || {
        t.sync().map(|_| ()).map_err(|e| e.to_string()).and_then(|()| t.save_snapshot().map_err(|e| e.to_string()))
    })
    .await
    {
        Ok(Ok(())) => tracing::info!("network map snapshot saved"),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "network map snapshot not saved; the next start rebuilds it from the log")
        }
        Err(e) => tracing::warn!(error = %e, "network map snapshot task failed"),
    }
}
