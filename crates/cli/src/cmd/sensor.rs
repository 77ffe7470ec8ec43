//! `estreamer sensor`: synthetic events into a store.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result};
use clap::Args;
use estreamer_store::{Store, StoreOptions};

/// Options of `sensor`.
#[derive(Args)]
pub(crate) struct SensorArgs {
    /// Store directory (created if missing).
    #[arg(long)]
    data: PathBuf,
    /// Number of events to write (an intrusion event's packet, extra data and impact alert
    /// come with it and do not count); metadata is written first.
    #[arg(long, default_value_t = 1000)]
    count: usize,
    /// Seed: the same seed writes the same events.
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

pub(crate) fn run(args: SensorArgs) -> Result<()> {
    crate::init_logging("warn");
    let SensorArgs { data, count, seed } = args;
    let store =
        Store::open(&data, StoreOptions::default()).with_context(|| format!("opening store {}", data.display()))?;
    let t = Instant::now();
    let sum = estreamer_sensor::write_to_store(&store, seed, count)?;
    eprintln!(
        "sensor: wrote {} events as {} event records plus {} metadata records to {} in {:.2}s: {}",
        sum.events,
        sum.event_records,
        sum.metadata_records,
        data.display(),
        t.elapsed().as_secs_f64(),
        super::by_type(&sum.by_type)
    );
    Ok(())
}
