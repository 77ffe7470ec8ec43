//! Raw capture files: the eStreamer messages a client received, exactly as received, with the
//! time each arrived — what `client --format raw` writes, `ingest --format raw` replays and
//! `decode` reads.
//!
//! # Format (version 1)
//!
//! All integers big-endian, like the protocol.
//!
//! | Offset | Size | Field |
//! |---:|---:|---|
//! | 0 | 8 | magic `"ESTRCAP\n"` |
//! | 8 | 2 | format version, 1 |
//! | 10 | 2 | flags, 0 |
//! | 12 | 4 | reserved, 0 |
//!
//! then entries back to back, each:
//!
//! | Size | Field |
//! |---:|---|
//! | 8 | receive time, microseconds since the UNIX epoch |
//! | 8 + n | one whole eStreamer message: its 8-byte header (length n) and body, as received |
//!
//! A file that does not start with the magic is read as bare concatenated messages (no times),
//! which is what a packet-capture extraction or an older tool produces. A last entry cut short
//! (a writer killed mid-write) is reported as a torn tail, never as a message.

use crate::message::{check, HEADER_LEN};
use crate::WireError;

/// The first 8 bytes of a capture file.
pub const MAGIC: [u8; 8] = *b"ESTRCAP\n";
/// Size of the file header.
pub const FILE_HEADER_LEN: usize = 16;
/// Current format version.
pub const VERSION: u16 = 1;

/// The file header for a new capture.
pub fn file_header() -> [u8; FILE_HEADER_LEN] {
    let mut h = [0u8; FILE_HEADER_LEN];
    h[..8].copy_from_slice(&MAGIC);
    h[8..10].copy_from_slice(&VERSION.to_be_bytes());
    h
}

/// Append one entry (receive time and the whole message) to `out`.
pub fn write_entry(out: &mut Vec<u8>, received_us: u64, message: &[u8]) {
    out.extend_from_slice(&received_us.to_be_bytes());
    out.extend_from_slice(message);
}

/// One message read from a capture.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry<'a> {
    /// Receive time in microseconds since the UNIX epoch (`None` in a bare message file).
    pub received_us: Option<u64>,
    /// The whole message, header included.
    pub message: &'a [u8],
    /// Byte offset of the entry in the file.
    pub offset: usize,
}

/// What went wrong reading a capture, and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CaptureError {
    /// The header names a format version this build does not read.
    #[error("capture format version {version} is not supported (this build reads version {VERSION})")]
    Version {
        /// Version found.
        version: u16,
    },
    /// The last entry is cut short (a writer stopped mid-write).
    #[error("capture ends with an incomplete entry at byte {offset} ({have} of {need} bytes)")]
    TornTail {
        /// Where the entry starts.
        offset: usize,
        /// Bytes present.
        have: usize,
        /// Bytes it needs.
        need: usize,
    },
    /// A message header inside the capture is invalid.
    #[error("capture entry at byte {offset}: {source}")]
    Message {
        /// Where the entry starts.
        offset: usize,
        /// What is wrong with it.
        #[source]
        source: WireError,
    },
}

/// Reads entries from the bytes of a capture file (or a bare message file).
#[derive(Debug)]
pub struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
    timed: bool,
    max_message: usize,
}

impl<'a> Reader<'a> {
    /// A reader over a whole file; checks the header. Messages above `max_message` body bytes
    /// are refused.
    pub fn new(bytes: &'a [u8], max_message: usize) -> Result<Self, CaptureError> {
        if bytes.len() >= FILE_HEADER_LEN && bytes[..8] == MAGIC {
            let version = u16::from_be_bytes([bytes[8], bytes[9]]);
            if version != VERSION {
                return Err(CaptureError::Version { version });
            }
            return Ok(Reader { bytes, pos: FILE_HEADER_LEN, timed: true, max_message });
        }
        Ok(Reader { bytes, pos: 0, timed: false, max_message })
    }

    /// Whether entries carry receive times (a capture file rather than bare messages).
    pub fn is_capture(&self) -> bool {
        self.timed
    }

    /// The next entry; `None` at the end.
    #[allow(clippy::should_implement_trait)] // fallible: not an Iterator of plain items
    pub fn next(&mut self) -> Option<Result<Entry<'a>, CaptureError>> {
        let offset = self.pos;
        let rest = &self.bytes[offset..];
        if rest.is_empty() {
            return None;
        }
        let time_len = if self.timed { 8 } else { 0 };
        if rest.len() < time_len + HEADER_LEN {
            self.pos = self.bytes.len();
            return Some(Err(CaptureError::TornTail { offset, have: rest.len(), need: time_len + HEADER_LEN }));
        }
        let received_us = self.timed.then(|| u64::from_be_bytes(rest[..8].try_into().expect("8 bytes")));
        let msg = &rest[time_len..];
        match check(msg, self.max_message) {
            Ok(Some(n)) => {
                self.pos = offset + time_len + n;
                Some(Ok(Entry { received_us, message: &msg[..n], offset }))
            }
            Ok(None) => {
                self.pos = self.bytes.len();
                let declared = u32::from_be_bytes([msg[4], msg[5], msg[6], msg[7]]) as usize;
                Some(Err(CaptureError::TornTail { offset, have: rest.len(), need: time_len + HEADER_LEN + declared }))
            }
            Err(source) => {
                // Framing is lost: nothing after this can be trusted.
                self.pos = self.bytes.len();
                Some(Err(CaptureError::Message { offset, source }))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::NULL_MESSAGE;

    #[test]
    fn entries_round_trip_with_their_times() {
        let mut file = file_header().to_vec();
        write_entry(&mut file, 1_700_000_000_000_001, &NULL_MESSAGE);
        let err = crate::message::Message::Error(crate::message::ErrorMessage::new(-1, "x")).to_bytes().unwrap();
        write_entry(&mut file, 1_700_000_000_000_002, &err);
        let mut r = Reader::new(&file, 1 << 20).unwrap();
        assert!(r.is_capture());
        let a = r.next().unwrap().unwrap();
        assert_eq!((a.received_us, a.message, a.offset), (Some(1_700_000_000_000_001), &NULL_MESSAGE[..], 16));
        let b = r.next().unwrap().unwrap();
        assert_eq!((b.received_us, b.message), (Some(1_700_000_000_000_002), &err[..]));
        assert!(r.next().is_none());
    }

    #[test]
    fn a_torn_tail_is_reported_not_read() {
        let mut file = file_header().to_vec();
        write_entry(&mut file, 5, &NULL_MESSAGE);
        let whole = file.len();
        write_entry(&mut file, 6, &[0, 1, 0, 4, 0, 0, 0, 9, 1, 2]);
        for cut in whole + 1..file.len() {
            let mut r = Reader::new(&file[..cut], 1 << 20).unwrap();
            assert!(r.next().unwrap().is_ok());
            assert!(
                matches!(r.next(), Some(Err(CaptureError::TornTail { offset, .. })) if offset == whole),
                "cut {cut}"
            );
            assert!(r.next().is_none());
        }
    }

    #[test]
    fn bare_messages_and_unknown_versions() {
        let bare = [NULL_MESSAGE, NULL_MESSAGE].concat();
        let mut r = Reader::new(&bare, 16).unwrap();
        assert!(!r.is_capture());
        assert_eq!(r.next().unwrap().unwrap().received_us, None);
        assert_eq!(r.next().unwrap().unwrap().offset, 8);
        let mut v2 = file_header();
        v2[9] = 2;
        assert_eq!(Reader::new(&v2, 16).unwrap_err(), CaptureError::Version { version: 2 });
        let mut huge = file_header().to_vec();
        write_entry(&mut huge, 1, &[0, 1, 0, 4, 0xff, 0xff, 0xff, 0xff]);
        assert!(matches!(Reader::new(&huge, 1024).unwrap().next(), Some(Err(CaptureError::Message { .. }))));
    }
}
