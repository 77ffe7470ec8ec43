//! The sans-io sessions: each against the spec's byte-exact examples, and a server and a client
//! driven together in memory with a fake clock and a step bound (quinn's `Pair` idea).

use estreamer_wire::message::{
    error_codes, flags, Bundle, ErrorMessage, EventData, EventSpec, EventStreamRequest, HostRequest, Message,
    StreamingService, NULL_MESSAGE,
};
use estreamer_wire::session::*;

use crate::common;

const MINIMAL_2051: [u8; 24] = [0, 1, 8, 3, 0, 0, 0, 0x10, 0, 0, 0x1A, 0x0B, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0];
const NOW: u32 = 0xFFFF_FFFF;

fn req(ts: u32, fl: u32) -> Vec<u8> {
    Message::EventStreamRequest(EventStreamRequest { initial_timestamp: ts, flags: fl }).to_bytes().unwrap()
}

fn streaming_request(events: Vec<EventSpec>) -> Vec<u8> {
    Message::StreamingRequest(StreamingService::request(flags::ENCORE_DEFAULT, 0, events)).to_bytes().unwrap()
}

fn drain(s: &mut ServerSession) -> Vec<Message> {
    let mut out = vec![];
    while let Some(b) = s.poll_transmit() {
        let mut pos = 0;
        while pos < b.len() {
            let n = estreamer_wire::check(&b[pos..], usize::MAX).unwrap().unwrap();
            out.push(Message::decode(&b[pos..pos + n]).unwrap());
            pos += n;
        }
    }
    out
}

fn events(s: &mut ServerSession) -> Vec<ServerEvent> {
    std::iter::from_fn(|| s.poll_event()).collect()
}

/// The body of the golden S2 85 intrusion vector.
fn intrusion_body() -> Vec<u8> {
    common::event_data("r400_s2b85").body
}

fn log(record_type: u32, archive_ts: u32, seq: u64, body: &[u8]) -> OutRecord<'_> {
    OutRecord { record_type, archive_ts, seq, origin: Origin::Log, body }
}

/// A session in extended mode with eNcore 5.2.11's request, its 2051 drained.
fn extended(cfg: ServerConfig) -> ServerSession {
    let mut s = ServerSession::new(cfg, 0);
    s.receive(&req(0, flags::ENCORE_DEFAULT), 0);
    s.receive(&streaming_request(ENCORE_5_2_11_EVENTS.to_vec()), 0);
    drain(&mut s);
    events(&mut s);
    s
}

fn closed_with(s: &mut ServerSession, code: i32) -> String {
    assert!(s.is_closed(), "the session must end");
    let msgs = drain(s);
    let Some(Message::Error(e)) = msgs.last() else { panic!("no Error message last: {msgs:?}") };
    assert_eq!(e.code, code, "{}", e.text_lossy());
    let evs = events(s);
    assert!(
        evs.iter().any(|e| matches!(e, ServerEvent::Closed(CloseReason::ErrorSent { code: c, .. }) if *c == code)),
        "{evs:?}"
    );
    e.text_lossy()
}

#[test]
fn extended_handshake_matches_the_spec_bytes_and_bundles_records() {
    let mut s = ServerSession::new(ServerConfig::default(), 0);
    s.receive(&req(0, flags::ENCORE_DEFAULT), 0);
    let b = s.poll_transmit().unwrap();
    assert_eq!(b, MINIMAL_2051, "Streaming Information is the minimal eNcore-compatible reply");
    s.receive(&streaming_request(ENCORE_5_2_11_EVENTS.to_vec()), 1);
    let evs = events(&mut s);
    let [ServerEvent::Subscribed { subscription, plan }] = &evs[..] else { panic!("{evs:?}") };
    assert_eq!(subscription.events.len(), 9);
    assert!(subscription.archive_header());
    assert_eq!(*plan, FeedPlan { snapshot: true, from_timestamp: 0, records: true });
    let body = intrusion_body();
    assert!(s.wants_records());
    assert_eq!(s.push_record(log(400, 1_750_000_001, 7, &body), 2), Push::Queued);
    assert_eq!(s.push_record(log(123, 0, 8, b"\0\0\0\x01\0\0\0\x01A"), 2), Push::Queued);
    s.flush(3);
    let msgs = drain(&mut s);
    assert_eq!(msgs.len(), 1);
    let Message::Bundle(Bundle { sequence, items, .. }) = &msgs[0] else { panic!("not a bundle: {msgs:?}") };
    assert_eq!(*sequence, 1);
    assert_eq!(items.len(), 2);
    assert_eq!(items[0].archive, Some((1_750_000_001, 0)), "extended header on every record with bit 23");
    assert_eq!(items[1].archive, Some((0, 0)));
    assert_eq!(items[0].body, body, "stored bytes served verbatim when the version matches");
}

#[test]
fn unknown_record_types_are_never_sent() {
    let mut s = ServerSession::new(ServerConfig::default(), 0);
    s.receive(&req(0, flags::INTRUSION | flags::ARCHIVE_TIMESTAMP), 0);
    assert_eq!(s.push_record(log(9999, 1, 1, b"xx"), 1), Push::Filtered);
    assert_eq!(s.push_record(log(71, 1, 2, b"xx"), 1), Push::Filtered, "connection not requested");
    assert_eq!(s.filtered, 2);
}

#[test]
fn legacy_request_is_answered_at_once_and_streams_event_data() {
    let mut s = ServerSession::new(ServerConfig::default(), 0);
    s.receive(&req(NOW, flags::INTRUSION), 0);
    assert_eq!(drain(&mut s), vec![Message::Null], "a legacy 'now' request gets a message within 2 s");
    let body = intrusion_body();
    assert_eq!(s.push_record(log(400, 5, 1, &body), 1), Push::Queued);
    let m = drain(&mut s);
    let [Message::EventData(ed)] = m.as_slice() else { panic!("{m:?}") };
    assert_eq!(ed.archive, None, "no bit 23: short header");
    assert_eq!(&ed.body[..4], &60u32.to_be_bytes(), "legacy intrusion bit: the oldest layout, S2 60");
}

#[test]
fn the_server_never_speaks_first() {
    let cfg = ServerConfig { request_timeout_ms: 30_000, keepalive_ms: 1_000, ..Default::default() };
    let mut s = ServerSession::new(cfg, 0);
    assert_eq!(s.next_timeout(), Some(30_000), "the only deadline before a request is the request's");
    for t in (0..30_000).step_by(500) {
        s.handle_timeout(t);
        assert!(s.poll_transmit().is_none(), "nothing is sent before the first request (t = {t} ms)");
    }
    s.handle_timeout(30_000);
    let text = closed_with(&mut s, error_codes::TIMEOUT);
    assert!(text.contains("Event Stream Request"), "{text}");
}

#[test]
fn a_streaming_request_that_never_comes_ends_the_session() {
    let cfg = ServerConfig { streaming_request_timeout_ms: 5_000, ..Default::default() };
    let mut s = ServerSession::new(cfg, 0);
    s.receive(&req(0, flags::ENCORE_DEFAULT), 100);
    assert_eq!(drain(&mut s).len(), 1, "the 2051");
    assert_eq!(s.next_timeout(), Some(5_100));
    s.handle_timeout(5_099);
    assert!(!s.is_closed());
    s.handle_timeout(5_100);
    let text = closed_with(&mut s, error_codes::TIMEOUT);
    assert!(text.contains("Streaming Request"), "{text}");
}

#[test]
fn a_never_acking_client_receives_exactly_the_window() {
    let cfg = ServerConfig { window: 16, bundle_max_records: 2, ..Default::default() };
    let mut s = extended(cfg);
    let body = intrusion_body();
    let (mut queued, mut full) = (0, 0);
    // The driver offers far more than the window holds, in batches, as a feeder does.
    for i in 0..200u64 {
        match s.push_record(log(400, 1, i + 1, &body), 1) {
            Push::Queued => queued += 1,
            Push::Full => full += 1,
            Push::Filtered => panic!("filtered"),
        }
        s.handle_timeout(1 + i);
    }
    s.flush(1000);
    s.handle_timeout(2000);
    let bundles = drain(&mut s).iter().filter(|m| matches!(m, Message::Bundle(_))).count();
    assert_eq!(bundles, 16, "exactly the window");
    assert_eq!(s.unacked(), 16);
    assert_eq!(queued, 16 * 2 + 2, "the window plus one open bundle");
    assert_eq!(full, 200 - queued);
    assert!(!s.wants_records());
    // One ack: exactly one more bundle.
    s.receive(&NULL_MESSAGE, 2001);
    s.handle_timeout(2100);
    assert_eq!(drain(&mut s).iter().filter(|m| matches!(m, Message::Bundle(_))).count(), 1);
}

#[test]
fn no_keepalive_while_the_window_is_full_and_a_stalled_client_is_dropped() {
    let cfg = ServerConfig {
        window: 2,
        bundle_max_records: 1,
        keepalive_ms: 1_000,
        idle_timeout_ms: 60_000,
        ..Default::default()
    };
    let mut s = extended(cfg);
    let body = intrusion_body();
    for i in 0..2 {
        assert_eq!(s.push_record(log(400, 1, i + 1, &body), 10), Push::Queued);
    }
    assert_eq!(drain(&mut s).len(), 2);
    assert_eq!(s.next_timeout(), Some(60_010), "the idle limit, not a keepalive");
    s.handle_timeout(59_000);
    assert!(drain(&mut s).is_empty(), "no Null buys credit the client has not earned");
    s.handle_timeout(60_010);
    closed_with(&mut s, error_codes::NO_ACK);
}

#[test]
fn keepalive_when_idle_and_answer_deadline_after_streaming_request() {
    let cfg = ServerConfig { keepalive_ms: 1000, answer_within_ms: 500, ..Default::default() };
    let mut s = ServerSession::new(cfg, 0);
    s.receive(&req(0, flags::EXTENDED), 0);
    drain(&mut s);
    s.receive(&Message::StreamingRequest(StreamingService::request(0, 0, vec![])).to_bytes().unwrap(), 100);
    assert_eq!(s.next_timeout(), Some(600));
    s.handle_timeout(600);
    assert_eq!(drain(&mut s), vec![Message::Null], "the Streaming Request is answered within the deadline");
    s.handle_timeout(1599);
    assert!(drain(&mut s).is_empty());
    s.handle_timeout(1600);
    assert_eq!(drain(&mut s), vec![Message::Null]);
}

#[test]
fn garbage_ends_the_session_with_an_error_message() {
    let mut s = ServerSession::new(ServerConfig::default(), 0);
    s.receive(b"\x00\x07\x00\x02\x00\x00\x00\x08garbage!", 0);
    closed_with(&mut s, error_codes::MALFORMED);
    let mut s = ServerSession::new(ServerConfig { max_message: 1024, ..Default::default() }, 0);
    s.receive(&[0, 1, 0, 2, 0xff, 0xff, 0xff, 0xff], 0);
    closed_with(&mut s, error_codes::TOO_LARGE);
    let mut s = ServerSession::new(ServerConfig::default(), 0);
    s.receive(&req(0, 0), 0);
    s.receive(&req(0, 0), 0);
    closed_with(&mut s, error_codes::UNEXPECTED);
}

#[test]
fn a_flood_of_nulls_is_framed_in_one_pass() {
    let mut s = extended(ServerConfig::default());
    let flood = NULL_MESSAGE.repeat(128 * 1024);
    for chunk in flood.chunks(16 * 1024 + 3) {
        s.receive(chunk, 1);
    }
    assert!(!s.is_closed());
    assert!(drain(&mut s).is_empty(), "acks are not answered");
}

#[test]
fn a_client_error_ends_the_session_without_a_reply() {
    let mut s = extended(ServerConfig::default());
    s.receive(&Message::Error(ErrorMessage::new(-1, "client closing")).to_bytes().unwrap(), 5);
    assert!(s.is_closed());
    assert!(drain(&mut s).is_empty());
    let evs = events(&mut s);
    assert!(matches!(&evs[..], [ServerEvent::Closed(CloseReason::ClientError(e))] if e.code == -1), "{evs:?}");
}

#[test]
fn a_store_failure_ends_the_session_with_an_error() {
    let mut s = extended(ServerConfig::default());
    s.store_failed("segment seg-1.log unreadable", 9);
    let text = closed_with(&mut s, error_codes::STORE);
    assert!(text.contains("segment seg-1.log"), "{text}");
}

#[test]
fn snapshot_metadata_is_not_sent_again_from_the_log_unless_newer() {
    let mut s = extended(ServerConfig::default());
    // Record 123 (device name) id 1: the snapshot holds the entry from seq 10.
    let v1 = b"\0\0\0\x01\0\0\0\x03old".to_vec();
    let v2 = b"\0\0\0\x01\0\0\0\x03new".to_vec();
    let v3 = b"\0\0\0\x01\0\0\0\x05newer".to_vec();
    let other = b"\0\0\0\x02\0\0\0\x01B".to_vec();
    let snap = OutRecord { record_type: 123, archive_ts: 0, seq: 10, origin: Origin::Snapshot, body: &v2 };
    assert_eq!(s.push_record(snap, 1), Push::Queued);
    assert_eq!(s.push_record(log(123, 5, 3, &v1), 1), Push::Filtered, "an older value of the same entry");
    assert_eq!(s.push_record(log(123, 6, 10, &v2), 1), Push::Filtered, "the snapshot's own log record");
    assert_eq!(s.push_record(log(123, 7, 11, &other), 1), Push::Queued, "another entry");
    assert_eq!(s.push_record(log(123, 8, 12, &v3), 1), Push::Queued, "a newer value of the entry");
    assert_eq!(s.deduplicated, 2);
    s.flush(2);
    let Message::Bundle(b) = &drain(&mut s)[0] else { panic!() };
    let bodies: Vec<_> = b.items.iter().map(|i| i.body.clone()).collect();
    assert_eq!(bodies, vec![v2, other, v3], "the client's cache ends with the newest value");
}

/// A host for the session tests: the profile blocks are recognisable bytes.
struct TestHost {
    ip: [u8; 16],
}

impl HostBlocks for TestHost {
    fn address(&self) -> [u8; 16] {
        self.ip
    }
    fn to_block92(&self, notes: bool, banners: bool) -> Option<Vec<u8>> {
        let v4 = std::net::Ipv6Addr::from(self.ip).to_ipv4_mapped()?;
        let mut b = vec![0, 0, 0, 92, 0, 0, 0, 14];
        b.extend_from_slice(&v4.octets());
        b.extend_from_slice(&[u8::from(notes), u8::from(banners)]);
        Some(b)
    }
    fn to_block139(&self, _banners: bool) -> Vec<u8> {
        let mut b = vec![0, 0, 0, 139, 0, 0, 0, 24];
        b.extend_from_slice(&self.ip);
        b
    }
}

fn v4(a: [u8; 4]) -> [u8; 16] {
    std::net::Ipv4Addr::from(a).to_ipv6_mapped().octets()
}

fn host_request(data_type: u32, fl: u32, start: [u8; 16], end: [u8; 16], legacy: bool) -> Vec<u8> {
    Message::HostRequest(HostRequest { data_type, flags: fl, start, end, legacy }).to_bytes().unwrap()
}

/// A legacy host-only session (flags 0, like a host query tool) with its Null drained.
fn host_session() -> ServerSession {
    let mut s = ServerSession::new(ServerConfig::default(), 0);
    s.receive(&req(0, 0), 0);
    let evs = events(&mut s);
    let [ServerEvent::Subscribed { plan, .. }] = &evs[..] else { panic!("{evs:?}") };
    assert!(!plan.records && !plan.snapshot, "a host-only session needs no feeder");
    assert_eq!(drain(&mut s), vec![Message::Null]);
    s
}

fn query(s: &mut ServerSession) -> HostQuery {
    let evs = events(s);
    match &evs[..] {
        [ServerEvent::HostQuery(q)] => q.clone(),
        other => panic!("expected one host query: {other:?}"),
    }
}

#[test]
fn a_single_host_is_answered_with_one_type_6_message() {
    let mut s = host_session();
    let ip = v4([10, 1, 0, 10]);
    s.receive(&host_request(4, 3, ip, ip, true), 1);
    let q = query(&mut s);
    assert_eq!((q.single, q.notes, q.banners, q.start, q.end), (true, true, true, ip, ip));
    assert!(s.wants_host_data());
    s.answer_hosts(&[TestHost { ip }], true, 2);
    let msgs = drain(&mut s);
    let [Message::SingleHostData(h)] = &msgs[..] else { panic!("{msgs:?}") };
    assert_eq!(h.block, vec![0, 0, 0, 92, 0, 0, 0, 14, 10, 1, 0, 10, 1, 1], "block 92, notes and banners asked");
    assert!(!s.is_closed(), "the session goes on");
    // Data type 6: the 5.x profile, for an IPv6 host too.
    let ip6: [u8; 16] = "2001:db8::5".parse::<std::net::Ipv6Addr>().unwrap().octets();
    s.receive(&host_request(6, 0, ip6, ip6, false), 3);
    query(&mut s);
    s.answer_hosts(&[TestHost { ip: ip6 }], true, 4);
    let msgs = drain(&mut s);
    let [Message::SingleHostData(h)] = &msgs[..] else { panic!("{msgs:?}") };
    assert_eq!(&h.block[..8], &[0, 0, 0, 139, 0, 0, 0, 24]);
}

#[test]
fn a_range_is_answered_host_by_host_then_an_end_marker() {
    let mut s = host_session();
    s.receive(&host_request(5, 0, v4([10, 0, 0, 0]), v4([10, 255, 255, 255]), true), 1);
    let q = query(&mut s);
    assert!(!q.single);
    let hosts: Vec<TestHost> = (1..=5).map(|i| TestHost { ip: v4([10, 0, 0, i]) }).collect();
    s.answer_hosts(&hosts[..2], false, 2);
    s.answer_hosts(&hosts[2..], true, 3);
    let msgs = drain(&mut s);
    assert_eq!(msgs.len(), 6);
    for (m, i) in msgs.iter().zip(1u8..) {
        let Message::MultipleHostData(h) = m else { panic!("{m:?}") };
        if i <= 5 {
            assert_eq!(h.block[8..12], [10, 0, 0, i]);
        } else {
            assert!(h.block.is_empty(), "the end marker is a header-only type 7");
        }
    }
    // A range without hosts: just the marker. IPv6 hosts are skipped in block 92 answers.
    s.receive(&host_request(5, 0, v4([192, 168, 0, 0]), v4([192, 168, 255, 255]), false), 4);
    query(&mut s);
    let ip6: [u8; 16] = "2001:db8::5".parse::<std::net::Ipv6Addr>().unwrap().octets();
    s.answer_hosts(&[TestHost { ip: ip6 }], true, 5);
    let msgs = drain(&mut s);
    assert!(matches!(&msgs[..], [Message::MultipleHostData(h)] if h.block.is_empty()), "{msgs:?}");
}

#[test]
fn every_host_request_error_yields_an_error_and_a_closed_session() {
    let ip = v4([10, 1, 0, 10]);
    // Before the Event Stream Request.
    let mut s = ServerSession::new(ServerConfig::default(), 0);
    s.receive(&host_request(4, 0, ip, ip, true), 0);
    closed_with(&mut s, error_codes::UNEXPECTED);
    // Unsupported data types.
    for dt in [0, 1, 2, 3, 8, 99] {
        let mut s = host_session();
        s.receive(&host_request(dt, 0, ip, ip, false), 1);
        let text = closed_with(&mut s, error_codes::HOST_DATA_TYPE);
        assert!(text.contains(&format!("data type {dt}")), "{text}");
    }
    // A range that ends before it starts.
    let mut s = host_session();
    s.receive(&host_request(7, 0, v4([10, 0, 0, 9]), v4([10, 0, 0, 1]), false), 1);
    closed_with(&mut s, error_codes::HOST_RANGE);
    // A malformed request (neither 16 nor 40 bytes of body).
    let mut s = host_session();
    let mut bad = host_request(4, 0, ip, ip, false);
    bad.truncate(30);
    bad[7] = 22;
    s.receive(&bad, 1);
    closed_with(&mut s, error_codes::MALFORMED);
    // A single host that is not in the map.
    let mut s = host_session();
    s.receive(&host_request(4, 0, ip, ip, true), 1);
    query(&mut s);
    s.answer_hosts::<TestHost>(&[], true, 2);
    let text = closed_with(&mut s, error_codes::HOST_NOT_FOUND);
    assert!(text.contains("10.1.0.10"), "{text}");
    // An IPv6 host asked for in the IPv4-only 4.9 profile.
    let mut s = host_session();
    let ip6: [u8; 16] = "2001:db8::5".parse::<std::net::Ipv6Addr>().unwrap().octets();
    s.receive(&host_request(4, 0, ip6, ip6, false), 1);
    query(&mut s);
    s.answer_hosts(&[TestHost { ip: ip6 }], true, 2);
    closed_with(&mut s, error_codes::HOST_NOT_REPRESENTABLE);
}

#[test]
fn host_requests_queue_up_in_order_and_are_bounded() {
    let mut s = host_session();
    let ip = |i| v4([10, 0, 0, i]);
    s.receive(&[host_request(4, 0, ip(1), ip(1), true), host_request(4, 0, ip(2), ip(2), true)].concat(), 1);
    assert_eq!(query(&mut s).start, ip(1), "one query at a time");
    s.answer_hosts(&[TestHost { ip: ip(1) }], true, 2);
    assert_eq!(query(&mut s).start, ip(2), "then the next");
    let mut s = host_session();
    let flood: Vec<u8> = (0..9).flat_map(|i| host_request(4, 0, ip(i), ip(i), true)).collect();
    s.receive(&flood, 1);
    closed_with(&mut s, error_codes::BUSY);
}

// ---- A server and a client session together, with a fake clock. ----

/// Records the "store" holds: (record type, archival time, body).
type Store = Vec<(u32, u32, Vec<u8>)>;

struct Pair {
    server: ServerSession,
    client: ClientSession,
    now: Millis,
    store: Store,
    fed: usize,
    feeding: bool,
    received: Vec<EventData>,
    client_events: Vec<ClientEvent>,
    client_nulls: usize,
    server_nulls: usize,
    closed: Option<CloseReason>,
    /// Drop what the client sends (a client that connected and never asks for anything).
    mute_client: bool,
}

impl Pair {
    fn new(server: ServerConfig, client: ClientConfig, store: Store) -> Pair {
        Pair {
            server: ServerSession::new(server, 0),
            client: ClientSession::new(client, 0),
            now: 0,
            store,
            fed: 0,
            feeding: false,
            received: vec![],
            client_events: vec![],
            client_nulls: 0,
            server_nulls: 0,
            closed: None,
            mute_client: false,
        }
    }

    /// Move bytes both ways and let the driver logic run; then advance the clock to the next
    /// deadline of either side (at most `max_step`).
    fn step(&mut self, max_step: Millis) {
        while let Some(b) = self.client.poll_transmit() {
            self.client_nulls += b.chunks(8).filter(|c| *c == NULL_MESSAGE).count();
            if !self.mute_client {
                self.server.receive(&b, self.now);
            }
        }
        while let Some(ev) = self.server.poll_event() {
            match ev {
                ServerEvent::Subscribed { plan, .. } => self.feeding = plan.records,
                ServerEvent::HostQuery(_) => self.server.answer_hosts::<TestHost>(&[], true, self.now),
                ServerEvent::Closed(r) => self.closed = Some(r),
            }
        }
        if self.feeding {
            while self.fed < self.store.len() {
                let (rt, ts, body) = &self.store[self.fed];
                let rec = OutRecord {
                    record_type: *rt,
                    archive_ts: *ts,
                    seq: self.fed as u64 + 1,
                    origin: Origin::Log,
                    body,
                };
                if self.server.push_record(rec, self.now) == Push::Full {
                    break;
                }
                self.fed += 1;
            }
            if self.fed == self.store.len() {
                self.server.flush(self.now);
            }
        }
        while let Some(b) = self.server.poll_transmit() {
            if b == NULL_MESSAGE {
                self.server_nulls += 1;
            }
            self.client.receive(&b, self.now).unwrap();
        }
        while let Some(ev) = self.client.poll_event() {
            match ev {
                ClientEvent::Record(ed) => self.received.push(ed),
                other => self.client_events.push(other),
            }
        }
        let next = [self.server.next_timeout(), self.client.next_timeout()].into_iter().flatten().min();
        self.now = next.map_or(self.now + max_step, |t| t.clamp(self.now, self.now + max_step));
        self.server.handle_timeout(self.now);
        self.client.handle_timeout(self.now).unwrap();
    }
}

fn intrusion_store(n: u32) -> Store {
    let body = intrusion_body();
    (0..n).map(|i| (400, 1_750_000_000 + i, body.clone())).collect()
}

#[test]
fn pair_streams_everything_in_both_ack_modes_within_the_window() {
    for ack in [AckPolicy::EveryMessage, AckPolicy::BundlesOnly] {
        let server = ServerConfig { window: 4, bundle_max_records: 7, ..Default::default() };
        let client = ClientConfig { ack, ..Default::default() };
        let mut p = Pair::new(server, client, intrusion_store(100));
        for _ in 0..200 {
            p.step(100);
            assert!(p.server.unacked() <= 4, "{ack:?}: the window holds");
            if p.received.len() == 100 {
                break;
            }
        }
        assert_eq!(p.received.len(), 100, "{ack:?}: every record arrives");
        let ts: Vec<u32> = p.received.iter().map(|r| r.archive_ts()).collect();
        assert!(ts.windows(2).all(|w| w[0] < w[1]), "{ack:?}: in order");
        assert_eq!(p.client.bundles, 15, "{ack:?}: 100 records in bundles of 7");
        assert!(p.closed.is_none());
    }
}

#[test]
fn pair_keepalives_flow_while_idle_and_encore_style_acks_do_not_overrun() {
    let server = ServerConfig { keepalive_ms: 5_000, window: 2, bundle_max_records: 1, ..Default::default() };
    let mut p = Pair::new(server, ClientConfig::default(), vec![]);
    // Ten idle minutes in 5-second steps: a keepalive every 5 s, acked by the client.
    while p.now < 600_000 {
        p.step(5_000);
    }
    assert!(p.server_nulls >= 115, "keepalives: {}", p.server_nulls);
    assert!(p.client_nulls >= p.server_nulls, "eNcore-style: every message acked");
    assert!(p.closed.is_none(), "an idle but acking client is never dropped");
    // Data arrives afterwards and still flows within the window.
    p.store = intrusion_store(10);
    for _ in 0..100 {
        p.step(50);
        assert!(p.server.unacked() <= 2);
    }
    assert_eq!(p.received.len(), 10);
}

#[test]
fn pair_the_request_deadline_ends_a_silent_session_with_an_error() {
    let server = ServerConfig { request_timeout_ms: 30_000, keepalive_ms: 1_000, ..Default::default() };
    let client = ClientConfig { answer_timeout_ms: 120_000, ..Default::default() };
    let mut p = Pair::new(server, client, intrusion_store(5));
    p.mute_client = true;
    for _ in 0..100 {
        if p.closed.is_some() {
            break;
        }
        p.step(1_000);
    }
    assert!(p.now >= 30_000 && p.now < 32_000, "closed at the deadline, not before: {}", p.now);
    assert_eq!(p.server_nulls, 0, "no keepalive before the request");
    assert!(matches!(&p.closed, Some(CloseReason::ErrorSent { code, .. }) if *code == error_codes::TIMEOUT));
    assert!(
        p.client_events.iter().any(|e| matches!(e, ClientEvent::ServerError(e) if e.code == error_codes::TIMEOUT)),
        "the client is told why: {:?}",
        p.client_events
    );
    assert!(p.received.is_empty());
}

#[test]
fn pair_a_client_goodbye_closes_both_sides() {
    let mut p = Pair::new(ServerConfig::default(), ClientConfig::default(), intrusion_store(3));
    for _ in 0..20 {
        p.step(100);
    }
    assert_eq!(p.received.len(), 3);
    p.client.close();
    p.step(100);
    assert!(p.client.is_closed());
    assert!(matches!(&p.closed, Some(CloseReason::ClientError(e)) if e.code == -1), "{:?}", p.closed);
}

#[test]
fn pair_host_query_while_streaming() {
    let mut p = Pair::new(ServerConfig::default(), ClientConfig::default(), intrusion_store(50));
    p.client
        .request_hosts(HostRequest {
            data_type: 5,
            flags: 0,
            start: v4([10, 0, 0, 0]),
            end: v4([10, 0, 0, 255]),
            legacy: true,
        })
        .unwrap();
    for _ in 0..50 {
        p.step(100);
    }
    assert_eq!(p.received.len(), 50);
    assert!(p.client_events.contains(&ClientEvent::HostsEnd), "the range answer ends with the marker");
}

#[test]
fn client_refuses_a_2051_it_did_not_ask_for_and_times_out_waiting() {
    let cfg = ClientConfig { flags: flags::INTRUSION, answer_timeout_ms: 2_000, ..Default::default() };
    let mut c = ClientSession::new(cfg.clone(), 0);
    let info = Message::StreamingInformation(vec![StreamingService::advertise(6667)]).to_bytes().unwrap();
    assert!(c.receive(&info, 1).is_err(), "a legacy client must not answer a 2051");
    assert!(c.is_closed());
    let mut c = ClientSession::new(cfg, 0);
    assert_eq!(c.next_timeout(), Some(2_000));
    assert!(c.handle_timeout(1_999).is_ok());
    assert!(matches!(c.handle_timeout(2_000), Err(estreamer_wire::WireError::Timeout { .. })));
}

#[test]
fn client_declares_a_silent_connection_dead_and_says_goodbye_politely() {
    let cfg = ClientConfig { idle_timeout_ms: Some(30_000), ..Default::default() };
    let mut c = ClientSession::new(cfg, 0);
    c.receive(&NULL_MESSAGE, 10).unwrap();
    assert_eq!(c.next_timeout(), Some(30_010));
    assert!(c.handle_timeout(30_009).is_ok());
    assert!(c.handle_timeout(30_010).is_err());
    let mut c = ClientSession::new(ClientConfig::default(), 0);
    while c.poll_transmit().is_some() {}
    c.close();
    let bye = c.poll_transmit().unwrap();
    assert_eq!(bye, Message::Error(ErrorMessage::new(-1, "client closing")).to_bytes().unwrap());
    assert_eq!(c.next_timeout(), None);
}

#[test]
fn client_skips_a_corrupt_record_inside_a_bundle() {
    let mut c = ClientSession::new(ClientConfig::default(), 0);
    let good = EventData { record_type: 4, archive: Some((1, 0)), body: b"\0\0\0\x01\0\x01A".to_vec() };
    let b = Bundle { connection_id: 1, sequence: 1, items: vec![good.clone(), good.clone()] };
    let mut bytes = Message::Bundle(b).to_bytes().unwrap();
    // Corrupt the first item's record length (at body offset 8 + 8 + 4).
    bytes[8 + 8 + 8 + 7] = 0x55;
    c.receive(&bytes, 0).unwrap();
    let evs: Vec<_> = std::iter::from_fn(|| c.poll_event()).collect();
    assert!(matches!(evs[0], ClientEvent::CorruptRecord(_)), "{evs:?}");
    assert_eq!(evs[1], ClientEvent::Record(good));
    assert_eq!(c.poll_transmit().unwrap().len(), 16, "the Event Stream Request");
    assert_eq!(c.poll_transmit().unwrap(), NULL_MESSAGE, "the bundle is still acked");
}

#[test]
fn server_converts_to_the_requested_block_version() {
    let mut s = ServerSession::new(ServerConfig::default(), 0);
    s.receive(&req(0, flags::EXTENDED | flags::ARCHIVE_TIMESTAMP), 0);
    s.receive(&streaming_request(vec![EventSpec { version: 9, code: 12 }]), 0);
    drain(&mut s);
    assert_eq!(s.push_record(log(400, 1, 1, &intrusion_body()), 0), Push::Queued);
    s.flush(0);
    let Message::Bundle(b) = &drain(&mut s)[0] else { panic!() };
    let body = &b.items[0].body;
    assert_eq!(&body[..4], &60u32.to_be_bytes(), "intrusion v9 is served as S2 60");
    assert_eq!(body.len(), 282, "S2 60 is 282 bytes, all fixed");
}

#[test]
fn capture_frames_hands_over_each_whole_message_before_its_events() {
    let cfg = ClientConfig { capture_frames: true, ..Default::default() };
    let mut c = ClientSession::new(cfg, 0);
    let rec = EventData { record_type: 4, archive: Some((1, 0)), body: b"\0\0\0\x01\0\x01A".to_vec() };
    let bundle = Message::Bundle(Bundle { connection_id: 1, sequence: 1, items: vec![rec.clone(), rec.clone()] })
        .to_bytes()
        .unwrap();
    let both = [NULL_MESSAGE.to_vec(), bundle.clone()].concat();
    // Split across two reads mid-message: frames are still whole.
    c.receive(&both[..13], 0).unwrap();
    c.receive(&both[13..], 1).unwrap();
    let evs: Vec<_> = std::iter::from_fn(|| c.poll_event()).collect();
    assert_eq!(
        evs,
        vec![
            ClientEvent::Frame(NULL_MESSAGE.to_vec()),
            ClientEvent::Keepalive,
            ClientEvent::Frame(bundle),
            ClientEvent::Record(rec.clone()),
            ClientEvent::Record(rec),
        ]
    );
    // Off by default: no frames.
    let mut c = ClientSession::new(ClientConfig::default(), 0);
    c.receive(&NULL_MESSAGE, 0).unwrap();
    assert_eq!(c.poll_event(), Some(ClientEvent::Keepalive));
}
