//! The store feeder of one session: the metadata snapshot (if the plan asks for it), then the
//! log from the requested time, then the live tail. It runs as a task owned by its connection
//! task and hands batches over a bounded channel ([`FEED_QUEUE`](crate::FEED_QUEUE) batches),
//! so a slow client slows its feeder and memory does not grow with the backlog.

use std::time::Duration;

use estreamer_store::{StoreReader, StoredRecord};
use estreamer_wire::session::{FeedPlan, Origin};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// What the feeder hands its session.
#[derive(Debug)]
pub enum Feed {
    /// Records in order, all from the snapshot or all from the log.
    Records {
        /// Snapshot or log.
        origin: Origin,
        /// The records (a snapshot entry carries the seq of the log record it came from).
        records: Vec<StoredRecord>,
    },
    /// The cursor reached the current end of the store: close the partial bundle.
    CaughtUp,
    /// The store cannot be read; the session must end.
    Failed(String),
}

/// A running feeder: its queue and its task.
pub struct Feeder {
    /// Batches, in order.
    pub rx: mpsc::Receiver<Feed>,
    task: JoinHandle<()>,
    stop: CancellationToken,
}

impl Feeder {
    /// Start feeding `plan` from `store`.
    pub fn start(store: StoreReader, plan: FeedPlan, batch: usize, batch_bytes: usize, poll: Duration) -> Feeder {
        let (tx, rx) = mpsc::channel(crate::FEED_QUEUE);
        let stop = CancellationToken::new();
        let task = tokio::spawn(run(store, plan, (batch.max(1), batch_bytes.max(1)), poll, tx, stop.clone()));
        Feeder { rx, task, stop }
    }

    /// Why the queue closed without a `Failed` message: the task panicked or ended early.
    pub async fn failure(&mut self) -> String {
        match (&mut self.task).await {
            Err(e) if e.is_panic() => "the store feeder panicked".to_string(),
            Err(e) => format!("the store feeder was cancelled: {e}"),
            Ok(()) => "the store feeder stopped".to_string(),
        }
    }
}

impl Drop for Feeder {
    fn drop(&mut self) {
        self.stop.cancel();
        self.task.abort();
    }
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Result<T, String> {
    tokio::task::spawn_blocking(f).await.map_err(|e| format!("store read task failed: {e}"))
}

async fn run(
    store: StoreReader,
    plan: FeedPlan,
    batch: (usize, usize),
    poll: Duration,
    tx: mpsc::Sender<Feed>,
    stop: CancellationToken,
) {
    if let Err(e) = feed(store, plan, batch, poll, &tx, stop).await {
        let _ = tx.send(Feed::Failed(e)).await;
    }
}

async fn feed(
    store: StoreReader,
    plan: FeedPlan,
    (batch, batch_bytes): (usize, usize),
    poll: Duration,
    tx: &mpsc::Sender<Feed>,
    stop: CancellationToken,
) -> Result<(), String> {
    if plan.snapshot {
        let s = store.clone();
        let (meta, horizon) = blocking(move || -> estreamer_store::Result<_> {
            let meta = s.metadata()?;
            // Every entry read comes from a log record at or below the seq read after it.
            let horizon = s.last_seq()?;
            Ok((meta, horizon))
        })
        .await?
        .map_err(|e| e.to_string())?;
        // Snapshot entries go out with archival timestamp 0 so they never move a bookmark, and
        // carry the seq of the log record they came from; an entry written without one (older
        // stores, `put_metadata`) is taken as of the horizon.
        let records: Vec<StoredRecord> = meta
            .into_iter()
            .map(|m| StoredRecord {
                seq: if m.seq == 0 { horizon } else { m.seq },
                archive_ts: 0,
                record_type: m.record_type,
                body: m.body,
            })
            .collect();
        for chunk in records.chunks(batch) {
            if tx.send(Feed::Records { origin: Origin::Snapshot, records: chunk.to_vec() }).await.is_err() {
                return Ok(());
            }
        }
    }
    let s = store.clone();
    let ts = plan.from_timestamp;
    let mut cursor = blocking(move || s.cursor_from_time(ts)).await?.map_err(|e| e.to_string())?;
    let mut caught_up_sent = false;
    loop {
        let (c, res) = blocking(move || {
            let r = cursor.read_batch(batch, batch_bytes);
            (cursor, r)
        })
        .await?;
        cursor = c;
        // Only the end of the store means "caught up": a batch cut by its byte budget has more
        // records right behind it.
        let (records, at_end) = res.map_err(|e| e.to_string())?;
        let full = !at_end;
        if !records.is_empty() {
            caught_up_sent = false;
            if tx.send(Feed::Records { origin: Origin::Log, records }).await.is_err() {
                return Ok(());
            }
        }
        if !full {
            if !caught_up_sent {
                caught_up_sent = true;
                if tx.send(Feed::CaughtUp).await.is_err() {
                    return Ok(());
                }
            }
            // Live tail: another process may append; look again shortly.
            tokio::select! {
                _ = stop.cancelled() => return Ok(()),
                _ = tokio::time::sleep(poll) => {}
            }
        }
    }
}
