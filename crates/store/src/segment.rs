//! Segment file names, directory listing and frame-by-frame scanning.

use std::fs;
use std::io;
use std::path::Path;

use crate::corrupt::CorruptFrame;
use crate::frame::{FrameHeader, FrameReader, ReadOutcome};
use crate::index::IdxEntry;
use crate::{Result, StoreError};

const PREFIX: &str = "seg-";
const DIGITS: usize = 20;
/// Largest first seq accepted from a file name (2^62, far beyond any real store).
const MAX_FIRST_SEQ: u64 = 1 << 62;

/// `seg-<first_seq as 20 digits>.log`: zero padding makes name order equal seq order.
pub(crate) fn log_name(first_seq: u64) -> String {
    format!("{PREFIX}{first_seq:020}.log")
}

pub(crate) fn idx_name(first_seq: u64) -> String {
    format!("{PREFIX}{first_seq:020}.idx")
}

fn parse_name(name: &str, ext: &str) -> Option<u64> {
    let digits = name.strip_prefix(PREFIX)?.strip_suffix(ext)?;
    if digits.len() != DIGITS || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // Seqs start at 1, and a name near u64::MAX would make `seq + 1` overflow: such files
    // were not written by the store and are ignored rather than trusted.
    digits.parse().ok().filter(|&n| (1..=MAX_FIRST_SEQ).contains(&n))
}

pub(crate) fn parse_log_name(name: &str) -> Option<u64> {
    parse_name(name, ".log")
}

pub(crate) fn parse_idx_name(name: &str) -> Option<u64> {
    parse_name(name, ".idx")
}

/// First sequence numbers of all segment files in `dir`, ascending.
pub(crate) fn list(dir: &Path) -> Result<Vec<u64>> {
    let rd = fs::read_dir(dir).map_err(|e| StoreError::io("list", dir, e))?;
    let mut out = Vec::new();
    for ent in rd {
        let ent = ent.map_err(|e| StoreError::io("list", dir, e))?;
        if let Some(first) = ent.file_name().to_str().and_then(parse_log_name) {
            out.push(first);
        }
    }
    out.sort_unstable();
    Ok(out)
}

/// Makes file creations, renames and removals in `dir` durable.
pub(crate) use estreamer_fs::sync_dir;

/// Why a scan stopped.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Stop {
    /// Clean end of file right after a complete frame.
    Eof,
    /// An incomplete or invalid frame at `Scan::end` with no valid frame after it.
    Torn(String),
}

/// Result of reading a run of frames.
#[derive(Debug)]
pub(crate) struct Scan {
    /// Index entries for the frames seen (those at stride positions).
    pub entries: Vec<IdxEntry>,
    /// Offset just after the last good frame.
    pub end: u64,
    /// Sequence number the next frame must carry.
    pub next_seq: u64,
    pub first_ts: Option<u32>,
    pub last_ts: Option<u32>,
    /// Number of good frames read.
    pub count: u64,
    /// Damaged frames with valid frames after them, skipped.
    pub corrupt: Vec<CorruptFrame>,
    pub stop: Stop,
}

/// Reads frames from `start_offset` (which must hold seq `start_seq`) to the end of the
/// file. A frame that is incomplete, fails its CRC, carries the wrong sequence number or
/// goes back in time is skipped when a valid frame follows it (see
/// [`FrameReader::resync`]) and recorded in `Scan::corrupt`; otherwise the scan stops
/// there with [`Stop::Torn`]. `sink` sees every good frame with its offset.
pub(crate) fn scan(
    fr: &mut FrameReader,
    seg_first: u64,
    stride: u32,
    start_offset: u64,
    start_seq: u64,
) -> io::Result<Scan> {
    scan_with(fr, seg_first, stride, start_offset, start_seq, |_, _| {})
}

/// [`scan`] that also shows every good frame header and its offset to `sink`.
pub(crate) fn scan_with(
    fr: &mut FrameReader,
    seg_first: u64,
    stride: u32,
    start_offset: u64,
    start_seq: u64,
    mut sink: impl FnMut(u64, &FrameHeader),
) -> io::Result<Scan> {
    let mut s = Scan {
        entries: Vec::new(),
        end: start_offset,
        next_seq: start_seq,
        first_ts: None,
        last_ts: None,
        count: 0,
        corrupt: Vec::new(),
        stop: Stop::Eof,
    };
    let mut body = Vec::new();
    let file_len = fr.len()?;
    loop {
        let bad = match fr.read_at(s.end, &mut body, usize::MAX)? {
            ReadOutcome::Frame(h) if h.seq != s.next_seq => format!("frame carries seq {}", h.seq),
            ReadOutcome::Frame(h) if s.last_ts.is_some_and(|t| h.archive_ts < t) => {
                format!("archive_ts {} goes back from {}", h.archive_ts, s.last_ts.unwrap_or(0))
            }
            ReadOutcome::Frame(h) => {
                if h.seq.checked_sub(seg_first).is_some_and(|d| d.is_multiple_of(u64::from(stride))) {
                    s.entries.push(IdxEntry { seq: h.seq, offset: s.end, archive_ts: h.archive_ts });
                }
                sink(s.end, &h);
                s.first_ts.get_or_insert(h.archive_ts);
                s.last_ts = Some(h.archive_ts);
                s.count += 1;
                s.end += h.frame_len();
                // Saturating: the start seq comes from a file name, which is disk content.
                s.next_seq = h.seq.saturating_add(1);
                continue;
            }
            ReadOutcome::Eof => break,
            ReadOutcome::Incomplete => "incomplete frame".to_string(),
            ReadOutcome::Bad(reason) => reason,
            ReadOutcome::Deferred => unreachable!("no body limit given"),
        };
        let len = file_len.max(fr.len()?);
        match fr.resync(s.end, len, s.next_seq, s.last_ts.unwrap_or(0))? {
            Some((off, h)) => {
                s.corrupt.push(CorruptFrame {
                    path: fr.path().to_path_buf(),
                    offset: s.end,
                    len: off - s.end,
                    expected_seq: s.next_seq,
                    resumed_seq: h.seq,
                    reason: bad,
                });
                s.end = off;
                s.next_seq = h.seq;
            }
            None => {
                s.stop = Stop::Torn(bad);
                break;
            }
        }
    }
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_roundtrip() {
        assert_eq!(log_name(1), "seg-00000000000000000001.log");
        assert_eq!(parse_log_name(&log_name(1 << 62)), Some(1 << 62));
        assert_eq!(parse_log_name(&log_name(u64::MAX)), None);
        assert_eq!(parse_log_name(&log_name(0)), None);
        assert_eq!(parse_idx_name(&idx_name(42)), Some(42));
        assert_eq!(parse_log_name("seg-1.log"), None);
        assert_eq!(parse_log_name("seg-0000000000000000000a.log"), None);
        assert_eq!(parse_log_name("seg-00000000000000000001.idx"), None);
        assert_eq!(parse_log_name("seg-+0000000000000000001.log"), None);
    }
}
