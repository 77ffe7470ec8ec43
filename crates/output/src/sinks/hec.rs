//! Splunk HTTP Event Collector (OUTPUTS.md Part 2): `POST /services/collector/event`.
//!
//! * Each record becomes one envelope `{"time":<sec>.<ms>,"host":…,"source":…,"sourcetype":…,
//!   ["index":…,]"event":…}`; `event` is the JSON object itself for `json`/`ocsf`, a JSON string
//!   for the text formats. `time` is the record's event time (RECORDS.md §7.3).
//! * Envelopes are batched, one after another (no array, no commas), up to `batch_events`
//!   envelopes or `batch_bytes` bytes per request; a flush sends the partial batch.
//! * `Authorization: Splunk <token>`; TLS verification on (Mozilla roots, or the CA file given
//!   for a self-signed HEC).
//! * 503, 500, 502, 504, 429 and connection errors: retried with capped exponential backoff and
//!   jitter, up to `retries` times, then [`OutputError::HecUnavailable`]. Any other non-2xx
//!   (400, 401, 403, 413, …): [`OutputError::HecRejected`] at once, since resending unchanged cannot
//!   help. The batch stays pending either way; the caller stops and restarts from its bookmark.
//!   A retried batch may have been partly indexed: at least once, duplicates bounded by one batch.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use super::backoff::Backoff;
use super::{FlushPosition, Sink, SinkStats};
use crate::formats::Payload;
use crate::{OutputError, RecordFacts};

/// Environment variable holding the HEC token when no token file is given.
pub const HEC_TOKEN_ENV: &str = "ESTREAMER_HEC_TOKEN";

/// HEC sink settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HecConfig {
    /// Full endpoint URL (`https://host:8088/services/collector/event`).
    pub url: String,
    /// File holding the token (else [`HEC_TOKEN_ENV`]).
    pub token_file: Option<PathBuf>,
    /// PEM CA certificate(s) to trust instead of the Mozilla roots (self-signed HEC).
    pub ca_file: Option<PathBuf>,
    /// Envelope `sourcetype` (default `estreamer`).
    pub sourcetype: String,
    /// Envelope `source` (default `estreamer`).
    pub source: String,
    /// Envelope `index`; left out when `None` (the token's default index).
    pub index: Option<String>,
    /// Envelope `host`; this machine's host name when `None`.
    pub host: Option<String>,
    /// Envelopes per request (default 100).
    pub batch_events: usize,
    /// Request body bytes before a batch is sent (default 1 MiB).
    pub batch_bytes: usize,
    /// Retries of a failed request (default 8).
    pub retries: u32,
    /// First retry delay (default 250 ms).
    pub backoff_initial: Duration,
    /// Largest retry delay (default 30 s).
    pub backoff_max: Duration,
    /// Whole-request timeout (default 30 s).
    pub timeout: Duration,
}

impl HecConfig {
    /// Defaults for `HOST:PORT`, over HTTPS when `tls`.
    pub fn new(host_port: &str, tls: bool) -> HecConfig {
        let scheme = if tls { "https" } else { "http" };
        HecConfig {
            url: format!("{scheme}://{host_port}/services/collector/event"),
            token_file: None,
            ca_file: None,
            sourcetype: "estreamer".into(),
            source: "estreamer".into(),
            index: None,
            host: None,
            batch_events: 100,
            batch_bytes: 1 << 20,
            retries: 8,
            backoff_initial: Duration::from_millis(250),
            backoff_max: Duration::from_secs(30),
            timeout: Duration::from_secs(30),
        }
    }
}

/// The HEC token: the first line of `token_file` when given, else [`HEC_TOKEN_ENV`].
pub fn resolve_hec_token(token_file: Option<&Path>) -> Result<String, OutputError> {
    let token = match token_file {
        Some(p) => std::fs::read_to_string(p)
            .map_err(|e| OutputError::HecToken(format!("reading {}: {e}", p.display())))?
            .lines()
            .next()
            .unwrap_or("")
            .trim()
            .to_string(),
        None => std::env::var(HEC_TOKEN_ENV).map(|t| t.trim().to_string()).unwrap_or_default(),
    };
    if token.is_empty() {
        return Err(OutputError::HecToken(match token_file {
            Some(p) => format!("{} is empty", p.display()),
            None => format!("none given: use token_file=PATH or set {HEC_TOKEN_ENV}"),
        }));
    }
    if token.chars().any(|c| c.is_control() || c == ' ') {
        return Err(OutputError::HecToken("the token contains spaces or control characters".into()));
    }
    Ok(token)
}

/// This machine's host name (Linux), else `estreamer`.
pub(crate) fn local_host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok().filter(|s| !s.is_empty()))
        .unwrap_or_else(|| "estreamer".into())
}

/// Posts batches of envelopes to Splunk HEC; see the module documentation.
pub struct HecSink {
    config: HecConfig,
    auth: String,
    agent: ureq::Agent,
    payload: Payload,
    /// `,"host":…,"source":…,"sourcetype":…[,"index":…],"event":` — the same for every envelope.
    envelope_middle: String,
    body: Vec<u8>,
    events: usize,
    stats: SinkStats,
}

fn json_string(s: &str) -> String {
    serde_json::Value::from(s).to_string()
}

impl HecSink {
    /// A sink posting to `config.url` with `token`, for messages of kind `payload`.
    pub fn new(config: HecConfig, token: String, payload: Payload) -> Result<HecSink, OutputError> {
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let mut tls = ureq::tls::TlsConfig::builder()
            .provider(ureq::tls::TlsProvider::Rustls)
            .unversioned_rustls_crypto_provider(provider);
        if let Some(ca) = &config.ca_file {
            let bad = |reason: String| OutputError::CaFile { path: ca.clone(), reason };
            let pem = std::fs::read(ca).map_err(|e| bad(e.to_string()))?;
            let mut certs = Vec::new();
            for item in ureq::tls::parse_pem(&pem) {
                if let ureq::tls::PemItem::Certificate(c) = item.map_err(|e| bad(e.to_string()))? {
                    certs.push(c);
                }
            }
            if certs.is_empty() {
                return Err(bad("no CERTIFICATE in the file".into()));
            }
            tls = tls.root_certs(ureq::tls::RootCerts::new_with_certs(&certs));
        }
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(config.timeout))
            .tls_config(tls.build())
            .build()
            .new_agent();
        let host = config.host.clone().unwrap_or_else(local_host_name);
        let mut middle = format!(
            ",\"host\":{},\"source\":{},\"sourcetype\":{}",
            json_string(&host),
            json_string(&config.source),
            json_string(&config.sourcetype)
        );
        if let Some(index) = &config.index {
            middle.push_str(&format!(",\"index\":{}", json_string(index)));
        }
        middle.push_str(",\"event\":");
        Ok(HecSink {
            auth: format!("Splunk {token}"),
            agent,
            payload,
            envelope_middle: middle,
            body: Vec::with_capacity(config.batch_bytes.min(1 << 20)),
            events: 0,
            stats: SinkStats::default(),
            config,
        })
    }

    /// Envelopes waiting for the next request.
    pub fn pending_events(&self) -> usize {
        self.events
    }

    /// POST the pending batch, retrying as described in the module documentation.
    fn send_batch(&mut self) -> Result<(), OutputError> {
        if self.events == 0 {
            return Ok(());
        }
        let url = self.config.url.clone();
        let mut backoff = Backoff::new(self.config.backoff_initial, self.config.backoff_max);
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            let sent = self
                .agent
                .post(&url)
                .header("Authorization", &self.auth)
                .header("Content-Type", "application/json")
                .send(&self.body[..]);
            let failure = match sent {
                Ok(mut resp) => {
                    let status = resp.status().as_u16();
                    if (200..300).contains(&status) {
                        self.body.clear();
                        self.events = 0;
                        return Ok(());
                    }
                    let mut text = resp.body_mut().read_to_string().unwrap_or_default();
                    if text.len() > 512 {
                        let cut = crate::sinks::udp::cut_at_char_boundary(text.as_bytes(), 512).len();
                        text.truncate(cut);
                    }
                    if !matches!(status, 429 | 500 | 502 | 503 | 504) {
                        return Err(OutputError::HecRejected { url, status, body: text });
                    }
                    format!("HTTP {status} {text}")
                }
                Err(
                    e @ (ureq::Error::Io(_)
                    | ureq::Error::ConnectionFailed
                    | ureq::Error::Timeout(_)
                    | ureq::Error::HostNotFound),
                ) => e.to_string(),
                Err(source) => return Err(OutputError::Http { url, action: "sending a batch", source }),
            };
            if attempt > self.config.retries {
                return Err(OutputError::HecUnavailable { url, attempts: attempt, last: failure });
            }
            self.stats.reconnects += 1;
            std::thread::sleep(backoff.next_delay());
        }
    }
}

impl Sink for HecSink {
    fn write(&mut self, facts: &RecordFacts, message: &[u8]) -> Result<(), OutputError> {
        let (sec, usec) = facts.event_time;
        self.body.extend_from_slice(format!("{{\"time\":{sec}.{:03}", usec / 1000 % 1000).as_bytes());
        self.body.extend_from_slice(self.envelope_middle.as_bytes());
        match self.payload {
            Payload::JsonObject => self.body.extend_from_slice(message),
            Payload::Text => {
                let text = String::from_utf8_lossy(message);
                serde_json::to_writer(&mut self.body, text.as_ref()).map_err(|e| OutputError::Format {
                    format: "hec",
                    record_type: facts.record_type,
                    reason: e.to_string(),
                })?;
            }
        }
        self.body.extend_from_slice(b"}\n");
        self.events += 1;
        self.stats.records += 1;
        self.stats.bytes += message.len() as u64;
        if self.events >= self.config.batch_events.max(1) || self.body.len() >= self.config.batch_bytes {
            self.send_batch()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<FlushPosition, OutputError> {
        self.send_batch()?;
        self.stats.flushed_records = self.stats.records;
        Ok(FlushPosition::Delivered { records: self.stats.records })
    }

    fn stats(&self) -> SinkStats {
        self.stats.clone()
    }
}
