//! One client connection: TLS handshake and identity check within the admission budget, then
//! bytes ↔ [`ServerSession`], store batches from its [`Feeder`], host pages from the map.
//! Every connection ends with exactly one log line saying why.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use estreamer_store::StoredRecord;
use estreamer_wire::message::{error_codes, ErrorMessage, Message};
use estreamer_wire::session::{CloseReason, HostQuery, Millis, Origin, OutRecord, Push, ServerEvent, ServerSession};
use tokio::io::{AsyncReadExt, AsyncWriteExt, ReadHalf, WriteHalf};
use tokio::net::TcpStream;
use tokio::time::Instant;
use tokio_rustls::server::TlsStream;
use tokio_rustls::TlsAcceptor;
use tokio_util::sync::CancellationToken;
use tracing::{debug, info, warn};

use crate::admission::Ticket;
use crate::feeder::{Feed, Feeder};
use crate::hosts::{HostEntry, HOST_PAGE};
use crate::listener::Shared;
use crate::EndReason;

/// Why a connection ended (logged once).
enum Ended {
    /// Before authentication: refused or failed (rate-limited log).
    Refused(&'static str, String),
    /// Authenticated but over the client cap: told "No space".
    NoSpace,
    /// The client closed the connection.
    ClientClosed,
    /// Reading failed.
    ReadFailed(std::io::Error),
    /// The client did not take a write within the write timeout.
    WriteStalled,
    /// Writing failed.
    WriteFailed(std::io::Error),
    /// The session ended itself.
    Session(CloseReason),
    /// Service shutdown.
    Shutdown,
}

pub(crate) async fn run(
    shared: Arc<Shared>,
    tcp: TcpStream,
    peer: SocketAddr,
    slot: Ticket,
    id: u32,
    stop: CancellationToken,
) {
    let ended = tokio::select! {
        // Shutdown during a handshake just drops it.
        _ = stop.cancelled() => Ended::Shutdown,
        e = connect(&shared, tcp, peer, slot, id, stop.clone()) => e,
    };
    let reason = match &ended {
        Ended::Refused(..) => EndReason::Refused,
        Ended::NoSpace => EndReason::NoSpace,
        Ended::ClientClosed | Ended::Session(CloseReason::ClientError(_)) => EndReason::ClientClosed,
        Ended::ReadFailed(_) | Ended::WriteFailed(_) => EndReason::IoFailed,
        Ended::WriteStalled => EndReason::WriteStalled,
        Ended::Session(CloseReason::ErrorSent { .. }) => EndReason::ErrorSent,
        Ended::Shutdown => EndReason::Shutdown,
    };
    match ended {
        Ended::Refused(reason, detail) => {
            if let Some(suppressed) = shared.limiter.check(reason) {
                info!(%peer, suppressed, detail = %detail, "connection refused: {reason}");
            }
        }
        Ended::NoSpace => {
            if let Some(suppressed) = shared.limiter.check("client limit") {
                warn!(%peer, max = shared.service.opts.max_clients, suppressed, "client refused: the client limit is reached");
            }
        }
        Ended::ClientClosed => info!(%peer, conn = id, "session ended: the client closed the connection"),
        Ended::ReadFailed(e) => info!(%peer, conn = id, error = %e, "session ended: read failed"),
        Ended::WriteStalled => warn!(
            %peer,
            conn = id,
            timeout_s = shared.service.opts.write_timeout.as_secs(),
            "session ended: the client stopped reading; dropped"
        ),
        Ended::WriteFailed(e) => info!(%peer, conn = id, error = %e, "session ended: write failed"),
        Ended::Session(CloseReason::ClientError(e)) => {
            info!(%peer, conn = id, code = e.code, text = %e.text_lossy(), "session ended by the client's Error message")
        }
        Ended::Session(reason) => warn!(%peer, conn = id, %reason, "session ended"),
        Ended::Shutdown => debug!(%peer, conn = id, "session closed for shutdown"),
    }
    shared.service.stats.ended(reason);
}

async fn connect(
    shared: &Arc<Shared>,
    tcp: TcpStream,
    peer: SocketAddr,
    mut slot: Ticket,
    id: u32,
    stop: CancellationToken,
) -> Ended {
    let opts = &shared.service.opts;
    let _ = tcp.set_nodelay(true);
    if tokio::time::timeout(opts.handshake_timeout, slot.turn()).await.is_err() {
        return Ended::Refused("no handshake turn in time", format!("{:?}", opts.handshake_timeout));
    }
    let deadline = Instant::now() + opts.handshake_timeout;
    let acceptor = TlsAcceptor::from(shared.service.tls.current());
    let tls = match tokio::time::timeout_at(deadline, acceptor.accept(tcp)).await {
        Ok(Ok(s)) => s,
        Ok(Err(e)) => return Ended::Refused("TLS handshake failed", e.to_string()),
        Err(_) => return Ended::Refused("TLS handshake timed out", format!("{:?}", opts.handshake_timeout)),
    };
    // Post-connection checks (PROTOCOL.md §1.9): on failure close without an Error message.
    let Some(cert) = tls.get_ref().1.peer_certificates().and_then(|c| c.first().cloned()) else {
        return Ended::Refused("no client certificate", String::new());
    };
    // A DNS-named certificate host may need the system resolver: keep it off the reactor.
    let policy = opts.identity.clone();
    let check = tokio::task::spawn_blocking(move || estreamer_pki::check_peer(&policy, peer.ip(), &cert));
    match tokio::time::timeout_at(deadline, check).await {
        Ok(Ok(Ok(()))) => {}
        Ok(Ok(Err(e))) => return Ended::Refused("client identity check failed", e.to_string()),
        Ok(Err(e)) => return Ended::Refused("client identity check failed", e.to_string()),
        Err(_) => return Ended::Refused("client identity check timed out", String::new()),
    }
    drop(slot);
    let Ok(_permit) = Arc::clone(&shared.sessions).try_acquire_owned() else {
        return no_space(tls, opts.handshake_timeout, opts.max_clients).await;
    };
    info!(%peer, conn = id, "client authenticated");
    let _active = shared.service.stats.session();
    Session::new(shared, id, tls).run(stop).await
}

/// Over the client cap: read the client's request, answer "No space" (the guide's Error 19),
/// close.
async fn no_space(mut tls: TlsStream<TcpStream>, wait: Duration, max: usize) -> Ended {
    let mut buf = [0u8; 64];
    let _ = tokio::time::timeout(wait, tls.read(&mut buf)).await;
    let text = format!("No space: the service serves at most {max} clients");
    if let Ok(bytes) = Message::Error(ErrorMessage::new(error_codes::NO_SPACE, &text)).to_bytes() {
        let _ = tokio::time::timeout(wait, tls.write_all(&bytes)).await;
    }
    let _ = tokio::time::timeout(wait, tls.shutdown()).await;
    Ended::NoSpace
}

/// A host query being answered page by page.
struct HostJob {
    query: HostQuery,
    after: Option<[u8; 16]>,
    synced: bool,
}

struct Session<'a> {
    shared: &'a Arc<Shared>,
    id: u32,
    session: ServerSession,
    rd: ReadHalf<TlsStream<TcpStream>>,
    wr: WriteHalf<TlsStream<TcpStream>>,
    clock: Instant,
    feeder: Option<Feeder>,
    pending: VecDeque<StoredRecord>,
    pending_origin: Origin,
    caught_up: bool,
    host_job: Option<HostJob>,
    closed: Option<CloseReason>,
}

impl<'a> Session<'a> {
    fn new(shared: &'a Arc<Shared>, id: u32, tls: TlsStream<TcpStream>) -> Self {
        let clock = Instant::now();
        let mut cfg = shared.service.opts.session.clone();
        cfg.connection_id = id;
        let (rd, wr) = tokio::io::split(tls);
        Session {
            shared,
            id,
            session: ServerSession::new(cfg, 0),
            rd,
            wr,
            clock,
            feeder: None,
            pending: VecDeque::new(),
            pending_origin: Origin::Log,
            caught_up: false,
            host_job: None,
            closed: None,
        }
    }

    fn now(&self) -> Millis {
        self.clock.elapsed().as_millis() as Millis
    }

    async fn run(mut self, stop: CancellationToken) -> Ended {
        let mut buf = vec![0u8; 16 * 1024];
        loop {
            self.handle_events();
            self.offer_records();
            if let Err(e) = self.host_work().await {
                warn!(error = %e, "network map lookup failed");
            }
            if let Err(e) = self.write_queued().await {
                return e;
            }
            if let Some(reason) = self.closed.take() {
                let _ = tokio::time::timeout(Duration::from_secs(1), self.wr.shutdown()).await;
                return Ended::Session(reason);
            }
            let deadline = self.session.next_timeout().map(|t| self.clock + Duration::from_millis(t));
            let want_feed = self.feeder.is_some() && self.pending.is_empty() && self.session.wants_records();
            let host_ready = self.host_job.is_some() && self.session.wants_host_data();
            tokio::select! {
                _ = stop.cancelled() => {
                    // Shutdown: no Error message (PROTOCOL.md §11.1), a clean TLS close.
                    let _ = tokio::time::timeout(Duration::from_secs(1), self.wr.shutdown()).await;
                    return Ended::Shutdown;
                }
                r = self.rd.read(&mut buf) => match r {
                    Ok(0) => return Ended::ClientClosed,
                    Ok(n) => {
                        let now = self.now();
                        self.session.receive(&buf[..n], now);
                    }
                    Err(e) => return Ended::ReadFailed(e),
                },
                feed = recv(&mut self.feeder), if want_feed => self.on_feed(feed).await,
                _ = sleep_until(deadline) => {
                    let now = self.now();
                    self.session.handle_timeout(now);
                }
                _ = std::future::ready(()), if host_ready => {}
            }
        }
    }

    fn handle_events(&mut self) {
        while let Some(ev) = self.session.poll_event() {
            match ev {
                ServerEvent::Subscribed { subscription, plan } => {
                    info!(
                        conn = self.id,
                        ts = subscription.initial_timestamp,
                        flags = format_args!("{:#010x}", subscription.flags),
                        events = subscription.events.len(),
                        "subscribed"
                    );
                    if plan.records {
                        let opts = &self.shared.service.opts;
                        let store = self.shared.service.store.clone();
                        self.feeder = Some(Feeder::start(
                            store,
                            plan,
                            opts.feed_batch,
                            opts.feed_batch_bytes,
                            opts.poll_interval,
                        ));
                    }
                }
                ServerEvent::HostQuery(query) => {
                    self.host_job = Some(HostJob { query, after: None, synced: false });
                }
                ServerEvent::Closed(reason) => {
                    self.feeder = None;
                    self.host_job = None;
                    self.closed = Some(reason);
                }
            }
        }
    }

    fn offer_records(&mut self) {
        let now = self.now();
        while let Some(r) = self.pending.front() {
            let rec = OutRecord {
                record_type: r.record_type,
                archive_ts: r.archive_ts,
                seq: r.seq,
                origin: self.pending_origin,
                body: &r.body,
            };
            if self.session.push_record(rec, now) == Push::Full {
                return;
            }
            self.pending.pop_front();
        }
        if self.caught_up {
            self.caught_up = false;
            self.session.flush(now);
        }
    }

    async fn on_feed(&mut self, feed: Option<Feed>) {
        let now = self.now();
        match feed {
            Some(Feed::Records { origin, records }) => {
                self.pending = records.into();
                self.pending_origin = origin;
            }
            Some(Feed::CaughtUp) => self.caught_up = true,
            Some(Feed::Failed(e)) => {
                self.feeder = None;
                self.session.store_failed(&e, now);
            }
            None => {
                let why = match self.feeder.as_mut() {
                    Some(f) => f.failure().await,
                    None => "the store feeder stopped".into(),
                };
                self.feeder = None;
                self.session.store_failed(&why, now);
            }
        }
    }

    /// One page of the current host query, if the session can take it.
    async fn host_work(&mut self) -> Result<(), String> {
        let Some(job) = self.host_job.as_mut() else { return Ok(()) };
        if !self.session.wants_host_data() {
            return Ok(());
        }
        let q = job.query.clone();
        let (start, end, limit) = if q.single { (q.start, q.start, 1) } else { (q.start, q.end, HOST_PAGE) };
        let page: Vec<HostEntry> = match &self.shared.service.hosts {
            None => Vec::new(),
            Some(map) => {
                let map = Arc::clone(map);
                let sync = !job.synced;
                let after = job.after;
                job.synced = true;
                let (page, synced) = tokio::task::spawn_blocking(move || {
                    // Read-your-writes: the map catches up with the store before answering.
                    let synced = if sync { map.sync() } else { Ok(()) };
                    (map.page(start, end, after, limit), synced)
                })
                .await
                .map_err(|e| e.to_string())?;
                if let Err(e) = synced {
                    warn!(error = %e, "network map could not catch up with the store; answering from what it has");
                }
                page
            }
        };
        let complete = q.single || page.len() < limit;
        job.after = page.last().map(|h| h.address());
        if complete {
            self.host_job = None;
        }
        let now = self.now();
        self.session.answer_hosts(&page, complete, now);
        Ok(())
    }

    async fn write_queued(&mut self) -> Result<(), Ended> {
        let timeout = self.shared.service.opts.write_timeout;
        let mut wrote = false;
        while let Some(bytes) = self.session.poll_transmit() {
            match tokio::time::timeout(timeout, self.wr.write_all(&bytes)).await {
                Ok(Ok(())) => wrote = true,
                Ok(Err(e)) => return Err(Ended::WriteFailed(e)),
                Err(_) => return Err(Ended::WriteStalled),
            }
        }
        if wrote {
            match tokio::time::timeout(timeout, self.wr.flush()).await {
                Ok(Ok(())) => {}
                Ok(Err(e)) => return Err(Ended::WriteFailed(e)),
                Err(_) => return Err(Ended::WriteStalled),
            }
        }
        Ok(())
    }
}

async fn recv(feeder: &mut Option<Feeder>) -> Option<Feed> {
    match feeder {
        Some(f) => f.rx.recv().await,
        None => std::future::pending().await,
    }
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(d) => tokio::time::sleep_until(d).await,
        None => std::future::pending().await,
    }
}
