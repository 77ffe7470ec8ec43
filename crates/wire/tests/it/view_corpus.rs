//! The computed view over a generated corpus: every (record type, block version) with small ids,
//! a few UUIDs and SHA-256s drawn from tiny pools, so metadata records teach the cache names that
//! the events then resolve. The `@computed` objects and the persisted cache are fingerprinted:
//! any change in what the view produces, for any record type, changes the fingerprint.
//! (`VIEW_CORPUS_DUMP=path` writes the corpus as JSON lines to compare two builds.)

use estreamer_wire::schema::{Field, Ty};
use estreamer_wire::value::{Obj, Value};
use estreamer_wire::view::{computed, MetadataCache};
use estreamer_wire::{decode_record, encode_record_body, RecordHead};

use crate::generate::{gen_record, variants, Rng};

/// Draws for a corpus whose ids, addresses, UUIDs and digests repeat, so names resolve.
trait Draw {
    fn int(&mut self, max: u64) -> u64;
    fn pick(&mut self, n: u64) -> u8;
    fn text(&mut self) -> Vec<u8>;
}

impl Draw for Rng {
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

fn leaf(rng: &mut Rng, f: &Field) -> Option<Value> {
    Some(match f.ty {
        Ty::U8 => Value::U(rng.int(0xff)),
        Ty::U16 => Value::U(rng.int(0xffff)),
        Ty::U32 => Value::U(rng.int(0xffff_ffff)),
        Ty::U64 => Value::U(rng.int(u64::MAX)),
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
        _ => return None,
    })
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
            let obj = gen_record(rt, block, &mut rng, &mut leaf);
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
