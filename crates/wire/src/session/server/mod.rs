//! Server side of one eStreamer session.
//!
//! The state carries its own data: waiting for the Event Stream Request (with its deadline),
//! waiting for the Streaming Request (with the request and its deadline), streaming (with the
//! subscription, the open bundle, the window and the snapshot identities), closed. Host
//! queries are answered in any state after the Event Stream Request. The driver supplies
//! records (`push_record`), host profiles (`answer_hosts`), store failures (`store_failed`)
//! and time; the session decides everything else.

mod hosts;
mod records;

pub use hosts::{HostBlocks, HostQuery};
pub use records::convert;
use records::OpenBundle;

use std::collections::{HashMap, VecDeque};

use super::rx::RxBuffer;
use super::subscription::Subscription;
use super::Millis;
use crate::message::{
    error_codes, ErrorMessage, EventStreamRequest, HostRequest, Message, MessageType, StreamingService, HEADER_LEN,
    SERVICE_EVENT_STREAM,
};
use crate::schema::catalog::{identity_fields, is_metadata, metadata_identity, versions};
use crate::schema::BlockDef;
use crate::walk::{decode_record, encode_record_body, RecordHead};
use crate::WireError;

/// Server session tuning. Every deadline is an option (documented in `docs/protocol.md`).
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Send a Null when nothing was sent for this long while streaming.
    pub keepalive_ms: Millis,
    /// After a request, answer within this long, with a Null if nothing else is ready.
    pub answer_within_ms: Millis,
    /// Time allowed for the Event Stream Request after the session starts.
    pub request_timeout_ms: Millis,
    /// Time allowed for the Streaming Request after the Streaming Information (extended mode).
    pub streaming_request_timeout_ms: Millis,
    /// Close a session whose window stayed full without any acknowledgement for this long.
    pub idle_timeout_ms: Millis,
    /// Largest accepted client message body (the largest real one is a Streaming Request of a
    /// few hundred bytes).
    pub max_message: usize,
    /// Close a bundle at this many body bytes.
    pub bundle_max_bytes: usize,
    /// Close a bundle at this many records.
    pub bundle_max_records: usize,
    /// Close a partly filled bundle after this long.
    pub bundle_linger_ms: Millis,
    /// Bundles sent but not yet acknowledged before the server waits (extended mode).
    pub window: u32,
    /// Stop taking records while this many bytes wait to be written.
    pub max_queued_bytes: usize,
    /// Host requests that may wait for their answer at once.
    pub max_host_queries: usize,
    /// Connection id written into bundles.
    pub connection_id: u32,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            keepalive_ms: 5_000,
            answer_within_ms: 500,
            request_timeout_ms: 30_000,
            streaming_request_timeout_ms: 30_000,
            idle_timeout_ms: 120_000,
            max_message: 64 * 1024,
            bundle_max_bytes: 256 * 1024,
            bundle_max_records: 1024,
            bundle_linger_ms: 50,
            window: 16,
            max_queued_bytes: 512 * 1024,
            max_host_queries: 8,
            connection_id: 1,
        }
    }
}

/// Where a record handed to the session comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// The metadata snapshot (latest value of each metadata entry), sent first.
    Snapshot,
    /// The log, from the requested time on.
    Log,
}

/// One record handed to the server session for sending.
#[derive(Debug, Clone, Copy)]
pub struct OutRecord<'a> {
    /// Record type.
    pub record_type: u32,
    /// Archival timestamp (0 for metadata snapshots).
    pub archive_ts: u32,
    /// Store sequence number of the log record (for a snapshot entry: of the log record it
    /// came from).
    pub seq: u64,
    /// Snapshot or log.
    pub origin: Origin,
    /// Record body in its stored wire form.
    pub body: &'a [u8],
}

/// What the session did with a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Push {
    /// Queued for sending.
    Queued,
    /// Not sent: the subscription does not cover it, or the snapshot already sent it.
    Filtered,
    /// Not taken now (window or queue full, or not streaming): offer it again later.
    Full,
}

/// What the driver must feed once subscribed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedPlan {
    /// Send the metadata snapshot first (with [`Origin::Snapshot`]).
    pub snapshot: bool,
    /// Then the log from this archival time (0 oldest, 0xFFFFFFFF now).
    pub from_timestamp: u32,
    /// Whether any record can be sent at all (a host-only session needs no feeder).
    pub records: bool,
}

/// Why a session ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CloseReason {
    /// The client sent an Error message (its goodbye, or a complaint).
    ClientError(ErrorMessage),
    /// The server sent an Error and closed: the code and text sent.
    ErrorSent {
        /// Code sent.
        code: i32,
        /// Text sent.
        text: String,
    },
}

impl std::fmt::Display for CloseReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CloseReason::ClientError(e) => write!(f, "client sent Error {}: {}", e.code, e.text_lossy()),
            CloseReason::ErrorSent { code, text } => write!(f, "sent Error {code}: {text}"),
        }
    }
}

/// What the server driver must act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerEvent {
    /// The subscription is settled: feed records as the plan says.
    Subscribed {
        /// What the client asked for.
        subscription: Subscription,
        /// What to feed.
        plan: FeedPlan,
    },
    /// Look these hosts up and hand them to `answer_hosts`.
    HostQuery(HostQuery),
    /// The session is over: write what `poll_transmit` still returns, then close.
    Closed(CloseReason),
}

#[derive(Debug)]
struct Streaming {
    sub: Subscription,
    extended: bool,
    bundle: OpenBundle,
    sequence: u32,
    unacked: u32,
    /// When the window last became full without an ack since.
    stalled_since: Option<Millis>,
    /// Snapshot identities sent: (record type, identity) → seq of the entry.
    snapshot: HashMap<(u32, Vec<u8>), u64>,
    /// What the subscription decides per record type, worked out on first sight.
    routes: records::Routes,
}

#[derive(Debug)]
enum State {
    AwaitRequest { deadline: Millis },
    AwaitStreamingRequest { request: EventStreamRequest, deadline: Millis },
    Streaming(Box<Streaming>),
    Closed,
}

impl State {
    fn name(&self) -> &'static str {
        match self {
            State::AwaitRequest { .. } => "awaiting Event Stream Request",
            State::AwaitStreamingRequest { .. } => "awaiting Streaming Request",
            State::Streaming(_) => "streaming",
            State::Closed => "closed",
        }
    }
}

/// Server side of one eStreamer session.
#[derive(Debug)]
pub struct ServerSession {
    cfg: ServerConfig,
    state: State,
    rx: RxBuffer,
    tx: VecDeque<Vec<u8>>,
    tx_bytes: usize,
    events: VecDeque<ServerEvent>,
    last_sent: Millis,
    answer_due: Option<Millis>,
    hosts: VecDeque<HostQuery>,
    /// Whether the first queued host query was handed to the driver.
    host_active: bool,
    /// Records skipped because the subscription does not cover them.
    pub filtered: u64,
    /// Log metadata records skipped because the snapshot already sent that entry.
    pub deduplicated: u64,
    /// Records sent.
    pub sent_records: u64,
}

impl ServerSession {
    /// New session waiting for the Event Stream Request. The server never speaks first.
    pub fn new(cfg: ServerConfig, now: Millis) -> Self {
        let deadline = now.saturating_add(cfg.request_timeout_ms);
        ServerSession {
            cfg,
            state: State::AwaitRequest { deadline },
            rx: RxBuffer::default(),
            tx: VecDeque::new(),
            tx_bytes: 0,
            events: VecDeque::new(),
            last_sent: now,
            answer_due: None,
            hosts: VecDeque::new(),
            host_active: false,
            filtered: 0,
            deduplicated: 0,
            sent_records: 0,
        }
    }

    /// The settled subscription, once streaming.
    pub fn subscription(&self) -> Option<&Subscription> {
        match &self.state {
            State::Streaming(s) => Some(&s.sub),
            _ => None,
        }
    }

    /// Whether the session has ended (write what is queued, then close).
    pub fn is_closed(&self) -> bool {
        matches!(self.state, State::Closed)
    }

    /// Bundles sent and not yet acknowledged.
    pub fn unacked(&self) -> u32 {
        match &self.state {
            State::Streaming(s) => s.unacked,
            _ => 0,
        }
    }

    /// Feed received bytes. Problems end the session through [`ServerEvent::Closed`] after an
    /// Error message for the client (PROTOCOL.md §11.1).
    pub fn receive(&mut self, bytes: &[u8], now: Millis) {
        if self.is_closed() {
            return;
        }
        self.rx.extend(bytes);
        loop {
            let msg = match self.rx.next_frame(self.cfg.max_message) {
                Ok(None) => return,
                Ok(Some(frame)) => Message::decode(frame),
                Err(e) => Err(e),
            };
            match msg {
                Ok(m) => self.on_message(m, now),
                Err(e) => {
                    let code = if matches!(e, WireError::TooLarge { .. }) {
                        error_codes::TOO_LARGE
                    } else {
                        error_codes::MALFORMED
                    };
                    self.close_with_error(code, &e.to_string(), now);
                }
            }
            if self.is_closed() {
                return;
            }
        }
    }

    fn on_message(&mut self, m: Message, now: Millis) {
        match m {
            // Acks may arrive at any time; eNcore sends one per message it receives.
            Message::Null => self.on_ack(now),
            Message::Error(e) => {
                self.state = State::Closed;
                self.events.push_back(ServerEvent::Closed(CloseReason::ClientError(e)));
            }
            Message::EventStreamRequest(req) if matches!(self.state, State::AwaitRequest { .. }) => {
                self.on_request(req, now)
            }
            Message::StreamingRequest(s) => match std::mem::replace(&mut self.state, State::Closed) {
                State::AwaitStreamingRequest { request, .. } => {
                    let sub = Subscription {
                        initial_timestamp: request.initial_timestamp,
                        flags: request.flags,
                        events: s.events,
                    };
                    self.start_streaming(sub, true, now);
                }
                other => {
                    self.state = other;
                    self.unexpected(MessageType::StreamingRequest, now);
                }
            },
            Message::HostRequest(h) => self.on_host_request(h, now),
            other => self.unexpected(other.msg_type(), now),
        }
    }

    fn unexpected(&mut self, msg_type: MessageType, now: Millis) {
        let e = WireError::Unexpected { msg_type, state: self.state.name() };
        self.close_with_error(error_codes::UNEXPECTED, &e.to_string(), now);
    }

    fn on_ack(&mut self, now: Millis) {
        if let State::Streaming(s) = &mut self.state {
            s.unacked = s.unacked.saturating_sub(1);
            s.stalled_since = None;
            // Credit came back: a bundle held by the full window may go now.
            if s.extended && !s.bundle.is_empty() && now >= s.bundle.since + self.cfg.bundle_linger_ms {
                self.flush(now);
            }
        }
    }

    fn on_request(&mut self, req: EventStreamRequest, now: Millis) {
        if req.extended() {
            // Advertise the event service at once; eNcore's probe reads exactly this.
            self.queue(Message::StreamingInformation(vec![StreamingService::advertise(SERVICE_EVENT_STREAM)]), now);
            let deadline = now.saturating_add(self.cfg.streaming_request_timeout_ms);
            self.state = State::AwaitStreamingRequest { request: req, deadline };
        } else {
            let sub = Subscription { initial_timestamp: req.initial_timestamp, flags: req.flags, events: Vec::new() };
            // eNcore's legacy probe gives up after 2 s without a message (PROTOCOL.md §12.1).
            self.queue(Message::Null, now);
            self.start_streaming(sub, false, now);
        }
    }

    fn start_streaming(&mut self, sub: Subscription, extended: bool, now: Millis) {
        let plan =
            FeedPlan { snapshot: sub.metadata(), from_timestamp: sub.initial_timestamp, records: sub.wants_any() };
        if extended {
            self.answer_due = Some(now + self.cfg.answer_within_ms);
        }
        self.events.push_back(ServerEvent::Subscribed { subscription: sub.clone(), plan });
        self.state = State::Streaming(Box::new(Streaming {
            sub,
            extended,
            bundle: OpenBundle::new(),
            sequence: 0,
            unacked: 0,
            stalled_since: None,
            snapshot: HashMap::new(),
            routes: records::Routes::default(),
        }));
    }

    /// The driver could not read the store: end the session with an Error.
    pub fn store_failed(&mut self, reason: &str, now: Millis) {
        self.close_with_error(error_codes::STORE, &format!("server store error: {reason}"), now);
    }

    fn close_with_error(&mut self, code: i32, text: &str, now: Millis) {
        if self.is_closed() {
            return;
        }
        // Error texts are at most 65535 bytes (u16 length).
        let mut text = text.to_string();
        if text.len() > 1024 {
            let mut cut = 1024;
            while !text.is_char_boundary(cut) {
                cut -= 1;
            }
            text.truncate(cut);
        }
        self.queue(Message::Error(ErrorMessage::new(code, &text)), now);
        self.state = State::Closed;
        self.hosts.clear();
        self.host_active = false;
        self.events.push_back(ServerEvent::Closed(CloseReason::ErrorSent { code, text }));
    }

    fn queue(&mut self, m: Message, now: Millis) {
        let bytes = m.to_bytes().expect("the session's own messages always encode");
        self.queue_raw(bytes, now);
    }

    fn queue_raw(&mut self, bytes: Vec<u8>, now: Millis) {
        self.tx_bytes += bytes.len();
        self.tx.push_back(bytes);
        self.last_sent = now;
        self.answer_due = None;
    }

    /// Deadlines, keepalives, bundle linger and the idle limit.
    pub fn handle_timeout(&mut self, now: Millis) {
        match &self.state {
            State::Closed => return,
            State::AwaitRequest { deadline } if now >= *deadline => {
                let text = format!("no Event Stream Request within {} s", self.cfg.request_timeout_ms / 1000);
                return self.close_with_error(error_codes::TIMEOUT, &text, now);
            }
            State::AwaitStreamingRequest { deadline, .. } if now >= *deadline => {
                let text = format!("no Streaming Request within {} s", self.cfg.streaming_request_timeout_ms / 1000);
                return self.close_with_error(error_codes::TIMEOUT, &text, now);
            }
            State::Streaming(s) => {
                if s.stalled_since.is_some_and(|t| now >= t.saturating_add(self.cfg.idle_timeout_ms)) {
                    let text =
                        format!("no acknowledgement for {} s with the window full", self.cfg.idle_timeout_ms / 1000);
                    return self.close_with_error(error_codes::NO_ACK, &text, now);
                }
                if !s.bundle.is_empty() && now >= s.bundle.since + self.cfg.bundle_linger_ms {
                    self.flush(now);
                }
            }
            _ => {}
        }
        if self.answer_due.is_some_and(|d| now >= d) || self.keepalive_due(now) {
            self.queue(Message::Null, now);
        }
    }

    /// Keepalives only while streaming, and not while the client owes acks for a full window
    /// (a Null would buy credit it has not earned).
    fn keepalive_due(&self, now: Millis) -> bool {
        match &self.state {
            State::Streaming(s) => {
                now >= self.last_sent + self.cfg.keepalive_ms && !(s.extended && s.unacked >= self.cfg.window)
            }
            _ => false,
        }
    }

    /// When `handle_timeout` should next be called.
    pub fn next_timeout(&self) -> Option<Millis> {
        let mut t: Option<Millis> = self.answer_due;
        let mut at = |x: Millis| t = Some(t.map_or(x, |t| t.min(x)));
        match &self.state {
            State::Closed => return None,
            State::AwaitRequest { deadline } | State::AwaitStreamingRequest { deadline, .. } => at(*deadline),
            State::Streaming(s) => {
                match s.stalled_since {
                    Some(since) => at(since.saturating_add(self.cfg.idle_timeout_ms)),
                    None => at(self.last_sent + self.cfg.keepalive_ms),
                }
                if !s.bundle.is_empty() {
                    at(s.bundle.since + self.cfg.bundle_linger_ms);
                }
            }
        }
        t
    }

    /// Next whole message(s) to write.
    pub fn poll_transmit(&mut self) -> Option<Vec<u8>> {
        let b = self.tx.pop_front()?;
        self.tx_bytes -= b.len();
        Some(b)
    }

    /// Bytes waiting in `poll_transmit`.
    pub fn queued_bytes(&self) -> usize {
        self.tx_bytes
    }

    /// Next event for the driver.
    pub fn poll_event(&mut self) -> Option<ServerEvent> {
        self.events.pop_front()
    }
}
