//! Golden vectors: every record and message vector decodes to its JSON and encodes back to
//! its bytes (testdata/vectors).

use crate::common;
use common::{read, vectors_dir};
use estreamer_wire::message::{Bundle, EventData, Message};
use estreamer_wire::{decode_record, encode_record_body, record_from_json, RecordHead};
use serde_json::Value as J;

fn index() -> Vec<J> {
    let s = std::fs::read_to_string(vectors_dir().join("index.json")).unwrap();
    let v: J = serde_json::from_str(&s).unwrap();
    v["vectors"].as_array().unwrap().clone()
}

/// Decode a record message and render it.
fn decode_message(bytes: &[u8]) -> J {
    let Message::EventData(ed) = Message::decode(bytes).unwrap() else { panic!("not event data") };
    let (ts, ck) = ed.archive.unwrap_or((0, 0));
    let d = decode_record(RecordHead { record_type: ed.record_type, archive_ts: ts, checksum: ck }, &ed.body);
    assert!(d.issues.is_empty(), "issues: {:?}", d.issues);
    estreamer_wire::Value::Obj(d.value).to_json()
}

#[test]
fn every_record_vector_decodes_to_its_json() {
    let mut n = 0;
    for v in index().iter().filter(|v| v["kind"] == "record") {
        let name = v["name"].as_str().unwrap();
        let want: J = serde_json::from_slice(&read(name, "json")).unwrap();
        let got = decode_message(&read(name, "bin"));
        assert_eq!(got, want, "vector {name}");
        n += 1;
    }
    assert_eq!(n, 99);
}

#[test]
fn every_round_trip_record_vector_encodes_to_its_bytes() {
    let mut n = 0;
    for v in index().iter().filter(|v| v["kind"] == "record" && v["roundTrip"] == true) {
        let name = v["name"].as_str().unwrap();
        let mut json: J = serde_json::from_slice(&read(name, "json")).unwrap();
        if let Some(w) = v["wireOnly"].as_object() {
            for (k, x) in w {
                json[k] = x.clone();
            }
        }
        let (head, obj) = record_from_json(&json).unwrap();
        let body = encode_record_body(head.record_type, &obj, None).unwrap();
        let archive = (v["recordHeaderBytes"] == 16).then_some((head.archive_ts, head.checksum));
        let msg = Message::EventData(EventData { record_type: head.record_type, archive, body });
        assert_eq!(msg.to_bytes().unwrap(), read(name, "bin"), "vector {name}");
        n += 1;
    }
    assert!(n >= 98);
}

#[test]
fn message_vectors_decode_and_encode() {
    for v in index().iter().filter(|v| v["kind"] == "message") {
        let name = v["name"].as_str().unwrap();
        let bytes = read(name, "bin");
        let want: J = serde_json::from_slice(&read(name, "json")).unwrap();
        let msg = Message::decode(&bytes).unwrap();
        assert_eq!(msg.msg_type().code() as u64, want["header"]["messageType"].as_u64().unwrap(), "{name}");
        let body = &want["body"];
        match &msg {
            Message::Null => {}
            Message::Error(e) => {
                assert_eq!(e.code as i64, body["errorCode"].as_i64().unwrap());
                assert_eq!(e.text, body["errorText"].as_str().unwrap().as_bytes());
            }
            Message::EventStreamRequest(r) => {
                assert_eq!(r.initial_timestamp as u64, body["initialTimestamp"].as_u64().unwrap());
                assert_eq!(r.flags as u64, body["flags"].as_u64().unwrap());
            }
            Message::HostRequest(h) => {
                assert_eq!(h.data_type as u64, body["dataType"].as_u64().unwrap());
                assert_eq!(h.flags as u64, body["flags"].as_u64().unwrap());
                let ip = |s: &J| estreamer_wire::value::parse_ipv6(s.as_str().unwrap()).unwrap();
                assert_eq!(h.start, ip(&body["startIp"]));
                assert_eq!(h.end, ip(&body["endIp"]));
            }
            Message::StreamingInformation(list) => {
                let want_list = body["services"].as_array().unwrap();
                assert_eq!(list.len(), want_list.len());
                for (s, w) in list.iter().zip(want_list) {
                    assert_eq!(s.service as u64, w["serviceId"].as_u64().unwrap());
                    assert_eq!(s.service_length as u64, w["serviceLength"].as_u64().unwrap());
                }
            }
            Message::StreamingRequest(s) => {
                assert_eq!(s.service as u64, body["serviceId"].as_u64().unwrap());
                assert_eq!(s.service_length as u64, body["serviceLength"].as_u64().unwrap());
                assert_eq!(s.flags as u64, body["flags"].as_u64().unwrap());
                let events: Vec<(u64, u64)> = body["events"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|e| (e["version"].as_u64().unwrap(), e["type"].as_u64().unwrap()))
                    .filter(|e| *e != (0, 0))
                    .collect();
                let got: Vec<(u64, u64)> = s.events.iter().map(|e| (e.version as u64, e.code as u64)).collect();
                assert_eq!(got, events);
            }
            Message::Bundle(Bundle { connection_id, sequence, items }) => {
                assert_eq!(*connection_id as u64, body["connectionId"].as_u64().unwrap());
                assert_eq!(*sequence as u64, body["sequenceNumber"].as_u64().unwrap());
                let want_items = body["items"].as_array().unwrap();
                assert_eq!(items.len(), want_items.len());
                for (item, w) in items.iter().zip(want_items) {
                    let rec = read(w["eventData"].as_str().unwrap(), "bin");
                    let mut payload = Vec::new();
                    item.write_body(&mut payload).unwrap();
                    assert_eq!(payload, rec[8..], "{name}");
                }
            }
            other => panic!("unexpected message {other:?} in {name}"),
        }
        // Encoding what we decoded gives the same bytes.
        assert_eq!(msg.to_bytes().unwrap(), bytes, "re-encode {name}");
    }
}
