//! `estreamer store`: look after a store directory (also one a service is using).

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{bail, Result};
use clap::{Args, Subcommand};
use estreamer_store::Retention;

/// `store` and its subcommands.
#[derive(Args)]
pub(crate) struct StoreArgs {
    #[command(subcommand)]
    cmd: StoreCmd,
}

#[derive(Subcommand)]
enum StoreCmd {
    /// Segments, records per type, seqs, archival times, bytes, metadata entries.
    Stats {
        /// Store directory.
        #[arg(long)]
        data: PathBuf,
    },
    /// Check every frame's CRC and seq, the indexes and the metadata table; every damaged
    /// frame is named with its file and offset. Exits with 1 when something is damaged.
    Verify {
        /// Store directory.
        #[arg(long)]
        data: PathBuf,
    },
    /// Apply retention now: delete whole oldest segments (never the newest).
    Compact {
        /// Store directory.
        #[arg(long)]
        data: PathBuf,
        /// Delete segments whose newest record is older than this many days.
        #[arg(long)]
        retain_days: Option<f64>,
        /// Keep the segments at or under this many bytes in total.
        #[arg(long)]
        retain_bytes: Option<u64>,
    },
    /// Every producer batch in the log (from its watermark), checked against the records before
    /// it: one line per batch, `batch producer=P batch=N records=R crc=X seq=S intact|DAMAGED`,
    /// then `total batches=B records=R loose-records=L` (records outside any intact batch).
    Batches {
        /// Store directory.
        #[arg(long)]
        data: PathBuf,
    },
}

/// Retention from `--retain-days` / `--retain-bytes`.
pub(crate) fn retention(days: Option<f64>, bytes: Option<u64>) -> Result<Option<Retention>> {
    let max_age = match days {
        None => None,
        Some(d) if d > 0.0 && d.is_finite() => Some(Duration::from_secs_f64(d * 86_400.0)),
        Some(d) => bail!("--retain-days must be a positive number of days, not {d}"),
    };
    Ok((max_age.is_some() || bytes.is_some()).then_some(Retention { max_bytes: bytes, max_age }))
}

pub(crate) fn run(args: StoreArgs) -> Result<()> {
    crate::init_logging("warn");
    match args.cmd {
        StoreCmd::Stats { data } => print!("{}", estreamer_store::stats(&data)?),
        StoreCmd::Verify { data } => {
            let report = estreamer_store::verify(&data)?;
            print!("{report}");
            if !report.is_ok() {
                bail!("store {} is damaged (see above)", data.display());
            }
        }
        StoreCmd::Compact { data, retain_days, retain_bytes } => {
            let Some(r) = retention(retain_days, retain_bytes)? else {
                bail!("say what to keep: --retain-days N and/or --retain-bytes N");
            };
            print!("{}", estreamer_store::compact(&data, &r)?);
        }
        StoreCmd::Batches { data } => {
            let audit = estreamer_ingest::watermark::audit_batches(&data)?;
            for b in &audit.batches {
                let w = &b.watermark;
                println!(
                    "batch producer={} batch={} records={} crc={:08x} seq={} {}",
                    w.producer,
                    w.batch,
                    w.records,
                    w.crc,
                    b.seq,
                    if b.intact { "intact" } else { "DAMAGED" }
                );
            }
            println!(
                "total batches={} records={} loose-records={}",
                audit.batches.len(),
                audit.records,
                audit.loose_records
            );
        }
    }
    Ok(())
}
