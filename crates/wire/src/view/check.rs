//! Completeness of the view's rows: every cache table has its row, every metadata record says
//! what it teaches, every rule reads tables that exist (CONTRIBUTING.md, "Adding a record type").

use super::compute::{field_names, MAX_FIELDS, MAX_TABLES};
use super::rows::{CacheTable, LearnRow, TableRow, CACHE_TABLES, LEARN, UNLEARNED};
use super::rules::{Lookup, MAX_INPUTS, RULES};
use crate::schema::{Family, RecordDef, RECORDS};

/// The view's tables, as a unit the completeness check can be run on (tests swap in a copy with
/// a row removed to see the check fail).
#[derive(Debug, Clone, Copy)]
pub struct ViewTables<'a> {
    /// Record layouts and families.
    pub records: &'a [RecordDef],
    /// One row per cache table.
    pub tables: &'a [TableRow],
    /// What metadata records teach.
    pub learn: &'a [LearnRow],
    /// Metadata records that teach nothing.
    pub unlearned: &'a [u32],
}

/// The tables this build uses.
pub const VIEW_TABLES: ViewTables<'static> =
    ViewTables { records: RECORDS, tables: CACHE_TABLES, learn: LEARN, unlearned: UNLEARNED };

/// Every row the view needs and lacks, one line each; empty when complete.
pub fn missing_rows(t: &ViewTables<'_>) -> Vec<String> {
    let mut missing = Vec::new();
    let row = |table: CacheTable| t.tables.iter().find(|r| r.table == table);
    for &table in CacheTable::ALL {
        match t.tables.iter().filter(|r| r.table == table).count() {
            0 => missing.push(format!("cache table {table:?} has no CACHE_TABLES row (its key kind)")),
            1 => {}
            _ => missing.push(format!("cache table {table:?} has more than one CACHE_TABLES row")),
        }
    }
    for (i, a) in t.tables.iter().enumerate() {
        if t.tables[..i].iter().any(|b| b.name == a.name && b.table != a.table) {
            missing.push(format!("cache table name {:?} is used twice", a.name));
        }
    }
    for r in t.records {
        let rt = r.record_type;
        let learns = t.learn.iter().any(|l| l.records.contains(&rt));
        let unlearned = t.unlearned.contains(&rt);
        match (r.family == Family::Metadata, learns, unlearned) {
            (true, false, false) => {
                missing.push(format!("metadata record {rt} has neither a LEARN row nor an UNLEARNED entry"))
            }
            (true, true, true) => missing.push(format!("metadata record {rt} is both in LEARN and UNLEARNED")),
            (false, true, _) => missing.push(format!("record {rt} is not metadata but has a LEARN row")),
            (false, _, true) => missing.push(format!("record {rt} is not metadata but is UNLEARNED")),
            _ => {}
        }
    }
    for l in t.learn {
        match row(l.table) {
            None => missing.push(format!("LEARN row of {:?} for {:?}: the table has no row", l.records, l.table)),
            Some(tr) if tr.key.arity() != l.key.len() => missing.push(format!(
                "LEARN row of {:?} for {:?}: {} key fields for a {:?} key",
                l.records,
                l.table,
                l.key.len(),
                tr.key
            )),
            Some(_) => {}
        }
    }
    for r in RULES {
        let tables: &[CacheTable] = match &r.lookup {
            Lookup::Name(list) => list,
            Lookup::Number(t) | Lookup::BitNames(t) => std::slice::from_ref(t),
            _ => &[],
        };
        if tables.len() > MAX_TABLES || r.from.len() > MAX_INPUTS || r.from.is_empty() {
            missing.push(format!("rule {:?}: at most {MAX_TABLES} tables and 1 to {MAX_INPUTS} fields", r.key));
        }
        for &table in tables {
            match row(table) {
                None => missing.push(format!("rule {:?} reads {table:?}, which has no row", r.key)),
                Some(tr) if tr.key.arity() > r.from.len() => {
                    missing.push(format!("rule {:?}: {table:?} needs {} fields", r.key, tr.key.arity()))
                }
                Some(_) => {}
            }
        }
        for rt in r.records {
            if !t.records.iter().any(|d| d.record_type == *rt) {
                missing.push(format!("rule {:?} is for record {rt}, which has no layout", r.key));
            }
        }
    }
    if field_names(RULES).len() > MAX_FIELDS {
        missing.push(format!("the rules read more than {MAX_FIELDS} distinct top-level fields"));
    }
    missing
}
