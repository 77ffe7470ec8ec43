//! The single writer: open/recovery, appends, segment rolls, retention, metadata puts.

use std::collections::VecDeque;
use std::fs::{self, File, OpenOptions, TryLockError};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use crate::corrupt::{CorruptFrame, CorruptLog};
use crate::frame::{encode_frame, FrameReader, FRAME_HEADER_LEN, MAX_RECORD_BYTES};
use crate::index::{self, IdxEntry, IndexLoad};
use crate::meta::{self, MetaTable, MAX_META_KEY_BYTES};
use crate::segment::{self, idx_name, log_name, scan, sync_dir, Stop};
use crate::{now_unix_secs, Appended, MetaEntry, Result, StoreError, StoreOptions, StoreReader, SyncPolicy};

const LOCK_FILE: &str = "LOCK";

/// The single writer of a store directory; `Send + Sync`, all methods take `&self`.
pub struct Store {
    dir: Arc<PathBuf>,
    corrupt: Arc<CorruptLog>,
    inner: Mutex<Writer>,
    // Mirrors of the writer's state so that these getters never wait for an fsync.
    last_seq: AtomicU64,
    last_ts: AtomicU32,
}

/// The segment being appended to.
struct Active {
    first_seq: u64,
    path: PathBuf,
    file: File,
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
    unsynced: u64,
    poisoned: bool,
    meta: MetaTable,
    /// The store's report of corrupt frames; retention drops reports about deleted files.
    corrupt: Arc<CorruptLog>,
}

/// One record of a batch; `ts` is `None` for "now".
struct Item<'a> {
    record_type: u32,
    ts: Option<u32>,
    body: &'a [u8],
}

impl Store {
    /// Opens (creating if needed) the store in `dir`, locking it and repairing a torn tail.
    pub fn open(dir: &Path, opts: StoreOptions) -> Result<Store> {
        if opts.segment_bytes == 0 {
            return Err(StoreError::InvalidOptions("segment_bytes must be > 0".into()));
        }
        if opts.index_every == 0 {
            return Err(StoreError::InvalidOptions("index_every must be > 0".into()));
        }
        fs::create_dir_all(dir).map_err(|e| StoreError::io("create", dir, e))?;
        let lock_path = dir.join(LOCK_FILE);
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|e| StoreError::io("open", &lock_path, e))?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => return Err(StoreError::Locked { dir: dir.to_path_buf() }),
            Err(TryLockError::Error(e)) => return Err(StoreError::io("lock", &lock_path, e)),
        }
        let corrupt = CorruptLog::new();
        let w = Writer::recover(dir, opts, lock, &corrupt)?;
        let store = Store {
            dir: Arc::new(dir.to_path_buf()),
            corrupt,
            last_seq: AtomicU64::new(w.next_seq - 1),
            last_ts: AtomicU32::new(w.last_ts),
            inner: Mutex::new(w),
        };
        Ok(store)
    }

    /// Appends one record stamped with the current time (never earlier than the last one).
    pub fn append(&self, record_type: u32, body: &[u8]) -> Result<Appended> {
        let items = [Item { record_type, ts: None, body }];
        Ok(self.write(&items)?[0])
    }

    /// Appends one record with an explicit archival timestamp, raised to the last one if
    /// earlier so that time stays monotone.
    pub fn append_at(&self, record_type: u32, archive_ts: u32, body: &[u8]) -> Result<Appended> {
        let items = [Item { record_type, ts: Some(archive_ts), body }];
        Ok(self.write(&items)?[0])
    }

    /// Appends records stamped with the current time with one write and at most one fsync.
    pub fn append_batch(&self, items: &[(u32, &[u8])]) -> Result<Vec<Appended>> {
        let items: Vec<Item<'_>> =
            items.iter().map(|&(record_type, body)| Item { record_type, ts: None, body }).collect();
        self.write(&items)
    }

    /// Like [`Store::append_batch`] with an explicit archival timestamp per record (replays,
    /// sensors writing history); each is clamped up to keep the log monotone.
    pub fn append_batch_at(&self, items: &[(u32, u32, &[u8])]) -> Result<Vec<Appended>> {
        let items: Vec<Item<'_>> =
            items.iter().map(|&(record_type, ts, body)| Item { record_type, ts: Some(ts), body }).collect();
        self.write(&items)
    }

    /// Stores `body` as the latest value for (`record_type`, `key`), durably.
    pub fn put_metadata(&self, record_type: u32, key: &[u8], body: &[u8]) -> Result<()> {
        check_len("metadata key", key.len(), MAX_META_KEY_BYTES)?;
        check_len("metadata body", body.len(), MAX_RECORD_BYTES)?;
        let mut w = self.lock()?;
        w.check_poisoned()?;
        let sync = w.opts.sync != SyncPolicy::Never;
        let r = w.meta.put(record_type, key, body, sync);
        if r.is_err() {
            w.poisoned = true;
        }
        r
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

    /// A read handle on this store's directory, for reading while writes continue.
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
        let mut w = self.lock()?;
        w.check_poisoned()?;
        let r = w.sync_active().and_then(|()| w.meta.sync());
        if r.is_err() {
            w.poisoned = true;
        }
        r
    }

    fn lock(&self) -> Result<MutexGuard<'_, Writer>> {
        // A panic while holding the lock may have interrupted a write halfway: treat the
        // store like one whose write failed.
        self.inner.lock().map_err(|_| StoreError::Poisoned)
    }

    fn write(&self, items: &[Item<'_>]) -> Result<Vec<Appended>> {
        let mut w = self.lock()?;
        let r = w.write_batch(items);
        self.last_seq.store(w.next_seq - 1, Ordering::Release);
        self.last_ts.store(w.last_ts, Ordering::Release);
        r
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

fn check_len(what: &'static str, len: usize, max: usize) -> Result<()> {
    if len > max {
        return Err(StoreError::TooLarge { what, len, max });
    }
    Ok(())
}

/// What a check of one segment found.
struct SegSummary {
    next_seq: u64,
    last_ts: Option<u32>,
    bytes: u64,
}

impl Writer {
    fn recover(dir: &Path, opts: StoreOptions, lock: File, corrupt: &Arc<CorruptLog>) -> Result<Writer> {
        remove_leftovers(dir)?;
        let stride = opts.index_every;
        let sync = opts.sync != SyncPolicy::Never;
        let mut firsts = segment::list(dir)?;
        if firsts.is_empty() {
            let (file, idx) = create_segment(dir, 1, stride)?;
            drop((file, idx));
            if sync {
                sync_dir(dir).map_err(|e| StoreError::io("sync", dir, e))?;
            }
            firsts.push(1);
        }
        let (&last_first, older) = firsts.split_last().unwrap_or((&1, &[]));

        let mut sealed = VecDeque::new();
        let mut sealed_bytes = 0;
        // (next seq, last ts) of the previous non-empty segment.
        let mut prev: Option<(u64, u32)> = None;
        for (i, &first) in older.iter().enumerate() {
            let next_first = firsts[i + 1];
            let s = check_sealed(dir, first, stride, next_first, corrupt)?;
            let Some(last_ts) = s.last_ts else {
                // Only a crash between creating a segment and writing to it, followed by a
                // lost tail, can leave an empty older segment; it holds nothing.
                tracing::warn!(segment = %dir.join(log_name(first)).display(), "removing empty sealed segment");
                remove_segment(dir, first);
                continue;
            };
            check_continuity(dir, prev, first)?;
            prev = Some((s.next_seq, last_ts));
            sealed_bytes += s.bytes;
            sealed.push_back(Sealed { first_seq: first, last_ts, bytes: s.bytes });
        }

        let last = recover_last(dir, last_first, stride, corrupt)?;
        check_continuity(dir, prev, last_first)?;
        let last_ts = last.last_ts.or(prev.map(|p| p.1)).unwrap_or(0);
        let path = dir.join(log_name(last_first));
        let file = OpenOptions::new().append(true).open(&path).map_err(|e| StoreError::io("open", &path, e))?;
        let idx_path = dir.join(idx_name(last_first));
        let idx = match index::open_append(&idx_path) {
            Ok(f) => Some(f),
            Err(e) => {
                tracing::warn!(file = %idx_path.display(), error = %e, "cannot open index for appending; it will be rebuilt at next open");
                None
            }
        };
        let meta = MetaTable::open(dir, sync)?;
        let mut w = Writer {
            dir: dir.to_path_buf(),
            opts,
            _lock: lock,
            active: Active { first_seq: last_first, path, file, idx_path, idx, len: last.bytes },
            sealed,
            sealed_bytes,
            next_seq: last.next_seq,
            last_ts,
            unsynced: 0,
            poisoned: false,
            meta,
            corrupt: Arc::clone(corrupt),
        };
        w.enforce_retention();
        Ok(w)
    }

    fn check_poisoned(&self) -> Result<()> {
        if self.poisoned {
            return Err(StoreError::Poisoned);
        }
        Ok(())
    }

    fn write_batch(&mut self, items: &[Item<'_>]) -> Result<Vec<Appended>> {
        self.check_poisoned()?;
        for it in items {
            check_len("record body", it.body.len(), MAX_RECORD_BYTES)?;
        }
        if items.is_empty() {
            return Ok(Vec::new());
        }
        let batch_bytes: u64 = items.iter().map(|it| (FRAME_HEADER_LEN + it.body.len()) as u64).sum();
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
        let mut buf = Vec::with_capacity(usize::try_from(batch_bytes).unwrap_or(0));
        let mut idx_buf = Vec::new();
        let mut out = Vec::with_capacity(items.len());
        let (mut seq, mut ts) = (self.next_seq, self.last_ts);
        for it in items {
            ts = ts.max(it.ts.unwrap_or(now));
            if (seq - self.active.first_seq).is_multiple_of(stride) {
                let e = IdxEntry { seq, offset: self.active.len + buf.len() as u64, archive_ts: ts };
                index::encode_entry(&mut idx_buf, &e);
            }
            encode_frame(&mut buf, seq, ts, it.record_type, it.body);
            out.push(Appended { seq, archive_ts: ts });
            seq += 1;
        }

        let offset = self.active.len;
        if let Err(e) = self.active.file.write_all(&buf) {
            self.poisoned = true;
            return Err(StoreError::io_at("append to", &self.active.path, offset, e));
        }
        self.active.len += buf.len() as u64;
        self.next_seq = seq;
        self.last_ts = ts;
        // The index entry is written after the frames it points to, so a reader never
        // follows an entry to a frame that is not there yet.
        if !idx_buf.is_empty() {
            self.active.append_index(&idx_buf);
        }
        self.unsynced += items.len() as u64;
        let due = match self.opts.sync {
            SyncPolicy::Always => true,
            SyncPolicy::EveryN(n) => self.unsynced >= u64::from(n.max(1)),
            SyncPolicy::Never => false,
        };
        if due {
            if let Err(e) = self.sync_active() {
                self.poisoned = true;
                return Err(e);
            }
        }
        self.enforce_retention();
        Ok(out)
    }

    fn sync_active(&mut self) -> Result<()> {
        self.active.file.sync_data().map_err(|e| StoreError::io_at("sync", &self.active.path, self.active.len, e))?;
        self.unsynced = 0;
        Ok(())
    }

    /// Seals the active segment and starts a new one at `next_seq`.
    fn roll(&mut self) -> Result<()> {
        let sync = self.opts.sync != SyncPolicy::Never;
        if sync {
            // Seal durably: recovery only scans the last segment in full, so older ones
            // should never have a torn tail.
            self.sync_active()?;
        }
        let (file, idx) = create_segment(&self.dir, self.next_seq, self.opts.index_every)?;
        if sync {
            sync_dir(&self.dir).map_err(|e| StoreError::io("sync", &self.dir, e))?;
        }
        let first_seq = self.next_seq;
        let new = Active {
            first_seq,
            path: self.dir.join(log_name(first_seq)),
            file,
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
        if !self.poisoned && self.opts.sync != SyncPolicy::Never && self.unsynced > 0 {
            if let Err(e) = self.sync_active() {
                tracing::warn!(error = %e, "final sync on close failed");
            }
        }
    }
}

/// Removes temp files of interrupted index/metadata rewrites and indexes without a log.
fn remove_leftovers(dir: &Path) -> Result<()> {
    let rd = fs::read_dir(dir).map_err(|e| StoreError::io("list", dir, e))?;
    for ent in rd {
        let ent = ent.map_err(|e| StoreError::io("list", dir, e))?;
        let name = ent.file_name();
        let Some(name) = name.to_str() else { continue };
        let orphan_idx = segment::parse_idx_name(name).is_some_and(|first| !dir.join(log_name(first)).exists());
        let tmp = name.starts_with("seg-") && name.ends_with(".idx.tmp");
        if orphan_idx || tmp {
            let _ = fs::remove_file(ent.path());
        }
    }
    let _ = fs::remove_file(meta::tmp_path(dir));
    Ok(())
}

/// Creates an empty segment file and its index (header only).
fn create_segment(dir: &Path, first_seq: u64, stride: u32) -> Result<(File, Option<File>)> {
    let path = dir.join(log_name(first_seq));
    let file =
        OpenOptions::new().create_new(true).append(true).open(&path).map_err(|e| StoreError::io("create", &path, e))?;
    let idx_path = dir.join(idx_name(first_seq));
    let idx = File::create(&idx_path).and_then(|mut f| {
        f.write_all(&index::encode_header(first_seq, stride))?;
        Ok(f)
    });
    let idx = match idx {
        Ok(f) => Some(f),
        Err(e) => {
            tracing::warn!(file = %idx_path.display(), error = %e, "cannot create index; readers will scan this segment");
            let _ = fs::remove_file(&idx_path);
            None
        }
    };
    Ok((file, idx))
}

fn remove_segment(dir: &Path, first: u64) {
    let _ = fs::remove_file(dir.join(log_name(first)));
    let _ = fs::remove_file(dir.join(idx_name(first)));
}

fn check_continuity(dir: &Path, prev: Option<(u64, u32)>, first: u64) -> Result<()> {
    let Some((prev_next, _)) = prev else {
        return Ok(());
    };
    if first < prev_next {
        return Err(StoreError::Inconsistent {
            dir: dir.to_path_buf(),
            reason: format!(
                "segment {} starts at seq {first} but the previous segment already holds seq {}",
                log_name(first),
                prev_next - 1
            ),
        });
    }
    if first > prev_next {
        tracing::warn!(
            segment = %dir.join(log_name(first)).display(),
            missing_from = prev_next,
            missing_to = first - 1,
            "sequence gap before segment (records lost in an unsynced crash)"
        );
    }
    Ok(())
}

fn open_reader(path: &Path) -> Result<(FrameReader, u64)> {
    let len = fs::metadata(path).map_err(|e| StoreError::io("stat", path, e))?.len();
    let fr = FrameReader::open(path).map_err(|e| StoreError::io("open", path, e))?;
    Ok((fr, len))
}

fn truncate_tail(path: &Path, valid: u64, len: u64, reason: &str) -> Result<()> {
    tracing::warn!(
        file = %path.display(),
        offset = valid,
        dropped_bytes = len.saturating_sub(valid),
        %reason,
        "truncating torn or corrupt tail"
    );
    let f = OpenOptions::new().write(true).open(path).map_err(|e| StoreError::io("open", path, e))?;
    f.set_len(valid).and_then(|()| f.sync_all()).map_err(|e| StoreError::io_at("truncate", path, valid, e))
}

/// Checks an older segment through its index and the frames after the last entry;
/// rebuilds the index (and cuts damage that runs to the end of the segment, which only an
/// unsynced crash or a damaged disk can leave) when that does not add up. Damaged frames
/// with valid frames after them are kept and reported to `corrupt`. A cut tail is reported
/// too: it sits in the middle of the log, before segment `next_first`.
fn check_sealed(dir: &Path, first: u64, stride: u32, next_first: u64, corrupt: &CorruptLog) -> Result<SegSummary> {
    let path = dir.join(log_name(first));
    let idx_path = dir.join(idx_name(first));
    let (mut fr, len) = open_reader(&path)?;
    let scan_err = |e| StoreError::io("scan", &path, e);
    let why = match index::load(&idx_path, first, || Ok(len)) {
        IndexLoad::Loaded(ix) if ix.stride != stride => format!("stride {} instead of {stride}", ix.stride),
        IndexLoad::Loaded(ix) if ix.torn_tail => "torn last entry".to_string(),
        IndexLoad::Loaded(ix) => match ix.entries.last() {
            None if len == 0 => return Ok(SegSummary { next_seq: first, last_ts: None, bytes: 0 }),
            None => "no entries".to_string(),
            Some(last) => {
                let s = scan(&mut fr, first, stride, last.offset, last.seq).map_err(scan_err)?;
                // The scan starts at the last entry, so it must list exactly that one: any
                // other would be an entry the index lacks.
                let ok = s.stop == Stop::Eof && s.end == len && s.entries == [*last];
                if ok {
                    for cf in &s.corrupt {
                        corrupt.note(cf);
                    }
                    return Ok(SegSummary { next_seq: s.next_seq, last_ts: s.last_ts, bytes: len });
                }
                "does not match the segment".to_string()
            }
        },
        IndexLoad::Missing => "missing".to_string(),
        IndexLoad::Invalid(reason) => reason,
    };
    tracing::info!(file = %idx_path.display(), reason = %why, "rebuilding index");
    let s = scan(&mut fr, first, stride, 0, first).map_err(scan_err)?;
    for cf in &s.corrupt {
        corrupt.note(cf);
    }
    if let Stop::Torn(reason) = &s.stop {
        corrupt.note(&CorruptFrame {
            path: path.clone(),
            offset: s.end,
            len: len.saturating_sub(s.end),
            expected_seq: s.next_seq,
            resumed_seq: next_first,
            reason: format!("{reason} (cut: nothing valid follows in this sealed segment)"),
        });
        truncate_tail(&path, s.end, len, reason)?;
    }
    index::write_full(&idx_path, first, stride, &s.entries).map_err(|e| StoreError::io("write", &idx_path, e))?;
    Ok(SegSummary { next_seq: s.next_seq, last_ts: s.last_ts, bytes: s.end })
}

/// Scans the last segment in full, keeps (and reports) damaged frames that have valid
/// frames after them, cuts a torn tail (damage with nothing valid after it), and makes the
/// index match.
fn recover_last(dir: &Path, first: u64, stride: u32, corrupt: &CorruptLog) -> Result<SegSummary> {
    let path = dir.join(log_name(first));
    let idx_path = dir.join(idx_name(first));
    let (mut fr, len) = open_reader(&path)?;
    let s = scan(&mut fr, first, stride, 0, first).map_err(|e| StoreError::io("scan", &path, e))?;
    for cf in &s.corrupt {
        corrupt.note(cf);
    }
    if let Stop::Torn(reason) = &s.stop {
        truncate_tail(&path, s.end, len, reason)?;
    }
    let why = match index::load(&idx_path, first, || Ok(s.end)) {
        IndexLoad::Loaded(ix) if ix.stride == stride && !ix.torn_tail && ix.entries == s.entries => None,
        IndexLoad::Loaded(_) => Some("does not match the segment".to_string()),
        IndexLoad::Missing => Some("missing".to_string()),
        IndexLoad::Invalid(reason) => Some(reason),
    };
    if let Some(why) = why {
        tracing::info!(file = %idx_path.display(), reason = %why, "rebuilding index");
        index::write_full(&idx_path, first, stride, &s.entries).map_err(|e| StoreError::io("write", &idx_path, e))?;
    }
    Ok(SegSummary { next_seq: s.next_seq, last_ts: s.last_ts, bytes: s.end })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failed_write_poisons_until_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), StoreOptions::default()).unwrap();
        store.append(1, b"before").unwrap();
        {
            let mut w = store.inner.lock().unwrap();
            // A read-only handle makes the next write fail the way a full disk would.
            let path = w.active.path.clone();
            w.active.file = File::open(&path).unwrap();
        }
        let err = store.append(1, b"fails").unwrap_err();
        assert!(matches!(err, StoreError::IoAt { op: "append to", .. }), "{err}");
        assert!(err.to_string().contains("seg-00000000000000000001.log at offset 34"), "{err}");
        assert!(matches!(store.append(1, b"refused"), Err(StoreError::Poisoned)));
        assert!(matches!(store.append_batch(&[(1, b"r")]), Err(StoreError::Poisoned)));
        assert!(matches!(store.put_metadata(1, b"k", b"v"), Err(StoreError::Poisoned)));
        assert!(matches!(store.sync(), Err(StoreError::Poisoned)));
        assert_eq!(store.last_seq(), 1);
        drop(store);
        let store = Store::open(dir.path(), StoreOptions::default()).unwrap();
        assert_eq!(store.last_seq(), 1);
        assert_eq!(store.append(1, b"after").unwrap().seq, 2);
    }

    #[test]
    fn failed_metadata_write_poisons() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), StoreOptions::default()).unwrap();
        {
            store.inner.lock().unwrap().meta.make_writes_fail();
        }
        assert!(store.put_metadata(1, b"k", b"v").is_err());
        assert!(matches!(store.append(1, b"x"), Err(StoreError::Poisoned)));
    }
}
