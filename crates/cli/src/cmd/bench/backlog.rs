//! The backlog `bench` streams: a sensor-generated base set written through the ingest API, then
//! replicated (pre-encoded records, fresh archival timestamps) up to the requested size; and the
//! in-process figures over it (sensor generation, ingest, seek by time, decode → JSON).

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context, Result};
use estreamer_ingest::{Batch, Ingest, Record};
use estreamer_output::sinks::WriteSink;
use estreamer_output::{Format, FormatOptions, Formatter, Framing, Pipeline, PipelineConfig, RawRecord, Sink};
use estreamer_store::{Store, StoreOptions, StoreReader};
use estreamer_wire::schema::catalog::is_metadata;
use estreamer_wire::view::MetadataCache;
use serde::{Deserialize, Serialize};

use super::CountingWriter;

/// Records per ingest batch when replicating (one append and one fsync each).
const INGEST_BATCH: usize = 8192;
/// Producers submitting at once (their batches share fsyncs: group commit).
const INGEST_THREADS: usize = 2;

/// What the backlog holds (saved beside the store so that `--data DIR` can reuse it).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct Backlog {
    /// Every record in the log.
    pub(crate) records: u64,
    /// Event (non-metadata) records.
    pub(crate) events: u64,
    /// Bytes of record bodies.
    pub(crate) body_bytes: u64,
    /// Archival time of the first and last record.
    pub(crate) first_ts: u32,
    pub(crate) last_ts: u32,
}

fn info_path(data: &Path) -> PathBuf {
    data.join("bench-backlog.json")
}

/// The backlog saved in `data` by an earlier run, if any.
pub(crate) fn saved(data: &Path) -> Option<Backlog> {
    let text = std::fs::read_to_string(info_path(data)).ok()?;
    serde_json::from_str(&text).ok()
}

/// Sensor generation alone (no store): records per second over `events` primary events.
pub(crate) fn sensor_rate(seed: u64, events: usize) -> f64 {
    let mut world = estreamer_sensor::World::new(seed);
    let t = Instant::now();
    let mut n = 0u64;
    for r in world.events(events) {
        n += 1;
        std::hint::black_box(&r);
    }
    n as f64 / t.elapsed().as_secs_f64()
}

/// Build the backlog in `data`: the sensor's world and `base_events` primary events through the
/// ingest API, then copies of those event records until the log holds at least `records`.
/// Returns the backlog and the ingest rate of the copies (records/s).
pub(crate) fn build(data: &Path, seed: u64, base_events: usize, records: u64) -> Result<(Backlog, f64)> {
    let store = Store::open(data, StoreOptions::default()).context("opening the bench store")?;
    if store.last_seq() > 0 {
        bail!("{} already holds records but no bench-backlog.json: use an empty directory", data.display());
    }
    estreamer_sensor::write_to_store(&store, seed, base_events)?;
    let base = read_events(&store.reader())?;
    let rate = replicate(&store, &base, records.saturating_sub(store.last_seq()))?;
    drop(store);
    let backlog = survey(&StoreReader::open(data)?)?;
    std::fs::write(info_path(data), serde_json::to_vec_pretty(&backlog)?)?;
    Ok((backlog, rate))
}

/// Ingest rate of `records` copies of a sensor base set into a scratch store in `dir` (used when
/// the backlog is reused and so was not built by this run).
pub(crate) fn ingest_rate(dir: &Path, seed: u64, base_events: usize, records: u64) -> Result<f64> {
    let store = Store::open(dir, StoreOptions::default())?;
    estreamer_sensor::write_to_store(&store, seed, base_events)?;
    let base = read_events(&store.reader())?;
    replicate(&store, &base, records)
}

/// The event records of the store, as they are (type, body).
fn read_events(reader: &StoreReader) -> Result<Vec<Record>> {
    let mut cursor = reader.cursor_from_seq(1)?;
    let mut out = Vec::new();
    while let Some(r) = cursor.next()? {
        if !is_metadata(r.record_type) {
            out.push(Record { record_type: r.record_type, body: r.body });
        }
    }
    if out.is_empty() {
        bail!("the sensor wrote no event records");
    }
    Ok(out)
}

/// Append copies of `base` (cycling) until `count` records are stored, in batches of
/// [`INGEST_BATCH`] from [`INGEST_THREADS`] threads; records per second.
fn replicate(store: &Store, base: &[Record], count: u64) -> Result<f64> {
    if count == 0 {
        return Ok(0.0);
    }
    let ingest = Ingest::open(store)?;
    // Batches prepared before timing: what a producer hands over is already encoded.
    let batches: Vec<Batch> =
        base.chunks(INGEST_BATCH).map(|c| Batch { seq: 0, raw: false, records: c.to_vec() }).collect();
    let per_thread = count.div_ceil(INGEST_THREADS as u64);
    let t = Instant::now();
    let stored: Result<Vec<u64>> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..INGEST_THREADS)
            .map(|i| {
                let (ingest, batches) = (&ingest, &batches);
                s.spawn(move || -> Result<u64> {
                    let mut n = 0u64;
                    let mut k = i;
                    while n < per_thread {
                        let b = &batches[k % batches.len()];
                        ingest.submit(None, b)?;
                        n += b.records.len() as u64;
                        k += 1;
                    }
                    Ok(n)
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().map_err(|_| anyhow::anyhow!("ingest thread panicked"))?).collect()
    });
    let n: u64 = stored?.iter().sum();
    Ok(n as f64 / t.elapsed().as_secs_f64())
}

/// Count what the log holds.
fn survey(reader: &StoreReader) -> Result<Backlog> {
    let mut b = Backlog { records: 0, events: 0, body_bytes: 0, first_ts: 0, last_ts: 0 };
    let mut cursor = reader.cursor_from_seq(1)?;
    while let Some(r) = cursor.next()? {
        if b.records == 0 {
            b.first_ts = r.archive_ts;
        }
        b.last_ts = r.archive_ts;
        b.records += 1;
        b.body_bytes += r.body.len() as u64;
        if !is_metadata(r.record_type) {
            b.events += 1;
        }
    }
    Ok(b)
}

/// Time to the first record after a seek by archival time, at `probes` times spread over the
/// backlog (the reader already open, as in a running service): the slowest, in seconds.
pub(crate) fn seek_time(data: &Path, b: &Backlog, probes: u32) -> Result<f64> {
    let reader = StoreReader::open(data)?;
    let mut worst = 0f64;
    for i in 0..probes {
        let span = u64::from(b.last_ts.saturating_sub(b.first_ts));
        let ts = b.first_ts + (span * u64::from(i + 1) / u64::from(probes + 1)) as u32;
        let t = Instant::now();
        let mut cursor = reader.cursor_from_time(ts)?;
        let first = cursor.next()?;
        worst = worst.max(t.elapsed().as_secs_f64());
        if first.is_none() {
            bail!("no record at or after archival time {ts}");
        }
    }
    Ok(worst)
}

/// Store → decode → learn → `@computed` → JSON on the calling thread over the first `limit`
/// records: (records/s, JSON bytes/s).
pub(crate) fn decode_json(data: &Path, limit: u64) -> Result<(f64, f64)> {
    let reader = StoreReader::open(data)?;
    let mut cursor = reader.cursor_from_seq(1)?;
    // Read first: the figure is decode and format, not the store.
    let mut records = Vec::new();
    while let Some(r) = cursor.next()? {
        records.push(RawRecord::new(r.record_type, r.archive_ts, 0, r.body));
        if records.len() as u64 >= limit {
            break;
        }
    }
    let formatter = Formatter::new(&Format::Json, &FormatOptions::default(), Framing::Newline);
    let config = PipelineConfig { threads: 1, ..PipelineConfig::default() };
    let mut pipeline = Pipeline::new(formatter, MetadataCache::new(), config)?;
    let counted = CountingWriter::default();
    let mut sink = WriteSink::new(counted.clone());
    let n = records.len() as f64;
    let t = Instant::now();
    for r in records {
        pipeline.push(r, |f, b| sink.write(f, b))?;
    }
    pipeline.finish(|f, b| sink.write(f, b))?;
    sink.flush()?;
    let secs = t.elapsed().as_secs_f64();
    Ok((n / secs, counted.bytes() as f64 / secs))
}
