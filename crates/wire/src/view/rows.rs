//! What the metadata cache holds and learns, as rows (RECORDS.md §6.11, §7.4, §7.5).
//!
//! * [`CACHE_TABLES`]: one row per [`CacheTable`]: its name in the persisted document, how it is
//!   keyed ([`KeyKind`]) and the built-in names it falls back to.
//! * [`LEARN`]: what each metadata record teaches the cache: (record types, table, key fields,
//!   value field). A record type can have several rows (one per table it fills).
//! * [`UNLEARNED`]: metadata records that no computed key reads (they teach nothing).
//!
//! The rules that read the cache for `@computed` are rows too (`rules.rs`); `missing_rows`
//! checks that every metadata record and every table has its rows.

use super::tables::*;

macro_rules! cache_tables {
    ($($(#[$doc:meta])* $table:ident,)*) => {
        /// One table of the metadata cache. Persisted entries are sorted by table in this order.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum CacheTable {
            $($(#[$doc])* $table,)*
        }

        impl CacheTable {
            /// Every table, in declaration order.
            pub const ALL: &'static [CacheTable] = &[$(CacheTable::$table,)*];
        }
    };
}

cache_tables! {
    /// Priority names (record 4).
    Priority,
    /// Client application names (55).
    ClientApplication,
    /// Network protocol names (59).
    NetworkProtocol,
    /// Host attribute names (60).
    Attribute,
    /// System user names (62).
    SystemUser,
    /// Application protocol names (63).
    ApplicationProtocol,
    /// Rule messages by (generator id, rule id) (66).
    RuleMessage,
    /// Rendered signature ids by (generator id, rule id) (66).
    RuleRenderedId,
    /// Classification names (67).
    ClassificationName,
    /// Classification descriptions (67).
    ClassificationDescription,
    /// Correlation policy names (69).
    CorrelationPolicy,
    /// Correlation rule names (70).
    CorrelationRuleName,
    /// Correlation rule descriptions (70).
    CorrelationRuleDescription,
    /// Correlation rule event types (70).
    CorrelationRuleEventType,
    /// Discovery source types (90).
    SourceType,
    /// Discovery source applications (91).
    SourceApplication,
    /// Discovery source detectors (96).
    SourceDetector,
    /// User names (98).
    User,
    /// Web application names (109).
    WebApplication,
    /// Extra data types (111).
    ExtraDataType,
    /// Firewall rule actions (120).
    FirewallRuleAction,
    /// URL categories (121).
    UrlCategory,
    /// URL reputations (122).
    UrlReputation,
    /// Device (sensor) names (123).
    Device,
    /// Firewall rule reasons, one bit each (124).
    FirewallRuleReason,
    /// Malware event types (128).
    MalwareEventType,
    /// Malware event subtypes (129).
    MalwareEventSubtype,
    /// AMP detector types (130).
    AmpDetector,
    /// AMP file types (131).
    AmpFileType,
    /// IOC categories (161).
    IocCategory,
    /// IOC event types (161).
    IocEventType,
    /// ICMP types by (protocol, type) (260).
    IcmpType,
    /// ICMP codes by (protocol, type, code) (270).
    IcmpCode,
    /// Security Intelligence source/destination (281).
    SecurityIntelligenceSourceDestination,
    /// Realms (300).
    Realm,
    /// Security groups (302).
    SecurityGroup,
    /// DNS record type names (320).
    DnsRecordName,
    /// DNS record type descriptions (320).
    DnsRecordDescription,
    /// DNS response type names (321).
    DnsResponseName,
    /// DNS response type descriptions (321).
    DnsResponseDescription,
    /// Network-map domains (350).
    NetmapDomain,
    /// File types (510).
    FileType,
    /// File storage statuses (515).
    FileStorage,
    /// File sandbox statuses (516).
    FileSandbox,
    /// Spero dispositions (517).
    SperoDisposition,
    /// Archive file statuses (518).
    ArchiveFileStatus,
    /// File static-analysis statuses (519).
    FileStaticAnalysis,
    /// Countries by code (520).
    Country,
    /// SSL cipher suites (602).
    SslCipherSuite,
    /// SSL versions (604).
    SslVersion,
    /// SSL certificate statuses, one bit each (605).
    SslCertificateStatus,
    /// SSL actions (606, 607).
    SslAction,
    /// SSL flow statuses (608).
    SslFlowStatus,
    /// SSL URL categories (613).
    SslUrlCategory,
    /// OS names by fingerprint UUID (54).
    OsName,
    /// OS vendors by fingerprint UUID (54).
    OsVendor,
    /// OS versions by fingerprint UUID (54).
    OsVersion,
    /// Security zones (115).
    SecurityZone,
    /// Interfaces (116).
    Interface,
    /// Access-control policy names (117).
    AccessControlPolicyName,
    /// Intrusion policies (118).
    IntrusionPolicy,
    /// AMP clouds (127).
    Cloud,
    /// Sinkholes (322).
    Sinkhole,
    /// File policies (530).
    FilePolicy,
    /// Network analysis policies (700).
    NetworkAnalysisPolicy,
    /// Security Intelligence categories by UUID alone (282).
    SecurityIntelligenceCategoryGeneral,
    /// SSL policies (600).
    SslPolicy,
    /// Security contexts (132).
    SecurityContext,
    /// Access-control policies by UUID from any sensor (145–147).
    AccessControlPolicyAnySensor,
    /// Firewall rules by (policy UUID, rule id) (119).
    FirewallRule,
    /// Access-control policies by (UUID, sensor id) (145–147).
    AccessControlPolicy,
    /// Security Intelligence categories by (policy UUID, list id) (280).
    SecurityIntelligenceCategory,
    /// SSL rules by (revision UUID, rule id) (601).
    SslRule,
    /// Threat / file names by SHA-256 (511).
    FileSha,
}

/// How a cache table is keyed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    /// One integer.
    Id,
    /// Several integers packed into one, the first highest, each cut to its bit width (e.g. rule
    /// messages by (generator id, rule id): `&[32, 32]`).
    Ids(&'static [u32]),
    /// A UUID.
    Uuid,
    /// A UUID, then an integer.
    UuidAndId,
    /// A SHA-256.
    Sha256,
}

impl KeyKind {
    /// Number of fields a key of this kind is made of.
    pub fn arity(self) -> usize {
        match self {
            KeyKind::Id | KeyKind::Uuid | KeyKind::Sha256 => 1,
            KeyKind::Ids(widths) => widths.len(),
            KeyKind::UuidAndId => 2,
        }
    }

    /// Whether the key holds a UUID (persisted as text; `null` otherwise).
    pub fn has_uuid(self) -> bool {
        matches!(self, KeyKind::Uuid | KeyKind::UuidAndId)
    }
}

/// One cache table: persisted name, key kind and built-in fallbacks.
#[derive(Debug, Clone, Copy)]
pub struct TableRow {
    /// The table.
    pub table: CacheTable,
    /// Its name in the persisted document.
    pub name: &'static str,
    /// How it is keyed.
    pub key: KeyKind,
    /// Built-in names of integer keys answered when nothing was learned (RECORDS.md §7.5).
    pub builtin: &'static [(u64, &'static str)],
    /// Built-in name of the all-zero UUID or SHA-256.
    pub zero: Option<&'static str>,
}

const fn by_id(table: CacheTable, name: &'static str, builtin: &'static [(u64, &'static str)]) -> TableRow {
    TableRow { table, name, key: KeyKind::Id, builtin, zero: None }
}

const fn by_ids(table: CacheTable, name: &'static str, widths: &'static [u32]) -> TableRow {
    TableRow { table, name, key: KeyKind::Ids(widths), builtin: &[], zero: None }
}

const fn by_uuid(table: CacheTable, name: &'static str, zero: Option<&'static str>) -> TableRow {
    TableRow { table, name, key: KeyKind::Uuid, builtin: &[], zero }
}

const fn by_uuid_and_id(table: CacheTable, name: &'static str) -> TableRow {
    TableRow { table, name, key: KeyKind::UuidAndId, builtin: &[], zero: None }
}

use CacheTable::*;

/// Every cache table's row.
pub const CACHE_TABLES: &[TableRow] = &[
    by_id(Priority, "priority", &[]),
    by_id(ClientApplication, "clientApplication", UNKNOWN_ZERO),
    by_id(NetworkProtocol, "networkProtocol", &[]),
    by_id(Attribute, "attribute", &[]),
    by_id(SystemUser, "systemUser", &[]),
    by_id(ApplicationProtocol, "applicationProtocol", UNKNOWN_ZERO),
    by_ids(RuleMessage, "ruleMessage", &[32, 32]),
    by_ids(RuleRenderedId, "ruleRenderedId", &[32, 32]),
    by_id(ClassificationName, "classificationName", &[]),
    by_id(ClassificationDescription, "classificationDescription", &[]),
    by_id(CorrelationPolicy, "correlationPolicy", &[]),
    by_id(CorrelationRuleName, "correlationRuleName", &[]),
    by_id(CorrelationRuleDescription, "correlationRuleDescription", &[]),
    by_id(CorrelationRuleEventType, "correlationRuleEventType", &[]),
    by_id(SourceType, "sourceType", RNA_ZERO),
    by_id(SourceApplication, "sourceApplication", UNKNOWN_ZERO),
    by_id(SourceDetector, "sourceDetector", UNKNOWN_ZERO),
    by_id(User, "user", UNKNOWN_ZERO),
    by_id(WebApplication, "webApplication", UNKNOWN_ZERO),
    by_id(ExtraDataType, "extraDataType", XFF_TYPES),
    by_id(FirewallRuleAction, "firewallRuleAction", &[]),
    by_id(UrlCategory, "urlCategory", UNKNOWN_ZERO),
    by_id(UrlReputation, "urlReputation", UNKNOWN_ZERO),
    by_id(Device, "device", DEVICES),
    by_id(FirewallRuleReason, "firewallRuleReason", RULE_REASONS),
    by_id(MalwareEventType, "malwareEventType", AMP_EVENT_TYPES),
    by_id(MalwareEventSubtype, "malwareEventSubtype", AMP_SUBTYPES),
    by_id(AmpDetector, "ampDetector", RNA_ZERO),
    by_id(AmpFileType, "ampFileType", UNKNOWN_ZERO),
    by_id(IocCategory, "iocCategory", &[]),
    by_id(IocEventType, "iocEventType", &[]),
    by_ids(IcmpType, "icmpType", &[16, 16]),
    by_ids(IcmpCode, "icmpCode", &[16, 16, 16]),
    by_id(SecurityIntelligenceSourceDestination, "securityIntelligenceSourceDestination", SI_SRC_DEST),
    by_id(Realm, "realm", &[]),
    by_id(SecurityGroup, "securityGroup", &[]),
    by_id(DnsRecordName, "dnsRecordName", &[]),
    by_id(DnsRecordDescription, "dnsRecordDescription", &[]),
    by_id(DnsResponseName, "dnsResponseName", &[]),
    by_id(DnsResponseDescription, "dnsResponseDescription", &[]),
    by_id(NetmapDomain, "netmapDomain", &[]),
    by_id(FileType, "fileType", UNKNOWN_ZERO),
    by_id(FileStorage, "fileStorage", FILE_STORAGE),
    by_id(FileSandbox, "fileSandbox", FILE_SANDBOX),
    by_id(SperoDisposition, "speroDisposition", DISPOSITIONS),
    by_id(ArchiveFileStatus, "archiveFileStatus", ARCHIVE_STATUS),
    by_id(FileStaticAnalysis, "fileStaticAnalysis", &[]),
    by_id(Country, "country", COUNTRIES),
    by_id(SslCipherSuite, "sslCipherSuite", &[]),
    by_id(SslVersion, "sslVersion", &[]),
    by_id(SslCertificateStatus, "sslCertificateStatus", SSL_CERT_STATUS),
    by_id(SslAction, "sslAction", SSL_ACTIONS),
    by_id(SslFlowStatus, "sslFlowStatus", SSL_FLOW_STATUS),
    by_id(SslUrlCategory, "sslUrlCategory", &[]),
    by_uuid(OsName, "osName", Some(ZERO_UUID_OS)),
    by_uuid(OsVendor, "osVendor", Some(ZERO_UUID_OS)),
    by_uuid(OsVersion, "osVersion", Some(ZERO_UUID_OS)),
    by_uuid(SecurityZone, "securityZone", Some(ZERO_UUID_NA)),
    by_uuid(Interface, "interface", Some(ZERO_UUID_NA)),
    by_uuid(AccessControlPolicyName, "accessControlPolicyName", None),
    by_uuid(IntrusionPolicy, "intrusionPolicy", None),
    by_uuid(Cloud, "cloud", Some(ZERO_UUID_NA)),
    by_uuid(Sinkhole, "sinkhole", None),
    by_uuid(FilePolicy, "filePolicy", None),
    by_uuid(NetworkAnalysisPolicy, "networkAnalysisPolicy", None),
    by_uuid(SecurityIntelligenceCategoryGeneral, "securityIntelligenceCategoryGeneral", None),
    by_uuid(SslPolicy, "sslPolicy", None),
    by_uuid(SecurityContext, "securityContext", None),
    by_uuid(AccessControlPolicyAnySensor, "accessControlPolicyAnySensor", None),
    by_uuid_and_id(FirewallRule, "firewallRule"),
    by_uuid_and_id(AccessControlPolicy, "accessControlPolicy"),
    by_uuid_and_id(SecurityIntelligenceCategory, "securityIntelligenceCategory"),
    by_uuid_and_id(SslRule, "sslRule"),
    TableRow { table: FileSha, name: "fileSha", key: KeyKind::Sha256, builtin: &[], zero: Some(ZERO_SHA) },
];

/// The value a metadata record teaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LearnValue {
    /// The text of this field (a text field or a String block).
    Text(&'static str),
    /// This integer field, as decimal text.
    Number(&'static str),
}

/// One thing a metadata record teaches: for these record types, the entry of `table` keyed by
/// the `key` fields (as many as the table's [`KeyKind`] needs, in its order) gets `value`.
/// A record lacking a key or value field teaches nothing through this row.
#[derive(Debug, Clone, Copy)]
pub struct LearnRow {
    /// Record types.
    pub records: &'static [u32],
    /// Table filled.
    pub table: CacheTable,
    /// Key fields.
    pub key: &'static [&'static str],
    /// Value.
    pub value: LearnValue,
}

const fn learn(
    records: &'static [u32],
    table: CacheTable,
    key: &'static [&'static str],
    value: &'static str,
) -> LearnRow {
    LearnRow { records, table, key, value: LearnValue::Text(value) }
}

const ID: &[&str] = &["id"];
const UUID: &[&str] = &["uuid"];

/// What each metadata record teaches the cache (RECORDS.md §6.11). Unlike eNcore, records 282
/// and 350 are cached, and names eNcore keeps in one shared table are kept apart.
pub const LEARN: &[LearnRow] = &[
    learn(&[4], Priority, ID, "name"),
    learn(&[54], OsName, UUID, "name"),
    learn(&[54], OsVendor, UUID, "vendor"),
    learn(&[54], OsVersion, UUID, "version"),
    learn(&[55], ClientApplication, ID, "name"),
    learn(&[59], NetworkProtocol, ID, "name"),
    learn(&[60], Attribute, ID, "name"),
    learn(&[62], SystemUser, ID, "username"),
    learn(&[63], ApplicationProtocol, ID, "name"),
    learn(&[66], RuleMessage, &["generatorId", "ruleId"], "message"),
    LearnRow {
        records: &[66],
        table: RuleRenderedId,
        key: &["generatorId", "ruleId"],
        value: LearnValue::Number("signatureId"),
    },
    learn(&[67], ClassificationName, ID, "name"),
    learn(&[67], ClassificationDescription, ID, "description"),
    learn(&[69], CorrelationPolicy, ID, "name"),
    learn(&[70], CorrelationRuleName, ID, "name"),
    learn(&[70], CorrelationRuleDescription, ID, "description"),
    learn(&[70], CorrelationRuleEventType, ID, "eventType"),
    learn(&[90], SourceType, ID, "name"),
    learn(&[91], SourceApplication, ID, "name"),
    learn(&[96], SourceDetector, ID, "name"),
    learn(&[98], User, ID, "username"),
    learn(&[109], WebApplication, ID, "name"),
    learn(&[111], ExtraDataType, &["type"], "name"),
    learn(&[115], SecurityZone, UUID, "name"),
    learn(&[116], Interface, UUID, "name"),
    learn(&[117], AccessControlPolicyName, UUID, "name"),
    learn(&[118], IntrusionPolicy, UUID, "name"),
    learn(&[119], FirewallRule, &["uuid", "id"], "name"),
    learn(&[120], FirewallRuleAction, ID, "name"),
    learn(&[121], UrlCategory, ID, "name"),
    learn(&[122], UrlReputation, ID, "name"),
    learn(&[123], Device, ID, "name"),
    learn(&[124], FirewallRuleReason, ID, "description"),
    learn(&[127], Cloud, UUID, "name"),
    learn(&[128], MalwareEventType, ID, "name"),
    learn(&[129], MalwareEventSubtype, ID, "name"),
    learn(&[130], AmpDetector, ID, "name"),
    learn(&[131], AmpFileType, ID, "name"),
    learn(&[132], SecurityContext, UUID, "name"),
    learn(&[145, 146, 147], AccessControlPolicy, &["uuid", "sensorId"], "name"),
    learn(&[145, 146, 147], AccessControlPolicyAnySensor, UUID, "name"),
    learn(&[161], IocCategory, ID, "category"),
    learn(&[161], IocEventType, ID, "eventType"),
    learn(&[260], IcmpType, &["protocol", "type"], "description"),
    learn(&[270], IcmpCode, &["protocol", "type", "code"], "description"),
    learn(&[280], SecurityIntelligenceCategory, &["accessControlPolicyUuid", "id"], "name"),
    learn(&[281], SecurityIntelligenceSourceDestination, ID, "name"),
    learn(&[282], SecurityIntelligenceCategoryGeneral, UUID, "name"),
    learn(&[300], Realm, ID, "name"),
    learn(&[302], SecurityGroup, ID, "name"),
    learn(&[320], DnsRecordName, ID, "name"),
    learn(&[320], DnsRecordDescription, ID, "description"),
    learn(&[321], DnsResponseName, ID, "name"),
    learn(&[321], DnsResponseDescription, ID, "description"),
    learn(&[322], Sinkhole, UUID, "name"),
    learn(&[350], NetmapDomain, ID, "name"),
    learn(&[510], FileType, ID, "name"),
    learn(&[511], FileSha, &["shaHash"], "fileName"),
    learn(&[515], FileStorage, ID, "name"),
    learn(&[516], FileSandbox, ID, "name"),
    learn(&[517], SperoDisposition, ID, "name"),
    learn(&[518], ArchiveFileStatus, ID, "name"),
    learn(&[519], FileStaticAnalysis, ID, "name"),
    learn(&[520], Country, &["countryCode"], "country"),
    learn(&[530], FilePolicy, UUID, "name"),
    learn(&[600], SslPolicy, UUID, "name"),
    learn(&[601], SslRule, &["revision", "id"], "name"),
    learn(&[602], SslCipherSuite, ID, "name"),
    learn(&[604], SslVersion, ID, "name"),
    learn(&[605], SslCertificateStatus, ID, "name"),
    learn(&[606, 607], SslAction, ID, "name"),
    learn(&[608], SslFlowStatus, ID, "name"),
    learn(&[613], SslUrlCategory, ID, "name"),
    learn(&[700], NetworkAnalysisPolicy, UUID, "name"),
];

/// Metadata records the cache does not learn from: no computed key reads what they describe
/// (57 vulnerability, 58 criticality, 61 scan type, 106 third-party scanner vulnerability,
/// 140 rule documentation, 301 endpoint profile, 614 SSL certificate details).
pub const UNLEARNED: &[u32] = &[57, 58, 61, 106, 140, 301, 614];
