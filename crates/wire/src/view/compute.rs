//! Building the `@computed` object of one record (RECORDS.md §7.3).
//!
//! The record's top-level entries are indexed once into fixed slots (one hash per entry), so every
//! rule below reads fields in constant time; nested blocks (`client`, `user`, ...) are small and
//! read directly.

use super::cache::{bytes16, rule_key, text_of, MetadataCache, T};
use super::tables::{self, find};
use crate::schema::record_def;
use crate::value::{data_text, unhex, Obj, Value};
use std::sync::OnceLock;

macro_rules! fields {
    ($($f:ident,)*) => {
        /// Top-level record fields the view reads.
        #[allow(non_camel_case_types, clippy::enum_variant_names)]
        #[derive(Clone, Copy)]
        #[repr(u8)]
        enum F {
            $($f,)*
        }
        const FIELD_NAMES: &[&str] = &[$(stringify!($f),)*];
    };
}

fields! {
    recordType, archiveTimestamp, deviceId, sensorId, eventSecond, eventMicrosecond,
    fileEventTimestamp, triggerEventSecond, triggerEventMicrosecond, timestamp,
    malwareEventTimestamp, eventType, eventSubtype, sourceId,
    // intrusion (400), impact (9), packet (2)
    ruleId, generatorId, classificationId, priorityId, ipProtocolId, impactFlags, impact, blocked,
    blockedReasonId, policyUuid, userId, webApplicationId, clientApplicationId, applicationId,
    accessControlRuleId, accessControlPolicyUuid, interfaceIngressUuid, interfaceEgressUuid,
    securityZoneIngressUuid, securityZoneEgressUuid, sourceCountry, destinationCountry, iocNumber,
    sslActualAction, sslFlowStatus, networkAnalysisPolicyUuid, description,
    // discovery payloads
    networkProtocol, transportProtocol, client, osfingerprint, identity, user, userLogin, userLogoff,
    protocol,
    // connection (71)
    ingressZone, egressZone, ingressInterface, egressInterface, policyRevision, ruleAction,
    ruleReason, urlCategory, urlReputation, monitorRule1, monitorRule2, monitorRule3, monitorRule4,
    monitorRule5, monitorRule6, monitorRule7, monitorRule8, securityIntelligenceSourceDestination,
    initiatorCountry, responderCountry, sslCipherSuite, sslVersion, sslServerCertificateStatus,
    sslExpectedAction, sslFlowFlags, sslUrlCategory, dnsRecordType,
    dnsResponseType, sinkholeUuid, securityIntelligenceList1, securityIntelligenceList2,
    // extra data (110)
    r#type, blob,
    // correlation (112)
    policyId, priority, eventDescription, signatureId, signatureGeneratorId, eventImpactFlags,
    ipProtocol, sourceIp, sourceHostType, sourceOperatingSystemFingerprintUuid, sourceCriticality,
    sourceUserId, sourceServerId, destinationIp, destinationHostType,
    destinationOperatingSystemFingerprintUuid, destinationCriticality, destinationUserId,
    destinationServerId, ingressIntefaceUuid, egressIntefaceUuid, ingressZoneUuid, egressZoneUuid,
    sourceIpv6Address, destinationIpv6Address, securityIntelligenceUuid,
    // metadata 119 / 280
    uuid,
    // malware (125) and file (500/502, 511)
    cloudUuid, eventTypeId, eventSubtypeId, detectorId, detectionName, fileShaHash, fileType,
    parentShaHash, disposition, retroDisposition, action, speroDisposition, fileStorageStatus,
    fileAnalysisStatus, localMalwareAnalysisStatus, archiveFileStatus, shaHash, fileTypeId,
}

const NF: usize = FIELD_NAMES.len();

/// Open-addressing index from field name to slot, with a cheap hash of the length and the first
/// and last eight bytes (every lookup is confirmed by comparing the name).
struct SlotIndex {
    table: [u8; SLOT_TABLE],
}

const SLOT_TABLE: usize = 1024;
const EMPTY: u8 = u8::MAX;

#[inline]
fn name_hash(s: &[u8]) -> usize {
    let load = |b: &[u8]| {
        let mut a = [0u8; 8];
        a[..b.len()].copy_from_slice(b);
        u64::from_le_bytes(a)
    };
    let n = s.len();
    let (head, tail) = if n >= 8 { (load(&s[..8]), load(&s[n - 8..])) } else { (load(s), 0) };
    let h = (head ^ tail.rotate_left(29) ^ n as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    (h >> 54) as usize // 10 bits
}

impl SlotIndex {
    fn build() -> Self {
        assert!(NF < EMPTY as usize);
        let mut table = [EMPTY; SLOT_TABLE];
        for (i, name) in FIELD_NAMES.iter().enumerate() {
            let mut h = name_hash(field_name(name).as_bytes());
            while table[h] != EMPTY {
                h = (h + 1) % SLOT_TABLE;
            }
            table[h] = i as u8;
        }
        SlotIndex { table }
    }

    #[inline]
    fn get(&self, key: &str) -> Option<usize> {
        let mut h = name_hash(key.as_bytes());
        loop {
            let i = self.table[h];
            if i == EMPTY {
                return None;
            }
            if field_name(FIELD_NAMES[i as usize]) == key {
                return Some(i as usize);
            }
            h = (h + 1) % SLOT_TABLE;
        }
    }
}

/// Record key of a field identifier (`r#type` → `type`).
fn field_name(ident: &'static str) -> &'static str {
    ident.strip_prefix("r#").unwrap_or(ident)
}

fn slot_index() -> &'static SlotIndex {
    static IDX: OnceLock<SlotIndex> = OnceLock::new();
    IDX.get_or_init(SlotIndex::build)
}

/// A record's top-level fields by slot.
struct Rec<'a> {
    s: [Option<&'a Value>; NF],
}

impl<'a> Rec<'a> {
    fn new(o: &'a Obj) -> Self {
        let idx = slot_index();
        let mut s = [None; NF];
        for e in &o.0 {
            if let Some(i) = idx.get(e.key) {
                // First occurrence wins (keys are unique in decoded records).
                let slot = &mut s[i];
                if slot.is_none() {
                    *slot = Some(&e.value);
                }
            }
        }
        Rec { s }
    }
    fn v(&self, f: F) -> Option<&'a Value> {
        self.s[f as usize]
    }
    fn u(&self, f: F) -> Option<u64> {
        match self.v(f) {
            Some(Value::U(n)) => Some(*n),
            _ => None,
        }
    }
    fn id16(&self, f: F) -> Option<[u8; 16]> {
        self.v(f).and_then(bytes16)
    }
    fn text(&self, f: F) -> Option<&'a [u8]> {
        self.v(f).and_then(text_of)
    }
    fn obj(&self, f: F) -> Option<&'a Obj> {
        self.v(f).and_then(Value::as_obj)
    }
}

/// Event time rule of §7.3 over a field getter: first non-zero of `eventSecond` (+µs),
/// `fileEventTimestamp`, `triggerEventSecond` (+µs), `timestamp`, `malwareEventTimestamp`, then
/// `archiveTimestamp`.
fn time_from(get: impl Fn(F) -> Option<u64>) -> (u32, u32) {
    let nz = |f| get(f).filter(|&n| n != 0);
    let pair = |s: u64, us: Option<u64>| (s as u32, us.unwrap_or(0) as u32);
    if let Some(s) = nz(F::eventSecond) {
        return pair(s, get(F::eventMicrosecond));
    }
    if let Some(s) = nz(F::fileEventTimestamp) {
        return pair(s, None);
    }
    if let Some(s) = nz(F::triggerEventSecond) {
        return pair(s, get(F::triggerEventMicrosecond));
    }
    for f in [F::timestamp, F::malwareEventTimestamp] {
        if let Some(s) = nz(f) {
            return pair(s, None);
        }
    }
    pair(get(F::archiveTimestamp).unwrap_or(0), None)
}

/// [`super::event_time`] on a plain object.
pub(crate) fn event_time_obj(o: &Obj) -> (u32, u32) {
    time_from(|f| o.get_u(field_name(FIELD_NAMES[f as usize])))
}

/// The computed object under construction.
struct Out<'c> {
    o: Obj,
    c: &'c MetadataCache,
}

impl Out<'_> {
    fn s(&mut self, key: &'static str, v: Option<&str>) {
        if let Some(v) = v {
            self.o.push(key, Value::Data(v.as_bytes().to_vec()));
        }
    }
    fn bytes(&mut self, key: &'static str, v: Option<&[u8]>) {
        if let Some(v) = v {
            self.o.push(key, Value::Data(v.to_vec()));
        }
    }
    fn n(&mut self, key: &'static str, v: Option<u64>) {
        if let Some(v) = v {
            self.o.push(key, Value::U(v));
        }
    }
    fn val(&mut self, key: &'static str, v: Option<&Value>) {
        if let Some(v) = v {
            self.o.push(key, v.clone());
        }
    }
    /// Id through a cache table (learned, else built-in).
    fn id(&mut self, key: &'static str, t: T, n: Option<u64>) {
        let c = self.c;
        self.s(key, n.and_then(|n| c.id(t, n)));
    }
    /// UUID through a cache table.
    fn uuid(&mut self, key: &'static str, t: T, u: Option<[u8; 16]>) {
        let c = self.c;
        self.s(key, u.and_then(|u| c.uuid(t, &u)));
    }
    /// Number through a built-in table.
    fn table(&mut self, key: &'static str, table: &'static [(u64, &'static str)], n: Option<u64>) {
        self.s(key, n.and_then(|n| find(table, n)));
    }
    /// A bit set: exact name (learned, else built-in), else the names of every set bit joined by
    /// ", " when each bit has one.
    fn bits(&mut self, key: &'static str, t: Option<T>, table: &'static [(u64, &'static str)], n: Option<u64>) {
        let Some(n) = n else { return };
        let c = self.c;
        let one = |b: u64| t.and_then(|t| c.learned(t, b)).or_else(|| find(table, b));
        if let Some(v) = one(n) {
            return self.s(key, Some(v));
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
        self.o.push(key, Value::Data(parts.join(", ").into_bytes()));
    }
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
    let r = Rec::new(record);
    let mut out = Out { o: Obj(Vec::with_capacity(48)), c: cache };
    let rt = r.u(F::recordType).unwrap_or(0);

    // General keys.
    if let Some(def) = u32::try_from(rt).ok().and_then(record_def) {
        out.s("recordTypeDescription", Some(def.name));
        out.s("recordTypeCategory", Some(def.category));
    }
    let device = r.u(F::deviceId).or_else(|| r.u(F::sensorId));
    out.id("sensor", T::Device, device);
    if let (Some(t), Some(s)) = (r.u(F::eventType), r.u(F::eventSubtype)) {
        let name = tables::RNA_EVENTS.binary_search_by_key(&(t, s), |e| (e.0.into(), e.1.into())).ok();
        out.s("eventDescription", name.map(|i| tables::RNA_EVENTS[i].2));
    }
    out.id("source", T::SourceApp, r.u(F::sourceId));
    let (secs, micros) = time_from(|f| r.u(f));
    out.n("eventSecond", Some(secs.into()));
    out.n("eventMicrosecond", Some(micros.into()));
    out.o.push("eventDateTime", Value::Data(super::rfc3339(secs, micros).into_bytes()));

    match rt {
        9 => impact_alert(&mut out, &r),
        13 => out.id("networkProtocol", T::NetProto, r.u(F::networkProtocol)),
        14 => out.table("transportProtocol", tables::IP_PROTOCOLS, r.u(F::transportProtocol)),
        15 | 35 | 107 => {
            if let Some(c) = r.obj(F::client) {
                if rt != 107 {
                    out.id("clientApplication", T::ClientApp, c.get_u("id"));
                }
                out.id("applicationProtocol", T::AppProto, c.get_u("applicationProto"));
            }
        }
        62 => out.table("protocol", tables::USER_PROTOCOLS, r.u(F::protocol)),
        71 => connection(&mut out, &r),
        92..=95 => {
            // The record carries the user's own name; the user table (98) is the fallback.
            if let Some(u) = r.obj(F::user) {
                match u.get("username").and_then(text_of).filter(|b| !b.is_empty()) {
                    Some(name) => out.o.push("user", Value::Data(data_text(name).into_bytes())),
                    None => out.id("user", T::User, u.get_u("userId")),
                }
            }
        }
        98 => out.table("transportProtocol", tables::IP_PROTOCOLS, r.u(F::protocol)),
        101 | 103 => {
            let block = if rt == 101 { r.obj(F::osfingerprint) } else { r.obj(F::identity) };
            if let Some(b) = block {
                out.id("sourceType", T::SourceType, b.get_u("sourceType"));
                if r.u(F::sourceId).is_none() {
                    out.id("source", T::SourceApp, b.get_u("sourceId"));
                }
                if rt == 103 {
                    out.table("transportProtocol", tables::IP_PROTOCOLS, b.get_u("protocol"));
                }
            }
        }
        110 => extra_data(&mut out, &r),
        112 => correlation(&mut out, &r),
        119 => {
            let c = out.c;
            out.s("firewallPolicy", r.id16(F::uuid).and_then(|u| policy_by_uuid(c, &u)));
        }
        125 => malware(&mut out, &r),
        170 | 171 => vpn(&mut out, &r, rt),
        260 | 270 => out.table("transportProtocol", tables::IP_PROTOCOLS, r.u(F::protocol)),
        280 => {
            let c = out.c;
            out.s("firewallPolicy", r.id16(F::accessControlPolicyUuid).and_then(|u| policy_by_uuid(c, &u)));
        }
        400 => intrusion(&mut out, &r),
        500 | 502 => file(&mut out, &r),
        511 => out.table("disposition", tables::DISPOSITIONS, r.u(F::disposition)),
        _ => {}
    }
    out.o
}

/// Access-control policy name from the UUID alone: record 117, else any 145–147 entry.
fn policy_by_uuid<'c>(c: &'c MetadataCache, u: &[u8; 16]) -> Option<&'c str> {
    c.uuid(T::AcpName, u).or_else(|| c.uuid(T::AcpAny, u))
}

/// Access-control policy of an event: records 145–147 by (sensor, UUID), else by UUID.
fn firewall_policy(out: &mut Out, r: &Rec, field: F) {
    let Some(u) = r.id16(field) else { return };
    let c = out.c;
    let by_sensor = r.u(F::deviceId).and_then(|d| c.uuid_id(T::AcPolicy, &u, d));
    out.s("firewallPolicy", by_sensor.or_else(|| policy_by_uuid(c, &u)));
}

/// Access-control rule name by (policy UUID, rule id); rule 0 of a policy known from record 117
/// is "Default Action".
fn fw_rule<'c>(c: &'c MetadataCache, u: &[u8; 16], id: u64) -> Option<&'c str> {
    c.uuid_id(T::FwRule, u, id)
        .or_else(|| (id == 0 && c.uuid(T::AcpName, u).is_some()).then_some(tables::DEFAULT_ACTION))
}

fn apps(out: &mut Out, r: &Rec) {
    out.id("webApplication", T::WebApp, r.u(F::webApplicationId));
    out.id("clientApplication", T::ClientApp, r.u(F::clientApplicationId));
    out.id("applicationProtocol", T::AppProto, r.u(F::applicationId));
}

fn countries(out: &mut Out, r: &Rec, src: F, dst: F) {
    out.id("sourceIpCountry", T::Country, r.u(src));
    out.id("destinationIpCountry", T::Country, r.u(dst));
}

fn ssl_basic(out: &mut Out, r: &Rec) {
    out.id("sslActualAction", T::SslAction, r.u(F::sslActualAction));
    out.id("sslFlowStatus", T::SslFlowStatus, r.u(F::sslFlowStatus));
}

fn impact_alert(out: &mut Out, r: &Rec) {
    if let Some(d) = r.text(F::description) {
        let text = data_text(d);
        let desc = match text.find("[Impact:") {
            Some(start) => {
                let inner = &text[start + "[Impact:".len()..];
                inner.find(']').map(|end| inner[..end].trim().to_string())
            }
            None => None,
        };
        let desc = desc.unwrap_or_else(|| text.replace('"', "'"));
        out.s("description", Some(&desc));
    }
    out.n("impact", r.u(F::impact).map(impact_level));
}

fn intrusion(out: &mut Out, r: &Rec) {
    let c = out.c;
    let (gid, sid) = (r.u(F::generatorId), r.u(F::ruleId));
    if let (Some(g), Some(s)) = (gid, sid) {
        let k = rule_key(g, s);
        out.s("message", c.learned(T::RuleMessage, k));
        out.n("renderedId", c.learned(T::RuleRendered, k).and_then(|v| v.parse().ok()));
    }
    out.id("classificationName", T::ClassName, r.u(F::classificationId));
    out.id("classificationDescription", T::ClassDesc, r.u(F::classificationId));
    out.uuid("idsPolicy", T::IpsPolicy, r.id16(F::policyUuid));
    if let (Some(u), Some(id)) = (r.id16(F::accessControlPolicyUuid), r.u(F::accessControlRuleId)) {
        out.s("firewallRule", fw_rule(c, &u, id));
    }
    firewall_policy(out, r, F::accessControlPolicyUuid);
    out.id("priority", T::Priority, r.u(F::priorityId));
    out.table("blocked", tables::BLOCKED, r.u(F::blocked));
    out.table("blockedReasonId", tables::BLOCKED_REASONS, r.u(F::blockedReasonId));
    out.table("transportProtocol", tables::IP_PROTOCOLS, r.u(F::ipProtocolId));
    apps(out, r);
    out.uuid("ingressInterface", T::Interface, r.id16(F::interfaceIngressUuid));
    out.uuid("egressInterface", T::Interface, r.id16(F::interfaceEgressUuid));
    out.uuid("ingressSecurityZone", T::Zone, r.id16(F::securityZoneIngressUuid));
    out.uuid("egressSecurityZone", T::Zone, r.id16(F::securityZoneEgressUuid));
    countries(out, r, F::sourceCountry, F::destinationCountry);
    out.id("user", T::User, r.u(F::userId));
    out.id("iocCategory", T::IocCategory, r.u(F::iocNumber));
    ssl_basic(out, r);
    if let Some(bits) = r.u(F::impactFlags) {
        let level = impact_level(bits);
        out.n("impact", Some(level));
        out.table("impactDescription", tables::IMPACTS, Some(level));
    }
    out.uuid("networkAnalysisPolicy", T::Nap, r.id16(F::networkAnalysisPolicyUuid));
}

fn connection(out: &mut Out, r: &Rec) {
    let c = out.c;
    out.table("transportProtocol", tables::IP_PROTOCOLS, r.u(F::protocol));
    apps(out, r);
    if let Some(sd) = r.u(F::securityIntelligenceSourceDestination) {
        out.id("securityIntelligenceIp", T::SiSrcDst, Some(sd));
        out.s("securityIntelligenceEvent", Some(if sd != 0 { "Yes" } else { "No" }));
    }
    let policy = r.id16(F::policyRevision);
    if let Some(u) = policy {
        for (key, f) in [
            ("securityIntelligenceList1", F::securityIntelligenceList1),
            ("securityIntelligenceList2", F::securityIntelligenceList2),
        ] {
            out.s(key, r.u(f).and_then(|id| c.uuid_id(T::SiCategory, &u, id)));
        }
    }
    out.id("urlCategory", T::UrlCategory, r.u(F::urlCategory));
    out.id("urlReputation", T::UrlReputation, r.u(F::urlReputation));
    if let (Some(u), Some(id)) = (policy, r.u(F::ruleId)) {
        out.s("firewallRule", fw_rule(c, &u, id));
    }
    out.id("firewallRuleAction", T::RuleAction, r.u(F::ruleAction));
    out.bits("firewallRuleReason", Some(T::RuleReason), tables::RULE_REASONS, r.u(F::ruleReason));
    firewall_policy(out, r, F::policyRevision);
    out.uuid("ingressInterface", T::Interface, r.id16(F::ingressInterface));
    out.uuid("egressInterface", T::Interface, r.id16(F::egressInterface));
    out.uuid("ingressSecurityZone", T::Zone, r.id16(F::ingressZone));
    out.uuid("egressSecurityZone", T::Zone, r.id16(F::egressZone));
    countries(out, r, F::initiatorCountry, F::responderCountry);
    out.id("user", T::User, r.u(F::userId));
    let rec = r.u(F::dnsRecordType);
    out.id("dnsRecordName", T::DnsRecordName, rec);
    out.id("dnsRecordDescription", T::DnsRecordDesc, rec);
    let resp = r.u(F::dnsResponseType);
    out.id("dnsResponseName", T::DnsResponseName, resp);
    out.id("dnsResponseDescription", T::DnsResponseDesc, resp);
    out.uuid("sinkhole", T::Sinkhole, r.id16(F::sinkholeUuid));
    out.id("iocCategory", T::IocCategory, r.u(F::iocNumber));
    out.id("sslActualAction", T::SslAction, r.u(F::sslActualAction));
    out.id("sslExpectedAction", T::SslAction, r.u(F::sslExpectedAction));
    out.bits("sslFlowFlags", None, tables::SSL_FLOW_FLAGS, r.u(F::sslFlowFlags));
    out.id("sslFlowStatus", T::SslFlowStatus, r.u(F::sslFlowStatus));
    out.bits(
        "sslServerCertificateStatus",
        Some(T::SslCertStatus),
        tables::SSL_CERT_STATUS,
        r.u(F::sslServerCertificateStatus),
    );
    out.id("sslCipherSuite", T::CipherSuite, r.u(F::sslCipherSuite));
    out.id("sslVersion", T::SslVersion, r.u(F::sslVersion));
    out.id("sslUrlCategory", T::SslUrlCategory, r.u(F::sslUrlCategory));
    const MONITOR: [(&str, F); 8] = [
        ("monitorRule1", F::monitorRule1),
        ("monitorRule2", F::monitorRule2),
        ("monitorRule3", F::monitorRule3),
        ("monitorRule4", F::monitorRule4),
        ("monitorRule5", F::monitorRule5),
        ("monitorRule6", F::monitorRule6),
        ("monitorRule7", F::monitorRule7),
        ("monitorRule8", F::monitorRule8),
    ];
    for (key, f) in MONITOR {
        match r.u(f) {
            Some(0) => out.s(key, Some("N/A")),
            Some(id) => out.s(key, policy.and_then(|u| c.uuid_id(T::FwRule, &u, id))),
            None => {}
        }
    }
}

fn extra_data(out: &mut Out, r: &Rec) {
    let ty = r.u(F::r#type);
    out.id("xffType", T::XdataType, ty);
    let blob = r.text(F::blob);
    match (ty, blob) {
        (Some(2), Some(b)) => {
            // The BLOB holds the original client address as raw bytes.
            if let Ok(a) = <[u8; 16]>::try_from(b) {
                out.o.push("originalSrcIP", Value::Ip6(a));
            } else if let Ok(a) = <[u8; 4]>::try_from(b) {
                out.o.push("originalSrcIP", Value::Ip4(a));
            }
        }
        (Some(9), Some(b)) => out.bytes("xffUri", Some(b)),
        _ => {}
    }
}

fn correlation(out: &mut Out, r: &Rec) {
    let c = out.c;
    out.table("eventType", tables::CORRELATION_EVENT_TYPES, r.u(F::eventType));
    if let (Some(g), Some(s)) = (r.u(F::signatureGeneratorId), r.u(F::signatureId)) {
        out.s("message", c.learned(T::RuleMessage, rule_key(g, s)));
    }
    out.id("correlationRule", T::CorrRuleName, r.u(F::ruleId));
    out.id("correlationPolicy", T::CorrPolicy, r.u(F::policyId));
    out.table("sourceCriticality", tables::CRITICALITY, r.u(F::sourceCriticality));
    out.table("destinationCriticality", tables::CRITICALITY, r.u(F::destinationCriticality));
    out.table("sourceHostType", tables::HOST_TYPES, r.u(F::sourceHostType));
    out.table("destinationHostType", tables::HOST_TYPES, r.u(F::destinationHostType));
    let src_os = r.id16(F::sourceOperatingSystemFingerprintUuid);
    out.uuid("sourceOperatingSystemName", T::OsName, src_os);
    out.uuid("sourceOperatingSystemVendor", T::OsVendor, src_os);
    out.uuid("sourceOperatingSystemVersion", T::OsVersion, src_os);
    let dst_os = r.id16(F::destinationOperatingSystemFingerprintUuid);
    out.uuid("destinationOperatingSystemName", T::OsName, dst_os);
    out.uuid("destinationOperatingSystemVendor", T::OsVendor, dst_os);
    out.uuid("destinationOperatingSystemVersion", T::OsVersion, dst_os);
    out.id("sourceUser", T::User, r.u(F::sourceUserId));
    out.id("destinationUser", T::User, r.u(F::destinationUserId));
    out.id("sourceApplicationProtocol", T::AppProto, r.u(F::sourceServerId));
    out.id("destinationApplicationProtocol", T::AppProto, r.u(F::destinationServerId));
    countries(out, r, F::sourceCountry, F::destinationCountry);
    out.id("priority", T::Priority, r.u(F::priority));
    out.table("blocked", tables::BLOCKED, r.u(F::blocked));
    out.table("transportProtocol", tables::IP_PROTOCOLS, r.u(F::ipProtocol));
    out.id("networkProtocol", T::NetProto, r.u(F::networkProtocol));
    out.uuid("ingressInterface", T::Interface, r.id16(F::ingressIntefaceUuid));
    out.uuid("egressInterface", T::Interface, r.id16(F::egressIntefaceUuid));
    out.uuid("ingressSecurityZone", T::Zone, r.id16(F::ingressZoneUuid));
    out.uuid("egressSecurityZone", T::Zone, r.id16(F::egressZoneUuid));
    out.uuid("securityIntelligencePolicy", T::SiGeneral, r.id16(F::securityIntelligenceUuid));
    ssl_basic(out, r);
    out.id("urlCategory", T::UrlCategory, r.u(F::urlCategory));
    out.id("urlReputation", T::UrlReputation, r.u(F::urlReputation));
    out.n("impact", r.u(F::eventImpactFlags).map(impact_level));
    // eNcore always writes ""; the record's own description text is the useful value.
    out.bytes("description", r.text(F::eventDescription));
    for (key, old, new) in [
        ("sourceIp", F::sourceIp, F::sourceIpv6Address),
        ("destinationIp", F::destinationIp, F::destinationIpv6Address),
    ] {
        match (r.v(old), r.v(new)) {
            (Some(Value::U(0)) | Some(Value::Ip4([0, 0, 0, 0])) | None, Some(v @ Value::Ip6(_))) => {
                out.val(key, Some(v))
            }
            (Some(Value::U(n)), _) => out.o.push(key, Value::Ip4((*n as u32).to_be_bytes())),
            (Some(v @ Value::Ip4(_)), _) => out.val(key, Some(v)),
            _ => {}
        }
    }
}

/// SHA-256 bytes from a raw field or from its hex text (record 125 carries it as a String).
fn sha_of(v: Option<&Value>) -> Option<[u8; 32]> {
    match v? {
        Value::Hex(b) => b.as_slice().try_into().ok(),
        v => {
            let b = text_of(v)?;
            if let Ok(a) = <[u8; 32]>::try_from(b) {
                if std::str::from_utf8(b).is_err() {
                    return Some(a);
                }
            }
            let s = std::str::from_utf8(b).ok()?.trim_end_matches('\0').trim();
            if s.len() != 64 {
                return None;
            }
            unhex(s)?.try_into().ok()
        }
    }
}

fn malware(out: &mut Out, r: &Rec) {
    let c = out.c;
    out.uuid("cloud", T::Cloud, r.id16(F::cloudUuid));
    let ty = r.u(F::eventTypeId).and_then(|n| c.id(T::MalwareEventType, n));
    let sub = r.u(F::eventSubtypeId).and_then(|n| c.id(T::MalwareSubtype, n));
    out.s("malwareEventType", ty);
    out.s("malwareEventSubtype", sub);
    out.s("type", ty);
    out.s("subtype", sub);
    out.table("fileAction", tables::FILE_ACTIONS, r.u(F::action));
    let own = r.text(F::detectionName).filter(|b| !b.iter().all(|&x| x == 0));
    match own {
        Some(b) => out.s("detectionName", Some(&data_text(b))),
        None => out.s("detectionName", sha_of(r.v(F::fileShaHash)).and_then(|s| c.sha(&s))),
    }
    out.s("parentDetection", sha_of(r.v(F::parentShaHash)).and_then(|s| c.sha(&s)));
    out.id("detector", T::AmpDetector, r.u(F::detectorId));
    out.table("transportProtocol", tables::IP_PROTOCOLS, r.u(F::protocol));
    out.table("disposition", tables::DISPOSITIONS, r.u(F::disposition));
    out.table("retroDisposition", tables::DISPOSITIONS, r.u(F::retroDisposition));
    out.id("fileType", T::AmpFileType, r.u(F::fileType));
    apps(out, r);
    out.uuid("filePolicy", T::FilePolicy, r.id16(F::accessControlPolicyUuid));
    countries(out, r, F::sourceCountry, F::destinationCountry);
    out.id("agentUser", T::User, r.u(F::userId));
    if let Some(b) = r.text(F::user).filter(|b| !b.iter().all(|&x| x == 0)) {
        out.s("user", Some(&data_text(b)));
    }
    out.id("iocCategory", T::IocCategory, r.u(F::iocNumber));
    ssl_basic(out, r);
}

fn file(out: &mut Out, r: &Rec) {
    let c = out.c;
    out.uuid("filePolicy", T::FilePolicy, r.id16(F::accessControlPolicyUuid));
    out.table("fileAction", tables::FILE_ACTIONS, r.u(F::action));
    out.s("detection", sha_of(r.v(F::shaHash)).and_then(|s| c.sha(&s)));
    out.table("transportProtocol", tables::IP_PROTOCOLS, r.u(F::protocol));
    out.table("disposition", tables::DISPOSITIONS, r.u(F::disposition));
    out.id("speroDisposition", T::SperoDisposition, r.u(F::speroDisposition));
    out.id("fileStorageStatus", T::FileStorage, r.u(F::fileStorageStatus));
    let analysis = r.u(F::fileAnalysisStatus);
    out.s(
        "fileAnalysisStatus",
        analysis.and_then(|n| c.learned(T::StaticAnalysis, n).or_else(|| c.id(T::FileSandbox, n))),
    );
    out.id("fileSandboxStatus", T::FileSandbox, analysis);
    out.id("fileType", T::FileType, r.u(F::fileTypeId));
    apps(out, r);
    countries(out, r, F::sourceCountry, F::destinationCountry);
    out.id("user", T::User, r.u(F::userId));
    ssl_basic(out, r);
    out.table("malwareAnalysisStatus", tables::MALWARE_ANALYSIS, r.u(F::localMalwareAnalysisStatus));
    out.id("archiveFileStatus", T::ArchiveStatus, r.u(F::archiveFileStatus));
}

fn vpn(out: &mut Out, r: &Rec, rt: u64) {
    let Some(b) = r.obj(if rt == 170 { F::userLogin } else { F::userLogoff }) else { return };
    let session = match b.get("vpnSession") {
        Some(Value::Obj(l)) => match l.get("items") {
            Some(Value::Arr(items)) => items.first().and_then(Value::as_obj),
            _ => None,
        },
        _ => None,
    };
    if let Some(s) = session {
        out.val("index", s.get("index"));
        out.val("bytesReceived", s.get("bytesReceived"));
        out.val("bytesTransmitted", s.get("bytesTransmitted"));
        out.val("countryCode", s.get("countryCode"));
        out.val("connectionDuration", s.get("connectionDuration"));
        out.bytes("clientOS", s.get("clientOS").and_then(text_of));
        if let Some(ip) = s.get("clientIP").and_then(bytes16) {
            out.o.push("clientIp", Value::Ip6(ip));
        }
        out.bytes("clientApplication", s.get("clientApplication").and_then(text_of));
        out.bytes("groupPolicy", s.get("groupPolicy").and_then(text_of));
        out.bytes("vpnConnectionProfile", s.get("vpnConnectionProfile").and_then(text_of));
        out.table("vpnType", tables::VPN_TYPES, s.get_u("vpnType"));
    }
    out.table("userAuthType", tables::USER_AUTH_TYPES, b.get_u("authType"));
    let protocols = if rt == 170 { tables::USER_PROTOCOLS } else { tables::IP_PROTOCOLS };
    out.table("protocol", protocols, b.get_u("protocol"));
}
