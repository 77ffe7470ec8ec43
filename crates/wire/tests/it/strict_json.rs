//! The strict JSON reader: the client's own JSON (with `@computed`) reads back to the same bytes
//! for every golden vector, and anything else is refused with the field's path; the encoder
//! never truncates an integer.

use estreamer_wire::message::{EventData, Message};
use estreamer_wire::view::{decorate, MetadataCache};
use estreamer_wire::{decode_record, encode_record_body, record_from_json, Obj, RecordHead, Value, WireError};
use serde_json::{json, Value as J};

use crate::common::{read, vectors_dir};

/// The client's JSON line for a record message: decoded, decorated with `@computed`.
fn client_json(bytes: &[u8]) -> (EventData, J) {
    let Message::EventData(ed) = Message::decode(bytes).unwrap() else { panic!("not event data") };
    let (ts, ck) = ed.archive.unwrap_or((0, 0));
    let mut d = decode_record(RecordHead { record_type: ed.record_type, archive_ts: ts, checksum: ck }, &ed.body);
    decorate(&mut d.value, &MetadataCache::new());
    let j = Value::Obj(d.value).to_json();
    (ed, j)
}

#[test]
fn the_clients_json_of_every_round_trip_vector_reads_back_to_its_bytes() {
    let index: J = serde_json::from_slice(&std::fs::read(vectors_dir().join("index.json")).unwrap()).unwrap();
    let mut n = 0;
    for v in index["vectors"].as_array().unwrap().iter().filter(|v| v["kind"] == "record" && v["roundTrip"] == true) {
        let name = v["name"].as_str().unwrap();
        let (ed, mut j) = client_json(&read(name, "bin"));
        assert!(j.get("@computed").is_some(), "{name}: the client adds @computed");
        if let Some(w) = v["wireOnly"].as_object() {
            for (k, x) in w {
                j[k] = x.clone();
            }
        }
        let (head, obj) = record_from_json(&j).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(head.record_type, ed.record_type);
        assert_eq!(encode_record_body(head.record_type, &obj, None).unwrap(), ed.body, "{name}");
        n += 1;
    }
    assert!(n >= 98);
}

fn refused(j: J) -> (String, String) {
    match record_from_json(&j) {
        Err(WireError::JsonField { path, problem }) => (path, problem),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn unknown_keys_wrong_types_and_ranges_are_refused_with_their_path() {
    let (_, base) = client_json(&read("r95_s1b167", "bin"));
    let with = |f: &dyn Fn(&mut J)| {
        let mut j = base.clone();
        f(&mut j);
        j
    };
    assert!(record_from_json(&base).is_ok());
    let cases: Vec<(J, &str, &str)> = vec![
        (with(&|j| j["user"]["colour"] = json!(1)), "user.colour", "unknown key"),
        (with(&|j| j["user"]["loginType"] = json!(256)), "user.loginType", "256 is out of range; expected 0..=255"),
        (with(&|j| j["user"]["port"] = json!(65536)), "user.port", "65536 is out of range; expected 0..=65535"),
        (with(&|j| j["user"]["port"] = json!(-1)), "user.port", "negative"),
        (with(&|j| j["user"]["port"] = json!("80")), "user.port", "found a string"),
        (with(&|j| j["user"]["userId"] = json!(4_294_967_296u64)), "user.userId", "out of range"),
        (with(&|j| j["user"]["ipv4Address"] = json!("300.1.1.1")), "user.ipv4Address", "IPv4"),
        (with(&|j| j["user"]["username"]["extra"] = json!(true)), "user.username.extra", "unknown key"),
        (with(&|j| j["user"]["vpnSession"]["items"] = json!([1])), "user.vpnSession.items[0]", "object"),
        (with(&|j| j["user"]["blockType"] = json!(9999)), "user.blockType", "not a known version"),
        (with(&|j| j["macAddress"] = json!("02:5e")), "macAddress", "MAC"),
        (with(&|j| j["eventSecond"] = json!(1.5)), "eventSecond", "not an integer"),
        (with(&|j| j["archiveTimestamp"] = json!(null)), "archiveTimestamp", "found null"),
        (with(&|j| j["extra"] = json!({})), "extra", "unknown key"),
    ];
    for (j, path, problem) in cases {
        let (p, why) = refused(j);
        assert_eq!(p, path);
        assert!(why.contains(problem), "{path}: {why}");
    }
}

#[test]
fn the_encoder_never_truncates() {
    // Record 4 (priority): id u32 and a name.
    let mut o = Obj::new();
    o.push("recordType", Value::U(4));
    o.push("id", Value::U(1 << 32));
    let e = encode_record_body(4, &o, None).unwrap_err();
    assert_eq!(e, WireError::OutOfRange { field: "id", value: 1 << 32, max: u32::MAX.into() });
    let mut o = Obj::new();
    o.push("id", Value::Ip4([1, 2, 3, 4]));
    assert!(matches!(encode_record_body(4, &o, None), Err(WireError::FieldType { field: "id", .. })));
}
