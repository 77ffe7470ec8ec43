//! Every layout in the catalog: a generated record encodes, decodes without issues, and
//! re-encodes to the same bytes; the JSON view parses back to the same bytes too.

use estreamer_wire::schema::{BlockDef, Field, Ty, RECORDS};
use estreamer_wire::value::{Entry, Obj, Value};
use estreamer_wire::{decode_record, encode_record_body, record_from_json, RecordHead};

/// Tiny deterministic PRNG (splitmix64) so failures reproduce.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
    fn text(&mut self) -> Vec<u8> {
        let n = (self.next() % 12) as usize;
        // Letters g–z only: a string of hex digits is ambiguous in the JSON view (vectors README).
        (0..n).map(|_| b'g' + (self.next() % 20) as u8).collect()
    }
}

fn gen_fields(fields: &[Field], rng: &mut Rng, out: &mut Obj) {
    for f in fields {
        let v = match f.ty {
            _ if f.hidden => continue,
            Ty::U8 => Value::U(rng.next() % 256),
            Ty::U16 => Value::U(rng.next() % 65536),
            Ty::U32 => Value::U(rng.next() % (1 << 32)),
            Ty::U64 => Value::U(rng.next()),
            Ty::Len16(_) | Ty::Len32(_) => continue,
            Ty::Ipv4 => Value::Ip4(rng.bytes(4).try_into().unwrap()),
            Ty::Ipv6 => Value::Ip6(rng.bytes(16).try_into().unwrap()),
            Ty::Mac => Value::Mac(rng.bytes(6).try_into().unwrap()),
            Ty::Uuid => Value::Uuid(rng.bytes(16).try_into().unwrap()),
            Ty::Hex(n) => Value::Hex(rng.bytes(n)),
            Ty::Bytes(_) | Ty::Rest => Value::Data(rng.text()),
            Ty::Block(def) => Value::Obj(gen_block(def, rng)),
            Ty::BlockChoice(c) => Value::Obj(gen_block(c.options[(rng.next() as usize) % c.options.len()], rng)),
            Ty::List(def) => {
                let mut o = Obj::new();
                o.push("listType", Value::U(11));
                let items = (0..rng.next() % 3).map(|_| Value::Obj(gen_block(def, rng))).collect();
                o.push("items", Value::Arr(items));
                Value::Obj(o)
            }
            Ty::Merge(def) => {
                gen_fields(def.fields, rng, out);
                continue;
            }
            Ty::Choice(c) => {
                for def in c.options {
                    if out.get_u("blockType") == Some(def.number as u64) {
                        gen_fields(def.fields, rng, out);
                    }
                }
                continue;
            }
        };
        out.0.push(Entry { key: f.key, hidden: false, value: v });
    }
}

fn gen_block(def: &'static BlockDef, rng: &mut Rng) -> Obj {
    let mut o = Obj::new();
    if let Some((tk, _)) = def.header {
        o.push(tk, Value::U(def.number as u64));
    }
    gen_fields(def.fields, rng, &mut o);
    o
}

/// Every (record type, block version) the catalog can carry.
fn variants() -> Vec<(u32, u32)> {
    let mut v = Vec::new();
    for r in RECORDS {
        let mut choices = vec![];
        for f in r.body {
            if let Ty::Choice(c) = f.ty {
                choices.extend(c.options.iter().map(|b| b.number));
            }
        }
        if choices.is_empty() {
            v.push((r.record_type, 0));
        } else {
            v.extend(choices.into_iter().map(|b| (r.record_type, b)));
        }
    }
    v
}

#[test]
fn catalog_has_every_record_type_of_the_spec() {
    assert_eq!(RECORDS.len(), 143);
    assert!(RECORDS.windows(2).all(|w| w[0].record_type < w[1].record_type), "sorted for binary search");
}

#[test]
fn every_layout_round_trips() {
    let mut rng = Rng(7);
    let mut checked = 0;
    for (rt, block) in variants() {
        for _ in 0..20 {
            let mut obj = Obj::new();
            obj.push("blockType", Value::U(block as u64));
            let def = estreamer_wire::schema::record_def(rt).unwrap();
            gen_fields(def.body, &mut rng, &mut obj);
            let b1 = encode_record_body(rt, &obj, None).unwrap();
            let head = RecordHead { record_type: rt, archive_ts: 1_750_000_000, checksum: 0 };
            let d = decode_record(head, &b1);
            // Undefined payload blocks (S1 53/55 stand-ins) are opaque; everything else is exact.
            assert!(d.issues.is_empty(), "record {rt} block {block}: {:?}", d.issues);
            let b2 = encode_record_body(rt, &d.value, None).unwrap();
            assert_eq!(b1, b2, "record {rt} block {block}: decode∘encode is not the identity");
            // And through JSON (hidden wire-only words are zero in generated records).
            let json = Value::Obj(d.value.clone()).to_json();
            let (h2, o2) = record_from_json(&json).unwrap();
            assert_eq!(h2.record_type, rt);
            let b3 = encode_record_body(rt, &o2, None).unwrap();
            assert_eq!(b1, b3, "record {rt} block {block}: JSON round trip differs");
            checked += 1;
        }
    }
    assert!(checked >= 143 * 20);
}

#[test]
fn json_keys_are_camel_case() {
    let mut rng = Rng(9);
    for (rt, block) in variants() {
        let mut obj = Obj::new();
        obj.push("blockType", Value::U(block as u64));
        gen_fields(estreamer_wire::schema::record_def(rt).unwrap().body, &mut rng, &mut obj);
        let b = encode_record_body(rt, &obj, None).unwrap();
        let d = decode_record(RecordHead { record_type: rt, archive_ts: 0, checksum: 0 }, &b);
        let json = Value::Obj(d.value).to_json();
        for k in json.as_object().unwrap().keys() {
            assert!(k.chars().next().unwrap().is_ascii_lowercase(), "record {rt}: key {k}");
            assert!(!k.contains('_') && !k.contains(' '), "record {rt}: key {k}");
        }
        for k in ["recordType", "recordLength", "archiveTimestamp", "checksum", "blockType"] {
            assert!(json.get(k).is_some(), "record {rt} lacks {k}");
        }
    }
}
