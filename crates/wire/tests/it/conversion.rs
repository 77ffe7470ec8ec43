//! Version conversion: a stored record re-encoded in another block version of its family by
//! field name, for every version pair in the table and every known client's request.

use estreamer_wire::message::EventSpec;
use estreamer_wire::schema::catalog::versions;
use estreamer_wire::schema::{BlockDef, Ty};
use estreamer_wire::session::server::convert;
use estreamer_wire::session::{Origin, OutRecord, Subscription};
use estreamer_wire::value::{Obj, Value};
use estreamer_wire::{decode_record, RecordHead};

use crate::common;

fn vector(name: &str) -> (u32, u32, Vec<u8>) {
    let ed = common::event_data(name);
    (ed.record_type, ed.archive_ts(), ed.body)
}

/// The record in `target`'s layout (the stored bytes when they already are).
fn conv(rt: u32, ts: u32, body: &[u8], target: &'static BlockDef) -> Vec<u8> {
    let rec = OutRecord { record_type: rt, archive_ts: ts, seq: 1, origin: Origin::Log, body };
    convert(rec, target).unwrap_or_else(|| body.to_vec())
}

fn decode(rt: u32, body: &[u8]) -> Obj {
    let d = decode_record(RecordHead { record_type: rt, archive_ts: 0, checksum: 0 }, body);
    assert!(d.issues.is_empty(), "record {rt}: {:?}", d.issues);
    d.value
}

/// The object holding the versioned block's fields (top level, or the nested `user`).
fn block_obj(rt: u32, o: &Obj) -> &Obj {
    if rt == 95 {
        o.get("user").and_then(Value::as_obj).unwrap()
    } else {
        o
    }
}

fn keys(def: &BlockDef) -> Vec<&'static str> {
    def.fields.iter().map(|f| f.key).collect()
}

fn zero_or_empty(v: &Value) -> bool {
    match v {
        Value::U(n) => *n == 0,
        Value::Ip4(a) => a.iter().all(|b| *b == 0),
        Value::Ip6(a) | Value::Uuid(a) => a.iter().all(|b| *b == 0),
        Value::Mac(a) => a.iter().all(|b| *b == 0),
        Value::Hex(b) => b.iter().all(|x| *x == 0),
        Value::Data(b) => b.is_empty(),
        Value::Obj(o) => {
            o.get("data").is_none_or(zero_or_empty)
                && o.get("items").is_none_or(|i| matches!(i, Value::Arr(a) if a.is_empty()))
        }
        Value::Arr(a) => a.is_empty(),
    }
}

const SOURCES: [&str; 6] = ["r400_s2b85", "r71_s1b174", "r500_s2b79", "r502_s2b79", "r125_s2b80", "r95_s1b167"];

#[test]
fn every_version_pair_keeps_common_fields_and_zeroes_new_ones() {
    let mut pairs = 0;
    for name in SOURCES {
        let (rt, ts, body) = vector(name);
        let table = versions(rt).unwrap().table;
        let src = decode(rt, &body);
        for (_, target) in table {
            let out = conv(rt, ts, &body, target);
            let got = decode(rt, &out);
            let gb = block_obj(rt, &got);
            assert_eq!(gb.get_u("blockType"), Some(target.number as u64), "{name} → {}", target.number);
            let sb = block_obj(rt, &src);
            for f in target.fields {
                if matches!(f.ty, Ty::Len16(_) | Ty::Len32(_)) {
                    continue;
                }
                let g = gb.get(f.key).unwrap_or_else(|| panic!("{name} → {}: {} missing", target.number, f.key));
                match sb.get(f.key) {
                    Some(s) => assert_eq!(g, s, "{name} → {}: field {} changed", target.number, f.key),
                    None => assert!(zero_or_empty(g), "{name} → {}: new field {} not zero", target.number, f.key),
                }
            }
            // Discovery header fields (71, 95) and record header words survive too.
            for k in ["deviceId", "eventSecond", "macAddress", "hostIpAddr"] {
                if src.get(k).is_some() && rt == 95 {
                    assert_eq!(got.get(k), src.get(k), "{name}: header {k}");
                }
            }
            // And back up to the newest: fields both versions share come back unchanged.
            let newest = table.last().unwrap().1;
            let back = conv(rt, ts, &out, newest);
            let bb = decode(rt, &back);
            for k in keys(target) {
                if keys(newest).contains(&k) && !k.ends_with("Length") {
                    assert_eq!(block_obj(rt, &bb).get(k), gb.get(k), "{name} via {}: {k}", target.number);
                }
            }
            pairs += 1;
        }
    }
    assert_eq!(pairs, 3 + 4 + 2 + 2 + 2 + 2);
}

#[test]
fn known_clients_get_the_blocks_they_can_read() {
    // PROTOCOL.md §5.4: (intrusion, connection, user, malware, file) versions per client.
    let clients = [
        ("eNcore 5.2.11", [11, 17, 7, 8, 7], [85, 174, 167, 80, 79]),
        ("eNcore 3.8.4", [9, 14, 7, 7, 6], [60, 163, 167, 62, 56]),
        ("eNcore 3.5.8", [9, 14, 4, 7, 6], [60, 163, 127, 62, 56]),
        ("estreamer 0.1.1", [8, 12, 4, 6, 5], [60, 163, 127, 62, 56]),
    ];
    for (client, versions, blocks) in clients {
        let events = [12u16, 71, 91, 101, 111]
            .iter()
            .zip(versions)
            .map(|(code, version)| EventSpec { version, code: *code })
            .collect();
        let sub = Subscription { initial_timestamp: 0, flags: 0x4890_0061, events };
        for (rt, want) in [400u32, 71, 95, 125, 500].iter().zip(blocks) {
            assert_eq!(sub.target_block(*rt).unwrap().number, want, "{client}: record {rt}");
        }
    }
    // The IG sample asks for connection v6 only: below the oldest known → the oldest.
    let ig = Subscription { initial_timestamp: 0, flags: 0, events: vec![EventSpec { version: 6, code: 71 }] };
    assert_eq!(ig.target_block(71).unwrap().number, 163);
    assert!(ig.target_block(400).is_none(), "intrusion not requested: stored bytes");
    // Legacy flag bits (any version bit of a family) → the oldest layout of the family.
    let legacy = Subscription { initial_timestamp: 0, flags: 0x0080_0061, events: vec![] };
    assert_eq!(legacy.target_block(400).unwrap().number, 60);
    for bit in [1u32 << 8, 1 << 12, 1 << 18, 1 << 26] {
        let s = Subscription { initial_timestamp: 0, flags: bit, events: vec![] };
        assert_eq!(s.target_block(71).unwrap().number, 163, "connection bit {bit:#x}");
    }
    let user = Subscription { initial_timestamp: 0, flags: 1 << 21, events: vec![] };
    assert_eq!(user.target_block(95).unwrap().number, 127);
}

#[test]
fn versions_between_and_beyond_the_table() {
    let t = versions(95).unwrap();
    assert_eq!(t.block_for(5).number, 127, "between known versions: the newest not above");
    assert_eq!(t.block_for(99).number, 167, "above the newest: the newest");
    assert_eq!(t.block_for(1).number, 127, "below the oldest: the oldest");
}

#[test]
fn discovery_records_have_no_versioned_block_and_pass_through() {
    for name in ["r10_s1b139", "r11_s1b103", "r13_disc_u16", "r101_s1b130", "r160_s1b7"] {
        let (rt, _, _) = vector(name);
        assert!(versions(rt).is_none(), "{name}");
        let sub = Subscription { initial_timestamp: 0, flags: 0, events: vec![EventSpec { version: 11, code: 61 }] };
        assert!(sub.target_block(rt).is_none());
    }
}

#[test]
fn serving_the_stored_version_is_byte_identical() {
    for name in SOURCES {
        let (rt, ts, body) = vector(name);
        let newest = versions(rt).unwrap().table.last().unwrap().1;
        let rec = OutRecord { record_type: rt, archive_ts: ts, seq: 1, origin: Origin::Log, body: &body };
        assert_eq!(convert(rec, newest), None, "{name}: the stored bytes go out as they are");
    }
}
