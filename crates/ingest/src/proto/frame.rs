//! Ingest frames: two-phase framing ([`check`] then [`Frame::parse`]) and encoding.
//! `docs/ingest.md` lays out every byte; all integers are big-endian.
//!
//! Header (8 bytes): magic `0xE1` (u8), version `1` (u8), frame type (u8), flags `0` (u8),
//! body length (u32). Bodies:
//!
//! | type | frame | body |
//! |---|---|---|
//! | 1 | HELLO (producer → service) | id length u16, producer id, flags u32 (0) |
//! | 2 | WELCOME (service → producer) | last durable batch u64, max records u32, max bytes u32 |
//! | 3 | BATCH (producer → service) | batch seq u64, flags u32 (bit 0: raw), count u32, then per record: type u32, length u32, body |
//! | 4 | ACK (service → producer) | batch seq u64, status u8 (0 stored, 1 already stored), records u32, first store seq u64 |
//! | 5 | ERROR (either way) | code u16, batch seq u64 (0: none), text length u16, UTF-8 text |

use crate::batch::{check_producer_id, Batch, Record};
use crate::{MAX_BATCH_BYTES, MAX_BATCH_RECORDS};

/// First byte of every frame.
pub const MAGIC: u8 = 0xE1;
/// Protocol version.
pub const VERSION: u8 = 1;
/// Size of the frame header.
pub const HEADER_LEN: usize = 8;
/// Largest frame body: a BATCH of the largest size (records, their 8-byte heads, 16 bytes).
pub const MAX_FRAME_BODY: usize = MAX_BATCH_BYTES + MAX_BATCH_RECORDS * 8 + 16;
/// Batch flag: raw replay (record types outside the catalog allowed).
pub const BATCH_RAW: u32 = 1;

/// Frame type codes.
pub mod types {
    /// HELLO.
    pub const HELLO: u8 = 1;
    /// WELCOME.
    pub const WELCOME: u8 = 2;
    /// BATCH.
    pub const BATCH: u8 = 3;
    /// ACK.
    pub const ACK: u8 = 4;
    /// ERROR.
    pub const ERROR: u8 = 5;
}

/// ERROR codes.
pub mod codes {
    /// A frame that does not parse (the text says what and where).
    pub const MALFORMED: u16 = 1;
    /// A frame not allowed at this point (e.g. BATCH before HELLO).
    pub const UNEXPECTED: u16 = 2;
    /// HELLO with an unusable producer id.
    pub const BAD_PRODUCER: u16 = 3;
    /// A batch refused by validation: nothing of it was stored.
    pub const INVALID_BATCH: u16 = 4;
    /// A batch seq above the producer's last durable batch + 1: a batch is missing.
    pub const GAP: u16 = 5;
    /// The store failed; the batch may be sent again on a new connection.
    pub const STORE: u16 = 6;
    /// The service is shutting down, or takes no more producers now; reconnect later.
    pub const SHUTDOWN: u16 = 7;
    /// The certificate may not feed events (not a sensor certificate, or not for this host).
    pub const FORBIDDEN: u16 = 8;
}

/// One frame.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Frame {
    /// Producer introduces itself.
    Hello {
        /// Producer id.
        producer: String,
    },
    /// Service accepts it.
    Welcome {
        /// The producer's last durable batch (0: none).
        last_batch: u64,
        /// Most records a batch may hold.
        max_records: u32,
        /// Most record body bytes a batch may hold.
        max_bytes: u32,
    },
    /// A batch of records.
    Batch(Batch),
    /// A batch is durable.
    Ack(Ack),
    /// The sender closes the connection after this.
    Error {
        /// Code from [`codes`].
        code: u16,
        /// The batch concerned (0: none).
        batch: u64,
        /// What happened.
        text: String,
    },
}

/// An acknowledgement.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ack {
    /// The batch.
    pub batch: u64,
    /// It was already stored (the service wrote nothing this time).
    pub already_stored: bool,
    /// Records in the batch.
    pub records: u32,
    /// Store seq of its first record (0 when already stored).
    pub first_seq: u64,
}

/// What is wrong with bytes received, and where (byte offset in the frame).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    /// The header does not start with the magic byte or names another version.
    #[error("frame header: {what} (found {found:#04x})")]
    Header {
        /// Which byte.
        what: &'static str,
        /// Its value.
        found: u8,
    },
    /// The declared body is larger than allowed: refused before it is buffered.
    #[error("frame type {frame_type} declares {length} body bytes, above the maximum of {max}")]
    TooLarge {
        /// Frame type.
        frame_type: u8,
        /// Declared length.
        length: u32,
        /// Maximum.
        max: usize,
    },
    /// A field runs past the end of the body.
    #[error("frame type {frame_type}: {what} cut off at byte {offset}")]
    Truncated {
        /// Frame type.
        frame_type: u8,
        /// Which field.
        what: &'static str,
        /// Offset of the field in the frame.
        offset: usize,
    },
    /// A field holds an impossible value.
    #[error("frame type {frame_type}: {what} at byte {offset}")]
    Invalid {
        /// Frame type.
        frame_type: u8,
        /// What is wrong.
        what: String,
        /// Offset of the field in the frame.
        offset: usize,
    },
    /// Bytes left after the last field.
    #[error("frame type {frame_type}: {count} unexpected bytes at byte {offset}")]
    Trailing {
        /// Frame type.
        frame_type: u8,
        /// Offset.
        offset: usize,
        /// How many.
        count: usize,
    },
    /// An unknown frame type.
    #[error("unknown frame type {frame_type}")]
    UnknownType {
        /// The type byte.
        frame_type: u8,
    },
}

/// Phase one: is a whole frame at the start of `buf`? `Ok(None)`: not yet; `Ok(Some(n))`: the
/// first `n` bytes are one frame. The header is checked (magic, version, length ≤ `max_body`)
/// as soon as its 8 bytes are there, before the body is buffered.
pub fn check(buf: &[u8], max_body: usize) -> Result<Option<usize>, FrameError> {
    if let Some(&m) = buf.first() {
        if m != MAGIC {
            return Err(FrameError::Header { what: "magic byte is not 0xe1", found: m });
        }
    }
    if let Some(&v) = buf.get(1) {
        if v != VERSION {
            return Err(FrameError::Header { what: "protocol version is not 1", found: v });
        }
    }
    let Some(h) = buf.first_chunk::<HEADER_LEN>() else { return Ok(None) };
    if h[3] != 0 {
        return Err(FrameError::Header { what: "flags byte is not 0", found: h[3] });
    }
    let length = u32::from_be_bytes([h[4], h[5], h[6], h[7]]);
    if length as usize > max_body {
        return Err(FrameError::TooLarge { frame_type: h[2], length, max: max_body });
    }
    let total = HEADER_LEN + length as usize;
    Ok((buf.len() >= total).then_some(total))
}

/// A cursor over one frame's body that checks every length against what is left.
struct Body<'a> {
    frame_type: u8,
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Body<'a> {
    fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], FrameError> {
        let cut = || FrameError::Truncated { frame_type: self.frame_type, what, offset: HEADER_LEN + self.pos };
        let end = self.pos.checked_add(n).ok_or_else(cut)?;
        let s = self.buf.get(self.pos..end).ok_or_else(cut)?;
        self.pos = end;
        Ok(s)
    }
    fn u8(&mut self, what: &'static str) -> Result<u8, FrameError> {
        Ok(self.take(1, what)?[0])
    }
    fn u16(&mut self, what: &'static str) -> Result<u16, FrameError> {
        let b = self.take(2, what)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }
    fn u32(&mut self, what: &'static str) -> Result<u32, FrameError> {
        let b = self.take(4, what)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn u64(&mut self, what: &'static str) -> Result<u64, FrameError> {
        let b = self.take(8, what)?;
        Ok(u64::from_be_bytes(b.try_into().expect("8 bytes")))
    }
    fn invalid(&self, what: String, field_len: usize) -> FrameError {
        FrameError::Invalid { frame_type: self.frame_type, what, offset: HEADER_LEN + self.pos - field_len }
    }
    fn end(&self) -> Result<(), FrameError> {
        match self.buf.len() - self.pos {
            0 => Ok(()),
            count => Err(FrameError::Trailing { frame_type: self.frame_type, offset: HEADER_LEN + self.pos, count }),
        }
    }
}

impl Frame {
    /// Phase two: parse one whole frame (as [`check`] measured it).
    pub fn parse(frame: &[u8]) -> Result<Frame, FrameError> {
        let h = frame.first_chunk::<HEADER_LEN>().ok_or(FrameError::Truncated {
            frame_type: 0,
            what: "frame header",
            offset: 0,
        })?;
        let frame_type = h[2];
        let declared = u32::from_be_bytes([h[4], h[5], h[6], h[7]]) as usize;
        let mut b = Body { frame_type, buf: &frame[HEADER_LEN..], pos: 0 };
        if b.buf.len() != declared {
            return Err(b.invalid(format!("body is {} bytes, the header says {declared}", b.buf.len()), 0));
        }
        let f = match frame_type {
            types::HELLO => {
                let n = b.u16("producer id length")? as usize;
                let id = b.take(n, "producer id")?;
                let producer =
                    std::str::from_utf8(id).map_err(|_| b.invalid("producer id is not UTF-8".into(), n))?.to_owned();
                check_producer_id(&producer).map_err(|e| b.invalid(e.to_string(), n))?;
                let flags = b.u32("hello flags")?;
                if flags != 0 {
                    return Err(b.invalid(format!("hello flags {flags:#x} (none are defined)"), 4));
                }
                Frame::Hello { producer }
            }
            types::WELCOME => Frame::Welcome {
                last_batch: b.u64("last durable batch")?,
                max_records: b.u32("max records")?,
                max_bytes: b.u32("max bytes")?,
            },
            types::BATCH => Frame::Batch(parse_batch(&mut b)?),
            types::ACK => {
                let batch = b.u64("batch seq")?;
                let already_stored = match b.u8("ack status")? {
                    0 => false,
                    1 => true,
                    s => return Err(b.invalid(format!("ack status {s} (0 or 1)"), 1)),
                };
                Frame::Ack(Ack {
                    batch,
                    already_stored,
                    records: b.u32("record count")?,
                    first_seq: b.u64("first seq")?,
                })
            }
            types::ERROR => {
                let code = b.u16("error code")?;
                let batch = b.u64("batch seq")?;
                let n = b.u16("text length")? as usize;
                let text = String::from_utf8_lossy(b.take(n, "error text")?).into_owned();
                Frame::Error { code, batch, text }
            }
            frame_type => return Err(FrameError::UnknownType { frame_type }),
        };
        b.end()?;
        Ok(f)
    }

    /// Append the frame's bytes to `out`.
    pub fn encode(&self, out: &mut Vec<u8>) {
        let start = out.len();
        out.extend_from_slice(&[MAGIC, VERSION, self.frame_type(), 0, 0, 0, 0, 0]);
        match self {
            Frame::Hello { producer } => {
                out.extend_from_slice(&(producer.len() as u16).to_be_bytes());
                out.extend_from_slice(producer.as_bytes());
                out.extend_from_slice(&0u32.to_be_bytes());
            }
            Frame::Welcome { last_batch, max_records, max_bytes } => {
                out.extend_from_slice(&last_batch.to_be_bytes());
                out.extend_from_slice(&max_records.to_be_bytes());
                out.extend_from_slice(&max_bytes.to_be_bytes());
            }
            Frame::Batch(batch) => encode_batch(batch, out),
            Frame::Ack(a) => {
                out.extend_from_slice(&a.batch.to_be_bytes());
                out.push(u8::from(a.already_stored));
                out.extend_from_slice(&a.records.to_be_bytes());
                out.extend_from_slice(&a.first_seq.to_be_bytes());
            }
            Frame::Error { code, batch, text } => {
                // The text is cut at a character boundary to fit its u16 length.
                let mut end = text.len().min(u16::MAX as usize);
                while !text.is_char_boundary(end) {
                    end -= 1;
                }
                out.extend_from_slice(&code.to_be_bytes());
                out.extend_from_slice(&batch.to_be_bytes());
                out.extend_from_slice(&(end as u16).to_be_bytes());
                out.extend_from_slice(&text.as_bytes()[..end]);
            }
        }
        let len = (out.len() - start - HEADER_LEN) as u32;
        out[start + 4..start + 8].copy_from_slice(&len.to_be_bytes());
    }

    /// The frame type code.
    pub fn frame_type(&self) -> u8 {
        match self {
            Frame::Hello { .. } => types::HELLO,
            Frame::Welcome { .. } => types::WELCOME,
            Frame::Batch(_) => types::BATCH,
            Frame::Ack(_) => types::ACK,
            Frame::Error { .. } => types::ERROR,
        }
    }
}

/// Encode a BATCH frame for `batch` into `out` (header included).
pub fn encode_batch_frame(batch: &Batch, out: &mut Vec<u8>) {
    let start = out.len();
    out.extend_from_slice(&[MAGIC, VERSION, types::BATCH, 0, 0, 0, 0, 0]);
    encode_batch(batch, out);
    let len = (out.len() - start - HEADER_LEN) as u32;
    out[start + 4..start + 8].copy_from_slice(&len.to_be_bytes());
}

fn encode_batch(batch: &Batch, out: &mut Vec<u8>) {
    out.reserve(16 + batch.body_bytes() + 8 * batch.records.len());
    out.extend_from_slice(&batch.seq.to_be_bytes());
    out.extend_from_slice(&(if batch.raw { BATCH_RAW } else { 0 }).to_be_bytes());
    out.extend_from_slice(&(batch.records.len() as u32).to_be_bytes());
    for r in &batch.records {
        out.extend_from_slice(&r.record_type.to_be_bytes());
        out.extend_from_slice(&(r.body.len() as u32).to_be_bytes());
        out.extend_from_slice(&r.body);
    }
}

fn parse_batch(b: &mut Body<'_>) -> Result<Batch, FrameError> {
    let seq = b.u64("batch seq")?;
    if seq == 0 {
        return Err(b.invalid("batch seq 0 (batches count from 1)".into(), 8));
    }
    let flags = b.u32("batch flags")?;
    if flags & !BATCH_RAW != 0 {
        return Err(b.invalid(format!("batch flags {flags:#x} (only bit 0, raw, is defined)"), 4));
    }
    let count = b.u32("record count")? as usize;
    // Every record takes at least its 8-byte head: a count the body cannot hold is refused
    // before anything is allocated for it.
    if count > MAX_BATCH_RECORDS || count > (b.buf.len() - b.pos) / 8 {
        return Err(
            b.invalid(format!("record count {count} does not fit the frame (or the limit {MAX_BATCH_RECORDS})"), 4)
        );
    }
    let mut records = Vec::with_capacity(count);
    for _ in 0..count {
        let record_type = b.u32("record type")?;
        let n = b.u32("record length")? as usize;
        let body = b.take(n, "record body")?.to_vec();
        records.push(Record { record_type, body });
    }
    Ok(Batch { seq, raw: flags & BATCH_RAW != 0, records })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bytes(f: &Frame) -> Vec<u8> {
        let mut out = Vec::new();
        f.encode(&mut out);
        out
    }

    #[test]
    fn every_frame_round_trips() {
        let batch = Batch {
            seq: 3,
            raw: true,
            records: vec![Record { record_type: 400, body: vec![1, 2, 3] }, Record { record_type: 9, body: vec![] }],
        };
        let frames = [
            Frame::Hello { producer: "sensor-1".into() },
            Frame::Welcome { last_batch: 9, max_records: 10, max_bytes: 11 },
            Frame::Batch(batch.clone()),
            Frame::Ack(Ack { batch: 3, already_stored: true, records: 2, first_seq: 0 }),
            Frame::Error { code: codes::GAP, batch: 4, text: "gap".into() },
        ];
        for f in &frames {
            let b = bytes(f);
            assert_eq!(check(&b, 1 << 20), Ok(Some(b.len())));
            for cut in 0..b.len() {
                assert_eq!(check(&b[..cut], 1 << 20), Ok(None), "{f:?} cut at {cut}");
            }
            assert_eq!(&Frame::parse(&b).unwrap(), f);
        }
        let mut direct = Vec::new();
        encode_batch_frame(&batch, &mut direct);
        assert_eq!(direct, bytes(&Frame::Batch(batch)));
    }

    #[test]
    fn bad_headers_are_refused_before_the_body() {
        assert!(matches!(check(&[0xE0], 100), Err(FrameError::Header { .. })));
        assert!(matches!(check(&[0xE1, 2], 100), Err(FrameError::Header { .. })));
        let big = [0xE1, 1, 3, 0, 0, 0, 1, 0];
        assert_eq!(check(&big, 100), Err(FrameError::TooLarge { frame_type: 3, length: 256, max: 100 }));
    }

    #[test]
    fn every_length_is_checked_and_errors_say_where() {
        let batch = Batch { seq: 1, raw: false, records: vec![Record { record_type: 400, body: vec![7; 5] }] };
        let good = bytes(&Frame::Batch(batch));
        // A record length past the end of the frame.
        let mut long = good.clone();
        long[28..32].copy_from_slice(&100u32.to_be_bytes());
        let e = Frame::parse(&long).unwrap_err();
        assert_eq!(e, FrameError::Truncated { frame_type: 3, what: "record body", offset: 32 });
        // A count the body cannot hold.
        let mut many = good.clone();
        many[20..24].copy_from_slice(&1000u32.to_be_bytes());
        assert!(Frame::parse(&many).unwrap_err().to_string().contains("record count 1000 does not fit"));
        // Trailing bytes.
        let mut trail = good.clone();
        trail.push(0);
        let body_len = (trail.len() - 8) as u32;
        trail[4..8].copy_from_slice(&body_len.to_be_bytes());
        assert!(
            matches!(Frame::parse(&trail), Err(FrameError::Trailing { offset, count: 1, .. }) if offset == good.len())
        );
        // Seq 0, unknown flags, unknown type.
        let mut zero = good.clone();
        zero[8..16].copy_from_slice(&0u64.to_be_bytes());
        assert!(Frame::parse(&zero).unwrap_err().to_string().contains("batch seq 0"));
        let mut flags = good.clone();
        flags[19] = 2;
        assert!(Frame::parse(&flags).unwrap_err().to_string().contains("flags"));
        let mut kind = good;
        kind[2] = 9;
        assert_eq!(Frame::parse(&kind), Err(FrameError::UnknownType { frame_type: 9 }));
        // A bad producer id.
        let hello = bytes(&Frame::Hello { producer: "a b".into() });
        assert!(Frame::parse(&hello).unwrap_err().to_string().contains("not allowed"));
    }
}
