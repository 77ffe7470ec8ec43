//! `estreamer serve`: the service. Every option can also come from a TOML file (`--config`);
//! a flag given on the command line wins over the file, the file over the default.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use clap::Args;
use estreamer_ingest::Ingest;
use estreamer_pki::{IdentityPolicy, ReloadingServerConfig, ServerTlsOptions};
use estreamer_server::ingest::{serve_ingest, IngestListener, IngestOptions, IngestService};
use estreamer_server::ServerOptions;
use estreamer_server::Service;
use estreamer_store::{NetMapTracker, Retention, Store, StoreOptions, StoreReader, TrackerOptions};
use serde::Deserialize;

use super::TlsArg;

/// Options of `serve`. Durations are in seconds (fractions allowed).
#[derive(Args, Default)]
#[command(after_help = "Every option may also be set in the --config file, with the same name: \
e.g. `data = \"/var/lib/estreamer\"`, `listen = [\"0.0.0.0:8302\", \"[::]:8302\"]`, `max-clients = 64`, \
`keepalive = 5`, `ingest = [\"127.0.0.1:8303\", \"unix:/run/estreamer/ingest.sock\"]`, `ingest-socket-mode = \"0660\"`, \
`retain-days = 30`, `retain-bytes = 10000000000`. A flag on the command line overrides the file. See docs/operations.md \
and docs/ingest.md.")]
pub(crate) struct ServeArgs {
    /// TOML file holding any of these options.
    #[arg(long)]
    config: Option<PathBuf>,
    /// Store directory (created, and said so, when missing).
    #[arg(long)]
    data: Option<PathBuf>,
    /// PKI directory made by `ca init`; a new revocation list there applies to new connections.
    #[arg(long)]
    pki: Option<PathBuf>,
    /// Address to listen on; repeat for several, e.g. `0.0.0.0:8302` and `[::]:8302` (default `0.0.0.0:8302`).
    #[arg(long)]
    listen: Vec<SocketAddr>,
    /// Skip the check that the client address matches its certificate host (NAT).
    #[arg(long)]
    skip_host_check: bool,
    /// Require this substring in the client certificate subject.
    #[arg(long)]
    require_subject: Option<String>,
    /// Authenticated clients served at once; more are told "No space" [default: 64].
    #[arg(long)]
    max_clients: Option<usize>,
    /// Unauthenticated connections (waiting for or in a handshake) at once; more are closed
    /// [default: 1024].
    #[arg(long)]
    max_unauthenticated: Option<usize>,
    /// Unauthenticated connections at once from one address; more are closed [default: 256].
    #[arg(long)]
    max_waiting_per_address: Option<usize>,
    /// TLS handshakes run at once; other connections wait their turn [default: 128].
    #[arg(long)]
    max_pending_handshakes: Option<usize>,
    /// TLS handshakes run at once for one address [default: 8].
    #[arg(long)]
    max_pending_per_address: Option<usize>,
    /// Seconds allowed for the TLS handshake and the identity check [default: 10].
    #[arg(long)]
    handshake_timeout: Option<f64>,
    /// Seconds allowed for the Event Stream Request after the handshake [default: 30].
    #[arg(long)]
    request_timeout: Option<f64>,
    /// Seconds allowed for the Streaming Request after the Streaming Information [default: 30].
    #[arg(long)]
    streaming_request_timeout: Option<f64>,
    /// Seconds a write may take before a client that stopped reading is dropped [default: 30].
    #[arg(long)]
    write_timeout: Option<f64>,
    /// Seconds the window may stay full without an acknowledgement before the client is
    /// dropped [default: 120].
    #[arg(long)]
    idle_timeout: Option<f64>,
    /// Seconds between Null keepalives when idle [default: 5].
    #[arg(long)]
    keepalive: Option<f64>,
    /// Bundles sent ahead of the client's acknowledgements [default: 16].
    #[arg(long)]
    window: Option<u32>,
    /// Hosts the network map holds; beyond it new hosts are not added (logged) [default: 100000].
    #[arg(long)]
    max_hosts: Option<usize>,
    /// TLS versions to accept [default: any].
    #[arg(long, value_enum)]
    tls: Option<TlsArg>,
    /// Also accept producers (sensors, replays) here: ADDR:PORT (TLS; sensor certificates from
    /// `ca add-sensor` only) or unix:/path/to.sock (access by file mode). Repeatable. The
    /// service then holds the store's writer lock: offline writers (`--data`) must use this.
    #[arg(long, value_name = "ADDR:PORT|unix:PATH")]
    ingest: Vec<String>,
    /// File mode of ingest Unix sockets, octal [default: 0660].
    #[arg(long, value_name = "MODE")]
    ingest_socket_mode: Option<String>,
    /// Keep records for this many days: older segments are deleted while serving.
    #[arg(long)]
    retain_days: Option<f64>,
    /// Keep at most this many bytes of segments: the oldest are deleted while serving.
    #[arg(long)]
    retain_bytes: Option<u64>,
}

/// The `--config` file: the same options, kebab-case keys, nothing else.
#[derive(Deserialize, Default)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct ServeFile {
    data: Option<PathBuf>,
    pki: Option<PathBuf>,
    listen: Option<Vec<SocketAddr>>,
    skip_host_check: Option<bool>,
    require_subject: Option<String>,
    max_clients: Option<usize>,
    max_unauthenticated: Option<usize>,
    max_waiting_per_address: Option<usize>,
    max_pending_handshakes: Option<usize>,
    max_pending_per_address: Option<usize>,
    handshake_timeout: Option<f64>,
    request_timeout: Option<f64>,
    streaming_request_timeout: Option<f64>,
    write_timeout: Option<f64>,
    idle_timeout: Option<f64>,
    keepalive: Option<f64>,
    window: Option<u32>,
    max_hosts: Option<usize>,
    tls: Option<TlsArg>,
    ingest: Option<Vec<String>>,
    ingest_socket_mode: Option<String>,
    retain_days: Option<f64>,
    retain_bytes: Option<u64>,
}

/// Everything `serve` runs with, resolved.
pub(crate) struct ServeSettings {
    pub(crate) data: PathBuf,
    pub(crate) pki: PathBuf,
    pub(crate) listen: Vec<SocketAddr>,
    pub(crate) tls: ServerTlsOptions,
    pub(crate) options: ServerOptions,
    pub(crate) max_hosts: usize,
    pub(crate) ingest: Vec<IngestAt>,
    pub(crate) retention: Option<Retention>,
}

/// An ingest listener address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum IngestAt {
    /// TLS on TCP.
    Tcp(SocketAddr),
    /// A Unix socket with this mode.
    Unix(PathBuf, u32),
}

fn secs(name: &str, v: f64) -> Result<Duration> {
    Duration::try_from_secs_f64(v).map_err(|_| anyhow::anyhow!("{name} must be a number of seconds ≥ 0, not {v}"))
}

fn millis(name: &str, v: f64) -> Result<u64> {
    Ok(secs(name, v)?.as_millis() as u64)
}

impl ServeArgs {
    /// Merge flags, file and defaults.
    pub(crate) fn resolve(self) -> Result<ServeSettings> {
        let file: ServeFile = match &self.config {
            None => ServeFile::default(),
            Some(p) => {
                let text = std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))?;
                toml::from_str(&text).with_context(|| format!("{} is not a valid serve configuration", p.display()))?
            }
        };
        let data = self.data.or(file.data).context("--data DIR is required (or `data` in the --config file)")?;
        let pki = self.pki.or(file.pki).context("--pki DIR is required (or `pki` in the --config file)")?;
        let listen = match (self.listen.is_empty(), file.listen) {
            (false, _) => self.listen,
            (true, Some(l)) if !l.is_empty() => l,
            _ => vec!["0.0.0.0:8302".parse().expect("a valid address")],
        };
        let (tls12, tls13) = self.tls.or(file.tls).unwrap_or(TlsArg::Any).versions();
        let mut o = ServerOptions {
            identity: IdentityPolicy {
                skip_host_check: self.skip_host_check || file.skip_host_check.unwrap_or(false),
                required_subject: self.require_subject.or(file.require_subject),
                ..IdentityPolicy::default()
            },
            ..ServerOptions::default()
        };
        if let Some(n) = self.max_clients.or(file.max_clients) {
            o.max_clients = n;
        }
        if let Some(n) = self.max_unauthenticated.or(file.max_unauthenticated) {
            o.max_unauthenticated = n.max(1);
        }
        if let Some(n) = self.max_waiting_per_address.or(file.max_waiting_per_address) {
            o.max_waiting_per_address = n.max(1);
        }
        if let Some(n) = self.max_pending_handshakes.or(file.max_pending_handshakes) {
            o.max_pending_handshakes = n.max(1);
        }
        if let Some(n) = self.max_pending_per_address.or(file.max_pending_per_address) {
            o.max_pending_per_address = n.max(1);
        }
        if let Some(v) = self.handshake_timeout.or(file.handshake_timeout) {
            o.handshake_timeout = secs("handshake-timeout", v)?;
        }
        if let Some(v) = self.write_timeout.or(file.write_timeout) {
            o.write_timeout = secs("write-timeout", v)?;
        }
        if let Some(v) = self.request_timeout.or(file.request_timeout) {
            o.session.request_timeout_ms = millis("request-timeout", v)?;
        }
        if let Some(v) = self.streaming_request_timeout.or(file.streaming_request_timeout) {
            o.session.streaming_request_timeout_ms = millis("streaming-request-timeout", v)?;
        }
        if let Some(v) = self.idle_timeout.or(file.idle_timeout) {
            o.session.idle_timeout_ms = millis("idle-timeout", v)?;
        }
        if let Some(v) = self.keepalive.or(file.keepalive) {
            o.session.keepalive_ms = millis("keepalive", v)?.max(100);
        }
        if let Some(n) = self.window.or(file.window) {
            o.session.window = n.max(1);
        }
        let max_hosts = self.max_hosts.or(file.max_hosts).unwrap_or(100_000);
        let mode_text = self.ingest_socket_mode.or(file.ingest_socket_mode).unwrap_or_else(|| "0660".into());
        let mode = u32::from_str_radix(mode_text.trim_start_matches("0o"), 8)
            .ok()
            .filter(|m| *m <= 0o777)
            .with_context(|| format!("ingest-socket-mode {mode_text:?} is not an octal file mode such as 0660"))?;
        let ingest_list = if self.ingest.is_empty() { file.ingest.unwrap_or_default() } else { self.ingest };
        let mut ingest = Vec::new();
        for target in ingest_list {
            ingest.push(match target.strip_prefix("unix:") {
                Some(path) => IngestAt::Unix(PathBuf::from(path), mode),
                None => IngestAt::Tcp(
                    target.parse().with_context(|| format!("ingest {target:?}: expected ADDR:PORT or unix:PATH"))?,
                ),
            });
        }
        let retention =
            super::store::retention(self.retain_days.or(file.retain_days), self.retain_bytes.or(file.retain_bytes))?;
        Ok(ServeSettings {
            data,
            pki,
            listen,
            tls: ServerTlsOptions { tls12, tls13 },
            options: o,
            max_hosts,
            ingest,
            retention,
        })
    }
}

/// Open the store for reading; a missing or empty directory becomes a new, empty store, and
/// the operator is told (a typo would otherwise serve nothing, silently).
pub(crate) fn open_or_create_store(data: &Path) -> Result<StoreReader> {
    let empty = match std::fs::read_dir(data) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => true,
        Err(e) => return Err(e).with_context(|| format!("reading store directory {}", data.display())),
        Ok(mut entries) => entries.next().is_none(),
    };
    if empty {
        drop(Store::open(data, StoreOptions::default()).with_context(|| format!("creating store {}", data.display()))?);
        eprintln!(
            "serve: {} held no store; created an empty one (sources can fill it while it is served)",
            data.display()
        );
    }
    StoreReader::open(data).with_context(|| format!("opening store {}", data.display()))
}

/// The network map of the store: its snapshot (`netmap.snap` in the store directory) plus the
/// log after it, brought up to the end before the service answers anyone, so a restart answers
/// host requests exactly as before.
pub(crate) fn open_network_map(data: &Path, store: StoreReader, max_hosts: usize) -> Arc<NetMapTracker> {
    let options = TrackerOptions {
        host_limit: max_hosts,
        snapshot_path: Some(data.join("netmap.snap")),
        ..TrackerOptions::default()
    };
    let started = std::time::Instant::now();
    let tracker = NetMapTracker::open(store, options);
    if let Err(e) = tracker.sync() {
        tracing::warn!(error = %e, "network map: the store could not be read to the end; host answers may lag");
    }
    tracing::info!(
        hosts = tracker.read().len(),
        secs = format_args!("{:.2}", started.elapsed().as_secs_f64()),
        "network map ready"
    );
    Arc::new(tracker)
}

pub(crate) fn run(args: ServeArgs) -> Result<()> {
    crate::init_logging("info");
    let s = args.resolve()?;
    // The PKI first: a typo there must not leave a new store directory behind.
    let tls = Arc::new(ReloadingServerConfig::new(&s.pki, s.tls, Duration::from_secs(1))?);
    // With an ingest endpoint the service is the store's writer (retention then applies on
    // every append); without one it only reads.
    let writer = if s.ingest.is_empty() {
        None
    } else {
        let opts = StoreOptions { retention: s.retention.clone(), ..StoreOptions::default() };
        let store = Store::open(&s.data, opts)
            .with_context(|| format!("opening store {} for writing (is another writer using it?)", s.data.display()))?;
        Some(Arc::new(store))
    };
    let store = match &writer {
        Some(w) => w.reader(),
        None => open_or_create_store(&s.data)?,
    };
    let hosts = open_network_map(&s.data, store.clone(), s.max_hosts);
    crate::runtime()?.block_on(async move {
        let mut listeners = Vec::new();
        for addr in &s.listen {
            let l = tokio::net::TcpListener::bind(addr).await.with_context(|| format!("binding {addr}"))?;
            eprintln!("serve: listening on {}", l.local_addr()?);
            listeners.push(l);
        }
        let mut ingest_listeners = Vec::new();
        for at in &s.ingest {
            let l = match at {
                IngestAt::Tcp(addr) => IngestListener::Tcp(
                    tokio::net::TcpListener::bind(addr).await.with_context(|| format!("binding ingest {addr}"))?,
                ),
                IngestAt::Unix(path, mode) => IngestListener::bind_unix(path, *mode)?,
            };
            eprintln!("serve: ingest endpoint on {}", l.describe());
            ingest_listeners.push(l);
        }
        let stop = crate::signals::shutdown_on_signal();
        let follow = tokio::spawn(estreamer_server::hosts::follow(
            Arc::clone(&hosts),
            s.options.poll_interval.max(Duration::from_millis(500)),
            stop.clone(),
        ));
        let mut service =
            Service::new(Arc::clone(&tls) as Arc<dyn estreamer_server::TlsSource>, store, s.options.clone());
        service.hosts = Some(hosts);
        let events = tokio::spawn(estreamer_server::serve(listeners, service, stop.clone()));
        let ingest = match &writer {
            Some(w) => {
                let ingest = Arc::new(Ingest::open(Arc::clone(w)).context("recovering producer watermarks")?);
                let opts = IngestOptions {
                    handshake_timeout: s.options.handshake_timeout,
                    write_timeout: s.options.write_timeout,
                    identity: s.options.identity.clone(),
                    ..IngestOptions::default()
                };
                let service = IngestService { ingest, tls: tls as Arc<dyn estreamer_server::TlsSource>, opts };
                Some(tokio::spawn(serve_ingest(ingest_listeners, service, stop.clone())))
            }
            None => None,
        };
        if let Some(r) = s.retention.clone() {
            tokio::spawn(compact_periodically(s.data.clone(), r, stop.clone()));
        }
        let r = events.await.context("the event service task failed")?;
        stop.cancel();
        if let Some(i) = ingest {
            i.await.context("the ingest endpoint task failed")??;
        }
        let _ = follow.await;
        r?;
        Ok(())
    })
}

/// Retention while serving: the store writer applies it on every append when the service
/// ingests; this pass also runs once a minute so that an idle (or read-only) service still
/// drops expired segments.
async fn compact_periodically(data: PathBuf, retention: Retention, stop: tokio_util::sync::CancellationToken) {
    let mut tick = tokio::time::interval(Duration::from_secs(60));
    loop {
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tick.tick() => {}
        }
        let (dir, r) = (data.clone(), retention.clone());
        match tokio::task::spawn_blocking(move || estreamer_store::compact(&dir, &r)).await {
            Ok(Ok(report)) if !report.removed.is_empty() => tracing::info!("retention: {report}"),
            Ok(Ok(_)) => {}
            Ok(Err(e)) => tracing::warn!(error = %e, "retention pass failed"),
            Err(e) => tracing::warn!(error = %e, "retention task failed"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ingest_and_retention_come_from_the_config_file_and_flags_win() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("serve.toml");
        let text = "data = \"d\"\npki = \"p\"\ningest = [\"127.0.0.1:8303\", \"unix:/tmp/x.sock\"]\n\
                    ingest-socket-mode = \"0600\"\nretain-days = 2\nretain-bytes = 1000\n";
        std::fs::write(&f, text).unwrap();
        let s = ServeArgs { config: Some(f.clone()), ..ServeArgs::default() }.resolve().unwrap();
        let tcp = IngestAt::Tcp("127.0.0.1:8303".parse().unwrap());
        assert_eq!(s.ingest, vec![tcp, IngestAt::Unix("/tmp/x.sock".into(), 0o600)]);
        let two_days = Some(Duration::from_secs(2 * 86_400));
        assert_eq!(s.retention, Some(Retention { max_bytes: Some(1000), max_age: two_days }));
        let flags = ServeArgs {
            config: Some(f),
            ingest: vec!["unix:/tmp/y.sock".into()],
            ingest_socket_mode: Some("0666".into()),
            ..ServeArgs::default()
        };
        assert_eq!(flags.resolve().unwrap().ingest, vec![IngestAt::Unix("/tmp/y.sock".into(), 0o666)]);
        let bad = ServeArgs {
            data: Some("d".into()),
            pki: Some("p".into()),
            ingest: vec!["nowhere".into()],
            ..ServeArgs::default()
        };
        let Err(e) = bad.resolve() else { panic!("a bad --ingest was accepted") };
        assert!(e.to_string().contains("expected ADDR:PORT or unix:PATH"), "{e}");
        let none =
            ServeArgs { data: Some("d".into()), pki: Some("p".into()), ..ServeArgs::default() }.resolve().unwrap();
        assert!(none.ingest.is_empty() && none.retention.is_none());
    }
}
