//! What `sensor` and `ingest` share: where batches go (a running service's ingest endpoint, or
//! a store directory when no service runs), the producer id, the acknowledgement log, and the
//! progress display.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use clap::Args;
use estreamer_ingest::{AckLog, BatchSink, Endpoint, OfflineSink, RemoteOptions, RemoteSink};
use estreamer_store::StoreOptions;

/// Where a producer's batches go.
#[derive(Args, Clone, Debug)]
pub(crate) struct Destination {
    /// A running service's ingest endpoint: ADDR:PORT (TLS, needs --pkcs12 with a sensor
    /// certificate from `ca add-sensor`) or unix:/path/to.sock.
    #[arg(long, value_name = "ADDR:PORT|unix:PATH", conflicts_with = "data")]
    pub(crate) ingest: Option<String>,
    /// Sensor PKCS#12 (from `estreamer ca add-sensor`) for a TLS --ingest endpoint.
    #[arg(long)]
    pub(crate) pkcs12: Option<PathBuf>,
    /// Password of the PKCS#12.
    #[arg(long, env = "ESTREAMER_PASSWORD", hide_env_values = true, default_value = "")]
    pub(crate) password: String,
    /// Write into this store directory instead, when no service runs (created if missing).
    #[arg(long)]
    pub(crate) data: Option<PathBuf>,
    /// Producer id: the service keeps each of its batches once, so a producer run again with
    /// the same id and input resumes after the last stored batch [default: derived from the
    /// input, see --help of the subcommand].
    #[arg(long)]
    pub(crate) producer: Option<String>,
    /// Append one line per acknowledged (durable) batch to this file.
    #[arg(long)]
    pub(crate) ack_log: Option<PathBuf>,
    /// Seconds to keep trying to reach the service after a failure.
    #[arg(long, default_value_t = 60.0)]
    pub(crate) reconnect_for: f64,
    /// Batches in flight before their acknowledgements (online).
    #[arg(long, default_value_t = 8)]
    pub(crate) window: usize,
}

impl Destination {
    /// Open the sink for `producer`.
    pub(crate) fn open(&self, producer: &str) -> Result<Box<dyn BatchSink>> {
        match (&self.ingest, &self.data) {
            (Some(target), None) => {
                let endpoint = match target.strip_prefix("unix:") {
                    Some(path) => Endpoint::Unix(PathBuf::from(path)),
                    None => {
                        let addr = target
                            .parse()
                            .with_context(|| format!("--ingest {target:?}: expected ADDR:PORT or unix:PATH"))?;
                        let p12 = self.pkcs12.as_ref().context(
                            "--ingest ADDR:PORT needs --pkcs12 (a sensor certificate from `estreamer ca add-sensor`)",
                        )?;
                        let id = estreamer_pki::load_pkcs12_file(p12, &self.password)
                            .with_context(|| format!("loading {}", p12.display()))?;
                        let config = estreamer_pki::client_config(&id, &Default::default())?;
                        Endpoint::Tls { addr, config: Arc::clone(&config) }
                    }
                };
                let mut opts = RemoteOptions::new(endpoint, producer);
                opts.window = self.window.max(1);
                opts.reconnect_for = Duration::try_from_secs_f64(self.reconnect_for).unwrap_or(Duration::from_secs(60));
                opts.ack_log = self.ack_log.clone();
                Ok(Box::new(RemoteSink::connect(opts)?))
            }
            (None, Some(dir)) => {
                let mut sink = OfflineSink::open(dir, Some(producer), StoreOptions::default()).with_context(|| {
                    format!("opening store {} (is a service using it? then use --ingest)", dir.display())
                })?;
                if let Some(log) = &self.ack_log {
                    sink = sink.with_ack_log(AckLog::open(log)?);
                }
                Ok(Box::new(sink))
            }
            _ => {
                bail!("say where to write: --ingest ADDR:PORT|unix:PATH (a running service) or --data DIR (no service)")
            }
        }
    }

    /// Where, for messages.
    pub(crate) fn describe(&self) -> String {
        match (&self.ingest, &self.data) {
            (Some(t), _) => t.clone(),
            (_, Some(d)) => d.display().to_string(),
            _ => String::new(),
        }
    }
}

/// A progress bar on a terminal, nothing otherwise (the caller prints one summary line).
pub(crate) struct Progress {
    bar: Option<indicatif::ProgressBar>,
}

impl Progress {
    /// `total`: events expected, if known.
    pub(crate) fn new(total: Option<u64>, what: &str) -> Self {
        if !std::io::stderr().is_terminal() {
            return Progress { bar: None };
        }
        let bar = match total {
            Some(n) => indicatif::ProgressBar::new(n),
            None => indicatif::ProgressBar::new_spinner(),
        };
        let template =
            format!("{{spinner}} {what} [{{elapsed_precise}}] {{wide_bar}} {{pos}}/{{len}} ({{per_sec}}) {{msg}}");
        if let Ok(style) = indicatif::ProgressStyle::with_template(&template) {
            bar.set_style(style);
        }
        bar.enable_steady_tick(Duration::from_millis(200));
        Progress { bar: Some(bar) }
    }

    /// Events done so far.
    pub(crate) fn set(&self, done: u64, msg: String) {
        if let Some(b) = &self.bar {
            b.set_position(done);
            b.set_message(msg);
        }
    }

    /// Remove the bar.
    pub(crate) fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}
