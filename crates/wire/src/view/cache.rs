//! The metadata cache: names learned from metadata records (RECORDS.md §6.11, §7.4), with the
//! built-in tables of §7.5 as fallbacks, and its persistence.

use super::tables::{self, find};
use crate::value::{data_text, hex, parse_uuid, unhex, write_json_str, Obj, Value};
use crate::WireError;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// A small, fast, non-cryptographic hasher for fixed-size keys (FxHash-style).
#[derive(Default, Clone, Copy)]
struct Fx(u64);

impl Fx {
    #[inline]
    fn add(&mut self, x: u64) {
        self.0 = (self.0.rotate_left(5) ^ x).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl Hasher for Fx {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.add(u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut a = [0u8; 8];
            a[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(a) ^ ((rest.len() as u64) << 59));
        }
    }
    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(i.into());
    }
    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.add(i.into());
    }
    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }
    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }
    #[inline]
    fn finish(&self) -> u64 {
        // Spread the well-mixed high bits into the low bits used for bucket selection.
        self.0.rotate_left(26)
    }
}

/// HashMap with the [`Fx`] hasher.
type FxMap<K, V> = HashMap<K, V, BuildHasherDefault<Fx>>;

macro_rules! tables_enum {
    ($($v:ident = $name:literal,)*) => {
        /// One learned table of the cache.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[repr(u8)]
        pub(crate) enum T {
            $($v,)*
        }
        const T_ALL: &[T] = &[$(T::$v,)*];
        impl T {
            /// Name in the persisted document.
            pub(crate) fn name(self) -> &'static str {
                match self {
                    $(T::$v => $name,)*
                }
            }
            fn from_name(s: &str) -> Option<T> {
                T_ALL.iter().copied().find(|t| t.name() == s)
            }
        }
    };
}

tables_enum! {
    // Keyed by an integer id.
    Priority = "priority",
    ClientApp = "clientApplication",
    NetProto = "networkProtocol",
    Attribute = "attribute",
    SystemUser = "systemUser",
    AppProto = "applicationProtocol",
    RuleMessage = "ruleMessage",
    RuleRendered = "ruleRenderedId",
    ClassName = "classificationName",
    ClassDesc = "classificationDescription",
    CorrPolicy = "correlationPolicy",
    CorrRuleName = "correlationRuleName",
    CorrRuleDesc = "correlationRuleDescription",
    CorrRuleType = "correlationRuleEventType",
    SourceType = "sourceType",
    SourceApp = "sourceApplication",
    SourceDetector = "sourceDetector",
    User = "user",
    WebApp = "webApplication",
    XdataType = "extraDataType",
    RuleAction = "firewallRuleAction",
    UrlCategory = "urlCategory",
    UrlReputation = "urlReputation",
    Device = "device",
    RuleReason = "firewallRuleReason",
    MalwareEventType = "malwareEventType",
    MalwareSubtype = "malwareEventSubtype",
    AmpDetector = "ampDetector",
    AmpFileType = "ampFileType",
    IocCategory = "iocCategory",
    IocEventType = "iocEventType",
    IcmpType = "icmpType",
    IcmpCode = "icmpCode",
    SiSrcDst = "securityIntelligenceSourceDestination",
    Realm = "realm",
    SecurityGroup = "securityGroup",
    DnsRecordName = "dnsRecordName",
    DnsRecordDesc = "dnsRecordDescription",
    DnsResponseName = "dnsResponseName",
    DnsResponseDesc = "dnsResponseDescription",
    NetmapDomain = "netmapDomain",
    FileType = "fileType",
    FileStorage = "fileStorage",
    FileSandbox = "fileSandbox",
    SperoDisposition = "speroDisposition",
    ArchiveStatus = "archiveFileStatus",
    StaticAnalysis = "fileStaticAnalysis",
    Country = "country",
    CipherSuite = "sslCipherSuite",
    SslVersion = "sslVersion",
    SslCertStatus = "sslCertificateStatus",
    SslAction = "sslAction",
    SslFlowStatus = "sslFlowStatus",
    SslUrlCategory = "sslUrlCategory",
    // Keyed by a UUID.
    OsName = "osName",
    OsVendor = "osVendor",
    OsVersion = "osVersion",
    Zone = "securityZone",
    Interface = "interface",
    AcpName = "accessControlPolicyName",
    IpsPolicy = "intrusionPolicy",
    Cloud = "cloud",
    Sinkhole = "sinkhole",
    FilePolicy = "filePolicy",
    Nap = "networkAnalysisPolicy",
    SiGeneral = "securityIntelligenceCategoryGeneral",
    SslPolicy = "sslPolicy",
    SecurityContext = "securityContext",
    AcpAny = "accessControlPolicyAnySensor",
    // Keyed by a UUID and an integer.
    FwRule = "firewallRule",
    AcPolicy = "accessControlPolicy",
    SiCategory = "securityIntelligenceCategory",
    SslRule = "sslRule",
    // Keyed by a SHA-256 (held in the separate SHA map).
    FileSha = "fileSha",
}

/// Key of one cached name: table, integer part, UUID part (zero when unused).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct K {
    t: T,
    n: u64,
    u: [u8; 16],
}

/// Metadata cache: fed by every metadata record, resolves ids and UUIDs in events to names.
///
/// Tables and keys follow RECORDS.md §6.11, with composite keys where a name is only unique
/// within a policy or sensor: firewall rules by (policy UUID, rule id), access-control policies by
/// (sensor id, UUID), Security Intelligence categories by (list id, policy UUID), ICMP types by
/// (protocol, type), rule messages by (generator id, rule id). Unlike eNcore, records 282 and 350
/// are cached (by UUID and by id), and names that eNcore puts in one shared table are kept apart
/// (access-control, intrusion, file and network-analysis policies; file types 131 and 510), so a
/// UUID or id reused across kinds cannot shadow another kind's name. The built-in tables of
/// §7.5 answer when nothing was learned.
#[derive(Debug, Clone, Default)]
pub struct MetadataCache {
    names: FxMap<K, Box<str>>,
    shas: FxMap<[u8; 32], Box<str>>,
}

const FORMAT: &str = "estreamer-metadata-cache";
const VERSION: u64 = 1;

fn u_of(o: &Obj, k: &str) -> Option<u64> {
    o.get_u(k)
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

fn name_of(o: &Obj, k: &str) -> Option<Box<str>> {
    o.get(k).and_then(text_of).map(|b| data_text(b).into_boxed_str())
}

/// 16 bytes of a UUID or 16-byte raw field.
pub(crate) fn bytes16(v: &Value) -> Option<[u8; 16]> {
    match v {
        Value::Uuid(u) => Some(*u),
        Value::Hex(b) | Value::Data(b) => b.as_slice().try_into().ok(),
        _ => None,
    }
}

fn uuid_of(o: &Obj, k: &str) -> Option<[u8; 16]> {
    o.get(k).and_then(bytes16)
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

    fn put(&mut self, t: T, n: u64, u: [u8; 16], v: Box<str>) -> bool {
        let k = K { t, n, u };
        match self.names.get(&k) {
            Some(old) if *old == v => false,
            _ => {
                self.names.insert(k, v);
                true
            }
        }
    }

    fn put_id(&mut self, t: T, n: Option<u64>, v: Option<Box<str>>) -> bool {
        match (n, v) {
            (Some(n), Some(v)) => self.put(t, n, [0; 16], v),
            _ => false,
        }
    }

    fn put_uuid(&mut self, t: T, u: Option<[u8; 16]>, v: Option<Box<str>>) -> bool {
        match (u, v) {
            (Some(u), Some(v)) => self.put(t, 0, u, v),
            _ => false,
        }
    }

    fn put_uuid_id(&mut self, t: T, u: Option<[u8; 16]>, n: Option<u64>, v: Option<Box<str>>) -> bool {
        match (u, n, v) {
            (Some(u), Some(n), Some(v)) => self.put(t, n, u, v),
            _ => false,
        }
    }

    /// Feed any decoded record; metadata records (RECORDS.md §6.11) update the cache. Returns
    /// whether anything changed. Records that are not metadata, or lack the fields, are ignored.
    pub fn learn(&mut self, r: &Obj) -> bool {
        let Some(rt) = r.get_u("recordType") else { return false };
        let id = || u_of(r, "id");
        let name = || name_of(r, "name");
        let id_name = |t: T| (t, id(), name());
        let simple = match rt {
            4 => Some(id_name(T::Priority)),
            55 => Some(id_name(T::ClientApp)),
            59 => Some(id_name(T::NetProto)),
            60 => Some(id_name(T::Attribute)),
            63 => Some(id_name(T::AppProto)),
            90 => Some(id_name(T::SourceType)),
            91 => Some(id_name(T::SourceApp)),
            96 => Some(id_name(T::SourceDetector)),
            109 => Some(id_name(T::WebApp)),
            120 => Some(id_name(T::RuleAction)),
            121 => Some(id_name(T::UrlCategory)),
            122 => Some(id_name(T::UrlReputation)),
            123 => Some(id_name(T::Device)),
            128 => Some(id_name(T::MalwareEventType)),
            129 => Some(id_name(T::MalwareSubtype)),
            130 => Some(id_name(T::AmpDetector)),
            131 => Some(id_name(T::AmpFileType)),
            281 => Some(id_name(T::SiSrcDst)),
            300 => Some(id_name(T::Realm)),
            302 => Some(id_name(T::SecurityGroup)),
            350 => Some(id_name(T::NetmapDomain)),
            510 => Some(id_name(T::FileType)),
            515 => Some(id_name(T::FileStorage)),
            516 => Some(id_name(T::FileSandbox)),
            517 => Some(id_name(T::SperoDisposition)),
            518 => Some(id_name(T::ArchiveStatus)),
            519 => Some(id_name(T::StaticAnalysis)),
            602 => Some(id_name(T::CipherSuite)),
            604 => Some(id_name(T::SslVersion)),
            605 => Some(id_name(T::SslCertStatus)),
            606 | 607 => Some(id_name(T::SslAction)),
            608 => Some(id_name(T::SslFlowStatus)),
            613 => Some(id_name(T::SslUrlCategory)),
            69 => Some(id_name(T::CorrPolicy)),
            124 => Some((T::RuleReason, id(), name_of(r, "description"))),
            62 => Some((T::SystemUser, id(), name_of(r, "username"))),
            98 => Some((T::User, id(), name_of(r, "username"))),
            111 => Some((T::XdataType, u_of(r, "type"), name())),
            520 => Some((T::Country, u_of(r, "countryCode"), name_of(r, "country"))),
            _ => None,
        };
        if let Some((t, n, v)) = simple {
            return self.put_id(t, n, v);
        }
        let uuid = || uuid_of(r, "uuid");
        match rt {
            115 => self.put_uuid(T::Zone, uuid(), name()),
            116 => self.put_uuid(T::Interface, uuid(), name()),
            117 => self.put_uuid(T::AcpName, uuid(), name()),
            118 => self.put_uuid(T::IpsPolicy, uuid(), name()),
            127 => self.put_uuid(T::Cloud, uuid(), name()),
            132 => self.put_uuid(T::SecurityContext, uuid(), name()),
            282 => self.put_uuid(T::SiGeneral, uuid(), name()),
            322 => self.put_uuid(T::Sinkhole, uuid(), name()),
            530 => self.put_uuid(T::FilePolicy, uuid(), name()),
            600 => self.put_uuid(T::SslPolicy, uuid(), name()),
            700 => self.put_uuid(T::Nap, uuid(), name()),
            54 => {
                let u = uuid();
                let a = self.put_uuid(T::OsName, u, name());
                let b = self.put_uuid(T::OsVendor, u, name_of(r, "vendor"));
                let c = self.put_uuid(T::OsVersion, u, name_of(r, "version"));
                a | b | c
            }
            66 => {
                let (Some(gid), Some(sid)) = (u_of(r, "generatorId"), u_of(r, "ruleId")) else { return false };
                let n = rule_key(gid, sid);
                let a = self.put_id(T::RuleMessage, Some(n), name_of(r, "message"));
                let rendered = u_of(r, "signatureId").map(|s| s.to_string().into_boxed_str());
                let b = self.put_id(T::RuleRendered, Some(n), rendered);
                a | b
            }
            67 => {
                let a = self.put_id(T::ClassName, id(), name());
                let b = self.put_id(T::ClassDesc, id(), name_of(r, "description"));
                a | b
            }
            70 => {
                let a = self.put_id(T::CorrRuleName, id(), name());
                let b = self.put_id(T::CorrRuleDesc, id(), name_of(r, "description"));
                let c = self.put_id(T::CorrRuleType, id(), name_of(r, "eventType"));
                a | b | c
            }
            119 => self.put_uuid_id(T::FwRule, uuid(), id(), name()),
            145..=147 => {
                let (u, s, v) = (uuid(), u_of(r, "sensorId"), name());
                let a = self.put_uuid_id(T::AcPolicy, u, s, v.clone());
                let b = self.put_uuid(T::AcpAny, u, v);
                a | b
            }
            161 => {
                let a = self.put_id(T::IocCategory, id(), name_of(r, "category"));
                let b = self.put_id(T::IocEventType, id(), name_of(r, "eventType"));
                a | b
            }
            260 => {
                let n = match (u_of(r, "protocol"), u_of(r, "type")) {
                    (Some(p), Some(t)) => Some(icmp_type_key(p, t)),
                    _ => None,
                };
                self.put_id(T::IcmpType, n, name_of(r, "description"))
            }
            270 => {
                let n = match (u_of(r, "protocol"), u_of(r, "type"), u_of(r, "code")) {
                    (Some(p), Some(t), Some(c)) => Some(icmp_code_key(p, t, c)),
                    _ => None,
                };
                self.put_id(T::IcmpCode, n, name_of(r, "description"))
            }
            280 => self.put_uuid_id(T::SiCategory, uuid_of(r, "accessControlPolicyUuid"), id(), name()),
            601 => self.put_uuid_id(T::SslRule, uuid_of(r, "revision"), id(), name()),
            320 | 321 => {
                let (tn, td) = if rt == 320 {
                    (T::DnsRecordName, T::DnsRecordDesc)
                } else {
                    (T::DnsResponseName, T::DnsResponseDesc)
                };
                let a = self.put_id(tn, id(), name());
                let b = self.put_id(td, id(), name_of(r, "description"));
                a | b
            }
            511 => {
                let sha: Option<[u8; 32]> = match r.get("shaHash") {
                    Some(Value::Hex(b) | Value::Data(b)) => b.as_slice().try_into().ok(),
                    _ => None,
                };
                match (sha, name_of(r, "fileName")) {
                    (Some(s), Some(v)) => match self.shas.get(&s) {
                        Some(old) if *old == v => false,
                        _ => {
                            self.shas.insert(s, v);
                            true
                        }
                    },
                    _ => false,
                }
            }
            _ => false,
        }
    }

    /// Name for an integer id: learned, else built-in.
    pub(crate) fn id(&self, t: T, n: u64) -> Option<&str> {
        if let Some(v) = self.names.get(&K { t, n, u: [0; 16] }) {
            return Some(v);
        }
        find(builtin(t), n)
    }

    /// Learned name only (no built-in fallback).
    pub(crate) fn learned(&self, t: T, n: u64) -> Option<&str> {
        self.names.get(&K { t, n, u: [0; 16] }).map(|v| &**v)
    }

    /// Name for a UUID: learned, else built-in (all-zero UUID).
    pub(crate) fn uuid(&self, t: T, u: &[u8; 16]) -> Option<&str> {
        if let Some(v) = self.names.get(&K { t, n: 0, u: *u }) {
            return Some(v);
        }
        if *u == [0; 16] {
            return match t {
                T::Zone | T::Interface | T::Cloud => Some(tables::ZERO_UUID_NA),
                T::OsName | T::OsVendor | T::OsVersion => Some(tables::ZERO_UUID_OS),
                _ => None,
            };
        }
        None
    }

    /// Name for a (UUID, integer) pair.
    pub(crate) fn uuid_id(&self, t: T, u: &[u8; 16], n: u64) -> Option<&str> {
        self.names.get(&K { t, n, u: *u }).map(|v| &**v)
    }

    /// Threat / file name for a SHA-256.
    pub(crate) fn sha(&self, s: &[u8; 32]) -> Option<&str> {
        match self.shas.get(s) {
            Some(v) => Some(v),
            None if *s == [0; 32] => Some(tables::ZERO_SHA),
            None => None,
        }
    }

    /// Persist as a versioned JSON document (entries sorted, so equal caches give equal bytes).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut keys: Vec<&K> = self.names.keys().collect();
        keys.sort_unstable();
        let mut shas: Vec<&[u8; 32]> = self.shas.keys().collect();
        shas.sort_unstable();
        let mut out = String::with_capacity(64 + 64 * (keys.len() + shas.len()));
        out.push_str("{\"format\":");
        write_json_str(&mut out, FORMAT);
        out.push_str(&format!(",\"version\":{VERSION},\"entries\":["));
        let mut first = true;
        for k in keys {
            if !first {
                out.push(',');
            }
            first = false;
            out.push('[');
            write_json_str(&mut out, k.t.name());
            out.push_str(&format!(",{},", k.n));
            if k.u == [0; 16] && !is_uuid_table(k.t) {
                out.push_str("null");
            } else {
                write_json_str(&mut out, &crate::value::uuid_text(&k.u));
            }
            out.push(',');
            write_json_str(&mut out, &self.names[k]);
            out.push(']');
        }
        for s in shas {
            if !first {
                out.push(',');
            }
            first = false;
            out.push('[');
            write_json_str(&mut out, T::FileSha.name());
            out.push_str(",0,");
            write_json_str(&mut out, &hex(s));
            out.push(',');
            write_json_str(&mut out, &self.shas[s]);
            out.push(']');
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
            let t = T::from_name(tname).ok_or_else(|| bad(&format!("unknown table {tname:?}")))?;
            let n = a[1].as_u64().ok_or_else(|| bad("id is not an unsigned integer"))?;
            let v = a[3].as_str().ok_or_else(|| bad("value is not a string"))?;
            if t == T::FileSha {
                let s: [u8; 32] = a[2]
                    .as_str()
                    .and_then(unhex)
                    .and_then(|b| b.try_into().ok())
                    .ok_or_else(|| bad("SHA-256 is not 64 hex digits"))?;
                c.shas.insert(s, v.into());
                continue;
            }
            let u = match &a[2] {
                serde_json::Value::Null => [0; 16],
                serde_json::Value::String(s) => parse_uuid(s).ok_or_else(|| bad("bad UUID"))?,
                _ => return Err(bad("UUID is neither null nor a string")),
            };
            c.names.insert(K { t, n, u }, v.into());
        }
        Ok(c)
    }
}

fn is_uuid_table(t: T) -> bool {
    t >= T::OsName
}

/// Key of a rule message: (generator id, rule id).
pub(crate) fn rule_key(gid: u64, sid: u64) -> u64 {
    ((gid & 0xffff_ffff) << 32) | (sid & 0xffff_ffff)
}

/// Key of an ICMP type: (protocol, type).
pub(crate) fn icmp_type_key(protocol: u64, ty: u64) -> u64 {
    ((protocol & 0xffff) << 16) | (ty & 0xffff)
}

/// Key of an ICMP code: (protocol, type, code).
pub(crate) fn icmp_code_key(protocol: u64, ty: u64, code: u64) -> u64 {
    ((protocol & 0xffff) << 32) | ((ty & 0xffff) << 16) | (code & 0xffff)
}

/// Built-in fallback table of an id-keyed cache table (RECORDS.md §7.5).
fn builtin(t: T) -> &'static [(u64, &'static str)] {
    use tables::*;
    match t {
        T::Device => DEVICES,
        T::User
        | T::AppProto
        | T::ClientApp
        | T::SourceApp
        | T::WebApp
        | T::UrlCategory
        | T::UrlReputation
        | T::SourceDetector
        | T::FileType
        | T::AmpFileType => UNKNOWN_ZERO,
        T::MalwareEventType => AMP_EVENT_TYPES,
        T::MalwareSubtype => AMP_SUBTYPES,
        T::Country => COUNTRIES,
        T::SourceType | T::AmpDetector => RNA_ZERO,
        T::SiSrcDst => SI_SRC_DEST,
        T::RuleReason => RULE_REASONS,
        T::FileStorage => FILE_STORAGE,
        T::FileSandbox => FILE_SANDBOX,
        T::SperoDisposition => DISPOSITIONS,
        T::ArchiveStatus => ARCHIVE_STATUS,
        T::SslAction => SSL_ACTIONS,
        T::SslFlowStatus => SSL_FLOW_STATUS,
        T::SslCertStatus => SSL_CERT_STATUS,
        T::XdataType => XFF_TYPES,
        _ => &[],
    }
}
