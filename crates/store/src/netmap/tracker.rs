//! Keeping a shared [`NetMap`] up to date with the log, across restarts.
//!
//! # Locking
//!
//! The map lives in an `Arc<RwLock<NetMap>>`. Readers (host queries) take the read lock.
//! [`NetMapTracker::sync`] holds the tracker's own mutex for its whole run, so syncs never
//! overlap and a caller that waited for another sync finds the map caught up; it reads each
//! batch from the store *without* the map lock and takes the write lock only to apply that
//! batch, so queries wait at most one batch (a few thousand records, about a millisecond).
//! Saving a snapshot serializes the map under the read lock and writes the file without any
//! map lock.
//!
//! Read-your-writes: a record appended before `sync` is called is applied before it returns,
//! because `sync` reads until the cursor reports the current end of the log.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard};

use super::{NetMap, SnapshotError, DEFAULT_HOST_LIMIT};
use crate::{Cursor, Result, StoreError, StoreReader};

/// Body bytes read per batch at most (the first record of a batch is always read).
const BATCH_BYTES: usize = 8 << 20;

/// How a [`NetMapTracker`] keeps its map.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrackerOptions {
    /// Host limit of the map.
    pub host_limit: usize,
    /// Snapshot file; `None` keeps no snapshot (every start replays the whole log).
    pub snapshot_path: Option<PathBuf>,
    /// Save a snapshot after this many applied records (0: only on request).
    pub snapshot_every: u64,
    /// Records applied per write-lock hold.
    pub batch_records: usize,
}

impl Default for TrackerOptions {
    fn default() -> Self {
        TrackerOptions {
            host_limit: DEFAULT_HOST_LIMIT,
            snapshot_path: None,
            snapshot_every: 100_000,
            batch_records: 4096,
        }
    }
}

struct TrackerState {
    reader: StoreReader,
    cursor: Option<Cursor>,
    options: TrackerOptions,
    applied_since_snapshot: u64,
}

/// Owns a store cursor and brings a shared [`NetMap`] up to the end of the log.
pub struct NetMapTracker {
    map: Arc<RwLock<NetMap>>,
    state: Mutex<TrackerState>,
}

impl std::fmt::Debug for NetMapTracker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let map = self.read();
        f.debug_struct("NetMapTracker").field("hosts", &map.len()).field("last_seq", &map.last_seq()).finish()
    }
}

impl NetMapTracker {
    /// A tracker over `reader`, starting from the snapshot if one is configured and usable.
    ///
    /// A missing, damaged or foreign snapshot (one that claims more records than the log
    /// has) is not an error: it is logged and the map is rebuilt from the start of the log by
    /// the first [`NetMapTracker::sync`]. Nothing is read from the log here.
    pub fn open(reader: StoreReader, options: TrackerOptions) -> NetMapTracker {
        let mut map = NetMap::new(options.host_limit);
        if let Some(path) = &options.snapshot_path {
            match NetMap::load_snapshot(path, options.host_limit) {
                Ok(loaded) => match reader.last_seq() {
                    Ok(end) if loaded.last_seq() > end => tracing::warn!(
                        snapshot = %path.display(),
                        snapshot_seq = loaded.last_seq(),
                        log_seq = end,
                        "network map snapshot is ahead of the log (another store?); rebuilding from the log"
                    ),
                    _ => {
                        tracing::info!(
                            snapshot = %path.display(),
                            hosts = loaded.len(),
                            seq = loaded.last_seq(),
                            "network map snapshot loaded"
                        );
                        map = loaded;
                    }
                },
                Err(e) if e.is_missing() => {
                    tracing::info!(snapshot = %path.display(), "no network map snapshot yet; building from the log")
                }
                Err(e) => tracing::warn!(error = %e, "network map snapshot not used; rebuilding from the log"),
            }
        }
        NetMapTracker {
            map: Arc::new(RwLock::new(map)),
            state: Mutex::new(TrackerState { reader, cursor: None, options, applied_since_snapshot: 0 }),
        }
    }

    /// The shared map (to hand to query code that outlives a borrow of the tracker).
    pub fn map(&self) -> Arc<RwLock<NetMap>> {
        Arc::clone(&self.map)
    }

    /// Read access to the map. A panic while the map was being updated leaves it usable (every
    /// record is applied whole or not at all as far as readers can tell), so poisoning is
    /// ignored.
    pub fn read(&self) -> RwLockReadGuard<'_, NetMap> {
        self.map.read().unwrap_or_else(|p| p.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, NetMap> {
        self.map.write().unwrap_or_else(|p| p.into_inner())
    }

    fn state(&self) -> MutexGuard<'_, TrackerState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Apply every record appended since the last sync; returns how many records were read.
    ///
    /// Cheap when caught up (one read at the end of the current segment). Saves a snapshot
    /// every [`TrackerOptions::snapshot_every`] applied records (a failed save is logged, not
    /// returned: the snapshot is only a cache). Store errors are returned; the next call seeks
    /// again from the last applied record. When retention already deleted the records after
    /// the last applied one, the map goes on from the oldest retained record (logged).
    pub fn sync(&self) -> Result<usize> {
        let mut st = self.state();
        let mut total = 0;
        loop {
            if st.cursor.is_none() {
                let next = self.read().last_seq() + 1;
                st.cursor = Some(seek(&st.reader, next)?);
            }
            let max_records = st.options.batch_records.max(1);
            let Some(cursor) = st.cursor.as_mut() else { continue };
            let batch = match cursor.next_batch(max_records, BATCH_BYTES) {
                Ok(b) => b,
                Err(StoreError::Expired { requested, oldest }) => {
                    tracing::warn!(
                        requested,
                        oldest,
                        "network map: records removed by retention before they were applied"
                    );
                    st.cursor = Some(st.reader.cursor_from_seq(oldest)?);
                    continue;
                }
                Err(e) => {
                    st.cursor = None;
                    return Err(e);
                }
            };
            let skipped = cursor.take_skipped();
            if !skipped.is_empty() {
                // The store logged each one; say what it means for the map.
                tracing::warn!(
                    frames = skipped.len(),
                    "network map: damaged frames skipped; their events are not in the map"
                );
            }
            if batch.is_empty() {
                return Ok(total);
            }
            {
                let mut map = self.write();
                for r in &batch {
                    map.apply(r.seq, r.record_type, &r.body);
                }
            }
            total += batch.len();
            st.applied_since_snapshot += batch.len() as u64;
            let every = st.options.snapshot_every;
            if every > 0 && st.applied_since_snapshot >= every {
                if let Err(e) = self.save_with(&mut st) {
                    tracing::warn!(error = %e, "network map snapshot not saved");
                }
            }
        }
    }

    /// Save a snapshot now, if a snapshot path is configured (otherwise nothing is done).
    pub fn save_snapshot(&self) -> std::result::Result<(), SnapshotError> {
        let mut st = self.state();
        self.save_with(&mut st)
    }

    fn save_with(&self, st: &mut TrackerState) -> std::result::Result<(), SnapshotError> {
        let Some(path) = st.options.snapshot_path.clone() else { return Ok(()) };
        let bytes = self.read().snapshot_bytes();
        super::snapshot::write_atomically(&path, &bytes)?;
        st.applied_since_snapshot = 0;
        Ok(())
    }
}

/// A cursor at `seq`, or at the oldest retained record when retention already removed it.
fn seek(reader: &StoreReader, seq: u64) -> Result<Cursor> {
    match reader.cursor_from_seq(seq) {
        Err(StoreError::Expired { requested, oldest }) => {
            tracing::warn!(requested, oldest, "network map: records removed by retention before they were applied");
            reader.cursor_from_seq(oldest)
        }
        other => other,
    }
}
