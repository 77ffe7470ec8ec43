//! Read side: positioning by time or sequence number, and cursors that follow the log.
//!
//! Readers only read files (their own handles, no lock) and never repair anything, so they
//! work from another process as well. At the tail of the last segment an incomplete or
//! invalid frame means "nothing more yet": a writer may be in the middle of appending it.
//! In a segment that has a successor the same thing is corruption and is reported.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::frame::{FrameReader, ReadOutcome};
use crate::index::{self, IndexLoad};
use crate::meta::{self, META_FILE};
use crate::segment::{self, idx_name, log_name};
use crate::{MetaEntry, Result, StoreError, StoredRecord};

/// How often a seek lists the directory again before it gives up. After a few rounds (see
/// [`STALE_PIN_AFTER`]) a new listing is only needed when retention deleted the newest
/// segment of the last one before the seek could open it, right after listing: that needs
/// the writer to get through the whole retention window in that moment, 64 times running.
const RELIST_LIMIT: usize = 64;

/// From this round on a seek settles for the newest segment of its listing even if
/// retention deleted it meanwhile (the open handle still reads it) instead of listing again.
const STALE_PIN_AFTER: usize = 8;

/// Read-only view of a store directory, usable from another process too (no lock, never
/// repairs; stops at the first incomplete or bad frame at the tail because a writer may be
/// mid-append). Cheap to clone.
#[derive(Clone, Debug)]
pub struct StoreReader {
    dir: Arc<PathBuf>,
}

/// An open segment file.
struct Seg {
    first_seq: u64,
    fr: FrameReader,
}

/// Outcome of an attempt that may race with retention deleting a file.
enum Attempt<T> {
    Done(T),
    /// The listing the attempt worked from is used up; list again.
    Relist(PathBuf),
}

/// One listing of the segment files, with the newest one already open.
///
/// Retention deletes the oldest segments and never the one being written, so while a seek
/// works through a listing, any of its segments may disappear except this pinned newest
/// one, which stays readable through its handle even if retention deletes it meanwhile.
struct Listing {
    /// First seqs, ascending, never empty.
    segs: Vec<u64>,
    /// The newest segment, until a seek takes it.
    newest: Option<Seg>,
    /// Use `newest` even if retention deleted it since (rather than list again).
    accept_stale: bool,
}

/// A segment of a listing, as found when the seek tried to open it.
enum Listed {
    Open(Seg),
    /// Deleted since the listing. Retention deletes oldest first, so every earlier
    /// segment of the listing is gone too and the records it held are expired.
    Gone,
    /// Deleted while an earlier segment is still there: not retention's doing (recovery
    /// drops empty segments), so the listing cannot be trusted; list again.
    Relist(PathBuf),
}

/// What a seek looks for: the first record for which `reached` holds.
#[derive(Clone, Copy)]
enum Target {
    Time(u32),
    Seq(u64),
    End,
}

impl Target {
    fn reached(self, seq: u64, ts: u32) -> bool {
        match self {
            Target::Time(t) => ts >= t,
            Target::Seq(s) => seq >= s,
            Target::End => false,
        }
    }
}

/// Where a seek within one segment ended.
enum Found {
    /// The first matching record starts at `offset`.
    At { offset: u64, seq: u64 },
    /// No matching record: the segment ends at `offset` (cleanly if `torn` is `None`).
    End { offset: u64, next_seq: u64, torn: Option<String> },
}

impl StoreReader {
    /// Opens a read view of the store in `dir`; fails if it holds no segment files.
    pub fn open(dir: &Path) -> Result<StoreReader> {
        if segment::list(dir)?.is_empty() {
            return Err(StoreError::NotAStore { dir: dir.to_path_buf() });
        }
        Ok(StoreReader::from_dir(Arc::new(dir.to_path_buf())))
    }

    pub(crate) fn from_dir(dir: Arc<PathBuf>) -> StoreReader {
        StoreReader { dir }
    }

    /// The store directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Cursor at the first record with `archive_ts >= ts`; `ts == u32::MAX` positions at
    /// the current end, so only records appended from now on are returned. When retention
    /// already removed records at or after `ts`, the cursor starts at the oldest retained
    /// record (a time seek never fails with [`StoreError::Expired`]).
    pub fn cursor_from_time(&self, ts: u32) -> Result<Cursor> {
        self.retry(|l| if ts == u32::MAX { self.try_at_end(l) } else { self.try_from_time(l, ts) })
    }

    /// Cursor at the first record with `seq >= seq` (0 is treated as 1). Fails with
    /// [`StoreError::Expired`] when retention already removed that record.
    pub fn cursor_from_seq(&self, seq: u64) -> Result<Cursor> {
        self.retry(|l| self.try_from_seq(l, seq.max(1)))
    }

    /// The metadata table as it is on disk now (latest body per key, first-insertion order).
    pub fn metadata(&self) -> Result<Vec<MetaEntry>> {
        Ok(meta::load(&self.dir.join(META_FILE))?.into_entries())
    }

    /// Sequence number of the last complete record (0 when none was ever written).
    pub fn last_seq(&self) -> Result<u64> {
        let c = self.retry(|l| self.try_at_end(l))?;
        Ok(c.next_seq - 1)
    }

    /// Runs `f` on a fresh [`Listing`] until it gets through one.
    ///
    /// Seeks race with the writer: segments appear (rolls) and the oldest disappear
    /// (retention) between listing the directory and opening a file. A segment found gone
    /// means that it and all older ones expired, so the `try_*` functions go on with the
    /// rest of the same listing, down to its pinned newest segment. Only when retention
    /// deleted even that one is a new listing taken, for an answer that is not already
    /// stale; from round [`STALE_PIN_AFTER`] on the pinned segment is used all the same, so
    /// a seek fails only when, [`RELIST_LIMIT`] times running, the newest listed segment was
    /// gone before it could be opened right after listing: then with an I/O error
    /// (`NotFound`), or with [`StoreError::NotAStore`] when the directory kept having no
    /// segment at all.
    fn retry(&self, mut f: impl FnMut(&mut Listing) -> Result<Attempt<Cursor>>) -> Result<Cursor> {
        let mut last = None;
        for round in 0..RELIST_LIMIT {
            let segs = self.list()?;
            let Some(&newest) = segs.last() else {
                // The active segment is never deleted, but a listing taken while the
                // writer rolls and retention deletes the segment just sealed may show
                // neither (directory listings are not snapshots).
                last = None;
                continue;
            };
            let Some(seg) = open_seg(&self.dir, newest)? else {
                last = Some(self.dir.join(log_name(newest)));
                continue;
            };
            #[cfg(test)]
            tests::after_pin(&self.dir, &segs);
            match f(&mut Listing { segs, newest: Some(seg), accept_stale: round + 1 >= STALE_PIN_AFTER })? {
                Attempt::Done(c) => return Ok(c),
                Attempt::Relist(p) => last = Some(p),
            }
        }
        let Some(last) = last else {
            return Err(StoreError::NotAStore { dir: self.dir.to_path_buf() });
        };
        Err(StoreError::io(
            "open",
            &last,
            io::Error::new(
                io::ErrorKind::NotFound,
                "segment files keep disappearing (retention running faster than the seek)",
            ),
        ))
    }

    /// First seqs of the segment files, ascending (empty if there are none right now).
    fn list(&self) -> Result<Vec<u64>> {
        let segs = segment::list(&self.dir)?;
        #[cfg(test)]
        tests::after_list(&self.dir, &segs);
        Ok(segs)
    }

    fn cursor(&self, seg: Seg, offset: u64, next_seq: u64, min_seq: u64, min_ts: u32) -> Cursor {
        Cursor { dir: Arc::clone(&self.dir), seg, offset, next_seq, min_seq, min_ts }
    }

    /// Opens segment `i` of the listing (taking the pinned one for the newest).
    fn open_listed(&self, l: &mut Listing, i: usize) -> Result<Listed> {
        if i + 1 == l.segs.len() {
            if let Some(seg) = l.newest.take() {
                if l.accept_stale || seg.fr.path().exists() {
                    return Ok(Listed::Open(seg));
                }
                // Retention went through the whole listing: a new one gives a fresher answer.
                return Ok(Listed::Relist(seg.fr.path().to_path_buf()));
            }
        }
        if let Some(seg) = open_seg(&self.dir, l.segs[i])? {
            return Ok(Listed::Open(seg));
        }
        // Retention deletes the previous segment before this one, so if that is still
        // there, something else removed this one.
        if i > 0 && self.dir.join(log_name(l.segs[i - 1])).exists() {
            return Ok(Listed::Relist(self.dir.join(log_name(l.segs[i]))));
        }
        Ok(Listed::Gone)
    }

    /// `Expired` for `requested`, whose records up to segment `gone` (inclusive) were
    /// deleted; the oldest retained seq is that of the first segment after it.
    fn expired(&self, requested: u64, gone: u64) -> Result<Attempt<Cursor>> {
        match segment::list(&self.dir)?.into_iter().find(|&f| f > gone) {
            Some(oldest) => Err(StoreError::Expired { requested, oldest }),
            // Not even a newer segment is listed (a listing taken mid-roll): look again.
            None => Ok(Attempt::Relist(self.dir.join(log_name(gone)))),
        }
    }

    fn try_at_end(&self, l: &mut Listing) -> Result<Attempt<Cursor>> {
        let last = l.segs.len() - 1;
        let mut seg = match self.open_listed(l, last)? {
            Listed::Open(seg) => seg,
            Listed::Gone | Listed::Relist(_) => return Ok(Attempt::Relist(self.dir.join(log_name(l.segs[last])))),
        };
        match find_in(&self.dir, &mut seg, Target::End)? {
            Found::End { offset, next_seq, .. } => Ok(Attempt::Done(self.cursor(seg, offset, next_seq, 0, 0))),
            Found::At { .. } => unreachable!("Target::End is never reached"),
        }
    }

    fn try_from_time(&self, l: &mut Listing, ts: u32) -> Result<Attempt<Cursor>> {
        // Binary search for the first segment whose first record is at or after `ts`;
        // archival time is monotone across segments, so the answer is in the segment
        // before it (if any record there is late enough) or at its start.
        let (mut lo, mut hi) = (0, l.segs.len());
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            let t = match self.open_listed(l, mid)? {
                Listed::Open(mut seg) => {
                    let t = first_ts(&mut seg)?;
                    if mid + 1 == l.segs.len() {
                        l.newest = Some(seg); // only looked at: keep it pinned
                    }
                    t
                }
                // Gone with everything before it: the answer, among what is retained, is
                // after it.
                Listed::Gone => {
                    lo = mid + 1;
                    continue;
                }
                Listed::Relist(p) => return Ok(Attempt::Relist(p)),
            };
            match t {
                // An empty (or unreadable) segment sorts as "late": normally only the
                // last segment can be empty.
                Some(t) if t < ts => lo = mid + 1,
                _ => hi = mid,
            }
        }
        self.position(l, lo, Target::Time(ts), 0, ts)
    }

    fn try_from_seq(&self, l: &mut Listing, seq: u64) -> Result<Attempt<Cursor>> {
        let k = l.segs.partition_point(|&first| first <= seq);
        if k == 0 {
            return Err(StoreError::Expired { requested: seq, oldest: l.segs[0] });
        }
        self.position(l, k, Target::Seq(seq), seq, 0)
    }

    /// Positions for `target`, knowing that segment `k` (if any) starts at or after it, so
    /// the target is in segment `k - 1` or at the start of `k`.
    fn position(
        &self,
        l: &mut Listing,
        k: usize,
        target: Target,
        min_seq: u64,
        min_ts: u32,
    ) -> Result<Attempt<Cursor>> {
        if k == 0 {
            return self.start_of(l, 0, target, min_seq, min_ts);
        }
        let mut seg = match self.open_listed(l, k - 1)? {
            Listed::Open(seg) => seg,
            Listed::Relist(p) => return Ok(Attempt::Relist(p)),
            // Cannot happen while the newest is pinned; kept as the safe answer.
            Listed::Gone if k == l.segs.len() => return Ok(Attempt::Relist(self.dir.join(log_name(l.segs[k - 1])))),
            // The target's segment was deleted: its records expired.
            Listed::Gone => match target {
                Target::Seq(seq) => return self.expired(seq, l.segs[k - 1]),
                // The late records went with it; the next ones start segment `k`.
                Target::Time(_) | Target::End => return self.start_of(l, k, target, min_seq, min_ts),
            },
        };
        match find_in(&self.dir, &mut seg, target)? {
            Found::At { offset, seq } => Ok(Attempt::Done(self.cursor(seg, offset, seq, min_seq, min_ts))),
            Found::End { offset, next_seq, .. } if k == l.segs.len() => {
                // Past everything written so far: wait at the end; the filters skip any
                // record appended later that is still before the target.
                Ok(Attempt::Done(self.cursor(seg, offset, next_seq, min_seq, min_ts)))
            }
            Found::End { torn: None, .. } => self.start_of(l, k, target, min_seq, min_ts),
            // A segment with a successor is complete (the writer finishes a segment before
            // it creates the next one), so whatever stopped the scan is damage.
            Found::End { offset, next_seq, torn: Some(reason) } => {
                Err(StoreError::Corrupt { path: seg.fr.path().to_path_buf(), offset, seq: next_seq, reason })
            }
        }
    }

    /// Cursor at the start of segment `i`, where the target starts; if retention deleted
    /// it since the listing: at the oldest retained record for a time seek, `Expired` for a
    /// seq seek.
    fn start_of(
        &self,
        l: &mut Listing,
        i: usize,
        target: Target,
        min_seq: u64,
        min_ts: u32,
    ) -> Result<Attempt<Cursor>> {
        for j in i..l.segs.len() {
            match self.open_listed(l, j)? {
                Listed::Open(seg) => return Ok(Attempt::Done(self.cursor(seg, 0, l.segs[j], min_seq, min_ts))),
                Listed::Relist(p) => return Ok(Attempt::Relist(p)),
                Listed::Gone => {
                    if let Target::Seq(seq) = target {
                        return self.expired(seq, l.segs[j]);
                    }
                }
            }
        }
        // Unreachable while the newest is pinned; kept as the safe answer.
        Ok(Attempt::Relist(self.dir.join(log_name(l.segs[l.segs.len() - 1]))))
    }
}

fn open_seg(dir: &Path, first_seq: u64) -> Result<Option<Seg>> {
    let path = dir.join(log_name(first_seq));
    match FrameReader::open(&path) {
        Ok(fr) => Ok(Some(Seg { first_seq, fr })),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(StoreError::io("open", &path, e)),
    }
}

/// Archival timestamp of a segment's first record, if it has a valid one.
fn first_ts(seg: &mut Seg) -> Result<Option<u32>> {
    let mut body = Vec::new();
    match seg.fr.read_at(0, &mut body, usize::MAX).map_err(|e| StoreError::io_at("read", seg.fr.path(), 0, e))? {
        ReadOutcome::Frame(h) if h.seq == seg.first_seq => Ok(Some(h.archive_ts)),
        _ => Ok(None),
    }
}

/// Finds the first record of `seg` for which `target` is reached: the sparse index gives
/// the last entry before it, then at most a stride of frames is scanned.
fn find_in(dir: &Path, seg: &mut Seg, target: Target) -> Result<Found> {
    let path = seg.fr.path().to_path_buf();
    let read_err = |offset, e| StoreError::io_at("read", &path, offset, e);
    let mut body = Vec::new();
    let (mut offset, mut seq) = (0, seg.first_seq);
    let idx_path = dir.join(idx_name(seg.first_seq));
    match index::load(&idx_path, seg.first_seq, || seg.fr.len()) {
        IndexLoad::Loaded(ix) => {
            if let Some(i) = index::last_before(&ix.entries, |e| !target.reached(e.seq, e.archive_ts)) {
                let e = ix.entries[i];
                // Trust the entry only if the frame it points at agrees with it.
                match seg.fr.read_at(e.offset, &mut body, usize::MAX).map_err(|x| read_err(e.offset, x))? {
                    ReadOutcome::Frame(h) if h.seq == e.seq && h.archive_ts == e.archive_ts => {
                        (offset, seq) = (e.offset, e.seq);
                    }
                    _ => tracing::warn!(file = %idx_path.display(), "index entry does not match its segment; scanning"),
                }
            }
        }
        IndexLoad::Missing => {
            tracing::debug!(file = %idx_path.display(), "no index; scanning segment");
        }
        IndexLoad::Invalid(reason) => {
            tracing::warn!(file = %idx_path.display(), %reason, "unusable index; scanning segment");
        }
    }
    loop {
        let torn = match seg.fr.read_at(offset, &mut body, usize::MAX).map_err(|e| read_err(offset, e))? {
            ReadOutcome::Frame(h) if h.seq == seq => {
                if target.reached(h.seq, h.archive_ts) {
                    return Ok(Found::At { offset, seq });
                }
                offset += h.frame_len();
                seq += 1;
                continue;
            }
            ReadOutcome::Frame(h) => Some(format!("frame carries seq {}", h.seq)),
            ReadOutcome::Eof => None,
            ReadOutcome::Incomplete => Some("incomplete frame".to_string()),
            ReadOutcome::Bad(reason) => Some(reason),
            ReadOutcome::Deferred => unreachable!("no body limit given"),
        };
        return Ok(Found::End { offset, next_seq: seq, torn });
    }
}

/// A position in the log that reads forward, following segment rolls; `Send`.
///
/// `next` returns `Ok(None)` at the current end; calling it again later returns records
/// appended meanwhile (live tail).
pub struct Cursor {
    dir: Arc<PathBuf>,
    seg: Seg,
    offset: u64,
    next_seq: u64,
    /// Records below these are skipped (seeks past the current end); cleared once passed.
    min_seq: u64,
    min_ts: u32,
}

impl std::fmt::Debug for Cursor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cursor")
            .field("segment", &self.seg.fr.path())
            .field("offset", &self.offset)
            .field("next_seq", &self.next_seq)
            .finish_non_exhaustive()
    }
}

/// One step of a cursor.
enum Step {
    Record(StoredRecord),
    /// The next record's body is larger than the caller's remaining budget.
    TooBig,
    End,
}

impl Cursor {
    /// Next complete record, or `Ok(None)` at the current end (more may be appended later).
    ///
    /// Errors: [`StoreError::Corrupt`] for a damaged frame in a segment that has a
    /// successor, [`StoreError::Expired`] when retention deleted the next segment before
    /// the cursor got to it and a record there is one the cursor would have returned (not
    /// one its seek skips: a cursor waiting for a later seq or time does not expire over
    /// records before it). `requested` is [`Cursor::next_seq`].
    #[allow(clippy::should_implement_trait)] // fallible and resumable after None: not an Iterator
    pub fn next(&mut self) -> Result<Option<StoredRecord>> {
        match self.step(usize::MAX)? {
            Step::Record(r) => Ok(Some(r)),
            Step::End => Ok(None),
            Step::TooBig => unreachable!("no body limit given"),
        }
    }

    /// Up to `max_records` records whose bodies total at most `max_bytes`; the first
    /// available record is always returned even if larger, so none can get stuck.
    pub fn next_batch(&mut self, max_records: usize, max_bytes: usize) -> Result<Vec<StoredRecord>> {
        let mut out = Vec::new();
        let mut bytes = 0usize;
        while out.len() < max_records {
            let budget = if out.is_empty() { usize::MAX } else { max_bytes.saturating_sub(bytes) };
            match self.step(budget)? {
                Step::Record(r) => {
                    bytes = bytes.saturating_add(r.body.len());
                    out.push(r);
                }
                Step::TooBig | Step::End => break,
            }
        }
        Ok(out)
    }

    /// Sequence number the next record returned will have at least (useful as a bookmark).
    pub fn next_seq(&self) -> u64 {
        self.next_seq.max(self.min_seq)
    }

    fn step(&mut self, body_limit: usize) -> Result<Step> {
        let mut body = Vec::new();
        let mut retried_after_roll = false;
        // Each `Vanished` needs retention to delete another segment meanwhile; bounded all
        // the same.
        let mut vanished = 0;
        loop {
            let outcome = self
                .seg
                .fr
                .read_at(self.offset, &mut body, body_limit)
                .map_err(|e| StoreError::io_at("read", self.seg.fr.path(), self.offset, e))?;
            let torn = match outcome {
                ReadOutcome::Frame(h) if h.seq == self.next_seq => {
                    self.offset += h.frame_len();
                    self.next_seq += 1;
                    if h.seq < self.min_seq || h.archive_ts < self.min_ts {
                        continue;
                    }
                    // Time and seq only grow, so once one record passes all later ones do.
                    (self.min_seq, self.min_ts) = (0, 0);
                    return Ok(Step::Record(StoredRecord {
                        seq: h.seq,
                        archive_ts: h.archive_ts,
                        record_type: h.record_type,
                        body: std::mem::take(&mut body),
                    }));
                }
                ReadOutcome::Deferred => return Ok(Step::TooBig),
                ReadOutcome::Frame(h) => Some(format!("frame carries seq {}", h.seq)),
                ReadOutcome::Eof => None,
                ReadOutcome::Incomplete => Some("incomplete frame".to_string()),
                ReadOutcome::Bad(reason) => Some(reason),
            };
            // Nothing readable here. If no later segment exists this is the live tail.
            let Some(next_first) = self.next_segment()? else {
                return Ok(Step::End);
            };
            // The writer finishes a segment before it creates the next one, but our read
            // may have happened before the last write: look once more before moving on.
            if !retried_after_roll {
                retried_after_roll = true;
                continue;
            }
            if let Some(reason) = torn {
                return Err(StoreError::Corrupt {
                    path: self.seg.fr.path().to_path_buf(),
                    offset: self.offset,
                    seq: self.next_seq,
                    reason,
                });
            }
            match self.switch_to(next_first)? {
                Switch::Done => retried_after_roll = false,
                // The new segment is empty or its first frame is still being written: it
                // is the live tail, and nothing can be returned before it is readable.
                Switch::NotYet => return Ok(Step::End),
                Switch::Vanished if vanished < RELIST_LIMIT => vanished += 1,
                // Retention keeps deleting what comes next: report nothing for now, the
                // next call looks again.
                Switch::Vanished => return Ok(Step::End),
            }
        }
    }

    /// First seq of the segment after the current one, if one exists.
    fn next_segment(&self) -> Result<Option<u64>> {
        // Cheap common case first: the successor is named after our next seq.
        if self.next_seq > self.seg.first_seq && self.dir.join(log_name(self.next_seq)).exists() {
            return Ok(Some(self.next_seq));
        }
        self.next_segment_after(self.seg.first_seq)
    }

    /// First seq of the first segment after the one starting at `first`, if one exists.
    fn next_segment_after(&self, first: u64) -> Result<Option<u64>> {
        Ok(segment::list(&self.dir)?.into_iter().find(|&f| f > first))
    }

    /// Moves to the segment starting at `first`, the next one there is.
    fn switch_to(&mut self, first: u64) -> Result<Switch> {
        let Some(mut seg) = open_seg(&self.dir, first)? else {
            // Retention deleted it since it was listed: look for the next one again.
            return Ok(Switch::Vanished);
        };
        if first != self.next_seq {
            if self.seg.fr.path().exists() {
                // Retention deletes oldest first: if our own segment is still there,
                // nothing after it was deleted, so this is a gap left by an unsynced crash
                // (open() logged it).
                tracing::warn!(
                    from = self.next_seq,
                    to = first - 1,
                    "sequence gap in store (records lost in an unsynced crash); skipping"
                );
            } else {
                // Retention took seqs next_seq..first before we read them. That is only a
                // loss if the seek's filters would have let any of them through.
                let requested = self.next_seq();
                let skipped_anyway = if requested >= first {
                    true
                } else if self.min_ts > 0 {
                    // They are no later than the new segment's first record.
                    match first_ts(&mut seg)? {
                        Some(t) => t < self.min_ts,
                        // The live tail, just created: decide once its first record is in.
                        None if self.next_segment_after(first)?.is_none() => return Ok(Switch::NotYet),
                        // It has a successor, so it was complete when we looked: look once
                        // more, then take an unreadable first frame as a loss.
                        None => first_ts(&mut seg)?.is_some_and(|t| t < self.min_ts),
                    }
                } else {
                    false
                };
                if !skipped_anyway {
                    // Retention deletes oldest first, so nothing older than `first` is left.
                    let oldest = segment::list(&self.dir)?.first().copied().unwrap_or(first);
                    return Err(StoreError::Expired { requested, oldest });
                }
            }
        }
        self.seg = seg;
        self.offset = 0;
        self.next_seq = first;
        Ok(Switch::Done)
    }
}

/// Outcome of [`Cursor::switch_to`].
enum Switch {
    Done,
    /// Whether records were lost depends on the new segment's first record, which is not
    /// readable yet.
    NotYet,
    /// The segment was deleted before it could be opened.
    Vanished,
}

#[cfg(test)]
mod tests {
    use std::cell::{Cell, RefCell};
    use std::rc::Rc;

    use super::*;
    use crate::{Retention, Store, StoreOptions, SyncPolicy};

    /// Where in a seek a hook runs.
    #[derive(Clone, Copy, PartialEq, Eq, Debug)]
    enum Stage {
        /// Right after listing the segments.
        Listed,
        /// Right after opening (pinning) the newest listed segment.
        Pinned,
    }

    type Hook = Box<dyn FnMut(Stage, &Path, &[u64])>;

    thread_local! {
        /// Runs on this thread at the [`Stage`]s of a seek: lets a test play the writer
        /// (retention, rolls) in exactly the windows between listing and opening.
        static HOOK: RefCell<Option<Hook>> = const { RefCell::new(None) };
    }

    fn run_hook(stage: Stage, dir: &Path, segs: &[u64]) {
        HOOK.with(|h| {
            if let Some(f) = h.borrow_mut().as_mut() {
                f(stage, dir, segs);
            }
        });
    }

    pub(super) fn after_list(dir: &Path, segs: &[u64]) {
        run_hook(Stage::Listed, dir, segs);
    }

    pub(super) fn after_pin(dir: &Path, segs: &[u64]) {
        run_hook(Stage::Pinned, dir, segs);
    }

    /// Runs `f` with `hook` installed for `stage` on this thread.
    fn with_hook<T>(stage: Stage, mut hook: impl FnMut(&Path, &[u64]) + 'static, f: impl FnOnce() -> T) -> T {
        HOOK.with(|h| {
            *h.borrow_mut() = Some(Box::new(move |st, dir: &Path, segs: &[u64]| {
                if st == stage {
                    hook(dir, segs);
                }
            }))
        });
        let out = f();
        HOOK.with(|h| *h.borrow_mut() = None);
        out
    }

    /// Deletes segment `first` the way retention does (log first, then index).
    fn retention_delete(dir: &Path, first: u64) {
        std::fs::remove_file(dir.join(log_name(first))).unwrap();
        let _ = std::fs::remove_file(dir.join(idx_name(first)));
    }

    /// A store of `segments` segments of 10 records each; record i has archive_ts 1000 + i.
    fn store_with_segments(dir: &Path, segments: u64) -> Store {
        let frame = 28 + 4; // 4-byte bodies
        let opts = StoreOptions { segment_bytes: 10 * frame, index_every: 3, sync: SyncPolicy::Never, retention: None };
        let store = Store::open(dir, opts).unwrap();
        for i in 1..=segments * 10 {
            store.append_at(1, 1000 + i as u32, &(i as u32).to_le_bytes()).unwrap();
        }
        assert_eq!(segment::list(dir).unwrap().len() as u64, segments);
        store
    }

    /// Ten 32-byte records per segment, three segments kept: retention runs at every roll.
    fn tiny_retained_store(dir: &Path) -> Store {
        let opts = StoreOptions {
            segment_bytes: 10 * 32,
            index_every: 3,
            sync: SyncPolicy::Never,
            retention: Some(Retention { max_bytes: Some(3 * 10 * 32), max_age: None }),
        };
        Store::open(dir, opts).unwrap()
    }

    /// Append `n` records whose archival time is 1000 + seq.
    fn append(store: &Store, n: u64) {
        for _ in 0..n {
            let i = store.last_seq() + 1;
            store.append_at(1, 1000 + i as u32, &(i as u32).to_le_bytes()).unwrap();
        }
    }

    fn drain(c: &mut Cursor) -> Vec<u64> {
        let mut out = Vec::new();
        while let Some(r) = c.next().unwrap() {
            out.push(r.seq);
        }
        out
    }

    /// The failure seen under load: retention deletes the oldest segment between every
    /// listing and the open that follows it. A seek must not start over each time (and so
    /// give up after a few rounds); a segment found gone means everything before it is
    /// gone too, so the seek goes on with the rest of the same listing.
    #[test]
    fn seeks_survive_retention_deleting_the_oldest_segment_after_every_listing() {
        let dir = tempfile::tempdir().unwrap();
        let _store = store_with_segments(dir.path(), 40);
        let reader = StoreReader::from_dir(Arc::new(dir.path().to_path_buf()));
        let lists = Rc::new(Cell::new(0));
        let hook = |lists: Rc<Cell<u32>>| {
            move |dir: &Path, segs: &[u64]| {
                lists.set(lists.get() + 1);
                if segs.len() > 1 {
                    retention_delete(dir, segs[0]);
                }
            }
        };

        // Time before everything: the oldest retained record (segment 1 went after the listing).
        let got = with_hook(Stage::Listed, hook(lists.clone()), || drain(&mut reader.cursor_from_time(0).unwrap()));
        assert_eq!(got, (11..=400).collect::<Vec<_>>());
        assert_eq!(lists.get(), 1, "one listing, no start-over");

        // Time inside the segment deleted after listing: its records are gone, so the
        // first retained one at or after the time.
        lists.set(0);
        let got = with_hook(Stage::Listed, hook(lists.clone()), || drain(&mut reader.cursor_from_time(1015).unwrap()));
        assert_eq!(got, (21..=400).collect::<Vec<_>>());
        assert_eq!(lists.get(), 1);

        // Seq inside a segment deleted after listing: Expired, naming the next segment.
        lists.set(0);
        match with_hook(Stage::Listed, hook(lists.clone()), || reader.cursor_from_seq(25)) {
            Err(StoreError::Expired { requested: 25, oldest: 31 }) => {}
            other => panic!("expected Expired {{ 25, 31 }}, got {other:?}"),
        }
        assert_eq!(lists.get(), 1);

        // Seq beyond the deleted segment: exact, unaffected.
        let got = with_hook(Stage::Listed, hook(lists.clone()), || drain(&mut reader.cursor_from_seq(45).unwrap()));
        assert_eq!(got, (45..=400).collect::<Vec<_>>());

        // Time seek whose target lies in a retained segment while the oldest go.
        let got = with_hook(Stage::Listed, hook(lists.clone()), || drain(&mut reader.cursor_from_time(1395).unwrap()));
        assert_eq!(got, (395..=400).collect::<Vec<_>>());
        assert_eq!(with_hook(Stage::Listed, hook(lists.clone()), || reader.last_seq().unwrap()), 400);
    }

    /// When the writer rolls and retention deletes the whole listing (even its last
    /// segment) before the seek opens anything, the seek lists again and still succeeds.
    #[test]
    fn seeks_list_again_when_retention_passes_the_whole_listing() {
        let dir = tempfile::tempdir().unwrap();
        let store = Rc::new(tiny_retained_store(dir.path()));
        append(&store, 50);
        let reader = store.reader();
        // For the first `rounds` listings, append enough that every listed segment goes.
        let hook = |rounds: u32| {
            let (store, mut left) = (Rc::clone(&store), rounds);
            move |dir: &Path, segs: &[u64]| {
                if left > 0 {
                    left -= 1;
                    append(&store, 60);
                    assert!(!dir.join(log_name(*segs.last().unwrap())).exists());
                }
            }
        };
        for rounds in [1, 3] {
            let c = with_hook(Stage::Listed, hook(rounds), || reader.cursor_from_time(0).unwrap());
            let got = drain(&mut { c });
            assert_eq!(*got.last().unwrap(), store.last_seq());
            assert_eq!(got[0], segment::list(dir.path()).unwrap()[0], "starts at the oldest retained record");

            // In the last listed segment, which retention deleted: expired for real.
            let gone = store.last_seq() - 5;
            match with_hook(Stage::Listed, hook(rounds), || reader.cursor_from_seq(gone)) {
                Err(StoreError::Expired { requested, oldest }) => {
                    // `oldest` may already be stale (retention goes on), never too low.
                    let now = segment::list(dir.path()).unwrap()[0];
                    assert!(requested == gone && gone < oldest && oldest <= now, "{gone} {oldest} {now}");
                }
                other => panic!("expected Expired, got {other:?}"),
            }
            // Past the end of the listing, written (and still retained) before the seek ends.
            let ahead = store.last_seq() + 60 * u64::from(rounds) - 5;
            let got = with_hook(Stage::Listed, hook(rounds), || drain(&mut reader.cursor_from_seq(ahead).unwrap()));
            assert_eq!(got, (ahead..=store.last_seq()).collect::<Vec<_>>());

            let before = store.last_seq();
            let last = with_hook(Stage::Listed, hook(rounds), || reader.last_seq().unwrap());
            assert!(last > before && last <= store.last_seq(), "{before} < {last} <= {}", store.last_seq());
        }
    }

    /// Retention keeps going through the whole listing, pinned newest segment included,
    /// right after every pin: for a few rounds the seek lists again (for an answer that is
    /// not already stale), then settles for the pinned segment, which its handle still
    /// reads; it never fails.
    #[test]
    fn a_seek_that_retention_keeps_outrunning_ends_on_the_pinned_segment() {
        let dir = tempfile::tempdir().unwrap();
        let store = Rc::new(tiny_retained_store(dir.path()));
        append(&store, 50);
        let reader = store.reader();
        // Appends enough after each of the first `rounds` pins that everything listed goes;
        // records the newest listed segment of each round.
        let hook = |rounds: usize, pinned: Rc<RefCell<Vec<u64>>>| {
            let (store, mut left) = (Rc::clone(&store), rounds);
            move |dir: &Path, segs: &[u64]| {
                if left > 0 {
                    left -= 1;
                    pinned.borrow_mut().push(*segs.last().unwrap());
                    append(&store, 60);
                    assert!(!dir.join(log_name(*segs.last().unwrap())).exists());
                }
            }
        };

        // Fewer rounds than STALE_PIN_AFTER: a fresh listing wins.
        let pinned = Rc::new(RefCell::new(Vec::new()));
        let mut c = with_hook(Stage::Pinned, hook(3, pinned.clone()), || reader.cursor_from_time(0).unwrap());
        assert_eq!(pinned.borrow().len(), 3);
        let got = drain(&mut c);
        assert_eq!(got[0], segment::list(dir.path()).unwrap()[0]);
        assert_eq!(*got.last().unwrap(), store.last_seq());

        // Always outrun: the seek ends on the pinned (already deleted) segment of round
        // STALE_PIN_AFTER and reads it; past it, the cursor reports the loss as Expired.
        let pinned = Rc::new(RefCell::new(Vec::new()));
        let mut c = with_hook(Stage::Pinned, hook(usize::MAX, pinned.clone()), || reader.cursor_from_time(0).unwrap());
        assert_eq!(pinned.borrow().len(), STALE_PIN_AFTER);
        let first = *pinned.borrow().last().unwrap();
        let mut got = Vec::new();
        let err = loop {
            match c.next() {
                Ok(Some(r)) => got.push(r.seq),
                Ok(None) => panic!("the cursor fell behind retention: expected Expired, got the end after {got:?}"),
                Err(e) => break e,
            }
        };
        assert_eq!(got, (first..first + 10).collect::<Vec<_>>(), "the pinned segment, read through its handle");
        assert!(
            matches!(err, StoreError::Expired { requested, oldest } if requested == first + 10 && oldest > requested),
            "{err}"
        );

        // Same for a seq in the pinned segment (segments hold 10 records each and the hook
        // appends 60 per round, so it holds the last 10 records of round 8's listing);
        // earlier rounds find that seq not written yet, and list again.
        let pinned = Rc::new(RefCell::new(Vec::new()));
        assert_eq!(store.last_seq() % 10, 0);
        let want = store.last_seq() + 60 * (STALE_PIN_AFTER as u64 - 1) - 4;
        let mut c =
            with_hook(Stage::Pinned, hook(usize::MAX, pinned.clone()), || reader.cursor_from_seq(want).unwrap());
        assert_eq!(pinned.borrow().len(), STALE_PIN_AFTER);
        assert_eq!(c.next().unwrap().map(|r| r.seq), Some(want));
        let pinned = Rc::new(RefCell::new(Vec::new()));
        let before = store.last_seq();
        let last = with_hook(Stage::Pinned, hook(usize::MAX, pinned.clone()), || reader.last_seq().unwrap());
        assert!(last >= before && last < store.last_seq(), "{before} <= {last} < {}", store.last_seq());
    }

    /// A cursor waiting at the end for a later time, whose segment and successors retention
    /// deleted, looks at the first record of the next segment to tell whether it lost
    /// anything: while that segment is still empty or half-written it just waits.
    #[test]
    fn waiting_cursor_decides_about_expiry_once_the_next_segment_is_readable() {
        for (first_ts, expired) in [(1041, false), (5000, true)] {
            let dir = tempfile::tempdir().unwrap();
            let _store = store_with_segments(dir.path(), 3);
            let reader = StoreReader::from_dir(Arc::new(dir.path().to_path_buf()));
            let mut c = reader.cursor_from_time(4000).unwrap();
            assert!(c.next().unwrap().is_none());
            // Retention deleted everything up to seq 40, and the writer is creating the
            // segment that starts at 41.
            for first in [1, 11, 21] {
                retention_delete(dir.path(), first);
            }
            let path = dir.path().join(log_name(41));
            let mut frame = Vec::new();
            crate::frame::encode_frame(&mut frame, 41, first_ts, 1, b"body");
            for cut in [0, 20, frame.len() - 1] {
                std::fs::write(&path, &frame[..cut]).unwrap();
                assert!(c.next().unwrap().is_none(), "first frame cut at {cut}");
            }
            std::fs::write(&path, &frame).unwrap();
            match c.next() {
                // Records 21..=40 had archive_ts 1021..=1040 < 4000: skipped anyway.
                Ok(None) if !expired => {}
                Err(StoreError::Expired { requested: 31, oldest: 41 }) if expired => {}
                other => panic!("first_ts {first_ts}: {other:?}"),
            }
        }
    }

    /// A cursor that crosses into a segment the writer has just created sees "nothing yet"
    /// while that segment is empty or holds part of its first frame, never an error.
    #[test]
    fn cursor_crossing_into_a_segment_being_created_waits() {
        let dir = tempfile::tempdir().unwrap();
        let _store = store_with_segments(dir.path(), 2);
        let reader = StoreReader::from_dir(Arc::new(dir.path().to_path_buf()));
        let mut c = reader.cursor_from_seq(15).unwrap();
        assert_eq!(drain(&mut c), (15..=20).collect::<Vec<_>>());
        // What a roll leaves between creating the file and finishing the first write (the
        // store itself is not used from here on: its active segment is the 2nd one).
        let path = dir.path().join(log_name(21));
        std::fs::write(&path, b"").unwrap();
        assert!(c.next().unwrap().is_none(), "empty new segment");
        let mut frame = Vec::new();
        crate::frame::encode_frame(&mut frame, 21, 2021, 1, b"body");
        for cut in [1, 27, 28, 30] {
            std::fs::write(&path, &frame[..cut]).unwrap();
            assert!(c.next().unwrap().is_none(), "first frame cut at {cut}");
            assert_eq!(reader.last_seq().unwrap(), 20, "cut at {cut}");
            assert_eq!(drain(&mut reader.cursor_from_time(2021).unwrap()), Vec::<u64>::new());
        }
        std::fs::write(&path, &frame).unwrap();
        assert_eq!(c.next().unwrap().map(|r| (r.seq, r.archive_ts)), Some((21, 2021)));
        assert_eq!(reader.last_seq().unwrap(), 21);
        assert_eq!(drain(&mut reader.cursor_from_time(2021).unwrap()), vec![21]);
    }

    #[test]
    fn seeks_use_the_index_instead_of_scanning() {
        let dir = tempfile::tempdir().unwrap();
        let opts = StoreOptions { index_every: 16, sync: SyncPolicy::Never, ..StoreOptions::default() };
        let store = Store::open(dir.path(), opts).unwrap();
        for i in 1..=5000u32 {
            store.append_at(1, 1000 + i / 10, b"payload").unwrap();
        }
        let seek = |target| {
            let mut seg = open_seg(dir.path(), 1).unwrap().unwrap();
            let found = find_in(dir.path(), &mut seg, target).unwrap();
            let at = match found {
                Found::At { seq, .. } => Some(seq),
                Found::End { next_seq, torn, .. } => {
                    assert!(torn.is_none());
                    assert_eq!(next_seq, 5001);
                    None
                }
            };
            (at, seg.fr.reads)
        };
        // One read to verify the index entry, then at most a stride of frames.
        let (at, reads) = seek(Target::Time(1400));
        assert_eq!(at, Some(4000));
        assert!(reads <= 18, "{reads} reads");
        let (at, reads) = seek(Target::Seq(2500));
        assert_eq!(at, Some(2500));
        assert!(reads <= 18, "{reads} reads");
        let (at, reads) = seek(Target::End);
        assert_eq!(at, None);
        assert!(reads <= 18, "{reads} reads");

        // Without the index the same answer costs a scan.
        std::fs::remove_file(dir.path().join(idx_name(1))).unwrap();
        let (at, reads) = seek(Target::Time(1400));
        assert_eq!(at, Some(4000));
        assert!(reads >= 4000, "{reads} reads");
    }
}
