//! Decode → learn metadata → `@computed` → format, for a stream of records.
//!
//! The work per record is split in two:
//!
//! * **Sequential**: metadata records (family `Metadata`) are decoded and fed to the
//!   [`MetadataCache`] in stream order, on the caller's thread.
//! * **Per record, pure**: [`process_record`] decodes (unless already decoded), decorates and
//!   formats one record from a read-only cache snapshot. It depends only on (record, snapshot),
//!   so it can run on any thread.
//!
//! With [`PipelineConfig::threads`] ≤ 1 everything runs inline on the caller's thread. With more,
//! records go in batches to a bounded pool of std threads; results are put back in stream order
//! before they are emitted, and at most `max_batches_in_flight` batches exist at once, so memory
//! is bounded and a slow consumer slows [`Pipeline::push`]. Each record is decorated with the
//! cache as it was right after every earlier record (and the record itself) was learned, exactly
//! as inline: before a metadata record is learned, every earlier record is emitted, and the
//! metadata record itself is formatted on the caller's thread.

use std::collections::BTreeMap;
use std::sync::mpsc::{self, Receiver, Sender, SyncSender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use estreamer_wire::schema::catalog::is_metadata;
use estreamer_wire::view::{decorate, event_time, MetadataCache};
use estreamer_wire::{decode_record, Decoded, Issue, RecordHead};

use crate::formats::Formatter;
use crate::OutputError;

/// One record as it comes off the wire (or out of a store or a capture file).
#[derive(Debug, Clone)]
pub struct RawRecord {
    /// Record type, archival timestamp and reserved word.
    pub head: RecordHead,
    /// Record body (after the record header).
    pub body: Vec<u8>,
}

impl RawRecord {
    /// A record from its parts.
    pub fn new(record_type: u32, archive_ts: u32, reserved: u32, body: Vec<u8>) -> RawRecord {
        RawRecord { head: RecordHead { record_type, archive_ts, checksum: reserved }, body }
    }
}

/// What the caller needs to know about each record, besides its formatted bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordFacts {
    /// Record type.
    pub record_type: u32,
    /// Archival timestamp (what a bookmark stores).
    pub archive_ts: u32,
    /// Event time (seconds, microseconds) by the RECORDS.md §7.3 rule.
    pub event_time: (u32, u32),
    /// Metadata record (`catalog::is_metadata`: types outside the catalog are not).
    pub is_metadata: bool,
    /// Layout mismatches met while decoding (empty when the record fits its layout).
    pub issues: Vec<Issue>,
}

/// How the pipeline runs.
#[derive(Debug, Clone)]
pub struct PipelineConfig {
    /// Attach `@computed` (RECORDS.md §7.3) before formatting. The Splunk, CEF and OCSF formats
    /// read resolved names from it; without it they write ids only.
    pub computed: bool,
    /// Worker threads; 0 or 1 runs everything inline on the caller's thread.
    pub threads: usize,
    /// Records per batch handed to a worker.
    pub batch_records: usize,
    /// Batches queued or being processed at once (the memory bound).
    pub max_batches_in_flight: usize,
}

impl Default for PipelineConfig {
    fn default() -> Self {
        PipelineConfig { computed: true, threads: 1, batch_records: 64, max_batches_in_flight: 8 }
    }
}

/// A record waiting for the per-record step: raw, or already decoded by the sequential step.
enum Item {
    Raw(RawRecord),
    Decoded(Decoded),
}

/// The per-record step: decode (if needed), decorate from `cache`, format into `out`.
/// A pure function of (record, cache snapshot).
fn process_item(
    item: Item,
    cache: &MetadataCache,
    formatter: &Formatter,
    computed: bool,
    out: &mut Vec<u8>,
) -> Result<RecordFacts, OutputError> {
    let Decoded { value: mut record, issues } = match item {
        Item::Raw(r) => decode_record(r.head, &r.body),
        Item::Decoded(d) => d,
    };
    if computed {
        decorate(&mut record, cache);
    }
    let record_type = record.get_u("recordType").unwrap_or(0) as u32;
    let facts = RecordFacts {
        record_type,
        archive_ts: record.get_u("archiveTimestamp").unwrap_or(0) as u32,
        event_time: event_time(&record),
        is_metadata: is_metadata(record_type),
        issues,
    };
    formatter.format(&record, out)?;
    Ok(facts)
}

/// Decode, decorate and format one record from a cache snapshot (the cache is not updated: the
/// sequential step does that). Appends the framed bytes to `out` (nothing if the format skips
/// the record).
pub fn process_record(
    record: RawRecord,
    cache: &MetadataCache,
    formatter: &Formatter,
    computed: bool,
    out: &mut Vec<u8>,
) -> Result<RecordFacts, OutputError> {
    process_item(Item::Raw(record), cache, formatter, computed, out)
}

/// Decode → learn → `@computed` → format for a stream of records, inline or on a worker pool,
/// output in stream order.
pub struct Pipeline {
    formatter: Arc<Formatter>,
    computed: bool,
    cache: Arc<MetadataCache>,
    cache_changed: bool,
    mode: Mode,
}

enum Mode {
    Inline { out: Vec<u8> },
    Pool(Pool),
}

struct Job {
    seq: u64,
    items: Vec<Item>,
    cache: Arc<MetadataCache>,
}

/// A finished batch: every record's facts, where its bytes end, and the bytes.
struct BatchOutput {
    facts: Vec<RecordFacts>,
    ends: Vec<usize>,
    bytes: Vec<u8>,
}

struct Done {
    seq: u64,
    result: Result<BatchOutput, OutputError>,
}

struct Pool {
    jobs: Option<SyncSender<Job>>,
    done: Receiver<Done>,
    workers: Vec<JoinHandle<()>>,
    batch: Vec<Item>,
    /// Output buffer for metadata records formatted on the caller's thread.
    scratch: Vec<u8>,
    batch_records: usize,
    max_in_flight: usize,
    next_seq: u64,
    next_emit: u64,
    in_flight: usize,
    ready: BTreeMap<u64, Done>,
}

impl Pipeline {
    /// A pipeline writing with `formatter`, starting from `cache` (an empty one or the one saved
    /// by the last run).
    pub fn new(formatter: Formatter, cache: MetadataCache, config: PipelineConfig) -> Result<Pipeline, OutputError> {
        let formatter = Arc::new(formatter);
        let mode = if config.threads <= 1 {
            Mode::Inline { out: Vec::with_capacity(16 * 1024) }
        } else {
            Mode::Pool(Pool::start(&formatter, &config)?)
        };
        Ok(Pipeline { formatter, computed: config.computed, cache: Arc::new(cache), cache_changed: false, mode })
    }

    /// Take one record. Calls `emit(facts, bytes)` for every record whose output is ready, in
    /// stream order (inline: this one, now; pool: zero or more earlier ones). `bytes` is the
    /// framed message, empty when the format skips the record. Blocks while the pool is full.
    pub fn push<F>(&mut self, record: RawRecord, mut emit: F) -> Result<(), OutputError>
    where
        F: FnMut(&RecordFacts, &[u8]) -> Result<(), OutputError>,
    {
        if is_metadata(record.head.record_type) {
            return self.push_metadata(record, &mut emit);
        }
        match &mut self.mode {
            Mode::Inline { out } => {
                out.clear();
                let facts = process_item(Item::Raw(record), &self.cache, &self.formatter, self.computed, out)?;
                emit(&facts, out)
            }
            Mode::Pool(pool) => {
                pool.batch.push(Item::Raw(record));
                if pool.batch.len() >= pool.batch_records {
                    pool.dispatch(&self.cache, &mut emit)?;
                }
                pool.emit_ready(false, &mut emit)
            }
        }
    }

    /// The sequential step for a metadata record: every earlier record is emitted first (it must
    /// not see this record's names, and no snapshot may be shared while the cache changes), then
    /// the cache learns it, then it is formatted and emitted here, on the caller's thread. A run
    /// of metadata records therefore costs one wait, not one per record.
    fn push_metadata<F>(&mut self, record: RawRecord, emit: &mut F) -> Result<(), OutputError>
    where
        F: FnMut(&RecordFacts, &[u8]) -> Result<(), OutputError>,
    {
        let decoded = decode_record(record.head, &record.body);
        if let Mode::Pool(pool) = &mut self.mode {
            if !pool.batch.is_empty() || pool.in_flight > 0 {
                pool.drain(&self.cache, emit)?;
            }
        }
        // Unique now (workers drop their snapshot before reporting); make_mut clones otherwise.
        self.cache_changed |= Arc::make_mut(&mut self.cache).learn(&decoded.value);
        let out = match &mut self.mode {
            Mode::Inline { out } => out,
            Mode::Pool(pool) => &mut pool.scratch,
        };
        out.clear();
        let facts = process_item(Item::Decoded(decoded), &self.cache, &self.formatter, self.computed, out)?;
        emit(&facts, out)
    }

    /// Emit every record taken so far (waits for the workers). Call before flushing a sink.
    pub fn finish<F>(&mut self, mut emit: F) -> Result<(), OutputError>
    where
        F: FnMut(&RecordFacts, &[u8]) -> Result<(), OutputError>,
    {
        if let Mode::Pool(pool) = &mut self.mode {
            pool.drain(&self.cache, &mut emit)?;
        }
        Ok(())
    }

    /// The metadata cache as learned so far.
    pub fn cache(&self) -> &MetadataCache {
        &self.cache
    }

    /// Whether the cache changed since the last call (time to save it).
    pub fn take_cache_changed(&mut self) -> bool {
        std::mem::take(&mut self.cache_changed)
    }

    /// The formatter in use.
    pub fn formatter(&self) -> &Formatter {
        &self.formatter
    }
}

impl Pool {
    fn start(formatter: &Arc<Formatter>, config: &PipelineConfig) -> Result<Pool, OutputError> {
        let max_in_flight = config.max_batches_in_flight.max(1);
        let (jobs_tx, jobs_rx) = mpsc::sync_channel::<Job>(max_in_flight);
        let jobs_rx = Arc::new(Mutex::new(jobs_rx));
        let (done_tx, done_rx) = mpsc::channel::<Done>();
        let mut workers = Vec::with_capacity(config.threads);
        for i in 0..config.threads {
            let (rx, tx, f, computed) = (Arc::clone(&jobs_rx), done_tx.clone(), Arc::clone(formatter), config.computed);
            let handle = std::thread::Builder::new()
                .name(format!("output-{i}"))
                .spawn(move || worker(&rx, &tx, &f, computed))
                .map_err(OutputError::Spawn)?;
            workers.push(handle);
        }
        Ok(Pool {
            jobs: Some(jobs_tx),
            done: done_rx,
            workers,
            batch: Vec::with_capacity(config.batch_records.max(1)),
            scratch: Vec::new(),
            batch_records: config.batch_records.max(1),
            max_in_flight,
            next_seq: 0,
            next_emit: 0,
            in_flight: 0,
            ready: BTreeMap::new(),
        })
    }

    /// Send the current batch with the current cache snapshot; waits while the pool is full.
    fn dispatch<F>(&mut self, cache: &Arc<MetadataCache>, emit: &mut F) -> Result<(), OutputError>
    where
        F: FnMut(&RecordFacts, &[u8]) -> Result<(), OutputError>,
    {
        if self.batch.is_empty() {
            return Ok(());
        }
        while self.in_flight >= self.max_in_flight {
            self.emit_ready(true, emit)?;
        }
        let items = std::mem::replace(&mut self.batch, Vec::with_capacity(self.batch_records));
        let job = Job { seq: self.next_seq, items, cache: Arc::clone(cache) };
        self.jobs.as_ref().ok_or(OutputError::WorkerLost)?.send(job).map_err(|_| OutputError::WorkerLost)?;
        self.next_seq += 1;
        self.in_flight += 1;
        Ok(())
    }

    /// Collect finished batches (waiting for one if `block`) and emit those next in order.
    fn emit_ready<F>(&mut self, block: bool, emit: &mut F) -> Result<(), OutputError>
    where
        F: FnMut(&RecordFacts, &[u8]) -> Result<(), OutputError>,
    {
        let mut wait = block && self.in_flight > 0;
        loop {
            let done = if wait {
                wait = false;
                Some(self.done.recv().map_err(|_| OutputError::WorkerLost)?)
            } else {
                self.done.try_recv().ok()
            };
            let Some(done) = done else { break };
            self.in_flight -= 1;
            self.ready.insert(done.seq, done);
        }
        while let Some(done) = self.ready.remove(&self.next_emit) {
            self.next_emit += 1;
            let BatchOutput { facts, ends, bytes } = done.result?;
            let mut start = 0;
            for (f, end) in facts.iter().zip(ends) {
                emit(f, &bytes[start..end])?;
                start = end;
            }
        }
        Ok(())
    }

    /// Dispatch the partial batch and emit everything in flight.
    fn drain<F>(&mut self, cache: &Arc<MetadataCache>, emit: &mut F) -> Result<(), OutputError>
    where
        F: FnMut(&RecordFacts, &[u8]) -> Result<(), OutputError>,
    {
        self.dispatch(cache, emit)?;
        while self.in_flight > 0 || !self.ready.is_empty() {
            self.emit_ready(self.in_flight > 0, emit)?;
        }
        Ok(())
    }
}

fn worker(jobs: &Mutex<Receiver<Job>>, done: &Sender<Done>, formatter: &Formatter, computed: bool) {
    loop {
        let job = match jobs.lock() {
            Ok(rx) => rx.recv(),
            Err(_) => return,
        };
        let Ok(Job { seq, items, cache }) = job else { return };
        let mut bytes = Vec::with_capacity(items.len() * 1024);
        let mut facts = Vec::with_capacity(items.len());
        let mut ends = Vec::with_capacity(items.len());
        let mut result = Ok(());
        for item in items {
            match process_item(item, &cache, formatter, computed, &mut bytes) {
                Ok(f) => {
                    facts.push(f);
                    ends.push(bytes.len());
                }
                Err(e) => {
                    result = Err(e);
                    break;
                }
            }
        }
        // Release the snapshot before reporting, so the sequential step can change the cache
        // in place once every batch is back.
        drop(cache);
        let result = result.map(|()| BatchOutput { facts, ends, bytes });
        if done.send(Done { seq, result }).is_err() {
            return;
        }
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        self.jobs = None;
        for w in self.workers.drain(..) {
            let _ = w.join();
        }
    }
}
