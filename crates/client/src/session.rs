//! One connection: drive the sans-io [`ClientSession`] over a TLS stream, hand records and
//! frames to the [`Delivery`], flush on its schedule, and say how the session ended.

use std::sync::atomic::Ordering::Relaxed;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use estreamer_wire::session::{ClientConfig, ClientEvent, ClientSession};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::Instant;
use tokio_rustls::client::TlsStream;
use tokio_util::sync::CancellationToken;
use tracing::{debug, info, warn};

use crate::delivery::Delivery;
use crate::error::{ClientError, TlsFailure};
use crate::ClientOptions;

/// How a session ended.
pub(crate) enum SessionEnd {
    /// The run is over: `--max-events` reached, `--idle-exit`, or shutdown.
    Done,
    /// The connection is gone; `streamed` says whether any message arrived on it.
    Lost {
        /// Why.
        error: ClientError,
        /// Whether the server sent anything on this connection.
        streamed: bool,
    },
}

enum Wake {
    Shutdown,
    Idle,
    Flush,
    SessionTimer,
    Read(std::io::Result<usize>),
}

async fn sleep_until_opt(at: Option<Instant>) {
    match at {
        Some(t) => tokio::time::sleep_until(t).await,
        None => std::future::pending().await,
    }
}

fn unix_us() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_micros() as u64)
}

/// Stream on `tls` from `initial_timestamp` until the run is done or the connection is lost.
/// An `Err` is fatal for the run (output or state files).
pub(crate) async fn stream(
    opts: &ClientOptions,
    tls: TlsStream<TcpStream>,
    d: &mut Delivery,
    initial_timestamp: u32,
    shutdown: &CancellationToken,
    last_record: &mut Instant,
) -> Result<SessionEnd, ClientError> {
    let server = opts.server.clone();
    let clock = Instant::now();
    let now_ms = || clock.elapsed().as_millis() as u64;
    let mut session = ClientSession::new(
        ClientConfig {
            initial_timestamp,
            flags: opts.flags,
            events: opts.events.clone(),
            ack: opts.ack,
            answer_timeout_ms: opts.answer_timeout.as_millis() as u64,
            idle_timeout_ms: opts.dead_after.map(|d| d.as_millis() as u64),
            capture_frames: d.wants_frames(),
            ..ClientConfig::default()
        },
        now_ms(),
    );
    let (mut rd, mut wr) = tokio::io::split(tls);
    let mut buf = vec![0u8; 64 * 1024];
    let mut received_any = false;
    let mut failed: Option<ClientError> = None;
    let metrics = std::sync::Arc::clone(d.metrics());
    let lost = |error, streamed| Ok(SessionEnd::Lost { error, streamed });
    let end = loop {
        // Drain events first, so acks (released by poll_event) follow processing.
        let mut done = false;
        let mut server_error = None;
        // The clock is read once per 256 events, not per record (a bundle holds up to 1024).
        let mut now = Instant::now();
        let mut unclocked = 0u32;
        while let Some(ev) = session.poll_event() {
            unclocked += 1;
            if unclocked == 256 {
                (now, unclocked) = (Instant::now(), 0);
            }
            match ev {
                ClientEvent::Frame(bytes) => d.frame(&bytes, unix_us(), now.into_std())?,
                ClientEvent::Record(ed) => {
                    d.record(ed, now.into_std())?;
                    *last_record = now;
                    if let Some(max) = opts.max_events {
                        if d.reached(max)? {
                            done = true;
                            break;
                        }
                    }
                    // A bundle can hold thousands of records: flush inside it when due.
                    if d.flush_due(now.into_std()) {
                        d.flush()?;
                    }
                }
                ClientEvent::CorruptRecord(e) => {
                    d.corrupt();
                    warn!(%server, error = %e, "corrupt record skipped");
                }
                ClientEvent::ServerError(e) => {
                    d.summary().server_errors += 1;
                    metrics.server_errors.fetch_add(1, Relaxed);
                    let text = e.text_lossy().to_string();
                    warn!(%server, code = e.code, %text, "server sent an Error");
                    server_error = Some(ClientError::ServerError { server: server.clone(), code: e.code, text });
                }
                ClientEvent::StreamingInformation(s) => {
                    debug!(%server, services = s.len(), "streaming information")
                }
                ClientEvent::Keepalive => debug!(%server, "keepalive"),
                ClientEvent::Host { .. } | ClientEvent::HostsEnd => debug!(%server, "host data ignored"),
                ClientEvent::Unknown(t) => warn!(%server, msg_type = t, "unknown message type acked and ignored"),
            }
        }
        let ending = server_error.or_else(|| failed.take());
        if done || ending.is_some() || d.flush_due(std::time::Instant::now()) {
            // Output first, then the bookmark (inside flush).
            d.flush()?;
        }
        if done {
            break Ok(SessionEnd::Done);
        }
        if let Some(e) = ending {
            break lost(e, received_any);
        }
        let mut write_err = None;
        while let Some(bytes) = session.poll_transmit() {
            if let Err(e) = wr.write_all(&bytes).await {
                write_err = Some(e);
                break;
            }
        }
        if let Some(e) = write_err.or(wr.flush().await.err()) {
            d.flush()?;
            break lost(ClientError::Io { server: server.clone(), source: e }, received_any);
        }
        let flush_at = d.deadline().map(Instant::from_std);
        let session_at = session.next_timeout().map(|ms| clock + Duration::from_millis(ms));
        let idle_at = opts.idle_exit.map(|i| *last_record + i);
        let wake = tokio::select! {
            biased;
            _ = shutdown.cancelled() => Wake::Shutdown,
            _ = sleep_until_opt(idle_at) => Wake::Idle,
            _ = sleep_until_opt(flush_at) => Wake::Flush,
            _ = sleep_until_opt(session_at) => Wake::SessionTimer,
            r = rd.read(&mut buf) => Wake::Read(r),
        };
        match wake {
            Wake::Shutdown => {
                d.flush()?;
                break Ok(SessionEnd::Done);
            }
            Wake::Idle => {
                info!(%server, "no record for the idle limit; stopping");
                d.flush()?;
                break Ok(SessionEnd::Done);
            }
            Wake::Flush => {}
            Wake::SessionTimer => {
                if let Err(source) = session.handle_timeout(now_ms()) {
                    d.flush()?;
                    break lost(ClientError::Timeout { server: server.clone(), source }, received_any);
                }
            }
            Wake::Read(Ok(0)) => {
                d.flush()?;
                let error = if received_any {
                    ClientError::Closed { server: server.clone() }
                } else {
                    ClientError::ClosedEarly { server: server.clone() }
                };
                break lost(error, received_any);
            }
            Wake::Read(Ok(n)) => {
                received_any = true;
                metrics.connected.store(1, Relaxed);
                // Records framed before a bad message are still delivered (next turn), then
                // the error ends the session.
                if let Err(source) = session.receive(&buf[..n], now_ms()) {
                    failed = Some(ClientError::Protocol { server: server.clone(), source });
                }
            }
            Wake::Read(Err(e)) => {
                d.flush()?;
                let kind = TlsFailure::of_io(&e);
                let error = if kind != TlsFailure::Other {
                    // TLS 1.3: the server's verdict on our certificate arrives after our handshake.
                    ClientError::Tls { server: server.clone(), kind, source: e }
                } else if !received_any {
                    // A reset or a close without close_notify before any message: refused
                    // after the handshake, like a plain close.
                    debug!(%server, error = %e, "connection ended before any message");
                    ClientError::ClosedEarly { server: server.clone() }
                } else {
                    ClientError::Io { server: server.clone(), source: e }
                };
                break lost(error, received_any);
            }
        }
    };
    metrics.connected.store(0, Relaxed);
    d.summary().bundles += session.bundles;
    if matches!(end, Ok(SessionEnd::Done)) {
        // A polite goodbye (PROTOCOL.md §11.1): Error −1, then close.
        session.close();
        while let Some(b) = session.poll_transmit() {
            if tokio::time::timeout(Duration::from_secs(1), wr.write_all(&b)).await.is_err() {
                break;
            }
        }
        let _ = tokio::time::timeout(Duration::from_secs(1), wr.shutdown()).await;
    }
    end
}
