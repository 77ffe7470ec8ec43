//! Every record type of RECORDS.md §5.1: display name, category, family and body layout.
//!
//! One row per record type. A body is a field list: flat fields, a merged block (`Merge`), a
//! block chosen by its wire version (`Choice`), or the discovery header followed by a payload.
//! Choices made where the spec is silent or unconfirmed are listed in `docs/records.md`.

use super::blocks::*;
use super::{f, hidden, BlockDef, Choice, Field, Series, Ty};

/// Which request category (legacy flag bit / extended event code) delivers a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Family {
    /// Packet data (flag bit 0).
    Packet,
    /// Metadata (flag bit 20 and older metadata bits; extended code 21).
    Metadata,
    /// Intrusion events (flag bits 2/6; extended code 12).
    Intrusion,
    /// Intrusion impact alerts (flag bit 5; extended code 131).
    Impact,
    /// Intrusion event extra data (flag bit 27).
    ExtraData,
    /// Discovery (RNA) events (extended code 61).
    Discovery,
    /// Connection events (extended code 71).
    Connection,
    /// Correlation (policy) events (extended code 31).
    Correlation,
    /// User activity (RUA) events (extended code 91).
    User,
    /// VPN login/logoff (sent with user activity, code 91).
    Vpn,
    /// Malware events (extended code 101).
    Malware,
    /// File events (extended code 111).
    File,
}

/// One record type.
#[derive(Debug)]
pub struct RecordDef {
    /// Record type number.
    pub record_type: u32,
    /// Display name (`recordTypeDescription`).
    pub name: &'static str,
    /// Category (`recordTypeCategory`).
    pub category: &'static str,
    /// Which request delivers it.
    pub family: Family,
    /// Body layout.
    pub body: &'static [Field],
}

/// The discovery event header (RECORDS.md §4), merged into the record.
pub static DISCOVERY_HEADER: BlockDef = BlockDef {
    series: Series::S1,
    number: 0,
    name: "DISCOVERY_HEADER",
    header: None,
    fields: &[
        Field {
            key: "deviceId",
            ty: Ty::U32,
            hidden: false,
            cond: None,
            alias: Some("headerDeviceId"),
            list_header: None,
        },
        hidden("legacyIpAddress", Ty::Ipv4),
        f("macAddress", Ty::Mac),
        hidden("hasIpv6", Ty::U8),
        hidden("reserved", Ty::U8),
        f("eventSecond", Ty::U32),
        f("eventMicrosecond", Ty::U32),
        f("eventType", Ty::U32),
        f("eventSubtype", Ty::U32),
        hidden("fileNumber", Ty::U32),
        hidden("filePosition", Ty::U32),
        Field { key: "hostIpAddr", ty: Ty::Ipv6, hidden: false, cond: Some("hasIpv6"), alias: None, list_header: None },
    ],
};

/// Records 530 and 700: an unnamed block (type word, length word, uuid, name).
pub static POLICY_NAME_BLOCK: BlockDef = BlockDef {
    series: Series::S2,
    number: 0,
    name: "POLICY_NAME",
    header: Some(("blockType", "blockLength")),
    fields: &[f("uuid", Ty::Uuid), f("name", Ty::Block(&S1_0))],
};

/// Intrusion event (400) block versions; S2 85 is current.
pub static INTRUSION_CHOICE: Choice = Choice { default: &S2_85, options: &[&S2_41, &S2_60, &S2_81, &S2_85] };
/// Malware event (125) block versions; S2 80 is current.
pub static MALWARE_CHOICE: Choice = Choice { default: &S2_80, options: &[&S2_62, &S2_80] };
/// File event (500/502) block versions; S2 79 is current.
pub static FILE_CHOICE: Choice = Choice { default: &S2_79, options: &[&S2_56, &S2_79] };
/// User information (92–94) block versions: S1 120 (5.0), S1 155 (6.0, current in N); M sent
/// S1 167 for 93/94.
pub static USER_INFO_CHOICE: Choice = Choice { default: &S1_155, options: &[&S1_120, &S1_155, &S1_167] };
/// User login (95) block versions: S1 127 (5.4, extended user v4), S1 159 (6.0), S1 165 (6.1),
/// S1 167 (6.2+, extended user v7).
pub static USER_LOGIN_CHOICE: Choice =
    Choice { default: &S1_167, options: &[&S1_121, &S1_127, &S1_159, &S1_165, &S1_167] };
/// Connection event (71) block versions; S1 174 is current.
pub static CONNECTION_CHOICE: Choice = Choice {
    default: &S1_174,
    options: &[&S1_160, &S1_161, &S1_163, &S1_168, &S1_169, &S1_170, &S1_171, &S1_173, &S1_174],
};

const DISC: Field = f("", Ty::Merge(&DISCOVERY_HEADER));

const R2: &[Field] = &[
    f("deviceId", Ty::U32),
    f("eventId", Ty::U32),
    f("eventSecond", Ty::U32),
    f("packetSecond", Ty::U32),
    f("packetMicrosecond", Ty::U32),
    f("linkType", Ty::U32),
    f("packetLength", Ty::Len32("packetData")),
    f("packetData", Ty::Bytes("packetLength")),
];
const R4: &[Field] = &[f("id", Ty::U32), f("length", Ty::Len16("name")), f("name", Ty::Bytes("length"))];
const R9: &[Field] = &[f("", Ty::Merge(&S1_153))];
const R10: &[Field] = &[DISC, f("hostProfile", Ty::Block(&S1_139))];
const R11: &[Field] = &[DISC, f("hostServer", Ty::Block(&S1_103))];
const R12: &[Field] = &[DISC, f("hostServer", Ty::Block(&S1_103))];
const R13: &[Field] = &[DISC, f("networkProtocol", Ty::U16)];
const R14: &[Field] = &[DISC, f("transportProtocol", Ty::U8)];
const R15: &[Field] = &[DISC, f("client", Ty::Block(&S1_122))];
const R16: &[Field] = &[DISC, f("hostServer", Ty::Block(&S1_103))];
const R17: &[Field] = &[DISC, f("hostServer", Ty::Block(&S1_103))];
const R18: &[Field] = &[DISC, f("osFingerprint", Ty::Block(&S1_10))];
const R19: &[Field] = &[DISC];
const R20: &[Field] = &[DISC];
const R21: &[Field] = &[DISC];
const R22: &[Field] = &[DISC, f("hops", Ty::U8)];
const R23: &[Field] = &[DISC, f("port", Ty::U16)];
const R24: &[Field] = &[DISC, f("port", Ty::U16)];
const R25: &[Field] = &[DISC, f("port", Ty::U16)];
const R26: &[Field] = &[DISC, f("port", Ty::U16)];
const R27: &[Field] = &[DISC, f("mac", Ty::Block(&S1_95))];
const R28: &[Field] = &[DISC, f("mac", Ty::Block(&S1_95))];
const R29: &[Field] = &[DISC, f("ipAddress", Ty::Ipv6)];
const R31: &[Field] = &[DISC, f("hostType", Ty::U32)];
const R34: &[Field] = &[DISC, f("", Ty::Merge(&S1_14))];
const R35: &[Field] = &[DISC, f("client", Ty::Block(&S1_122))];
const R42: &[Field] = &[DISC, f("", Ty::Merge(&S1_35))];
const R44: &[Field] = &[DISC];
const R45: &[Field] = &[DISC, f("", Ty::Merge(&S1_37))];
const R46: &[Field] = &[DISC, f("attribute", Ty::Block(&S1_10))];
const R47: &[Field] = &[DISC, f("attribute", Ty::Block(&S1_10))];
const R48: &[Field] = &[DISC, f("attribute", Ty::Block(&S1_10))];
const R51: &[Field] = &[DISC, f("", Ty::Merge(&S1_103))];
const R52: &[Field] = &[DISC, f("", Ty::Merge(&S1_103))];
const R53: &[Field] = &[DISC, f("osFingerprint", Ty::Block(&S1_10))];
const R54: &[Field] = &[
    f("uuid", Ty::Uuid),
    f("nameLength", Ty::Len32("name")),
    f("name", Ty::Bytes("nameLength")),
    f("vendorLength", Ty::Len32("vendor")),
    f("vendor", Ty::Bytes("vendorLength")),
    f("versionLength", Ty::Len32("version")),
    f("version", Ty::Bytes("versionLength")),
];
const R55: &[Field] = &[f("id", Ty::U32), f("length", Ty::Len32("name")), f("name", Ty::Bytes("length"))];
const R57: &[Field] = &[
    f("id", Ty::U32),
    f("impact", Ty::U32),
    f("exploits", Ty::U8),
    f("remote", Ty::U8),
    f("entryDateLength", Ty::Len32("entryDate")),
    f("entryDate", Ty::Bytes("entryDateLength")),
    f("publishedDateLength", Ty::Len32("publishedDate")),
    f("publishedDate", Ty::Bytes("publishedDateLength")),
    f("modifiedDateLength", Ty::Len32("modifiedDate")),
    f("modifiedDate", Ty::Bytes("modifiedDateLength")),
    f("titleLength", Ty::Len32("title")),
    f("title", Ty::Bytes("titleLength")),
    f("shortDescriptionLength", Ty::Len32("shortDescription")),
    f("shortDescription", Ty::Bytes("shortDescriptionLength")),
    f("descriptionLength", Ty::Len32("description")),
    f("description", Ty::Bytes("descriptionLength")),
    f("technicalDescriptionLength", Ty::Len32("technicalDescription")),
    f("technicalDescription", Ty::Bytes("technicalDescriptionLength")),
    f("solutionLength", Ty::Len32("solution")),
    f("solution", Ty::Bytes("solutionLength")),
];
const R58: &[Field] = &[f("id", Ty::U32), f("length", Ty::Len32("name")), f("name", Ty::Bytes("length"))];
const R59: &[Field] = &[f("id", Ty::U32), f("length", Ty::Len32("name")), f("name", Ty::Bytes("length"))];
const R60: &[Field] = &[f("id", Ty::U32), f("length", Ty::Len32("name")), f("name", Ty::Bytes("length"))];
const R61: &[Field] = &[f("id", Ty::U32), f("length", Ty::Len32("name")), f("name", Ty::Bytes("length"))];
const R62: &[Field] = &[f("", Ty::Merge(&S2_57))];
const R63: &[Field] = &[f("id", Ty::U32), f("length", Ty::Len32("name")), f("name", Ty::Bytes("length"))];
const R66: &[Field] = &[
    f("generatorId", Ty::U32),
    f("ruleId", Ty::U32),
    f("ruleRevision", Ty::U32),
    f("signatureId", Ty::U32),
    f("messageLength", Ty::Len16("message")),
    f("ruleUuid", Ty::Uuid),
    f("ruleRevisionUuid", Ty::Uuid),
    f("message", Ty::Bytes("messageLength")),
];
const R67: &[Field] = &[
    f("id", Ty::U32),
    f("nameLength", Ty::Len16("name")),
    f("name", Ty::Bytes("nameLength")),
    f("descriptionLength", Ty::Len16("description")),
    f("description", Ty::Bytes("descriptionLength")),
    f("uuid", Ty::Uuid),
    f("revisionUuid", Ty::Uuid),
];
/// Correlation policy (69) has the classification layout (RECORDS.md §6.11).
const R69: &[Field] = R67;
const R70: &[Field] = &[
    f("id", Ty::U32),
    f("nameLength", Ty::Len16("name")),
    f("name", Ty::Bytes("nameLength")),
    f("descriptionLength", Ty::Len16("description")),
    f("description", Ty::Bytes("descriptionLength")),
    f("eventTypeLength", Ty::Len16("eventType")),
    f("eventType", Ty::Bytes("eventTypeLength")),
    f("ruleUuid", Ty::Uuid),
    f("revisionUuid", Ty::Uuid),
    f("whitelistUuid", Ty::Uuid),
];
const R71: &[Field] = &[DISC, f("", Ty::Choice(&CONNECTION_CHOICE))];
const R73: &[Field] = &[DISC, f("", Ty::Merge(&S1_136))];
const R74: &[Field] = &[DISC, f("product", Ty::Block(&S1_134))];
const R75: &[Field] = &[DISC, f("product", Ty::Block(&S1_134))];
const R76: &[Field] = &[DISC, f("protocols", Ty::Block(&S1_83))];
const R77: &[Field] = &[DISC, f("clientApplications", Ty::Block(&S1_60))];
const R78: &[Field] = &[DISC, f("hosts", Ty::Block(&S1_78))];
const R79: &[Field] = &[DISC, f("servers", Ty::Block(&S1_77))];
const R80: &[Field] = &[DISC, f("vulnerabilities", Ty::Block(&S1_80))];
const R81: &[Field] = &[DISC, f("vulnerabilities", Ty::Block(&S1_80))];
const R82: &[Field] = &[DISC, f("criticality", Ty::Block(&S1_81))];
const R83: &[Field] = &[DISC, f("attributeValue", Ty::Block(&S1_82))];
const R84: &[Field] = &[DISC, f("attributeValue", Ty::Block(&S1_82))];
const R85: &[Field] = &[DISC, f("hosts", Ty::Block(&S1_78))];
const R86: &[Field] = &[DISC, f("product", Ty::Block(&S1_134))];
const R87: &[Field] = &[DISC, f("clientApplications", Ty::Block(&S1_60))];
const R88: &[Field] = &[DISC, f("protocols", Ty::Block(&S1_83))];
const R89: &[Field] = &[DISC, f("scanResult", Ty::Block(&S1_142))];
const R90: &[Field] = &[f("id", Ty::U32), f("length", Ty::Len32("name")), f("name", Ty::Bytes("length"))];
const R91: &[Field] = &[f("id", Ty::U32), f("length", Ty::Len32("name")), f("name", Ty::Bytes("length"))];
const R92: &[Field] = &[DISC, f("user", Ty::BlockChoice(&USER_INFO_CHOICE))];
const R93: &[Field] = &[DISC, f("user", Ty::BlockChoice(&USER_INFO_CHOICE))];
const R94: &[Field] = &[DISC, f("user", Ty::BlockChoice(&USER_INFO_CHOICE))];
const R95: &[Field] = &[DISC, f("user", Ty::BlockChoice(&USER_LOGIN_CHOICE))];
const R96: &[Field] = &[f("id", Ty::U32), f("length", Ty::Len32("name")), f("name", Ty::Bytes("length"))];
const R98: &[Field] = &[f("", Ty::Merge(&S2_57))];
const R101: &[Field] = &[DISC, f("osfingerprint", Ty::Block(&S1_130))];
const R102: &[Field] = &[DISC, f("identity", Ty::Block(&S1_94))];
const R103: &[Field] = &[DISC, f("identity", Ty::Block(&S1_94))];
const R106: &[Field] = &[
    f("id", Ty::U32),
    f("scannerType", Ty::U32),
    f("titleLength", Ty::Len32("title")),
    f("title", Ty::Bytes("titleLength")),
    f("descriptionLength", Ty::Len32("description")),
    f("description", Ty::Bytes("descriptionLength")),
    f("cveIdLength", Ty::Len32("cveId")),
    f("cveId", Ty::Bytes("cveIdLength")),
    f("bugtraqIdLength", Ty::Len32("bugtraqId")),
    f("bugtraqId", Ty::Bytes("bugtraqIdLength")),
];
const R107: &[Field] = &[DISC, f("client", Ty::Block(&S1_122))];
const R109: &[Field] = &[f("id", Ty::U32), f("length", Ty::Len32("name")), f("name", Ty::Bytes("length"))];
const R110: &[Field] = &[f("", Ty::Merge(&S2_4))];
const R111: &[Field] = &[f("", Ty::Merge(&S2_5))];
const R112: &[Field] = &[f("", Ty::Merge(&S1_156))];
const R115: &[Field] = &[f("", Ty::Merge(&S2_14))];
const R116: &[Field] = &[f("", Ty::Merge(&S2_14))];
const R117: &[Field] = &[f("", Ty::Merge(&S2_14))];
const R118: &[Field] = &[f("", Ty::Merge(&S2_14))];
const R119: &[Field] = &[f("", Ty::Merge(&S2_15))];
const R120: &[Field] = &[f("id", Ty::U32), f("length", Ty::Len32("name")), f("name", Ty::Bytes("length"))];
const R121: &[Field] = &[f("id", Ty::U32), f("length", Ty::Len32("name")), f("name", Ty::Bytes("length"))];
const R122: &[Field] = &[f("id", Ty::U32), f("length", Ty::Len32("name")), f("name", Ty::Bytes("length"))];
const R123: &[Field] = &[f("id", Ty::U32), f("length", Ty::Len32("name")), f("name", Ty::Bytes("length"))];
const R124: &[Field] = &[f("", Ty::Merge(&S2_59))];
const R125: &[Field] = &[f("", Ty::Choice(&MALWARE_CHOICE))];
const R127: &[Field] = &[f("", Ty::Merge(&S2_14))];
const R128: &[Field] = &[f("id", Ty::U32), f("length", Ty::Len32("name")), f("name", Ty::Bytes("length"))];
const R129: &[Field] = &[f("id", Ty::U32), f("length", Ty::Len32("name")), f("name", Ty::Bytes("length"))];
const R130: &[Field] = &[f("id", Ty::U32), f("length", Ty::Len32("name")), f("name", Ty::Bytes("length"))];
const R131: &[Field] = &[f("id", Ty::U32), f("length", Ty::Len32("name")), f("name", Ty::Bytes("length"))];
const R132: &[Field] = &[f("uuid", Ty::Uuid), f("name", Ty::Block(&S1_0))];
const R140: &[Field] = &[f("", Ty::Merge(&S2_27))];
const R145: &[Field] = &[f("", Ty::Merge(&S2_64))];
const R146: &[Field] = &[f("", Ty::Merge(&S2_64))];
const R147: &[Field] = &[f("", Ty::Merge(&S2_64))];
const R160: &[Field] = &[DISC, f("id", Ty::Block(&S1_7))];
const R161: &[Field] = &[f("", Ty::Merge(&S2_39))];
const R170: &[Field] = &[DISC, f("userLogin", Ty::Block(&S1_167))];
const R171: &[Field] = &[DISC, f("userLogoff", Ty::Block(&S1_167))];
const R260: &[Field] = &[f("", Ty::Merge(&S2_19))];
const R270: &[Field] = &[f("", Ty::Merge(&S2_20))];
const R280: &[Field] = &[f("", Ty::Merge(&S2_22))];
const R281: &[Field] = &[f("id", Ty::U32), f("length", Ty::Len32("name")), f("name", Ty::Bytes("length"))];
const R282: &[Field] = &[f("uuid", Ty::Uuid), f("name", Ty::Block(&S1_0))];
const R300: &[Field] = &[f("id", Ty::U32), f("length", Ty::Len32("name")), f("name", Ty::Bytes("length"))];
const R301: &[Field] = &[f("", Ty::Merge(&S2_58))];
const R302: &[Field] = &[f("id", Ty::U32), f("length", Ty::Len32("name")), f("name", Ty::Bytes("length"))];
const R320: &[Field] = &[f("", Ty::Merge(&S2_61))];
const R321: &[Field] = &[f("", Ty::Merge(&S2_61))];
const R322: &[Field] = &[f("", Ty::Merge(&S2_14))];
const R350: &[Field] = &[f("id", Ty::U32), f("length", Ty::Len32("name")), f("name", Ty::Bytes("length"))];
const R400: &[Field] = &[f("", Ty::Choice(&INTRUSION_CHOICE))];
const R500: &[Field] = &[f("", Ty::Choice(&FILE_CHOICE))];
const R502: &[Field] = &[f("", Ty::Choice(&FILE_CHOICE))];
const R510: &[Field] = &[f("id", Ty::U32), f("length", Ty::Len32("name")), f("name", Ty::Bytes("length"))];
const R511: &[Field] = &[f("", Ty::Merge(&S2_40))];
const R515: &[Field] = &[f("id", Ty::U32), f("length", Ty::Len32("name")), f("name", Ty::Bytes("length"))];
const R516: &[Field] = &[f("id", Ty::U32), f("length", Ty::Len32("name")), f("name", Ty::Bytes("length"))];
const R517: &[Field] = &[f("id", Ty::U32), f("length", Ty::Len32("name")), f("name", Ty::Bytes("length"))];
const R518: &[Field] = &[f("id", Ty::U32), f("length", Ty::Len32("name")), f("name", Ty::Bytes("length"))];
const R519: &[Field] = &[f("id", Ty::U32), f("length", Ty::Len32("name")), f("name", Ty::Bytes("length"))];
const R520: &[Field] = &[f("", Ty::Merge(&S2_28))];
const R530: &[Field] = &[f("", Ty::Merge(&POLICY_NAME_BLOCK))];
const R600: &[Field] = &[f("uuid", Ty::Uuid), f("name", Ty::Block(&S1_0))];
const R601: &[Field] = &[f("revision", Ty::Hex(16)), f("id", Ty::U32), f("name", Ty::Block(&S1_0))];
const R602: &[Field] = &[f("id", Ty::U32), f("length", Ty::Len32("name")), f("name", Ty::Bytes("length"))];
const R604: &[Field] = &[f("id", Ty::U32), f("length", Ty::Len32("name")), f("name", Ty::Bytes("length"))];
const R605: &[Field] = &[f("id", Ty::U32), f("length", Ty::Len32("name")), f("name", Ty::Bytes("length"))];
const R606: &[Field] = &[f("id", Ty::U32), f("length", Ty::Len32("name")), f("name", Ty::Bytes("length"))];
const R607: &[Field] = &[f("id", Ty::U32), f("length", Ty::Len32("name")), f("name", Ty::Bytes("length"))];
const R608: &[Field] = &[f("id", Ty::U32), f("length", Ty::Len32("name")), f("name", Ty::Bytes("length"))];
const R613: &[Field] = &[f("id", Ty::U32), f("length", Ty::Len32("name")), f("name", Ty::Bytes("length"))];
const R614: &[Field] = &[f("", Ty::Merge(&S2_50))];
const R700: &[Field] = &[f("", Ty::Merge(&POLICY_NAME_BLOCK))];

/// The catalog, sorted by record type.
pub static RECORDS: &[RecordDef] = &[
    RecordDef { record_type: 2, name: "Packet Data", category: "PACKET", family: Family::Packet, body: R2 },
    RecordDef { record_type: 4, name: "Priority Metadata", category: "PRIORITY", family: Family::Metadata, body: R4 },
    RecordDef { record_type: 9, name: "Intrusion Impact Alert", category: "IMPACT", family: Family::Impact, body: R9 },
    RecordDef { record_type: 10, name: "New Host Detected", category: "RNA", family: Family::Discovery, body: R10 },
    RecordDef { record_type: 11, name: "New TCP Server", category: "RNA", family: Family::Discovery, body: R11 },
    RecordDef { record_type: 12, name: "New UDP Server", category: "RNA", family: Family::Discovery, body: R12 },
    RecordDef { record_type: 13, name: "New Network Protocol", category: "RNA", family: Family::Discovery, body: R13 },
    RecordDef {
        record_type: 14,
        name: "New Transport Protocol",
        category: "RNA",
        family: Family::Discovery,
        body: R14,
    },
    RecordDef {
        record_type: 15,
        name: "New Client Application",
        category: "RNA",
        family: Family::Discovery,
        body: R15,
    },
    RecordDef {
        record_type: 16,
        name: "TCP Server Information Update",
        category: "RNA",
        family: Family::Discovery,
        body: R16,
    },
    RecordDef {
        record_type: 17,
        name: "UDP Server Information Update",
        category: "RNA",
        family: Family::Discovery,
        body: R17,
    },
    RecordDef { record_type: 18, name: "OS Information Update", category: "RNA", family: Family::Discovery, body: R18 },
    RecordDef { record_type: 19, name: "Host Timeout", category: "RNA", family: Family::Discovery, body: R19 },
    RecordDef {
        record_type: 20,
        name: "Host IP Address Reused",
        category: "RNA",
        family: Family::Discovery,
        body: R20,
    },
    RecordDef {
        record_type: 21,
        name: "Host Deleted: Host Limit Reached",
        category: "RNA",
        family: Family::Discovery,
        body: R21,
    },
    RecordDef { record_type: 22, name: "Hops Change", category: "RNA", family: Family::Discovery, body: R22 },
    RecordDef { record_type: 23, name: "TCP Port Closed", category: "RNA", family: Family::Discovery, body: R23 },
    RecordDef { record_type: 24, name: "UDP Port Closed", category: "RNA", family: Family::Discovery, body: R24 },
    RecordDef { record_type: 25, name: "TCP Port Timeout", category: "RNA", family: Family::Discovery, body: R25 },
    RecordDef { record_type: 26, name: "UDP Port Timeout", category: "RNA", family: Family::Discovery, body: R26 },
    RecordDef {
        record_type: 27,
        name: "MAC Information Change",
        category: "RNA",
        family: Family::Discovery,
        body: R27,
    },
    RecordDef {
        record_type: 28,
        name: "Additional MAC Detected for Host",
        category: "RNA",
        family: Family::Discovery,
        body: R28,
    },
    RecordDef {
        record_type: 29,
        name: "Host IP Address Changed",
        category: "RNA",
        family: Family::Discovery,
        body: R29,
    },
    RecordDef {
        record_type: 31,
        name: "Host Identified as Router/Bridge",
        category: "RNA",
        family: Family::Discovery,
        body: R31,
    },
    RecordDef {
        record_type: 34,
        name: "VLAN Tag Information Update",
        category: "RNA",
        family: Family::Discovery,
        body: R34,
    },
    RecordDef {
        record_type: 35,
        name: "Client Application Timeout",
        category: "RNA",
        family: Family::Discovery,
        body: R35,
    },
    RecordDef { record_type: 42, name: "NetBIOS Name Change", category: "RNA", family: Family::Discovery, body: R42 },
    RecordDef {
        record_type: 44,
        name: "Host Dropped: Host Limit Reached",
        category: "RNA",
        family: Family::Discovery,
        body: R44,
    },
    RecordDef { record_type: 45, name: "Update Banner", category: "RNA", family: Family::Discovery, body: R45 },
    RecordDef { record_type: 46, name: "Add Host Attribute", category: "RNA", family: Family::Discovery, body: R46 },
    RecordDef { record_type: 47, name: "Update Host Attribute", category: "RNA", family: Family::Discovery, body: R47 },
    RecordDef { record_type: 48, name: "Delete Host Attribute", category: "RNA", family: Family::Discovery, body: R48 },
    RecordDef {
        record_type: 51,
        name: "TCP Server Confidence Update",
        category: "RNA",
        family: Family::Discovery,
        body: R51,
    },
    RecordDef {
        record_type: 52,
        name: "UDP Server Confidence Update",
        category: "RNA",
        family: Family::Discovery,
        body: R52,
    },
    RecordDef { record_type: 53, name: "OS Confidence Update", category: "RNA", family: Family::Discovery, body: R53 },
    RecordDef {
        record_type: 54,
        name: "Fingerprint Metadata",
        category: "FINGERPRINT",
        family: Family::Metadata,
        body: R54,
    },
    RecordDef {
        record_type: 55,
        name: "Client Application Metadata",
        category: "CLIENT APP",
        family: Family::Metadata,
        body: R55,
    },
    RecordDef {
        record_type: 57,
        name: "Vulnerability Metadata",
        category: "VULNERABILITY",
        family: Family::Metadata,
        body: R57,
    },
    RecordDef {
        record_type: 58,
        name: "Criticality Metadata",
        category: "CRITICALITY",
        family: Family::Metadata,
        body: R58,
    },
    RecordDef {
        record_type: 59,
        name: "Network Protocol Metadata",
        category: "NETWORK",
        family: Family::Metadata,
        body: R59,
    },
    RecordDef {
        record_type: 60,
        name: "Attribute Metadata",
        category: "ATTRIBUTE",
        family: Family::Metadata,
        body: R60,
    },
    RecordDef {
        record_type: 61,
        name: "Scan Type Metadata",
        category: "SCAN TYPE",
        family: Family::Metadata,
        body: R61,
    },
    RecordDef { record_type: 62, name: "User Metadata", category: "SYSTEM USER", family: Family::Metadata, body: R62 },
    RecordDef { record_type: 63, name: "Server Metadata", category: "SERVICE", family: Family::Metadata, body: R63 },
    RecordDef { record_type: 66, name: "Rule Message Metadata", category: "RULE", family: Family::Metadata, body: R66 },
    RecordDef {
        record_type: 67,
        name: "Classification Metadata",
        category: "CLASSIFICATION",
        family: Family::Metadata,
        body: R67,
    },
    RecordDef {
        record_type: 69,
        name: "Correlation Policy Metadata",
        category: "POLICY",
        family: Family::Metadata,
        body: R69,
    },
    RecordDef {
        record_type: 70,
        name: "Correlation Rule Metadata",
        category: "RULE",
        family: Family::Metadata,
        body: R70,
    },
    RecordDef {
        record_type: 71,
        name: "Connection Statistics",
        category: "RNA",
        family: Family::Connection,
        body: R71,
    },
    RecordDef { record_type: 73, name: "Connection Chunk", category: "RNA", family: Family::Connection, body: R73 },
    RecordDef { record_type: 74, name: "User Set OS", category: "RNA", family: Family::Discovery, body: R74 },
    RecordDef { record_type: 75, name: "User Set Server", category: "RNA", family: Family::Discovery, body: R75 },
    RecordDef { record_type: 76, name: "User Delete Protocol", category: "RNA", family: Family::Discovery, body: R76 },
    RecordDef {
        record_type: 77,
        name: "User Delete Client Application",
        category: "RNA",
        family: Family::Discovery,
        body: R77,
    },
    RecordDef { record_type: 78, name: "User Delete Address", category: "RNA", family: Family::Discovery, body: R78 },
    RecordDef { record_type: 79, name: "User Delete Server", category: "RNA", family: Family::Discovery, body: R79 },
    RecordDef {
        record_type: 80,
        name: "User Set Valid Vulnerabilities",
        category: "RNA",
        family: Family::Discovery,
        body: R80,
    },
    RecordDef {
        record_type: 81,
        name: "User Set Invalid Vulnerabilities",
        category: "RNA",
        family: Family::Discovery,
        body: R81,
    },
    RecordDef {
        record_type: 82,
        name: "User Set Host Criticality",
        category: "RNA",
        family: Family::Discovery,
        body: R82,
    },
    RecordDef {
        record_type: 83,
        name: "User Set Attribute Value",
        category: "RNA",
        family: Family::Discovery,
        body: R83,
    },
    RecordDef {
        record_type: 84,
        name: "User Delete Attribute Value",
        category: "RNA",
        family: Family::Discovery,
        body: R84,
    },
    RecordDef { record_type: 85, name: "User Add Host", category: "RNA", family: Family::Discovery, body: R85 },
    RecordDef { record_type: 86, name: "User Add Server", category: "RNA", family: Family::Discovery, body: R86 },
    RecordDef {
        record_type: 87,
        name: "User Add Client Application",
        category: "RNA",
        family: Family::Discovery,
        body: R87,
    },
    RecordDef { record_type: 88, name: "User Add Protocol", category: "RNA", family: Family::Discovery, body: R88 },
    RecordDef { record_type: 89, name: "User Add Scan Result", category: "RNA", family: Family::Discovery, body: R89 },
    RecordDef { record_type: 90, name: "Source Type", category: "SOURCE TYPE", family: Family::Metadata, body: R90 },
    RecordDef {
        record_type: 91,
        name: "Source Application",
        category: "SOURCE APP",
        family: Family::Metadata,
        body: R91,
    },
    RecordDef { record_type: 92, name: "User Dropped Change Event", category: "RUA", family: Family::User, body: R92 },
    RecordDef { record_type: 93, name: "User Removed Change Event", category: "RUA", family: Family::User, body: R93 },
    RecordDef {
        record_type: 94,
        name: "New User Identification Event",
        category: "RUA",
        family: Family::User,
        body: R94,
    },
    RecordDef { record_type: 95, name: "User Login Change Event", category: "RUA", family: Family::User, body: R95 },
    RecordDef {
        record_type: 96,
        name: "Source Detector",
        category: "SOURCE DETECTOR",
        family: Family::Metadata,
        body: R96,
    },
    RecordDef { record_type: 98, name: "User", category: "RUA USER", family: Family::Metadata, body: R98 },
    RecordDef { record_type: 101, name: "New OS Event", category: "RNA", family: Family::Discovery, body: R101 },
    RecordDef {
        record_type: 102,
        name: "Identity Conflict Event",
        category: "RNA",
        family: Family::Discovery,
        body: R102,
    },
    RecordDef {
        record_type: 103,
        name: "Identity Timeout Event",
        category: "RNA",
        family: Family::Discovery,
        body: R103,
    },
    RecordDef {
        record_type: 106,
        name: "Third Party Scanner Vulnerability",
        category: "VULNERABILITY",
        family: Family::Metadata,
        body: R106,
    },
    RecordDef {
        record_type: 107,
        name: "Client Application Update",
        category: "RNA",
        family: Family::Discovery,
        body: R107,
    },
    RecordDef { record_type: 109, name: "Web Application", category: "PAYLOAD", family: Family::Metadata, body: R109 },
    RecordDef {
        record_type: 110,
        name: "Intrusion Event Extra Data",
        category: "EXTRA DATA",
        family: Family::ExtraData,
        body: R110,
    },
    RecordDef {
        record_type: 111,
        name: "Intrusion Event Extra Data Metadata",
        category: "EXTRA DATA TYPE",
        family: Family::Metadata,
        body: R111,
    },
    RecordDef {
        record_type: 112,
        name: "Correlation Event",
        category: "POLICY",
        family: Family::Correlation,
        body: R112,
    },
    RecordDef {
        record_type: 115,
        name: "Security Zone Name Metadata",
        category: "ZONE",
        family: Family::Metadata,
        body: R115,
    },
    RecordDef {
        record_type: 116,
        name: "Interface Name Metadata",
        category: "INTERFACE",
        family: Family::Metadata,
        body: R116,
    },
    RecordDef {
        record_type: 117,
        name: "Access Control Policy Name Metadata",
        category: "FIREWALL POLICY",
        family: Family::Metadata,
        body: R117,
    },
    RecordDef {
        record_type: 118,
        name: "Intrusion Policy Name Metadata",
        category: "INTRUSION POLICY",
        family: Family::Metadata,
        body: R118,
    },
    RecordDef {
        record_type: 119,
        name: "Access Control Rule ID Metadata",
        category: "FIREWALL RULE",
        family: Family::Metadata,
        body: R119,
    },
    RecordDef {
        record_type: 120,
        name: "Access Control Rule Action Metadata",
        category: "FIREWALL RULE ACTION",
        family: Family::Metadata,
        body: R120,
    },
    RecordDef {
        record_type: 121,
        name: "URL Category Metadata",
        category: "FIREWALL URL CATEGORY",
        family: Family::Metadata,
        body: R121,
    },
    RecordDef {
        record_type: 122,
        name: "URL Reputation Metadata",
        category: "FIREWALL URL REPUTATION",
        family: Family::Metadata,
        body: R122,
    },
    RecordDef {
        record_type: 123,
        name: "Managed Device Metadata",
        category: "SENSOR",
        family: Family::Metadata,
        body: R123,
    },
    RecordDef {
        record_type: 124,
        name: "Access Control Policy Rule Reason Data",
        category: "FIREWALL RULE REASON",
        family: Family::Metadata,
        body: R124,
    },
    RecordDef {
        record_type: 125,
        name: "Malware Event Record",
        category: "MALWARE EVENT",
        family: Family::Malware,
        body: R125,
    },
    RecordDef {
        record_type: 127,
        name: "Cisco AMP Cloud Name Metadata",
        category: "FIREAMP CLOUD",
        family: Family::Metadata,
        body: R127,
    },
    RecordDef {
        record_type: 128,
        name: "Malware Event Type Metadata",
        category: "MALWARE EVENT TYPE",
        family: Family::Metadata,
        body: R128,
    },
    RecordDef {
        record_type: 129,
        name: "Malware Event Subtype Metadata",
        category: "MALWARE EVENT SUBTYPE",
        family: Family::Metadata,
        body: R129,
    },
    RecordDef {
        record_type: 130,
        name: "AMP for Endpoints Detector Type Metadata",
        category: "MALWARE DETECTOR TYPE",
        family: Family::Metadata,
        body: R130,
    },
    RecordDef {
        record_type: 131,
        name: "AMP for Endpoints File Type Metadata",
        category: "MALWARE FILE TYPE",
        family: Family::Metadata,
        body: R131,
    },
    RecordDef {
        record_type: 132,
        name: "Security Context Name",
        category: "CONTEXT ID",
        family: Family::Metadata,
        body: R132,
    },
    RecordDef {
        record_type: 140,
        name: "Rule Documentation Data",
        category: "IPS RULE DOC",
        family: Family::Metadata,
        body: R140,
    },
    RecordDef {
        record_type: 145,
        name: "Access Control Policy Metadata",
        category: "ACCESS CONTROL POLICY",
        family: Family::Metadata,
        body: R145,
    },
    RecordDef {
        record_type: 146,
        name: "Prefilter Policy Metadata",
        category: "ACCESS CONTROL POLICY",
        family: Family::Metadata,
        body: R146,
    },
    RecordDef {
        record_type: 147,
        name: "Tunnel or Prefilter Rule Metadata",
        category: "ACCESS CONTROL POLICY",
        family: Family::Metadata,
        body: R147,
    },
    RecordDef {
        record_type: 160,
        name: "Host IOC Set Messages",
        category: "RNA",
        family: Family::Discovery,
        body: R160,
    },
    RecordDef { record_type: 161, name: "IOC Name Data", category: "IOC", family: Family::Metadata, body: R161 },
    RecordDef { record_type: 170, name: "New VPN Device Login", category: "VPN", family: Family::Vpn, body: R170 },
    RecordDef { record_type: 171, name: "New VPN Device Logoff", category: "VPN", family: Family::Vpn, body: R171 },
    RecordDef { record_type: 260, name: "ICMP Type Data", category: "ICMP TYPE", family: Family::Metadata, body: R260 },
    RecordDef { record_type: 270, name: "ICMP Code Data", category: "ICMP CODE", family: Family::Metadata, body: R270 },
    RecordDef {
        record_type: 280,
        name: "Security Intelligence Category Metadata",
        category: "SECURITY INTELLIGENCE CATEGORY",
        family: Family::Metadata,
        body: R280,
    },
    RecordDef {
        record_type: 281,
        name: "Security Intelligence Source/Destination",
        category: "SECURITY INTELLIGENCE SOURCE/DEST",
        family: Family::Metadata,
        body: R281,
    },
    RecordDef {
        record_type: 282,
        name: "Security Intelligence Category Metadata",
        category: "SECURITY INTELLIGENCE CATEGORY",
        family: Family::Metadata,
        body: R282,
    },
    RecordDef {
        record_type: 300,
        name: "Realm Metadata",
        category: "REALM DATA",
        family: Family::Metadata,
        body: R300,
    },
    RecordDef {
        record_type: 301,
        name: "Endpoint Profile",
        category: "ENDPOINT PROFILE",
        family: Family::Metadata,
        body: R301,
    },
    RecordDef {
        record_type: 302,
        name: "Security Group Metadata",
        category: "SECURITY GROUP",
        family: Family::Metadata,
        body: R302,
    },
    RecordDef {
        record_type: 320,
        name: "DNS Record Type Metadata",
        category: "DNS",
        family: Family::Metadata,
        body: R320,
    },
    RecordDef {
        record_type: 321,
        name: "DNS Response Type Metadata",
        category: "DNS",
        family: Family::Metadata,
        body: R321,
    },
    RecordDef {
        record_type: 322,
        name: "Sinkhole Metadata",
        category: "SINKHOLE",
        family: Family::Metadata,
        body: R322,
    },
    RecordDef {
        record_type: 350,
        name: "Netmap Domain Metadata",
        category: "NETMAP DOMAIN",
        family: Family::Metadata,
        body: R350,
    },
    RecordDef {
        record_type: 400,
        name: "Intrusion Event",
        category: "IPS EVENT",
        family: Family::Intrusion,
        body: R400,
    },
    RecordDef { record_type: 500, name: "File Event", category: "FILELOG EVENT", family: Family::File, body: R500 },
    RecordDef {
        record_type: 502,
        name: "File Malware Event",
        category: "FILELOG MALWARE EVENT",
        family: Family::File,
        body: R502,
    },
    RecordDef {
        record_type: 510,
        name: "File Type ID Metadata",
        category: "FILELOG FILE TYPE",
        family: Family::Metadata,
        body: R510,
    },
    RecordDef {
        record_type: 511,
        name: "File Event SHA Hash",
        category: "FILELOG SHA",
        family: Family::Metadata,
        body: R511,
    },
    RecordDef {
        record_type: 515,
        name: "Filelog Storage Metadata",
        category: "FILELOG STORAGE",
        family: Family::Metadata,
        body: R515,
    },
    RecordDef {
        record_type: 516,
        name: "Filelog Sandbox Metadata",
        category: "FILELOG SANDBOX",
        family: Family::Metadata,
        body: R516,
    },
    RecordDef {
        record_type: 517,
        name: "Filelog Spero Metadata",
        category: "FILELOG SPERO",
        family: Family::Metadata,
        body: R517,
    },
    RecordDef {
        record_type: 518,
        name: "Filelog Archive Metadata",
        category: "FILELOG ARCHIVE",
        family: Family::Metadata,
        body: R518,
    },
    RecordDef {
        record_type: 519,
        name: "Filelog Static Analysis Metadata",
        category: "FILELOG STATIC ANALYSIS",
        family: Family::Metadata,
        body: R519,
    },
    RecordDef {
        record_type: 520,
        name: "Geolocation Data",
        category: "GEOLOCATION",
        family: Family::Metadata,
        body: R520,
    },
    RecordDef {
        record_type: 530,
        name: "File Policy Name",
        category: "FILE POLICY NAME",
        family: Family::Metadata,
        body: R530,
    },
    RecordDef {
        record_type: 600,
        name: "SSL Policy Name",
        category: "SSL POLICY NAME",
        family: Family::Metadata,
        body: R600,
    },
    RecordDef { record_type: 601, name: "SSL Rule ID", category: "SSL RULE ID", family: Family::Metadata, body: R601 },
    RecordDef {
        record_type: 602,
        name: "SSL Cipher Suite",
        category: "SSL CIPHER SUITE",
        family: Family::Metadata,
        body: R602,
    },
    RecordDef { record_type: 604, name: "SSL Version", category: "SSL VERSION", family: Family::Metadata, body: R604 },
    RecordDef {
        record_type: 605,
        name: "SSL Server Certificate Status",
        category: "SSL SERVER CERT STATUS",
        family: Family::Metadata,
        body: R605,
    },
    RecordDef {
        record_type: 606,
        name: "SSL Actual Action",
        category: "SSL ACTION",
        family: Family::Metadata,
        body: R606,
    },
    RecordDef {
        record_type: 607,
        name: "SSL Expected Action",
        category: "SSL ACTION",
        family: Family::Metadata,
        body: R607,
    },
    RecordDef {
        record_type: 608,
        name: "SSL Flow Status",
        category: "SSL FLOW STATUS",
        family: Family::Metadata,
        body: R608,
    },
    RecordDef {
        record_type: 613,
        name: "SSL URL Category",
        category: "SSL URL CATEGORY",
        family: Family::Metadata,
        body: R613,
    },
    RecordDef {
        record_type: 614,
        name: "SSL Certificate Details Data",
        category: "SSL CERTIFICATE DETAILS",
        family: Family::Metadata,
        body: R614,
    },
    RecordDef {
        record_type: 700,
        name: "Network Analysis Policy",
        category: "NAP NAME",
        family: Family::Metadata,
        body: R700,
    },
];

/// Look up a record type.
pub fn record_def(record_type: u32) -> Option<&'static RecordDef> {
    RECORDS.binary_search_by_key(&record_type, |r| r.record_type).ok().map(|i| &RECORDS[i])
}
