//! What the project knows about records beyond their layouts, as rows.
//!
//! * [`FAMILIES`]: each request family with the legacy flag bits and the extended event code
//!   that deliver it (PROTOCOL.md §4.2, §5.4).
//! * [`VERSIONED`]: the records whose block version follows the requested event version, where
//!   the block type word sits in the body, and which block each version gets.
//! * [`IDENTITY`]: for every metadata record, the fields that name the entry it describes (the
//!   key of the store's metadata table and of the snapshot de-duplication).
//!
//! Sessions, the store, the sensor, the server and the client read these tables; none of them
//! keeps its own `match` over record types. `CONTRIBUTING.md` lists the rows a new record type
//! needs, and `tests/catalog.rs` fails when one is missing.

use super::blocks::*;
use super::{record_def, BlockDef, Family};
use crate::message::flags;
use crate::value::{Obj, Value};
use crate::walk::{decode_record, RecordHead};

/// Extended event codes (PROTOCOL.md §5.4).
pub mod codes {
    /// Intrusion events.
    pub const INTRUSION: u16 = 12;
    /// Metadata.
    pub const METADATA: u16 = 21;
    /// Correlation events.
    pub const CORRELATION: u16 = 31;
    /// Discovery events.
    pub const DISCOVERY: u16 = 61;
    /// Connection events.
    pub const CONNECTION: u16 = 71;
    /// User events.
    pub const USER: u16 = 91;
    /// Malware events.
    pub const MALWARE: u16 = 101;
    /// File events.
    pub const FILE: u16 = 111;
    /// Impact alerts.
    pub const IMPACT: u16 = 131;
}

/// How one request family is asked for.
#[derive(Debug)]
pub struct FamilyDef {
    /// The family.
    pub family: Family,
    /// Legacy request flag bits that ask for it (any one is enough); 0 if none.
    pub legacy_bits: u32,
    /// Extended event code that asks for it, if any.
    pub code: Option<u16>,
    /// Plain name, for logs and docs.
    pub name: &'static str,
}

/// Every family, one row each.
pub static FAMILIES: &[FamilyDef] = &[
    FamilyDef { family: Family::Packet, legacy_bits: flags::PACKETS, code: None, name: "packet" },
    FamilyDef {
        family: Family::Metadata,
        legacy_bits: flags::ANY_METADATA,
        code: Some(codes::METADATA),
        name: "metadata",
    },
    FamilyDef {
        family: Family::Intrusion,
        legacy_bits: flags::INTRUSION_V1 | flags::INTRUSION,
        code: Some(codes::INTRUSION),
        name: "intrusion",
    },
    FamilyDef { family: Family::Impact, legacy_bits: flags::IMPACT_ALERTS, code: Some(codes::IMPACT), name: "impact" },
    FamilyDef { family: Family::ExtraData, legacy_bits: flags::EXTRA_DATA, code: None, name: "extra data" },
    FamilyDef {
        family: Family::Discovery,
        legacy_bits: flags::ANY_DISCOVERY,
        code: Some(codes::DISCOVERY),
        name: "discovery",
    },
    FamilyDef {
        family: Family::Connection,
        legacy_bits: flags::ANY_CONNECTION,
        code: Some(codes::CONNECTION),
        name: "connection",
    },
    FamilyDef {
        family: Family::Correlation,
        legacy_bits: flags::ANY_CORRELATION,
        code: Some(codes::CORRELATION),
        name: "correlation",
    },
    FamilyDef { family: Family::User, legacy_bits: flags::USER, code: Some(codes::USER), name: "user" },
    FamilyDef { family: Family::Vpn, legacy_bits: flags::USER, code: Some(codes::USER), name: "vpn" },
    FamilyDef { family: Family::Malware, legacy_bits: 0, code: Some(codes::MALWARE), name: "malware" },
    FamilyDef { family: Family::File, legacy_bits: 0, code: Some(codes::FILE), name: "file" },
];

/// The row of a family.
pub fn family_def(family: Family) -> &'static FamilyDef {
    FAMILIES.iter().find(|f| f.family == family).expect("every family has a row (tests/catalog.rs)")
}

/// Block versions of a record type, chosen by the requested event version.
#[derive(Debug)]
pub struct Versions {
    /// Byte offset in the record body of the versioned block's type word (after the 56-byte
    /// discovery header for records that carry one).
    pub block_at: usize,
    /// `(first event version served with this block, block)`, oldest first; never empty.
    pub table: &'static [(u16, &'static BlockDef)],
}

impl Versions {
    /// The block for a requested version: the newest entry not above it; below the oldest
    /// entry, the oldest; above the newest, the newest.
    pub fn block_for(&self, version: u16) -> &'static BlockDef {
        let (_, oldest) = self.table[0];
        self.table.iter().rev().find(|(v, _)| *v <= version).map_or(oldest, |(_, b)| *b)
    }

    /// The oldest block, served to families asked for by legacy flag bits only.
    pub fn oldest(&self) -> &'static BlockDef {
        self.table[0].1
    }

    /// The block type word of a stored body, if it has one where expected.
    pub fn block_of(&self, body: &[u8]) -> Option<u32> {
        let word = body.get(self.block_at..self.block_at.checked_add(4)?)?;
        Some(u32::from_be_bytes([word[0], word[1], word[2], word[3]]))
    }
}

static INTRUSION_VERSIONS: Versions = Versions { block_at: 0, table: &[(9, &S2_60), (10, &S2_81), (11, &S2_85)] };
static CONNECTION_VERSIONS: Versions =
    Versions { block_at: 56, table: &[(14, &S1_163), (15, &S1_169), (16, &S1_171), (17, &S1_174)] };
static FILE_VERSIONS: Versions = Versions { block_at: 0, table: &[(6, &S2_56), (7, &S2_79)] };
static MALWARE_VERSIONS: Versions = Versions { block_at: 0, table: &[(7, &S2_62), (8, &S2_80)] };
static USER_LOGIN_VERSIONS: Versions = Versions { block_at: 56, table: &[(4, &S1_127), (7, &S1_167)] };

/// Records whose block follows the requested event version (`docs/records.md`).
pub static VERSIONED: &[(u32, &Versions)] = &[
    (71, &CONNECTION_VERSIONS),
    (95, &USER_LOGIN_VERSIONS),
    (125, &MALWARE_VERSIONS),
    (400, &INTRUSION_VERSIONS),
    (500, &FILE_VERSIONS),
    (502, &FILE_VERSIONS),
];

/// Records whose body holds a block chosen by its wire version that is *not* served by
/// requested version: they pass through as stored. Listed so that the catalog test can tell a
/// forgotten row from a deliberate one.
pub static UNVERSIONED_CHOICES: &[u32] = &[92, 93, 94];

/// The version table of a record type, if its block follows the requested version.
pub fn versions(record_type: u32) -> Option<&'static Versions> {
    VERSIONED.iter().find(|(t, _)| *t == record_type).map(|(_, v)| *v)
}

const ID: &[&str] = &["id"];
const UUID: &[&str] = &["uuid"];

/// For every metadata record type, the fields naming the entry it describes.
pub static IDENTITY: &[(u32, &[&str])] = &[
    (4, ID),
    (54, UUID),
    (55, ID),
    (57, ID),
    (58, ID),
    (59, ID),
    (60, ID),
    (61, ID),
    (62, ID),
    (63, ID),
    (66, &["generatorId", "ruleId"]),
    (67, ID),
    (69, ID),
    (70, ID),
    (90, ID),
    (91, ID),
    (96, ID),
    (98, ID),
    (106, &["id", "scannerType"]),
    (109, ID),
    (111, &["type"]),
    (115, UUID),
    (116, UUID),
    (117, UUID),
    (118, UUID),
    (119, &["uuid", "id"]),
    (120, ID),
    (121, ID),
    (122, ID),
    (123, ID),
    (124, ID),
    (127, UUID),
    (128, ID),
    (129, ID),
    (130, ID),
    (131, ID),
    (132, UUID),
    (140, &["generatorId", "signatureId"]),
    (145, &["uuid", "sensorId"]),
    (146, &["uuid", "sensorId"]),
    (147, &["uuid", "sensorId"]),
    (161, ID),
    (260, &["protocol", "type"]),
    (270, &["protocol", "type", "code"]),
    (280, &["accessControlPolicyUuid", "id"]),
    (281, ID),
    (282, UUID),
    (300, ID),
    (301, ID),
    (302, ID),
    (320, ID),
    (321, ID),
    (322, UUID),
    (350, ID),
    (510, ID),
    (511, &["shaHash"]),
    (515, ID),
    (516, ID),
    (517, ID),
    (518, ID),
    (519, ID),
    (520, &["countryCode"]),
    (530, UUID),
    (600, UUID),
    (601, &["id", "revision"]),
    (602, ID),
    (604, ID),
    (605, ID),
    (606, ID),
    (607, ID),
    (608, ID),
    (613, ID),
    (614, &["fingerprintShaHash"]),
    (700, UUID),
];

/// The identity fields of a metadata record type.
pub fn identity_fields(record_type: u32) -> Option<&'static [&'static str]> {
    IDENTITY.iter().find(|(t, _)| *t == record_type).map(|(_, k)| *k)
}

/// Whether a record type is metadata. Unknown types are not: the one answer every crate uses.
pub fn is_metadata(record_type: u32) -> bool {
    record_def(record_type).is_some_and(|d| d.family == Family::Metadata)
}

/// The identity key of a decoded metadata record: its identity fields, each as a type tag,
/// a length and the value bytes (integers big-endian as u64), so different entries never share
/// a key. `None` for records that are not metadata or lack an identity field.
pub fn identity_of(record_type: u32, record: &Obj) -> Option<Vec<u8>> {
    let fields = identity_fields(record_type)?;
    let mut key = Vec::with_capacity(32);
    for field in fields {
        let (tag, bytes): (u8, &[u8]) = match record.get(field)? {
            Value::U(n) => {
                key.push(0);
                key.extend_from_slice(&n.to_be_bytes());
                continue;
            }
            Value::Uuid(u) => (1, u),
            Value::Ip6(a) => (2, a),
            Value::Ip4(a) => (3, a),
            Value::Mac(m) => (4, m),
            Value::Hex(b) | Value::Data(b) => (5, b),
            _ => return None,
        };
        key.push(tag);
        key.extend_from_slice(&(bytes.len() as u32).to_be_bytes());
        key.extend_from_slice(bytes);
    }
    Some(key)
}

/// The identity key of a metadata record body (decoded with the catalog layout).
pub fn metadata_identity(record_type: u32, body: &[u8]) -> Option<Vec<u8>> {
    identity_fields(record_type)?;
    let d = decode_record(RecordHead { record_type, archive_ts: 0, checksum: 0 }, body);
    identity_of(record_type, &d.value)
}

/// The catalog's tables, as a unit the completeness check can be run on (tests swap in a copy
/// with a row removed to see the check fail).
#[derive(Debug, Clone, Copy)]
pub struct Tables<'a> {
    /// Record layouts and families.
    pub records: &'a [super::RecordDef],
    /// Family rows.
    pub families: &'a [FamilyDef],
    /// Version rows.
    pub versioned: &'a [(u32, &'a Versions)],
    /// Records whose wire-chosen block is deliberately served as stored.
    pub unversioned_choices: &'a [u32],
    /// Metadata identity rows.
    pub identity: &'a [(u32, &'a [&'a str])],
}

/// The tables this build uses.
pub const TABLES: Tables<'static> = Tables {
    records: super::RECORDS,
    families: FAMILIES,
    versioned: VERSIONED,
    unversioned_choices: UNVERSIONED_CHOICES,
    identity: IDENTITY,
};

/// Every row a record type needs and lacks (CONTRIBUTING.md lists them), one line each;
/// empty when the catalog is complete.
pub fn missing_rows(t: &Tables<'_>) -> Vec<String> {
    use super::Ty;
    let mut missing = Vec::new();
    for r in t.records {
        let rt = r.record_type;
        match t.families.iter().find(|f| f.family == r.family) {
            None => missing.push(format!("record {rt}: family {:?} has no FAMILIES row", r.family)),
            Some(f) if f.legacy_bits == 0 && f.code.is_none() => {
                missing.push(format!("record {rt}: family {:?} cannot be requested (no bit, no code)", r.family))
            }
            Some(_) => {}
        }
        let has_identity = t.identity.iter().any(|(t, keys)| *t == rt && !keys.is_empty());
        match (r.family == Family::Metadata, has_identity) {
            (true, false) => missing.push(format!("metadata record {rt} has no IDENTITY row")),
            (false, true) => missing.push(format!("record {rt} is not metadata but has an IDENTITY row")),
            _ => {}
        }
        let has_choice = r.body.iter().any(|f| matches!(f.ty, Ty::Choice(_) | Ty::BlockChoice(_)));
        let versioned = t.versioned.iter().any(|(v, _)| *v == rt);
        let fixed = t.unversioned_choices.contains(&rt);
        match (has_choice, versioned, fixed) {
            (true, false, false) => missing.push(format!(
                "record {rt} carries a versioned block but has neither a VERSIONED row nor an UNVERSIONED_CHOICES entry"
            )),
            (true, true, true) => missing.push(format!("record {rt} is both VERSIONED and UNVERSIONED_CHOICES")),
            (false, true, _) => missing.push(format!("record {rt} has a VERSIONED row but no versioned block")),
            _ => {}
        }
    }
    for (rt, v) in t.versioned {
        if v.table.is_empty() || !v.table.windows(2).all(|w| w[0].0 < w[1].0) {
            missing.push(format!("record {rt}: VERSIONED table must be non-empty and ascending"));
        }
    }
    missing
}
