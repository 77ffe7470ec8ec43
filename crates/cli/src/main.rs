//! `estreamer`: one binary wiring the crates — Internal CA, store, sensor, service, client.

use std::collections::BTreeMap;
use std::io::Write;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand, ValueEnum};
use estreamer_client::{ClientOptions, Start};
use estreamer_output::{JsonLines, Sink};
use estreamer_pki::{IdentityPolicy, ServerTlsOptions};
use estreamer_server::ServerOptions;
use estreamer_store::{Store, StoreOptions, StoreReader};
use estreamer_wire::message::{Bundle, Message};
use estreamer_wire::view::{decorate, MetadataCache};
use estreamer_wire::{check, decode_record, RecordHead};
use tokio_util::sync::CancellationToken;

#[derive(Parser)]
#[command(
    name = "estreamer",
    version,
    about = "Open eStreamer: the FMC event-streaming protocol, both ends.",
    long_about = "Open eStreamer: an Internal CA, a durable event store fed by a synthetic sensor, a TLS \
service speaking Cisco's eStreamer protocol (port 8302, mutual certificate auth), and a client that \
decodes every record to JSON.\n\nQuick start: `estreamer demo` runs everything on a temporary directory."
)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Internal CA: create it, register clients (PKCS#12), revoke them.
    Ca {
        #[command(subcommand)]
        cmd: CaCmd,
    },
    /// Write synthetic events (and the metadata they reference) into a store.
    Sensor {
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
    },
    /// Run the eStreamer service.
    Serve {
        /// Store directory.
        #[arg(long)]
        data: PathBuf,
        /// PKI directory made by `ca init`.
        #[arg(long)]
        pki: PathBuf,
        /// Address to listen on.
        #[arg(long, default_value = "0.0.0.0:8302")]
        listen: SocketAddr,
        /// Skip the check that the client address matches its certificate host (NAT).
        #[arg(long)]
        skip_host_check: bool,
        /// Require this substring in the client certificate subject.
        #[arg(long)]
        require_subject: Option<String>,
        /// Maximum concurrent clients.
        #[arg(long, default_value_t = 64)]
        max_clients: usize,
        /// Seconds between Null keepalives when idle.
        #[arg(long, default_value_t = 5)]
        keepalive: u64,
        /// TLS versions to accept.
        #[arg(long, value_enum, default_value_t = TlsArg::Any)]
        tls: TlsArg,
    },
    /// Connect to a service and write decoded records.
    Client {
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
    },
    /// Decode a file of raw eStreamer messages to JSON lines.
    Decode {
        /// File holding concatenated messages (Event Data, bundles, ...).
        file: PathBuf,
        /// Metadata cache to resolve names with (a client's `.cache` file); metadata records in
        /// the file are learned as they come.
        #[arg(long)]
        cache: Option<PathBuf>,
        /// Do not add the `@computed` view.
        #[arg(long)]
        no_computed: bool,
    },
    /// End-to-end throughput (sensor, service over TLS, client to JSON) against an in-process
    /// baseline measured in the same run.
    Bench {
        /// Number of events.
        #[arg(long, default_value_t = 20000)]
        events: usize,
        /// Sensor seed.
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Everything in one go on a temporary directory: CA, client, sensor, service, client.
    Demo {
        /// Number of events.
        #[arg(long, default_value_t = 1000)]
        events: usize,
        /// Sensor seed.
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
}

#[derive(Subcommand)]
enum CaCmd {
    /// Create the Internal CA and the server certificate.
    Init {
        /// PKI directory.
        #[arg(long)]
        dir: PathBuf,
        /// Server IP address for the certificate (repeatable; default 127.0.0.1 and ::1).
        #[arg(long = "server-ip")]
        server_ip: Vec<IpAddr>,
        /// Server DNS name for the certificate (repeatable; default localhost).
        #[arg(long = "server-name")]
        server_name: Vec<String>,
    },
    /// Register a client: writes a password-protected PKCS#12.
    AddClient {
        /// PKI directory.
        #[arg(long)]
        dir: PathBuf,
        /// The client's host name or IP address (the server checks the peer address against it).
        #[arg(long)]
        host: String,
        /// Output PKCS#12 file.
        #[arg(long)]
        out: PathBuf,
        /// Password; a random one is generated and printed when omitted.
        #[arg(long)]
        password: Option<String>,
    },
    /// Revoke a client by host or serial (its handshakes then fail).
    Revoke {
        /// PKI directory.
        #[arg(long)]
        dir: PathBuf,
        /// Host or serial (hex).
        #[arg(long)]
        client: String,
    },
    /// List registered clients.
    List {
        /// PKI directory.
        #[arg(long)]
        dir: PathBuf,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum StartArg {
    Oldest,
    Now,
    Bookmark,
}

#[derive(Clone, Copy, ValueEnum)]
enum TlsArg {
    /// TLS 1.2 only.
    #[value(name = "1.2")]
    V12,
    /// TLS 1.3 only.
    #[value(name = "1.3")]
    V13,
    /// TLS 1.2 and 1.3.
    Any,
}

impl TlsArg {
    /// (tls12, tls13)
    fn versions(self) -> (bool, bool) {
        match self {
            TlsArg::V12 => (true, false),
            TlsArg::V13 => (false, true),
            TlsArg::Any => (true, true),
        }
    }
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Json,
}

fn init_logging(default: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    use std::io::IsTerminal;
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .try_init();
}

fn main() -> std::process::ExitCode {
    match run(Cli::parse()) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            // The whole cause chain on one line; no backtrace for an operator's mistake.
            eprintln!("estreamer: error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<()> {
    match cli.cmd {
        Cmd::Ca { cmd } => {
            init_logging("warn");
            ca(cmd)
        }
        Cmd::Sensor { data, count, seed } => {
            init_logging("warn");
            let store = Store::open(&data, StoreOptions::default())
                .with_context(|| format!("opening store {}", data.display()))?;
            let t = Instant::now();
            let sum = estreamer_sensor::write_to_store(&store, seed, count)?;
            eprintln!(
                "sensor: wrote {} events as {} event records plus {} metadata records to {} in {:.2}s: {}",
                sum.events,
                sum.event_records,
                sum.metadata_records,
                data.display(),
                t.elapsed().as_secs_f64(),
                by_type(&sum.by_type)
            );
            Ok(())
        }
        Cmd::Serve { data, pki, listen, skip_host_check, require_subject, max_clients, keepalive, tls } => {
            init_logging("info");
            let (tls12, tls13) = tls.versions();
            let tls = estreamer_pki::server_config(&pki, &ServerTlsOptions { tls12, tls13 })?;
            runtime()?.block_on(serve(data, tls, listen, skip_host_check, require_subject, max_clients, keepalive))
        }
        Cmd::Client {
            flags,
            cache,
            no_computed,
            tls,
            server,
            pkcs12,
            password,
            start,
            bookmark,
            format: Format::Json,
            output,
            max_events,
            idle_exit,
            legacy,
            ack_bundles_only,
            insecure,
        } => {
            init_logging("warn");
            let identity = estreamer_pki::load_pkcs12_file(&pkcs12, &password)?;
            let mut opts = ClientOptions::new(server, identity);
            opts.start = match start {
                StartArg::Oldest => Start::Oldest,
                StartArg::Now => Start::Now,
                StartArg::Bookmark => Start::Bookmark,
            };
            if matches!(start, StartArg::Bookmark) && bookmark.is_none() {
                bail!("--start bookmark needs --bookmark FILE (or use --start oldest|now)");
            }
            opts.bookmark = bookmark;
            opts.cache_file = cache;
            opts.computed = !no_computed;
            opts.max_events = max_events;
            opts.idle_exit = idle_exit.map(Duration::from_secs_f64);
            if let Some(f) = flags {
                opts.flags = f;
            }
            if legacy {
                opts.flags &= !estreamer_wire::message::flags::EXTENDED;
            }
            if ack_bundles_only {
                opts.ack = estreamer_wire::session::AckPolicy::BundlesOnly;
            }
            opts.tls.verify_server = !insecure;
            (opts.tls.tls12, opts.tls.tls13) = tls.versions();
            let mut sink: Box<dyn Sink> = if output == "-" {
                Box::new(JsonLines::new(std::io::stdout().lock()))
            } else {
                let f = std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(&output)
                    .with_context(|| format!("opening {output}"))?;
                Box::new(JsonLines::new(f))
            };
            let t = Instant::now();
            let sum = runtime()?.block_on(estreamer_client::run(&opts, sink.as_mut(), shutdown_on_ctrl_c()))?;
            eprintln!(
                "client: {} records ({} events) in {:.2}s, {} corrupt, {} layout issues: {}",
                sum.records,
                sum.events,
                t.elapsed().as_secs_f64(),
                sum.corrupt,
                sum.layout_issues,
                by_type(&sum.by_type)
            );
            Ok(())
        }
        Cmd::Decode { file, cache, no_computed } => {
            init_logging("warn");
            decode_file(&file, cache.as_deref(), !no_computed)
        }
        Cmd::Bench { events, seed } => {
            init_logging("warn");
            runtime()?.block_on(bench(events, seed))
        }
        Cmd::Demo { events, seed } => {
            init_logging("warn");
            runtime()?.block_on(demo(events, seed))
        }
    }
}

fn parse_flags(s: &str) -> Result<u32, String> {
    let r = match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        Some(h) => u32::from_str_radix(h, 16),
        None => s.parse(),
    };
    r.map_err(|e| format!("{s:?} is not a 32-bit number (decimal or 0x hex): {e}"))
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread().enable_all().build()?)
}

fn shutdown_on_ctrl_c() -> CancellationToken {
    let token = CancellationToken::new();
    let t = token.clone();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build();
        if let Ok(rt) = rt {
            rt.block_on(async {
                let _ = tokio::signal::ctrl_c().await;
                t.cancel();
            });
        }
    });
    token
}

fn by_type<N: std::fmt::Display>(m: &BTreeMap<u32, N>) -> String {
    m.iter().map(|(t, n)| format!("{t}:{n}")).collect::<Vec<_>>().join(" ")
}

fn ca(cmd: CaCmd) -> Result<()> {
    match cmd {
        CaCmd::Init { dir, server_ip, server_name } => {
            estreamer_pki::init_ca(&dir, &server_ip, &server_name)?;
            eprintln!("ca: Internal CA and server certificate written to {}", dir.display());
        }
        CaCmd::AddClient { dir, host, out, password } => {
            let issued = estreamer_pki::add_client(&dir, &host, password.as_deref())?;
            estreamer_pki::write_secret_file(&out, &issued.pkcs12)?;
            eprintln!(
                "ca: client {host} registered (serial {}); PKCS#12 written to {}",
                issued.serial_hex,
                out.display()
            );
            if issued.password_was_generated {
                // Printed once, on stdout, so it can be captured; it is not stored anywhere.
                println!("{}", issued.password);
            }
        }
        CaCmd::Revoke { dir, client } => {
            let n = estreamer_pki::revoke_client(&dir, &client)?;
            if n == 0 {
                bail!("no registered client matches {client:?}");
            }
            eprintln!("ca: revoked {n} certificate(s); restart the service to load the new CRL");
        }
        CaCmd::List { dir } => {
            for c in estreamer_pki::list_clients(&dir)? {
                println!("{}\t{}\t{}", c.host, c.serial_hex, if c.revoked { "revoked" } else { "active" });
            }
        }
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
async fn serve(
    data: PathBuf,
    tls: std::sync::Arc<rustls::ServerConfig>,
    listen: SocketAddr,
    skip_host_check: bool,
    require_subject: Option<String>,
    max_clients: usize,
    keepalive: u64,
) -> Result<()> {
    let store = match StoreReader::open(&data) {
        Ok(s) => s,
        // A new service starts on an empty store that sensors fill later (live tail).
        Err(estreamer_store::StoreError::NotAStore { .. }) | Err(estreamer_store::StoreError::Io { .. })
            if !data.join("LOCK").exists() =>
        {
            drop(
                Store::open(&data, StoreOptions::default())
                    .with_context(|| format!("creating store {}", data.display()))?,
            );
            StoreReader::open(&data)?
        }
        Err(e) => return Err(e).with_context(|| format!("opening store {}", data.display())),
    };
    let listener = tokio::net::TcpListener::bind(listen).await.with_context(|| format!("binding {listen}"))?;
    let mut opts = ServerOptions {
        max_connections: max_clients,
        identity: IdentityPolicy { skip_host_check, required_subject: require_subject },
        ..Default::default()
    };
    opts.session.keepalive_ms = keepalive.max(1) * 1000;
    eprintln!("serve: listening on {}", listener.local_addr()?);
    estreamer_server::serve(listener, tls, store, opts, shutdown_on_ctrl_c()).await?;
    Ok(())
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

/// A temporary PKI and store filled by the sensor, with the service running on 127.0.0.1.
struct Lab {
    _tmp: tempfile::TempDir,
    data: PathBuf,
    identity: estreamer_pki::ClientIdentity,
    addr: SocketAddr,
    stop: CancellationToken,
    server: tokio::task::JoinHandle<std::result::Result<(), estreamer_server::ServerError>>,
    written: estreamer_sensor::SensorSummary,
    sensor_secs: f64,
}

impl Lab {
    async fn start(events: usize, seed: u64) -> Result<Lab> {
        let tmp = tempfile::tempdir()?;
        let pki = tmp.path().join("pki");
        let data = tmp.path().join("data");
        estreamer_pki::init_ca(&pki, &["127.0.0.1".parse()?], &["localhost".to_string()])?;
        let issued = estreamer_pki::add_client(&pki, "127.0.0.1", None)?;
        let identity = estreamer_pki::load_pkcs12(&issued.pkcs12, &issued.password)?;
        let t = Instant::now();
        let written = {
            let store = Store::open(&data, StoreOptions::default())?;
            estreamer_sensor::write_to_store(&store, seed, events)?
        };
        let sensor_secs = t.elapsed().as_secs_f64();
        let store = StoreReader::open(&data)?;
        let tls = estreamer_pki::server_config(&pki, &ServerTlsOptions::default())?;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let stop = CancellationToken::new();
        let server =
            tokio::spawn(estreamer_server::serve(listener, tls, store, ServerOptions::default(), stop.clone()));
        Ok(Lab { _tmp: tmp, data, identity, addr, stop, server, written, sensor_secs })
    }

    /// Stream every event from the oldest record into `sink` over TLS.
    async fn stream(&self, sink: &mut dyn Sink) -> Result<estreamer_client::ClientSummary> {
        let mut opts = ClientOptions::new(self.addr.to_string(), self.identity.clone());
        opts.start = Start::Oldest;
        opts.max_events = Some(self.written.event_records as u64);
        // Must not hang if something is lost: give up after a generous idle period.
        opts.idle_exit = Some(Duration::from_secs(10));
        let sum = estreamer_client::run(&opts, sink, CancellationToken::new()).await?;
        sink.flush()?;
        if sum.events != self.written.event_records as u64 {
            bail!(
                "the sensor wrote {} event records but the client received {}",
                self.written.event_records,
                sum.events
            );
        }
        Ok(sum)
    }

    async fn stop(self) -> Result<()> {
        self.stop.cancel();
        self.server.await??;
        Ok(())
    }
}

async fn demo(events: usize, seed: u64) -> Result<()> {
    let t = Instant::now();
    let lab = Lab::start(events, seed).await?;
    let mut sink = JsonLines::new(std::io::stdout().lock());
    let sum = lab.stream(&mut sink).await.context("demo")?;
    let written = lab.written.events;
    lab.stop().await?;
    std::io::stderr().flush()?;
    eprintln!(
        "demo: {} events ({} event records, {} metadata records) streamed over TLS in {:.2}s; by record type: {}",
        written,
        sum.events,
        sum.records - sum.events,
        t.elapsed().as_secs_f64(),
        by_type(&sum.by_type)
    );
    Ok(())
}

/// Counts bytes written and discards them.
struct CountingSink(u64);

impl Write for CountingSink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len() as u64;
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// End-to-end figures, each against a baseline measured in the same run: the same records
/// decoded, decorated and rendered in process, straight from the store, without TLS.
async fn bench(events: usize, seed: u64) -> Result<()> {
    let lab = Lab::start(events, seed).await?;
    let total = (lab.written.event_records + lab.written.metadata_records) as f64;
    // Baseline: store → decode → @computed → JSON, in this process.
    let t = Instant::now();
    let reader = StoreReader::open(&lab.data)?;
    let mut cursor = reader.cursor_from_time(0)?;
    let mut cache = MetadataCache::new();
    let mut base = JsonLines::new(CountingSink(0));
    let mut n = 0u64;
    while let Some(r) = cursor.next()? {
        let mut d =
            decode_record(RecordHead { record_type: r.record_type, archive_ts: r.archive_ts, checksum: 0 }, &r.body);
        cache.learn(&d.value);
        decorate(&mut d.value, &cache);
        base.write_record(&d.value)?;
        n += 1;
    }
    base.flush()?;
    let base_secs = t.elapsed().as_secs_f64();
    let base_bytes = base.into_inner()?.0;
    // End to end: the service streams over TLS on 127.0.0.1, the client decodes and renders.
    let t = Instant::now();
    let mut sink = JsonLines::new(CountingSink(0));
    let sum = lab.stream(&mut sink).await?;
    let e2e_secs = t.elapsed().as_secs_f64();
    let e2e_bytes = sink.into_inner()?.0;
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
