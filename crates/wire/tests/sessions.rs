//! The sans-io sessions against each other and against the spec's byte-exact examples.

use estreamer_wire::message::{flags, Bundle, EventData, EventSpec, EventStreamRequest, Message, NULL_MESSAGE};
use estreamer_wire::session::*;

const MINIMAL_2051: [u8; 24] = [0, 1, 8, 3, 0, 0, 0, 0x10, 0, 0, 0x1A, 0x0B, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0];

fn req(ts: u32, fl: u32) -> Vec<u8> {
    Message::EventStreamRequest(EventStreamRequest { initial_timestamp: ts, flags: fl }).to_bytes().unwrap()
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

mod common;

/// The body of the golden S2 85 intrusion vector.
fn intrusion_body() -> Vec<u8> {
    common::event_data("r400_s2b85").body
}

#[test]
fn extended_handshake_matches_the_spec_bytes_and_bundles_records() {
    let mut s = ServerSession::new(ServerConfig::default(), 0);
    s.receive(&req(0, flags::ENCORE_DEFAULT), 0).unwrap();
    let b = s.poll_transmit().unwrap();
    assert_eq!(b, MINIMAL_2051, "Streaming Information is the minimal eNcore-compatible reply");
    let sr = Message::StreamingRequest(estreamer_wire::message::StreamingService::request(
        flags::ENCORE_DEFAULT,
        0,
        ENCORE_5_2_11_EVENTS.to_vec(),
    ));
    s.receive(&sr.to_bytes().unwrap(), 1).unwrap();
    let Some(ServerEvent::Subscribed(sub)) = s.poll_event() else { panic!("no subscription") };
    assert_eq!(sub.events.len(), 9);
    assert!(sub.archive_header());
    let body = intrusion_body();
    assert!(s.wants_records());
    assert!(s.push_record(OutRecord { record_type: 400, archive_ts: 1_750_000_001, body: &body }, 2));
    assert!(s.push_record(OutRecord { record_type: 123, archive_ts: 0, body: b"\0\0\0\x01\0\0\0\x01A" }, 2));
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
    s.receive(&req(0, flags::INTRUSION | flags::ARCHIVE_TIMESTAMP), 0).unwrap();
    assert!(!s.push_record(OutRecord { record_type: 9999, archive_ts: 1, body: b"xx" }, 1));
    assert!(!s.push_record(OutRecord { record_type: 71, archive_ts: 1, body: b"xx" }, 1), "connection not requested");
    assert_eq!(s.filtered, 2);
}

#[test]
fn legacy_request_is_answered_at_once_and_streams_event_data() {
    let mut s = ServerSession::new(ServerConfig::default(), 0);
    s.receive(&req(TIMESTAMP_NOW_, flags::INTRUSION), 0).unwrap();
    let first = drain(&mut s);
    assert_eq!(first, vec![Message::Null], "a legacy 'now' request gets a message within 2 s");
    let body = intrusion_body();
    s.push_record(OutRecord { record_type: 400, archive_ts: 5, body: &body }, 1);
    let m = drain(&mut s);
    let [Message::EventData(ed)] = m.as_slice() else { panic!("{m:?}") };
    assert_eq!(ed.archive, None, "no bit 23: short header");
    assert_eq!(&ed.body[..4], &60u32.to_be_bytes(), "legacy intrusion bit: the oldest layout, S2 60");
}
const TIMESTAMP_NOW_: u32 = 0xFFFF_FFFF;

#[test]
fn window_limits_unacked_bundles_and_any_null_acks() {
    let cfg = ServerConfig { window: 2, bundle_max_records: 1, ..Default::default() };
    let mut s = ServerSession::new(cfg, 0);
    s.receive(&req(0, flags::EXTENDED | flags::INTRUSION), 0).unwrap();
    let sr = Message::StreamingRequest(estreamer_wire::message::StreamingService::request(
        0,
        0,
        vec![EventSpec { version: 11, code: 12 }],
    ));
    s.receive(&sr.to_bytes().unwrap(), 0).unwrap();
    drain(&mut s);
    let body = intrusion_body();
    s.push_record(OutRecord { record_type: 400, archive_ts: 1, body: &body }, 1);
    s.push_record(OutRecord { record_type: 400, archive_ts: 1, body: &body }, 1);
    assert_eq!(drain(&mut s).len(), 2);
    assert!(!s.wants_records(), "two bundles unacked with window 2");
    s.receive(&NULL_MESSAGE, 2).unwrap();
    assert!(s.wants_records());
}

#[test]
fn keepalive_when_idle_and_answer_deadline_after_streaming_request() {
    let cfg = ServerConfig { keepalive_ms: 1000, answer_within_ms: 500, ..Default::default() };
    let mut s = ServerSession::new(cfg, 0);
    s.receive(&req(0, flags::EXTENDED), 0).unwrap();
    drain(&mut s);
    let sr = Message::StreamingRequest(estreamer_wire::message::StreamingService::request(0, 0, vec![]));
    s.receive(&sr.to_bytes().unwrap(), 100).unwrap();
    assert_eq!(s.next_timeout(), 600);
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
    assert!(s.receive(b"\x00\x07\x00\x02\x00\x00\x00\x08garbage!", 0).is_err());
    assert!(s.is_closed());
    assert!(matches!(drain(&mut s).as_slice(), [Message::Error(_)]));
    let mut s = ServerSession::new(ServerConfig { max_message: 1024, ..Default::default() }, 0);
    assert!(s.receive(&[0, 1, 0, 2, 0x7f, 0xff, 0xff, 0xff], 0).is_err(), "oversize length rejected before buffering");
}

#[test]
fn client_and_server_sessions_talk_to_each_other() {
    for ack in [AckPolicy::EveryMessage, AckPolicy::BundlesOnly] {
        let mut c = ClientSession::new(ClientConfig { ack, ..Default::default() });
        let mut s = ServerSession::new(ServerConfig::default(), 0);
        let body = intrusion_body();
        let mut records = 0;
        let mut nulls_from_client = 0;
        for round in 0..10u64 {
            while let Some(b) = c.poll_transmit() {
                if b == NULL_MESSAGE {
                    nulls_from_client += 1;
                }
                s.receive(&b, round).unwrap();
            }
            while let Some(ev) = s.poll_event() {
                if let ServerEvent::Subscribed(_) = ev {
                    for i in 0..3 {
                        s.push_record(OutRecord { record_type: 400, archive_ts: 100 + i, body: &body }, round);
                    }
                    s.flush(round);
                }
            }
            while let Some(b) = s.poll_transmit() {
                c.receive(&b).unwrap();
            }
            while let Some(ev) = c.poll_event() {
                if let ClientEvent::Record(ed) = ev {
                    assert_eq!(ed.body, body);
                    records += 1;
                }
            }
        }
        assert_eq!(records, 3, "{ack:?}");
        match ack {
            AckPolicy::EveryMessage => assert_eq!(nulls_from_client, 2, "one for the 2051, one for the bundle"),
            AckPolicy::BundlesOnly => assert_eq!(nulls_from_client, 1),
        }
    }
}

#[test]
fn client_skips_a_corrupt_record_inside_a_bundle() {
    let mut c = ClientSession::new(ClientConfig::default());
    let good = EventData { record_type: 4, archive: Some((1, 0)), body: b"\0\0\0\x01\0\x01A".to_vec() };
    let mut b = Bundle { connection_id: 1, sequence: 1, items: vec![good.clone(), good.clone()] }.clone();
    b.items.truncate(2);
    let mut bytes = Message::Bundle(b).to_bytes().unwrap();
    // Corrupt the first item's record length (at body offset 8 + 8 + 4).
    bytes[8 + 8 + 8 + 7] = 0x55;
    c.receive(&bytes).unwrap();
    let evs: Vec<_> = std::iter::from_fn(|| c.poll_event()).collect();
    assert!(matches!(evs[0], ClientEvent::CorruptRecord(_)), "{evs:?}");
    assert_eq!(evs[1], ClientEvent::Record(good));
    assert_eq!(c.poll_transmit().unwrap().len(), 16, "the Event Stream Request");
    assert_eq!(c.poll_transmit().unwrap(), NULL_MESSAGE, "the bundle is still acked");
}

#[test]
fn server_converts_to_the_requested_block_version() {
    let mut s = ServerSession::new(ServerConfig::default(), 0);
    s.receive(&req(0, flags::EXTENDED | flags::ARCHIVE_TIMESTAMP), 0).unwrap();
    let sr = Message::StreamingRequest(estreamer_wire::message::StreamingService::request(
        0,
        0,
        vec![EventSpec { version: 9, code: 12 }],
    ));
    s.receive(&sr.to_bytes().unwrap(), 0).unwrap();
    drain(&mut s);
    s.push_record(OutRecord { record_type: 400, archive_ts: 1, body: &intrusion_body() }, 0);
    s.flush(0);
    let Message::Bundle(b) = &drain(&mut s)[0] else { panic!() };
    let body = &b.items[0].body;
    assert_eq!(&body[..4], &60u32.to_be_bytes(), "intrusion v9 is served as S2 60");
    assert_eq!(body.len(), 282, "S2 60 is 282 bytes, all fixed");
}
