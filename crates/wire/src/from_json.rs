//! JSON → record value, strictly: the inverse of the client's JSON rendering.
//!
//! The input is exactly the shape [`Value::write_json`](crate::Value::write_json) prints
//! (RECORDS.md §7.2): record header keys, the layout's keys (hidden wire-only keys may be
//! added), nested blocks as objects, lists as `{listType, listLength, items}`. The client's
//! `@computed` object is ignored at the top level. Everything else is refused, with the path of
//! the offending field:
//!
//! * a key the layout does not have (`unknown key`),
//! * a value of the wrong JSON type (a string for an integer, a number for an address, ...),
//! * an integer outside its field's range (a `u8` of 256, a negative number, a fraction),
//! * a fixed-size hex field of another length, an unparsable address, MAC or UUID,
//! * a block version (`blockType`) the layout does not know,
//! * `@unparsed` on a known record type (its bytes cannot be placed exactly).
//!
//! Length words (`recordLength`, block and list lengths, `Len16`/`Len32` fields) are checked
//! for range and otherwise ignored: the encoder computes them, so an edited string needs no
//! length fix-up.

use serde_json::Value as J;

use crate::schema::{record_def, BlockDef, Choice, Field, Ty};
use crate::value::{data_bytes_sized, parse_ipv6, parse_mac, parse_uuid, unhex, Entry, Obj, Value};
use crate::walk::{RecordHead, DEFAULT_LIST_HEADER, UNPARSED_KEY};
use crate::WireError;

/// The key the client adds with resolved names; ignored on input.
pub const COMPUTED_KEY: &str = "@computed";

type JMap = serde_json::Map<String, J>;

/// Build a record value from its JSON form, strictly (see the module docs). Errors are
/// [`WireError::JsonField`] with a dotted path (`user.items[2].id`).
pub fn record_from_json(json: &J) -> Result<(RecordHead, Obj), WireError> {
    let m = json.as_object().ok_or_else(|| bad("", "expected a JSON object for the record"))?;
    let mut top = Level::new(m, "");
    let record_type = match top.take("recordType") {
        Some(j) => uint(j, "recordType", u32::MAX.into())? as u32,
        None => return Err(bad("recordType", "missing (every record names its type)")),
    };
    let mut obj = Obj::new();
    obj.push("recordType", Value::U(record_type.into()));
    let mut head = RecordHead { record_type, archive_ts: 0, checksum: 0 };
    for k in ["recordLength", "archiveTimestamp", "checksum"] {
        let n = match top.take(k) {
            Some(j) => uint(j, k, u32::MAX.into())?,
            None => 0,
        };
        match k {
            "archiveTimestamp" => head.archive_ts = n as u32,
            "checksum" => head.checksum = n as u32,
            _ => {}
        }
        obj.push(k, Value::U(n));
    }
    // The top-level blockType names the merged block; absent, the layout's number is used.
    if let Some(j) = top.take("blockType") {
        obj.push("blockType", Value::U(uint(j, "blockType", u32::MAX.into())?));
    }
    match record_def(record_type) {
        Some(def) => {
            fields(def.body, &mut top, &mut obj)?;
            if top.take(UNPARSED_KEY).is_some() {
                return Err(bad(
                    UNPARSED_KEY,
                    "this record holds bytes its layout could not decode; it cannot be encoded exactly",
                ));
            }
        }
        None => {
            let raw = match top.take(UNPARSED_KEY) {
                Some(j) => {
                    let s = j.as_str().ok_or_else(|| bad(UNPARSED_KEY, "expected a hex string"))?;
                    unhex(s).ok_or_else(|| bad(UNPARSED_KEY, "expected an even number of hex digits"))?
                }
                None => Vec::new(),
            };
            obj.push(UNPARSED_KEY, Value::Hex(raw));
        }
    }
    if let Some(j) = top.take("headerDeviceId") {
        let v = uint(j, "headerDeviceId", u32::MAX.into())?;
        obj.0.push(Entry { key: "headerDeviceId", hidden: true, value: Value::U(v) });
    }
    top.take(COMPUTED_KEY);
    top.finish()?;
    Ok((head, obj))
}

fn bad(path: &str, problem: impl Into<String>) -> WireError {
    WireError::JsonField { path: path.to_owned(), problem: problem.into() }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

/// One JSON object being consumed: the keys taken so far, so that the rest can be refused.
struct Level<'a> {
    m: &'a JMap,
    path: String,
    used: Vec<&'a str>,
}

impl<'a> Level<'a> {
    fn new(m: &'a JMap, path: &str) -> Self {
        Level { m, path: path.to_owned(), used: Vec::with_capacity(m.len()) }
    }

    fn take(&mut self, key: &str) -> Option<&'a J> {
        let (k, v) = self.m.get_key_value(key)?;
        self.used.push(k.as_str());
        Some(v)
    }

    fn path(&self, key: &str) -> String {
        join(&self.path, key)
    }

    /// Refuse the first key nobody took.
    fn finish(&self) -> Result<(), WireError> {
        match self.m.keys().find(|k| !self.used.contains(&k.as_str())) {
            None => Ok(()),
            Some(k) => Err(bad(&self.path(k), "unknown key (not in this record's layout)")),
        }
    }
}

/// An unsigned integer no larger than `max`.
fn uint(j: &J, path: &str, max: u64) -> Result<u64, WireError> {
    let n = match j {
        J::Number(n) => match n.as_u64() {
            Some(n) => n,
            None if n.as_i64().is_some() => return Err(bad(path, format!("{n} is negative; expected 0..={max}"))),
            None => return Err(bad(path, format!("{n} is not an integer; expected 0..={max}"))),
        },
        other => return Err(bad(path, format!("expected an unsigned integer, found {}", kind(other)))),
    };
    if n > max {
        return Err(bad(path, format!("{n} is out of range; expected 0..={max}")));
    }
    Ok(n)
}

fn kind(j: &J) -> &'static str {
    match j {
        J::Null => "null",
        J::Bool(_) => "a boolean",
        J::Number(_) => "a number",
        J::String(_) => "a string",
        J::Array(_) => "an array",
        J::Object(_) => "an object",
    }
}

fn string<'j>(j: &'j J, path: &str, want: &str) -> Result<&'j str, WireError> {
    j.as_str().ok_or_else(|| bad(path, format!("expected {want} as a string, found {}", kind(j))))
}

fn object<'j>(j: &'j J, path: &str, want: &str) -> Result<&'j JMap, WireError> {
    j.as_object().ok_or_else(|| bad(path, format!("expected {want} as an object, found {}", kind(j))))
}

const fn int_max(ty: Ty) -> Option<u64> {
    Some(match ty {
        Ty::U8 => u8::MAX as u64,
        Ty::U16 | Ty::Len16(_) => u16::MAX as u64,
        Ty::U32 | Ty::Len32(_) => u32::MAX as u64,
        Ty::U64 => u64::MAX,
        _ => return None,
    })
}

fn fields(fields_of: &[Field], lv: &mut Level<'_>, out: &mut Obj) -> Result<(), WireError> {
    for field in fields_of {
        match field.ty {
            Ty::Merge(def) => {
                block(def, lv, out)?;
                continue;
            }
            Ty::Choice(choice) => {
                let def = chosen(choice, out.get_u("blockType"), &lv.path("blockType"))?;
                block(def, lv, out)?;
                continue;
            }
            _ => {}
        }
        let Some(j) = lv.take(field.key) else { continue };
        let path = lv.path(field.key);
        // The byte count the JSON gives for data (its length field, or the String block's
        // length): text and hex-rendered bytes are told apart by it.
        let wire_len = match field.ty {
            Ty::Bytes(len_key) => out.get_u(len_key),
            Ty::Rest if fields_of.len() == 1 => out.get_u("blockLength").and_then(|n| n.checked_sub(8)),
            _ => None,
        };
        let v = value(field, j, &path, wire_len)?;
        out.set(field.key, field.hidden, v);
    }
    Ok(())
}

fn value(field: &Field, j: &J, path: &str, wire_len: Option<u64>) -> Result<Value, WireError> {
    if let Some(max) = int_max(field.ty) {
        return Ok(Value::U(uint(j, path, max)?));
    }
    Ok(match field.ty {
        Ty::Ipv4 => Value::Ip4(
            string(j, path, "an IPv4 address")?
                .parse::<std::net::Ipv4Addr>()
                .map_err(|_| bad(path, "expected an IPv4 address (a.b.c.d)"))?
                .octets(),
        ),
        Ty::Ipv6 => Value::Ip6(
            parse_ipv6(string(j, path, "an IP address")?).ok_or_else(|| bad(path, "expected an IP address"))?,
        ),
        Ty::Mac => Value::Mac(
            parse_mac(string(j, path, "a MAC address")?)
                .ok_or_else(|| bad(path, "expected a MAC address (aa:bb:cc:dd:ee:ff)"))?,
        ),
        Ty::Uuid => Value::Uuid(parse_uuid(string(j, path, "a UUID")?).ok_or_else(|| bad(path, "expected a UUID"))?),
        Ty::Hex(n) => {
            let b = unhex(string(j, path, "hex")?).ok_or_else(|| bad(path, "expected an even number of hex digits"))?;
            if b.len() != n {
                return Err(bad(path, format!("expected {n} bytes of hex, found {}", b.len())));
            }
            Value::Hex(b)
        }
        Ty::Bytes(_) | Ty::Rest => Value::Data(data_bytes_sized(string(j, path, "text or hex data")?, wire_len)),
        Ty::Block(def) => {
            let mut lv = Level::new(object(j, path, "a block")?, path);
            let mut o = Obj::new();
            block(def, &mut lv, &mut o)?;
            lv.finish()?;
            Value::Obj(o)
        }
        Ty::BlockChoice(choice) => {
            let mut lv = Level::new(object(j, path, "a block")?, path);
            let number = match lv.take("blockType") {
                Some(n) => Some(uint(n, &lv.path("blockType"), u32::MAX.into())?),
                None => None,
            };
            let def = chosen(choice, number, &lv.path("blockType"))?;
            let mut o = Obj::new();
            if let Some(n) = number {
                o.push("blockType", Value::U(n));
            }
            block(def, &mut lv, &mut o)?;
            lv.finish()?;
            Value::Obj(o)
        }
        Ty::List(def) => list(def, u64::from(field.list_header.unwrap_or(DEFAULT_LIST_HEADER)), j, path)?,
        Ty::U8 | Ty::U16 | Ty::U32 | Ty::U64 | Ty::Len16(_) | Ty::Len32(_) | Ty::Merge(_) | Ty::Choice(_) => {
            unreachable!("integers, merged blocks and choices are handled before")
        }
    })
}

/// The version of a chosen block: the one the value names, else the newest.
fn chosen(choice: &'static Choice, number: Option<u64>, path: &str) -> Result<&'static BlockDef, WireError> {
    let Some(n) = number else { return Ok(choice.default) };
    u32::try_from(n).ok().and_then(|n| choice.find(n)).ok_or_else(|| {
        let known: Vec<String> = choice.options.iter().map(|b| b.number.to_string()).collect();
        bad(path, format!("block type {n} is not a known version here (known: {})", known.join(", ")))
    })
}

fn list(def: &'static BlockDef, default_header: u64, j: &J, path: &str) -> Result<Value, WireError> {
    let mut lv = Level::new(object(j, path, "a list")?, path);
    let mut o = Obj::new();
    let ltype = match lv.take("listType") {
        Some(n) => uint(n, &lv.path("listType"), u32::MAX.into())?,
        None => default_header,
    };
    o.push("listType", Value::U(ltype));
    let llen = match lv.take("listLength") {
        Some(n) => uint(n, &lv.path("listLength"), u32::MAX.into())?,
        None => 0,
    };
    o.push("listLength", Value::U(llen));
    let mut items = Vec::new();
    if let Some(arr) = lv.take("items") {
        let ipath = lv.path("items");
        let arr = arr.as_array().ok_or_else(|| bad(&ipath, format!("expected an array, found {}", kind(arr))))?;
        for (i, item) in arr.iter().enumerate() {
            let p = format!("{ipath}[{i}]");
            let mut il = Level::new(object(item, &p, "a list item")?, &p);
            let mut io = Obj::new();
            block(def, &mut il, &mut io)?;
            il.finish()?;
            items.push(Value::Obj(io));
        }
    }
    o.push("items", Value::Arr(items));
    lv.finish()?;
    Ok(Value::Obj(o))
}

fn block(def: &'static BlockDef, lv: &mut Level<'_>, out: &mut Obj) -> Result<(), WireError> {
    if let Some((tk, lk)) = def.header {
        for k in [tk, lk] {
            if out.get(k).is_some() {
                continue; // the top-level blockType, already taken
            }
            if let Some(j) = lv.take(k) {
                let n = uint(j, &lv.path(k), u32::MAX.into())?;
                out.set(k, false, Value::U(n));
            }
        }
    }
    fields(def.fields, lv, out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn err(j: J) -> String {
        record_from_json(&j).unwrap_err().to_string()
    }

    #[test]
    fn refuses_unknown_keys_wrong_types_and_ranges_with_their_path() {
        // Record 4 (priority): id u32, name length + name.
        let ok = json!({"recordType": 4, "id": 3, "name": "high", "@computed": {"x": 1}});
        assert!(record_from_json(&ok).is_ok());
        assert!(err(json!({"recordType": 4, "id": 3, "colour": "red"})).contains("`colour`: unknown key"));
        assert!(err(json!({"recordType": 4, "id": "3"})).contains("`id`: expected an unsigned integer, found a string"));
        assert!(err(json!({"recordType": 4, "id": 4294967296u64})).contains("`id`: 4294967296 is out of range"));
        assert!(err(json!({"recordType": 4, "id": -1})).contains("negative"));
        assert!(err(json!({"recordType": 4, "id": 1.5})).contains("not an integer"));
        assert!(err(json!({"id": 1})).contains("`recordType`: missing"));
        assert!(err(json!([1])).contains("expected a JSON object"));
    }

    #[test]
    fn unknown_record_types_carry_their_bytes() {
        let (h, o) = record_from_json(&json!({"recordType": 999999, "@unparsed": "0102"})).unwrap();
        assert_eq!(h.record_type, 999_999);
        assert_eq!(o.get(UNPARSED_KEY), Some(&Value::Hex(vec![1, 2])));
        assert!(err(json!({"recordType": 999999, "@unparsed": "012"})).contains("hex"));
        assert!(err(json!({"recordType": 4, "id": 1, "@unparsed": "01"})).contains("cannot be encoded exactly"));
    }
}
