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

/// The value at a path of object keys and `items` indexes (`["user", "vpnSession", "items",
/// "0"]`); a missing key is added.
fn at<'a>(obj: &'a mut Obj, path: &[&'static str]) -> &'a mut Value {
    fn key<'a>(o: &'a mut Obj, k: &'static str) -> &'a mut Value {
        if o.get(k).is_none() {
            o.push(k, Value::U(0));
        }
        &mut o.0.iter_mut().find(|e| e.key == k).unwrap().value
    }
    let (first, rest) = path.split_first().unwrap();
    let mut v = key(obj, first);
    for k in rest {
        v = match v {
            Value::Obj(o) => key(o, k),
            Value::Arr(items) => &mut items[k.parse::<usize>().unwrap()],
            other => panic!("{k} inside {other:?}"),
        };
    }
    v
}

/// Record 95 (user login, block 167) as the client reads it, with one VPN session item.
fn user_login() -> Obj {
    let (_, j) = client_json(&read("r95_s1b167", "bin"));
    let (_, mut obj) = record_from_json(&j).unwrap();
    let mut item = Obj::new();
    item.push("index", Value::U(1));
    item.push("vpnType", Value::U(2));
    let mut policy = Obj::new();
    policy.push("data", Value::Data(b"policy".to_vec()));
    item.push("groupPolicy", Value::Obj(policy));
    *at(&mut obj, &["user", "vpnSession", "items"]) = Value::Arr(vec![Value::Obj(item)]);
    assert!(encode_record_body(95, &obj, None).is_ok());
    obj
}

#[test]
fn the_encoder_never_truncates_and_says_which_record_field_and_value() {
    // Record 4 (priority): id u32 and a name.
    let mut o = Obj::new();
    o.push("recordType", Value::U(4));
    o.push("id", Value::U(1 << 32));
    let e = encode_record_body(4, &o, None).unwrap_err();
    assert_eq!(
        e,
        WireError::OutOfRange { record_type: Some(4), field: "id".into(), value: 1 << 32, max: u32::MAX.into() }
    );
    let text = e.to_string();
    assert!(text.starts_with("record type 4 ("), "{text}");
    assert!(text.contains("field `id`: 4294967296 is out of range (at most 4294967295)"), "{text}");
    let mut o = Obj::new();
    o.push("id", Value::Ip4([1, 2, 3, 4]));
    assert_eq!(
        encode_record_body(4, &o, None).unwrap_err(),
        WireError::FieldType {
            record_type: Some(4),
            field: "id".into(),
            expected: "an unsigned integer",
            found: "an IPv4 address"
        }
    );

    // Every integer width, at its maximum and one above, top level and nested.
    let cases: [(&[&'static str], u64); 6] = [
        (&["eventSubtype"], u32::MAX.into()),
        (&["deviceId"], u32::MAX.into()),
        (&["user", "loginType"], u8::MAX.into()),
        (&["user", "port"], u16::MAX.into()),
        (&["user", "userId"], u32::MAX.into()),
        (&["user", "vpnSession", "items", "0", "vpnType"], u8::MAX.into()),
    ];
    for (path, max) in cases {
        let mut obj = user_login();
        *at(&mut obj, path) = Value::U(max);
        assert!(encode_record_body(95, &obj, None).is_ok(), "{path:?} = {max}");
        *at(&mut obj, path) = Value::U(max + 1);
        let field = path.join(".").replace(".items.0.", ".items[0].");
        assert_eq!(
            encode_record_body(95, &obj, None).unwrap_err(),
            WireError::OutOfRange { record_type: Some(95), field, value: max + 1, max },
            "{path:?}"
        );
    }
}

#[test]
fn the_encoder_refuses_long_bytes_wrong_types_and_block_numbers_with_their_path() {
    let refused = |path: &[&'static str], v: Value| {
        let mut obj = user_login();
        *at(&mut obj, path) = v;
        encode_record_body(95, &obj, None).unwrap_err()
    };
    assert_eq!(
        refused(&["user", "vpnSession", "items", "0", "clientIP"], Value::Hex(vec![1; 17])),
        WireError::FieldTooLong {
            record_type: Some(95),
            field: "user.vpnSession.items[0].clientIP".into(),
            len: 17,
            max: 16
        }
    );
    // A shorter fixed-size value is padded, not refused.
    let mut obj = user_login();
    *at(&mut obj, &["user", "vpnSession", "items", "0", "clientIP"]) = Value::Hex(vec![1; 4]);
    assert!(encode_record_body(95, &obj, None).is_ok());
    let e = refused(&["user", "vpnSession", "items", "0", "groupPolicy", "data"], Value::U(7));
    assert!(
        matches!(&e, WireError::FieldType { record_type: Some(95), field, expected: "bytes", found: "an integer" }
            if field == "user.vpnSession.items[0].groupPolicy.data"),
        "{e:?}"
    );
    let e = refused(&["user", "vpnSession", "items", "0"], Value::U(7));
    assert!(matches!(&e, WireError::FieldType { field, .. } if field == "user.vpnSession.items[0]"), "{e:?}");
    let e = refused(&["user", "vpnSession", "listType"], Value::U(1 << 32));
    assert!(matches!(&e, WireError::OutOfRange { field, .. } if field == "user.vpnSession.listType"), "{e:?}");
    let e = refused(&["user", "username"], Value::Data(b"a block, not bytes".to_vec()));
    assert!(matches!(&e, WireError::FieldType { field, .. } if field == "user.username"), "{e:?}");
    let e = refused(&["user", "ipv4Address"], Value::Ip6([0; 16]));
    assert!(e.to_string().contains("field `user.ipv4Address`: expected an IPv4 address, found an IPv6 address"), "{e}");
    // A block version above 32 bits is not read as its low 32 bits (167 + 2^32).
    let e = refused(&["user", "blockType"], Value::U(167 + (1 << 32)));
    assert_eq!(
        e,
        WireError::OutOfRange {
            record_type: Some(95),
            field: "user.blockType".into(),
            value: 167 + (1 << 32),
            max: u32::MAX.into()
        }
    );
}

#[test]
fn a_standalone_block_names_its_field_without_a_record() {
    use estreamer_wire::encode_block;
    use estreamer_wire::schema::blocks::S1_166;
    let mut o = Obj::new();
    o.push("countryCode", Value::U(70_000));
    let e = encode_block(&S1_166, &o).unwrap_err();
    assert_eq!(e, WireError::OutOfRange { record_type: None, field: "countryCode".into(), value: 70_000, max: 65_535 });
    assert_eq!(e.to_string(), "field `countryCode`: 70000 is out of range (at most 65535)");
}

/// A SHA-256 sent as its 64 hex characters (an FMC's malware `fileShaHash`) spells bytes that
/// are not UTF-8: the String block's length says it is text, and it reads back as text; the same
/// characters in a block whose length is half theirs are the raw digest the JSON showed as hex.
#[test]
fn hex_looking_text_and_hex_rendered_bytes_are_told_apart_by_the_block_length() {
    let sha = "cdc0d739efad484aa48723bcdff47da5b6c00ffc65b62b69d7b81d5a211f1721";
    let (ed, mut j) = client_json(&read("r125_s2b80", "bin"));
    j["fileShaHash"]["data"] = json!(sha);
    // The record as JSON again after JSON → bytes → decode, with the block length given.
    let mut again = |block_length: usize| {
        j["fileShaHash"]["blockLength"] = json!(block_length);
        let (head, obj) = record_from_json(&j).unwrap();
        let body = encode_record_body(head.record_type, &obj, None).unwrap();
        let back = decode_record(RecordHead { record_type: ed.record_type, archive_ts: 0, checksum: 0 }, &body);
        Value::Obj(back.value).to_json()
    };
    let back = again(8 + 64);
    assert_eq!(back["fileShaHash"]["blockLength"], 72, "64 bytes of text");
    assert_eq!(back["fileShaHash"]["data"], sha);
    let back = again(8 + 32);
    assert_eq!(back["fileShaHash"]["blockLength"], 40, "the 32 bytes the hex spells");
    assert_eq!(back["fileShaHash"]["data"], sha, "and shown as hex again");
}
