//! One producer connection: admission and TLS (TCP) or nothing (Unix), then bytes ↔
//! [`ServiceSession`], batches → [`estreamer_ingest::Ingest::submit`] → ACK. Every connection
//! ends with one log line saying why.

use std::net::SocketAddr;
use std::sync::Arc;

use estreamer_ingest::proto::{codes, Ack, ServiceEvent, ServiceSession};
use estreamer_ingest::{IngestError, Outcome};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpStream, UnixStream};
use tokio::time::timeout;
use tokio_rustls::TlsAcceptor;
use tokio_util::sync::CancellationToken;
use tracing::{debug, info, warn};

use super::Shared;
use crate::admission::Ticket;

/// A new connection.
pub(crate) enum Accepted {
    /// A TCP connection admitted into the unauthenticated budget.
    Tcp(TcpStream, SocketAddr, Ticket),
    Unix(UnixStream),
}

pub(crate) async fn run(shared: Arc<Shared>, accepted: Accepted, id: u64, stop: CancellationToken) {
    match accepted {
        Accepted::Tcp(tcp, peer, mut ticket) => {
            let refused = |reason: &'static str, detail: String| {
                if let Some(suppressed) = shared.limiter.check(reason) {
                    info!(%peer, suppressed, detail = %detail, "ingest connection refused: {reason}");
                }
            };
            let _ = tcp.set_nodelay(true);
            let opts = &shared.opts;
            if timeout(opts.handshake_timeout, ticket.turn()).await.is_err() {
                return refused("no handshake turn in time", String::new());
            }
            let acceptor = TlsAcceptor::from(shared.tls.current());
            let tls = match timeout(opts.handshake_timeout, acceptor.accept(tcp)).await {
                Ok(Ok(s)) => s,
                Ok(Err(e)) => return refused("TLS handshake failed", e.to_string()),
                Err(_) => return refused("TLS handshake timed out", String::new()),
            };
            let Some(cert) = tls.get_ref().1.peer_certificates().and_then(|c| c.first().cloned()) else {
                return refused("no client certificate", String::new());
            };
            let policy = opts.identity.clone();
            let check = tokio::task::spawn_blocking(move || estreamer_pki::check_peer(&policy, peer.ip(), &cert));
            let refusal = match timeout(opts.handshake_timeout, check).await {
                Ok(Ok(Ok(()))) => None,
                Ok(Ok(Err(e))) => Some(e.to_string()),
                _ => Some("the identity check did not finish".to_owned()),
            };
            if let Some(why) = refusal {
                // Unlike the event port (where the guide says to close silently), a producer is
                // told why, so that it stops instead of retrying.
                let mut tls = tls;
                let mut s = ServiceSession::new();
                s.refuse(codes::FORBIDDEN, 0, &format!("identity check failed: {why}"));
                let _ = timeout(opts.write_timeout, async {
                    tls.write_all(&s.take_output()).await?;
                    tls.shutdown().await
                })
                .await;
                return warn!(%peer, error = %why, "ingest connection refused: identity check failed");
            }
            drop(ticket);
            drive(&shared, tls, &peer.to_string(), id, stop).await;
        }
        Accepted::Unix(s) => drive(&shared, s, "unix socket", id, stop).await,
    }
}

/// Why a producer session ended.
enum Ended {
    Closed,
    Refused(String),
    ProducerError(u16, String),
    ReadFailed(std::io::Error),
    WriteFailed(String),
    Shutdown,
}

async fn drive<S: AsyncRead + AsyncWrite + Unpin>(
    shared: &Arc<Shared>,
    mut io: S,
    peer: &str,
    id: u64,
    stop: CancellationToken,
) {
    let Ok(_slot) = Arc::clone(&shared.producers).try_acquire_owned() else {
        let mut s = ServiceSession::new();
        let text = format!("the service takes at most {} producers at once", shared.opts.max_producers);
        s.refuse(codes::SHUTDOWN, 0, &text);
        let _ = timeout(shared.opts.write_timeout, io.write_all(&s.take_output())).await;
        return warn!(peer, conn = id, "ingest producer refused: {text}");
    };
    let ended = session(shared, &mut io, stop).await;
    let _ = timeout(shared.opts.write_timeout, io.shutdown()).await;
    match ended {
        (p, Ended::Closed) => info!(peer, conn = id, producer = p, "ingest session ended: the producer closed"),
        (p, Ended::Refused(why)) => warn!(peer, conn = id, producer = p, "ingest session ended: {why}"),
        (p, Ended::ProducerError(code, text)) => {
            info!(peer, conn = id, producer = p, code, text, "ingest session ended by the producer's ERROR")
        }
        (p, Ended::ReadFailed(e)) => {
            info!(peer, conn = id, producer = p, error = %e, "ingest session ended: read failed")
        }
        (p, Ended::WriteFailed(e)) => {
            info!(peer, conn = id, producer = p, error = e, "ingest session ended: write failed")
        }
        (p, Ended::Shutdown) => debug!(peer, conn = id, producer = p, "ingest session closed for shutdown"),
    }
}

async fn session<S: AsyncRead + AsyncWrite + Unpin>(
    shared: &Arc<Shared>,
    io: &mut S,
    stop: CancellationToken,
) -> (String, Ended) {
    let mut s = ServiceSession::new();
    let mut buf = vec![0u8; 64 * 1024];
    let opts = &shared.opts;
    let producer = |s: &ServiceSession| s.producer().unwrap_or("-").to_owned();
    loop {
        // Everything received so far, one event at a time; each answer is written at once.
        loop {
            let ev = match s.poll() {
                Ok(Some(ev)) => ev,
                Ok(None) => break,
                Err(e) => {
                    let _ = flush(io, &mut s, opts.write_timeout).await;
                    return (producer(&s), Ended::Refused(format!("protocol error: {e}")));
                }
            };
            match ev {
                ServiceEvent::Hello { producer: p } => {
                    let last = shared.ingest.last_batch(&p);
                    info!(producer = %p, last_batch = last, "ingest producer connected");
                    s.welcome(last);
                }
                ServiceEvent::Batch(batch) => {
                    let ingest = Arc::clone(&shared.ingest);
                    let p = producer(&s);
                    let seq = batch.seq;
                    let r = tokio::task::spawn_blocking(move || {
                        let r = ingest.submit(Some(&p), &batch);
                        (r, batch.records.len() as u32)
                    })
                    .await;
                    match r {
                        Ok((Ok(Outcome::Stored { first_seq, records, .. }), _)) => {
                            s.ack(Ack { batch: seq, already_stored: false, records, first_seq })
                        }
                        Ok((Ok(Outcome::AlreadyStored), n)) => {
                            s.ack(Ack { batch: seq, already_stored: true, records: n, first_seq: 0 })
                        }
                        Ok((Err(e), _)) => {
                            let code = match &e {
                                IngestError::Invalid { .. } => codes::INVALID_BATCH,
                                IngestError::Gap { .. } => codes::GAP,
                                IngestError::ProducerId { .. } => codes::BAD_PRODUCER,
                                _ => codes::STORE,
                            };
                            s.refuse(code, seq, &e.to_string());
                            let _ = flush(io, &mut s, opts.write_timeout).await;
                            return (producer(&s), Ended::Refused(format!("batch {seq}: {e}")));
                        }
                        Err(e) => {
                            s.refuse(codes::STORE, seq, "the store writer failed");
                            let _ = flush(io, &mut s, opts.write_timeout).await;
                            return (producer(&s), Ended::Refused(format!("batch {seq}: store task failed: {e}")));
                        }
                    }
                }
                ServiceEvent::ProducerError { code, text } => return (producer(&s), Ended::ProducerError(code, text)),
            }
            if let Err(e) = flush(io, &mut s, opts.write_timeout).await {
                return (producer(&s), Ended::WriteFailed(e));
            }
        }
        let read = tokio::select! {
            _ = stop.cancelled() => {
                s.refuse(codes::SHUTDOWN, 0, "the service is shutting down");
                let _ = flush(io, &mut s, opts.write_timeout).await;
                return (producer(&s), Ended::Shutdown);
            }
            r = async {
                if s.producer().is_none() {
                    // HELLO must come within the handshake allowance.
                    timeout(opts.handshake_timeout, io.read(&mut buf)).await.unwrap_or_else(|_| {
                        Err(std::io::Error::new(std::io::ErrorKind::TimedOut, "no HELLO in time"))
                    })
                } else {
                    io.read(&mut buf).await
                }
            } => r,
        };
        match read {
            Ok(0) => return (producer(&s), Ended::Closed),
            Ok(n) => s.receive(&buf[..n]),
            Err(e) => return (producer(&s), Ended::ReadFailed(e)),
        }
    }
}

async fn flush<S: AsyncWrite + Unpin>(
    io: &mut S,
    s: &mut ServiceSession,
    limit: std::time::Duration,
) -> Result<(), String> {
    let out = s.take_output();
    if out.is_empty() {
        return Ok(());
    }
    match timeout(limit, async {
        io.write_all(&out).await?;
        io.flush().await
    })
    .await
    {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err(format!("no progress writing for {limit:?}")),
    }
}
