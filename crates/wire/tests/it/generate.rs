//! Records generated from the schema table for catalog-wide tests: the walk over blocks, lists,
//! merged and chosen blocks is shared; each test picks its own values for the leaf fields.

use estreamer_wire::schema::{record_def, BlockDef, Field, Ty, RECORDS};
use estreamer_wire::value::{Entry, Obj, Value};

/// Tiny deterministic PRNG (splitmix64) so failures reproduce.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// The value of one leaf field (integers, addresses, hex, data); `None` leaves it out.
pub type Leaf<'a> = dyn FnMut(&mut Rng, &Field) -> Option<Value> + 'a;

/// Values for `fields` into `out`: nested blocks, lists (0–2 items), merged blocks and the
/// block version chosen by `out`'s `blockType`; hidden fields and length words are left to the
/// encoder.
pub fn gen_fields(fields: &[Field], rng: &mut Rng, out: &mut Obj, leaf: &mut Leaf<'_>) {
    for f in fields {
        let v = match f.ty {
            _ if f.hidden => continue,
            Ty::Len16(_) | Ty::Len32(_) => continue,
            Ty::Block(def) => Value::Obj(gen_block(def, rng, leaf)),
            Ty::BlockChoice(c) => Value::Obj(gen_block(c.options[(rng.next() as usize) % c.options.len()], rng, leaf)),
            Ty::List(def) => {
                let mut o = Obj::new();
                o.push("listType", Value::U(11));
                let items = (0..rng.next() % 3).map(|_| Value::Obj(gen_block(def, rng, leaf))).collect();
                o.push("items", Value::Arr(items));
                Value::Obj(o)
            }
            Ty::Merge(def) => {
                gen_fields(def.fields, rng, out, leaf);
                continue;
            }
            Ty::Choice(c) => {
                for def in c.options {
                    if out.get_u("blockType") == Some(def.number as u64) {
                        gen_fields(def.fields, rng, out, leaf);
                    }
                }
                continue;
            }
            _ => match leaf(rng, f) {
                Some(v) => v,
                None => continue,
            },
        };
        out.0.push(Entry { key: f.key, hidden: false, value: v });
    }
}

/// One block of `def` (its `blockType` set).
pub fn gen_block(def: &'static BlockDef, rng: &mut Rng, leaf: &mut Leaf<'_>) -> Obj {
    let mut o = Obj::new();
    if let Some((tk, _)) = def.header {
        o.push(tk, Value::U(def.number as u64));
    }
    gen_fields(def.fields, rng, &mut o, leaf);
    o
}

/// A record of type `record_type` in block version `block` (0: the record has no choice).
pub fn gen_record(record_type: u32, block: u32, rng: &mut Rng, leaf: &mut Leaf<'_>) -> Obj {
    let mut obj = Obj::new();
    obj.push("blockType", Value::U(block as u64));
    gen_fields(record_def(record_type).expect("a catalog type").body, rng, &mut obj, leaf);
    obj
}

/// Every (record type, block version) the catalog can carry.
pub fn variants() -> Vec<(u32, u32)> {
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
