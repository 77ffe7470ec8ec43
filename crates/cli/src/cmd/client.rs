//! `estreamer client`: stream records from one server (flags) or several (`--config FILE`) to
//! an output; `client test` checks a connection; `client hosts` (its own module) queries host
//! profiles. The connection options are one `#[derive(Args)]` struct the subcommands reuse.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};
use clap::{Args, Subcommand, ValueEnum};
use estreamer_client::diagnose::{test_connection, FirstAnswer, TestOptions};
use estreamer_client::metrics::Metrics;
use estreamer_client::{BookmarkFormat, ClientOptions, OutputFormat, ReconnectPolicy, Start, StateFiles};
use estreamer_output::{parse_output, SinkConfig};
use estreamer_pki::ClientTlsOptions;

use super::{parse_flags, TlsArg};

/// How to reach a server and who we are: shared by `client`, `client test` and `client hosts`.
#[derive(Args, Clone, Debug)]
pub(crate) struct ConnectionArgs {
    /// Server HOST:PORT (IPv6 as `[addr]:port`).
    #[arg(long)]
    pub(crate) server: Option<String>,
    /// Client PKCS#12 file from `ca add-client` (or an FMC).
    #[arg(long)]
    pub(crate) pkcs12: Option<PathBuf>,
    /// PKCS#12 password (or set ESTREAMER_PKCS12_PASSWORD; prefer --password-file).
    #[arg(long, env = "ESTREAMER_PKCS12_PASSWORD", hide_env_values = true)]
    pub(crate) password: Option<String>,
    /// File whose first line is the PKCS#12 password.
    #[arg(long)]
    pub(crate) password_file: Option<PathBuf>,
    /// TLS versions to offer (eNcore offers 1.2 only).
    #[arg(long, value_enum, default_value_t = TlsArg::Any)]
    pub(crate) tls: TlsArg,
    /// Do not verify the server certificate (as eNcore does). Prints a warning.
    #[arg(long)]
    pub(crate) insecure: bool,
}

impl ConnectionArgs {
    /// `--server` and `--pkcs12`, which are required unless a subcommand or `--config` says otherwise.
    pub(crate) fn required(&self) -> Result<(String, PathBuf)> {
        match (&self.server, &self.pkcs12) {
            (Some(s), Some(p)) => Ok((s.clone(), p.clone())),
            (None, _) => bail!("--server HOST:PORT is required (or --config FILE for several servers)"),
            (_, None) => bail!("--pkcs12 FILE is required"),
        }
    }

    /// The password from --password-file, --password or ESTREAMER_PKCS12_PASSWORD (else empty).
    pub(crate) fn password(&self) -> Result<String> {
        match (&self.password_file, &self.password) {
            (Some(f), _) => Ok(estreamer_client::multi::read_password_file(f)?),
            (None, Some(p)) => Ok(p.clone()),
            (None, None) => Ok(String::new()),
        }
    }

    /// TLS options; warns about --insecure.
    pub(crate) fn tls_options(&self) -> ClientTlsOptions {
        if self.insecure {
            eprintln!(
                "estreamer: warning: --insecure: the server's certificate is not verified; anyone on the path can pose as the server"
            );
        }
        let (tls12, tls13) = self.tls.versions();
        ClientTlsOptions { verify_server: !self.insecure, tls12, tls13 }
    }

    /// Load the client identity.
    pub(crate) fn identity(&self) -> Result<(String, estreamer_pki::ClientIdentity)> {
        let (server, p12) = self.required()?;
        let identity = estreamer_pki::load_pkcs12_file(&p12, &self.password()?)?;
        Ok((server, identity))
    }
}

/// Options of `client`.
#[derive(Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub(crate) struct ClientArgs {
    #[command(subcommand)]
    cmd: Option<ClientCmd>,
    #[command(flatten)]
    conn: ConnectionArgs,
    #[command(flatten)]
    run: RunArgs,
}

#[derive(Subcommand)]
enum ClientCmd {
    /// Connect once: print the server's certificate chain and Streaming Information, or explain
    /// why the connection fails.
    Test(TestArgs),
    /// Ask for host profiles (one host or a range) and print each as a JSON object.
    Hosts(super::client_hosts::HostsArgs),
}

/// Options of `client test`.
#[derive(Args)]
struct TestArgs {
    #[command(flatten)]
    conn: ConnectionArgs,
    /// Seconds allowed for the connection and for the server's answer.
    #[arg(long, default_value_t = 10.0)]
    timeout: f64,
    /// Legacy mode: no extended request (the answer is then not a Streaming Information).
    #[arg(long)]
    legacy: bool,
}

/// Streaming options of `client`.
#[derive(Args)]
struct RunArgs {
    /// Several servers from a TOML file (see docs/client.md); replaces --server and its options.
    #[arg(long, conflicts_with_all = ["server", "pkcs12", "bookmark", "cache", "start"])]
    config: Option<PathBuf>,
    /// Where to start: the bookmark (oldest when there is none), oldest data, or only new data.
    #[arg(long, value_enum)]
    start: Option<StartArg>,
    /// Bookmark file (default: bookmark.json in the state directory).
    #[arg(long)]
    bookmark: Option<PathBuf>,
    /// Bookmark format: native (exactly once for files) or encore ({"1": ts}, for migrating).
    #[arg(long, value_enum, default_value_t = BookmarkFormatArg::Native)]
    bookmark_format: BookmarkFormatArg,
    /// Metadata cache file (default: metadata.cache in the state directory, or `<bookmark>.cache`).
    #[arg(long)]
    cache: Option<PathBuf>,
    /// Base directory of the per-server state directories (default: $XDG_STATE_HOME/estreamer,
    /// else ~/.local/state/estreamer); a server's files go to `<dir>/<host>-<port>/`.
    #[arg(long)]
    state_dir: Option<PathBuf>,
    /// Output format: json, splunk, cef, syslog (= syslog+json), syslog+cef, ocsf, or raw (the
    /// messages exactly as received, in the capture format `decode` reads).
    #[arg(long, default_value = "json")]
    format: String,
    /// Output: - (stdout), FILE, tcp://HOST:PORT, udp://HOST:PORT, hec+https://HOST:PORT, hec+http://HOST:PORT.
    #[arg(long, default_value = "-")]
    output: String,
    /// Largest UDP datagram (udp:// outputs).
    #[arg(long)]
    udp_max: Option<u64>,
    /// File holding the Splunk HEC token (else ESTREAMER_HEC_TOKEN).
    #[arg(long)]
    hec_token_file: Option<PathBuf>,
    /// PEM CA file to verify a hec+https:// server with (default: the public roots).
    #[arg(long)]
    hec_ca: Option<PathBuf>,
    /// Rotate an output file once it holds this many bytes (k, M, G suffixes), at a flush.
    #[arg(long, value_parser = parse_size)]
    rotate_bytes: Option<u64>,
    /// Rotate an output file after this many seconds, at a flush.
    #[arg(long)]
    rotate_secs: Option<u64>,
    /// Flush (and save the bookmark) after this many records...
    #[arg(long, default_value_t = 1000)]
    flush_records: u64,
    /// ...or this many milliseconds after the first unflushed record.
    #[arg(long, default_value_t = 1000)]
    flush_ms: u64,
    /// Stop after this many event (non-metadata) records.
    #[arg(long)]
    max_events: Option<u64>,
    /// Stop when no record arrived for this many seconds (connected or not).
    #[arg(long)]
    idle_exit: Option<f64>,
    /// Longest wait between reconnection attempts, in seconds.
    #[arg(long, default_value_t = 60.0)]
    reconnect_max: f64,
    /// Seconds allowed for TCP connect + TLS handshake.
    #[arg(long, default_value_t = 10.0)]
    connect_timeout: f64,
    /// Serve Prometheus metrics over HTTP on this address (e.g. 127.0.0.1:9302).
    #[arg(long)]
    metrics: Option<String>,
    /// Legacy mode: do not send the extended request (bit 30).
    #[arg(long)]
    legacy: bool,
    /// Request flags of the Event Stream Request, e.g. 0x48900061 (default: eNcore 5.2.11's).
    #[arg(long, value_parser = parse_flags)]
    flags: Option<u32>,
    /// Ack only bundles (default: ack every message, like eNcore).
    #[arg(long)]
    ack_bundles_only: bool,
    /// Do not add the `@computed` view (resolved names, event time).
    #[arg(long)]
    no_computed: bool,
    /// Threads that decode and format records, output order kept (default: one per core).
    #[arg(long)]
    threads: Option<usize>,
}

#[derive(Clone, Copy, ValueEnum)]
enum StartArg {
    Oldest,
    Now,
    Bookmark,
}

#[derive(Clone, Copy, ValueEnum)]
enum BookmarkFormatArg {
    Native,
    Encore,
}

fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let (n, m) = match t.chars().last() {
        Some('k' | 'K') => (&t[..t.len() - 1], 1u64 << 10),
        Some('m' | 'M') => (&t[..t.len() - 1], 1 << 20),
        Some('g' | 'G') => (&t[..t.len() - 1], 1 << 30),
        _ => (t, 1),
    };
    n.parse::<u64>().ok().and_then(|v| v.checked_mul(m)).ok_or_else(|| format!("{s:?} is not a size (e.g. 10M)"))
}

pub(crate) fn run(a: ClientArgs) -> Result<()> {
    crate::init_logging("warn");
    match a.cmd {
        Some(ClientCmd::Test(t)) => test(t),
        Some(ClientCmd::Hosts(h)) => super::client_hosts::run(h),
        None => stream(a.conn, a.run),
    }
}

/// The output, sink options applied.
fn sink_config(r: &RunArgs) -> Result<SinkConfig> {
    let mut sink = parse_output(&r.output)?;
    match &mut sink {
        SinkConfig::Udp(u) => {
            if let Some(m) = r.udp_max {
                if !(64..=65_507).contains(&m) {
                    bail!("--udp-max must be 64-65507 bytes");
                }
                u.max_datagram = m as usize;
            }
        }
        SinkConfig::Hec(h) => {
            if r.hec_token_file.is_some() {
                h.token_file = r.hec_token_file.clone();
            }
            if let Some(ca) = &r.hec_ca {
                if !h.url.starts_with("https:") {
                    bail!("--hec-ca needs a hec+https:// output");
                }
                h.ca_file = Some(ca.clone());
            }
        }
        SinkConfig::File(f) => {
            f.rotate_bytes = r.rotate_bytes.or(f.rotate_bytes);
            f.rotate_interval = r.rotate_secs.map(Duration::from_secs).or(f.rotate_interval);
        }
        _ => {}
    }
    let misplaced = |flag: &str, what: &str| anyhow!("{flag} needs {what} output");
    if r.udp_max.is_some() && !matches!(sink, SinkConfig::Udp(_)) {
        return Err(misplaced("--udp-max", "a udp://"));
    }
    if (r.hec_token_file.is_some() || r.hec_ca.is_some()) && !matches!(sink, SinkConfig::Hec(_)) {
        return Err(misplaced("--hec-token-file/--hec-ca", "a hec+https:// or hec+http://"));
    }
    if (r.rotate_bytes.is_some() || r.rotate_secs.is_some()) && !matches!(sink, SinkConfig::File(_)) {
        return Err(misplaced("--rotate-bytes/--rotate-secs", "a file"));
    }
    Ok(sink)
}

/// Apply the run options every server shares.
fn apply_common(o: &mut ClientOptions, r: &RunArgs) {
    if let Some(t) = r.threads {
        o.output.threads = t;
    }
    o.max_events = r.max_events;
    o.idle_exit = r.idle_exit.map(Duration::from_secs_f64);
    o.reconnect = ReconnectPolicy { max: Duration::from_secs_f64(r.reconnect_max.max(0.01)), ..Default::default() };
    o.connect_timeout = Duration::from_secs_f64(r.connect_timeout.max(0.01));
    if let Some(f) = r.flags {
        o.flags = f;
    }
    if r.legacy {
        o.flags &= !estreamer_wire::message::flags::EXTENDED;
    }
    if r.ack_bundles_only {
        o.ack = estreamer_wire::session::AckPolicy::BundlesOnly;
    }
}

fn stream(conn: ConnectionArgs, r: RunArgs) -> Result<()> {
    let servers = match &r.config {
        Some(path) => {
            let mut v = estreamer_client::multi::load_config(path)?;
            for o in &mut v {
                apply_common(o, &r);
                if !o.tls.verify_server {
                    eprintln!(
                        "estreamer: warning: server {:?} has insecure = true: its certificate is not verified",
                        o.name
                    );
                }
            }
            v
        }
        None => {
            let (server, identity) = conn.identity()?;
            let mut o = ClientOptions::new(server.clone(), identity);
            o.tls = conn.tls_options();
            o.start = match r.start.unwrap_or(StartArg::Bookmark) {
                StartArg::Oldest => Start::Oldest,
                StartArg::Now => Start::Now,
                StartArg::Bookmark => Start::Bookmark,
            };
            let mut state = match &r.bookmark {
                Some(b) => StateFiles { bookmark: Some(b.clone()), ..Default::default() },
                None => estreamer_client::default_state_files(r.state_dir.as_deref(), &server),
            };
            if let Some(c) = &r.cache {
                state.cache = Some(c.clone());
            }
            state.format = match r.bookmark_format {
                BookmarkFormatArg::Native => BookmarkFormat::Native,
                BookmarkFormatArg::Encore => BookmarkFormat::Encore,
            };
            o.state = state;
            o.output.format = OutputFormat::parse(&r.format)?;
            o.output.sink = sink_config(&r)?;
            o.output.computed = !r.no_computed;
            o.output.flush.max_records = r.flush_records.max(1);
            o.output.flush.max_interval = Duration::from_millis(r.flush_ms);
            apply_common(&mut o, &r);
            vec![o]
        }
    };
    let rt = crate::runtime()?;
    let shutdown = rt.block_on(async { crate::signals::shutdown_on_signal() });
    let metrics = Metrics::new();
    if let Some(addr) = &r.metrics {
        let bound = estreamer_client::metrics::spawn_metrics_server(addr, Arc::clone(&metrics), shutdown.clone())
            .with_context(|| format!("serving metrics on {addr}"))?;
        eprintln!("client: metrics on http://{bound}/metrics");
    }
    if std::io::stderr().is_terminal() {
        estreamer_client::metrics::spawn_progress(Arc::clone(&metrics), shutdown.clone());
    }
    let t = Instant::now();
    let results = estreamer_client::multi::run_all(servers, shutdown.clone(), metrics);
    shutdown.cancel();
    let many = results.len() > 1;
    let mut failed = Vec::new();
    for (name, res) in results {
        let label = if many { format!("client {name}") } else { "client".to_string() };
        match res {
            Ok(sum) => eprintln!(
                "{label}: {} records ({} events) in {:.2}s, {} duplicates skipped, {} reconnects, {} corrupt, {} layout issues: {}",
                sum.records,
                sum.events,
                t.elapsed().as_secs_f64(),
                sum.skipped,
                sum.reconnects,
                sum.corrupt,
                sum.layout_issues,
                super::by_type(&sum.by_type)
            ),
            Err(e) if many => {
                eprintln!("estreamer: error: {label}: {}", estreamer_client::chain(&e));
                failed.push(name);
            }
            Err(e) => return Err(e.into()),
        }
    }
    if !failed.is_empty() {
        bail!("{} of the servers failed: {}", failed.len(), failed.join(", "));
    }
    Ok(())
}

fn test(t: TestArgs) -> Result<()> {
    let (server, pkcs12) = t.conn.required()?;
    let mut opts = TestOptions::new(server.clone(), pkcs12, t.conn.password()?);
    opts.tls = t.conn.tls_options();
    opts.timeout = Duration::from_secs_f64(t.timeout.max(0.01));
    if t.legacy {
        opts.flags &= !estreamer_wire::message::flags::EXTENDED;
    }
    let rt = crate::runtime()?;
    let print_chain = |chain: &[estreamer_client::connect::CertSummary]| {
        if chain.is_empty() {
            return;
        }
        println!("certificate chain presented by the server:");
        for (i, c) in chain.iter().enumerate() {
            println!("  [{i}] subject: {}", c.subject);
            println!("      issuer:  {}", c.issuer);
            println!(
                "      valid:   {} to {}{}",
                c.not_before,
                c.not_after,
                if c.valid_now { "" } else { " (NOT valid now)" }
            );
        }
    };
    match rt.block_on(test_connection(&opts)) {
        Ok(report) => {
            println!("connected to {server} ({})", report.tls_version);
            print_chain(&report.chain);
            match &report.answer {
                FirstAnswer::StreamingInformation(services) => {
                    println!("streaming information:");
                    for s in services {
                        let what = if s.service == estreamer_wire::message::SERVICE_EVENT_STREAM {
                            " (event stream)"
                        } else {
                            ""
                        };
                        println!("  service {}{what}", s.service);
                    }
                }
                FirstAnswer::Message(m) => println!("first answer: {m}"),
            }
            println!("client test: OK");
            Ok(())
        }
        Err(d) => {
            print_chain(&d.chain);
            println!("client test: FAILED: {}", d.explanation);
            Err(anyhow::Error::new(d.error).context(format!("client test failed: {}", d.explanation)))
        }
    }
}
