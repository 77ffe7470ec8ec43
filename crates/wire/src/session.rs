//! Sans-io session state machines (as in rustls): bytes in, bytes out, time passed in.
//!
//! Neither machine touches a socket or a clock. The driver feeds received bytes with
//! `receive`, writes whatever `poll_transmit` returns (each item is one or more *whole*
//! messages, because real clients drop the stream when a message stalls half-written), calls
//! `handle_timeout` at `next_timeout`, and reacts to `poll_event`.

use std::collections::VecDeque;

use crate::message::{
    check, flags, Bundle, ErrorMessage, EventData, EventSpec, EventStreamRequest, HostRequest, Message,
    StreamingService, DEFAULT_MAX_MESSAGE, HEADER_LEN, NULL_MESSAGE, SERVICE_EVENT_STREAM,
};
use crate::schema::{blocks, record_def, BlockDef, Family};
use crate::walk::{decode_record, encode_record_body, RecordHead};
use crate::WireError;

/// Milliseconds on the driver's monotonic clock.
pub type Millis = u64;

/// Extended event codes (PROTOCOL.md §5.4).
pub mod codes {
    /// Intrusion events.
    pub const INTRUSION: u16 = 12;
    /// Metadata.
    pub const METADATA: u16 = 21;
    /// Correlation events.
    pub const CORRELATION: u16 = 31;
    /// Discovery events.
    pub const DISCOVERY: u16 = 61;
    /// Connection events.
    pub const CONNECTION: u16 = 71;
    /// User events.
    pub const USER: u16 = 91;
    /// Malware events.
    pub const MALWARE: u16 = 101;
    /// File events.
    pub const FILE: u16 = 111;
    /// Impact alerts.
    pub const IMPACT: u16 = 131;
}

/// The event list eNcore 5.2.11 sends, in its fixed order (PROTOCOL.md §5.4).
pub const ENCORE_5_2_11_EVENTS: [EventSpec; 9] = [
    EventSpec { version: 11, code: codes::INTRUSION },
    EventSpec { version: 4, code: codes::METADATA },
    EventSpec { version: 9, code: codes::CORRELATION },
    EventSpec { version: 11, code: codes::DISCOVERY },
    EventSpec { version: 17, code: codes::CONNECTION },
    EventSpec { version: 7, code: codes::USER },
    EventSpec { version: 8, code: codes::MALWARE },
    EventSpec { version: 7, code: codes::FILE },
    EventSpec { version: 2, code: codes::IMPACT },
];

/// What a client subscribed to, as the server resolves it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription {
    /// 0 oldest, 0xFFFFFFFF now, else archival seconds (inclusive bound).
    pub initial_timestamp: u32,
    /// Request flags of the Event Stream Request.
    pub flags: u32,
    /// Extended event list (empty in legacy mode).
    pub events: Vec<EventSpec>,
}

impl Subscription {
    /// Whether records carry the 16-byte record header (bit 23).
    pub fn archive_header(&self) -> bool {
        self.flags & flags::ARCHIVE_TIMESTAMP != 0
    }

    /// Whether metadata records were asked for (any metadata bit or extended code 21).
    pub fn metadata(&self) -> bool {
        self.flags & flags::ANY_METADATA != 0 || self.version_of(codes::METADATA).is_some()
    }

    fn version_of(&self, code: u16) -> Option<u16> {
        self.events.iter().find(|e| e.code == code).map(|e| e.version)
    }

    /// Whether records of `family` are requested. Where both a legacy bit and an extended
    /// entry cover a family, the record is sent once (the extended entry decides the version).
    pub fn wants(&self, family: Family) -> bool {
        let f = self.flags;
        let (bits, code) = match family {
            Family::Packet => (flags::PACKETS, None),
            Family::Metadata => (flags::ANY_METADATA, Some(codes::METADATA)),
            Family::Intrusion => (flags::INTRUSION | flags::INTRUSION_V1, Some(codes::INTRUSION)),
            Family::Impact => (flags::IMPACT_ALERTS, Some(codes::IMPACT)),
            Family::ExtraData => (flags::EXTRA_DATA, None),
            Family::Discovery => (flags::ANY_DISCOVERY, Some(codes::DISCOVERY)),
            Family::Connection => (flags::ANY_CONNECTION, Some(codes::CONNECTION)),
            Family::Correlation => (flags::ANY_CORRELATION, Some(codes::CORRELATION)),
            Family::User | Family::Vpn => (flags::USER, Some(codes::USER)),
            Family::Malware => (0, Some(codes::MALWARE)),
            Family::File => (0, Some(codes::FILE)),
        };
        f & bits != 0 || code.is_some_and(|c| self.version_of(c).is_some())
    }

    /// The block version to serve a record in. With an extended entry for the family, the
    /// version table decides. A family requested only through legacy flag bits gets the oldest
    /// layout of the table: legacy requests come from older clients, and every known client
    /// decodes those (eNcore 3.x reads only S2 60 for intrusion and S2 56 for files).
    /// `None` = serve the stored bytes as they are.
    pub fn target_block(&self, record_type: u32) -> Option<&'static BlockDef> {
        let table = version_table(record_type)?;
        let (code, family) = match record_type {
            400 => (codes::INTRUSION, Family::Intrusion),
            71 => (codes::CONNECTION, Family::Connection),
            500 | 502 => (codes::FILE, Family::File),
            125 => (codes::MALWARE, Family::Malware),
            _ => (codes::USER, Family::User),
        };
        match self.version_of(code) {
            Some(v) => Some(block_for_version(table, v)),
            None if self.wants(family) => table.first().map(|(_, b)| *b),
            None => None,
        }
    }
}

/// Extended event version → block version, per record type (PROTOCOL.md §5.4 and
/// `docs/records.md`). Each entry is (first version served with this block, block).
pub fn version_table(record_type: u32) -> Option<&'static [(u16, &'static BlockDef)]> {
    static INTRUSION: [(u16, &BlockDef); 3] = [(9, &blocks::S2_60), (10, &blocks::S2_81), (11, &blocks::S2_85)];
    static CONNECTION: [(u16, &BlockDef); 4] =
        [(14, &blocks::S1_163), (15, &blocks::S1_169), (16, &blocks::S1_171), (17, &blocks::S1_174)];
    static FILE: [(u16, &BlockDef); 2] = [(6, &blocks::S2_56), (7, &blocks::S2_79)];
    static MALWARE: [(u16, &BlockDef); 2] = [(7, &blocks::S2_62), (8, &blocks::S2_80)];
    static USER_LOGIN: [(u16, &BlockDef); 2] = [(4, &blocks::S1_127), (7, &blocks::S1_167)];
    Some(match record_type {
        400 => &INTRUSION,
        71 => &CONNECTION,
        500 | 502 => &FILE,
        125 => &MALWARE,
        95 => &USER_LOGIN,
        _ => return None,
    })
}

/// The block for a requested version: the newest entry not above it; below the oldest entry,
/// the oldest; above the newest, the newest.
pub fn block_for_version(table: &[(u16, &'static BlockDef)], version: u16) -> &'static BlockDef {
    table.iter().rev().find(|(v, _)| *v <= version).or(table.first()).map(|(_, b)| *b).expect("tables are not empty")
}

/// One record handed to the server session for sending.
#[derive(Debug, Clone, Copy)]
pub struct OutRecord<'a> {
    /// Record type.
    pub record_type: u32,
    /// Archival timestamp (0 for metadata snapshots).
    pub archive_ts: u32,
    /// Record body in its stored wire form.
    pub body: &'a [u8],
}

/// Server session tuning.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Send a Null when nothing was sent for this long.
    pub keepalive_ms: Millis,
    /// Answer every request within this long, with a Null if nothing else is ready.
    pub answer_within_ms: Millis,
    /// Largest accepted client message body.
    pub max_message: usize,
    /// Close a bundle at this many body bytes.
    pub bundle_max_bytes: usize,
    /// Close a bundle at this many records.
    pub bundle_max_records: usize,
    /// Close a partly filled bundle after this long.
    pub bundle_linger_ms: Millis,
    /// Bundles sent but not yet acknowledged before the server waits (extended mode).
    pub window: u32,
    /// Connection id written into bundles.
    pub connection_id: u32,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            keepalive_ms: 5_000,
            answer_within_ms: 500,
            max_message: 1 << 20,
            bundle_max_bytes: 256 * 1024,
            bundle_max_records: 1024,
            bundle_linger_ms: 50,
            window: 16,
            connection_id: 1,
        }
    }
}

/// What the server driver must act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerEvent {
    /// The subscription is settled: start feeding records with `push_record`.
    Subscribed(Subscription),
    /// The client asked for host data.
    HostRequest(HostRequest),
    /// The client sent an Error message; the session is over.
    ClientError(ErrorMessage),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ServerState {
    AwaitRequest,
    AwaitStreamingRequest,
    Streaming { extended: bool },
    Closed,
}

/// Server side of one eStreamer session.
#[derive(Debug)]
pub struct ServerSession {
    cfg: ServerConfig,
    state: ServerState,
    rx: Vec<u8>,
    tx: VecDeque<Vec<u8>>,
    events: VecDeque<ServerEvent>,
    sub: Option<Subscription>,
    pending: Vec<EventData>,
    pending_bytes: usize,
    pending_since: Millis,
    sequence: u32,
    unacked: u32,
    last_sent: Millis,
    answer_due: Option<Millis>,
    /// Records skipped because the subscription does not cover them.
    pub filtered: u64,
    /// Records sent.
    pub sent_records: u64,
}

impl ServerSession {
    /// New session waiting for the Event Stream Request.
    pub fn new(cfg: ServerConfig, now: Millis) -> Self {
        ServerSession {
            cfg,
            state: ServerState::AwaitRequest,
            rx: Vec::new(),
            tx: VecDeque::new(),
            events: VecDeque::new(),
            sub: None,
            pending: Vec::new(),
            pending_bytes: 0,
            pending_since: now,
            sequence: 0,
            unacked: 0,
            last_sent: now,
            answer_due: None,
            filtered: 0,
            sent_records: 0,
        }
    }

    /// The settled subscription, once known.
    pub fn subscription(&self) -> Option<&Subscription> {
        self.sub.as_ref()
    }

    /// Whether the session has ended.
    pub fn is_closed(&self) -> bool {
        self.state == ServerState::Closed
    }

    /// Feed received bytes. An error means the session must end (the reason is in the error);
    /// an Error message for the client may be waiting in `poll_transmit`.
    pub fn receive(&mut self, bytes: &[u8], now: Millis) -> Result<(), WireError> {
        self.rx.extend_from_slice(bytes);
        loop {
            let n = match check(&self.rx, self.cfg.max_message) {
                Ok(Some(n)) => n,
                Ok(None) => return Ok(()),
                Err(e) => return Err(self.fail(e)),
            };
            let msg = Message::decode(&self.rx[..n]);
            self.rx.drain(..n);
            match msg {
                Ok(m) => self.on_message(m, now)?,
                Err(e) => return Err(self.fail(e)),
            }
        }
    }

    fn fail(&mut self, e: WireError) -> WireError {
        if self.state != ServerState::Closed {
            // Try to tell the client why before closing (PROTOCOL.md §11.1).
            self.queue(Message::Error(ErrorMessage::new(-1, &e.to_string())), 0);
            self.state = ServerState::Closed;
        }
        e
    }

    fn on_message(&mut self, m: Message, now: Millis) -> Result<(), WireError> {
        match (self.state, m) {
            (ServerState::Closed, _) => Ok(()),
            // Acks may arrive at any time; eNcore sends one per message it receives.
            (_, Message::Null) => {
                self.unacked = self.unacked.saturating_sub(1);
                Ok(())
            }
            (_, Message::Error(e)) => {
                self.state = ServerState::Closed;
                self.events.push_back(ServerEvent::ClientError(e));
                Ok(())
            }
            (ServerState::AwaitRequest, Message::EventStreamRequest(req)) => {
                self.on_request(req, now);
                Ok(())
            }
            (ServerState::AwaitStreamingRequest, Message::StreamingRequest(s)) => {
                let base = self.sub.take().expect("set with the request");
                let sub = Subscription { events: s.events, ..base };
                self.sub = Some(sub.clone());
                self.state = ServerState::Streaming { extended: true };
                self.answer_due = Some(now + self.cfg.answer_within_ms);
                self.events.push_back(ServerEvent::Subscribed(sub));
                Ok(())
            }
            (ServerState::Streaming { .. } | ServerState::AwaitStreamingRequest, Message::HostRequest(h)) => {
                self.answer_due = Some(now + self.cfg.answer_within_ms);
                self.events.push_back(ServerEvent::HostRequest(h));
                Ok(())
            }
            (state, m) => Err(self.fail(WireError::Unexpected { msg_type: m.msg_type(), state: state.name() })),
        }
    }

    fn on_request(&mut self, req: EventStreamRequest, now: Millis) {
        let sub = Subscription { initial_timestamp: req.initial_timestamp, flags: req.flags, events: Vec::new() };
        if req.extended() {
            // Advertise the event service at once; eNcore's probe reads exactly this.
            self.queue(Message::StreamingInformation(vec![StreamingService::advertise(SERVICE_EVENT_STREAM)]), now);
            self.sub = Some(sub);
            self.state = ServerState::AwaitStreamingRequest;
        } else {
            self.sub = Some(sub.clone());
            self.state = ServerState::Streaming { extended: false };
            // eNcore's legacy probe gives up after 2 s without a message (PROTOCOL.md §12.1).
            self.queue(Message::Null, now);
            self.events.push_back(ServerEvent::Subscribed(sub));
        }
    }

    fn queue(&mut self, m: Message, now: Millis) {
        self.send_message(m, now).expect("the session's own messages always encode");
    }

    /// Queue an already-encoded whole message (host data answers, errors from the driver).
    pub fn send_message(&mut self, m: Message, now: Millis) -> Result<(), WireError> {
        let bytes = m.to_bytes()?;
        self.tx.push_back(bytes);
        self.last_sent = now;
        self.answer_due = None;
        Ok(())
    }

    /// Whether the session can take more records now (streaming, window and queue not full).
    pub fn wants_records(&self) -> bool {
        match self.state {
            ServerState::Streaming { extended: true } => self.unacked < self.cfg.window && self.tx.len() < 4,
            ServerState::Streaming { extended: false } => self.tx.len() < 64,
            _ => false,
        }
    }

    /// Offer one record. Returns `true` if it was queued, `false` if the subscription does not
    /// cover it (filtered). Converts the block version when the client asked for another one.
    pub fn push_record(&mut self, rec: OutRecord<'_>, now: Millis) -> bool {
        let Some(sub) = &self.sub else { return false };
        // Never send a record type the client may not know: one unknown record ends an eNcore
        // 5.2.11 session (PROTOCOL.md §7).
        let Some(def) = record_def(rec.record_type) else {
            self.filtered += 1;
            return false;
        };
        if !sub.wants(def.family) {
            self.filtered += 1;
            return false;
        }
        let archive = sub.archive_header().then_some((rec.archive_ts, 0));
        let body = match sub.target_block(rec.record_type) {
            Some(target) => convert(rec, target),
            None => rec.body.to_vec(),
        };
        let ed = EventData { record_type: rec.record_type, archive, body };
        self.sent_records += 1;
        match self.state {
            ServerState::Streaming { extended: false } => {
                self.queue(Message::EventData(ed), now);
            }
            ServerState::Streaming { extended: true } => {
                if self.pending.is_empty() {
                    self.pending_since = now;
                }
                self.pending_bytes += ed.payload_len() + 8;
                self.pending.push(ed);
                if self.pending_bytes >= self.cfg.bundle_max_bytes || self.pending.len() >= self.cfg.bundle_max_records
                {
                    self.flush(now);
                }
            }
            _ => return false,
        }
        true
    }

    /// Close the current bundle now (the driver calls this when the store has nothing more).
    pub fn flush(&mut self, now: Millis) {
        if self.pending.is_empty() {
            return;
        }
        self.sequence = self.sequence.wrapping_add(1);
        let items = std::mem::take(&mut self.pending);
        self.pending_bytes = 0;
        self.unacked += 1;
        self.queue(
            Message::Bundle(Bundle { connection_id: self.cfg.connection_id, sequence: self.sequence, items }),
            now,
        );
    }

    /// Keepalives, answer deadlines and bundle linger.
    pub fn handle_timeout(&mut self, now: Millis) {
        if self.state == ServerState::Closed {
            return;
        }
        if !self.pending.is_empty() && now >= self.pending_since + self.cfg.bundle_linger_ms {
            self.flush(now);
        }
        if self.answer_due.is_some_and(|d| now >= d) || now >= self.last_sent + self.cfg.keepalive_ms {
            self.queue(Message::Null, now);
        }
    }

    /// When `handle_timeout` should next be called.
    pub fn next_timeout(&self) -> Millis {
        let mut t = self.last_sent + self.cfg.keepalive_ms;
        if let Some(d) = self.answer_due {
            t = t.min(d);
        }
        if !self.pending.is_empty() {
            t = t.min(self.pending_since + self.cfg.bundle_linger_ms);
        }
        t
    }

    /// Next whole message(s) to write.
    pub fn poll_transmit(&mut self) -> Option<Vec<u8>> {
        self.tx.pop_front()
    }

    /// Next event for the driver.
    pub fn poll_event(&mut self) -> Option<ServerEvent> {
        self.events.pop_front()
    }
}

impl ServerState {
    fn name(self) -> &'static str {
        match self {
            ServerState::AwaitRequest => "awaiting Event Stream Request",
            ServerState::AwaitStreamingRequest => "awaiting Streaming Request",
            ServerState::Streaming { .. } => "streaming",
            ServerState::Closed => "closed",
        }
    }
}

/// Re-encode a stored record in another block version by field name (missing fields zero or
/// empty, extra fields dropped). Falls back to the stored bytes if re-encoding fails.
pub fn convert(rec: OutRecord<'_>, target: &'static BlockDef) -> Vec<u8> {
    // The version is the first word of the single block (400/125/500/502), or of the block after
    // the 56-byte discovery header (71, 95): a cheap check before any decoding.
    let at = if matches!(rec.record_type, 71 | 95) { 56 } else { 0 };
    if rec.body.get(at..at + 4).map(|b| u32::from_be_bytes(b.try_into().expect("4"))) == Some(target.number) {
        return rec.body.to_vec();
    }
    let head = RecordHead { record_type: rec.record_type, archive_ts: rec.archive_ts, checksum: 0 };
    let d = decode_record(head, rec.body);
    encode_record_body(rec.record_type, &d.value, Some(target)).unwrap_or_else(|_| rec.body.to_vec())
}

/// How the client acknowledges.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AckPolicy {
    /// A Null for every message received, like eNcore and the Perl SDK.
    EveryMessage,
    /// A Null per bundle only, as the guide describes.
    BundlesOnly,
}

/// Client session settings.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// Initial timestamp of the Event Stream Request.
    pub initial_timestamp: u32,
    /// Request flags.
    pub flags: u32,
    /// Extended event list (used when `flags` has bit 30).
    pub events: Vec<EventSpec>,
    /// Acknowledgement policy.
    pub ack: AckPolicy,
    /// Largest accepted server message body.
    pub max_message: usize,
}

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig {
            initial_timestamp: 0,
            flags: flags::ENCORE_DEFAULT,
            events: ENCORE_5_2_11_EVENTS.to_vec(),
            ack: AckPolicy::EveryMessage,
            max_message: DEFAULT_MAX_MESSAGE,
        }
    }
}

/// What the client driver sees.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientEvent {
    /// One record (from an Event Data message or a bundle item).
    Record(EventData),
    /// A record whose framing was bad; it was skipped.
    CorruptRecord(WireError),
    /// The server sent an Error message.
    ServerError(ErrorMessage),
    /// The server advertised its services (extended mode).
    StreamingInformation(Vec<StreamingService>),
    /// Host data answer.
    HostData(Message),
    /// Null keepalive.
    Keepalive,
    /// A message type the client does not know (acked and ignored).
    Unknown(u16),
}

enum Queued {
    Event(ClientEvent),
    /// Send a Null once the events queued before it were taken: acks follow processing.
    Ack,
}

/// Client side of one eStreamer session.
pub struct ClientSession {
    cfg: ClientConfig,
    rx: Vec<u8>,
    tx: VecDeque<Vec<u8>>,
    queue: VecDeque<Queued>,
    requested_streaming: bool,
    /// Bundles received.
    pub bundles: u64,
}

impl ClientSession {
    /// New session; the Event Stream Request is queued for sending.
    pub fn new(cfg: ClientConfig) -> Self {
        let req = Message::EventStreamRequest(EventStreamRequest {
            initial_timestamp: cfg.initial_timestamp,
            flags: cfg.flags,
        });
        let mut tx = VecDeque::new();
        tx.push_back(req.to_bytes().expect("request encodes"));
        ClientSession { cfg, rx: Vec::new(), tx, queue: VecDeque::new(), requested_streaming: false, bundles: 0 }
    }

    /// Feed received bytes; an error is fatal for the session.
    pub fn receive(&mut self, bytes: &[u8]) -> Result<(), WireError> {
        self.rx.extend_from_slice(bytes);
        while let Some(n) = check(&self.rx, self.cfg.max_message)? {
            let frame: Vec<u8> = self.rx.drain(..n).collect();
            self.on_frame(&frame)?;
        }
        Ok(())
    }

    fn ack(&mut self, is_bundle: bool) {
        if is_bundle || self.cfg.ack == AckPolicy::EveryMessage {
            self.queue.push_back(Queued::Ack);
        }
    }

    fn event(&mut self, e: ClientEvent) {
        self.queue.push_back(Queued::Event(e));
    }

    fn on_frame(&mut self, frame: &[u8]) -> Result<(), WireError> {
        let code = u16::from_be_bytes([frame[2], frame[3]]);
        let body = &frame[HEADER_LEN..];
        match code {
            // Records are parsed leniently: a bad record is reported and skipped.
            4 => {
                match EventData::parse(body) {
                    Ok(ed) => self.event(ClientEvent::Record(ed)),
                    Err(e) => self.event(ClientEvent::CorruptRecord(e)),
                }
                self.ack(false);
            }
            4002 => {
                let (_, _, items) = Bundle::read_lenient(body)?;
                self.bundles += 1;
                for item in items {
                    match item {
                        Ok(ed) => self.event(ClientEvent::Record(ed)),
                        Err(e) => self.event(ClientEvent::CorruptRecord(e)),
                    }
                }
                self.ack(true);
            }
            _ => {
                let m = Message::decode(frame)?;
                match m {
                    Message::Null => self.event(ClientEvent::Keepalive),
                    Message::Error(e) => self.event(ClientEvent::ServerError(e)),
                    Message::StreamingInformation(list) => {
                        if !list.iter().any(|s| s.service == SERVICE_EVENT_STREAM) {
                            return Err(WireError::Unexpected {
                                msg_type: m_type(2051),
                                state: "no event service (6667) advertised",
                            });
                        }
                        if !self.requested_streaming {
                            self.requested_streaming = true;
                            let req = StreamingService::request(
                                self.cfg.flags,
                                self.cfg.initial_timestamp,
                                self.cfg.events.clone(),
                            );
                            self.tx.push_back(Message::StreamingRequest(req).to_bytes()?);
                        }
                        self.event(ClientEvent::StreamingInformation(list));
                    }
                    m @ (Message::SingleHostData(_) | Message::MultipleHostData(_)) => {
                        self.event(ClientEvent::HostData(m))
                    }
                    other => self.event(ClientEvent::Unknown(other.msg_type().code())),
                }
                self.ack(false);
            }
        }
        Ok(())
    }

    /// Queue a message of the client's own (a Host Request, or an Error before closing).
    pub fn send(&mut self, m: &Message) -> Result<(), WireError> {
        self.tx.push_back(m.to_bytes()?);
        Ok(())
    }

    /// Next event. Acks queued behind processed events are released here.
    pub fn poll_event(&mut self) -> Option<ClientEvent> {
        loop {
            match self.queue.pop_front()? {
                Queued::Ack => self.tx.push_back(NULL_MESSAGE.to_vec()),
                Queued::Event(e) => return Some(e),
            }
        }
    }

    /// Next bytes to write (whole messages).
    pub fn poll_transmit(&mut self) -> Option<Vec<u8>> {
        if self.tx.is_empty() && matches!(self.queue.front(), Some(Queued::Ack)) {
            self.queue.pop_front();
            return Some(NULL_MESSAGE.to_vec());
        }
        self.tx.pop_front()
    }
}

fn m_type(n: u16) -> crate::MessageType {
    crate::MessageType::from_code(n)
}
