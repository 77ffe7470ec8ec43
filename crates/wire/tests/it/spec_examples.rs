//! The byte-exact examples of PROTOCOL.md (§5.2, §5.4, §6.3, §10, §12.2).

use estreamer_wire::message::*;
use estreamer_wire::session::{ClientConfig, ClientSession, ENCORE_5_2_11_EVENTS};

fn hex(s: &str) -> Vec<u8> {
    let s: String = s.split_whitespace().collect();
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
}

#[test]
fn s5_2_minimal_streaming_information() {
    let want = hex("00 01 08 03 00 00 00 10  00 00 1A 0B 00 00 00 08 00 00 00 00 00 00 00 00");
    let m = Message::StreamingInformation(vec![StreamingService::advertise(SERVICE_EVENT_STREAM)]);
    assert_eq!(m.to_bytes().unwrap(), want);
    assert_eq!(Message::decode(&want).unwrap(), m);
}

#[test]
fn s5_2_ig_sample_with_two_services() {
    let m = Message::StreamingInformation(vec![StreamingService::advertise(6667), StreamingService::advertise(5000)]);
    let b = m.to_bytes().unwrap();
    assert_eq!(&b[..8], &hex("00 01 08 03 00 00 00 20"), "IG sample: length 32");
    assert_eq!(Message::decode(&b).unwrap(), m);
}

#[test]
fn s5_4_encore_streaming_request_is_what_our_client_sends() {
    let want = hex("00 01 08 01 00 00 00 38  00 00 1A 0B  00 00 00 38  48 90 00 61  00 00 00 00
         00 0B 00 0C 00 04 00 15 00 09 00 1F 00 0B 00 3D 00 11 00 47
         00 07 00 5B 00 08 00 65 00 07 00 6F 00 02 00 83 00 00 00 00");
    let mut c = ClientSession::new(ClientConfig::default(), 0);
    assert_eq!(c.poll_transmit().unwrap(), hex("00 01 00 02 00 00 00 08 00 00 00 00 48 90 00 61"));
    let info = Message::StreamingInformation(vec![StreamingService::advertise(6667)]).to_bytes().unwrap();
    c.receive(&info, 0).unwrap();
    while c.poll_event().is_some() {}
    assert_eq!(c.poll_transmit().unwrap(), want, "the Streaming Request, byte for byte");
    assert_eq!(c.poll_transmit().unwrap(), NULL_MESSAGE, "then a Null for the 2051, as eNcore does");
    // The server side tolerates either Service Length convention.
    let Message::StreamingRequest(s) = Message::decode(&want).unwrap() else { panic!() };
    assert_eq!(s.events, ENCORE_5_2_11_EVENTS.to_vec());
    let mut ig = want.clone();
    ig[15] = 0x30; // "excluding" convention
    let Message::StreamingRequest(s2) = Message::decode(&ig).unwrap() else { panic!() };
    assert_eq!(s2.events, s.events);
}

#[test]
fn s6_3_bundle_example() {
    let want = hex("00 01 0F A2 00 00 00 24  00 00 00 07 00 00 00 01  00 00 00 04 00 00 00 14
         00 00 00 47 00 00 00 04  65 53 F1 00 00 00 00 00  AA BB CC DD");
    let m = Message::Bundle(Bundle {
        connection_id: 7,
        sequence: 1,
        items: vec![EventData { record_type: 71, archive: Some((0x6553_F100, 0)), body: vec![0xAA, 0xBB, 0xCC, 0xDD] }],
    });
    assert_eq!(m.to_bytes().unwrap(), want);
    assert_eq!(Message::decode(&want).unwrap(), m);
}

#[test]
fn s10_error_examples() {
    // IG: code 19, text length 9, "No space" + NUL → message length 15.
    let m = Message::Error(ErrorMessage { code: 19, text: b"No space\0".to_vec() });
    let b = m.to_bytes().unwrap();
    assert_eq!(&b[..8], &hex("00 01 00 01 00 00 00 0F"));
    let Message::Error(e) = Message::decode(&b).unwrap() else { panic!() };
    assert_eq!(e.text_lossy(), "No space");
    // eNcore's builder for "bye" with code −1.
    let bye = hex("00 01 00 01 00 00 00 09 FF FF FF FF 00 03 62 79 65");
    assert_eq!(Message::Error(ErrorMessage::new(-1, "bye")).to_bytes().unwrap(), bye);
    // Text length must match the body exactly.
    let mut bad = bye.clone();
    bad[13] = 4;
    assert!(Message::decode(&bad).is_err());
}

#[test]
fn s12_2_default_event_stream_requests() {
    for (ts, t) in [(0u32, "00000000"), (0xFFFF_FFFF, "FFFFFFFF"), (1_700_000_000, "6553F100")] {
        let want = hex(&format!("00 01 00 02 00 00 00 08 {t} 48 90 00 61"));
        let m = Message::EventStreamRequest(EventStreamRequest { initial_timestamp: ts, flags: flags::ENCORE_DEFAULT });
        assert_eq!(m.to_bytes().unwrap(), want);
    }
    assert_eq!(flags::ENCORE_DEFAULT, 0x4890_0061);
}

#[test]
fn s9_null_is_eight_bytes() {
    assert_eq!(Message::Null.to_bytes().unwrap(), hex("00 01 00 00 00 00 00 00"));
    assert_eq!(NULL_MESSAGE.to_vec(), Message::Null.to_bytes().unwrap());
}

#[test]
fn s8_1_host_request_both_forms() {
    let legacy = hex("00 01 00 05 00 00 00 10 00 00 00 05 00 00 00 00 0A 00 00 01 0A 00 00 FF");
    let Message::HostRequest(h) = Message::decode(&legacy).unwrap() else { panic!() };
    assert!(h.legacy);
    assert_eq!(h.data_type, 5);
    assert_eq!(&h.start[10..], &[0xff, 0xff, 10, 0, 0, 1]);
    assert_eq!(Message::HostRequest(h).to_bytes().unwrap(), legacy);
}

#[test]
fn header_version_other_than_one_is_rejected() {
    assert!(estreamer_wire::check(&hex("00 02 00 00 00 00 00 00"), 100).is_err());
}
