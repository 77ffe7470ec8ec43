//! `estreamer sensor`: synthetic events (and the metadata they reference) as a producer, into a
//! running service (`--ingest`) or a store directory (`--data`), through the ingest API.

use std::time::Duration;

use anyhow::{bail, Result};
use clap::Args;
use estreamer_ingest::pace::SystemClock;
use estreamer_sensor::{parse_mix, produce, ProducerOptions, World, MIX};

/// Weights of the event kinds; a named type so that clap takes `--mix` as one value (an
/// `Option<Vec<_>>` field would be read as a list of values, each parsed as a whole mix).
type Mix = Vec<(estreamer_sensor::EventKind, u32)>;

use super::produce::{Destination, Progress};

/// Options of `sensor`.
#[derive(Args)]
#[command(after_help = "Batch 1 is the world's metadata; each later batch holds --batch primary events. \
The same --seed and options give the same batches byte for byte (only the archival time, which the store \
stamps, differs), so a sensor run again with the same producer id (default sensor-SEED) resumes after the \
batches the store already has instead of storing them twice.\n\nExamples:\n  estreamer sensor --data store \
--count 10000 --seed 7\n  estreamer sensor --ingest 127.0.0.1:8303 --pkcs12 sensor.pkcs12 --password PW --rate 500 \
--duration 60 --mix intrusion=30,connection=70")]
pub(crate) struct SensorArgs {
    #[command(flatten)]
    dest: Destination,
    /// Primary events to produce (an intrusion event's packet, extra data and impact alert come
    /// with it and do not count) [default: 1000, unlimited with --duration].
    #[arg(long)]
    count: Option<u64>,
    /// Stop after this many seconds.
    #[arg(long)]
    duration: Option<f64>,
    /// Primary events per second (a token bucket); without it, as fast as the store takes them.
    #[arg(long, value_name = "EPS")]
    rate: Option<f64>,
    /// With --rate: send each second's events at once instead of evenly.
    #[arg(long, requires = "rate")]
    burst: bool,
    /// Primary events per batch [default: 256; with --rate, 1/20 s of events, or 1 s with --burst].
    #[arg(long)]
    batch: Option<usize>,
    /// Weights of the event kinds, e.g. intrusion=30,connection=70 (kinds: connection, intrusion,
    /// file, malware, discovery, user; unnamed kinds get 0) [default: the documented mix].
    #[arg(long, value_parser = parse_mix)]
    mix: Option<Mix>,
    /// Seed: the same seed writes the same events.
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

pub(crate) fn run(args: SensorArgs) -> Result<()> {
    crate::init_logging("warn");
    if let Some(r) = args.rate {
        if !(r > 0.0 && r.is_finite()) {
            bail!("--rate must be a positive number of events per second");
        }
    }
    let duration = args
        .duration
        .map(|d| Duration::try_from_secs_f64(d).map_err(|_| anyhow::anyhow!("--duration must be seconds ≥ 0")))
        .transpose()?;
    let count = args.count.or(if duration.is_some() { None } else { Some(1000) });
    let opts = ProducerOptions {
        count,
        duration,
        rate: args.rate,
        burst: args.burst,
        batch_events: args.batch.unwrap_or_else(|| ProducerOptions::default_batch_events(args.rate, args.burst)),
        mix: args.mix.unwrap_or_else(|| MIX.to_vec()),
    };
    let producer = args.dest.producer.clone().unwrap_or_else(|| format!("sensor-{}", args.seed));
    let mut sink = args.dest.open(&producer)?;
    let resumed = sink.resume_after();
    let progress = Progress::new(count, "sensor");
    let mut world = World::new(args.seed);
    let sum = produce(&mut world, sink.as_mut(), &opts, &SystemClock::default(), &mut |s| {
        progress.set(s.events as u64, format!("{} batches", s.batches))
    })?;
    progress.finish();
    let secs = sum.elapsed.as_secs_f64().max(1e-9);
    eprintln!(
        "sensor: {} events as {} event records plus {} metadata records in {} batches to {} (producer {producer}) in \
{:.2}s ({:.0} events/s); {} batches stored, {} already stored{}{}: {}",
        sum.events,
        sum.event_records,
        sum.metadata_records,
        sum.batches,
        args.dest.describe(),
        secs,
        sum.events as f64 / secs,
        sum.sink.batches_stored,
        sum.sink.batches_already_stored,
        if resumed > 0 { format!(" (resumed after batch {resumed})") } else { String::new() },
        if sum.sink.reconnects > 0 { format!(", {} reconnects", sum.sink.reconnects) } else { String::new() },
        super::by_type(&sum.by_type)
    );
    Ok(())
}
