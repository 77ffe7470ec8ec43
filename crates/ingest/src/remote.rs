//! The producer side over the network: a blocking client of the ingest endpoint (TLS with a
//! sensor certificate, or a Unix socket) that pipelines batches, reconnects and resumes.
//!
//! Resume: every batch stays in memory until its ACK. After a reconnect the WELCOME names the
//! producer's last durable batch; the unacknowledged batches up to it are durable (counted as
//! acknowledged), the others are sent again with the same seqs, and the service stores each
//! batch once whatever happened to the connection.

use std::collections::VecDeque;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rustls::pki_types::ServerName;

use crate::batch::Batch;
use crate::proto::{codes, ProducerEvent, ProducerSession};
use crate::sink::{AckLog, BatchSink, SinkSummary};
use crate::IngestError;

/// Where the service's ingest endpoint is.
#[derive(Clone)]
pub enum Endpoint {
    /// TLS over TCP, with the client configuration holding the sensor certificate.
    Tls {
        /// The endpoint address.
        addr: SocketAddr,
        /// TLS client configuration (sensor certificate and key, the Internal CA).
        config: Arc<rustls::ClientConfig>,
    },
    /// A local Unix socket.
    Unix(PathBuf),
}

impl std::fmt::Display for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Endpoint::Tls { addr, .. } => write!(f, "{addr}"),
            Endpoint::Unix(p) => write!(f, "unix:{}", p.display()),
        }
    }
}

/// Settings of a [`RemoteSink`].
#[derive(Clone)]
pub struct RemoteOptions {
    /// The service.
    pub endpoint: Endpoint,
    /// This producer's id.
    pub producer: String,
    /// Batches sent ahead of their acknowledgements.
    pub window: usize,
    /// How long to keep trying to reach the service after a failure before giving up.
    pub reconnect_for: Duration,
    /// How long to wait for an acknowledgement before taking the connection for dead.
    pub ack_timeout: Duration,
    /// Log of acknowledged batches.
    pub ack_log: Option<PathBuf>,
}

impl RemoteOptions {
    /// Defaults: window 8, reconnect for 60 s, 60 s per acknowledgement, no ack log.
    pub fn new(endpoint: Endpoint, producer: &str) -> Self {
        RemoteOptions {
            endpoint,
            producer: producer.to_owned(),
            window: 8,
            reconnect_for: Duration::from_secs(60),
            ack_timeout: Duration::from_secs(60),
            ack_log: None,
        }
    }
}

trait Stream: Read + Write + Send {}
impl<T: Read + Write + Send> Stream for T {}

struct Conn {
    io: Box<dyn Stream>,
    session: ProducerSession,
}

/// A producer's connection to a running service (see the module docs).
pub struct RemoteSink {
    opts: RemoteOptions,
    conn: Option<Conn>,
    /// Sent (or to be resent), not yet acknowledged, in seq order.
    unacked: VecDeque<Batch>,
    resume: u64,
    summary: SinkSummary,
    acks: Option<AckLog>,
}

impl RemoteSink {
    /// Connect (trying for `reconnect_for`) and learn the producer's last durable batch.
    pub fn connect(opts: RemoteOptions) -> Result<Self, IngestError> {
        crate::check_producer_id(&opts.producer)?;
        let acks = opts.ack_log.as_deref().map(AckLog::open).transpose()?;
        let mut sink =
            RemoteSink { opts, conn: None, unacked: VecDeque::new(), resume: 0, summary: SinkSummary::default(), acks };
        sink.resume = sink.reconnect()?;
        sink.summary.reconnects = 0;
        Ok(sink)
    }

    /// One connection attempt: connect, HELLO, wait for WELCOME. Returns the last durable batch.
    fn open(&mut self) -> Result<u64, IngestError> {
        let ep = self.opts.endpoint.to_string();
        let mut io: Box<dyn Stream> = match &self.opts.endpoint {
            Endpoint::Tls { addr, config } => {
                let tcp = TcpStream::connect_timeout(addr, Duration::from_secs(10))
                    .map_err(|e| IngestError::io(format!("connecting to {addr}"), e))?;
                let _ = tcp.set_nodelay(true);
                tcp.set_read_timeout(Some(self.opts.ack_timeout))
                    .map_err(|e| IngestError::io(format!("configuring the connection to {addr}"), e))?;
                let name = ServerName::IpAddress(addr.ip().into());
                let tls = rustls::ClientConnection::new(Arc::clone(config), name)
                    .map_err(|source| IngestError::Tls { endpoint: ep.clone(), source })?;
                Box::new(rustls::StreamOwned::new(tls, tcp))
            }
            Endpoint::Unix(path) => {
                let s = std::os::unix::net::UnixStream::connect(path)
                    .map_err(|e| IngestError::io(format!("connecting to {}", path.display()), e))?;
                s.set_read_timeout(Some(self.opts.ack_timeout))
                    .map_err(|e| IngestError::io(format!("configuring {}", path.display()), e))?;
                Box::new(s)
            }
        };
        let mut session = ProducerSession::new(&self.opts.producer);
        io.write_all(&session.take_output())
            .and_then(|()| io.flush())
            .map_err(|e| IngestError::io(format!("sending HELLO to {ep}"), e))?;
        let mut conn = Conn { io, session };
        match read_event(&mut conn, &ep)? {
            ProducerEvent::Welcome { last_batch, .. } => {
                self.conn = Some(conn);
                Ok(last_batch)
            }
            ProducerEvent::Refused { code, batch, text } => Err(IngestError::Refused { code, batch, text }),
            ProducerEvent::Ack(_) => {
                Err(IngestError::Refused { code: codes::UNEXPECTED, batch: 0, text: "an ACK before WELCOME".into() })
            }
        }
    }

    /// Connect again until it works or `reconnect_for` runs out; then settle the
    /// unacknowledged batches the WELCOME shows durable and send the others again.
    fn reconnect(&mut self) -> Result<u64, IngestError> {
        self.conn = None;
        let started = Instant::now();
        let mut backoff = Duration::from_millis(50);
        let last = loop {
            match self.open() {
                Ok(last) => break last,
                Err(e) if !retryable(&e) => return Err(e),
                Err(e) => {
                    if started.elapsed() >= self.opts.reconnect_for {
                        return Err(IngestError::Unreachable {
                            endpoint: self.opts.endpoint.to_string(),
                            secs: self.opts.reconnect_for.as_secs(),
                            last: Box::new(e),
                        });
                    }
                    tracing::debug!(error = %e, "ingest endpoint not reachable yet; retrying");
                    std::thread::sleep(backoff);
                    backoff = (backoff * 2).min(Duration::from_secs(1));
                }
            }
        };
        self.summary.reconnects += 1;
        while self.unacked.front().is_some_and(|b| b.seq <= last) {
            let b = self.unacked.pop_front().expect("checked");
            self.settle(&b, false)?;
        }
        let conn = self.conn.as_mut().expect("connected");
        for b in &self.unacked {
            conn.session.send(b);
        }
        let out = conn.session.take_output();
        let ep = self.opts.endpoint.to_string();
        conn.io
            .write_all(&out)
            .and_then(|()| conn.io.flush())
            .map_err(|e| IngestError::io(format!("resending to {ep}"), e))?;
        Ok(last)
    }

    fn settle(&mut self, batch: &Batch, already_stored: bool) -> Result<(), IngestError> {
        if already_stored {
            self.summary.batches_already_stored += 1;
            self.summary.records_already_stored += batch.records.len() as u64;
        } else {
            self.summary.batches_stored += 1;
            self.summary.records_stored += batch.records.len() as u64;
        }
        if let Some(log) = self.acks.as_mut() {
            log.acked(&self.opts.producer, batch, already_stored)?;
        }
        Ok(())
    }

    /// Wait for one acknowledgement (reconnecting as needed).
    fn await_ack(&mut self) -> Result<(), IngestError> {
        loop {
            let ep = self.opts.endpoint.to_string();
            let Some(conn) = self.conn.as_mut() else {
                self.reconnect()?;
                continue;
            };
            match read_event(conn, &ep) {
                Ok(ProducerEvent::Ack(a)) => {
                    let Some(front) = self.unacked.front() else {
                        return Err(IngestError::Refused {
                            code: 0,
                            batch: a.batch,
                            text: "ACK for nothing sent".into(),
                        });
                    };
                    if a.batch != front.seq {
                        return Err(IngestError::Refused {
                            code: 0,
                            batch: a.batch,
                            text: format!("ACK out of order (expected batch {})", front.seq),
                        });
                    }
                    let b = self.unacked.pop_front().expect("checked");
                    return self.settle(&b, a.already_stored);
                }
                Ok(ProducerEvent::Refused { code, batch, text }) => {
                    let e = IngestError::Refused { code, batch, text };
                    if !retryable(&e) {
                        return Err(e);
                    }
                    tracing::warn!(error = %e, "the service closed the connection; reconnecting");
                    self.reconnect()?;
                }
                Ok(ProducerEvent::Welcome { .. }) => {
                    return Err(IngestError::Refused { code: 0, batch: 0, text: "a second WELCOME".into() })
                }
                Err(e) => {
                    tracing::warn!(error = %e, "connection to the ingest endpoint lost; reconnecting");
                    self.reconnect()?;
                }
            }
        }
    }
}

/// Whether reconnecting may help.
fn retryable(e: &IngestError) -> bool {
    match e {
        IngestError::Io { .. } | IngestError::Tls { .. } | IngestError::Frame(_) => true,
        IngestError::Refused { code, .. } => *code == codes::STORE || *code == codes::SHUTDOWN,
        _ => false,
    }
}

/// Read until the session yields an event.
fn read_event(conn: &mut Conn, ep: &str) -> Result<ProducerEvent, IngestError> {
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        if let Some(ev) = conn.session.poll()? {
            return Ok(ev);
        }
        let n = conn.io.read(&mut buf).map_err(|e| IngestError::io(format!("reading from {ep}"), e))?;
        if n == 0 {
            return Err(IngestError::io(
                format!("reading from {ep}"),
                std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "the service closed the connection"),
            ));
        }
        conn.session.receive(&buf[..n]);
    }
}

impl BatchSink for RemoteSink {
    fn resume_after(&self) -> u64 {
        self.resume
    }

    fn send(&mut self, batch: Batch) -> Result<(), IngestError> {
        if batch.seq <= self.resume {
            self.summary.batches_already_stored += 1;
            self.summary.records_already_stored += batch.records.len() as u64;
            return Ok(());
        }
        while self.unacked.len() >= self.opts.window.max(1) {
            self.await_ack()?;
        }
        let ep = self.opts.endpoint.to_string();
        let sent = match self.conn.as_mut() {
            Some(conn) => {
                conn.session.send(&batch);
                let out = conn.session.take_output();
                conn.io.write_all(&out).and_then(|()| conn.io.flush())
            }
            None => Ok(()),
        };
        self.unacked.push_back(batch);
        if let Err(e) = sent {
            tracing::warn!(error = %e, endpoint = %ep, "sending a batch failed; reconnecting");
            // Resends everything unacknowledged, this batch included.
            self.reconnect()?;
        }
        Ok(())
    }

    fn finish(&mut self) -> Result<SinkSummary, IngestError> {
        while !self.unacked.is_empty() {
            self.await_ack()?;
        }
        // Every batch is acknowledged: closing the connection loses nothing.
        self.conn = None;
        Ok(self.summary.clone())
    }
}
