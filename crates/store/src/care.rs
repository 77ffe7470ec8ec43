//! Store care: statistics, a full verification walk, and retention applied on demand.
//!
//! All three only read the files (`compact` also deletes whole old segments), take no lock
//! that a running service holds, and tolerate retention deleting segments under them, so
//! they work on a store that a service is reading and writing.

use std::collections::BTreeMap;
use std::fmt;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use crate::corrupt::CorruptFrame;
use crate::frame::FrameReader;
use crate::index::{self, IndexLoad};
use crate::meta::{self, META_FILE};
use crate::segment::{self, idx_name, log_name, scan, scan_with, Scan, Stop};
use crate::{now_unix_secs, Result, Retention, StoreError};

/// Stride assumed for a segment whose index is missing (only affects what is compared).
const DEFAULT_STRIDE: u32 = 256;

/// What [`stats`] found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StoreStats {
    /// The store directory.
    pub dir: PathBuf,
    /// Number of segment files.
    pub segments: usize,
    /// Number of valid records.
    pub records: u64,
    /// Valid records per eStreamer record type.
    pub by_type: BTreeMap<u32, u64>,
    /// Sequence numbers of the first and last valid record.
    pub first_seq: Option<u64>,
    /// See `first_seq`.
    pub last_seq: Option<u64>,
    /// Archival timestamps (UNIX seconds) of the first and last valid record.
    pub first_archive_ts: Option<u32>,
    /// See `first_archive_ts`.
    pub last_archive_ts: Option<u32>,
    /// Bytes in segment files.
    pub segment_bytes: u64,
    /// Bytes in index files.
    pub index_bytes: u64,
    /// Bytes in the metadata table file.
    pub meta_bytes: u64,
    /// Entries in the metadata table.
    pub metadata_entries: usize,
    /// Damaged frames skipped while counting (see [`verify`] for where).
    pub corrupt_frames: usize,
}

impl StoreStats {
    /// Total bytes of the store's files.
    pub fn bytes_on_disk(&self) -> u64 {
        self.segment_bytes + self.index_bytes + self.meta_bytes
    }
}

/// A problem with a segment's index (a rebuildable cache: the next [`crate::Store::open`]
/// rebuilds it, and readers fall back to scanning meanwhile).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IndexProblem {
    /// The index file.
    pub path: PathBuf,
    /// What is wrong.
    pub reason: String,
}

/// Sequence numbers missing between two segments (records lost in an unsynced crash, or
/// skipped after metadata that outlived its records).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SeqGap {
    /// The segment after which records are missing.
    pub after: PathBuf,
    /// First missing seq.
    pub from: u64,
    /// Last missing seq.
    pub to: u64,
}

/// What [`verify`] found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VerifyReport {
    /// The store directory.
    pub dir: PathBuf,
    /// Segments checked.
    pub segments: usize,
    /// Valid records (every one's CRC checked).
    pub records: u64,
    /// Every damaged frame, with its segment, offset and expected seq; damage running to
    /// the end of a sealed segment is reported with the next segment's first seq as
    /// `resumed_seq`.
    pub corrupt: Vec<CorruptFrame>,
    /// An incomplete or invalid frame at the very end of the newest segment with nothing
    /// valid after it: a write in progress, or a torn tail the next open will cut.
    pub torn_tail: Option<CorruptFrame>,
    /// Indexes that are missing or do not match their segment.
    pub index_problems: Vec<IndexProblem>,
    /// Gaps in the sequence numbers between segments.
    pub gaps: Vec<SeqGap>,
    /// Why reading the metadata table stopped early, if it did (a torn tail).
    pub metadata_problem: Option<String>,
}

impl VerifyReport {
    /// True when no frame is damaged and every index matches (gaps, a torn tail being
    /// written and a torn metadata tail are reported but are not damage).
    pub fn is_ok(&self) -> bool {
        self.corrupt.is_empty() && self.index_problems.is_empty()
    }
}

/// A segment deleted by [`compact`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RemovedSegment {
    /// The segment file (its index was deleted with it).
    pub path: PathBuf,
    /// Its first seq.
    pub first_seq: u64,
    /// Its size in bytes.
    pub bytes: u64,
    /// Archival timestamp of its newest record.
    pub last_archive_ts: u32,
    /// Why: `"age"` or `"size"`.
    pub reason: &'static str,
}

/// What [`compact`] did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CompactReport {
    /// The store directory.
    pub dir: PathBuf,
    /// Segments deleted, oldest first.
    pub removed: Vec<RemovedSegment>,
    /// Segments kept.
    pub kept_segments: usize,
    /// Bytes of the segments kept.
    pub kept_bytes: u64,
}

impl CompactReport {
    /// Bytes freed.
    pub fn freed_bytes(&self) -> u64 {
        self.removed.iter().map(|r| r.bytes).sum()
    }
}

/// Counts, time range, sequence range and sizes of the store in `dir` (reads every frame).
pub fn stats(dir: &Path) -> Result<StoreStats> {
    let mut st = StoreStats { dir: dir.to_path_buf(), ..StoreStats::default() };
    let firsts = store_segments(dir)?;
    for (i, &first) in firsts.iter().enumerate() {
        let mut by_type = BTreeMap::new();
        let mut first_seq = None;
        let sink = |_, h: &crate::frame::FrameHeader| {
            first_seq.get_or_insert(h.seq);
            *by_type.entry(h.record_type).or_insert(0) += 1;
        };
        let Some((s, bytes)) = walk(dir, first, DEFAULT_STRIDE, sink)? else {
            continue; // deleted by retention meanwhile
        };
        st.segments += 1;
        st.segment_bytes += bytes;
        st.index_bytes += file_len(&dir.join(idx_name(first)));
        st.corrupt_frames += s.corrupt.len() + usize::from(i + 1 < firsts.len() && s.stop != Stop::Eof);
        for (t, n) in by_type {
            *st.by_type.entry(t).or_insert(0) += n;
        }
        if s.count > 0 {
            st.records += s.count;
            st.first_seq = st.first_seq.or(first_seq);
            st.last_seq = Some(s.next_seq - 1);
            st.first_archive_ts = st.first_archive_ts.or(s.first_ts);
            st.last_archive_ts = s.last_ts.or(st.last_archive_ts);
        }
    }
    st.meta_bytes = file_len(&dir.join(META_FILE));
    st.metadata_entries = meta::load(&dir.join(META_FILE))?.into_entries().len();
    Ok(st)
}

/// Checks every frame's CRC and sequence number, every index against its segment, the
/// sequence numbers across segments and the metadata table; names the segment file, offset
/// and expected seq of every damaged frame.
pub fn verify(dir: &Path) -> Result<VerifyReport> {
    let mut rep = VerifyReport { dir: dir.to_path_buf(), ..VerifyReport::default() };
    let firsts = store_segments(dir)?;
    let mut prev: Option<(PathBuf, u64)> = None;
    for (i, &first) in firsts.iter().enumerate() {
        let path = dir.join(log_name(first));
        let idx_path = dir.join(idx_name(first));
        let newest = i + 1 == firsts.len();
        // Take the index first: the writer appends entries after their frames, so every
        // entry read now points at a frame the scan below will see.
        let len_now = file_len(&path);
        let ix = index::load(&idx_path, first, || Ok(len_now));
        let stride = match &ix {
            IndexLoad::Loaded(ix) => ix.stride,
            _ => DEFAULT_STRIDE,
        };
        let Some((s, _)) = walk(dir, first, stride, |_, _| {})? else {
            continue;
        };
        rep.segments += 1;
        rep.records += s.count;
        rep.corrupt.extend(s.corrupt.iter().cloned());
        if let Stop::Torn(reason) = &s.stop {
            let cf = CorruptFrame {
                path: path.clone(),
                offset: s.end,
                len: file_len(&path).saturating_sub(s.end),
                expected_seq: s.next_seq,
                resumed_seq: firsts.get(i + 1).copied().unwrap_or(u64::MAX),
                reason: reason.clone(),
            };
            if newest {
                rep.torn_tail = Some(cf);
            } else {
                rep.corrupt.push(cf);
            }
        }
        match ix {
            IndexLoad::Missing => rep.index_problems.push(IndexProblem { path: idx_path, reason: "missing".into() }),
            IndexLoad::Invalid(reason) => rep.index_problems.push(IndexProblem { path: idx_path, reason }),
            IndexLoad::Loaded(ix) => {
                // The newest segment's index may trail its frames (a write in progress).
                let matches = ix.entries == s.entries || (newest && s.entries.starts_with(&ix.entries));
                if !matches {
                    let reason = format!(
                        "{} entries, {} expected from the segment (first difference at entry {})",
                        ix.entries.len(),
                        s.entries.len(),
                        ix.entries.iter().zip(&s.entries).take_while(|(a, b)| a == b).count()
                    );
                    rep.index_problems.push(IndexProblem { path: idx_path, reason });
                }
            }
        }
        if let Some((prev_path, prev_next)) = prev.take() {
            if first > prev_next {
                rep.gaps.push(SeqGap { after: prev_path, from: prev_next, to: first - 1 });
            }
        }
        // Seqs lost to damage at the end of a segment are reported with the damage.
        let next =
            if matches!(s.stop, Stop::Torn(_)) { firsts.get(i + 1).copied().unwrap_or(s.next_seq) } else { s.next_seq };
        if s.count > 0 || next > first {
            prev = Some((path, next));
        }
    }
    rep.metadata_problem = meta::load_problem(&dir.join(META_FILE))?;
    Ok(rep)
}

/// Applies `retention` now: deletes whole oldest segments (never the newest) while the
/// segments total more than `max_bytes` or the oldest one's newest record is older than
/// `max_age`, and reports what it removed. Safe while a service reads or writes the store:
/// the writer never needs an old segment, and cursors finish reading a deleted one through
/// their open handle (see the crate docs on retention).
pub fn compact(dir: &Path, retention: &Retention) -> Result<CompactReport> {
    let firsts = store_segments(dir)?;
    let mut segs: Vec<(u64, u64)> = firsts.iter().map(|&f| (f, file_len(&dir.join(log_name(f))))).collect();
    let mut total: u64 = segs.iter().map(|s| s.1).sum();
    let now = u64::from(now_unix_secs());
    let mut rep = CompactReport { dir: dir.to_path_buf(), ..CompactReport::default() };
    segs.pop(); // the newest segment is never deleted
    for (first, bytes) in segs.iter().copied() {
        let path = dir.join(log_name(first));
        let over_bytes = retention.max_bytes.is_some_and(|m| total > m);
        let last_ts = match newest_ts(dir, first)? {
            Some(t) => t,
            None if file_len(&path) == 0 && path.exists() => 0,
            None => continue, // gone already
        };
        let too_old = retention.max_age.is_some_and(|age| u64::from(last_ts).saturating_add(age.as_secs()) < now);
        if !over_bytes && !too_old {
            break;
        }
        match fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                total -= bytes; // retention in the writer got there first
                continue;
            }
            Err(e) => return Err(StoreError::io("delete", &path, e)),
        }
        let _ = fs::remove_file(dir.join(idx_name(first)));
        tracing::info!(segment = %path.display(), bytes, over_bytes, too_old, "compaction deleted segment");
        total -= bytes;
        let reason = if too_old { "age" } else { "size" };
        rep.removed.push(RemovedSegment { path, first_seq: first, bytes, last_archive_ts: last_ts, reason });
    }
    let kept = store_segments(dir)?;
    rep.kept_segments = kept.len();
    rep.kept_bytes = kept.iter().map(|&f| file_len(&dir.join(log_name(f)))).sum();
    Ok(rep)
}

/// Segment first seqs of a store directory; `NotAStore` if there are none.
fn store_segments(dir: &Path) -> Result<Vec<u64>> {
    let firsts = segment::list(dir)?;
    if firsts.is_empty() {
        return Err(StoreError::NotAStore { dir: dir.to_path_buf() });
    }
    Ok(firsts)
}

fn file_len(path: &Path) -> u64 {
    fs::metadata(path).map_or(0, |m| m.len())
}

/// Scans a whole segment; `None` if retention deleted it before it could be opened.
fn walk(
    dir: &Path,
    first: u64,
    stride: u32,
    sink: impl FnMut(u64, &crate::frame::FrameHeader),
) -> Result<Option<(Scan, u64)>> {
    let path = dir.join(log_name(first));
    let mut fr = match FrameReader::open(&path) {
        Ok(fr) => fr,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(StoreError::io("open", &path, e)),
    };
    let s = scan_with(&mut fr, first, stride, 0, first, sink).map_err(|e| StoreError::io("scan", &path, e))?;
    let len = fr.len().map_err(|e| StoreError::io("stat", &path, e))?;
    Ok(Some((s, len)))
}

/// Archival time of a segment's newest record: from its last index entry when the index
/// agrees with the segment, else by a full scan. `None` if the segment is gone or empty.
fn newest_ts(dir: &Path, first: u64) -> Result<Option<u32>> {
    let path = dir.join(log_name(first));
    let mut fr = match FrameReader::open(&path) {
        Ok(fr) => fr,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(StoreError::io("open", &path, e)),
    };
    let scan_err = |e| StoreError::io("scan", &path, e);
    if let IndexLoad::Loaded(ix) = index::load(&dir.join(idx_name(first)), first, || fr.len()) {
        if let Some(last) = ix.entries.last() {
            let s = scan(&mut fr, first, ix.stride, last.offset, last.seq).map_err(scan_err)?;
            if s.entries.first() == Some(last) {
                return Ok(s.last_ts);
            }
        }
    }
    Ok(scan(&mut fr, first, DEFAULT_STRIDE, 0, first).map_err(scan_err)?.last_ts)
}

/// `2024-05-01T12:00:00Z` for a UNIX time in seconds (UTC, proleptic Gregorian).
pub(crate) fn fmt_utc(ts: u32) -> String {
    let secs = u64::from(ts);
    let (days, rem) = (secs / 86_400, secs % 86_400);
    // Civil from days (Howard Hinnant's algorithm), days since 1970-01-01.
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", rem / 3600, rem % 3600 / 60, rem % 60)
}

fn ts_or_dash(ts: Option<u32>) -> String {
    ts.map_or_else(|| "-".to_string(), |t| format!("{} ({t})", fmt_utc(t)))
}

fn opt_or_dash(v: Option<u64>) -> String {
    v.map_or_else(|| "-".to_string(), |v| v.to_string())
}

impl fmt::Display for StoreStats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "store          {}", self.dir.display())?;
        writeln!(f, "segments       {}", self.segments)?;
        writeln!(f, "records        {}", self.records)?;
        writeln!(f, "seq            {} .. {}", opt_or_dash(self.first_seq), opt_or_dash(self.last_seq))?;
        writeln!(f, "archival time  {} .. {}", ts_or_dash(self.first_archive_ts), ts_or_dash(self.last_archive_ts))?;
        writeln!(
            f,
            "bytes on disk  {} (segments {}, indexes {}, metadata {})",
            self.bytes_on_disk(),
            self.segment_bytes,
            self.index_bytes,
            self.meta_bytes
        )?;
        writeln!(f, "metadata       {} entries", self.metadata_entries)?;
        if self.corrupt_frames > 0 {
            writeln!(f, "corrupt frames {} (run verify for their locations)", self.corrupt_frames)?;
        }
        writeln!(f, "by record type")?;
        for (t, n) in &self.by_type {
            writeln!(f, "  {t:>6}  {n}")?;
        }
        Ok(())
    }
}

impl fmt::Display for VerifyReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let verdict = if self.is_ok() { "OK" } else { "DAMAGED" };
        writeln!(f, "store {}: {verdict}", self.dir.display())?;
        writeln!(f, "checked {} segments, {} valid records", self.segments, self.records)?;
        for c in &self.corrupt {
            writeln!(f, "  {c}")?;
        }
        for p in &self.index_problems {
            writeln!(f, "  index {}: {} (rebuilt at the next open)", p.path.display(), p.reason)?;
        }
        for g in &self.gaps {
            writeln!(f, "  seqs {}..={} missing after {}", g.from, g.to, g.after.display())?;
        }
        if let Some(t) = &self.torn_tail {
            writeln!(
                f,
                "  incomplete frame at the end of {} at offset {} ({} bytes, expected seq {}): a write in progress, or a torn tail the next open cuts: {}",
                t.path.display(),
                t.offset,
                t.len,
                t.expected_seq,
                t.reason
            )?;
        }
        if let Some(m) = &self.metadata_problem {
            writeln!(f, "  metadata table: {m}")?;
        }
        Ok(())
    }
}

impl fmt::Display for CompactReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "store {}: removed {} segments ({} bytes), kept {} segments ({} bytes)",
            self.dir.display(),
            self.removed.len(),
            self.freed_bytes(),
            self.kept_segments,
            self.kept_bytes
        )?;
        for r in &self.removed {
            writeln!(
                f,
                "  removed {} (from seq {}, {} bytes, newest record {}, by {})",
                r.path.display(),
                r.first_seq,
                r.bytes,
                ts_or_dash(Some(r.last_archive_ts)),
                r.reason
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::fmt_utc;

    #[test]
    fn utc_formatting() {
        assert_eq!(fmt_utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(fmt_utc(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(fmt_utc(1_714_564_800), "2024-05-01T12:00:00Z");
        assert_eq!(fmt_utc(u32::MAX), "2106-02-07T06:28:15Z");
    }
}
