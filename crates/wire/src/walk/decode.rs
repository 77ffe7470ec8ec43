//! Decoding by the schema tables, through the bounded [`Cursor`]: never fails, reports issues.

use super::{Decoded, Issue, IssueKind, RecordHead, UNPARSED_KEY};
use crate::cursor::Cursor;
use crate::schema::{record_def, BlockDef, Choice, Field, Series, Ty};
use crate::value::{Obj, Value};

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
