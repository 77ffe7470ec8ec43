//! Read side: positioning by time or sequence number, and cursors that follow the log.
//!
//! Readers only read files (their own handles, no lock) and never repair anything, so they
//! work from another process as well. A damaged frame with a valid frame after it is
//! skipped and reported (see [`Cursor`]). At the tail of the last segment an incomplete or
//! invalid frame with nothing valid after it means "nothing more yet": a writer may be in
//! the middle of appending it. In a segment that has a successor the same thing is damage
//! running to the end of the segment, skipped and reported likewise.

mod cursor;
mod find;

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use cursor::Cursor;
use find::{find_in, first_ts, open_seg, Found, Seg, Target};

use crate::corrupt::{CorruptFrame, CorruptLog};
use crate::meta::{self, META_FILE};
use crate::segment::{self, log_name};
use crate::{MetaEntry, Result, StoreError};

/// How often a seek lists the directory again before it gives up. After a few rounds (see
/// [`STALE_PIN_AFTER`]) a new listing is only needed when retention deleted the newest
/// segment of the last one before the seek could open it, right after listing: that needs
/// the writer to get through the whole retention window in that moment, 64 times running.
const RELIST_LIMIT: usize = 64;

/// From this round on a seek settles for the newest segment of its listing even if
/// retention deleted it meanwhile (the open handle still reads it) instead of listing again.
const STALE_PIN_AFTER: usize = 8;

/// Read-only view of a store directory, usable from another process too (no lock, never
/// repairs; stops at an incomplete or bad frame at the tail because a writer may be
/// mid-append; skips and reports damaged frames elsewhere). Cheap to clone; clones and
/// their cursors share one report of corrupt frames.
#[derive(Clone, Debug)]
pub struct StoreReader {
    dir: Arc<PathBuf>,
    corrupt: Arc<CorruptLog>,
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
    /// Damaged frames the seek skipped, handed to the cursor it makes.
    skipped: Vec<CorruptFrame>,
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

impl StoreReader {
    /// Opens a read view of the store in `dir`; fails if it holds no segment files.
    pub fn open(dir: &Path) -> Result<StoreReader> {
        if segment::list(dir)?.is_empty() {
            return Err(StoreError::NotAStore { dir: dir.to_path_buf() });
        }
        Ok(StoreReader::from_dir(Arc::new(dir.to_path_buf()), CorruptLog::new()))
    }

    pub(crate) fn from_dir(dir: Arc<PathBuf>, corrupt: Arc<CorruptLog>) -> StoreReader {
        StoreReader { dir, corrupt }
    }

    /// Every damaged frame this reader, its clones and their cursors skipped so far (and,
    /// for a reader from [`crate::Store::reader`], those the store found when it opened),
    /// in the order found. Each was logged once with `tracing::warn!`.
    pub fn corrupt_frames(&self) -> Vec<CorruptFrame> {
        self.corrupt.snapshot()
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
            let mut listing =
                Listing { segs, newest: Some(seg), accept_stale: round + 1 >= STALE_PIN_AFTER, skipped: Vec::new() };
            match f(&mut listing)? {
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

    fn cursor(&self, l: &mut Listing, seg: Seg, offset: u64, next_seq: u64, min_seq: u64, min_ts: u32) -> Cursor {
        let skipped = std::mem::take(&mut l.skipped);
        for cf in &skipped {
            self.corrupt.note(cf);
        }
        Cursor {
            dir: Arc::clone(&self.dir),
            seg,
            offset,
            next_seq,
            min_seq,
            min_ts,
            last_ts: 0,
            corrupt: Arc::clone(&self.corrupt),
            skipped,
            tail_checked: None,
        }
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
        match find_in(&self.dir, &mut seg, Target::End, &mut l.skipped)? {
            Found::End { offset, next_seq, .. } => Ok(Attempt::Done(self.cursor(l, seg, offset, next_seq, 0, 0))),
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
        match find_in(&self.dir, &mut seg, target, &mut l.skipped)? {
            Found::At { offset, seq } => Ok(Attempt::Done(self.cursor(l, seg, offset, seq, min_seq, min_ts))),
            Found::End { offset, next_seq, .. } if k == l.segs.len() => {
                // Past everything written so far: wait at the end; the filters skip any
                // record appended later that is still before the target.
                Ok(Attempt::Done(self.cursor(l, seg, offset, next_seq, min_seq, min_ts)))
            }
            Found::End { torn: None, .. } => self.start_of(l, k, target, min_seq, min_ts),
            // A segment with a successor is complete (the writer finishes a segment before
            // it creates the next one), so whatever stopped the scan is damage running to
            // its end: skip it and report it.
            Found::End { offset, next_seq, torn: Some(reason) } => {
                let path = seg.fr.path().to_path_buf();
                let len = seg.fr.len().map_err(|e| StoreError::io("stat", &path, e))?;
                let cf = CorruptFrame {
                    path,
                    offset,
                    len: len.saturating_sub(offset),
                    expected_seq: next_seq,
                    resumed_seq: l.segs[k],
                    reason,
                };
                l.skipped.push(cf);
                self.start_of(l, k, target, min_seq, min_ts)
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
                Listed::Open(seg) => return Ok(Attempt::Done(self.cursor(l, seg, 0, l.segs[j], min_seq, min_ts))),
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

#[cfg(test)]
mod tests;
