//! Sparse per-segment index files (`seg-<first_seq>.idx`).
//!
//! The index is a cache: it can always be rebuilt by scanning its segment, so every load
//! validates it and callers fall back to a scan (reader) or a rebuild (writer) when it
//! is missing or wrong.
//!
//! Layout (little-endian): a 24-byte header — magic `ESIDX\0\0\x01`, segment first_seq
//! u64, stride u32, CRC32C of the previous 20 bytes — then 24-byte entries — seq u64,
//! frame offset u64, archive_ts u32, CRC32C of the previous 20 bytes. One entry is written
//! for every record whose `seq - first_seq` is a multiple of the stride, so normally entry
//! `k` is for seq `first_seq + k * stride` and the first entry is the segment's first
//! frame; a record lost to corruption has no entry, so entries may skip stride positions.
//! Readers check the frame an entry points at before they trust it.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read};
use std::path::Path;

use estreamer_fs::{write_atomic, Durability};

use crate::frame::FRAME_HEADER_LEN;

pub(crate) const IDX_MAGIC: [u8; 8] = *b"ESIDX\0\0\x01";
pub(crate) const IDX_HEADER_LEN: usize = 24;
pub(crate) const IDX_ENTRY_LEN: usize = 24;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct IdxEntry {
    pub seq: u64,
    pub offset: u64,
    pub archive_ts: u32,
}

#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Index {
    pub stride: u32,
    pub entries: Vec<IdxEntry>,
    /// The file ends in a partial or bad entry (ignored); appending after it would bury
    /// garbage mid-file, so the writer rewrites such an index.
    pub torn_tail: bool,
}

pub(crate) enum IndexLoad {
    Missing,
    Invalid(String),
    Loaded(Index),
}

pub(crate) fn encode_header(first_seq: u64, stride: u32) -> [u8; IDX_HEADER_LEN] {
    let mut h = [0u8; IDX_HEADER_LEN];
    h[..8].copy_from_slice(&IDX_MAGIC);
    h[8..16].copy_from_slice(&first_seq.to_le_bytes());
    h[16..20].copy_from_slice(&stride.to_le_bytes());
    let crc = crc32c::crc32c(&h[..20]);
    h[20..].copy_from_slice(&crc.to_le_bytes());
    h
}

pub(crate) fn encode_entry(out: &mut Vec<u8>, e: &IdxEntry) {
    let start = out.len();
    out.extend_from_slice(&e.seq.to_le_bytes());
    out.extend_from_slice(&e.offset.to_le_bytes());
    out.extend_from_slice(&e.archive_ts.to_le_bytes());
    let crc = crc32c::crc32c(&out[start..]);
    out.extend_from_slice(&crc.to_le_bytes());
}

fn u32_at(b: &[u8], i: usize) -> u32 {
    u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]])
}

fn u64_at(b: &[u8], i: usize) -> u64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[i..i + 8]);
    u64::from_le_bytes(a)
}

/// Loads and validates the index of the segment starting at `first_seq`; `seg_len` gives
/// the length of its log file. A torn last entry (short or bad CRC) is ignored, because
/// the writer appends entries after the frames they point to and may be mid-write.
///
/// Order matters for readers racing the writer: the index length is taken first and the
/// log length after it, and only that many index bytes are read, so every entry read
/// points into the part of the log that was measured.
pub(crate) fn load(path: &Path, first_seq: u64, seg_len: impl FnOnce() -> io::Result<u64>) -> IndexLoad {
    let len = match fs::metadata(path) {
        Ok(m) => m.len(),
        Err(e) if e.kind() == io::ErrorKind::NotFound => return IndexLoad::Missing,
        Err(e) => return IndexLoad::Invalid(format!("cannot stat: {e}")),
    };
    let seg_len = match seg_len() {
        Ok(l) => l,
        Err(e) => return IndexLoad::Invalid(format!("cannot stat the segment: {e}")),
    };
    // Bound the allocation by what the segment could possibly need: at most one entry
    // per frame, plus one torn entry.
    let max_entries = seg_len / FRAME_HEADER_LEN as u64 + 2;
    let max_len = IDX_HEADER_LEN as u64 + max_entries * IDX_ENTRY_LEN as u64;
    if len > max_len {
        return IndexLoad::Invalid(format!("{len} bytes is more than a {seg_len}-byte segment can need"));
    }
    let mut data = Vec::with_capacity(len as usize);
    let read = File::open(path).and_then(|f| f.take(len).read_to_end(&mut data));
    match read {
        Ok(_) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => return IndexLoad::Missing,
        Err(e) => return IndexLoad::Invalid(format!("cannot read: {e}")),
    }
    match parse(&data, first_seq, seg_len) {
        Ok(ix) => IndexLoad::Loaded(ix),
        Err(reason) => IndexLoad::Invalid(reason),
    }
}

fn parse(data: &[u8], first_seq: u64, seg_len: u64) -> Result<Index, String> {
    if data.len() < IDX_HEADER_LEN {
        return Err("shorter than its header".into());
    }
    let h = &data[..IDX_HEADER_LEN];
    if h[..8] != IDX_MAGIC {
        return Err("bad magic".into());
    }
    if crc32c::crc32c(&h[..20]) != u32_at(h, 20) {
        return Err("header CRC mismatch".into());
    }
    if u64_at(h, 8) != first_seq {
        return Err(format!("header says first seq {}, file name says {first_seq}", u64_at(h, 8)));
    }
    let stride = u32_at(h, 16);
    if stride == 0 {
        return Err("stride 0".into());
    }
    let body = &data[IDX_HEADER_LEN..];
    let chunks: Vec<&[u8]> = body.chunks_exact(IDX_ENTRY_LEN).collect();
    let mut entries = Vec::with_capacity(chunks.len());
    let mut torn_tail = !body.len().is_multiple_of(IDX_ENTRY_LEN);
    for (k, c) in chunks.iter().enumerate() {
        if crc32c::crc32c(&c[..20]) != u32_at(c, 20) {
            if k + 1 == chunks.len() {
                torn_tail = true; // torn last entry: the writer may be appending it
                break;
            }
            return Err(format!("entry {k} CRC mismatch"));
        }
        let e = IdxEntry { seq: u64_at(c, 0), offset: u64_at(c, 8), archive_ts: u32_at(c, 16) };
        let on_stride = e.seq.checked_sub(first_seq).is_some_and(|d| d.is_multiple_of(u64::from(stride)));
        if !on_stride {
            return Err(format!("entry {k} has seq {}, not first seq {first_seq} plus a multiple of {stride}", e.seq));
        }
        if e.offset >= seg_len {
            return Err(format!("entry {k} points at offset {} past the segment end {seg_len}", e.offset));
        }
        if let Some(prev) = entries.last() {
            let prev: &IdxEntry = prev;
            if e.seq <= prev.seq || e.offset <= prev.offset || e.archive_ts < prev.archive_ts {
                return Err(format!("entry {k} goes backwards"));
            }
        }
        entries.push(e);
    }
    Ok(Index { stride, entries, torn_tail })
}

/// Replaces the index file atomically (temp file + rename) so that a concurrent reader
/// sees either the old or the new index, never half of one.
pub(crate) fn write_full(path: &Path, first_seq: u64, stride: u32, entries: &[IdxEntry]) -> io::Result<()> {
    let mut buf = Vec::with_capacity(IDX_HEADER_LEN + entries.len() * IDX_ENTRY_LEN);
    buf.extend_from_slice(&encode_header(first_seq, stride));
    for e in entries {
        encode_entry(&mut buf, e);
    }
    // Rebuilt from the segment when lost: atomic for readers, not synced.
    Ok(write_atomic(path, &buf, Durability::Unsynced)?)
}

/// Opens an index file for appending entries.
pub(crate) fn open_append(path: &Path) -> io::Result<File> {
    OpenOptions::new().append(true).open(path)
}

/// Index of the last entry for which `before` holds (entries where the target has not
/// been reached yet); `before` must be true for a prefix of the entries.
pub(crate) fn last_before(entries: &[IdxEntry], before: impl Fn(&IdxEntry) -> bool) -> Option<usize> {
    entries.partition_point(before).checked_sub(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Vec<u8> {
        let mut b = encode_header(10, 4).to_vec();
        for (k, off) in [0u64, 100, 250].iter().enumerate() {
            encode_entry(&mut b, &IdxEntry { seq: 10 + 4 * k as u64, offset: *off, archive_ts: 5 + k as u32 });
        }
        b
    }

    #[test]
    fn parse_ok_and_torn_tail_ignored() {
        let b = sample();
        let ix = parse(&b, 10, 1000).unwrap();
        assert_eq!(ix.entries.len(), 3);
        assert!(!ix.torn_tail);
        let ix = parse(&b[..b.len() - 3], 10, 1000).unwrap();
        assert_eq!(ix.entries.len(), 2);
        assert!(ix.torn_tail);
        let mut bad_last = b.clone();
        let n = bad_last.len();
        bad_last[n - 1] ^= 1;
        assert_eq!(parse(&bad_last, 10, 1000).unwrap().entries.len(), 2);
    }

    #[test]
    fn parse_rejects_wrong_things() {
        let b = sample();
        assert!(parse(&b, 11, 1000).is_err(), "first seq mismatch");
        assert!(parse(&b, 10, 200).is_err(), "offset past end");
        let mut mid = b.clone();
        mid[IDX_HEADER_LEN + 3] ^= 1;
        assert!(parse(&mid, 10, 1000).is_err(), "bad middle entry");
        assert!(parse(&b[..10], 10, 1000).is_err());
    }

    #[test]
    fn last_before_works() {
        let e: Vec<IdxEntry> = (0..4).map(|k| IdxEntry { seq: k, offset: k * 10, archive_ts: k as u32 }).collect();
        assert_eq!(last_before(&e, |_| false), None);
        assert_eq!(last_before(&e, |x| x.archive_ts < 2), Some(1));
        assert_eq!(last_before(&e, |x| x.archive_ts < 99), Some(3));
    }
}
