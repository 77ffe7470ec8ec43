//! Server side of one eStreamer session.
//!
//! The state carries its own data: waiting for the Event Stream Request (with its deadline),
//! waiting for the Streaming Request (with the request and its deadline), streaming (with the
//! subscription, the open bundle, the window and the snapshot identities), closed. Host
//! queries are answered in any state after the Event Stream Request. The driver supplies
//! records (`push_record`), host profiles (`answer_hosts`), store failures (`store_failed`)
//! and time; the session decides everything else.

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

/// A validated host query the driver must look up in the network map.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostQuery {
    /// First address (IPv4 as IPv4-mapped IPv6).
    pub start: [u8; 16],
    /// Last address, inclusive (equal to `start` for a single host).
    pub end: [u8; 16],
    /// Single host (data types 4 and 6) or range (5 and 7).
    pub single: bool,
    /// The request's data type.
    pub data_type: u32,
    /// Fill host notes (request flag 0x1).
    pub notes: bool,
    /// Fill service banners (request flag 0x2).
    pub banners: bool,
}

/// A host as the network map knows it, able to write the profile blocks a query asks for.
pub trait HostBlocks {
    /// The host's address (IPv4 as IPv4-mapped IPv6): the map's key and the order of answers.
    fn address(&self) -> [u8; 16];
    /// The 4.9 full host profile, block 92 (data types 4/5); `None` when the host cannot be
    /// written in it (block 92 holds an IPv4 address only).
    fn to_block92(&self, notes: bool, banners: bool) -> Option<Vec<u8>>;
    /// The 5.x host profile served for data types 6/7 (S1 139, see `docs/protocol.md`).
    fn to_block139(&self, banners: bool) -> Vec<u8>;
}

impl<T: HostBlocks + ?Sized> HostBlocks for Box<T> {
    fn address(&self) -> [u8; 16] {
        (**self).address()
    }
    fn to_block92(&self, notes: bool, banners: bool) -> Option<Vec<u8>> {
        (**self).to_block92(notes, banners)
    }
    fn to_block139(&self, banners: bool) -> Vec<u8> {
        (**self).to_block139(banners)
    }
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

/// One bundle being filled: the message header and bundle words are reserved at the front
/// and written when it closes, so items are encoded once, in place.
#[derive(Debug)]
struct OpenBundle {
    bytes: Vec<u8>,
    records: usize,
    since: Millis,
}

const BUNDLE_PREFIX: usize = HEADER_LEN + 8;

impl OpenBundle {
    fn new() -> Self {
        OpenBundle { bytes: vec![0; BUNDLE_PREFIX], records: 0, since: 0 }
    }

    fn is_empty(&self) -> bool {
        self.records == 0
    }

    fn is_full(&self, cfg: &ServerConfig) -> bool {
        self.bytes.len() - HEADER_LEN >= cfg.bundle_max_bytes || self.records >= cfg.bundle_max_records
    }
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
        }));
    }

    fn on_host_request(&mut self, h: HostRequest, now: Millis) {
        if matches!(self.state, State::AwaitRequest { .. }) {
            return self.close_with_error(
                error_codes::UNEXPECTED,
                "Host Request before the Event Stream Request; send an Event Stream Request first",
                now,
            );
        }
        let single = match h.data_type {
            4 | 6 => true,
            5 | 7 => false,
            n => {
                let text = format!("host data type {n} is not served; ask for 4/5 (4.9 profile) or 6/7 (5.x profile)");
                return self.close_with_error(error_codes::HOST_DATA_TYPE, &text, now);
            }
        };
        if !single && h.end < h.start {
            let text = format!("host range {} - {} ends before it starts", ip_text(&h.start), ip_text(&h.end));
            return self.close_with_error(error_codes::HOST_RANGE, &text, now);
        }
        if self.hosts.len() >= self.cfg.max_host_queries {
            return self.close_with_error(error_codes::BUSY, "too many host requests waiting for an answer", now);
        }
        self.hosts.push_back(HostQuery {
            start: h.start,
            end: if single { h.start } else { h.end },
            single,
            data_type: h.data_type,
            notes: h.flags & 1 != 0,
            banners: h.flags & 2 != 0,
        });
        self.next_host_query();
    }

    fn next_host_query(&mut self) {
        if !self.host_active {
            if let Some(q) = self.hosts.front() {
                self.host_active = true;
                self.events.push_back(ServerEvent::HostQuery(q.clone()));
            }
        }
    }

    /// Whether the driver may hand over (more) hosts for the current query now.
    pub fn wants_host_data(&self) -> bool {
        self.host_active && !self.is_closed() && self.tx_bytes < self.cfg.max_queued_bytes
    }

    /// Answer the current host query with `hosts` (in address order); `complete` when the
    /// driver has handed over every host of the query. A single-host query takes one call
    /// with zero or one host.
    pub fn answer_hosts<H: HostBlocks>(&mut self, hosts: &[H], complete: bool, now: Millis) {
        let Some(q) = self.hosts.front().cloned() else { return };
        if !self.host_active || self.is_closed() {
            return;
        }
        let block =
            |h: &H| if q.data_type <= 5 { h.to_block92(q.notes, q.banners) } else { Some(h.to_block139(q.banners)) };
        if q.single {
            let Some(host) = hosts.first() else {
                let text = format!("no host {} in the network map", ip_text(&q.start));
                return self.close_with_error(error_codes::HOST_NOT_FOUND, &text, now);
            };
            let Some(b) = block(host) else {
                let text = format!(
                    "host {} cannot be written in block 92 (IPv4 only); ask for data type 6",
                    ip_text(&q.start)
                );
                return self.close_with_error(error_codes::HOST_NOT_REPRESENTABLE, &text, now);
            };
            self.queue_raw(host_message(MessageType::SingleHostData, &b), now);
        } else {
            for b in hosts.iter().filter_map(block) {
                self.queue_raw(host_message(MessageType::MultipleHostData, &b), now);
            }
            if !complete {
                return;
            }
            // The end of a range answer: a header-only type 7, which the Perl SDK stops on
            // (HOSTS.md §3.4).
            self.queue_raw(host_message(MessageType::MultipleHostData, &[]), now);
        }
        self.hosts.pop_front();
        self.host_active = false;
        self.next_host_query();
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

    /// Whether the session can take more records now.
    pub fn wants_records(&self) -> bool {
        let State::Streaming(s) = &self.state else { return false };
        if self.tx_bytes >= self.cfg.max_queued_bytes {
            return false;
        }
        !s.extended || s.unacked < self.cfg.window || !s.bundle.is_full(&self.cfg)
    }

    /// Offer one record. Converts the block version when the client asked for another one;
    /// skips log metadata the snapshot already sent (same entry identity, not newer).
    pub fn push_record(&mut self, rec: OutRecord<'_>, now: Millis) -> Push {
        if !self.wants_records() {
            return Push::Full;
        }
        let State::Streaming(s) = &mut self.state else { return Push::Full };
        if !s.sub.wants_record(rec.record_type) {
            self.filtered += 1;
            return Push::Filtered;
        }
        if identity_fields(rec.record_type).is_some() {
            match rec.origin {
                Origin::Snapshot => {
                    if let Some(id) = metadata_identity(rec.record_type, rec.body) {
                        s.snapshot.insert((rec.record_type, id), rec.seq);
                    }
                }
                Origin::Log if !s.snapshot.is_empty() && is_metadata(rec.record_type) => {
                    let sent = metadata_identity(rec.record_type, rec.body)
                        .and_then(|id| s.snapshot.get(&(rec.record_type, id)).copied());
                    if sent.is_some_and(|seq| seq >= rec.seq) {
                        self.deduplicated += 1;
                        return Push::Filtered;
                    }
                }
                Origin::Log => {}
            }
        }
        let target = s.sub.target_block(rec.record_type);
        let converted;
        let body = match target {
            Some(t) => {
                converted = convert(rec, t);
                converted.as_deref().unwrap_or(rec.body)
            }
            None => rec.body,
        };
        let archive = s.sub.archive_header().then_some(rec.archive_ts);
        self.sent_records += 1;
        if s.extended {
            if s.bundle.is_empty() {
                s.bundle.since = now;
            }
            write_item(&mut s.bundle.bytes, rec.record_type, archive, body);
            s.bundle.records += 1;
            if s.bundle.is_full(&self.cfg) {
                self.flush(now);
            }
        } else {
            let mut m = Vec::with_capacity(HEADER_LEN + 16 + body.len());
            m.extend_from_slice(&[0, 1, 0, 4, 0, 0, 0, 0]);
            write_record(&mut m, rec.record_type, archive, body);
            let len = (m.len() - HEADER_LEN) as u32;
            m[4..8].copy_from_slice(&len.to_be_bytes());
            self.queue_raw(m, now);
        }
        Push::Queued
    }

    /// Close the open bundle now if the window allows (the driver calls this when the store
    /// has nothing more for the moment).
    pub fn flush(&mut self, now: Millis) {
        let window = self.cfg.window;
        let conn = self.cfg.connection_id;
        let State::Streaming(s) = &mut self.state else { return };
        if s.bundle.is_empty() {
            return;
        }
        if s.unacked >= window {
            s.stalled_since.get_or_insert(now);
            return;
        }
        s.sequence = s.sequence.wrapping_add(1);
        s.unacked += 1;
        if s.unacked >= window {
            s.stalled_since = Some(now);
        }
        let mut bytes = std::mem::replace(&mut s.bundle, OpenBundle::new()).bytes;
        let len = (bytes.len() - HEADER_LEN) as u32;
        bytes[..HEADER_LEN].copy_from_slice(&[0, 1, 0x0F, 0xA2, 0, 0, 0, 0]);
        bytes[4..8].copy_from_slice(&len.to_be_bytes());
        bytes[8..12].copy_from_slice(&conn.to_be_bytes());
        bytes[12..16].copy_from_slice(&s.sequence.to_be_bytes());
        self.queue_raw(bytes, now);
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

fn write_record(out: &mut Vec<u8>, record_type: u32, archive: Option<u32>, body: &[u8]) {
    out.extend_from_slice(&record_type.to_be_bytes());
    out.extend_from_slice(&(body.len() as u32).to_be_bytes());
    if let Some(ts) = archive {
        out.extend_from_slice(&ts.to_be_bytes());
        out.extend_from_slice(&[0; 4]);
    }
    out.extend_from_slice(body);
}

fn write_item(out: &mut Vec<u8>, record_type: u32, archive: Option<u32>, body: &[u8]) {
    let len = body.len() + if archive.is_some() { 16 } else { 8 };
    out.extend_from_slice(&4u32.to_be_bytes());
    out.extend_from_slice(&(len as u32).to_be_bytes());
    write_record(out, record_type, archive, body);
}

fn host_message(t: MessageType, block: &[u8]) -> Vec<u8> {
    let mut m = Vec::with_capacity(HEADER_LEN + block.len());
    m.extend_from_slice(&[0, 1]);
    m.extend_from_slice(&t.code().to_be_bytes());
    m.extend_from_slice(&(block.len() as u32).to_be_bytes());
    m.extend_from_slice(block);
    m
}

fn ip_text(a: &[u8; 16]) -> String {
    crate::value::ipv6_text(a)
}

/// Re-encode a stored record in another block version by field name (missing fields zero or
/// empty, extra fields dropped). `None` when the stored bytes already are that version, or when
/// re-encoding fails (then the stored bytes go out as they are).
pub fn convert(rec: OutRecord<'_>, target: &'static BlockDef) -> Option<Vec<u8>> {
    let table = versions(rec.record_type)?;
    // A cheap look at the stored block's type word before any decoding.
    if table.block_of(rec.body) == Some(target.number) {
        return None;
    }
    let head = RecordHead { record_type: rec.record_type, archive_ts: rec.archive_ts, checksum: 0 };
    let d = decode_record(head, rec.body);
    encode_record_body(rec.record_type, &d.value, Some(target)).ok()
}
