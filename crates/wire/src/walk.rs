//! The one generic walker over schema tables: decode and encode (JSON → value is in
//! [`crate::from_json`], re-exported here).
//!
//! Decoding never fails: a record that does not fit its layout is decoded as far as the layout
//! allows, the rest is kept as hex under [`UNPARSED_KEY`], and an [`Issue`] says what and where.
//! Every length read from the wire is checked against the enclosing bound before it is used.

use crate::cursor::Cursor;
use crate::schema::{record_def, BlockDef, Choice, Field, Series, Ty};
use crate::value::{Obj, Value};
use crate::WireError;

pub use crate::from_json::record_from_json;

/// Key under which undecodable bytes are kept (hex).
pub const UNPARSED_KEY: &str = "@unparsed";

/// List header number written for a list value without its own `listType` when the layout does
/// not fix one ([`Field::list_header`]): S1 11, "List".
pub const DEFAULT_LIST_HEADER: u32 = 11;

/// What kind of layout mismatch was met while decoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IssueKind {
    /// The record type is not in the catalog; the body is kept as hex.
    UnknownRecordType,
    /// The wire block version is not known for this record; decoded with the newest layout.
    UnknownBlockVersion(u32),
    /// The body ended at a field boundary before the layout did (later fields absent).
    ShortBody,
    /// Bytes were left after the layout (kept as hex).
    TrailingBytes,
    /// A field or block did not fit in what was left (rest kept as hex).
    Truncated,
}

/// A layout mismatch, with where it happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    /// What happened.
    pub kind: IssueKind,
    /// Record type being decoded.
    pub record_type: u32,
    /// Block being decoded, if inside one.
    pub block: Option<(Series, u32)>,
    /// Byte offset within the record body.
    pub offset: usize,
}

impl std::fmt::Display for Issue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "record {}: {:?} at body offset {}", self.record_type, self.kind, self.offset)?;
        if let Some((s, n)) = self.block {
            write!(f, " (block {s:?} {n})")?;
        }
        Ok(())
    }
}

/// Counts layout issues per (record type, kind) and tells which ones are new, so a client can
/// warn once per kind and report totals.
#[derive(Debug, Default, Clone)]
pub struct IssueStats {
    counts: std::collections::HashMap<(u32, IssueKind), u64>,
}

impl IssueStats {
    /// Count `issues`; returns those whose (record type, kind) was not seen before.
    pub fn note<'a>(&mut self, issues: &'a [Issue]) -> Vec<&'a Issue> {
        let mut new = Vec::new();
        for i in issues {
            let c = self.counts.entry((i.record_type, i.kind)).or_insert(0);
            if *c == 0 {
                new.push(i);
            }
            *c += 1;
        }
        new
    }

    /// How many issues of `kind` were seen for `record_type`.
    pub fn count(&self, record_type: u32, kind: IssueKind) -> u64 {
        self.counts.get(&(record_type, kind)).copied().unwrap_or(0)
    }

    /// Total issues seen.
    pub fn total(&self) -> u64 {
        self.counts.values().sum()
    }
}

/// A decoded record body plus the problems met.
#[derive(Debug, Clone)]
pub struct Decoded {
    /// The record object (header keys first).
    pub value: Obj,
    /// Layout mismatches; empty for a record that fits its layout exactly.
    pub issues: Vec<Issue>,
}

/// Record header words as printed at the top of every record object.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RecordHead {
    /// Record type.
    pub record_type: u32,
    /// Archival timestamp (0 without the extended header).
    pub archive_ts: u32,
    /// Reserved word (eNcore calls it `checksum`).
    pub checksum: u32,
}

/// Decode a record body with the catalog layout for `head.record_type`.
pub fn decode_record(head: RecordHead, body: &[u8]) -> Decoded {
    let mut obj = Obj::new();
    obj.push("recordType", Value::U(head.record_type.into()));
    obj.push("recordLength", Value::U(body.len() as u64));
    obj.push("archiveTimestamp", Value::U(head.archive_ts.into()));
    obj.push("checksum", Value::U(head.checksum.into()));
    obj.push("blockType", Value::U(0));
    let mut d = Dec { issues: Vec::new(), record_type: head.record_type, block: None };
    match record_def(head.record_type) {
        None => {
            d.issue(IssueKind::UnknownRecordType, 0);
            if !body.is_empty() {
                obj.push(UNPARSED_KEY, Value::Hex(body.to_vec()));
            }
        }
        Some(def) => {
            let mut cur = Cursor::new(body);
            if d.fields(def.body, &mut cur, &mut obj).is_err() {
                obj.set(UNPARSED_KEY, false, Value::Hex(cur.tail_from(cur.pos()).to_vec()));
            } else if !cur.is_empty() {
                d.issue(IssueKind::TrailingBytes, cur.pos());
                obj.set(UNPARSED_KEY, false, Value::Hex(cur.tail_from(cur.pos()).to_vec()));
            }
        }
    }
    Decoded { value: obj, issues: d.issues }
}

/// Decode one standalone block (header included) with `def`, e.g. a host-profile answer
/// (HOSTS.md §3.1). Never fails, like [`decode_record`]: what does not fit is kept as hex under
/// [`UNPARSED_KEY`] and reported as an [`Issue`] whose `record_type` is 0 and whose offset
/// counts from the first byte of `bytes`. Bytes after the block's own length are trailing.
pub fn decode_block(def: &'static BlockDef, bytes: &[u8]) -> Decoded {
    let mut d = Dec { issues: Vec::new(), record_type: 0, block: None };
    let mut cur = Cursor::new(bytes);
    let mut value = match d.block(def, &mut cur, None) {
        Ok(obj) => obj,
        Err(Broken) => {
            let mut obj = Obj::new();
            obj.push(UNPARSED_KEY, Value::Hex(bytes.to_vec()));
            return Decoded { value: obj, issues: d.issues };
        }
    };
    if !cur.is_empty() {
        d.issue(IssueKind::TrailingBytes, cur.pos());
        value.set(UNPARSED_KEY, false, Value::Hex(cur.tail_from(cur.pos()).to_vec()));
    }
    Decoded { value, issues: d.issues }
}

/// Encode one standalone block (header included) from its value with `def`. The block type is
/// the value's own `blockType` (or the header's type key) when present, else the layout's
/// number; lists without a `listType` get their layout's header number.
pub fn encode_block(def: &'static BlockDef, value: &Obj) -> Result<Vec<u8>, WireError> {
    let mut out = Vec::with_capacity(256);
    enc_block(def, value, &mut out, None)?;
    Ok(out)
}

/// Ran out of bytes inside a field: the position is no longer trustworthy.
struct Broken;

/// The decoder's state besides the cursor: the issues met and where (record, block).
struct Dec {
    issues: Vec<Issue>,
    record_type: u32,
    block: Option<(Series, u32)>,
}

impl Dec {
    fn issue(&mut self, kind: IssueKind, offset: usize) {
        self.issues.push(Issue { kind, record_type: self.record_type, block: self.block, offset });
    }

    /// `n` bytes, or a Truncated issue where they were missing.
    fn take<'a>(&mut self, cur: &mut Cursor<'a>, n: usize) -> Result<&'a [u8], Broken> {
        match cur.take(n) {
            Some(s) => Ok(s),
            None => {
                self.issue(IssueKind::Truncated, cur.pos());
                Err(Broken)
            }
        }
    }

    fn array<const N: usize>(&mut self, cur: &mut Cursor<'_>) -> Result<[u8; N], Broken> {
        match cur.array() {
            Some(a) => Ok(a),
            None => {
                self.issue(IssueKind::Truncated, cur.pos());
                Err(Broken)
            }
        }
    }

    fn u32(&mut self, cur: &mut Cursor<'_>) -> Result<u32, Broken> {
        self.array(cur).map(u32::from_be_bytes)
    }

    /// Decode `fields` from the cursor into `out`. Stops quietly (with a ShortBody issue) if
    /// the window ends exactly at a field boundary.
    fn fields(&mut self, fields: &[Field], cur: &mut Cursor<'_>, out: &mut Obj) -> Result<(), Broken> {
        for field in fields {
            if let Some(c) = field.cond {
                if out.get_u(c).unwrap_or(0) == 0 {
                    continue;
                }
            }
            let empty_ok = match field.ty {
                Ty::Rest => true,
                Ty::Bytes(k) => out.get_u(k) == Some(0),
                _ => false,
            };
            if cur.is_empty() && !empty_ok {
                // Older servers send shorter versions of a layout; eNcore stops here too.
                self.issue(IssueKind::ShortBody, cur.pos());
                return Ok(());
            }
            self.field(field, cur, out)?;
        }
        Ok(())
    }

    fn field(&mut self, field: &Field, cur: &mut Cursor<'_>, out: &mut Obj) -> Result<(), Broken> {
        let v = match field.ty {
            Ty::U8 => Value::U(self.array::<1>(cur)?[0].into()),
            Ty::U16 | Ty::Len16(_) => Value::U(u16::from_be_bytes(self.array(cur)?).into()),
            Ty::U32 | Ty::Len32(_) => Value::U(self.u32(cur)?.into()),
            Ty::U64 => Value::U(u64::from_be_bytes(self.array(cur)?)),
            Ty::Ipv4 => Value::Ip4(self.array(cur)?),
            Ty::Ipv6 => Value::Ip6(self.array(cur)?),
            Ty::Uuid => Value::Uuid(self.array(cur)?),
            Ty::Mac => Value::Mac(self.array(cur)?),
            Ty::Hex(n) => Value::Hex(self.take(cur, n)?.to_vec()),
            Ty::Bytes(len_key) => {
                let n = out.get_u(len_key).unwrap_or(0);
                let n = usize::try_from(n).unwrap_or(usize::MAX);
                Value::Data(self.take(cur, n)?.to_vec())
            }
            Ty::Rest => Value::Data(cur.rest().to_vec()),
            Ty::Block(def) => Value::Obj(self.block(def, cur, None)?),
            Ty::BlockChoice(choice) => {
                let def = self.choose(choice, cur)?;
                Value::Obj(self.block(def, cur, None)?)
            }
            Ty::List(def) => Value::Obj(self.list(def, cur)?),
            Ty::Merge(def) => {
                let inner = self.block(def, cur, Some(out))?;
                debug_assert!(inner.0.is_empty());
                return Ok(());
            }
            Ty::Choice(choice) => {
                let def = self.choose(choice, cur)?;
                self.block(def, cur, Some(out))?;
                return Ok(());
            }
        };
        out.push(field.key, v);
        if field.hidden {
            if let Some(e) = out.0.last_mut() {
                e.hidden = true;
            }
        }
        Ok(())
    }

    /// Peek the block type word to pick the version (RECORDS.md §3.3); an unknown version is
    /// decoded with the newest layout and reported.
    fn choose(&mut self, choice: &'static Choice, cur: &Cursor<'_>) -> Result<&'static BlockDef, Broken> {
        let Some(wire) = cur.peek_u32() else {
            self.issue(IssueKind::Truncated, cur.pos());
            return Err(Broken);
        };
        Ok(match choice.find(wire) {
            Some(d) => d,
            None => {
                self.issue(IssueKind::UnknownBlockVersion(wire), cur.pos());
                choice.default
            }
        })
    }

    /// The window of a block or list whose 8-byte header (type, length) starts at the cursor,
    /// with its type and length; the cursor is past the header. A length below 8 or beyond
    /// the enclosing window is a Truncated issue (cursor back at the header).
    fn framed<'a>(&mut self, cur: &mut Cursor<'a>) -> Result<(u32, u32, Cursor<'a>), Broken> {
        let start = cur.pos();
        let kind = self.u32(cur)?;
        let len = self.u32(cur)?;
        match cur.window(start, len as usize) {
            Some(mut inner) if len >= 8 => {
                inner.seek(start + 8);
                Ok((kind, len, inner))
            }
            _ => {
                cur.seek(start);
                self.issue(IssueKind::Truncated, start);
                Err(Broken)
            }
        }
    }

    /// Decode one block. With `merge_into`, its entries go into that object (and the block's
    /// type replaces the top-level `blockType`); otherwise a new object is returned.
    fn block(
        &mut self,
        def: &'static BlockDef,
        cur: &mut Cursor<'_>,
        merge_into: Option<&mut Obj>,
    ) -> Result<Obj, Broken> {
        let mut own = Obj::new();
        let merged = merge_into.is_some();
        let target = match merge_into {
            Some(o) => o,
            None => &mut own,
        };
        let Some((type_key, len_key)) = def.header else {
            self.fields(def.fields, cur, target)?;
            return Ok(own);
        };
        let (btype, blen, mut inner) = self.framed(cur)?;
        if merged {
            if let Some(shadow) = target.0.iter_mut().find(|e| e.key == "deviceId" && !e.hidden) {
                // Record 71: the block's deviceId replaces the discovery header's (§6.6).
                if def.fields.iter().any(|f| f.key == "deviceId") {
                    shadow.key = "headerDeviceId";
                    shadow.hidden = true;
                }
            }
        }
        target.set(type_key, false, Value::U(btype.into()));
        target.set(len_key, false, Value::U(blen.into()));
        let saved = self.block.replace((def.series, def.number));
        let r = self.fields(def.fields, &mut inner, target);
        if r.is_err() {
            target.set(UNPARSED_KEY, false, Value::Hex(inner.tail_from(inner.pos()).to_vec()));
        } else if !inner.is_empty() {
            self.issue(IssueKind::TrailingBytes, inner.pos());
            target.set(UNPARSED_KEY, false, Value::Hex(inner.tail_from(inner.pos()).to_vec()));
        }
        self.block = saved;
        // The block length bounds the damage: the parent continues after it.
        cur.seek(inner.end());
        Ok(own)
    }

    fn list(&mut self, def: &'static BlockDef, cur: &mut Cursor<'_>) -> Result<Obj, Broken> {
        let (ltype, llen, mut inner) = self.framed(cur)?;
        let mut items = Vec::new();
        let mut obj = Obj::new();
        obj.push("listType", Value::U(ltype.into()));
        obj.push("listLength", Value::U(llen.into()));
        while !inner.is_empty() {
            let before = inner.pos();
            match self.block(def, &mut inner, None) {
                Ok(item) => items.push(Value::Obj(item)),
                Err(Broken) => {
                    obj.push(UNPARSED_KEY, Value::Hex(inner.tail_from(before).to_vec()));
                    break;
                }
            }
            if inner.pos() == before {
                // A header-less item that consumed nothing would loop forever.
                obj.push(UNPARSED_KEY, Value::Hex(inner.tail_from(before).to_vec()));
                break;
            }
        }
        obj.push("items", Value::Arr(items));
        cur.seek(inner.end());
        Ok(obj)
    }
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
        Some(def) => enc_fields(def.body, value, &mut out, version)?,
        None => match value.get(UNPARSED_KEY) {
            Some(Value::Hex(b)) | Some(Value::Data(b)) => out.extend_from_slice(b),
            _ => return Err(WireError::UnknownRecordType { record_type }),
        },
    }
    Ok(out)
}

fn bytes_of(v: Option<&Value>) -> &[u8] {
    match v {
        Some(Value::Hex(b)) | Some(Value::Data(b)) => b,
        _ => &[],
    }
}

fn put_len(out: &mut [u8], at: usize, len: usize, record_type_hint: &'static str) -> Result<(), WireError> {
    let n = u32::try_from(len).map_err(|_| WireError::TooLong { what: record_type_hint, len })?;
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
    for field in fields {
        if let Some(c) = field.cond {
            // A value without the flag word but with the optional field means "present".
            let flag = obj.get_u(c).unwrap_or(u64::from(obj.get(field.key).is_some()));
            if flag == 0 {
                continue;
            }
        }
        let v = match field.alias.and_then(|a| obj.get(a)) {
            Some(aliased) => Some(aliased),
            None => obj.find_from(field.key, &mut hint),
        };
        // Integers must fit their field: a value is never truncated on the wire.
        let int = |max: u64| match v {
            Some(Value::U(n)) if *n <= max => Ok(*n),
            Some(Value::U(n)) => Err(WireError::OutOfRange { field: field.key, value: *n, max }),
            None => Ok(0),
            Some(_) => Err(WireError::FieldType { field: field.key, expected: "an unsigned integer" }),
        };
        match field.ty {
            Ty::U8 => {
                let n = match (field.key, v) {
                    ("hasIpv6", None) => u64::from(fields.iter().any(|f| f.cond == Some("hasIpv6"))),
                    _ => int(u8::MAX.into())?,
                };
                out.push(n as u8)
            }
            Ty::U16 => out.extend_from_slice(&(int(u16::MAX.into())? as u16).to_be_bytes()),
            Ty::U32 => out.extend_from_slice(&(int(u32::MAX.into())? as u32).to_be_bytes()),
            Ty::U64 => out.extend_from_slice(&int(u64::MAX)?.to_be_bytes()),
            Ty::Len16(target) => {
                let n = bytes_of(obj.get(target)).len();
                let n = u16::try_from(n).map_err(|_| WireError::TooLong { what: target, len: n })?;
                out.extend_from_slice(&n.to_be_bytes());
            }
            Ty::Len32(target) => {
                let n = bytes_of(obj.get(target)).len();
                let n = u32::try_from(n).map_err(|_| WireError::TooLong { what: target, len: n })?;
                out.extend_from_slice(&n.to_be_bytes());
            }
            Ty::Ipv4 => out.extend_from_slice(match v {
                Some(Value::Ip4(a)) => a,
                None => &[0; 4],
                Some(_) => return Err(WireError::FieldType { field: field.key, expected: "an IPv4 address" }),
            }),
            Ty::Ipv6 => out.extend_from_slice(match v {
                Some(Value::Ip6(a)) => a,
                None => &[0; 16],
                Some(_) => return Err(WireError::FieldType { field: field.key, expected: "an IPv6 address" }),
            }),
            Ty::Uuid => out.extend_from_slice(match v {
                Some(Value::Uuid(a)) => a,
                None => &[0; 16],
                Some(_) => return Err(WireError::FieldType { field: field.key, expected: "a UUID" }),
            }),
            Ty::Mac => out.extend_from_slice(match v {
                Some(Value::Mac(a)) => a,
                None => &[0; 6],
                Some(_) => return Err(WireError::FieldType { field: field.key, expected: "a MAC address" }),
            }),
            Ty::Hex(n) => {
                let b = bytes_of(v);
                if b.len() > n {
                    return Err(WireError::OutOfRange { field: field.key, value: b.len() as u64, max: n as u64 });
                }
                let mut fixed = vec![0u8; n];
                fixed[..b.len()].copy_from_slice(b);
                out.extend_from_slice(&fixed);
            }
            Ty::Bytes(_) | Ty::Rest => out.extend_from_slice(bytes_of(v)),
            Ty::Block(def) => {
                let empty = Obj::new();
                let inner = match v {
                    Some(Value::Obj(o)) => o,
                    _ => &empty,
                };
                enc_block(def, inner, out, None)?;
            }
            Ty::List(def) => {
                let start = out.len();
                let default_header = u64::from(field.list_header.unwrap_or(DEFAULT_LIST_HEADER));
                let (ltype, items) = match v {
                    Some(Value::Obj(o)) => (
                        o.get_u("listType").unwrap_or(default_header),
                        match o.get("items") {
                            Some(Value::Arr(items)) => items.as_slice(),
                            _ => &[],
                        },
                    ),
                    _ => (default_header, &[][..]),
                };
                let ltype = u32::try_from(ltype).map_err(|_| WireError::OutOfRange {
                    field: "listType",
                    value: ltype,
                    max: u32::MAX.into(),
                })?;
                out.extend_from_slice(&ltype.to_be_bytes());
                out.extend_from_slice(&[0; 4]);
                let empty = Obj::new();
                for item in items {
                    enc_block(def, item.as_obj().unwrap_or(&empty), out, None)?;
                }
                let len = out.len() - start;
                put_len(out, start + 4, len, "list")?;
            }
            Ty::Merge(def) => enc_block(def, obj, out, None)?,
            Ty::BlockChoice(choice) => {
                let empty = Obj::new();
                let inner = match v {
                    Some(Value::Obj(o)) => o,
                    _ => &empty,
                };
                // A conversion target applies when it is one of this field's versions.
                let def =
                    version.filter(|d| choice.options.iter().any(|o| std::ptr::eq(*o, *d))).unwrap_or_else(|| {
                        inner.get_u("blockType").and_then(|n| choice.find(n as u32)).unwrap_or(choice.default)
                    });
                enc_block(def, inner, out, Some(def.number))?;
            }
            Ty::Choice(choice) => {
                let def = version.unwrap_or_else(|| {
                    obj.get_u("blockType").and_then(|n| choice.find(n as u32)).unwrap_or(choice.default)
                });
                enc_block(def, obj, out, Some(def.number))?;
            }
        }
    }
    Ok(())
}

fn enc_block(def: &'static BlockDef, obj: &Obj, out: &mut Vec<u8>, number: Option<u32>) -> Result<(), WireError> {
    let Some((type_key, _)) = def.header else {
        return enc_fields(def.fields, obj, out, None);
    };
    let start = out.len();
    // eNcore never checks most block numbers, so a value's own number wins (e.g. BLOB type 1,
    // or 0); the layout's number is only the default for values built without one.
    let btype = match (number, obj.get_u(type_key)) {
        (Some(n), _) => n,
        (None, None) => def.number,
        (None, Some(n)) => {
            u32::try_from(n).map_err(|_| WireError::OutOfRange { field: type_key, value: n, max: u32::MAX.into() })?
        }
    };
    out.extend_from_slice(&btype.to_be_bytes());
    out.extend_from_slice(&[0; 4]);
    enc_fields(def.fields, obj, out, None)?;
    let len = out.len() - start;
    put_len(out, start + 4, len, def.name)
}
