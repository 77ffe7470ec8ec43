//! Health: per-server counters, their Prometheus text, a tiny HTTP responder for `--metrics`,
//! and the progress line on a terminal.
//!
//! | metric | type | meaning |
//! |---|---|---|
//! | `estreamer_client_records_total{server,type}` | counter | records delivered, by record type |
//! | `estreamer_client_output_bytes_total{server}` | counter | bytes handed to the output |
//! | `estreamer_client_decode_warnings_total{server}` | counter | records that did not fit their layout |
//! | `estreamer_client_corrupt_records_total{server}` | counter | records skipped because their framing was bad |
//! | `estreamer_client_duplicates_skipped_total{server}` | counter | re-sent records of the boundary second skipped on resume |
//! | `estreamer_client_server_errors_total{server}` | counter | Error messages received |
//! | `estreamer_client_reconnects_total{server}` | counter | connection attempts after the first |
//! | `estreamer_client_connected{server}` | gauge | 1 while a session is streaming |
//! | `estreamer_client_newest_archive_timestamp_seconds{server}` | gauge | newest archival time seen |
//! | `estreamer_client_lag_seconds{server}` | gauge | now − newest archival time seen (0 before any) |
//! | `estreamer_client_sink_pending_records{server}` | gauge | records written but not yet flushed (the sink's queue) |
//! | `estreamer_client_sink_flushes_total{server}` | counter | flushes (each followed by a bookmark save) |

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

/// Counters of one server (shared with the metrics endpoint and the progress line).
#[derive(Debug, Default)]
pub struct ServerMetrics {
    /// Server name (the `server` label).
    pub name: String,
    by_type: Mutex<BTreeMap<u32, u64>>,
    /// Records delivered.
    pub records: AtomicU64,
    /// Bytes handed to the output.
    pub bytes: AtomicU64,
    /// Layout mismatches.
    pub decode_warnings: AtomicU64,
    /// Corrupt records skipped.
    pub corrupt: AtomicU64,
    /// Duplicates skipped on resume.
    pub skipped: AtomicU64,
    /// Error messages received.
    pub server_errors: AtomicU64,
    /// Reconnection attempts.
    pub reconnects: AtomicU64,
    /// 1 while streaming.
    pub connected: AtomicU64,
    /// Newest archival timestamp seen.
    pub newest_ts: AtomicU64,
    /// Records not yet flushed.
    pub pending: AtomicU64,
    /// Flushes done.
    pub flushes: AtomicU64,
}

impl ServerMetrics {
    /// Counters for a server called `name`.
    pub fn new(name: impl Into<String>) -> ServerMetrics {
        ServerMetrics { name: name.into(), ..Default::default() }
    }

    /// A record of `record_type` (archival time `ts`, `bytes` long) was delivered.
    pub fn delivered(&self, record_type: u32, ts: u32, bytes: usize) {
        self.records.fetch_add(1, Relaxed);
        self.bytes.fetch_add(bytes as u64, Relaxed);
        self.newest_ts.fetch_max(u64::from(ts), Relaxed);
        if let Ok(mut m) = self.by_type.lock() {
            *m.entry(record_type).or_default() += 1;
        }
    }

    /// Seconds behind the newest archival time seen (0 before any record).
    pub fn lag_seconds(&self) -> u64 {
        let newest = self.newest_ts.load(Relaxed);
        if newest == 0 {
            return 0;
        }
        unix_now().saturating_sub(newest)
    }
}

fn unix_now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// A metric with one value per server: name, type, help, getter.
type Gauge = (&'static str, &'static str, &'static str, fn(&ServerMetrics) -> u64);

/// Every server's counters.
#[derive(Debug, Default)]
pub struct Metrics {
    servers: Mutex<Vec<Arc<ServerMetrics>>>,
}

impl Metrics {
    /// No servers yet.
    pub fn new() -> Arc<Metrics> {
        Arc::new(Metrics::default())
    }

    /// Register a server and get its counters.
    pub fn server(&self, name: &str) -> Arc<ServerMetrics> {
        let m = Arc::new(ServerMetrics::new(name));
        if let Ok(mut v) = self.servers.lock() {
            v.push(Arc::clone(&m));
        }
        m
    }

    fn all(&self) -> Vec<Arc<ServerMetrics>> {
        self.servers.lock().map(|v| v.clone()).unwrap_or_default()
    }

    /// Prometheus text exposition format (version 0.0.4).
    pub fn render(&self) -> String {
        let servers = self.all();
        let mut out = String::new();
        let label = |s: &ServerMetrics| s.name.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n");
        out.push_str("# HELP estreamer_client_records_total Records delivered to the output, by record type.\n");
        out.push_str("# TYPE estreamer_client_records_total counter\n");
        for s in &servers {
            let by_type = s.by_type.lock().map(|m| m.clone()).unwrap_or_default();
            for (t, n) in by_type {
                let _ = writeln!(out, "estreamer_client_records_total{{server=\"{}\",type=\"{t}\"}} {n}", label(s));
            }
        }
        let simple: [Gauge; 11] = [
            ("output_bytes_total", "counter", "Bytes handed to the output.", |s| s.bytes.load(Relaxed)),
            ("decode_warnings_total", "counter", "Records that did not fit their layout.", |s| {
                s.decode_warnings.load(Relaxed)
            }),
            ("corrupt_records_total", "counter", "Records skipped because their framing was bad.", |s| {
                s.corrupt.load(Relaxed)
            }),
            ("duplicates_skipped_total", "counter", "Re-sent records of the boundary second skipped on resume.", |s| {
                s.skipped.load(Relaxed)
            }),
            ("server_errors_total", "counter", "Error messages received from the server.", |s| {
                s.server_errors.load(Relaxed)
            }),
            ("reconnects_total", "counter", "Connection attempts after the first.", |s| s.reconnects.load(Relaxed)),
            ("connected", "gauge", "1 while a session is streaming.", |s| s.connected.load(Relaxed)),
            ("newest_archive_timestamp_seconds", "gauge", "Newest archival timestamp seen.", |s| {
                s.newest_ts.load(Relaxed)
            }),
            ("lag_seconds", "gauge", "Seconds between now and the newest archival timestamp seen.", |s| {
                s.lag_seconds()
            }),
            ("sink_pending_records", "gauge", "Records written to the output but not flushed yet.", |s| {
                s.pending.load(Relaxed)
            }),
            ("sink_flushes_total", "counter", "Output flushes (each followed by a bookmark save).", |s| {
                s.flushes.load(Relaxed)
            }),
        ];
        for (name, kind, help, get) in simple {
            let _ = writeln!(out, "# HELP estreamer_client_{name} {help}\n# TYPE estreamer_client_{name} {kind}");
            for s in &servers {
                let _ = writeln!(out, "estreamer_client_{name}{{server=\"{}\"}} {}", label(s), get(s));
            }
        }
        out
    }

    /// One progress line for a terminal: records, rate since the last call, lag.
    pub fn progress_line(&self, last: &mut BTreeMap<String, u64>, every: Duration) -> Option<String> {
        let mut parts = Vec::new();
        let mut busy = false;
        for s in self.all() {
            let n = s.records.load(Relaxed);
            let before = last.insert(s.name.clone(), n).unwrap_or(n);
            let rate = (n - before) as f64 / every.as_secs_f64().max(0.001);
            let lag = s.lag_seconds();
            busy |= n > before || lag > 60;
            parts.push(format!("{}: {n} records, {rate:.0}/s, lag {}", s.name, human_secs(lag)));
        }
        busy.then(|| parts.join(" | "))
    }
}

fn human_secs(s: u64) -> String {
    match s {
        0..=119 => format!("{s}s"),
        120..=7199 => format!("{}m", s / 60),
        7200..=172_799 => format!("{}h", s / 3600),
        _ => format!("{}d", s / 86_400),
    }
}

/// Serve `GET /metrics` (Prometheus text) on `listener` until `stop`. Anything else gets 404.
pub async fn serve_metrics(listener: TcpListener, metrics: Arc<Metrics>, stop: CancellationToken) {
    loop {
        let (mut sock, _) = tokio::select! {
            _ = stop.cancelled() => return,
            a = listener.accept() => match a {
                Ok(a) => a,
                Err(e) => {
                    tracing::warn!(error = %e, "metrics: accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        let metrics = Arc::clone(&metrics);
        tokio::spawn(async move {
            let mut req = Vec::with_capacity(1024);
            let mut buf = [0u8; 1024];
            let read = async {
                while !req.windows(4).any(|w| w == b"\r\n\r\n") && req.len() < 8192 {
                    match sock.read(&mut buf).await {
                        Ok(0) | Err(_) => break,
                        Ok(n) => req.extend_from_slice(&buf[..n]),
                    }
                }
            };
            if tokio::time::timeout(Duration::from_secs(5), read).await.is_err() {
                return;
            }
            let line = String::from_utf8_lossy(&req);
            let first = line.lines().next().unwrap_or("");
            let mut words = first.split_whitespace();
            let (method, path) = (words.next().unwrap_or(""), words.next().unwrap_or(""));
            let (status, ctype, body) = if method == "GET" && (path == "/metrics" || path.starts_with("/metrics?")) {
                ("200 OK", "text/plain; version=0.0.4; charset=utf-8", metrics.render())
            } else {
                ("404 Not Found", "text/plain; charset=utf-8", "try GET /metrics\n".to_string())
            };
            let head = format!(
                "HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = sock.write_all(head.as_bytes()).await;
            let _ = sock.write_all(body.as_bytes()).await;
            let _ = sock.shutdown().await;
        });
    }
}

/// Bind `addr` and serve metrics on a thread of its own; returns the bound address.
pub fn spawn_metrics_server(
    addr: &str,
    metrics: Arc<Metrics>,
    stop: CancellationToken,
) -> Result<SocketAddr, std::io::Error> {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let listener = rt.block_on(TcpListener::bind(addr))?;
    let local = listener.local_addr()?;
    std::thread::Builder::new().name("metrics".into()).spawn(move || {
        rt.block_on(serve_metrics(listener, metrics, stop));
    })?;
    Ok(local)
}

/// Print a progress line on stderr every second while records flow or the stream lags
/// (call only when stderr is a terminal). Ends at `stop`.
pub fn spawn_progress(metrics: Arc<Metrics>, stop: CancellationToken) {
    let _ = std::thread::Builder::new().name("progress".into()).spawn(move || {
        let every = Duration::from_secs(1);
        let mut last = BTreeMap::new();
        let mut shown = false;
        while !stop.is_cancelled() {
            std::thread::sleep(every);
            match metrics.progress_line(&mut last, every) {
                Some(line) => {
                    eprint!("\r\x1b[2K{line}");
                    shown = true;
                }
                None if shown => {
                    eprintln!("\r\x1b[2Kcaught up");
                    shown = false;
                }
                None => {}
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_every_metric_with_server_labels() {
        let m = Metrics::new();
        let a = m.server("fmc-a");
        a.delivered(400, 1_000, 120);
        a.delivered(400, 1_001, 80);
        a.delivered(71, 1_001, 50);
        a.reconnects.fetch_add(2, Relaxed);
        let text = m.render();
        assert!(text.contains("estreamer_client_records_total{server=\"fmc-a\",type=\"400\"} 2"), "{text}");
        assert!(text.contains("estreamer_client_output_bytes_total{server=\"fmc-a\"} 250"));
        assert!(text.contains("estreamer_client_reconnects_total{server=\"fmc-a\"} 2"));
        assert!(text.contains("estreamer_client_newest_archive_timestamp_seconds{server=\"fmc-a\"} 1001"));
        assert!(text.contains("# TYPE estreamer_client_lag_seconds gauge"));
        assert!(a.lag_seconds() > 1_000_000, "an old archival time is far behind now");
    }
}
