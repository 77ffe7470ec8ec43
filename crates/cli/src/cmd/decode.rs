//! `estreamer decode`: a capture file (`client --format raw`) or a file of bare eStreamer
//! messages, through the same pipeline as the client, to any format.

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Args;
use estreamer_output::{
    open_sink, parse_output, Format, FormatOptions, Formatter, Pipeline, PipelineConfig, RawRecord, SinkConfig,
};
use estreamer_wire::capture::{CaptureError, Reader};
use estreamer_wire::message::{Bundle, EventData, Message, HEADER_LEN};
use estreamer_wire::view::MetadataCache;
use estreamer_wire::IssueStats;

/// Options of `decode`.
#[derive(Args)]
pub(crate) struct DecodeArgs {
    /// Capture file (`client --format raw`) or concatenated messages (Event Data, bundles, ...).
    file: PathBuf,
    /// Metadata cache to resolve names with (a client's cache file); metadata records in the
    /// file are learned as they come.
    #[arg(long)]
    cache: Option<PathBuf>,
    /// Do not add the `@computed` view.
    #[arg(long)]
    no_computed: bool,
    /// Output format: json, splunk, cef, syslog, syslog+cef, ocsf.
    #[arg(long, default_value = "json")]
    format: String,
    /// Output: - (stdout), FILE, tcp://, udp://, hec+https:// (as `client --output`).
    #[arg(long, default_value = "-")]
    output: String,
}

pub(crate) fn run(a: DecodeArgs) -> Result<()> {
    crate::init_logging("warn");
    decode_file(&a)
}

/// What `decode` met, for its summary line.
#[derive(Default)]
struct Tally {
    records: u64,
    corrupt: u64,
    errors: u64,
    skipped: u64,
}

fn decode_file(a: &DecodeArgs) -> Result<()> {
    let path = &a.file;
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let cache = match &a.cache {
        Some(c) => {
            estreamer_client::bookmark::load_cache(c).with_context(|| format!("metadata cache {}", c.display()))?
        }
        None => MetadataCache::new(),
    };
    let format = Format::parse(&a.format)?;
    let sink_config: SinkConfig = parse_output(&a.output)?;
    let formatter = Formatter::new(&format, &FormatOptions::default(), sink_config.framing(&format));
    let payload = formatter.payload();
    let (mut sink, _) = open_sink(&sink_config, payload, None)?;
    let config = PipelineConfig { computed: !a.no_computed, threads: 1, ..PipelineConfig::default() };
    let mut pipeline = Pipeline::new(formatter, cache, config)?;
    let mut stats = IssueStats::default();
    let mut t = Tally::default();
    let mut reader = Reader::new(&bytes, usize::MAX >> 1).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    while let Some(entry) = reader.next() {
        let entry = match entry {
            Ok(e) => e,
            Err(e @ CaptureError::TornTail { .. }) => {
                eprintln!("decode: {}: {e} (a writer stopped mid-write); ignored", path.display());
                break;
            }
            Err(e) => return Err(anyhow::anyhow!("{}: {e}", path.display())),
        };
        for ed in records_of(entry.message, entry.offset, &mut t) {
            let (ts, reserved) = ed.archive.unwrap_or((0, 0));
            let raw = RawRecord::new(ed.record_type, ts, reserved, ed.body);
            pipeline.push(raw, |facts, out| {
                for issue in stats.note(&facts.issues) {
                    eprintln!("decode: {issue}");
                }
                t.records += 1;
                if out.is_empty() {
                    return Ok(());
                }
                sink.write(facts, out)
            })?;
        }
    }
    pipeline.finish(|facts, out| if out.is_empty() { Ok(()) } else { sink.write(facts, out) })?;
    sink.flush()?;
    eprintln!(
        "decode: {} records, {} corrupt records skipped, {} Error messages, {} other messages skipped",
        t.records, t.corrupt, t.errors, t.skipped
    );
    Ok(())
}

/// The records of one message; Error messages and bad records are reported on stderr (a bad
/// record in a bundle does not lose the good ones around it).
fn records_of(frame: &[u8], offset: usize, t: &mut Tally) -> Vec<EventData> {
    let at = |what: &str| format!("decode: at byte {offset}: {what}");
    let code = u16::from_be_bytes([frame[2], frame[3]]);
    let body = &frame[HEADER_LEN..];
    match code {
        4 => match EventData::parse(body) {
            Ok(ed) => vec![ed],
            Err(e) => {
                t.corrupt += 1;
                eprintln!("{}", at(&format!("corrupt record skipped: {e}")));
                vec![]
            }
        },
        4002 => match Bundle::read_lenient(body) {
            Ok((_, _, items)) => items
                .into_iter()
                .filter_map(|i| match i {
                    Ok(ed) => Some(ed),
                    Err(e) => {
                        t.corrupt += 1;
                        eprintln!("{}", at(&format!("corrupt record in a bundle skipped: {e}")));
                        None
                    }
                })
                .collect(),
            Err(e) => {
                t.corrupt += 1;
                eprintln!("{}", at(&format!("bad bundle skipped: {e}")));
                vec![]
            }
        },
        _ => {
            match Message::decode(frame) {
                Ok(Message::Error(e)) => {
                    t.errors += 1;
                    eprintln!("{}", at(&format!("Error message: code {}: {}", e.code, e.text_lossy())));
                }
                Ok(other) => {
                    t.skipped += 1;
                    tracing::debug!("skipping {:?} message at byte {offset}", other.msg_type());
                }
                Err(e) => {
                    t.skipped += 1;
                    eprintln!("{}", at(&format!("bad message skipped: {e}")));
                }
            }
            vec![]
        }
    }
}
