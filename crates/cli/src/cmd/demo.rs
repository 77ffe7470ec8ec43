//! `estreamer demo`: the whole path on a temporary directory.

use std::io::Write;
use std::time::Instant;

use anyhow::{Context, Result};
use clap::Args;
use estreamer_output::sinks::StdoutSink;

use crate::lab::Lab;

/// Options of `demo`.
#[derive(Args)]
pub(crate) struct DemoArgs {
    /// Number of events.
    #[arg(long, default_value_t = 1000)]
    events: usize,
    /// Sensor seed.
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

pub(crate) fn run(a: DemoArgs) -> Result<()> {
    crate::init_logging("warn");
    crate::runtime()?.block_on(demo(a.events, a.seed))
}

async fn demo(events: usize, seed: u64) -> Result<()> {
    let t = Instant::now();
    let lab = Lab::start(events, seed).await?;
    let sum = lab.stream(Box::new(StdoutSink::new())).await.context("demo")?;
    let written = lab.written.events;
    lab.stop().await?;
    std::io::stderr().flush()?;
    eprintln!(
        "demo: {} events ({} event records, {} metadata records) streamed over TLS in {:.2}s; by record type: {}",
        written,
        sum.events,
        sum.records - sum.events,
        t.elapsed().as_secs_f64(),
        super::by_type(&sum.by_type)
    );
    Ok(())
}
