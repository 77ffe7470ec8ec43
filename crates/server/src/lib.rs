//! The eStreamer service: a TLS listener whose sessions are driven by the sans-io
//! [`ServerSession`] of the wire crate, fed from the store through a bounded queue.
//!
//! Like mini-redis, [`serve`] takes an already bound listener and a shutdown signal, so tests
//! bind port 0 on 127.0.0.1 and the CLI binds 8302. Tokio code here only moves bytes; every
//! protocol decision is made by the session state machine.

#![warn(missing_docs)]

use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use estreamer_pki::IdentityPolicy;
use estreamer_store::{StoreReader, StoredRecord};
use estreamer_wire::message::{ErrorMessage, Message};
use estreamer_wire::session::{Millis, OutRecord, ServerConfig, ServerEvent, ServerSession, Subscription};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, Semaphore};
use tokio_rustls::TlsAcceptor;
use tokio_util::sync::CancellationToken;
use tracing::{debug, info, warn};

/// Everything that can end the service or a session.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// Socket-level failure.
    #[error("I/O error on {peer}: {source}")]
    Io {
        /// Peer or listener address.
        peer: String,
        /// Cause.
        source: std::io::Error,
    },
    /// Store failure.
    #[error("store: {0}")]
    Store(#[from] estreamer_store::StoreError),
}

/// Service settings.
#[derive(Clone)]
pub struct ServerOptions {
    /// Concurrent sessions allowed; connections beyond are closed at once.
    pub max_connections: usize,
    /// Time allowed for the TLS handshake.
    pub handshake_timeout: Duration,
    /// Time allowed for the Event Stream Request after the handshake.
    pub request_timeout: Duration,
    /// Time allowed to write one batch of messages (a stalled reader is dropped).
    pub write_timeout: Duration,
    /// How often a caught-up session looks for new records written by another process.
    pub poll_interval: Duration,
    /// Post-handshake identity checks.
    pub identity: IdentityPolicy,
    /// Session tuning.
    pub session: ServerConfig,
    /// Records per store read (the feeder queue holds at most 4 such batches per session).
    pub feed_batch: usize,
}

impl Default for ServerOptions {
    fn default() -> Self {
        ServerOptions {
            max_connections: 64,
            handshake_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            write_timeout: Duration::from_secs(30),
            poll_interval: Duration::from_millis(200),
            identity: IdentityPolicy::default(),
            session: ServerConfig::default(),
            feed_batch: 512,
        }
    }
}

/// Run the service on `listener` until `shutdown` is cancelled. Sessions are cancelled on
/// shutdown and awaited before this returns.
pub async fn serve(
    listener: TcpListener,
    tls: Arc<rustls::ServerConfig>,
    store: StoreReader,
    opts: ServerOptions,
    shutdown: CancellationToken,
) -> Result<(), ServerError> {
    let local = listener.local_addr().map(|a| a.to_string()).unwrap_or_default();
    info!(listen = %local, "eStreamer service listening");
    let acceptor = TlsAcceptor::from(tls);
    let slots = Arc::new(Semaphore::new(opts.max_connections));
    let ids = Arc::new(AtomicU32::new(1));
    let mut tasks = tokio::task::JoinSet::new();
    loop {
        let (tcp, peer) = tokio::select! {
            _ = shutdown.cancelled() => break,
            r = listener.accept() => match r {
                Ok(x) => x,
                Err(e) => {
                    // Accept errors (e.g. EMFILE) are transient: keep serving the others.
                    warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let Ok(permit) = slots.clone().try_acquire_owned() else {
            warn!(%peer, max = opts.max_connections, "connection limit reached; closing");
            drop(tcp);
            continue;
        };
        let conn = Conn {
            acceptor: acceptor.clone(),
            store: store.clone(),
            opts: opts.clone(),
            shutdown: shutdown.child_token(),
            id: ids.fetch_add(1, Ordering::Relaxed),
        };
        tasks.spawn(async move {
            let _permit = permit;
            if let Err(e) = conn.run(tcp, peer).await {
                info!(%peer, error = %e, "session ended with an error");
            }
        });
        // Reap finished sessions so the set does not grow with history.
        while tasks.try_join_next().is_some() {}
    }
    info!("shutting down: closing sessions");
    while tasks.join_next().await.is_some() {}
    Ok(())
}

struct Conn {
    acceptor: TlsAcceptor,
    store: StoreReader,
    opts: ServerOptions,
    shutdown: CancellationToken,
    id: u32,
}

/// What the feeder task hands the session.
enum Feed {
    Records(Vec<StoredRecord>),
    /// The cursor reached the end of the store: close the partial bundle.
    CaughtUp,
    Failed(String),
}

impl Conn {
    async fn run(self, tcp: TcpStream, peer: SocketAddr) -> Result<(), ServerError> {
        let io = |source| ServerError::Io { peer: peer.to_string(), source };
        let _ = tcp.set_nodelay(true);
        let tls = match tokio::time::timeout(self.opts.handshake_timeout, self.acceptor.accept(tcp)).await {
            Ok(Ok(s)) => s,
            Ok(Err(e)) => {
                info!(%peer, error = %e, "TLS handshake failed");
                return Ok(());
            }
            Err(_) => {
                info!(%peer, "TLS handshake timed out");
                return Ok(());
            }
        };
        // Post-connection checks (PROTOCOL.md §1.9): on failure close without an Error message.
        let cert = tls.get_ref().1.peer_certificates().and_then(|c| c.first().cloned());
        let Some(cert) = cert else {
            warn!(%peer, "no client certificate; closing");
            return Ok(());
        };
        // A DNS-named certificate host may need the system resolver: keep it off the reactor.
        let policy = self.opts.identity.clone();
        let checked = tokio::task::spawn_blocking(move || estreamer_pki::check_peer(&policy, peer.ip(), &cert))
            .await
            .expect("identity check task");
        if let Err(e) = checked {
            warn!(%peer, reason = %e, "client identity check failed; closing without an Error message");
            return Ok(());
        }
        info!(%peer, conn = self.id, "client authenticated");

        let (mut rd, mut wr) = tokio::io::split(tls);
        let start = Instant::now();
        let now = || start.elapsed().as_millis() as Millis;
        let mut cfg = self.opts.session.clone();
        cfg.connection_id = self.id;
        let mut session = ServerSession::new(cfg, now());
        let mut feed: Option<mpsc::Receiver<Feed>> = None;
        let feeder_stop = self.shutdown.child_token();
        let _stop_guard = feeder_stop.clone().drop_guard();
        let mut buf = vec![0u8; 64 * 1024];
        let request_deadline = tokio::time::Instant::now() + self.opts.request_timeout;

        loop {
            // Write everything queued, each message whole and within the write timeout.
            let mut wrote = false;
            while let Some(bytes) = session.poll_transmit() {
                match tokio::time::timeout(self.opts.write_timeout, wr.write_all(&bytes)).await {
                    Ok(Ok(())) => wrote = true,
                    Ok(Err(e)) => return Err(io(e)),
                    Err(_) => {
                        warn!(%peer, "client stopped reading; dropping the session");
                        return Ok(());
                    }
                }
            }
            if wrote {
                match tokio::time::timeout(self.opts.write_timeout, wr.flush()).await {
                    Ok(r) => r.map_err(io)?,
                    Err(_) => return Ok(()),
                }
            }
            while let Some(ev) = session.poll_event() {
                match ev {
                    ServerEvent::Subscribed(sub) => {
                        info!(%peer, ts = sub.initial_timestamp, flags = format_args!("{:#010x}", sub.flags), events = sub.events.len(), "subscribed");
                        feed = Some(self.start_feeder(sub, feeder_stop.clone()));
                    }
                    ServerEvent::HostRequest(h) => {
                        // Host profiles are not served yet: say so rather than stay silent.
                        debug!(%peer, data_type = h.data_type, "host request");
                        let _ = session.send_message(
                            Message::Error(ErrorMessage::new(-1, "host data is not available on this server")),
                            now(),
                        );
                    }
                    ServerEvent::ClientError(e) => {
                        info!(%peer, code = e.code, text = %e.text_lossy(), "client sent an Error; closing");
                    }
                }
            }
            if session.is_closed() {
                // Flush a final Error message if one was queued.
                while let Some(bytes) = session.poll_transmit() {
                    let _ = tokio::time::timeout(self.opts.write_timeout, wr.write_all(&bytes)).await;
                }
                let _ = tokio::time::timeout(Duration::from_secs(1), wr.shutdown()).await;
                return Ok(());
            }
            let sleep_ms = session.next_timeout().saturating_sub(now());
            let want_records = feed.is_some() && session.wants_records();
            let awaiting_request = session.subscription().is_none();
            tokio::select! {
                _ = self.shutdown.cancelled() => {
                    let _ = tokio::time::timeout(Duration::from_secs(1), wr.shutdown()).await;
                    return Ok(());
                }
                r = rd.read(&mut buf) => {
                    let n = match r {
                        Ok(0) => { info!(%peer, "client closed the connection"); return Ok(()); }
                        Ok(n) => n,
                        Err(e) => { info!(%peer, error = %e, "read failed"); return Ok(()); }
                    };
                    if let Err(e) = session.receive(&buf[..n], now()) {
                        warn!(%peer, error = %e, "bad client message; ending the session");
                    }
                }
                item = recv_feed(&mut feed), if want_records => match item {
                    Some(Feed::Records(recs)) => {
                        let t = now();
                        for r in &recs {
                            session.push_record(OutRecord { record_type: r.record_type, archive_ts: r.archive_ts, body: &r.body }, t);
                        }
                    }
                    Some(Feed::CaughtUp) => session.flush(now()),
                    Some(Feed::Failed(e)) => {
                        warn!(%peer, error = %e, "store read failed; ending the session");
                        let _ = session.send_message(Message::Error(ErrorMessage::new(-1, "server store error")), now());
                        while let Some(bytes) = session.poll_transmit() {
                            let _ = tokio::time::timeout(self.opts.write_timeout, wr.write_all(&bytes)).await;
                        }
                        return Ok(());
                    }
                    None => feed = None,
                },
                _ = tokio::time::sleep_until(request_deadline), if awaiting_request => {
                    info!(%peer, "no Event Stream Request in time; closing");
                    return Ok(());
                }
                _ = tokio::time::sleep(Duration::from_millis(sleep_ms)) => session.handle_timeout(now()),
            }
        }
    }

    /// Start the store feeder: metadata snapshot first (if asked), then the log from the
    /// requested time, then live tail. The channel is bounded, so a slow client slows its
    /// feeder and memory does not grow with backlog.
    fn start_feeder(&self, sub: Subscription, stop: CancellationToken) -> mpsc::Receiver<Feed> {
        let (tx, rx) = mpsc::channel(4);
        let store = self.store.clone();
        let batch = self.opts.feed_batch;
        let poll = self.opts.poll_interval;
        tokio::spawn(async move {
            if let Err(e) = feed(store, sub, batch, poll, &tx, stop).await {
                let _ = tx.send(Feed::Failed(e.to_string())).await;
            }
        });
        rx
    }
}

fn is_metadata(record_type: u32) -> bool {
    estreamer_wire::schema::record_def(record_type)
        .is_some_and(|d| d.family == estreamer_wire::schema::Family::Metadata)
}

async fn recv_feed(feed: &mut Option<mpsc::Receiver<Feed>>) -> Option<Feed> {
    match feed {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}

async fn feed(
    store: StoreReader,
    sub: Subscription,
    batch: usize,
    poll: Duration,
    tx: &mpsc::Sender<Feed>,
    stop: CancellationToken,
) -> Result<(), ServerError> {
    // Metadata already sent from the snapshot is not sent again when the log replays it.
    let mut sent_meta: HashSet<(u32, Vec<u8>)> = HashSet::new();
    if sub.metadata() {
        let s = store.clone();
        let meta = tokio::task::spawn_blocking(move || s.metadata()).await.expect("metadata read task")?;
        // Snapshot entries go out with archival timestamp 0 so they never move a bookmark.
        let recs: Vec<StoredRecord> = meta
            .into_iter()
            .map(|m| StoredRecord { seq: 0, archive_ts: 0, record_type: m.record_type, body: m.body })
            .collect();
        sent_meta.extend(recs.iter().map(|r| (r.record_type, r.body.clone())));
        for chunk in recs.chunks(batch.max(1)) {
            if tx.send(Feed::Records(chunk.to_vec())).await.is_err() {
                return Ok(());
            }
        }
    }
    let s = store.clone();
    let ts = sub.initial_timestamp;
    let mut cursor = tokio::task::spawn_blocking(move || s.cursor_from_time(ts)).await.expect("seek task")?;
    let mut caught_up_sent = false;
    loop {
        let (c, res) = tokio::task::spawn_blocking(move || {
            let r = cursor.next_batch(batch, 4 << 20);
            (cursor, r)
        })
        .await
        .expect("store read task");
        cursor = c;
        let mut recs = res?;
        let full = recs.len() >= batch;
        if !sent_meta.is_empty() {
            recs.retain(|r| !(is_metadata(r.record_type) && sent_meta.remove(&(r.record_type, r.body.clone()))));
        }
        if !recs.is_empty() {
            caught_up_sent = false;
            if tx.send(Feed::Records(recs)).await.is_err() {
                return Ok(());
            }
        }
        if !full {
            if !caught_up_sent {
                caught_up_sent = true;
                if tx.send(Feed::CaughtUp).await.is_err() {
                    return Ok(());
                }
            }
            // Live tail: another process may append; look again shortly.
            tokio::select! {
                _ = stop.cancelled() => return Ok(()),
                _ = tokio::time::sleep(poll) => {}
            }
        }
    }
}
