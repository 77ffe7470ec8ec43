//! The 4.9 full host profile (block 92) and the nested blocks it carries, as data
//! (HOSTS.md §5–§6). These answer Host Requests of data types 4/5 (PROTOCOL.md §8); they are
//! not event blocks, so they are kept apart from the generated `blocks.rs`.
//!
//! Keys are ours (camelCase, saying what the field is); the Perl SDK's key for each field is
//! given in the tables below so that an SDK print-out can be matched to our JSON view. Where
//! HOSTS.md says a nested block is the same as one of RECORDS.md Appendix A (S1 85 host
//! vulnerability, S1 95 host MAC, S1 4 protocol, S1 0 String, S1 10 BLOB), that definition is
//! reused with its eNcore keys.
//!
//! List header numbers (S1 11 "List" or S1 31 "Generic List") are part of each list field
//! ([`super::list`]), so a value built without a `listType` is encoded as HOSTS.md says.
//!
//! # Block 92, full host profile 4.9 ([`S1_92`])
//!
//! | our key | SDK key | type |
//! |---|---|---|
//! | `blockType`, `blockLength` | `block_type`, `block_length` | u32, u32 (92, length incl. header) |
//! | `ipAddress` | `ip` | u32 IPv4 address |
//! | `hops` | `hops` | u8 |
//! | `derivedFingerprints` | `fp_list[FINGERPRINT_TYPE_DERIVED]` | list 31 of 87 |
//! | `serverFingerprints` | `fp_list[FINGERPRINT_TYPE_SERVER]` | list 31 of 87 |
//! | `clientFingerprints` | `fp_list[FINGERPRINT_TYPE_CLIENT]` | list 31 of 87 |
//! | `smbFingerprints` | `fp_list[FINGERPRINT_TYPE_SMB]` | list 31 of 87 |
//! | `dhcpFingerprints` | `fp_list[FINGERPRINT_TYPE_DHCP]` | list 31 of 87 |
//! | `userFingerprints` | `fp_list[FINGERPRINT_TYPE_USER]` | list 31 of 87 |
//! | `scanFingerprints` | `fp_list[FINGERPRINT_TYPE_SCAN]` | list 31 of 87 |
//! | `applicationFingerprints` | `fp_list[FINGERPRINT_TYPE_APP]` | list 31 of 87 |
//! | `conflictFingerprints` | `fp_list[FINGERPRINT_TYPE_CONFLICT]` | list 31 of 87 |
//! | `tcpServices` | `tcpsvclist` | list 11 of 90 |
//! | `udpServices` | `udpsvclist` | list 11 of 90 |
//! | `networkProtocols` | `network_protos` | list 11 of 4 |
//! | `transportProtocols` | `xport_protos` | list 11 of 4 |
//! | `macAddresses` | `mac` | list 11 of 95 |
//! | `lastSeen` | `last_seen` | u32 |
//! | `hostType` | `host_type` | u32 |
//! | `criticality` | `criticality` | u16 |
//! | `vlanId` | `vid` | u16 |
//! | `vlanType` | `type` | u8 |
//! | `vlanPriority` | `priority` | u8 |
//! | `clientApplications` | `apps` | list 31 of 42 |
//! | `netbiosName` | `netbios_name` | String |
//! | `notes` | `notes` | String |
//! | `vulnerabilities` | `vuln_list` | list 31 of 85 |
//! | `scanVulnerabilities` | `scan_vuln_list` | list 31 of 85 |
//! | `scanOriginalVulnerabilities` | `scan_orig_vuln_list` | list 31 of 85 |
//! | `attributes` | `attribute_list` | list 11 of 48 |
//!
//! # Nested blocks
//!
//! | block | our key | SDK key | type |
//! |---|---|---|---|
//! | 87 OS fingerprint | `uuid` | `fpuuid` | uuid (record 54) |
//! | | `type` | `fp_type` | u32 |
//! | | `sourceType` | `fp_source_type` | u32 |
//! | | `sourceId` | `fp_source_id` | u32 |
//! | | `lastSeen` | `last_seen` | u32 |
//! | | `ttlDifference` | `ttl_diff` | u8 |
//! | 90 full host service | `port` | `port` | u16 |
//! | | `hits` | `hits` | u32 |
//! | | `discoveryServiceInfo` | `info[SERVICE_TYPE_RNA]` | list 31 of 88 |
//! | | `userServiceInfo` | `info[SERVICE_TYPE_USER]` | list 31 of 88 |
//! | | `scanServiceInfo` | `info[SERVICE_TYPE_SCAN]` | list 31 of 88 |
//! | | `applicationServiceInfo` | `info[SERVICE_TYPE_APP]` | list 31 of 88 |
//! | | `confidence` | `confidence` | u32 |
//! | | `banner` | `banner` | BLOB (S1 10) |
//! | | `vulnerabilities` | `vuln_list` | list 31 of 85 |
//! | | `scanVulnerabilities` | `scan_vuln_list` | list 31 of 85 |
//! | | `scanOriginalVulnerabilities` | `scan_orig_vuln_list` | list 31 of 85 |
//! | | `subServices` | `subtypelist` | list 11 of 51 |
//! | 88 service information | `applicationProtocolId` | `service_id` | u32 (record 63) |
//! | | `vendor` | `vendor` | String |
//! | | `version` | `version` | String |
//! | | `lastUsed` | `last_used` | u32 |
//! | | `sourceType` | `source_type` | u32 |
//! | | `sourceId` | `source_id` | u32 |
//! | 51 full sub-service | `subServiceName` | `service` | String |
//! | | `vendor` | `vendor` | String |
//! | | `version` | `version` | String |
//! | | `vulnerabilities` | `vuln_list` | list 31 of 85 |
//! | | `scanVulnerabilities` | `scan_vuln_list` | list 31 of 85 |
//! | 42 host client application | `hits` | `hits` | u32 |
//! | | `lastUsed` | `last_used` | u32 |
//! | | `applicationProtocolId` | `type_id` | u32 (record 63) |
//! | | `clientApplicationId` | `id` | u32 (record 55) |
//! | | `version` | `version` | String |
//! | 48 attribute value | `attributeId` | `id` | u32 (record 60) |
//! | | `attributeType` | `type` | u32 |
//! | | `integerValue` | `i_value` | u32 |
//! | | `textValue` | `t_value` | String |
//! | S1 85 host vulnerability | `vulnerabilityId`, `invalidFlags`, `type` | `vuln_id`, `invalid`, `type` | u32, u8, u32 |
//! | S1 95 host MAC | `ttl`, `address`, `primary`, `lastSeen` | `ttl`, `mac`, `primary`, `last_seen` | u8, mac, u8, u32 |
//! | S1 4 protocol | `protocol` | `proto` | u16 |

use super::blocks::{S1_0, S1_10, S1_4, S1_85, S1_95};
use super::{f, list, BlockDef, Field, Series, Ty};

/// List header S1 11 ("List").
pub const LIST: u32 = 11;
/// List header S1 31 ("Generic List").
pub const GENERIC_LIST: u32 = 31;

const HEADER: Option<(&str, &str)> = Some(("blockType", "blockLength"));

/// Block 87, OS fingerprint (41 bytes).
pub static S1_87: BlockDef =
    BlockDef { series: Series::S1, number: 87, name: "OS_FINGERPRINT_49", header: HEADER, fields: &S1_87_FIELDS };
const S1_87_FIELDS: [Field; 6] = [
    f("uuid", Ty::Uuid),
    f("type", Ty::U32),
    f("sourceType", Ty::U32),
    f("sourceId", Ty::U32),
    f("lastSeen", Ty::U32),
    f("ttlDifference", Ty::U8),
];

/// Block 88, service information (one per source of a service's identity).
pub static S1_88: BlockDef =
    BlockDef { series: Series::S1, number: 88, name: "SERVICE_INFO_49", header: HEADER, fields: &S1_88_FIELDS };
const S1_88_FIELDS: [Field; 6] = [
    f("applicationProtocolId", Ty::U32),
    f("vendor", Ty::Block(&S1_0)),
    f("version", Ty::Block(&S1_0)),
    f("lastUsed", Ty::U32),
    f("sourceType", Ty::U32),
    f("sourceId", Ty::U32),
];

/// Block 51, full sub-service.
pub static S1_51: BlockDef =
    BlockDef { series: Series::S1, number: 51, name: "FULL_SUB_SERVICE_49", header: HEADER, fields: &S1_51_FIELDS };
const S1_51_FIELDS: [Field; 5] = [
    f("subServiceName", Ty::Block(&S1_0)),
    f("vendor", Ty::Block(&S1_0)),
    f("version", Ty::Block(&S1_0)),
    list("vulnerabilities", GENERIC_LIST, &S1_85),
    list("scanVulnerabilities", GENERIC_LIST, &S1_85),
];

/// Block 90, full host service (one per TCP or UDP port).
pub static S1_90: BlockDef =
    BlockDef { series: Series::S1, number: 90, name: "FULL_HOST_SERVICE_49", header: HEADER, fields: &S1_90_FIELDS };
const S1_90_FIELDS: [Field; 12] = [
    f("port", Ty::U16),
    f("hits", Ty::U32),
    list("discoveryServiceInfo", GENERIC_LIST, &S1_88),
    list("userServiceInfo", GENERIC_LIST, &S1_88),
    list("scanServiceInfo", GENERIC_LIST, &S1_88),
    list("applicationServiceInfo", GENERIC_LIST, &S1_88),
    f("confidence", Ty::U32),
    f("banner", Ty::Block(&S1_10)),
    list("vulnerabilities", GENERIC_LIST, &S1_85),
    list("scanVulnerabilities", GENERIC_LIST, &S1_85),
    list("scanOriginalVulnerabilities", GENERIC_LIST, &S1_85),
    list("subServices", LIST, &S1_51),
];

/// Block 42, host client application (3.5–4.9.0; the SDK does not know the later 100).
pub static S1_42: BlockDef = BlockDef {
    series: Series::S1,
    number: 42,
    name: "HOST_CLIENT_APPLICATION_49",
    header: HEADER,
    fields: &S1_42_FIELDS,
};
const S1_42_FIELDS: [Field; 5] = [
    f("hits", Ty::U32),
    f("lastUsed", Ty::U32),
    f("applicationProtocolId", Ty::U32),
    f("clientApplicationId", Ty::U32),
    f("version", Ty::Block(&S1_0)),
];

/// Block 48, host attribute value.
pub static S1_48: BlockDef =
    BlockDef { series: Series::S1, number: 48, name: "ATTRIBUTE_VALUE_49", header: HEADER, fields: &S1_48_FIELDS };
const S1_48_FIELDS: [Field; 4] = [
    f("attributeId", Ty::U32),
    f("attributeType", Ty::U32),
    f("integerValue", Ty::U32),
    f("textValue", Ty::Block(&S1_0)),
];

/// Block 92, full host profile 4.9 (answer to Host Request data types 4/5). Its address is a
/// u32 IPv4 address: an IPv6-only host cannot be represented.
pub static S1_92: BlockDef =
    BlockDef { series: Series::S1, number: 92, name: "FULL_HOST_PROFILE_49", header: HEADER, fields: &S1_92_FIELDS };
const S1_92_FIELDS: [Field; 29] = [
    f("ipAddress", Ty::Ipv4),
    f("hops", Ty::U8),
    list("derivedFingerprints", GENERIC_LIST, &S1_87),
    list("serverFingerprints", GENERIC_LIST, &S1_87),
    list("clientFingerprints", GENERIC_LIST, &S1_87),
    list("smbFingerprints", GENERIC_LIST, &S1_87),
    list("dhcpFingerprints", GENERIC_LIST, &S1_87),
    list("userFingerprints", GENERIC_LIST, &S1_87),
    list("scanFingerprints", GENERIC_LIST, &S1_87),
    list("applicationFingerprints", GENERIC_LIST, &S1_87),
    list("conflictFingerprints", GENERIC_LIST, &S1_87),
    list("tcpServices", LIST, &S1_90),
    list("udpServices", LIST, &S1_90),
    list("networkProtocols", LIST, &S1_4),
    list("transportProtocols", LIST, &S1_4),
    list("macAddresses", LIST, &S1_95),
    f("lastSeen", Ty::U32),
    f("hostType", Ty::U32),
    f("criticality", Ty::U16),
    f("vlanId", Ty::U16),
    f("vlanType", Ty::U8),
    f("vlanPriority", Ty::U8),
    list("clientApplications", GENERIC_LIST, &S1_42),
    f("netbiosName", Ty::Block(&S1_0)),
    f("notes", Ty::Block(&S1_0)),
    list("vulnerabilities", GENERIC_LIST, &S1_85),
    list("scanVulnerabilities", GENERIC_LIST, &S1_85),
    list("scanOriginalVulnerabilities", GENERIC_LIST, &S1_85),
    list("attributes", LIST, &S1_48),
];

/// Every host-profile answer block defined here (the reused S1 0/4/10/85/95 are in
/// [`super::blocks::ALL`]).
pub static ALL: &[&BlockDef] = &[&S1_42, &S1_48, &S1_51, &S1_87, &S1_88, &S1_90, &S1_92];
