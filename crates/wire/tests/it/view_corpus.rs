//! The computed view over a generated corpus: every (record type, block version) with small ids,
//! a few UUIDs and SHA-256s drawn from tiny pools, so metadata records teach the cache names that
//! the events then resolve. The `@computed` objects and the persisted cache are fingerprinted:
//! any change in what the view produces, for any record type, changes the fingerprint.
//! (`VIEW_CORPUS_DUMP=path` writes the corpus as JSON lines to compare two builds.)

use estreamer_wire::schema::{BlockDef, Field, Ty, RECORDS};
use estreamer_wire::value::{Entry, Obj, Value};
use estreamer_wire::view::{computed, MetadataCache};
use estreamer_wire::{decode_record, encode_record_body, RecordHead};

/// Tiny deterministic PRNG (splitmix64).
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Mostly small numbers (they hit the built-in tables and learned ids), now and then a bit
    /// set or a large one.
    fn int(&mut self, max: u64) -> u64 {
        let v = match self.next() % 8 {
            0 => 1 << (self.next() % 12),
            1 => self.next(),
            2 => (1 << (self.next() % 10)) | (1 << (self.next() % 10)),
            _ => self.next() % 8,
        };
        if max == u64::MAX {
            v
        } else {
            v % (max + 1)
        }
    }
    fn pick(&mut self, n: u64) -> u8 {
        (self.next() % n) as u8
    }
    fn text(&mut self) -> Vec<u8> {
        match self.next() % 6 {
            0 => Vec::new(),
            1 => vec![0; 4],
            2 => b"x [Impact: Vulnerable] \"q\"".to_vec(),
            _ => (0..1 + self.next() % 6).map(|_| b'g' + (self.next() % 4) as u8).collect(),
        }
    }
}

fn gen_fields(fields: &[Field], rng: &mut Rng, out: &mut Obj) {
    for f in fields {
        let v = match f.ty {
            _ if f.hidden => continue,
            Ty::U8 => Value::U(rng.int(0xff)),
            Ty::U16 => Value::U(rng.int(0xffff)),
            Ty::U32 => Value::U(rng.int(0xffff_ffff)),
            Ty::U64 => Value::U(rng.int(u64::MAX)),
            Ty::Len16(_) | Ty::Len32(_) => continue,
            Ty::Ipv4 => Value::Ip4([10, 0, 0, rng.pick(3)]),
            Ty::Ipv6 => {
                let mut a = [0u8; 16];
                if rng.pick(2) == 1 {
                    a[15] = 1 + rng.pick(3);
                }
                Value::Ip6(a)
            }
            Ty::Mac => Value::Mac([0, 1, 2, 3, 4, rng.pick(3)]),
            Ty::Uuid => Value::Uuid([rng.pick(3); 16]),
            Ty::Hex(n) => Value::Hex(vec![rng.pick(3); n]),
            Ty::Bytes(_) | Ty::Rest => match (rng.pick(4), f.key) {
                (0, _) => Value::Data(vec![rng.pick(3); 32]),
                (1, _) => Value::Data([b'a'; 64].map(|b| b + rng.pick(2)).to_vec()),
                (2, _) => Value::Data(vec![rng.pick(3); 16]),
                _ => Value::Data(rng.text()),
            },
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

/// FNV-1a, 64 bits.
fn fnv(h: &mut u64, bytes: &[u8]) {
    for &b in bytes {
        *h ^= u64::from(b);
        *h = h.wrapping_mul(0x100_0000_01b3);
    }
}

fn corpus(rounds: usize) -> Vec<Obj> {
    let mut rng = Rng(20);
    let mut out = Vec::new();
    for round in 0..rounds {
        for (rt, block) in variants() {
            let mut obj = Obj::new();
            obj.push("blockType", Value::U(block as u64));
            let def = estreamer_wire::schema::record_def(rt).unwrap();
            gen_fields(def.body, &mut rng, &mut obj);
            let Ok(body) = encode_record_body(rt, &obj, None) else { continue };
            let head = RecordHead { record_type: rt, archive_ts: 1_750_000_000 + round as u32, checksum: 0 };
            out.push(decode_record(head, &body).value);
        }
    }
    out
}

#[test]
fn computed_view_of_a_generated_corpus_is_unchanged() {
    let records = corpus(12);
    let mut cache = MetadataCache::new();
    let (mut hash, mut lines, mut keys, mut learned) = (0xcbf2_9ce4_8422_2325u64, 0usize, 0usize, 0usize);
    let mut dump = String::new();
    // Half the corpus before anything is learned, then learn everything, then all of it again.
    for (pass, recs) in [(0, &records[..records.len() / 2]), (1, &records[..])] {
        if pass == 1 {
            for r in &records {
                learned += usize::from(cache.learn(r));
            }
        }
        for r in recs {
            let c = computed(r, &cache);
            keys += c.0.len();
            let mut line = String::new();
            Value::Obj(c).write_json(&mut line);
            line.push('\n');
            fnv(&mut hash, line.as_bytes());
            dump.push_str(&line);
            lines += 1;
        }
    }
    let persisted = cache.to_bytes();
    fnv(&mut hash, &persisted);
    if let Some(path) = std::env::var_os("VIEW_CORPUS_DUMP") {
        dump.push_str(&String::from_utf8_lossy(&persisted));
        std::fs::write(path, dump).unwrap();
    }
    assert_eq!(MetadataCache::from_bytes(&persisted).unwrap().to_bytes(), persisted);
    assert_eq!((lines, keys, learned, cache.len(), hash), (2826, 20438, 787, 618, 9542474941886209936), "fingerprint");
}
