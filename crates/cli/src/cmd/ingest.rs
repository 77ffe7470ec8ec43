//! `estreamer ingest`: replay a raw capture or JSON lines into a running service (`--ingest`)
//! or a store directory (`--data`), through the ingest API.

use std::io::{BufRead, Read};
use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::{Args, ValueEnum};
use estreamer_ingest::pace::SystemClock;
use estreamer_sensor::replay::{replay_json, replay_raw, Pace};

use super::produce::Destination;

/// Input formats.
#[derive(Clone, Copy, Debug, ValueEnum)]
enum Format {
    /// A capture (`client --format raw`) or a file of bare eStreamer messages.
    Raw,
    /// JSON lines in the client's shape (one record per line, `@computed` ignored).
    Json,
}

/// Options of `ingest`.
#[derive(Args)]
#[command(after_help = "Raw: every record of every Event Data message and bundle is stored byte for byte \
(record types outside the catalog included: kept, never served), metadata first, restamped with the store's \
archival clock; --pace original|xN keeps the capture's relative timing (from its receive times; a bare \
message file has none and replays fast).\n\nJSON: strict. An unknown key, a wrong type or an out-of-range \
integer is refused with its line number and field path. A batch is --batch-lines lines (default 1000; 0 = \
the whole input): a bad line refuses its whole batch, so nothing of that batch is stored; the batches before \
it are, and running the same command again after fixing the line resumes after them.\n\nThe default producer \
id is ingest:FILE (the path as given), so the same input sent twice is stored once; pass --producer to store \
it again.")]
pub(crate) struct IngestArgs {
    /// Input format.
    #[arg(long, value_enum)]
    format: Format,
    /// Input file, or - for standard input.
    file: PathBuf,
    /// Replay speed for raw captures: original, fast or xN (N times faster).
    #[arg(long, default_value = "fast")]
    pace: Pace,
    /// Records per batch for raw replays.
    #[arg(long, default_value_t = 1000)]
    batch: usize,
    /// Lines per batch for JSON (0: the whole input is one batch).
    #[arg(long, default_value_t = 1000)]
    batch_lines: usize,
    #[command(flatten)]
    dest: Destination,
}

pub(crate) fn run(args: IngestArgs) -> Result<()> {
    crate::init_logging("warn");
    let name = args.file.display().to_string();
    let producer = args.dest.producer.clone().unwrap_or_else(|| format!("ingest:{}", sanitize(&name)));
    let mut sink = args.dest.open(&producer)?;
    let t = std::time::Instant::now();
    let sum = match args.format {
        Format::Raw => {
            let bytes = if name == "-" {
                let mut b = Vec::new();
                std::io::stdin().lock().read_to_end(&mut b).context("reading standard input")?;
                b
            } else {
                std::fs::read(&args.file).with_context(|| format!("reading {name}"))?
            };
            replay_raw(&bytes, sink.as_mut(), args.pace, args.batch, &SystemClock::default())?
        }
        Format::Json => {
            let mut input: Box<dyn BufRead> = if name == "-" {
                Box::new(std::io::stdin().lock())
            } else {
                Box::new(std::io::BufReader::new(
                    std::fs::File::open(&args.file).with_context(|| format!("opening {name}"))?,
                ))
            };
            replay_json(&mut input, sink.as_mut(), args.batch_lines).with_context(|| name.clone())?
        }
    };
    let secs = t.elapsed().as_secs_f64().max(1e-9);
    eprintln!(
        "ingest: {} records ({} metadata, {} of unknown types) from {name} in {} batches to {} (producer {producer}) \
in {:.2}s ({:.0} records/s); {} batches stored, {} already stored{}{}",
        sum.records,
        sum.metadata,
        sum.unknown_types,
        sum.batches,
        args.dest.describe(),
        secs,
        sum.records as f64 / secs,
        sum.sink.batches_stored,
        sum.sink.batches_already_stored,
        if sum.skipped_messages > 0 {
            format!(", {} non-record messages skipped", sum.skipped_messages)
        } else {
            String::new()
        },
        sum.torn_tail.map(|t| format!("; {t}")).unwrap_or_default(),
    );
    Ok(())
}

/// A producer id from a path: characters the id does not allow become `_`.
fn sanitize(s: &str) -> String {
    let id: String =
        s.chars().map(|c| if c.is_ascii_alphanumeric() || "._-:@/+=".contains(c) { c } else { '_' }).collect();
    let start = id.len().saturating_sub(estreamer_ingest::MAX_PRODUCER_ID - 7);
    id[start..].to_owned()
}
