//! Client side of one eStreamer session.
//!
//! States: the request is sent and the server's answer awaited (with a deadline); streaming;
//! closed. A Streaming Information is answered only when extended mode was requested. Acks
//! follow processing: the Null for a message is released once the driver has taken the events
//! that message produced (`poll_event`), so a crash never acks what was not processed.

use std::collections::VecDeque;

use super::rx::RxBuffer;
use super::Millis;
use crate::message::{
    error_codes, flags, Bundle, ErrorMessage, EventData, EventSpec, EventStreamRequest, HostRequest, Message,
    MessageType, StreamingService, DEFAULT_MAX_MESSAGE, HEADER_LEN, NULL_MESSAGE, SERVICE_EVENT_STREAM,
};
use crate::WireError;

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
    /// The server must answer the request within this long.
    pub answer_timeout_ms: Millis,
    /// The connection is dead when nothing at all arrived for this long while streaming (the
    /// server sends keepalives when idle). `None` waits forever.
    pub idle_timeout_ms: Option<Millis>,
    /// Hand the driver every whole message as received ([`ClientEvent::Frame`], before the
    /// events that message produces), e.g. to write a raw capture. Off by default.
    pub capture_frames: bool,
}

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig {
            initial_timestamp: 0,
            flags: flags::ENCORE_DEFAULT,
            events: super::ENCORE_5_2_11_EVENTS.to_vec(),
            ack: AckPolicy::EveryMessage,
            max_message: DEFAULT_MAX_MESSAGE,
            answer_timeout_ms: 10_000,
            idle_timeout_ms: Some(60_000),
            capture_frames: false,
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
    /// One host profile of a host answer: the block (header included) and whether it answers a
    /// single-host request (message 6) or is one of a range (message 7).
    Host {
        /// Single Host Data (6) or Multiple Host Data (7).
        single: bool,
        /// The profile block, header included.
        block: Vec<u8>,
    },
    /// The end marker of a range answer (a type 7 whose block length is 0).
    HostsEnd,
    /// Null keepalive.
    Keepalive,
    /// A message type the client does not know (acked and ignored).
    Unknown(u16),
    /// One whole message exactly as received, header included (only with
    /// [`ClientConfig::capture_frames`]); the events it produces follow it.
    Frame(Vec<u8>),
}

enum Queued {
    Event(ClientEvent),
    /// Send a Null once the events queued before it were taken: acks follow processing.
    Ack,
}

#[derive(Debug)]
enum State {
    /// The Event Stream Request is out; the server's first message is due by `deadline`.
    AwaitAnswer { deadline: Millis },
    /// Messages are flowing; `last_rx` is when bytes last arrived.
    Streaming { last_rx: Millis },
    /// Over (goodbye sent, or a fatal error).
    Closed,
}

/// Client side of one eStreamer session.
pub struct ClientSession {
    cfg: ClientConfig,
    state: State,
    rx: RxBuffer,
    tx: VecDeque<Vec<u8>>,
    queue: VecDeque<Queued>,
    requested_streaming: bool,
    /// Bundles received.
    pub bundles: u64,
}

impl ClientSession {
    /// New session; the Event Stream Request is queued for sending.
    pub fn new(cfg: ClientConfig, now: Millis) -> Self {
        let req = Message::EventStreamRequest(EventStreamRequest {
            initial_timestamp: cfg.initial_timestamp,
            flags: cfg.flags,
        });
        let mut tx = VecDeque::new();
        tx.push_back(req.to_bytes().expect("request encodes"));
        let deadline = now.saturating_add(cfg.answer_timeout_ms);
        ClientSession {
            cfg,
            state: State::AwaitAnswer { deadline },
            rx: RxBuffer::default(),
            tx,
            queue: VecDeque::new(),
            requested_streaming: false,
            bundles: 0,
        }
    }

    /// Whether extended mode was requested.
    pub fn extended(&self) -> bool {
        self.cfg.flags & flags::EXTENDED != 0
    }

    /// Whether the session is over.
    pub fn is_closed(&self) -> bool {
        matches!(self.state, State::Closed)
    }

    /// Feed received bytes; an error is fatal for the session (records framed before it are
    /// still returned by `poll_event`).
    pub fn receive(&mut self, bytes: &[u8], now: Millis) -> Result<(), WireError> {
        if self.is_closed() {
            return Ok(());
        }
        self.state = State::Streaming { last_rx: now };
        // Frames are handled where they lie in the receive buffer (no copy per message): the
        // buffer is taken out of the session while they are.
        let mut rx = std::mem::take(&mut self.rx);
        rx.extend(bytes);
        let result = loop {
            match rx.next_frame(self.cfg.max_message) {
                Ok(Some(frame)) => {
                    if let Err(e) = self.on_frame(frame) {
                        break Err(e);
                    }
                }
                Ok(None) => break Ok(()),
                Err(e) => break Err(e),
            }
        };
        self.rx = rx;
        result.map_err(|e| self.fail(e))
    }

    fn fail(&mut self, e: WireError) -> WireError {
        self.state = State::Closed;
        e
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
        if self.cfg.capture_frames {
            self.event(ClientEvent::Frame(frame.to_vec()));
        }
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
            // Host answers: a block whose length is 0 (or an empty body) ends a range.
            6 | 7 => {
                let declared = body.get(4..8).map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]));
                match declared {
                    None | Some(0) if code == 7 => self.event(ClientEvent::HostsEnd),
                    None => return Err(WireError::Truncated { msg_type: code, offset: 0, what: "host block header" }),
                    Some(_) => self.event(ClientEvent::Host { single: code == 6, block: body.to_vec() }),
                }
                self.ack(false);
            }
            _ => {
                match Message::decode(frame)? {
                    Message::Null => self.event(ClientEvent::Keepalive),
                    Message::Error(e) => self.event(ClientEvent::ServerError(e)),
                    Message::StreamingInformation(list) => self.on_streaming_information(list)?,
                    other => self.event(ClientEvent::Unknown(other.msg_type().code())),
                }
                self.ack(false);
            }
        }
        Ok(())
    }

    fn on_streaming_information(&mut self, list: Vec<StreamingService>) -> Result<(), WireError> {
        let unexpected = |state| WireError::Unexpected { msg_type: MessageType::StreamingInformation, state };
        if !self.extended() {
            return Err(unexpected("legacy mode (no extended request was made)"));
        }
        if !list.iter().any(|s| s.service == SERVICE_EVENT_STREAM) {
            return Err(unexpected("no event service (6667) advertised"));
        }
        if self.requested_streaming {
            return Err(unexpected("streaming (a second Streaming Information)"));
        }
        self.requested_streaming = true;
        let req = StreamingService::request(self.cfg.flags, self.cfg.initial_timestamp, self.cfg.events.clone());
        self.tx.push_back(Message::StreamingRequest(req).to_bytes()?);
        self.event(ClientEvent::StreamingInformation(list));
        Ok(())
    }

    /// Ask for host profiles (allowed right after the Event Stream Request, without waiting).
    pub fn request_hosts(&mut self, request: HostRequest) -> Result<(), WireError> {
        self.tx.push_back(Message::HostRequest(request).to_bytes()?);
        Ok(())
    }

    /// Say goodbye: an Error −1 "client closing" (PROTOCOL.md §11.1), after which the driver
    /// writes what `poll_transmit` returns and closes.
    pub fn close(&mut self) {
        if self.is_closed() {
            return;
        }
        self.state = State::Closed;
        let bye = Message::Error(ErrorMessage::new(error_codes::CLIENT, "client closing"));
        self.tx.push_back(bye.to_bytes().expect("goodbye encodes"));
    }

    /// Check the deadlines: the server's first answer, then the idle limit. An error means the
    /// connection is dead and must be dropped.
    pub fn handle_timeout(&mut self, now: Millis) -> Result<(), WireError> {
        match self.state {
            State::AwaitAnswer { deadline } if now >= deadline => Err(self.fail(WireError::Timeout {
                what: "the server's answer to the request",
                after_ms: self.cfg.answer_timeout_ms,
            })),
            State::Streaming { last_rx } => match self.cfg.idle_timeout_ms {
                Some(idle) if now >= last_rx.saturating_add(idle) => {
                    Err(self.fail(WireError::Timeout { what: "any message (keepalives stopped)", after_ms: idle }))
                }
                _ => Ok(()),
            },
            _ => Ok(()),
        }
    }

    /// When `handle_timeout` should next be called.
    pub fn next_timeout(&self) -> Option<Millis> {
        match self.state {
            State::AwaitAnswer { deadline } => Some(deadline),
            State::Streaming { last_rx } => self.cfg.idle_timeout_ms.map(|i| last_rx.saturating_add(i)),
            State::Closed => None,
        }
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
