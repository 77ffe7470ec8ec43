//! The eStreamer client: connect over mutual TLS, send the request, drive the sans-io
//! [`ClientSession`], decode records, hand them to an output [`Sink`], keep a bookmark.

pub mod bookmark;

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use estreamer_output::RecordSink as Sink;
use estreamer_pki::{ClientIdentity, ClientTlsOptions};
use estreamer_wire::message::{flags, ErrorMessage, EventSpec, Message, TIMESTAMP_NOW, TIMESTAMP_OLDEST};
use estreamer_wire::session::{AckPolicy, ClientConfig, ClientEvent, ClientSession, ENCORE_5_2_11_EVENTS};
use estreamer_wire::view::{decorate, MetadataCache};
use estreamer_wire::{decode_record, IssueStats, RecordHead};
use rustls_pki_types::ServerName;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_util::sync::CancellationToken;
use tracing::{debug, info, warn};

/// Everything that can end a client run.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// Bad `host:port`.
    #[error("bad server address {0:?}: expected HOST:PORT (IPv6 as [addr]:port)")]
    Address(String),
    /// TCP connect failure or timeout.
    #[error("cannot connect to {server}: {reason}")]
    Connect {
        /// Server.
        server: String,
        /// Why.
        reason: String,
    },
    /// TLS setup or handshake failure.
    #[error("TLS with {server}: {reason}")]
    Tls {
        /// Server.
        server: String,
        /// Why.
        reason: String,
    },
    /// The server broke the protocol.
    #[error("protocol error from {server}: {source}")]
    Protocol {
        /// Server.
        server: String,
        /// Cause.
        source: estreamer_wire::WireError,
    },
    /// Socket I/O.
    #[error("I/O with {server}: {source}")]
    Io {
        /// Server.
        server: String,
        /// Cause.
        source: std::io::Error,
    },
    /// Output sink failure.
    #[error("writing output: {0}")]
    Output(std::io::Error),
    /// Bookmark file failure.
    #[error("bookmark {path}: {source}")]
    Bookmark {
        /// File.
        path: PathBuf,
        /// Cause.
        source: std::io::Error,
    },
    /// Metadata cache file failure.
    #[error("metadata cache {path}: {reason}")]
    Cache {
        /// File.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// PKI failure.
    #[error(transparent)]
    Pki(#[from] estreamer_pki::PkiError),
    /// The server closed the connection before anything was received (typically a failed
    /// post-connection identity check, which closes without an Error message).
    #[error("{server} closed the connection before sending anything (identity check failed? wrong client address or revoked certificate?)")]
    ClosedEarly {
        /// Server.
        server: String,
    },
}

/// Where to start streaming.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Start {
    /// Oldest data available (timestamp 0).
    Oldest,
    /// Only new data (timestamp 0xFFFFFFFF).
    Now,
    /// The bookmark file's timestamp (oldest when there is none).
    Bookmark,
}

/// Client settings.
#[derive(Clone)]
pub struct ClientOptions {
    /// `host:port`.
    pub server: String,
    /// Certificate, key and CA.
    pub identity: ClientIdentity,
    /// TLS options.
    pub tls: ClientTlsOptions,
    /// Request flags (default: eNcore 5.2.11's 0x48900061).
    pub flags: u32,
    /// Extended event list (default: eNcore 5.2.11's).
    pub events: Vec<EventSpec>,
    /// Ack policy (default: every message, like eNcore).
    pub ack: AckPolicy,
    /// Start position.
    pub start: Start,
    /// Bookmark file (highest archival timestamp written).
    pub bookmark: Option<PathBuf>,
    /// Metadata cache file, so events referencing metadata sent in an earlier session still
    /// resolve. Default: next to the bookmark (`<bookmark>.cache`).
    pub cache_file: Option<PathBuf>,
    /// Add the `@computed` view (resolved names, event time) to every record.
    pub computed: bool,
    /// Stop after this many event (non-metadata) records.
    pub max_events: Option<u64>,
    /// Stop when nothing arrives for this long.
    pub idle_exit: Option<Duration>,
    /// TCP + TLS connect timeout.
    pub connect_timeout: Duration,
}

impl ClientOptions {
    /// eNcore-like defaults for a server and identity.
    pub fn new(server: impl Into<String>, identity: ClientIdentity) -> Self {
        ClientOptions {
            server: server.into(),
            identity,
            tls: ClientTlsOptions::default(),
            flags: flags::ENCORE_DEFAULT,
            events: ENCORE_5_2_11_EVENTS.to_vec(),
            ack: AckPolicy::EveryMessage,
            start: Start::Bookmark,
            bookmark: None,
            cache_file: None,
            computed: true,
            max_events: None,
            idle_exit: None,
            connect_timeout: Duration::from_secs(10),
        }
    }
}

/// What a run did.
#[derive(Debug, Clone, Default)]
pub struct ClientSummary {
    /// Records written, by record type.
    pub by_type: BTreeMap<u32, u64>,
    /// Event (non-metadata) records written.
    pub events: u64,
    /// All records written.
    pub records: u64,
    /// Records skipped because their framing was corrupt.
    pub corrupt: u64,
    /// Records that did not fit their layout exactly (decoded as far as possible).
    pub layout_issues: u64,
    /// Highest archival timestamp written.
    pub max_archive_ts: u32,
    /// Bundles received.
    pub bundles: u64,
    /// Error messages received from the server.
    pub server_errors: u64,
}

fn split_host_port(s: &str) -> Option<(String, u16)> {
    let (host, port) = s.rsplit_once(':')?;
    let port = port.parse().ok()?;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if host.is_empty() {
        return None;
    }
    Some((host.to_string(), port))
}

/// Connect, stream and write records to `sink` until `max_events`, `idle_exit`, the server
/// closing, or `shutdown`. The bookmark is saved after the sink was flushed, so it never runs
/// ahead of the output.
pub async fn run(
    opts: &ClientOptions,
    sink: &mut dyn Sink,
    shutdown: CancellationToken,
) -> Result<ClientSummary, ClientError> {
    let server = opts.server.clone();
    let (host, port) = split_host_port(&server).ok_or_else(|| ClientError::Address(server.clone()))?;
    let bookmark = match (&opts.bookmark, opts.start) {
        (Some(p), _) => bookmark::load(p).map_err(|source| ClientError::Bookmark { path: p.clone(), source })?,
        (None, _) => 0,
    };
    let initial_timestamp = match opts.start {
        Start::Oldest => TIMESTAMP_OLDEST,
        Start::Now => TIMESTAMP_NOW,
        Start::Bookmark => bookmark,
    };
    let cache_path = opts.cache_file.clone().or_else(|| opts.bookmark.as_ref().map(|b| b.with_extension("cache")));
    let mut cache = match &cache_path {
        Some(p) => bookmark::load_cache(p).map_err(|reason| ClientError::Cache { path: p.clone(), reason })?,
        None => MetadataCache::new(),
    };
    let mut cache_dirty = false;
    let tls_cfg = estreamer_pki::client_config(&opts.identity, &opts.tls)?;
    let name = match host.parse::<IpAddr>() {
        Ok(ip) => ServerName::IpAddress(ip.into()),
        Err(_) => ServerName::try_from(host.clone()).map_err(|_| ClientError::Address(server.clone()))?,
    };
    let connect = async {
        let tcp = TcpStream::connect((host.as_str(), port))
            .await
            .map_err(|e| ClientError::Connect { server: server.clone(), reason: e.to_string() })?;
        let _ = tcp.set_nodelay(true);
        TlsConnector::from(Arc::clone(&tls_cfg))
            .connect(name, tcp)
            .await
            .map_err(|e| ClientError::Tls { server: server.clone(), reason: e.to_string() })
    };
    let tls = tokio::time::timeout(opts.connect_timeout, connect)
        .await
        .map_err(|_| ClientError::Connect { server: server.clone(), reason: "timed out".into() })??;
    info!(%server, ts = initial_timestamp, flags = format_args!("{:#010x}", opts.flags), "connected");

    let clock = tokio::time::Instant::now();
    let now = || clock.elapsed().as_millis() as u64;
    let mut session = ClientSession::new(
        ClientConfig {
            initial_timestamp,
            flags: opts.flags,
            events: opts.events.clone(),
            ack: opts.ack,
            ..ClientConfig::default()
        },
        now(),
    );
    let (mut rd, mut wr) = tokio::io::split(tls);
    let mut sum = ClientSummary { max_archive_ts: bookmark, ..Default::default() };
    let mut saved_ts = bookmark;
    let mut stats = IssueStats::default();
    let mut buf = vec![0u8; 64 * 1024];
    let mut received_any = false;
    let mut last_record = tokio::time::Instant::now();
    let mut failed: Option<ClientError> = None;
    let io = |source| ClientError::Io { server: server.clone(), source };

    let result: Result<(), ClientError> = async {
        loop {
            // Drain events first so acks (released by poll_event) follow processing.
            let mut done = false;
            while let Some(ev) = session.poll_event() {
                match ev {
                    ClientEvent::Record(ed) => {
                        let (ts, ck) = ed.archive.unwrap_or((0, 0));
                        let mut d =
                            decode_record(RecordHead { record_type: ed.record_type, archive_ts: ts, checksum: ck }, &ed.body);
                        cache_dirty |= cache.learn(&d.value);
                        if opts.computed {
                            decorate(&mut d.value, &cache);
                        }
                        sum.layout_issues += d.issues.len() as u64;
                        for issue in stats.note(&d.issues) {
                            warn!(%issue, "record does not fit its layout; decoded as far as possible (warned once per kind)");
                        }
                        sink.write_record(&d.value).map_err(ClientError::Output)?;
                        sum.records += 1;
                        last_record = tokio::time::Instant::now();
                        *sum.by_type.entry(ed.record_type).or_default() += 1;
                        let is_meta = estreamer_wire::schema::catalog::is_metadata(ed.record_type);
                        if !is_meta {
                            sum.events += 1;
                        }
                        sum.max_archive_ts = sum.max_archive_ts.max(ts);
                        if opts.max_events.is_some_and(|m| sum.events >= m) {
                            done = true;
                            break;
                        }
                    }
                    ClientEvent::CorruptRecord(e) => {
                        sum.corrupt += 1;
                        warn!(error = %e, "corrupt record skipped");
                    }
                    ClientEvent::ServerError(e) => {
                        sum.server_errors += 1;
                        warn!(code = e.code, text = %e.text_lossy(), "server sent an Error");
                    }
                    ClientEvent::StreamingInformation(s) => debug!(services = s.len(), "streaming information"),
                    ClientEvent::Keepalive => debug!("keepalive"),
                    ClientEvent::Host { .. } | ClientEvent::HostsEnd => debug!("host data"),
                    ClientEvent::Unknown(t) => warn!(msg_type = t, "unknown message type acked and ignored"),
                    ClientEvent::Frame(_) => {}
                }
            }
            // Output first, then the bookmark: a crash between the two re-sends, never loses.
            sink.flush().map_err(ClientError::Output)?;
            let pending_failure = failed.take();
            if cache_dirty {
                if let Some(p) = &cache_path {
                    bookmark::save_cache(p, &cache).map_err(|reason| ClientError::Cache { path: p.clone(), reason })?;
                }
                cache_dirty = false;
            }
            if sum.max_archive_ts > saved_ts {
                if let Some(p) = &opts.bookmark {
                    bookmark::save(p, sum.max_archive_ts).map_err(|source| ClientError::Bookmark { path: p.clone(), source })?;
                }
                saved_ts = sum.max_archive_ts;
            }
            if let Some(e) = pending_failure {
                return Err(e);
            }
            while let Some(bytes) = session.poll_transmit() {
                wr.write_all(&bytes).await.map_err(io)?;
            }
            wr.flush().await.map_err(io)?;
            if done {
                return Ok(());
            }
            // Idle means "no record", not "no bytes": keepalives do not keep a client alive.
            let read = async {
                match opts.idle_exit {
                    Some(idle) => tokio::time::timeout_at(last_record + idle, rd.read(&mut buf)).await,
                    None => Ok(rd.read(&mut buf).await),
                }
            };
            tokio::select! {
                _ = shutdown.cancelled() => return Ok(()),
                r = read => match r {
                    Err(_) => {
                        info!("no record for the idle limit; stopping");
                        return Ok(());
                    }
                    Ok(Ok(0)) if !received_any => return Err(ClientError::ClosedEarly { server: server.clone() }),
                    Ok(Ok(0)) => {
                        info!("server closed the connection");
                        return Ok(());
                    }
                    Ok(Ok(n)) => {
                        received_any = true;
                        // Records that arrived before the bad message are still written (next turn
                        // of the loop), then the error ends the session.
                        if let Err(source) = session.receive(&buf[..n], now()) {
                            failed = Some(ClientError::Protocol { server: server.clone(), source });
                        }
                    }
                    // Before any byte arrived, a reset or a close without close_notify is the
                    // server refusing us after the handshake, like a plain close.
                    Ok(Err(e)) if !received_any => {
                        debug!(error = %e, "connection ended before any message");
                        return Err(ClientError::ClosedEarly { server: server.clone() });
                    }
                    Ok(Err(e)) => return Err(io(e)),
                },
            }
        }
    }
    .await;
    sum.bundles = session.bundles;
    if result.is_ok() {
        // A polite goodbye (PROTOCOL.md §11.1): Error −1, then close.
        let bye = Message::Error(ErrorMessage::new(-1, "client closing"));
        if let Ok(b) = bye.to_bytes() {
            let _ = tokio::time::timeout(Duration::from_secs(1), wr.write_all(&b)).await;
        }
        let _ = tokio::time::timeout(Duration::from_secs(1), wr.shutdown()).await;
    }
    result.map(|()| sum)
}
