//! `estreamer bench`: end-to-end figures, each against a baseline measured in the same run.

use std::io::Write;
use std::time::Instant;

use anyhow::Result;
use clap::Args;
use estreamer_output::sinks::WriteSink;
use estreamer_output::{Format, FormatOptions, Formatter, Framing, Pipeline, PipelineConfig, RawRecord, Sink};
use estreamer_store::StoreReader;
use estreamer_wire::view::MetadataCache;

use crate::lab::Lab;

/// Options of `bench`.
#[derive(Args)]
pub(crate) struct BenchArgs {
    /// Number of events.
    #[arg(long, default_value_t = 20000)]
    events: usize,
    /// Sensor seed.
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

pub(crate) fn run(a: BenchArgs) -> Result<()> {
    crate::init_logging("warn");
    crate::runtime()?.block_on(bench(a.events, a.seed))
}

/// Counts bytes written and discards them.
#[derive(Clone, Default)]
struct CountingSink(std::sync::Arc<std::sync::atomic::AtomicU64>);

impl Write for CountingSink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.fetch_add(buf.len() as u64, std::sync::atomic::Ordering::Relaxed);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The same records through the same pipeline (decode, learn, `@computed`, JSON) in process,
/// straight from the store, without TLS, as the baseline; then the service → TLS → client path.
async fn bench(events: usize, seed: u64) -> Result<()> {
    let lab = Lab::start(events, seed).await?;
    let total = (lab.written.event_records + lab.written.metadata_records) as f64;
    let t = Instant::now();
    let reader = StoreReader::open(&lab.data)?;
    let mut cursor = reader.cursor_from_time(0)?;
    let formatter = Formatter::new(&Format::Json, &FormatOptions::default(), Framing::Newline);
    let mut pipeline = Pipeline::new(formatter, MetadataCache::new(), PipelineConfig::default())?;
    let counted = CountingSink::default();
    let mut base = WriteSink::new(std::io::BufWriter::new(counted.clone()));
    let mut n = 0u64;
    while let Some(r) = cursor.next()? {
        pipeline.push(RawRecord::new(r.record_type, r.archive_ts, 0, r.body), |f, b| base.write(f, b))?;
        n += 1;
    }
    pipeline.finish(|f, b| base.write(f, b))?;
    base.flush()?;
    let base_secs = t.elapsed().as_secs_f64();
    let base_bytes = counted.0.load(std::sync::atomic::Ordering::Relaxed);
    let t = Instant::now();
    let counted = CountingSink::default();
    let sum = lab.stream(Box::new(WriteSink::new(std::io::BufWriter::new(counted.clone())))).await?;
    let e2e_secs = t.elapsed().as_secs_f64();
    let e2e_bytes = counted.0.load(std::sync::atomic::Ordering::Relaxed);
    let sensor_rate = total / lab.sensor_secs;
    lab.stop().await?;
    let base_rate = n as f64 / base_secs;
    let e2e_rate = sum.records as f64 / e2e_secs;
    println!("bench: {} events = {} records ({} metadata)", events, total, sum.records - sum.events);
    println!("  sensor → store:                        {:>10.0} records/s", sensor_rate);
    println!(
        "  baseline store → decode → JSON:        {:>10.0} records/s  ({:.0} MB/s of JSON)",
        base_rate,
        base_bytes as f64 / base_secs / 1e6
    );
    println!(
        "  service → TLS → client → JSON:         {:>10.0} records/s  ({:.0} MB/s of JSON) = {:.2}x the baseline",
        e2e_rate,
        e2e_bytes as f64 / e2e_secs / 1e6,
        e2e_rate / base_rate
    );
    Ok(())
}
