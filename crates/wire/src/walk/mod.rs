//! The one generic walker over schema tables: decode and encode (JSON → value is in
//! [`crate::from_json`], re-exported here).
//!
//! Decoding never fails: a record that does not fit its layout is decoded as far as the layout
//! allows, the rest is kept as hex under [`UNPARSED_KEY`], and an [`Issue`] says what and where.
//! Every length read from the wire is checked against the enclosing bound before it is used.
//!
//! Encoding is strict: a value that does not fit its field (an integer above the field's width,
//! a byte string longer than its fixed size or its length word, a value of another type) is a
//! [`WireError`](crate::WireError) naming the record type, the field's path and the value; nothing is truncated.

mod decode;
mod encode;

use crate::schema::Series;
use crate::value::Obj;

pub use crate::from_json::record_from_json;
pub use decode::{decode_block, decode_record};
pub use encode::{encode_block, encode_record_body};

/// Key under which undecodable bytes are kept (hex).
pub const UNPARSED_KEY: &str = "@unparsed";

/// List header number written for a list value without its own `listType` when the layout does
/// not fix one ([`Field::list_header`](crate::schema::Field::list_header)): S1 11, "List".
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
