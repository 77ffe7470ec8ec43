//! What producers hand to the ingest API: batches of records, numbered per producer.

use crate::IngestError;

/// Longest producer id, in bytes.
pub const MAX_PRODUCER_ID: usize = 128;

/// One record: its eStreamer type and its body in wire form (what follows the record header).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    /// eStreamer record type.
    pub record_type: u32,
    /// The record body, stored byte for byte.
    pub body: Vec<u8>,
}

/// Records a producer sends together: stored together (one append, one fsync shared with
/// concurrent producers) and acknowledged together, or refused whole.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Batch {
    /// Position of the batch in its producer's stream: 1 for the first, +1 per batch. A
    /// batch at or below the producer's last durable batch is answered as already stored.
    pub seq: u64,
    /// Raw replay: record types outside the catalog are accepted (never served, kept byte for
    /// byte). Without it every record type must be in the catalog.
    pub raw: bool,
    /// The records, in order.
    pub records: Vec<Record>,
}

impl Batch {
    /// Bytes of record bodies in the batch.
    pub fn body_bytes(&self) -> usize {
        self.records.iter().map(|r| r.body.len()).sum()
    }

    /// CRC32C over every record's type (big-endian) and body, in order: what the store's
    /// watermark and the producer's acknowledgement log record, so that a stored batch can be
    /// checked against what was acknowledged.
    pub fn crc(&self) -> u32 {
        batch_crc(self.records.iter().map(|r| (r.record_type, r.body.as_slice())))
    }
}

/// [`Batch::crc`] over `(record_type, body)` pairs.
pub fn batch_crc<'a>(records: impl Iterator<Item = (u32, &'a [u8])>) -> u32 {
    let mut crc = 0u32;
    for (t, body) in records {
        crc = crc32c::crc32c_append(crc, &t.to_be_bytes());
        crc = crc32c::crc32c_append(crc, body);
    }
    crc
}

/// Checks a producer id: 1 to [`MAX_PRODUCER_ID`] bytes of ASCII letters, digits and
/// `. _ - : @ / + =`.
pub fn check_producer_id(id: &str) -> Result<(), IngestError> {
    let bad = |reason: &str| IngestError::ProducerId { id: id.to_owned(), reason: reason.to_owned() };
    if id.is_empty() {
        return Err(bad("empty"));
    }
    if id.len() > MAX_PRODUCER_ID {
        return Err(bad(&format!("longer than {MAX_PRODUCER_ID} bytes")));
    }
    if let Some(c) = id.chars().find(|c| !(c.is_ascii_alphanumeric() || "._-:@/+=".contains(*c))) {
        return Err(bad(&format!("character {c:?} not allowed (letters, digits and . _ - : @ / + =)")));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn producer_ids() {
        for ok in ["sensor-7", "ingest:/tmp/x.cap", "a@b+c=d"] {
            check_producer_id(ok).unwrap();
        }
        for bad in ["", "a b", "é", &"x".repeat(129)] {
            assert!(check_producer_id(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn crc_covers_types_and_bodies() {
        let a = Batch { seq: 1, raw: false, records: vec![Record { record_type: 1, body: vec![1, 2] }] };
        let mut b = a.clone();
        b.records[0].record_type = 2;
        assert_ne!(a.crc(), b.crc());
        assert_eq!(a.body_bytes(), 2);
    }
}
