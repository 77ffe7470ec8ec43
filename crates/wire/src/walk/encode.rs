//! Encoding by the schema tables, strictly: a value that does not fit its field is an error
//! naming the record type, the field's path and the value, never truncated or replaced.
//!
//! Absent fields encode as zero (or empty); a field present with another type than its
//! layout's, an integer above its field's width, a byte string longer than its fixed size or
//! its length word, a block type number above 32 bits are refused.

use super::{DEFAULT_LIST_HEADER, UNPARSED_KEY};
use crate::schema::{record_def, BlockDef, Choice, Field, Ty};
use crate::value::{Obj, Value};
use crate::WireError;

/// Encode one standalone block (header included) from its value with `def`. The block type is
/// the value's own `blockType` (or the header's type key) when present, else the layout's
/// number; lists without a `listType` get their layout's header number.
pub fn encode_block(def: &'static BlockDef, value: &Obj) -> Result<Vec<u8>, WireError> {
    let mut out = Vec::with_capacity(256);
    enc_block(def, value, &mut out, None)?;
    Ok(out)
}

/// Encode a record object's body with the catalog layout. `version` forces the block version
/// used for a record whose layout is chosen by version (conversion); `None` keeps the value's.
pub fn encode_record_body(
    record_type: u32,
    value: &Obj,
    version: Option<&'static BlockDef>,
) -> Result<Vec<u8>, WireError> {
    let mut out = Vec::with_capacity(256);
    match record_def(record_type) {
        Some(def) => enc_fields(def.body, value, &mut out, version).map_err(|e| in_record(e, record_type))?,
        None => match value.get(UNPARSED_KEY) {
            Some(Value::Hex(b)) | Some(Value::Data(b)) => out.extend_from_slice(b),
            _ => return Err(WireError::UnknownRecordType { record_type }),
        },
    }
    Ok(out)
}

fn out_of_range(field: &str, value: u64, max: u64) -> WireError {
    WireError::OutOfRange { record_type: None, field: field.to_owned(), value, max }
}

fn too_long(field: &str, len: usize, max: u64) -> WireError {
    WireError::FieldTooLong { record_type: None, field: field.to_owned(), len, max }
}

fn wrong_type(field: &str, expected: &'static str, found: &Value) -> WireError {
    let found = match found {
        Value::U(_) => "an integer",
        Value::Ip4(_) => "an IPv4 address",
        Value::Ip6(_) => "an IPv6 address",
        Value::Mac(_) => "a MAC address",
        Value::Uuid(_) => "a UUID",
        Value::Hex(_) => "hex bytes",
        Value::Data(_) => "data bytes",
        Value::Obj(_) => "an object",
        Value::Arr(_) => "an array",
    };
    WireError::FieldType { record_type: None, field: field.to_owned(), expected, found }
}

/// The error's field path, when it has one (the encoding errors).
fn path_of(e: &mut WireError) -> Option<(&mut Option<u32>, &mut String)> {
    match e {
        WireError::OutOfRange { record_type, field, .. }
        | WireError::FieldTooLong { record_type, field, .. }
        | WireError::FieldType { record_type, field, .. } => Some((record_type, field)),
        _ => None,
    }
}

/// An error met inside the field `outer` (a block, or a list item): its path starts there.
fn within(mut e: WireError, outer: &str) -> WireError {
    if let Some((_, field)) = path_of(&mut e) {
        *field = if field.is_empty() { outer.to_owned() } else { format!("{outer}.{field}") };
    }
    e
}

fn in_record(mut e: WireError, rt: u32) -> WireError {
    if let Some((record_type, _)) = path_of(&mut e) {
        *record_type = Some(rt);
    }
    e
}

/// `n` as `N` big-endian bytes, if it fits.
fn be<const N: usize>(field: &str, n: u64) -> Result<[u8; N], WireError> {
    let max = u64::MAX >> (64 - 8 * N);
    if n > max {
        return Err(out_of_range(field, n, max));
    }
    let mut b = [0; N];
    b.copy_from_slice(&n.to_be_bytes()[8 - N..]);
    Ok(b)
}

/// An unsigned integer field as `N` big-endian bytes (absent: 0).
fn uint<const N: usize>(field: &str, v: Option<&Value>) -> Result<[u8; N], WireError> {
    match v {
        Some(Value::U(n)) => be(field, *n),
        None => Ok([0; N]),
        Some(other) => Err(wrong_type(field, "an unsigned integer", other)),
    }
}

/// A fixed-size field (address, MAC, UUID) of type `expected` (absent: zeros).
fn fixed<'v, const N: usize>(
    field: &str,
    v: Option<&'v Value>,
    expected: &'static str,
    get: impl Fn(&'v Value) -> Option<&'v [u8; N]>,
) -> Result<[u8; N], WireError> {
    match v {
        None => Ok([0; N]),
        Some(v) => get(v).copied().ok_or_else(|| wrong_type(field, expected, v)),
    }
}

/// The bytes of a byte-string field (absent: none).
fn bytes_of<'v>(field: &str, v: Option<&'v Value>) -> Result<&'v [u8], WireError> {
    match v {
        Some(Value::Hex(b)) | Some(Value::Data(b)) => Ok(b),
        None => Ok(&[]),
        Some(other) => Err(wrong_type(field, "bytes", other)),
    }
}

/// The object of a block field (absent: an empty one).
fn object_of<'v>(field: &str, v: Option<&'v Value>, empty: &'v Obj) -> Result<&'v Obj, WireError> {
    match v {
        Some(Value::Obj(o)) => Ok(o),
        None => Ok(empty),
        Some(other) => Err(wrong_type(field, "a block object", other)),
    }
}

/// The block version a value names with its `blockType` (absent or unknown: the newest).
fn chosen(choice: &'static Choice, obj: &Obj) -> Result<&'static BlockDef, WireError> {
    match obj.get("blockType") {
        None => Ok(choice.default),
        Some(Value::U(n)) => Ok(choice.find(u32::from_be_bytes(be("blockType", *n)?)).unwrap_or(choice.default)),
        Some(other) => Err(wrong_type("blockType", "a block type number", other)),
    }
}

/// Write the length word at `at`: the bytes from `start` to the end of `out`.
fn put_len(out: &mut [u8], start: usize, at: usize, field: &str) -> Result<(), WireError> {
    let len = out.len() - start;
    let n = u32::try_from(len).map_err(|_| too_long(field, len, u32::MAX.into()))?;
    out[at..at + 4].copy_from_slice(&n.to_be_bytes());
    Ok(())
}

fn enc_fields(
    fields: &[Field],
    obj: &Obj,
    out: &mut Vec<u8>,
    version: Option<&'static BlockDef>,
) -> Result<(), WireError> {
    let mut hint = 0;
    let empty = Obj::new();
    for field in fields {
        let key = field.key;
        if let Some(c) = field.cond {
            // A value without the flag word but with the optional field means "present".
            let flag = obj.get_u(c).unwrap_or(u64::from(obj.get(key).is_some()));
            if flag == 0 {
                continue;
            }
        }
        let v = match field.alias.and_then(|a| obj.get(a)) {
            Some(aliased) => Some(aliased),
            None => obj.find_from(key, &mut hint),
        };
        match field.ty {
            Ty::U8 => match (key, v) {
                ("hasIpv6", None) => out.push(u8::from(fields.iter().any(|f| f.cond == Some("hasIpv6")))),
                _ => out.extend_from_slice(&uint::<1>(key, v)?),
            },
            Ty::U16 => out.extend_from_slice(&uint::<2>(key, v)?),
            Ty::U32 => out.extend_from_slice(&uint::<4>(key, v)?),
            Ty::U64 => out.extend_from_slice(&uint::<8>(key, v)?),
            Ty::Len16(target) => {
                let n = bytes_of(target, obj.get(target))?.len();
                let n = u16::try_from(n).map_err(|_| too_long(target, n, u16::MAX.into()))?;
                out.extend_from_slice(&n.to_be_bytes());
            }
            Ty::Len32(target) => {
                let n = bytes_of(target, obj.get(target))?.len();
                let n = u32::try_from(n).map_err(|_| too_long(target, n, u32::MAX.into()))?;
                out.extend_from_slice(&n.to_be_bytes());
            }
            Ty::Ipv4 => out.extend_from_slice(&fixed(key, v, "an IPv4 address", |v| match v {
                Value::Ip4(a) => Some(a),
                _ => None,
            })?),
            Ty::Ipv6 => out.extend_from_slice(&fixed(key, v, "an IPv6 address", |v| match v {
                Value::Ip6(a) => Some(a),
                _ => None,
            })?),
            Ty::Uuid => out.extend_from_slice(&fixed(key, v, "a UUID", |v| match v {
                Value::Uuid(a) => Some(a),
                _ => None,
            })?),
            Ty::Mac => out.extend_from_slice(&fixed(key, v, "a MAC address", |v| match v {
                Value::Mac(a) => Some(a),
                _ => None,
            })?),
            Ty::Hex(n) => {
                let b = bytes_of(key, v)?;
                if b.len() > n {
                    return Err(too_long(key, b.len(), n as u64));
                }
                // A shorter value is padded with zeros (a value built without the field).
                out.extend_from_slice(b);
                out.resize(out.len() + (n - b.len()), 0);
            }
            Ty::Bytes(_) | Ty::Rest => out.extend_from_slice(bytes_of(key, v)?),
            Ty::Block(def) => {
                enc_block(def, object_of(key, v, &empty)?, out, None).map_err(|e| within(e, key))?;
            }
            Ty::List(def) => enc_list(def, field, v, out).map_err(|e| within(e, key))?,
            Ty::Merge(def) => enc_block(def, obj, out, None)?,
            Ty::BlockChoice(choice) => {
                let inner = object_of(key, v, &empty)?;
                // A conversion target applies when it is one of this field's versions.
                let def = match version.filter(|d| choice.options.iter().any(|o| std::ptr::eq(*o, *d))) {
                    Some(target) => target,
                    None => chosen(choice, inner).map_err(|e| within(e, key))?,
                };
                enc_block(def, inner, out, Some(def.number)).map_err(|e| within(e, key))?;
            }
            Ty::Choice(choice) => {
                let def = match version {
                    Some(target) => target,
                    None => chosen(choice, obj)?,
                };
                enc_block(def, obj, out, Some(def.number))?;
            }
        }
    }
    Ok(())
}

/// A list field's value: `{listType, items}` (absent: an empty list with the layout's header).
/// Errors name the list's own keys (`listType`, `items[2].…`); the caller adds the field's.
fn enc_list(def: &'static BlockDef, field: &Field, v: Option<&Value>, out: &mut Vec<u8>) -> Result<(), WireError> {
    let default_header = u64::from(field.list_header.unwrap_or(DEFAULT_LIST_HEADER));
    let (ltype, items) = match v {
        None => (default_header, &[][..]),
        Some(Value::Obj(o)) => (
            match o.get("listType") {
                None => default_header,
                Some(Value::U(n)) => *n,
                Some(other) => return Err(wrong_type("listType", "a list type number", other)),
            },
            match o.get("items") {
                None => &[][..],
                Some(Value::Arr(items)) => items.as_slice(),
                Some(other) => return Err(wrong_type("items", "an array of blocks", other)),
            },
        ),
        Some(other) => return Err(wrong_type("", "a list object", other)),
    };
    let start = out.len();
    out.extend_from_slice(&be::<4>("listType", ltype)?);
    out.extend_from_slice(&[0; 4]);
    for (i, item) in items.iter().enumerate() {
        let at = || format!("items[{i}]");
        let Value::Obj(item) = item else {
            return Err(within(wrong_type("", "a block object", item), &at()));
        };
        enc_block(def, item, out, None).map_err(|e| within(e, &at()))?;
    }
    put_len(out, start, start + 4, "listLength")
}

fn enc_block(def: &'static BlockDef, obj: &Obj, out: &mut Vec<u8>, number: Option<u32>) -> Result<(), WireError> {
    let Some((type_key, len_key)) = def.header else {
        return enc_fields(def.fields, obj, out, None);
    };
    let start = out.len();
    // eNcore never checks most block numbers, so a value's own number wins (e.g. BLOB type 1,
    // or 0); the layout's number is only the default for values built without one.
    let btype = match (number, obj.get(type_key)) {
        (Some(n), _) => n.to_be_bytes(),
        (None, None) => def.number.to_be_bytes(),
        (None, Some(Value::U(n))) => be::<4>(type_key, *n)?,
        (None, Some(other)) => return Err(wrong_type(type_key, "a block type number", other)),
    };
    out.extend_from_slice(&btype);
    out.extend_from_slice(&[0; 4]);
    enc_fields(def.fields, obj, out, None)?;
    put_len(out, start, start + 4, len_key)
}
