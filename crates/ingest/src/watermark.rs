//! The per-producer watermark: an internal record appended as the last record of every batch of
//! a named producer, in the same store call as the batch, and kept in the metadata table under
//! the producer id. It makes "batch N of producer P is durable" part of the batch itself.
//!
//! Body (big-endian): version `1` (u8), flags `0` (u8), producer id length (u16), producer id,
//! batch seq (u64), record count (u32, the watermark not counted), CRC32C of the batch
//! ([`crate::Batch::crc`]) (u32).
//!
//! The record type [`WATERMARK_RECORD_TYPE`] lies in the range this project reserves for internal
//! records ([`is_internal`]): outside the catalog, so never served to clients, and refused from
//! every source (even a raw replay).

use std::collections::VecDeque;
use std::path::Path;

use estreamer_store::{StoreError, StoreReader, StoredRecord};

use crate::batch::batch_crc;
use crate::{IngestError, MAX_BATCH_RECORDS};

/// First record type reserved for this project's internal records.
pub const INTERNAL_RECORD_TYPES: u32 = 0xF000_0000;
/// The watermark record type.
pub const WATERMARK_RECORD_TYPE: u32 = 0xF000_0001;

/// Whether a record type is reserved for internal records (refused from sources).
pub fn is_internal(record_type: u32) -> bool {
    record_type >= INTERNAL_RECORD_TYPES
}

/// A decoded watermark.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Watermark {
    /// The producer.
    pub producer: String,
    /// Its batch that this watermark closes.
    pub batch: u64,
    /// Records in that batch (the watermark not counted).
    pub records: u32,
    /// CRC32C of the batch's records.
    pub crc: u32,
}

impl Watermark {
    /// The record body.
    pub fn encode(&self) -> Vec<u8> {
        let id = self.producer.as_bytes();
        let mut b = Vec::with_capacity(20 + id.len());
        b.extend_from_slice(&[1, 0]);
        b.extend_from_slice(&(id.len() as u16).to_be_bytes());
        b.extend_from_slice(id);
        b.extend_from_slice(&self.batch.to_be_bytes());
        b.extend_from_slice(&self.records.to_be_bytes());
        b.extend_from_slice(&self.crc.to_be_bytes());
        b
    }

    /// Parse a record body; `None` when it is not a version-1 watermark.
    pub fn decode(body: &[u8]) -> Option<Watermark> {
        let (&[1, 0], rest) = body.split_first_chunk::<2>()? else { return None };
        let (len, rest) = rest.split_first_chunk::<2>()?;
        let len = u16::from_be_bytes(*len) as usize;
        if rest.len() != len + 16 {
            return None;
        }
        let producer = std::str::from_utf8(&rest[..len]).ok()?.to_owned();
        let rest = &rest[len..];
        Some(Watermark {
            producer,
            batch: u64::from_be_bytes(rest[..8].try_into().ok()?),
            records: u32::from_be_bytes(rest[8..12].try_into().ok()?),
            crc: u32::from_be_bytes(rest[12..16].try_into().ok()?),
        })
    }
}

/// A batch found in the log by [`stored_batches`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredBatch {
    /// Its watermark.
    pub watermark: Watermark,
    /// Store seq of the watermark record.
    pub seq: u64,
    /// Whether the records before the watermark are the batch it describes: as many, in the
    /// same CRC32C. False means a record of it was lost (corruption or retention).
    pub intact: bool,
}

/// What [`audit_batches`] found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BatchAudit {
    /// Every producer batch, in log order.
    pub batches: Vec<StoredBatch>,
    /// Records in the log that are not watermarks.
    pub records: u64,
    /// Of those, records that belong to no intact producer batch (anonymous writes, or a
    /// batch damaged since).
    pub loose_records: u64,
}

/// Every producer batch in the log at `dir`: see [`audit_batches`].
pub fn stored_batches(dir: &Path) -> Result<Vec<StoredBatch>, IngestError> {
    Ok(audit_batches(dir)?.batches)
}

/// Every producer batch in the log at `dir`, in log order, each checked against the records
/// before its watermark (a batch is written contiguously, its watermark last), and how many
/// records lie outside them. Reads through a [`StoreReader`], so it runs beside a service
/// writing the store.
pub fn audit_batches(dir: &Path) -> Result<BatchAudit, IngestError> {
    let reader = StoreReader::open(dir)?;
    let mut cursor = match reader.cursor_from_seq(1) {
        Ok(c) => c,
        Err(StoreError::Expired { oldest, .. }) => reader.cursor_from_seq(oldest)?,
        Err(e) => return Err(e.into()),
    };
    let mut out = Vec::new();
    let (mut records, mut covered) = (0u64, 0u64);
    // Records since the previous watermark (only the last `records` of them matter, and a
    // batch holds at most MAX_BATCH_RECORDS).
    let mut since: VecDeque<StoredRecord> = VecDeque::new();
    while let Some(rec) = cursor.next()? {
        if rec.record_type != WATERMARK_RECORD_TYPE {
            records += 1;
            if since.len() == MAX_BATCH_RECORDS {
                since.pop_front();
            }
            since.push_back(rec);
            continue;
        }
        let Some(w) = Watermark::decode(&rec.body) else {
            since.clear();
            continue;
        };
        let n = w.records as usize;
        let intact = since.len() >= n && {
            let batch = since.range(since.len() - n..);
            let contiguous = batch.enumerate().all(|(i, r)| r.seq + (n - i) as u64 == rec.seq);
            let batch = since.range(since.len() - n..);
            contiguous && batch_crc(batch.map(|r| (r.record_type, r.body.as_slice()))) == w.crc
        };
        if intact {
            covered += n as u64;
        }
        out.push(StoredBatch { watermark: w, seq: rec.seq, intact });
        since.clear();
    }
    Ok(BatchAudit { batches: out, records, loose_records: records - covered })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_refusals() {
        let w = Watermark { producer: "sensor-1".into(), batch: 7, records: 3, crc: 0xdead_beef };
        let b = w.encode();
        assert_eq!(Watermark::decode(&b), Some(w));
        assert_eq!(Watermark::decode(&b[..b.len() - 1]), None);
        let mut v2 = b.clone();
        v2[0] = 2;
        assert_eq!(Watermark::decode(&v2), None);
        assert!(is_internal(WATERMARK_RECORD_TYPE) && !is_internal(400));
    }
}
