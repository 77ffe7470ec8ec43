//! Structured fuzzing of the session state machines: the input is read as a sequence of
//! operations (a peer's messages, acks, errors, host requests, garbage, time jumps, store
//! records and failures, goodbyes) rather than one byte string, and the sessions' promises are
//! checked after every step.

use crate::message::{
    check, flags, Bundle, ErrorMessage, EventData, EventSpec, EventStreamRequest, HostData, HostRequest, Message,
    StreamingService,
};
use crate::session::{
    ClientConfig, ClientEvent, ClientSession, HostBlocks, Millis, Origin, OutRecord, ServerConfig, ServerEvent,
    ServerSession,
};

/// Reads operation arguments from the fuzz input; runs dry (zeros) at the end.
struct Input<'a>(&'a [u8]);

impl Input<'_> {
    fn byte(&mut self) -> Option<u8> {
        let (&b, rest) = self.0.split_first()?;
        self.0 = rest;
        Some(b)
    }
    fn u8(&mut self) -> u8 {
        self.byte().unwrap_or(0)
    }
    fn u16(&mut self) -> u16 {
        u16::from_be_bytes([self.u8(), self.u8()])
    }
    fn u32(&mut self) -> u32 {
        u32::from_be_bytes([self.u8(), self.u8(), self.u8(), self.u8()])
    }
    fn bytes(&mut self, max: usize) -> Vec<u8> {
        let n = (self.u8() as usize).min(max).min(self.0.len());
        let (b, rest) = self.0.split_at(n);
        self.0 = rest;
        b.to_vec()
    }
    fn ip(&mut self) -> [u8; 16] {
        let mut a = std::net::Ipv4Addr::from(self.u32()).to_ipv6_mapped().octets();
        if self.u8() & 3 == 0 {
            a[0] = 0x20;
            a[1] = 0x01;
        }
        a
    }
}

/// Every chunk a session hands to the driver is whole messages, back to back.
fn whole_messages(chunk: &[u8]) -> Vec<Message> {
    let mut out = Vec::new();
    let mut pos = 0;
    while pos < chunk.len() {
        let n = check(&chunk[pos..], usize::MAX).expect("a session writes valid headers").expect("whole messages only");
        out.push(Message::decode(&chunk[pos..pos + n]).expect("a session writes messages that decode"));
        pos += n;
    }
    out
}

struct FuzzHost([u8; 16]);

impl HostBlocks for FuzzHost {
    fn address(&self) -> [u8; 16] {
        self.0
    }
    fn to_block92(&self, _: bool, _: bool) -> Option<Vec<u8>> {
        let v4 = std::net::Ipv6Addr::from(self.0).to_ipv4_mapped()?;
        Some([&[0, 0, 0, 92, 0, 0, 0, 12][..], &v4.octets()].concat())
    }
    fn to_block139(&self, _: bool) -> Vec<u8> {
        [&[0, 0, 0, 139, 0, 0, 0, 24][..], &self.0].concat()
    }
}

const RECORD_TYPES: [u32; 8] = [400, 71, 123, 4, 10, 9999, 95, 110];

fn client_message(input: &mut Input<'_>) -> Vec<u8> {
    let m = match input.u8() % 7 {
        0 => Message::EventStreamRequest(EventStreamRequest { initial_timestamp: input.u32(), flags: input.u32() }),
        1 => {
            let n = input.u8() % 12;
            let events = (0..n).map(|_| EventSpec { version: input.u16(), code: input.u16() }).collect();
            Message::StreamingRequest(StreamingService::request(input.u32(), input.u32(), events))
        }
        2 => Message::Null,
        3 => Message::Error(ErrorMessage { code: input.u32() as i32, text: input.bytes(40) }),
        4 => Message::HostRequest(HostRequest {
            data_type: u32::from(input.u8() % 10),
            flags: u32::from(input.u8() % 4),
            start: input.ip(),
            end: input.ip(),
            legacy: input.u8() & 1 == 0,
        }),
        5 => return input.bytes(64),
        _ => Message::Unknown { msg_type: input.u16(), body: input.bytes(32) },
    };
    m.to_bytes().unwrap_or_default()
}

/// The server session under a structured sequence of client messages, records, host answers,
/// store failures and time. Checked after every step: output is whole messages; nothing but an
/// Error is ever sent before the Event Stream Request; the window is never exceeded; nothing
/// is sent after the session closed.
pub fn server_ops(data: &[u8]) {
    let cfg = ServerConfig {
        window: 3,
        bundle_max_records: 4,
        request_timeout_ms: 3_000,
        streaming_request_timeout_ms: 3_000,
        idle_timeout_ms: 5_000,
        keepalive_ms: 1_000,
        max_queued_bytes: 16 * 1024,
        ..ServerConfig::default()
    };
    let window = cfg.window;
    let mut s = ServerSession::new(cfg, 0);
    let mut input = Input(data);
    let mut now: Millis = 0;
    let mut seq = 0u64;
    let mut subscribed = false;
    let mut closed_seen = false;
    let mut steps = 0;
    while let Some(op) = input.byte() {
        steps += 1;
        if steps > 4096 {
            break;
        }
        match op % 8 {
            0..=2 => {
                let bytes = client_message(&mut input);
                s.receive(&bytes, now);
            }
            3 => now += Millis::from(input.u16()) * 10,
            4 | 5 => {
                seq += 1;
                let rt = RECORD_TYPES[input.u8() as usize % RECORD_TYPES.len()];
                let body = input.bytes(96);
                let origin = if input.u8() & 3 == 0 { Origin::Snapshot } else { Origin::Log };
                s.push_record(OutRecord { record_type: rt, archive_ts: input.u32(), seq, origin, body: &body }, now);
            }
            6 => {
                let n = input.u8() % 4;
                let hosts: Vec<FuzzHost> = (0..n).map(|_| FuzzHost(input.ip())).collect();
                if s.wants_host_data() {
                    s.answer_hosts(&hosts, input.u8() & 1 == 0, now);
                }
            }
            _ => match input.u8() % 3 {
                0 => s.flush(now),
                1 => s.store_failed("fuzz", now),
                _ => {}
            },
        }
        if s.next_timeout().is_some_and(|t| t <= now) {
            s.handle_timeout(now);
        }
        while let Some(ev) = s.poll_event() {
            match ev {
                ServerEvent::Subscribed { .. } => subscribed = true,
                ServerEvent::Closed(_) => closed_seen = true,
                ServerEvent::HostQuery(_) => {}
            }
        }
        while let Some(chunk) = s.poll_transmit() {
            assert!(!closed_seen || s.is_closed(), "closed sessions stay closed");
            for m in whole_messages(&chunk) {
                if !subscribed && !matches!(m, Message::StreamingInformation(_)) {
                    assert!(
                        matches!(m, Message::Error(_) | Message::SingleHostData(_) | Message::MultipleHostData(_)),
                        "spoke first: {m:?}"
                    );
                }
            }
        }
        assert!(s.unacked() <= window, "window exceeded: {}", s.unacked());
        if closed_seen {
            s.handle_timeout(now + 1_000_000);
            assert!(s.poll_transmit().is_none(), "nothing after the close");
        }
    }
}

/// The client session under a structured sequence of server messages (Streaming Information,
/// bundles with good and bad items, Event Data, keepalives, Errors, host answers, garbage),
/// time, host requests and a goodbye. Checked: output is whole messages; never more acks than
/// messages framed.
pub fn client_ops(data: &[u8]) {
    let mut input = Input(data);
    let extended = input.u8() & 1 == 0;
    let flags = if extended { flags::ENCORE_DEFAULT } else { flags::ENCORE_DEFAULT & !flags::EXTENDED };
    let cfg = ClientConfig {
        flags,
        answer_timeout_ms: 5_000,
        idle_timeout_ms: Some(8_000),
        capture_frames: true,
        ..ClientConfig::default()
    };
    let mut c = ClientSession::new(cfg, 0);
    let mut now: Millis = 0;
    let (mut received, mut acks) = (0usize, 0usize);
    let mut steps = 0;
    while let Some(op) = input.byte() {
        steps += 1;
        if steps > 4096 || c.is_closed() {
            break;
        }
        let m = match op % 9 {
            0 => Some(Message::StreamingInformation(vec![StreamingService::advertise(6667)])),
            1 | 2 => {
                let n = input.u8() % 5;
                let items = (0..n)
                    .map(|_| EventData {
                        record_type: u32::from(input.u16()),
                        archive: Some((input.u32(), 0)),
                        body: input.bytes(40),
                    })
                    .collect();
                Some(Message::Bundle(Bundle { connection_id: 1, sequence: input.u32(), items }))
            }
            3 => Some(Message::Null),
            4 => Some(Message::Error(ErrorMessage { code: input.u32() as i32, text: input.bytes(20) })),
            5 => Some(Message::MultipleHostData(HostData { block_type: 92, block: input.bytes(40) })),
            6 => {
                let garbage = input.bytes(32);
                let _ = c.receive(&garbage, now);
                None
            }
            7 => {
                now += Millis::from(input.u16()) * 10;
                let _ = c.handle_timeout(now);
                None
            }
            _ => {
                if input.u8() & 1 == 0 {
                    c.close();
                } else {
                    let _ = c.request_hosts(HostRequest {
                        data_type: 7,
                        flags: 0,
                        start: input.ip(),
                        end: input.ip(),
                        legacy: false,
                    });
                }
                None
            }
        };
        if let Some(bytes) = m.and_then(|m| m.to_bytes().ok()) {
            let _ = c.receive(&bytes, now);
        }
        // Every whole message the session framed is handed over first (capture_frames).
        while let Some(ev) = c.poll_event() {
            if matches!(ev, ClientEvent::Frame(_)) {
                received += 1;
            }
        }
        while let Some(chunk) = c.poll_transmit() {
            for m in whole_messages(&chunk) {
                if m == Message::Null {
                    acks += 1;
                }
            }
        }
        assert!(acks <= received, "{acks} acks for {received} messages");
    }
}
