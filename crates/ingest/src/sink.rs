//! What sources write batches to: the same interface offline (a store directory, no service)
//! and online ([`crate::RemoteSink`]).

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use estreamer_store::{Store, StoreOptions};

use crate::api::{Ingest, Outcome};
use crate::batch::Batch;
use crate::IngestError;

/// What a sink did, for summaries.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SinkSummary {
    /// Batches stored by this run.
    pub batches_stored: u64,
    /// Records in them.
    pub records_stored: u64,
    /// Batches the store already had (a resumed producer): not written again.
    pub batches_already_stored: u64,
    /// Records in those.
    pub records_already_stored: u64,
    /// Times the connection was made again (online only).
    pub reconnects: u64,
}

/// A destination for one producer's batches, numbered 1, 2, 3, ... by the producer.
///
/// Producers call [`BatchSink::resume_after`] before pacing a batch: a batch at or below it is
/// already in the store, so it is handed to [`BatchSink::send`] at once (which counts it and
/// writes nothing) rather than waited for.
pub trait BatchSink {
    /// The producer's last batch already durable in the store when this sink started (0: none).
    fn resume_after(&self) -> u64;
    /// Hand over the next batch. Offline it is stored when this returns; online it may still be
    /// in flight (at most the window), and [`BatchSink::finish`] waits for the rest.
    fn send(&mut self, batch: Batch) -> Result<(), IngestError>;
    /// Wait until every batch sent is durable, and say what happened.
    fn finish(&mut self) -> Result<SinkSummary, IngestError>;
}

/// A log of acknowledged batches, one line each, flushed per line:
/// `acked producer=P batch=N records=R crc=XXXXXXXX status=stored|already-stored`.
/// The kill test compares it with [`crate::watermark::stored_batches`].
#[derive(Debug)]
pub struct AckLog {
    file: File,
    path: PathBuf,
}

impl AckLog {
    /// Open `path` for appending (created if missing).
    pub fn open(path: &Path) -> Result<Self, IngestError> {
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|e| IngestError::io(format!("opening the ack log {}", path.display()), e))?;
        Ok(AckLog { file, path: path.to_path_buf() })
    }

    /// Record one acknowledged batch.
    pub fn acked(&mut self, producer: &str, batch: &Batch, already_stored: bool) -> Result<(), IngestError> {
        let status = if already_stored { "already-stored" } else { "stored" };
        let line = format!(
            "acked producer={producer} batch={} records={} crc={:08x} status={status}\n",
            batch.seq,
            batch.records.len(),
            batch.crc()
        );
        self.file
            .write_all(line.as_bytes())
            .map_err(|e| IngestError::io(format!("writing the ack log {}", self.path.display()), e))
    }
}

/// The ingest API over a store directory, for sources running without a service.
pub struct OfflineSink {
    ingest: Ingest<Box<Store>>,
    producer: Option<String>,
    resume: u64,
    summary: SinkSummary,
    acks: Option<AckLog>,
}

impl OfflineSink {
    /// Open (creating) the store at `dir` for `producer` (`None`: no resume, every batch is
    /// stored as it comes).
    pub fn open(dir: &Path, producer: Option<&str>, opts: StoreOptions) -> Result<Self, IngestError> {
        if let Some(p) = producer {
            crate::check_producer_id(p)?;
        }
        let store = Store::open(dir, opts)?;
        let ingest = Ingest::open(Box::new(store))?;
        let resume = producer.map_or(0, |p| ingest.last_batch(p));
        Ok(OfflineSink {
            ingest,
            producer: producer.map(str::to_owned),
            resume,
            summary: SinkSummary::default(),
            acks: None,
        })
    }

    /// Also log every stored batch to `log`.
    pub fn with_ack_log(mut self, log: AckLog) -> Self {
        self.acks = Some(log);
        self
    }

    /// The ingest API (for counters and the store).
    pub fn ingest(&self) -> &Ingest<Box<Store>> {
        &self.ingest
    }
}

impl BatchSink for OfflineSink {
    fn resume_after(&self) -> u64 {
        self.resume
    }

    fn send(&mut self, batch: Batch) -> Result<(), IngestError> {
        let outcome = self.ingest.submit(self.producer.as_deref(), &batch)?;
        let n = batch.records.len() as u64;
        let already = outcome == Outcome::AlreadyStored;
        if already {
            self.summary.batches_already_stored += 1;
            self.summary.records_already_stored += n;
        } else {
            self.summary.batches_stored += 1;
            self.summary.records_stored += n;
        }
        if let (Some(log), Some(p)) = (self.acks.as_mut(), self.producer.as_deref()) {
            log.acked(p, &batch, already)?;
        }
        Ok(())
    }

    fn finish(&mut self) -> Result<SinkSummary, IngestError> {
        self.ingest.store().sync()?;
        Ok(self.summary.clone())
    }
}
