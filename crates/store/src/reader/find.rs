//! Finding a record inside one segment: by the sparse index, then frame by frame.

use std::io;
use std::path::Path;

use crate::corrupt::CorruptFrame;
use crate::frame::{FrameHeader, FrameReader, ReadOutcome};
use crate::index::{self, IndexLoad};
use crate::segment::{idx_name, log_name};
use crate::{Result, StoreError};

/// An open segment file.
pub(crate) struct Seg {
    pub(crate) first_seq: u64,
    pub(crate) fr: FrameReader,
}

/// What a seek looks for: the first record for which `reached` holds.
#[derive(Clone, Copy)]
pub(crate) enum Target {
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
pub(crate) enum Found {
    /// The first matching record starts at `offset`.
    At { offset: u64, seq: u64 },
    /// No matching record: the segment ends at `offset`, cleanly if `torn` is `None`;
    /// otherwise a damaged frame there has no valid frame after it (the live tail being
    /// written, or damage running to the end of a sealed segment).
    End { offset: u64, next_seq: u64, torn: Option<String> },
}

/// What is at an offset where a frame with `expected_seq` should start.
pub(crate) enum Probe {
    /// A good frame with the expected seq (its body is in the caller's buffer).
    Frame(FrameHeader),
    /// Body longer than the caller's limit (nothing consumed).
    Deferred,
    /// Clean end of the file.
    Eof,
    /// A damaged frame with a valid one after it: skip to `CorruptFrame::offset + len`.
    Skip(CorruptFrame),
    /// A damaged or incomplete frame with nothing valid after it (yet).
    Torn(String),
}

/// Reads the frame at `offset`, and when it is damaged, looks for the next valid frame.
pub(crate) fn probe(
    fr: &mut FrameReader,
    offset: u64,
    expected_seq: u64,
    min_ts: u32,
    body: &mut Vec<u8>,
    body_limit: usize,
) -> Result<Probe> {
    let outcome = fr.read_at(offset, body, body_limit).map_err(|e| StoreError::io_at("read", fr.path(), offset, e))?;
    let bad = match outcome {
        ReadOutcome::Frame(h) if h.seq != expected_seq => format!("frame carries seq {}", h.seq),
        ReadOutcome::Frame(h) if h.archive_ts < min_ts => {
            format!("archive_ts {} goes back from {min_ts}", h.archive_ts)
        }
        ReadOutcome::Frame(h) => return Ok(Probe::Frame(h)),
        ReadOutcome::Deferred => return Ok(Probe::Deferred),
        ReadOutcome::Eof => return Ok(Probe::Eof),
        ReadOutcome::Incomplete => "incomplete frame".to_string(),
        ReadOutcome::Bad(reason) => reason,
    };
    let path = fr.path().to_path_buf();
    let len = fr.len().map_err(|e| StoreError::io("stat", &path, e))?;
    match fr.resync(offset, len, expected_seq, min_ts).map_err(|e| StoreError::io_at("read", &path, offset, e))? {
        Some((at, h)) => Ok(Probe::Skip(CorruptFrame {
            path,
            offset,
            len: at - offset,
            expected_seq,
            resumed_seq: h.seq,
            reason: bad,
        })),
        None => Ok(Probe::Torn(bad)),
    }
}

pub(crate) fn open_seg(dir: &Path, first_seq: u64) -> Result<Option<Seg>> {
    let path = dir.join(log_name(first_seq));
    match FrameReader::open(&path) {
        Ok(fr) => Ok(Some(Seg { first_seq, fr })),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(StoreError::io("open", &path, e)),
    }
}

/// Archival timestamp of a segment's first valid record, if it has one (a damaged first
/// frame is skipped; an empty segment or one whose first frame is still being written has
/// none).
pub(crate) fn first_ts(seg: &mut Seg) -> Result<Option<u32>> {
    let mut body = Vec::new();
    let (mut offset, mut seq) = (0, seg.first_seq);
    loop {
        match probe(&mut seg.fr, offset, seq, 0, &mut body, usize::MAX)? {
            Probe::Frame(h) => return Ok(Some(h.archive_ts)),
            Probe::Skip(cf) => (offset, seq) = (cf.offset + cf.len, cf.resumed_seq),
            Probe::Eof | Probe::Torn(_) | Probe::Deferred => return Ok(None),
        }
    }
}

/// Finds the first record of `seg` for which `target` is reached: the sparse index gives
/// the last entry before it, then at most a stride of frames is scanned. Damaged frames
/// passed on the way are skipped and added to `skipped`.
pub(crate) fn find_in(dir: &Path, seg: &mut Seg, target: Target, skipped: &mut Vec<CorruptFrame>) -> Result<Found> {
    let mut body = Vec::new();
    let (mut offset, mut seq, mut min_ts) = (0, seg.first_seq, 0);
    let idx_path = dir.join(idx_name(seg.first_seq));
    match index::load(&idx_path, seg.first_seq, || seg.fr.len()) {
        IndexLoad::Loaded(ix) => {
            if let Some(i) = index::last_before(&ix.entries, |e| !target.reached(e.seq, e.archive_ts)) {
                let e = ix.entries[i];
                // Trust the entry only if the frame it points at agrees with it.
                let read = seg.fr.read_at(e.offset, &mut body, usize::MAX);
                match read.map_err(|x| StoreError::io_at("read", seg.fr.path(), e.offset, x))? {
                    ReadOutcome::Frame(h) if h.seq == e.seq && h.archive_ts == e.archive_ts => {
                        (offset, seq, min_ts) = (e.offset, e.seq, e.archive_ts);
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
        match probe(&mut seg.fr, offset, seq, min_ts, &mut body, usize::MAX)? {
            Probe::Frame(h) => {
                if target.reached(h.seq, h.archive_ts) {
                    return Ok(Found::At { offset, seq });
                }
                offset += h.frame_len();
                seq = h.seq.saturating_add(1);
                min_ts = h.archive_ts;
            }
            Probe::Skip(cf) => {
                (offset, seq) = (cf.offset + cf.len, cf.resumed_seq);
                skipped.push(cf);
            }
            Probe::Eof => return Ok(Found::End { offset, next_seq: seq, torn: None }),
            Probe::Torn(reason) => return Ok(Found::End { offset, next_seq: seq, torn: Some(reason) }),
            Probe::Deferred => unreachable!("no body limit given"),
        }
    }
}
