//! Cursors: read forward from a position, following segment rolls (live tail).

use std::path::PathBuf;
use std::sync::Arc;

use super::find::{first_ts, open_seg, probe, Probe, Seg};
use super::RELIST_LIMIT;
use crate::corrupt::{CorruptFrame, CorruptLog};
use crate::segment::{self, log_name};
use crate::{Result, StoreError, StoredRecord};

/// At most this many skipped frames wait for [`Cursor::take_skipped`]; older ones are
/// dropped from the cursor's list (the store-level report keeps them all).
const MAX_PENDING_SKIPPED: usize = 1024;

/// A position in the log that reads forward, following segment rolls; `Send`.
///
/// `next` returns `Ok(None)` at the current end; calling it again later returns records
/// appended meanwhile (live tail).
///
/// A damaged frame is never returned: the cursor skips to the next valid frame (in the same
/// segment, or the next segment when the damage runs to the end of a sealed one), and the
/// sequence numbers it should have carried are simply not returned. Each skip is logged
/// once per store handle (`tracing::warn!`) and queued for [`Cursor::take_skipped`], so a
/// caller can report it with its location. At the tail of the newest segment a damaged
/// frame with nothing valid after it is taken for a frame still being written: the cursor
/// waits there.
pub struct Cursor {
    pub(super) dir: Arc<PathBuf>,
    pub(super) seg: Seg,
    pub(super) offset: u64,
    pub(super) next_seq: u64,
    /// Records below these are skipped (seeks past the current end); cleared once passed.
    pub(super) min_seq: u64,
    pub(super) min_ts: u32,
    /// Archival time of the last frame read in this segment (0 if none).
    pub(super) last_ts: u32,
    pub(super) corrupt: Arc<CorruptLog>,
    pub(super) skipped: Vec<CorruptFrame>,
    /// (offset, file length, reason) of the last tail found damaged with nothing valid
    /// after it: not searched again until the file grows.
    pub(super) tail_checked: Option<(u64, u64, String)>,
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
    /// Damaged frames are skipped (see [`Cursor::take_skipped`]), never returned.
    ///
    /// Errors: [`StoreError::Expired`] when retention deleted the next segment before
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
        Ok(self.read_batch(max_records, max_bytes)?.0)
    }

    /// [`Cursor::next_batch`], and whether the batch stopped at the current end of the store
    /// (`true`) rather than at one of its limits (`false`: more records are there to read
    /// at once). A live-tail reader polls again later only after `true`.
    pub fn read_batch(&mut self, max_records: usize, max_bytes: usize) -> Result<(Vec<StoredRecord>, bool)> {
        let mut out = Vec::with_capacity(max_records.min(4096));
        let mut bytes = 0usize;
        while out.len() < max_records {
            let budget = if out.is_empty() { usize::MAX } else { max_bytes.saturating_sub(bytes) };
            match self.step(budget)? {
                Step::Record(r) => {
                    bytes = bytes.saturating_add(r.body.len());
                    out.push(r);
                }
                Step::TooBig => return Ok((out, false)),
                Step::End => return Ok((out, true)),
            }
        }
        Ok((out, false))
    }

    /// Sequence number the next record returned will have at least (useful as a bookmark).
    pub fn next_seq(&self) -> u64 {
        self.next_seq.max(self.min_seq)
    }

    /// Damaged frames skipped since the last call, oldest first (at most 1024 are kept
    /// between calls). Each is also in the store-level report
    /// ([`crate::StoreReader::corrupt_frames`]) and was logged once there.
    pub fn take_skipped(&mut self) -> Vec<CorruptFrame> {
        std::mem::take(&mut self.skipped)
    }

    fn report(&mut self, cf: CorruptFrame) {
        self.corrupt.note(&cf);
        if self.skipped.len() >= MAX_PENDING_SKIPPED {
            self.skipped.remove(0);
        }
        self.skipped.push(cf);
    }

    /// The reason the frame at the cursor was found torn, if nothing changed since.
    fn cached_torn(&self) -> Result<Option<String>> {
        let Some((offset, len, reason)) = &self.tail_checked else {
            return Ok(None);
        };
        if *offset != self.offset {
            return Ok(None);
        }
        let now = self.seg.fr.len().map_err(|e| StoreError::io("stat", self.seg.fr.path(), e))?;
        Ok((now == *len).then(|| reason.clone()))
    }

    fn step(&mut self, body_limit: usize) -> Result<Step> {
        let mut body = Vec::new();
        let mut retried_after_roll = false;
        // Each `Vanished` needs retention to delete another segment meanwhile; bounded all
        // the same.
        let mut vanished = 0;
        loop {
            let torn = if let Some(reason) = self.cached_torn()? {
                Some(reason)
            } else {
                match probe(&mut self.seg.fr, self.offset, self.next_seq, self.last_ts, &mut body, body_limit)? {
                    Probe::Frame(h) => {
                        self.offset += h.frame_len();
                        self.next_seq = h.seq.saturating_add(1);
                        self.last_ts = h.archive_ts;
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
                    Probe::Deferred => return Ok(Step::TooBig),
                    Probe::Skip(cf) => {
                        self.offset = cf.offset + cf.len;
                        self.next_seq = cf.resumed_seq;
                        self.report(cf);
                        continue;
                    }
                    Probe::Eof => None,
                    Probe::Torn(reason) => {
                        let len = self.seg.fr.len().map_err(|e| StoreError::io("stat", self.seg.fr.path(), e))?;
                        self.tail_checked = Some((self.offset, len, reason.clone()));
                        Some(reason)
                    }
                }
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
            // A segment with a successor is complete (the writer finishes a segment before
            // it creates the next one), so damage with nothing valid after it runs to the
            // end of the segment: skip the rest of it.
            let damaged = torn.is_some();
            if let Some(reason) = torn {
                let len = self.seg.fr.len().map_err(|e| StoreError::io("stat", self.seg.fr.path(), e))?;
                self.report(CorruptFrame {
                    path: self.seg.fr.path().to_path_buf(),
                    offset: self.offset,
                    len: len.saturating_sub(self.offset),
                    expected_seq: self.next_seq,
                    resumed_seq: next_first,
                    reason,
                });
            }
            match self.switch_to(next_first, damaged)? {
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

    /// Moves to the segment starting at `first`, the next one there is; `damaged` when the
    /// rest of the current one was skipped as corrupt (already reported).
    fn switch_to(&mut self, first: u64, damaged: bool) -> Result<Switch> {
        let Some(mut seg) = open_seg(&self.dir, first)? else {
            // Retention deleted it since it was listed: look for the next one again.
            return Ok(Switch::Vanished);
        };
        // Files that contradict each other (a segment starting below seqs already served, e.g.
        // copied in from another store) must not make seqs or archival time go back: skip what
        // was already passed.
        let overlap = (first < self.next_seq).then_some((self.next_seq, self.last_ts));
        if let Some((resume, _)) = overlap {
            tracing::warn!(
                segment = %log_name(first),
                resume,
                "inconsistent store: a segment starts below seqs already read; skipping its records up to them"
            );
        } else if first != self.next_seq {
            if damaged {
                // Reported with its location already.
            } else if self.seg.fr.path().exists() {
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
        self.last_ts = 0;
        self.tail_checked = None;
        if let Some((resume, ts)) = overlap {
            self.min_seq = self.min_seq.max(resume);
            self.min_ts = self.min_ts.max(ts);
        }
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
