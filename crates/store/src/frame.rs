//! Record frames in segment files, and a positioned reader for them.
//!
//! Frame layout (all integers little-endian), 28-byte header then the body:
//!
//! | offset | size | field |
//! |---|---|---|
//! | 0 | 1 | magic `0xE5` |
//! | 1 | 1 | format version `1` |
//! | 2 | 2 | flags (little-endian): bit 0 [`FLAG_CONTINUES`], the others must be 0 |
//! | 4 | 4 | CRC32C over bytes 8..28 of the header followed by the body |
//! | 8 | 4 | body length |
//! | 12 | 8 | sequence number |
//! | 20 | 4 | archival timestamp (UNIX seconds) |
//! | 24 | 4 | eStreamer record type |
//! | 28 | len | body (the record in wire form) |

use std::fs::File;
use std::io::{self, BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

/// Largest record body the store writes or will read back (16 MiB).
pub const MAX_RECORD_BYTES: usize = 16 << 20;

pub(crate) const FRAME_MAGIC: u8 = 0xE5;
pub(crate) const FRAME_VERSION: u8 = 1;
pub(crate) const FRAME_HEADER_LEN: usize = 28;

/// Frame flag: more frames of the same batch (one append, one write) follow this one. The last
/// frame of a batch has it clear, so recovery can tell a batch cut short by a crash in the middle
/// of its write (complete frames, then none without the flag) and remove what came of it.
pub(crate) const FLAG_CONTINUES: u16 = 1;

/// Bodies are read in steps of at most this much, so that a torn frame whose length field
/// claims many megabytes costs only what is really on disk.
const READ_CHUNK: usize = 64 << 10;

/// Bytes read at a time while looking for the next valid frame after a damaged one.
const RESYNC_CHUNK: usize = 256 << 10;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct FrameHeader {
    pub body_len: u32,
    pub crc: u32,
    pub seq: u64,
    pub archive_ts: u32,
    pub record_type: u32,
    /// [`FLAG_CONTINUES`]: not the last frame of its batch.
    pub continues: bool,
}

impl FrameHeader {
    pub(crate) fn frame_len(&self) -> u64 {
        FRAME_HEADER_LEN as u64 + u64::from(self.body_len)
    }
}

/// Appends one encoded frame, the whole of its batch, to `out`.
#[cfg(test)]
pub(crate) fn encode_frame(out: &mut Vec<u8>, seq: u64, archive_ts: u32, record_type: u32, body: &[u8]) {
    encode_batch_frame(out, seq, archive_ts, record_type, body, false);
}

/// Appends one encoded frame to `out`; `continues` when more frames of its batch follow.
pub(crate) fn encode_batch_frame(
    out: &mut Vec<u8>,
    seq: u64,
    archive_ts: u32,
    record_type: u32,
    body: &[u8],
    continues: bool,
) {
    debug_assert!(body.len() <= MAX_RECORD_BYTES);
    let start = out.len();
    let flags = if continues { FLAG_CONTINUES } else { 0 }.to_le_bytes();
    out.extend_from_slice(&[FRAME_MAGIC, FRAME_VERSION, flags[0], flags[1]]);
    out.extend_from_slice(&[0; 4]); // CRC, filled in below
    out.extend_from_slice(&(body.len() as u32).to_le_bytes());
    out.extend_from_slice(&seq.to_le_bytes());
    out.extend_from_slice(&archive_ts.to_le_bytes());
    out.extend_from_slice(&record_type.to_le_bytes());
    out.extend_from_slice(body);
    let crc = crc32c::crc32c(&out[start + 8..]);
    out[start + 4..start + 8].copy_from_slice(&crc.to_le_bytes());
}

/// Parses and checks a header; the length is checked here, before anyone allocates for it.
pub(crate) fn parse_header(h: &[u8; FRAME_HEADER_LEN]) -> Result<FrameHeader, String> {
    if h[0] != FRAME_MAGIC {
        return Err(format!("bad magic 0x{:02x}", h[0]));
    }
    if h[1] != FRAME_VERSION {
        return Err(format!("unknown frame version {}", h[1]));
    }
    let flags = u16::from_le_bytes([h[2], h[3]]);
    if flags & !FLAG_CONTINUES != 0 {
        return Err(format!("unknown flags 0x{flags:04x}"));
    }
    let u32_at = |i: usize| u32::from_le_bytes([h[i], h[i + 1], h[i + 2], h[i + 3]]);
    let body_len = u32_at(8);
    if body_len as usize > MAX_RECORD_BYTES {
        return Err(format!("body length {body_len} exceeds the maximum of {MAX_RECORD_BYTES}"));
    }
    let mut seq = [0u8; 8];
    seq.copy_from_slice(&h[12..20]);
    Ok(FrameHeader {
        body_len,
        crc: u32_at(4),
        seq: u64::from_le_bytes(seq),
        archive_ts: u32_at(20),
        record_type: u32_at(24),
        continues: flags & FLAG_CONTINUES != 0,
    })
}

/// What is found at an offset of a segment file.
#[derive(Debug)]
pub(crate) enum ReadOutcome {
    /// A complete frame with a good CRC; its body is in the caller's buffer.
    Frame(FrameHeader),
    /// Exactly at the end of the file.
    Eof,
    /// Some bytes, but fewer than a whole frame: a writer may be mid-append, or the tail is torn.
    Incomplete,
    /// Bytes that are not a valid frame.
    Bad(String),
    /// A valid header whose body is larger than the caller's limit; nothing was consumed.
    Deferred,
}

/// Reads frames at explicit offsets through a buffer; sequential reads do not seek.
pub(crate) struct FrameReader {
    path: PathBuf,
    inner: BufReader<File>,
    /// Offset the buffered reader is at, if known; `None` forces a seek on the next read.
    pos: Option<u64>,
    /// Number of `read_at` calls, so tests can check that seeks do not scan.
    #[cfg(test)]
    pub(crate) reads: u64,
}

impl FrameReader {
    pub(crate) fn open(path: &Path) -> io::Result<FrameReader> {
        let file = File::open(path)?;
        Ok(FrameReader {
            path: path.to_path_buf(),
            inner: BufReader::with_capacity(READ_CHUNK, file),
            pos: None,
            #[cfg(test)]
            reads: 0,
        })
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Current length of the open file (which may have been unlinked by retention).
    pub(crate) fn len(&self) -> io::Result<u64> {
        Ok(self.inner.get_ref().metadata()?.len())
    }

    /// Reads the frame at `offset` into `body`. Bodies longer than `body_limit` are
    /// reported as `Deferred` without being read.
    pub(crate) fn read_at(&mut self, offset: u64, body: &mut Vec<u8>, body_limit: usize) -> io::Result<ReadOutcome> {
        #[cfg(test)]
        {
            self.reads += 1;
        }
        if self.pos != Some(offset) {
            self.pos = None;
            self.inner.seek(SeekFrom::Start(offset))?;
            self.pos = Some(offset);
        }
        let mut hdr = [0u8; FRAME_HEADER_LEN];
        let n = read_full(&mut self.inner, &mut hdr)?;
        if n == 0 {
            // Nothing consumed: the reader is still at `offset`, and a later read after
            // the file grew continues from there.
            return Ok(ReadOutcome::Eof);
        }
        // From here on the buffered position may not match `offset`; re-seek next time
        // unless a whole frame is consumed.
        self.pos = None;
        if n < FRAME_HEADER_LEN {
            return Ok(ReadOutcome::Incomplete);
        }
        let header = match parse_header(&hdr) {
            Ok(h) => h,
            Err(reason) => return Ok(ReadOutcome::Bad(reason)),
        };
        let len = header.body_len as usize;
        if len > body_limit {
            return Ok(ReadOutcome::Deferred);
        }
        body.clear();
        if len <= READ_CHUNK {
            // The common case: one exact read, no probing for the end of the body.
            body.resize(len, 0);
            if read_full(&mut self.inner, body)? < len {
                return Ok(ReadOutcome::Incomplete);
            }
        } else {
            // A large length is only believed as far as the file backs it.
            body.reserve(READ_CHUNK);
            let got = (&mut self.inner).take(len as u64).read_to_end(body)?;
            if got < len {
                return Ok(ReadOutcome::Incomplete);
            }
        }
        let crc = crc32c::crc32c_append(crc32c::crc32c(&hdr[8..]), body);
        if crc != header.crc {
            return Ok(ReadOutcome::Bad(format!("CRC mismatch (stored 0x{:08x}, computed 0x{crc:08x})", header.crc)));
        }
        self.pos = Some(offset + header.frame_len());
        Ok(ReadOutcome::Frame(header))
    }
}

impl FrameReader {
    /// Reads raw bytes at `offset` (as many as there are, up to `buf.len()`).
    fn read_raw_at(&mut self, offset: u64, buf: &mut [u8]) -> io::Result<usize> {
        self.pos = None;
        self.inner.seek(SeekFrom::Start(offset))?;
        read_full(&mut self.inner, buf)
    }

    /// Finds the next valid frame after a bad one.
    ///
    /// `bad_offset` is where a frame that should have carried `expected_seq` turned out
    /// damaged (incomplete, bad header, bad CRC, wrong seq or time). The result is the first
    /// offset after it, below `end`, where a frame header with the right magic, version and
    /// flags parses, the whole frame fits before `end`, its CRC verifies, its archival time
    /// is at least `min_ts`, and its seq fits: at least `expected_seq` and at most
    /// `expected_seq + (offset - bad_offset) / 28`, since every frame in between takes at
    /// least a header. `None` means no valid frame follows (a torn tail).
    ///
    /// The search reads the rest of the file once, in chunks; only candidates whose header
    /// passes every check are read in full, so garbage costs one pass.
    pub(crate) fn resync(
        &mut self,
        bad_offset: u64,
        end: u64,
        expected_seq: u64,
        min_ts: u32,
    ) -> io::Result<Option<(u64, FrameHeader)>> {
        let mut chunk = vec![0u8; RESYNC_CHUNK];
        let mut body = Vec::new();
        let mut base = bad_offset + 1;
        while base + (FRAME_HEADER_LEN as u64) <= end {
            let want = usize::try_from((end - base).min(RESYNC_CHUNK as u64)).unwrap_or(RESYNC_CHUNK);
            let n = self.read_raw_at(base, &mut chunk[..want])?;
            if n < FRAME_HEADER_LEN {
                return Ok(None);
            }
            let data = &chunk[..n];
            // Candidates must have a whole header inside this chunk; the next chunk starts
            // at the first position that did not.
            let last_start = n - FRAME_HEADER_LEN;
            let mut i = 0;
            while i <= last_start {
                let Some(k) = data[i..=last_start].iter().position(|&b| b == FRAME_MAGIC) else {
                    break;
                };
                let at = i + k;
                i = at + 1;
                let mut h = [0u8; FRAME_HEADER_LEN];
                h.copy_from_slice(&data[at..at + FRAME_HEADER_LEN]);
                let Ok(hdr) = parse_header(&h) else { continue };
                let off = base + at as u64;
                let max_seq = expected_seq.saturating_add((off - bad_offset) / FRAME_HEADER_LEN as u64);
                if hdr.seq < expected_seq || hdr.seq > max_seq || hdr.archive_ts < min_ts {
                    continue;
                }
                if off.saturating_add(hdr.frame_len()) > end {
                    continue;
                }
                if let ReadOutcome::Frame(got) = self.read_at(off, &mut body, usize::MAX)? {
                    if got == hdr {
                        return Ok(Some((off, hdr)));
                    }
                }
            }
            base += (last_start + 1) as u64;
        }
        Ok(None)
    }
}

/// Reads until `buf` is full or EOF; returns the number of bytes read.
pub(crate) fn read_full(r: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_roundtrip_and_crc_covers_body() {
        let mut buf = Vec::new();
        encode_frame(&mut buf, 7, 1000, 400, b"hello");
        assert_eq!(buf.len(), FRAME_HEADER_LEN + 5);
        let mut h = [0u8; FRAME_HEADER_LEN];
        h.copy_from_slice(&buf[..FRAME_HEADER_LEN]);
        let hdr = parse_header(&h).unwrap();
        assert_eq!((hdr.seq, hdr.archive_ts, hdr.record_type, hdr.body_len), (7, 1000, 400, 5));
        let crc = crc32c::crc32c_append(crc32c::crc32c(&h[8..]), b"hello");
        assert_eq!(crc, hdr.crc);
    }

    #[test]
    fn absurd_length_is_rejected_before_allocation() {
        let mut buf = Vec::new();
        encode_frame(&mut buf, 1, 1, 1, b"x");
        buf[8..12].copy_from_slice(&u32::MAX.to_le_bytes());
        let mut h = [0u8; FRAME_HEADER_LEN];
        h.copy_from_slice(&buf[..FRAME_HEADER_LEN]);
        assert!(parse_header(&h).unwrap_err().contains("exceeds the maximum"));
    }

    #[test]
    fn bad_magic_version_flags() {
        let mut buf = Vec::new();
        encode_frame(&mut buf, 1, 1, 1, b"");
        for (i, v) in [(0usize, 0u8), (1, 9), (2, 2), (3, 1)] {
            let mut h = [0u8; FRAME_HEADER_LEN];
            h.copy_from_slice(&buf[..FRAME_HEADER_LEN]);
            h[i] = v;
            assert!(parse_header(&h).is_err());
        }
    }

    #[test]
    fn only_the_last_frame_of_a_batch_ends_it() {
        let mut buf = Vec::new();
        encode_batch_frame(&mut buf, 1, 1, 1, b"a", true);
        encode_batch_frame(&mut buf, 2, 1, 1, b"b", false);
        let header = |at: usize| {
            let mut h = [0u8; FRAME_HEADER_LEN];
            h.copy_from_slice(&buf[at..at + FRAME_HEADER_LEN]);
            parse_header(&h).unwrap()
        };
        assert!(header(0).continues);
        assert!(!header(FRAME_HEADER_LEN + 1).continues);
    }
}
