//! `estreamer decode`: raw eStreamer messages from a file to JSON lines.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use clap::Args;
use estreamer_output::{JsonLines, RecordSink as Sink};
use estreamer_wire::message::{Bundle, Message};
use estreamer_wire::view::{decorate, MetadataCache};
use estreamer_wire::{check, decode_record, RecordHead};

/// Options of `decode`.
#[derive(Args)]
pub(crate) struct DecodeArgs {
    /// File holding concatenated messages (Event Data, bundles, ...).
    file: PathBuf,
    /// Metadata cache to resolve names with (a client's `.cache` file); metadata records in
    /// the file are learned as they come.
    #[arg(long)]
    cache: Option<PathBuf>,
    /// Do not add the `@computed` view.
    #[arg(long)]
    no_computed: bool,
}

pub(crate) fn run(a: DecodeArgs) -> Result<()> {
    crate::init_logging("warn");
    decode_file(&a.file, a.cache.as_deref(), !a.no_computed)
}

fn decode_file(path: &Path, cache: Option<&Path>, computed: bool) -> Result<()> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let mut cache = match cache {
        Some(c) => estreamer_client::bookmark::load_cache(c).map_err(|e| anyhow::anyhow!("{}: {e}", c.display()))?,
        None => MetadataCache::new(),
    };
    let mut sink = JsonLines::new(std::io::stdout().lock());
    let mut pos = 0;
    let mut n = 0u64;
    while pos < bytes.len() {
        let len = match check(&bytes[pos..], usize::MAX >> 1) {
            Ok(Some(len)) => len,
            Ok(None) => bail!("{}: truncated message at byte {pos}", path.display()),
            Err(e) => bail!("{}: at byte {pos}: {e}", path.display()),
        };
        let frame = &bytes[pos..pos + len];
        let records = match Message::decode(frame) {
            Ok(Message::EventData(ed)) => vec![ed],
            Ok(Message::Bundle(Bundle { items, .. })) => items,
            Ok(other) => {
                eprintln!("decode: skipping {:?} message at byte {pos}", other.msg_type());
                vec![]
            }
            Err(e) => {
                eprintln!("decode: skipping bad message at byte {pos}: {e}");
                vec![]
            }
        };
        for ed in records {
            let (ts, ck) = ed.archive.unwrap_or((0, 0));
            let mut d =
                decode_record(RecordHead { record_type: ed.record_type, archive_ts: ts, checksum: ck }, &ed.body);
            for i in &d.issues {
                eprintln!("decode: {i}");
            }
            cache.learn(&d.value);
            if computed {
                decorate(&mut d.value, &cache);
            }
            sink.write_record(&d.value)?;
            n += 1;
        }
        pos += len;
    }
    sink.flush()?;
    eprintln!("decode: {n} records");
    Ok(())
}
