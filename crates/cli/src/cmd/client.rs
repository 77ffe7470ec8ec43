//! `estreamer client`: stream records from a service and write them out.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use clap::{Args, ValueEnum};
use estreamer_client::{ClientOptions, Start};
use estreamer_output::{JsonLines, RecordSink as Sink};

use super::{parse_flags, TlsArg};

/// Options of `client`.
#[derive(Args)]
pub(crate) struct ClientArgs {
    /// Server HOST:PORT.
    #[arg(long)]
    server: String,
    /// Client PKCS#12 file from `ca add-client` (or an FMC).
    #[arg(long)]
    pkcs12: PathBuf,
    /// PKCS#12 password (or set ESTREAMER_PKCS12_PASSWORD).
    #[arg(long, env = "ESTREAMER_PKCS12_PASSWORD", hide_env_values = true, default_value = "")]
    password: String,
    /// Where to start: oldest data, only new data, or the bookmark.
    #[arg(long, value_enum, default_value_t = StartArg::Bookmark)]
    start: StartArg,
    /// Bookmark file (highest archival timestamp written; resumed from with --start bookmark).
    #[arg(long)]
    bookmark: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Json)]
    format: Format,
    /// Output file, or - for stdout.
    #[arg(long, default_value = "-")]
    output: String,
    /// Stop after this many event (non-metadata) records.
    #[arg(long)]
    max_events: Option<u64>,
    /// Stop when nothing arrives for this many seconds.
    #[arg(long)]
    idle_exit: Option<f64>,
    /// Legacy mode: do not send the extended request (bit 30).
    #[arg(long)]
    legacy: bool,
    /// Request flags of the Event Stream Request, e.g. 0x48900061 (default: eNcore 5.2.11's).
    #[arg(long, value_parser = parse_flags)]
    flags: Option<u32>,
    /// Ack only bundles (default: ack every message, like eNcore).
    #[arg(long)]
    ack_bundles_only: bool,
    /// Do not verify the server certificate (as eNcore does).
    #[arg(long)]
    insecure: bool,
    /// TLS versions to offer (eNcore offers 1.2 only).
    #[arg(long, value_enum, default_value_t = TlsArg::Any)]
    tls: TlsArg,
    /// Metadata cache file (default: next to the bookmark, `<bookmark>.cache`).
    #[arg(long)]
    cache: Option<PathBuf>,
    /// Do not add the `@computed` view (resolved names, event time).
    #[arg(long)]
    no_computed: bool,
}

#[derive(Clone, Copy, ValueEnum)]
enum StartArg {
    Oldest,
    Now,
    Bookmark,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Json,
}

pub(crate) fn run(a: ClientArgs) -> Result<()> {
    crate::init_logging("warn");
    let identity = estreamer_pki::load_pkcs12_file(&a.pkcs12, &a.password)?;
    let mut opts = ClientOptions::new(a.server, identity);
    opts.start = match a.start {
        StartArg::Oldest => Start::Oldest,
        StartArg::Now => Start::Now,
        StartArg::Bookmark => Start::Bookmark,
    };
    if matches!(a.start, StartArg::Bookmark) && a.bookmark.is_none() {
        bail!("--start bookmark needs --bookmark FILE (or use --start oldest|now)");
    }
    let Format::Json = a.format;
    opts.bookmark = a.bookmark;
    opts.cache_file = a.cache;
    opts.computed = !a.no_computed;
    opts.max_events = a.max_events;
    opts.idle_exit = a.idle_exit.map(Duration::from_secs_f64);
    if let Some(f) = a.flags {
        opts.flags = f;
    }
    if a.legacy {
        opts.flags &= !estreamer_wire::message::flags::EXTENDED;
    }
    if a.ack_bundles_only {
        opts.ack = estreamer_wire::session::AckPolicy::BundlesOnly;
    }
    opts.tls.verify_server = !a.insecure;
    (opts.tls.tls12, opts.tls.tls13) = a.tls.versions();
    let mut sink: Box<dyn Sink> = if a.output == "-" {
        Box::new(JsonLines::new(std::io::stdout().lock()))
    } else {
        let f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&a.output)
            .with_context(|| format!("opening {}", a.output))?;
        Box::new(JsonLines::new(f))
    };
    let t = Instant::now();
    let sum = crate::runtime()?
        .block_on(async { estreamer_client::run(&opts, sink.as_mut(), crate::signals::shutdown_on_signal()).await })?;
    eprintln!(
        "client: {} records ({} events) in {:.2}s, {} corrupt, {} layout issues: {}",
        sum.records,
        sum.events,
        t.elapsed().as_secs_f64(),
        sum.corrupt,
        sum.layout_issues,
        super::by_type(&sum.by_type)
    );
    Ok(())
}
