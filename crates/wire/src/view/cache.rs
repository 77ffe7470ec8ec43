//! The metadata cache: names learned from metadata records (RECORDS.md §6.11, §7.4) through the
//! [`LEARN`] rows, with the built-in tables of §7.5 as fallbacks, and its persistence.

use super::rows::{CacheTable, KeyKind, LearnRow, LearnValue, TableRow, CACHE_TABLES, LEARN};
use super::tables::find;
use crate::value::{data_text, hex, parse_uuid, unhex, uuid_text, write_json_str, Obj, Value};
use crate::WireError;
use rustc_hash::FxHashMap;
use std::sync::OnceLock;

/// Key of one cached name: table, integer part, UUID part (zero when unused). Persisted entries
/// are sorted by it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct EntryKey {
    table: CacheTable,
    id: u64,
    uuid: [u8; 16],
}

impl std::hash::Hash for EntryKey {
    /// Four words, no length prefix: a lookup is the view's most frequent operation.
    #[inline]
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        let (high, low) = self.uuid.split_at(8);
        state.write_u64(self.table as u64);
        state.write_u64(self.id);
        state.write_u64(u64::from_le_bytes(high.try_into().unwrap_or_default()));
        state.write_u64(u64::from_le_bytes(low.try_into().unwrap_or_default()));
    }
}

/// A key of some table, of that table's [`KeyKind`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CacheKey {
    Id(u64),
    Uuid([u8; 16]),
    UuidAndId([u8; 16], u64),
    Sha256([u8; 32]),
}

/// Metadata cache: fed by every metadata record, resolves ids and UUIDs in events to names.
///
/// Tables, their keys and what each metadata record teaches are rows (`view::rows`), with
/// composite keys where a name is only unique within a policy or sensor: firewall rules by
/// (policy UUID, rule id), access-control policies by (UUID, sensor id), Security Intelligence
/// categories by (policy UUID, list id), ICMP types by (protocol, type), rule messages by
/// (generator id, rule id). Unlike eNcore, records 282 and 350 are cached, and names that eNcore
/// puts in one shared table are kept apart (access-control, intrusion, file and
/// network-analysis policies; file types 131 and 510), so a UUID or id reused across kinds
/// cannot shadow another kind's name. The built-in tables of §7.5 answer when nothing was learned.
#[derive(Debug, Clone, Default)]
pub struct MetadataCache {
    names: FxHashMap<EntryKey, Box<str>>,
    shas: FxHashMap<[u8; 32], Box<str>>,
}

const FORMAT: &str = "estreamer-metadata-cache";
const VERSION: u64 = 1;

/// The table rows by table and by persisted name, and the learn rows by record type, built on
/// first use.
struct Index {
    by_table: Vec<Option<&'static TableRow>>,
    by_name: FxHashMap<&'static str, &'static TableRow>,
    learn_by_record: FxHashMap<u32, Vec<&'static LearnRow>>,
}

fn index() -> &'static Index {
    static INDEX: OnceLock<Index> = OnceLock::new();
    INDEX.get_or_init(|| {
        let mut by_table = vec![None; CacheTable::ALL.len()];
        let mut by_name = FxHashMap::default();
        for row in CACHE_TABLES {
            by_table[row.table as usize].get_or_insert(row);
            by_name.entry(row.name).or_insert(row);
        }
        let mut learn_by_record: FxHashMap<u32, Vec<&'static LearnRow>> = FxHashMap::default();
        for row in LEARN {
            for &rt in row.records {
                learn_by_record.entry(rt).or_default().push(row);
            }
        }
        Index { by_table, by_name, learn_by_record }
    })
}

/// The row of a cache table (every table has one: `missing_rows` checks it).
pub(crate) fn table_row(table: CacheTable) -> Option<&'static TableRow> {
    index().by_table.get(table as usize).copied().flatten()
}

/// Text of a plain text field or of a String block (`{.., data}`).
pub(crate) fn text_of(v: &Value) -> Option<&[u8]> {
    match v {
        Value::Data(b) => Some(b),
        Value::Obj(o) => match o.get("data") {
            Some(Value::Data(b)) => Some(b),
            _ => None,
        },
        _ => None,
    }
}

/// 16 bytes of a UUID or 16-byte raw field.
pub(crate) fn bytes16(v: &Value) -> Option<[u8; 16]> {
    match v {
        Value::Uuid(u) => Some(*u),
        Value::Hex(b) | Value::Data(b) => b.as_slice().try_into().ok(),
        _ => None,
    }
}

/// Integers packed into one, the first highest, each cut to its bit width.
pub(crate) fn pack(widths: &[u32], values: impl IntoIterator<Item = Option<u64>>) -> Option<u64> {
    let mut key = 0u64;
    let mut values = values.into_iter();
    for &w in widths {
        let v = values.next()??;
        let mask = if w >= 64 { u64::MAX } else { (1u64 << w) - 1 };
        key = key.checked_shl(w).unwrap_or(0) | (v & mask);
    }
    Some(key)
}

/// The key a metadata record's `fields` make for a table of kind `kind`.
fn learned_key(kind: KeyKind, r: &Obj, fields: &[&str]) -> Option<CacheKey> {
    let uuid = |i: usize| fields.get(i).and_then(|f| r.get(f)).and_then(bytes16);
    let int = |i: usize| fields.get(i).and_then(|f| r.get_u(f));
    Some(match kind {
        KeyKind::Id => CacheKey::Id(int(0)?),
        KeyKind::Ids(widths) => CacheKey::Id(pack(widths, (0..widths.len()).map(int))?),
        KeyKind::Uuid => CacheKey::Uuid(uuid(0)?),
        KeyKind::UuidAndId => CacheKey::UuidAndId(uuid(0)?, int(1)?),
        KeyKind::Sha256 => match fields.first().and_then(|f| r.get(f))? {
            Value::Hex(b) | Value::Data(b) => CacheKey::Sha256(b.as_slice().try_into().ok()?),
            _ => return None,
        },
    })
}

impl MetadataCache {
    /// Empty learned tables; the built-in tables (RECORDS.md §7.5) are consulted as fallbacks.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of learned entries (built-ins not counted).
    pub fn len(&self) -> usize {
        self.names.len() + self.shas.len()
    }

    /// Whether nothing was learned.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Store a name; whether it changed anything.
    fn store(&mut self, table: CacheTable, key: CacheKey, value: Box<str>) -> bool {
        let (id, uuid) = match key {
            CacheKey::Id(id) => (id, [0; 16]),
            CacheKey::Uuid(uuid) => (0, uuid),
            CacheKey::UuidAndId(uuid, id) => (id, uuid),
            CacheKey::Sha256(sha) => {
                return match self.shas.get(&sha) {
                    Some(old) if *old == value => false,
                    _ => {
                        self.shas.insert(sha, value);
                        true
                    }
                };
            }
        };
        let key = EntryKey { table, id, uuid };
        match self.names.get(&key) {
            Some(old) if *old == value => false,
            _ => {
                self.names.insert(key, value);
                true
            }
        }
    }

    /// Feed any decoded record; metadata records (RECORDS.md §6.11) update the cache through
    /// their [`LEARN`] rows. Returns whether anything changed. Records that are not metadata, or
    /// lack the fields, are ignored.
    pub fn learn(&mut self, r: &Obj) -> bool {
        let Some(rt) = r.get_u("recordType").and_then(|rt| u32::try_from(rt).ok()) else { return false };
        let Some(rows) = index().learn_by_record.get(&rt) else { return false };
        let mut changed = false;
        for row in rows {
            changed |= self.learn_row(r, row);
        }
        changed
    }

    fn learn_row(&mut self, r: &Obj, row: &LearnRow) -> bool {
        let Some(table) = table_row(row.table) else { return false };
        let Some(key) = learned_key(table.key, r, row.key) else { return false };
        let value = match row.value {
            LearnValue::Text(f) => r.get(f).and_then(text_of).map(|b| data_text(b).into_boxed_str()),
            LearnValue::Number(f) => r.get_u(f).map(|n| n.to_string().into_boxed_str()),
        };
        match value {
            Some(v) => self.store(row.table, key, v),
            None => false,
        }
    }

    /// Name for a key of a table: learned, else built-in (integer keys from the table's
    /// built-ins; the all-zero UUID or SHA-256 from its zero name).
    #[inline]
    pub(crate) fn lookup(&self, row: &TableRow, key: &CacheKey) -> Option<&str> {
        let learned = |id: u64, uuid: [u8; 16]| self.names.get(&EntryKey { table: row.table, id, uuid }).map(|v| &**v);
        match *key {
            CacheKey::Id(n) => learned(n, [0; 16]).or_else(|| find(row.builtin, n)),
            CacheKey::Uuid(u) => learned(0, u).or_else(|| if u == [0; 16] { row.zero } else { None }),
            CacheKey::UuidAndId(u, n) => learned(n, u),
            CacheKey::Sha256(s) => match self.shas.get(&s) {
                Some(v) => Some(v),
                None if s == [0; 32] => row.zero,
                None => None,
            },
        }
    }

    /// [`MetadataCache::lookup`] of an integer key.
    #[inline]
    pub(crate) fn lookup_id(&self, row: &TableRow, n: u64) -> Option<&str> {
        match self.names.get(&EntryKey { table: row.table, id: n, uuid: [0; 16] }) {
            Some(v) => Some(v),
            None => find(row.builtin, n),
        }
    }

    /// [`MetadataCache::lookup`] of a UUID key.
    #[inline]
    pub(crate) fn lookup_uuid(&self, row: &TableRow, u: [u8; 16]) -> Option<&str> {
        match self.names.get(&EntryKey { table: row.table, id: 0, uuid: u }) {
            Some(v) => Some(v),
            None if u == [0; 16] => row.zero,
            None => None,
        }
    }

    /// Name for a key of a table given by name (see [`MetadataCache::lookup`]).
    pub(crate) fn name(&self, table: CacheTable, key: &CacheKey) -> Option<&str> {
        self.lookup(table_row(table)?, key)
    }

    /// Persist as a versioned JSON document (entries sorted, so equal caches give equal bytes).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut keys: Vec<&EntryKey> = self.names.keys().collect();
        keys.sort_unstable();
        let mut shas: Vec<&[u8; 32]> = self.shas.keys().collect();
        shas.sort_unstable();
        let mut out = String::with_capacity(64 + 64 * (keys.len() + shas.len()));
        out.push_str("{\"format\":");
        write_json_str(&mut out, FORMAT);
        out.push_str(&format!(",\"version\":{VERSION},\"entries\":["));
        let mut first = true;
        let mut entry = |out: &mut String, table: &str, id: u64, key: Option<String>, value: &str| {
            if !first {
                out.push(',');
            }
            first = false;
            out.push('[');
            write_json_str(out, table);
            out.push_str(&format!(",{id},"));
            match key {
                None => out.push_str("null"),
                Some(k) => write_json_str(out, &k),
            }
            out.push(',');
            write_json_str(out, value);
            out.push(']');
        };
        for k in keys {
            let Some(row) = table_row(k.table) else { continue };
            let uuid = (k.uuid != [0; 16] || row.key.has_uuid()).then(|| uuid_text(&k.uuid));
            entry(&mut out, row.name, k.id, uuid, &self.names[k]);
        }
        let sha_table = table_row(CacheTable::FileSha).map_or("fileSha", |r| r.name);
        for s in shas {
            entry(&mut out, sha_table, 0, Some(hex(s)), &self.shas[s]);
        }
        out.push_str("]}");
        out.into_bytes()
    }

    /// Load a document written by [`MetadataCache::to_bytes`]. Anything else is
    /// `WireError::Json` (never a panic).
    pub fn from_bytes(b: &[u8]) -> Result<Self, WireError> {
        let err = |what: &str| WireError::Json { what: format!("metadata cache: {what}") };
        let doc: serde_json::Value = serde_json::from_slice(b).map_err(|e| err(&e.to_string()))?;
        if doc.get("format").and_then(|v| v.as_str()) != Some(FORMAT) {
            return Err(err("not a metadata cache document"));
        }
        match doc.get("version").and_then(|v| v.as_u64()) {
            Some(VERSION) => {}
            Some(v) => return Err(err(&format!("unsupported version {v}"))),
            None => return Err(err("missing version")),
        }
        let entries = doc.get("entries").and_then(|v| v.as_array()).ok_or_else(|| err("missing entries"))?;
        let mut c = MetadataCache::new();
        for (i, e) in entries.iter().enumerate() {
            let bad = |what: &str| err(&format!("entry {i}: {what}"));
            let a = e.as_array().filter(|a| a.len() == 4).ok_or_else(|| bad("not a 4-element array"))?;
            let tname = a[0].as_str().ok_or_else(|| bad("table is not a string"))?;
            let row = index().by_name.get(tname).ok_or_else(|| bad(&format!("unknown table {tname:?}")))?;
            let id = a[1].as_u64().ok_or_else(|| bad("id is not an unsigned integer"))?;
            let v = a[3].as_str().ok_or_else(|| bad("value is not a string"))?;
            if row.key == KeyKind::Sha256 {
                let s: [u8; 32] = a[2]
                    .as_str()
                    .and_then(unhex)
                    .and_then(|b| b.try_into().ok())
                    .ok_or_else(|| bad("SHA-256 is not 64 hex digits"))?;
                c.shas.insert(s, v.into());
                continue;
            }
            let uuid = match &a[2] {
                serde_json::Value::Null => [0; 16],
                serde_json::Value::String(s) => parse_uuid(s).ok_or_else(|| bad("bad UUID"))?,
                _ => return Err(bad("UUID is neither null nor a string")),
            };
            c.names.insert(EntryKey { table: row.table, id, uuid }, v.into());
        }
        Ok(c)
    }
}
