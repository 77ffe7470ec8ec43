//! TCP: newline-delimited messages, or RFC 6587 octet-counted syslog frames (the framing comes
//! from the formatter).
//!
//! Messages collect in a bounded window (`buffer_bytes`). The window is sent at every flush, or
//! earlier when the next message would not fit (so memory never exceeds the window plus one
//! message). Sending blocks the caller while the peer is slow: back-pressure, not backlog.
//!
//! **Reconnects**: before sending, the sink checks that the peer has not closed the connection;
//! if it has, or a write fails, it reconnects with capped exponential backoff (with jitter) and
//! sends the whole window again from its first byte. Delivery is therefore at least once: the
//! peer may see up to one window twice. Bytes of an earlier, already sent window that the
//! kernel had accepted but the peer never read are lost if the peer goes away (TCP gives no
//! receipt); flushing often keeps that short.

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::time::Duration;

use super::backoff::Backoff;
use super::{FlushPosition, Sink, SinkStats};
use crate::{OutputError, RecordFacts};

/// TCP sink settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TcpConfig {
    /// `HOST:PORT`.
    pub addr: String,
    /// Window size in bytes (default 1 MiB).
    pub buffer_bytes: usize,
    /// Connect timeout per attempt.
    pub connect_timeout: Duration,
    /// A write that makes no progress this long counts as a broken connection.
    pub write_timeout: Duration,
    /// First reconnect delay.
    pub backoff_initial: Duration,
    /// Largest reconnect delay.
    pub backoff_max: Duration,
    /// Connection attempts per send before giving up with an error.
    pub attempts: u32,
}

impl TcpConfig {
    /// Defaults: 1 MiB window, 5 s connect timeout, 60 s write timeout, backoff 100 ms … 30 s,
    /// 30 attempts.
    pub fn new(addr: impl Into<String>) -> TcpConfig {
        TcpConfig {
            addr: addr.into(),
            buffer_bytes: 1 << 20,
            connect_timeout: Duration::from_secs(5),
            write_timeout: Duration::from_secs(60),
            backoff_initial: Duration::from_millis(100),
            backoff_max: Duration::from_secs(30),
            attempts: 30,
        }
    }
}

/// Writes framed messages to a TCP peer; see the module documentation.
pub struct TcpSink {
    config: TcpConfig,
    stream: Option<TcpStream>,
    window: Vec<u8>,
    stats: SinkStats,
    connected_once: bool,
}

impl TcpSink {
    /// Connects lazily, at the first send.
    pub fn new(config: TcpConfig) -> TcpSink {
        let cap = config.buffer_bytes.min(1 << 20);
        TcpSink {
            config,
            stream: None,
            window: Vec::with_capacity(cap),
            stats: SinkStats::default(),
            connected_once: false,
        }
    }

    /// Bytes waiting in the window (never more than `buffer_bytes` plus one message).
    pub fn buffered_bytes(&self) -> usize {
        self.window.len()
    }

    fn net_err(&self, action: &'static str, source: std::io::Error) -> OutputError {
        OutputError::Network { kind: "tcp", addr: self.config.addr.clone(), action, source }
    }

    fn connect(&self) -> std::io::Result<TcpStream> {
        let addrs: Vec<SocketAddr> = self.config.addr.to_socket_addrs()?.collect();
        let mut last = std::io::Error::new(ErrorKind::NotFound, "the name resolved to no address");
        for a in addrs {
            match TcpStream::connect_timeout(&a, self.config.connect_timeout) {
                Ok(s) => {
                    s.set_nodelay(true)?;
                    s.set_write_timeout(Some(self.config.write_timeout))?;
                    return Ok(s);
                }
                Err(e) => last = e,
            }
        }
        Err(last)
    }

    /// Send the whole window, reconnecting (and resending it all) until it went through.
    fn send_window(&mut self) -> Result<(), OutputError> {
        if self.window.is_empty() {
            return Ok(());
        }
        let mut backoff = Backoff::new(self.config.backoff_initial, self.config.backoff_max);
        let mut attempts = 0u32;
        loop {
            if self.stream.as_ref().is_some_and(peer_closed) {
                self.stream = None;
            }
            let result = match self.stream.as_mut() {
                Some(s) => s.write_all(&self.window).and_then(|()| s.flush()).map_err(|e| ("sending", e)),
                None => match self.connect() {
                    Ok(s) => {
                        if self.connected_once {
                            self.stats.reconnects += 1;
                        }
                        self.connected_once = true;
                        self.stream = Some(s);
                        continue;
                    }
                    Err(e) => Err(("connecting", e)),
                },
            };
            match result {
                Ok(()) => {
                    self.window.clear();
                    return Ok(());
                }
                Err((action, e)) => {
                    self.stream = None;
                    attempts += 1;
                    if attempts >= self.config.attempts.max(1) {
                        return Err(self.net_err(action, e));
                    }
                    std::thread::sleep(backoff.next_delay());
                }
            }
        }
    }
}

/// Whether the peer closed its end (EOF or an error pending). Syslog receivers send nothing, so
/// any bytes that arrive are read and ignored.
fn peer_closed(s: &TcpStream) -> bool {
    if s.set_nonblocking(true).is_err() {
        return true;
    }
    let mut buf = [0u8; 512];
    let mut closed = false;
    for _ in 0..64 {
        match (&*s).read(&mut buf) {
            Ok(0) => {
                closed = true;
                break;
            }
            Ok(_) => continue,
            Err(e) if e.kind() == ErrorKind::WouldBlock => break,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(_) => {
                closed = true;
                break;
            }
        }
    }
    closed || s.set_nonblocking(false).is_err()
}

impl Sink for TcpSink {
    fn write(&mut self, _facts: &RecordFacts, message: &[u8]) -> Result<(), OutputError> {
        if !self.window.is_empty() && self.window.len() + message.len() > self.config.buffer_bytes {
            self.send_window()?;
        }
        self.window.extend_from_slice(message);
        self.stats.records += 1;
        self.stats.bytes += message.len() as u64;
        if self.window.len() >= self.config.buffer_bytes {
            self.send_window()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<FlushPosition, OutputError> {
        self.send_window()?;
        self.stats.flushed_records = self.stats.records;
        Ok(FlushPosition::Delivered { records: self.stats.records })
    }

    fn stats(&self) -> SinkStats {
        self.stats.clone()
    }
}
