//! The ingest API: the one entry point in front of the store.

use std::collections::HashMap;
use std::ops::Deref;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use estreamer_store::{Item, Store, StoreError, MAX_RECORD_BYTES};
use estreamer_wire::schema::catalog::{is_metadata, metadata_identity};
use estreamer_wire::schema::record_def;

use crate::batch::{check_producer_id, Batch};
use crate::watermark::{is_internal, Watermark, WATERMARK_RECORD_TYPE};
use crate::{IngestError, MAX_BATCH_BYTES, MAX_BATCH_RECORDS};

/// What became of a submitted batch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Appended and durable (as the store's sync policy says).
    Stored {
        /// Store seq of the first record of the batch (the watermark, if any, is after the last).
        first_seq: u64,
        /// Records stored (the watermark not counted).
        records: u32,
        /// The archival timestamp the store gave the batch's last record.
        archive_ts: u32,
    },
    /// The producer's watermark shows this batch is already stored: nothing was written.
    AlreadyStored,
}

/// Counters of an [`Ingest`] (all since it was opened).
#[derive(Debug, Default)]
pub struct IngestStats {
    batches: AtomicU64,
    records: AtomicU64,
    duplicates: AtomicU64,
    refused: AtomicU64,
}

impl IngestStats {
    /// Batches stored.
    pub fn batches(&self) -> u64 {
        self.batches.load(Ordering::Relaxed)
    }
    /// Records stored (watermarks not counted).
    pub fn records(&self) -> u64 {
        self.records.load(Ordering::Relaxed)
    }
    /// Batches answered as already stored.
    pub fn duplicates(&self) -> u64 {
        self.duplicates.load(Ordering::Relaxed)
    }
    /// Batches refused (validation or sequence).
    pub fn refused(&self) -> u64 {
        self.refused.load(Ordering::Relaxed)
    }
}

/// The ingest API over a store: every source (network producers, the offline sensor, raw and
/// JSON replay) stores records through [`Ingest::submit`] and nothing else.
///
/// `submit` validates the whole batch (record types in the catalog unless the batch is a raw
/// replay, no internal types, lengths within bounds) before writing anything, stamps every
/// record with the store's monotone archival clock, appends the batch in one
/// [`Store::append_batch_with_meta`] call (so concurrent producers share fsyncs, group commit),
/// puts each metadata record in the metadata table under its catalog identity, and, for a named
/// producer, appends the producer's watermark in the same call. The network map needs no call:
/// it follows the log, so the appended records are the update.
///
/// `S` is anything that dereferences to the store: `Arc<Store>` for a service, `&Store` for a
/// caller that owns the store.
pub struct Ingest<S: Deref<Target = Store> = Arc<Store>> {
    store: S,
    /// Last durable batch per producer; each behind its own lock so that batches of one
    /// producer are checked and written one at a time while different producers write at once.
    producers: Mutex<HashMap<String, Arc<Mutex<u64>>>>,
    stats: IngestStats,
}

impl<S: Deref<Target = Store>> Ingest<S> {
    /// The entry point over `store`, with every producer's last durable batch recovered from
    /// the metadata table and from the log written after its last entry (a crash between a
    /// batch's log write and its metadata write leaves the watermark only in the log).
    pub fn open(store: S) -> Result<Self, IngestError> {
        let mut last: HashMap<String, u64> = HashMap::new();
        let mut scan_from = 1;
        for e in store.metadata() {
            scan_from = scan_from.max(e.seq + 1);
            if e.record_type == WATERMARK_RECORD_TYPE {
                if let Some(w) = Watermark::decode(&e.body) {
                    let b = last.entry(w.producer).or_default();
                    *b = (*b).max(w.batch);
                }
            }
        }
        if scan_from <= store.last_seq() {
            let reader = store.reader();
            let mut cursor = match reader.cursor_from_seq(scan_from) {
                Ok(c) => c,
                Err(StoreError::Expired { oldest, .. }) => reader.cursor_from_seq(oldest)?,
                Err(e) => return Err(e.into()),
            };
            let mut scanned = 0u64;
            while let Some(rec) = cursor.next()? {
                scanned += 1;
                if rec.record_type == WATERMARK_RECORD_TYPE {
                    if let Some(w) = Watermark::decode(&rec.body) {
                        let b = last.entry(w.producer).or_default();
                        *b = (*b).max(w.batch);
                    }
                }
            }
            tracing::debug!(from = scan_from, scanned, "ingest: scanned the log tail for watermarks");
        }
        let producers = last.into_iter().map(|(p, b)| (p, Arc::new(Mutex::new(b)))).collect();
        Ok(Ingest { store, producers: Mutex::new(producers), stats: IngestStats::default() })
    }

    /// The store written to.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Counters.
    pub fn stats(&self) -> &IngestStats {
        &self.stats
    }

    /// The last durable batch of `producer` (0: none).
    pub fn last_batch(&self, producer: &str) -> u64 {
        let slot = self.producers.lock().unwrap_or_else(|p| p.into_inner()).get(producer).cloned();
        slot.map_or(0, |s| *s.lock().unwrap_or_else(|p| p.into_inner()))
    }

    /// Validate, stamp and store `batch` (see the type docs). With a `producer`, the batch's
    /// `seq` must be the producer's last durable batch + 1 (a lower one is answered
    /// [`Outcome::AlreadyStored`] without writing; a higher one is [`IngestError::Gap`]); with
    /// none, the batch is stored as it comes (no resume). Nothing of a refused batch is stored.
    pub fn submit(&self, producer: Option<&str>, batch: &Batch) -> Result<Outcome, IngestError> {
        let r = self.submit_inner(producer, batch);
        if matches!(r, Err(IngestError::Invalid { .. } | IngestError::Gap { .. } | IngestError::ProducerId { .. })) {
            self.stats.refused.fetch_add(1, Ordering::Relaxed);
        }
        r
    }

    fn submit_inner(&self, producer: Option<&str>, batch: &Batch) -> Result<Outcome, IngestError> {
        validate(batch)?;
        let keys: Vec<Option<Vec<u8>>> = batch
            .records
            .iter()
            .map(|r| is_metadata(r.record_type).then(|| metadata_identity(r.record_type, &r.body)).flatten())
            .collect();
        let mut items: Vec<Item<'_>> = batch
            .records
            .iter()
            .zip(&keys)
            .map(|(r, k)| Item { record_type: r.record_type, archive_ts: None, body: &r.body, meta_key: k.as_deref() })
            .collect();
        let Some(producer) = producer else {
            return self.append(&items, batch);
        };
        check_producer_id(producer)?;
        let slot = {
            let mut map = self.producers.lock().unwrap_or_else(|p| p.into_inner());
            Arc::clone(map.entry(producer.to_owned()).or_default())
        };
        let mut last = slot.lock().unwrap_or_else(|p| p.into_inner());
        if batch.seq <= *last {
            self.stats.duplicates.fetch_add(1, Ordering::Relaxed);
            return Ok(Outcome::AlreadyStored);
        }
        if batch.seq != *last + 1 {
            return Err(IngestError::Gap { producer: producer.to_owned(), last: *last, got: batch.seq });
        }
        let w = Watermark {
            producer: producer.to_owned(),
            batch: batch.seq,
            records: batch.records.len() as u32,
            crc: batch.crc(),
        };
        let body = w.encode();
        items.push(Item {
            record_type: WATERMARK_RECORD_TYPE,
            archive_ts: None,
            body: &body,
            meta_key: Some(producer.as_bytes()),
        });
        let out = self.append(&items, batch)?;
        *last = batch.seq;
        Ok(out)
    }

    fn append(&self, items: &[Item<'_>], batch: &Batch) -> Result<Outcome, IngestError> {
        let appended = self.store.append_batch_with_meta(items)?;
        self.stats.batches.fetch_add(1, Ordering::Relaxed);
        self.stats.records.fetch_add(batch.records.len() as u64, Ordering::Relaxed);
        let first_seq = appended.first().map_or(0, |a| a.seq);
        let archive_ts = appended.last().map_or(0, |a| a.archive_ts);
        Ok(Outcome::Stored { first_seq, records: batch.records.len() as u32, archive_ts })
    }
}

/// Checks a whole batch before anything is written.
pub fn validate(batch: &Batch) -> Result<(), IngestError> {
    let invalid = |index: Option<usize>, reason: String| IngestError::Invalid { batch: batch.seq, index, reason };
    if batch.records.len() > MAX_BATCH_RECORDS {
        return Err(invalid(
            None,
            format!("{} records, above the maximum of {MAX_BATCH_RECORDS}", batch.records.len()),
        ));
    }
    let bytes = batch.body_bytes();
    if bytes > MAX_BATCH_BYTES {
        return Err(invalid(None, format!("{bytes} body bytes, above the maximum of {MAX_BATCH_BYTES}")));
    }
    for (i, r) in batch.records.iter().enumerate() {
        if is_internal(r.record_type) {
            return Err(invalid(
                Some(i),
                format!("record type {:#x} is reserved for the store's internal records", r.record_type),
            ));
        }
        if !batch.raw && record_def(r.record_type).is_none() {
            return Err(invalid(
                Some(i),
                format!("record type {} is not in the catalog (only a raw replay may carry it)", r.record_type),
            ));
        }
        if r.body.len() > MAX_RECORD_BYTES {
            return Err(invalid(
                Some(i),
                format!("record body of {} bytes, above the maximum of {MAX_RECORD_BYTES}", r.body.len()),
            ));
        }
    }
    Ok(())
}
