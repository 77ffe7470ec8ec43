//! Building the `@computed` object of one record (RECORDS.md §7.3) from the rows in `rules.rs`.
//!
//! On first use the rows are compiled into a plan: every top-level field name any rule reads gets
//! a slot, and each record type gets its steps with fields resolved to slots and tables to their
//! rows. A record's top-level entries are then indexed once into the slots (one hash per entry),
//! so every step reads its fields in constant time; nested blocks are small and read directly.

use super::cache::{bytes16, pack, table_row, text_of, CacheKey, MetadataCache};
use super::rows::{CacheTable, KeyKind, TableRow};
use super::rules::{Lookup, Rule, MAX_INPUTS, RULES};
use super::special::{has_text, sha_of};
use super::tables::{self, find};
use crate::schema::record_def;
use crate::value::{data_text, Obj, Value};
use rustc_hash::FxHashMap;
use std::sync::OnceLock;

/// Top-level fields the general keys read; they hold the first slots, in this order.
#[derive(Clone, Copy)]
#[repr(u8)]
enum General {
    RecordType,
    ArchiveTimestamp,
    DeviceId,
    SensorId,
    EventSecond,
    EventMicrosecond,
    FileEventTimestamp,
    TriggerEventSecond,
    TriggerEventMicrosecond,
    Timestamp,
    MalwareEventTimestamp,
    EventType,
    EventSubtype,
    SourceId,
}

/// Record keys of the [`General`] fields, in the same order.
const GENERAL_FIELDS: [&str; 14] = [
    "recordType",
    "archiveTimestamp",
    "deviceId",
    "sensorId",
    "eventSecond",
    "eventMicrosecond",
    "fileEventTimestamp",
    "triggerEventSecond",
    "triggerEventMicrosecond",
    "timestamp",
    "malwareEventTimestamp",
    "eventType",
    "eventSubtype",
    "sourceId",
];

/// Most distinct top-level fields the rules can read (`missing_rows` checks the rows fit).
pub(crate) const MAX_FIELDS: usize = 160;
const _: () = assert!(MAX_FIELDS < NO_SLOT as usize && MAX_FIELDS < FIELD_TABLE / 2);
/// Most cache tables one [`Lookup::Name`] tries.
pub(crate) const MAX_TABLES: usize = 3;

/// A field a step reads: a top-level slot, or a field inside the block in a top-level slot.
#[derive(Clone, Copy)]
enum Input {
    Absent,
    Top(u8),
    Nested(u8, &'static str),
}

/// One compiled rule.
struct Step {
    key: &'static str,
    lookup: Lookup,
    /// The name of an integer in one table: the common case, resolved when compiling.
    id_table: Option<&'static TableRow>,
    /// The name of a UUID in one table, resolved when compiling.
    uuid_table: Option<&'static TableRow>,
    tables: [Option<&'static TableRow>; MAX_TABLES],
    inputs: [Input; MAX_INPUTS],
    input_count: usize,
}

/// Field name → slot: open addressing over a table of slot numbers, hashing only the name's
/// length and first and last eight bytes (field names differ there; a hit is confirmed by
/// comparing the whole name). Indexing a record's entries is the view's per-record fixed cost,
/// and this costs about half of a general-purpose hash map lookup.
struct FieldIndex {
    names: Vec<&'static str>,
    table: Box<[u8; FIELD_TABLE]>,
}

const FIELD_TABLE: usize = 1024;
const NO_SLOT: u8 = u8::MAX;

#[inline]
fn name_hash(s: &[u8]) -> usize {
    let word = |b: &[u8]| {
        let mut a = [0u8; 8];
        a[..b.len()].copy_from_slice(b);
        u64::from_le_bytes(a)
    };
    let n = s.len();
    let (head, tail) = if n >= 8 { (word(&s[..8]), word(&s[n - 8..])) } else { (word(s), 0) };
    let h = (head ^ tail.rotate_left(29) ^ n as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    (h >> 54) as usize // 10 bits: FIELD_TABLE
}

impl FieldIndex {
    /// Slots for `names` in order (at most [`MAX_FIELDS`], which is below [`NO_SLOT`]).
    fn new(names: &[&'static str]) -> Self {
        let names: Vec<&'static str> = names.iter().copied().take(MAX_FIELDS).collect();
        let mut table = Box::new([NO_SLOT; FIELD_TABLE]);
        for (i, name) in names.iter().enumerate() {
            let mut h = name_hash(name.as_bytes());
            while table[h] != NO_SLOT {
                h = (h + 1) % FIELD_TABLE;
            }
            table[h] = i as u8;
        }
        FieldIndex { names, table }
    }

    #[inline]
    fn get(&self, name: &str) -> Option<u8> {
        let mut h = name_hash(name.as_bytes());
        loop {
            let i = self.table[h];
            if i == NO_SLOT {
                return None;
            }
            if self.names[i as usize] == name {
                return Some(i);
            }
            h = (h + 1) % FIELD_TABLE;
        }
    }
}

/// The compiled rules.
struct Plan {
    slots: FieldIndex,
    /// Steps by record type (index).
    steps: Vec<Box<[Step]>>,
    device: Option<&'static TableRow>,
    source: Option<&'static TableRow>,
}

/// Every distinct top-level field name the general keys and `rules` read, in slot order.
pub(crate) fn field_names(rules: &[Rule]) -> Vec<&'static str> {
    let mut names: Vec<&'static str> = GENERAL_FIELDS.to_vec();
    for rule in rules {
        for path in rule.from {
            let top = path.split_once('.').map_or(*path, |(block, _)| block);
            if !names.contains(&top) {
                names.push(top);
            }
        }
    }
    names
}

impl Plan {
    fn build(rules: &'static [Rule]) -> Plan {
        let names = field_names(rules);
        let slots = FieldIndex::new(&names);
        let mut steps: FxHashMap<u32, Vec<Step>> = FxHashMap::default();
        for rule in rules {
            let mut inputs = [Input::Absent; MAX_INPUTS];
            for (input, path) in inputs.iter_mut().zip(rule.from) {
                let (top, inner) = match path.split_once('.') {
                    Some((block, field)) => (block, Some(field)),
                    None => (*path, None),
                };
                *input = match (slots.get(top), inner) {
                    (Some(slot), None) => Input::Top(slot),
                    (Some(slot), Some(field)) => Input::Nested(slot, field),
                    (None, _) => Input::Absent,
                };
            }
            let mut tables = [None; MAX_TABLES];
            let named: &[CacheTable] = match &rule.lookup {
                Lookup::Name(list) => list,
                Lookup::Number(t) | Lookup::BitNames(t) => std::slice::from_ref(t),
                _ => &[],
            };
            for (slot, t) in tables.iter_mut().zip(named) {
                *slot = table_row(*t);
            }
            let one_table = match (&rule.lookup, tables) {
                (Lookup::Name([_]), [Some(row), ..]) => Some(row),
                _ => None,
            };
            let id_table = one_table.filter(|row| row.key == KeyKind::Id);
            let uuid_table = one_table.filter(|row| row.key == KeyKind::Uuid);
            let input_count = rule.from.len().min(MAX_INPUTS);
            for &rt in rule.records {
                let (key, lookup) = (rule.key, rule.lookup);
                steps.entry(rt).or_default().push(Step {
                    key,
                    lookup,
                    id_table,
                    uuid_table,
                    tables,
                    inputs,
                    input_count,
                });
            }
        }
        Plan {
            slots,
            steps: {
                let last = steps.keys().copied().max().unwrap_or(0) as usize;
                let mut by_type: Vec<Box<[Step]>> = (0..=last).map(|_| Box::default()).collect();
                for (rt, s) in steps {
                    by_type[rt as usize] = s.into_boxed_slice();
                }
                by_type
            },
            device: table_row(CacheTable::Device),
            source: table_row(CacheTable::SourceApplication),
        }
    }
}

fn plan() -> &'static Plan {
    static PLAN: OnceLock<Plan> = OnceLock::new();
    PLAN.get_or_init(|| Plan::build(RULES))
}

/// A record's top-level fields by slot.
struct Fields<'a> {
    slots: [Option<&'a Value>; MAX_FIELDS],
}

impl<'a> Fields<'a> {
    fn new(record: &'a Obj, plan: &Plan) -> Self {
        let mut slots = [None; MAX_FIELDS];
        for e in &record.0 {
            if let Some(i) = plan.slots.get(e.key) {
                // First occurrence wins (keys are unique in decoded records).
                let slot = &mut slots[i as usize];
                if slot.is_none() {
                    *slot = Some(&e.value);
                }
            }
        }
        Fields { slots }
    }

    fn general(&self, f: General) -> Option<u64> {
        as_u64(self.slots[f as usize])
    }

    fn input(&self, input: Input) -> Option<&'a Value> {
        match input {
            Input::Absent => None,
            Input::Top(slot) => self.slots[slot as usize],
            Input::Nested(slot, field) => self.slots[slot as usize].and_then(Value::as_obj).and_then(|o| o.get(field)),
        }
    }
}

/// The values of a rule's fields, in its order.
pub(crate) type Inputs<'a> = [Option<&'a Value>; MAX_INPUTS];

/// An integer value.
pub(crate) fn as_u64(v: Option<&Value>) -> Option<u64> {
    match v {
        Some(Value::U(n)) => Some(*n),
        _ => None,
    }
}

/// The key of a table of kind `kind` from a rule's field values (the leading ones it needs).
#[inline]
fn key_from(kind: KeyKind, inputs: &Inputs<'_>) -> Option<CacheKey> {
    Some(match kind {
        KeyKind::Id => CacheKey::Id(as_u64(inputs[0])?),
        KeyKind::Ids(widths) => CacheKey::Id(pack(widths, inputs.iter().map(|v| as_u64(*v)))?),
        KeyKind::Uuid => CacheKey::Uuid(bytes16(inputs[0]?)?),
        KeyKind::UuidAndId => CacheKey::UuidAndId(bytes16(inputs[0]?)?, as_u64(inputs[1])?),
        KeyKind::Sha256 => CacheKey::Sha256(sha_of(inputs[0])?),
    })
}

/// The computed object under construction.
pub(crate) struct Out<'c> {
    obj: Obj,
    pub(crate) cache: &'c MetadataCache,
}

impl Out<'_> {
    #[inline]
    pub(crate) fn push(&mut self, key: &'static str, v: Value) {
        self.obj.push(key, v);
    }
    #[inline]
    pub(crate) fn push_str(&mut self, key: &'static str, v: &str) {
        self.obj.push(key, Value::Data(v.as_bytes().to_vec()));
    }
    /// The name of `key` in `table`, when there is a key and a name.
    pub(crate) fn name(&mut self, key: &'static str, table: CacheTable, k: Option<CacheKey>) {
        let cache = self.cache;
        if let Some(v) = k.and_then(|k| cache.name(table, &k)) {
            self.push_str(key, v);
        }
    }
    fn name_in(&mut self, key: &'static str, row: Option<&TableRow>, k: Option<u64>) {
        let cache = self.cache;
        if let Some(v) = row.zip(k).and_then(|(row, n)| cache.lookup_id(row, n)) {
            self.push_str(key, v);
        }
    }
    /// A bit set: the exact value's name, else the names of every set bit joined by ", " when
    /// each bit has one.
    fn bits<'s>(&mut self, key: &'static str, n: u64, one: impl Fn(u64) -> Option<&'s str>) {
        if let Some(v) = one(n) {
            return self.push_str(key, v);
        }
        if n == 0 {
            return;
        }
        let mut parts = Vec::new();
        for i in 0..64 {
            let b = 1u64 << i;
            if n & b != 0 {
                match one(b) {
                    Some(v) => parts.push(v),
                    None => return,
                }
            }
        }
        self.push(key, Value::Data(parts.join(", ").into_bytes()));
    }

    fn apply(&mut self, step: &Step, fields: &Fields<'_>) {
        let key = step.key;
        let cache = self.cache;
        if let Some(row) = step.id_table {
            if let Some(v) = as_u64(fields.input(step.inputs[0])).and_then(|n| cache.lookup_id(row, n)) {
                self.push_str(key, v);
            }
            return;
        }
        if let Some(row) = step.uuid_table {
            if let Some(v) = fields.input(step.inputs[0]).and_then(bytes16).and_then(|u| cache.lookup_uuid(row, u)) {
                self.push_str(key, v);
            }
            return;
        }
        let mut inputs: Inputs<'_> = [None; MAX_INPUTS];
        for (v, input) in inputs.iter_mut().zip(&step.inputs[..step.input_count]) {
            *v = fields.input(*input);
        }
        match step.lookup {
            Lookup::Name(_) => {
                let name = step.tables.iter().flatten().find_map(|row| {
                    let k = key_from(row.key, &inputs)?;
                    cache.lookup(row, &k)
                });
                if let Some(v) = name {
                    self.push_str(key, v);
                }
            }
            Lookup::Number(_) => {
                let number = step.tables[0]
                    .and_then(|row| cache.lookup(row, &key_from(row.key, &inputs)?))
                    .and_then(|v| v.parse().ok());
                if let Some(n) = number {
                    self.push(key, Value::U(n));
                }
            }
            Lookup::Value(table) => {
                if let Some(v) = as_u64(inputs[0]).and_then(|n| find(table, n)) {
                    self.push_str(key, v);
                }
            }
            Lookup::BitNames(_) => {
                if let (Some(row), Some(n)) = (step.tables[0], as_u64(inputs[0])) {
                    self.bits(key, n, |b| cache.lookup(row, &CacheKey::Id(b)));
                }
            }
            Lookup::BitValues(table) => {
                if let Some(n) = as_u64(inputs[0]) {
                    self.bits(key, n, |b| find(table, b));
                }
            }
            Lookup::ImpactLevel => {
                if let Some(bits) = as_u64(inputs[0]) {
                    self.push(key, Value::U(impact_level(bits)));
                }
            }
            Lookup::ImpactName => {
                if let Some(v) = as_u64(inputs[0]).and_then(|bits| find(tables::IMPACTS, impact_level(bits))) {
                    self.push_str(key, v);
                }
            }
            Lookup::YesNo => {
                if let Some(n) = as_u64(inputs[0]) {
                    self.push_str(key, if n != 0 { "Yes" } else { "No" });
                }
            }
            Lookup::Text => {
                if let Some(b) = inputs[0].and_then(text_of) {
                    self.push(key, Value::Data(b.to_vec()));
                }
            }
            Lookup::OwnText => {
                if let Some(b) = inputs[0].and_then(text_of).filter(|b| has_text(b)) {
                    self.push_str(key, &data_text(b));
                }
            }
            Lookup::Special(f) => f(self, key, &inputs),
        }
    }
}

/// Event time rule of §7.3 over a field getter: first non-zero of `eventSecond` (+µs),
/// `fileEventTimestamp`, `triggerEventSecond` (+µs), `timestamp`, `malwareEventTimestamp`, then
/// `archiveTimestamp`.
fn time_from(get: impl Fn(General) -> Option<u64>) -> (u32, u32) {
    let nz = |f| get(f).filter(|&n| n != 0);
    let pair = |s: u64, us: Option<u64>| (s as u32, us.unwrap_or(0) as u32);
    if let Some(s) = nz(General::EventSecond) {
        return pair(s, get(General::EventMicrosecond));
    }
    if let Some(s) = nz(General::FileEventTimestamp) {
        return pair(s, None);
    }
    if let Some(s) = nz(General::TriggerEventSecond) {
        return pair(s, get(General::TriggerEventMicrosecond));
    }
    for f in [General::Timestamp, General::MalwareEventTimestamp] {
        if let Some(s) = nz(f) {
            return pair(s, None);
        }
    }
    pair(get(General::ArchiveTimestamp).unwrap_or(0), None)
}

/// [`super::event_time`] on a plain object.
pub(crate) fn event_time_obj(o: &Obj) -> (u32, u32) {
    time_from(|f| o.get_u(GENERAL_FIELDS[f as usize]))
}

/// Impact level from the impact bit field (RECORDS.md §6.2).
pub(crate) fn impact_level(bits: u64) -> u64 {
    if bits & tables::IMPACT_RED_BITS != 0 {
        1
    } else if bits & 0x06 == 0x06 {
        2
    } else if bits & 0x02 != 0 {
        3
    } else if bits & 0x01 != 0 {
        4
    } else {
        0
    }
}

/// The `@computed` object for `record`.
pub(crate) fn computed(record: &Obj, cache: &MetadataCache) -> Obj {
    let plan = plan();
    let fields = Fields::new(record, plan);
    let mut out = Out { obj: Obj(Vec::with_capacity(48)), cache };
    let rt = fields.general(General::RecordType).unwrap_or(0);

    // General keys.
    if let Some(def) = u32::try_from(rt).ok().and_then(record_def) {
        out.push_str("recordTypeDescription", def.name);
        out.push_str("recordTypeCategory", def.category);
    }
    let device = fields.general(General::DeviceId).or_else(|| fields.general(General::SensorId));
    out.name_in("sensor", plan.device, device);
    if let (Some(t), Some(s)) = (fields.general(General::EventType), fields.general(General::EventSubtype)) {
        let name = tables::RNA_EVENTS.binary_search_by_key(&(t, s), |e| (e.0.into(), e.1.into())).ok();
        if let Some(i) = name {
            out.push_str("eventDescription", tables::RNA_EVENTS[i].2);
        }
    }
    out.name_in("source", plan.source, fields.general(General::SourceId));
    let (secs, micros) = time_from(|f| fields.general(f));
    out.push("eventSecond", Value::U(secs.into()));
    out.push("eventMicrosecond", Value::U(micros.into()));
    out.push("eventDateTime", Value::Data(super::rfc3339(secs, micros).into_bytes()));

    // Per-record keys.
    if let Some(steps) = usize::try_from(rt).ok().and_then(|rt| plan.steps.get(rt)) {
        for step in steps.iter() {
            out.apply(step, &fields);
        }
    }
    out.obj
}
