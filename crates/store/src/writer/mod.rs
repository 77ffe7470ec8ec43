//! The single writer: appends (with group commit), segment rolls, retention, metadata puts.

mod commit;
mod recover;
#[cfg(test)]
mod tests;

use std::collections::VecDeque;
use std::fs::{self, File, OpenOptions, TryLockError};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use commit::{Commit, SyncTarget};

use crate::corrupt::{CorruptFrame, CorruptLog};
use crate::frame::{encode_batch_frame, FRAME_HEADER_LEN, MAX_RECORD_BYTES};
use crate::index::{self, IdxEntry};
use crate::meta::{MetaTable, MAX_META_KEY_BYTES};
use crate::segment::{idx_name, log_name, sync_dir};
use crate::{now_unix_secs, Appended, Item, MetaEntry, Result, StoreError, StoreOptions, StoreReader, SyncPolicy};

const LOCK_FILE: &str = "LOCK";

/// Reused encoding buffers above this capacity are shrunk after the batch that grew them.
const KEEP_BUF_BYTES: usize = 8 << 20;

/// The single writer of a store directory; `Send + Sync`, all methods take `&self`.
///
/// Appends from several threads are serialised by a writer lock and share fsyncs (group
/// commit, see `SyncPolicy::Always`): a call returns once its own records are as durable as
/// the policy asks, and nobody holds the writer lock while waiting for an fsync.
pub struct Store {
    dir: Arc<PathBuf>,
    corrupt: Arc<CorruptLog>,
    inner: Mutex<Writer>,
    commit: Commit,
    // Mirrors of the writer's state so that these getters never wait for the writer lock.
    last_seq: AtomicU64,
    last_ts: AtomicU32,
}

/// The segment being appended to.
struct Active {
    first_seq: u64,
    path: Arc<PathBuf>,
    file: Arc<File>,
    idx_path: PathBuf,
    /// `None` after an index write failed: the index is a cache, so rather than poison the
    /// store we stop maintaining it (and delete it) until the next open rebuilds it.
    idx: Option<File>,
    len: u64,
}

/// A segment that is no longer written.
struct Sealed {
    first_seq: u64,
    last_ts: u32,
    bytes: u64,
}

struct Writer {
    dir: PathBuf,
    opts: StoreOptions,
    /// Held only for its OS lock, released when the store is dropped.
    _lock: File,
    active: Active,
    sealed: VecDeque<Sealed>,
    sealed_bytes: u64,
    next_seq: u64,
    last_ts: u32,
    /// Records appended since the last sync was requested (for `SyncPolicy::EveryN`).
    unsynced: u64,
    poisoned: bool,
    meta: MetaTable,
    /// The store's report of corrupt frames; retention drops reports about deleted files.
    corrupt: Arc<CorruptLog>,
    /// Generation of the last write (see `commit`), and of the last one to the metadata.
    gen: u64,
    meta_gen: u64,
    /// Reused buffers: frames, index entries and metadata frames of one batch.
    buf: Vec<u8>,
    idx_buf: Vec<u8>,
    meta_buf: Vec<u8>,
}

impl Store {
    /// Opens (creating if needed) the store in `dir`, locking it and recovering it: a torn
    /// tail is cut, damaged frames with valid frames after them are kept and reported
    /// ([`Store::corrupt_frames`]).
    pub fn open(dir: &Path, opts: StoreOptions) -> Result<Store> {
        if opts.segment_bytes == 0 {
            return Err(StoreError::InvalidOptions("segment_bytes must be > 0".into()));
        }
        if opts.index_every == 0 {
            return Err(StoreError::InvalidOptions("index_every must be > 0".into()));
        }
        fs::create_dir_all(dir).map_err(|e| StoreError::io("create", dir, e))?;
        let lock = lock_dir(dir)?;
        let corrupt = CorruptLog::new();
        let w = Writer::recover(dir, opts, lock, &corrupt)?;
        Ok(Store {
            dir: Arc::new(dir.to_path_buf()),
            corrupt,
            last_seq: AtomicU64::new(w.next_seq - 1),
            last_ts: AtomicU32::new(w.last_ts),
            commit: Commit::new(w.target()),
            inner: Mutex::new(w),
        })
    }

    /// Appends one record stamped with the current time (never earlier than the last one).
    pub fn append(&self, record_type: u32, body: &[u8]) -> Result<Appended> {
        let item = Item { record_type, archive_ts: None, body, meta_key: None };
        Ok(self.write(1, |_| item)?[0])
    }

    /// Appends one record with an explicit archival timestamp, raised to the last one if
    /// earlier so that time stays monotone.
    pub fn append_at(&self, record_type: u32, archive_ts: u32, body: &[u8]) -> Result<Appended> {
        let item = Item { record_type, archive_ts: Some(archive_ts), body, meta_key: None };
        Ok(self.write(1, |_| item)?[0])
    }

    /// Appends records stamped with the current time with one write and at most one fsync
    /// (shared with concurrent callers).
    pub fn append_batch(&self, items: &[(u32, &[u8])]) -> Result<Vec<Appended>> {
        self.write(items.len(), |i| Item {
            record_type: items[i].0,
            archive_ts: None,
            body: items[i].1,
            meta_key: None,
        })
    }

    /// Like [`Store::append_batch`] with an explicit archival timestamp per record (replays,
    /// sensors writing history); each is clamped up to keep the log monotone.
    pub fn append_batch_at(&self, items: &[(u32, u32, &[u8])]) -> Result<Vec<Appended>> {
        self.write(items.len(), |i| {
            let (record_type, ts, body) = items[i];
            Item { record_type, archive_ts: Some(ts), body, meta_key: None }
        })
    }

    /// Appends `items` to the log and, for those with a `meta_key`, makes their body the
    /// latest value of (record_type, key) in the metadata table, with the seq the record
    /// got ([`MetaEntry::seq`]), all under the writer lock: concurrent callers cannot
    /// interleave, so the table always holds the body of the latest log record per key.
    ///
    /// The log frames are written (one write call) before the metadata frames, and under
    /// `SyncPolicy::Always` both are durable when the call returns. A metadata body equal
    /// to the stored one is still rewritten when the seq differs, so the seq stays that of
    /// the latest record.
    pub fn append_batch_with_meta(&self, items: &[Item<'_>]) -> Result<Vec<Appended>> {
        self.write(items.len(), |i| items[i])
    }

    /// Stores `body` as the latest value for (`record_type`, `key`), durably unless the
    /// sync policy is `Never`. The entry's seq is 0 (not tied to a log record); prefer
    /// [`Store::append_batch_with_meta`] for metadata that is also in the log.
    pub fn put_metadata(&self, record_type: u32, key: &[u8], body: &[u8]) -> Result<()> {
        check_len("metadata key", key.len(), MAX_META_KEY_BYTES)?;
        check_len("metadata body", body.len(), MAX_RECORD_BYTES)?;
        let (gen, sync) = {
            let mut w = self.lock()?;
            w.check_poisoned()?;
            let Writer { meta, meta_buf, .. } = &mut *w;
            let r = meta.put_many(meta_buf, std::iter::once((record_type, key, body, 0)));
            match r {
                Ok(false) => return Ok(()),
                Ok(true) => {}
                Err(e) => {
                    w.poisoned = true;
                    self.commit.poison();
                    return Err(e);
                }
            }
            w.gen += 1;
            w.meta_gen = w.gen;
            self.commit.publish(w.target());
            (w.gen, w.opts.sync != SyncPolicy::Never)
        };
        if sync {
            self.commit.wait_durable(gen)?;
        }
        Ok(())
    }

    /// Snapshot of the metadata table, in first-insertion order of keys.
    pub fn metadata(&self) -> Vec<MetaEntry> {
        // A panicked writer thread leaves the table itself consistent (it is updated only
        // after a successful write), so reading through a poisoned mutex is fine.
        let w = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        w.meta.snapshot()
    }

    /// Sequence number of the last appended record (0 when empty).
    pub fn last_seq(&self) -> u64 {
        self.last_seq.load(Ordering::Acquire)
    }

    /// Archival timestamp of the last appended record (0 when empty).
    pub fn last_archive_ts(&self) -> u32 {
        self.last_ts.load(Ordering::Acquire)
    }

    /// A read handle on this store's directory, for reading while writes continue. It
    /// shares this store's report of corrupt frames.
    pub fn reader(&self) -> StoreReader {
        StoreReader::from_dir(Arc::clone(&self.dir), Arc::clone(&self.corrupt))
    }

    /// Damaged frames found so far: by recovery when the store opened (kept on disk,
    /// skipped by readers) and by readers made with [`Store::reader`]. Each was logged once
    /// with `tracing::warn!`.
    pub fn corrupt_frames(&self) -> Vec<CorruptFrame> {
        self.corrupt.snapshot()
    }

    /// The store directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Forces appended records and metadata to stable storage.
    pub fn sync(&self) -> Result<()> {
        let gen = {
            let w = self.lock()?;
            w.check_poisoned()?;
            w.gen
        };
        self.commit.wait_durable(gen)
    }

    fn lock(&self) -> Result<MutexGuard<'_, Writer>> {
        // A panic while holding the lock may have interrupted a write halfway: treat the
        // store like one whose write failed.
        let mut w = self.inner.lock().map_err(|_| StoreError::Poisoned)?;
        if self.commit.is_poisoned() {
            w.poisoned = true;
        }
        Ok(w)
    }

    /// Writes `n` items (`item(i)` for each) in one batch, then waits for durability as
    /// the sync policy asks.
    fn write<'a>(&self, n: usize, item: impl Fn(usize) -> Item<'a>) -> Result<Vec<Appended>> {
        let (out, gen, due) = {
            let mut w = self.lock()?;
            let r = w.write_batch(n, &item);
            self.last_seq.store(w.next_seq - 1, Ordering::Release);
            self.last_ts.store(w.last_ts, Ordering::Release);
            if w.poisoned {
                self.commit.poison();
            }
            let out = r?;
            if out.is_empty() {
                return Ok(out);
            }
            self.commit.publish(w.target());
            let due = w.sync_due();
            (out, w.gen, due)
        };
        if due {
            self.commit.wait_durable(gen)?;
        }
        Ok(out)
    }

    /// Test hook: the next fsync of the group commit fails like a disk error.
    #[cfg(test)]
    pub(crate) fn fail_next_sync(&self) {
        self.commit.fail_next_sync.store(true, Ordering::Release);
    }

    /// Test hook: number of group-commit fsync rounds so far.
    #[cfg(test)]
    pub(crate) fn sync_rounds(&self) -> u64 {
        self.commit.rounds.load(Ordering::Acquire)
    }
}

impl Drop for Store {
    fn drop(&mut self) {
        if self.commit.is_poisoned() {
            // The writer must not sync over a failed fsync on close either.
            self.inner.get_mut().unwrap_or_else(|p| p.into_inner()).poisoned = true;
        }
    }
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("dir", &self.dir)
            .field("last_seq", &self.last_seq())
            .field("last_archive_ts", &self.last_archive_ts())
            .finish_non_exhaustive()
    }
}

/// Creates `dir/LOCK` if needed and takes an exclusive lock on it.
fn lock_dir(dir: &Path) -> Result<File> {
    let lock_path = dir.join(LOCK_FILE);
    let lock = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(|e| StoreError::io("open", &lock_path, e))?;
    match lock.try_lock() {
        Ok(()) => Ok(lock),
        Err(TryLockError::WouldBlock) => Err(StoreError::Locked { dir: dir.to_path_buf() }),
        Err(TryLockError::Error(e)) => Err(StoreError::io("lock", &lock_path, e)),
    }
}

fn check_len(what: &'static str, len: usize, max: usize) -> Result<()> {
    if len > max {
        return Err(StoreError::TooLarge { what, len, max });
    }
    Ok(())
}

impl Writer {
    fn check_poisoned(&self) -> Result<()> {
        if self.poisoned {
            return Err(StoreError::Poisoned);
        }
        Ok(())
    }

    /// What a sync must cover now.
    fn target(&self) -> SyncTarget {
        SyncTarget {
            gen: self.gen,
            log: Arc::clone(&self.active.file),
            log_path: Arc::clone(&self.active.path),
            log_len: self.active.len,
            meta: Arc::clone(self.meta.file()),
            meta_path: Arc::new(self.meta.path().to_path_buf()),
            meta_gen: self.meta_gen,
        }
    }

    /// Whether the batch just written must be synced before the call returns.
    fn sync_due(&mut self) -> bool {
        let due = match self.opts.sync {
            SyncPolicy::Always => true,
            SyncPolicy::EveryN(n) => self.unsynced >= u64::from(n.max(1)),
            SyncPolicy::Never => false,
        };
        if due {
            self.unsynced = 0;
        }
        due
    }

    fn write_batch<'a>(&mut self, n: usize, item: &impl Fn(usize) -> Item<'a>) -> Result<Vec<Appended>> {
        self.check_poisoned()?;
        let mut batch_bytes = 0u64;
        for i in 0..n {
            let it = item(i);
            check_len("record body", it.body.len(), MAX_RECORD_BYTES)?;
            if let Some(key) = it.meta_key {
                check_len("metadata key", key.len(), MAX_META_KEY_BYTES)?;
            }
            batch_bytes += (FRAME_HEADER_LEN + it.body.len()) as u64;
        }
        if n == 0 {
            return Ok(Vec::new());
        }
        // Roll before, never during, a batch: a batch is one write, and readers rely on a
        // segment being complete once the next one exists.
        if self.active.len > 0 && self.active.len.saturating_add(batch_bytes) > self.opts.segment_bytes {
            if let Err(e) = self.roll() {
                self.poisoned = true;
                return Err(e);
            }
        }

        let now = now_unix_secs();
        let stride = u64::from(self.opts.index_every);
        self.buf.clear();
        self.idx_buf.clear();
        self.buf.reserve(usize::try_from(batch_bytes).unwrap_or(0));
        let mut out = Vec::with_capacity(n);
        let (mut seq, mut ts) = (self.next_seq, self.last_ts);
        let mut any_meta = false;
        for i in 0..n {
            let it = item(i);
            ts = ts.max(it.archive_ts.unwrap_or(now));
            if (seq - self.active.first_seq).is_multiple_of(stride) {
                let e = IdxEntry { seq, offset: self.active.len + self.buf.len() as u64, archive_ts: ts };
                index::encode_entry(&mut self.idx_buf, &e);
            }
            encode_batch_frame(&mut self.buf, seq, ts, it.record_type, it.body, i + 1 < n);
            out.push(Appended { seq, archive_ts: ts });
            any_meta |= it.meta_key.is_some();
            seq += 1;
        }

        let offset = self.active.len;
        if let Err(e) = (&*self.active.file).write_all(&self.buf) {
            self.poisoned = true;
            return Err(StoreError::io_at("append to", &self.active.path, offset, e));
        }
        self.active.len += self.buf.len() as u64;
        self.next_seq = seq;
        self.last_ts = ts;
        self.gen += 1;
        // The index entry is written after the frames it points to, so a reader never
        // follows an entry to a frame that is not there yet.
        if !self.idx_buf.is_empty() {
            self.active.append_index(&self.idx_buf);
        }
        // Metadata after the log records it refers to.
        if any_meta {
            let entries = (0..n).filter_map(|i| {
                let it = item(i);
                it.meta_key.map(|key| (it.record_type, key, it.body, out[i].seq))
            });
            match self.meta.put_many(&mut self.meta_buf, entries) {
                Ok(true) => self.meta_gen = self.gen,
                Ok(false) => {}
                Err(e) => {
                    self.poisoned = true;
                    return Err(e);
                }
            }
        }
        self.unsynced += n as u64;
        self.enforce_retention();
        for b in [&mut self.buf, &mut self.idx_buf, &mut self.meta_buf] {
            if b.capacity() > KEEP_BUF_BYTES {
                *b = Vec::new();
            }
        }
        Ok(out)
    }

    fn sync_files(&mut self) -> Result<()> {
        let a = &self.active;
        a.file.sync_data().map_err(|e| StoreError::io_at("sync", &a.path, a.len, e))?;
        self.unsynced = 0;
        Ok(())
    }

    /// Seals the active segment and starts a new one at `next_seq`.
    fn roll(&mut self) -> Result<()> {
        let sync = self.opts.sync != SyncPolicy::Never;
        if sync {
            // Seal durably: recovery only scans the last segment in full, and the group
            // commit only syncs the newest segment.
            self.sync_files()?;
        }
        let (file, idx) = recover::create_segment(&self.dir, self.next_seq, self.opts.index_every)?;
        if sync {
            sync_dir(&self.dir).map_err(|e| StoreError::io("sync", &self.dir, e))?;
        }
        let first_seq = self.next_seq;
        let new = Active {
            first_seq,
            path: Arc::new(self.dir.join(log_name(first_seq))),
            file: Arc::new(file),
            idx_path: self.dir.join(idx_name(first_seq)),
            idx,
            len: 0,
        };
        let old = std::mem::replace(&mut self.active, new);
        tracing::debug!(sealed = %old.path.display(), bytes = old.len, next = first_seq, "rolled segment");
        self.sealed_bytes += old.len;
        self.sealed.push_back(Sealed { first_seq: old.first_seq, last_ts: self.last_ts, bytes: old.len });
        Ok(())
    }

    /// Deletes whole oldest sealed segments while over the size or age limit.
    fn enforce_retention(&mut self) {
        let Some(r) = self.opts.retention.clone() else {
            return;
        };
        let now = u64::from(now_unix_secs());
        while let Some(front) = self.sealed.front() {
            let total = self.sealed_bytes + self.active.len;
            let over_bytes = r.max_bytes.is_some_and(|m| total > m);
            let too_old = r.max_age.is_some_and(|age| u64::from(front.last_ts).saturating_add(age.as_secs()) < now);
            if !over_bytes && !too_old {
                break;
            }
            let path = self.dir.join(log_name(front.first_seq));
            match fs::remove_file(&path) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => {
                    // Not a data write: the log is intact, so warn and try again later.
                    tracing::warn!(segment = %path.display(), error = %e, "retention could not delete segment");
                    break;
                }
            }
            let _ = fs::remove_file(self.dir.join(idx_name(front.first_seq)));
            self.corrupt.forget(&path);
            tracing::info!(segment = %path.display(), bytes = front.bytes, over_bytes, too_old, "retention deleted segment");
            self.sealed_bytes -= front.bytes;
            self.sealed.pop_front();
        }
    }
}

impl Active {
    fn append_index(&mut self, buf: &[u8]) {
        let Some(f) = self.idx.as_mut() else {
            return;
        };
        if let Err(e) = f.write_all(buf) {
            tracing::warn!(file = %self.idx_path.display(), error = %e, "index write failed; readers will scan this segment until the next open rebuilds it");
            self.idx = None;
            let _ = fs::remove_file(&self.idx_path);
        }
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        if !self.poisoned && self.opts.sync != SyncPolicy::Never {
            let r = self
                .sync_files()
                .and_then(|()| self.meta.file().sync_data().map_err(|e| StoreError::io("sync", self.meta.path(), e)));
            if let Err(e) = r {
                tracing::warn!(error = %e, "final sync on close failed");
            }
        }
    }
}
