//! The per-record `@computed` keys as rows (RECORDS.md §7.3): for which record types, which
//! computed key, which lookup, from which fields. A record's keys come out in row order, after
//! the general keys every record gets (`compute.rs`).
//!
//! A field is named as in the decoded record; `block.field` reads inside a nested block. A
//! lookup that misses, or lacks a field, leaves the key out.

use super::rows::CacheTable::{self, *};
use super::special::{self, Special};
use super::tables::*;

/// How a computed key gets its value from its fields.
#[derive(Clone, Copy)]
pub(crate) enum Lookup {
    /// A name from the first of these cache tables that knows the key (learned, else built-in).
    /// Each table builds its key from the leading fields its key kind needs.
    Name(&'static [CacheTable]),
    /// A name learned in this table, as a number.
    Number(CacheTable),
    /// A name from a built-in value table.
    Value(&'static [(u64, &'static str)]),
    /// A bit set through a cache table: the exact value's name, else the names of every set bit
    /// joined by ", " when each bit has one.
    BitNames(CacheTable),
    /// A bit set through a built-in value table (as [`Lookup::BitNames`]).
    BitValues(&'static [(u64, &'static str)]),
    /// The impact level (1–5) of an impact bit field (RECORDS.md §6.2).
    ImpactLevel,
    /// The name of the impact level of an impact bit field.
    ImpactName,
    /// "Yes" when non-zero, else "No".
    YesNo,
    /// The field's text, as it is.
    Text,
    /// The field's text when it is neither empty nor all NULs.
    OwnText,
    /// A rule that is not a lookup (`special.rs`).
    Special(Special),
}

/// One computed key.
#[derive(Clone, Copy)]
pub(crate) struct Rule {
    /// Record types it applies to.
    pub records: &'static [u32],
    /// The computed key.
    pub key: &'static str,
    /// How its value is found.
    pub lookup: Lookup,
    /// The fields it reads (at most [`MAX_INPUTS`]).
    pub from: &'static [&'static str],
}

/// Most fields one rule reads.
pub(crate) const MAX_INPUTS: usize = 3;

const fn rule(records: &'static [u32], key: &'static str, lookup: Lookup, from: &'static [&'static str]) -> Rule {
    Rule { records, key, lookup, from }
}

const IMPACT_ALERT: &[u32] = &[9];
const CONNECTION: &[u32] = &[71];
const CORRELATION: &[u32] = &[112];
const MALWARE: &[u32] = &[125];
const INTRUSION: &[u32] = &[400];
const FILE: &[u32] = &[500, 502];

/// Access-control policy of an event: by (UUID, sensor), else by UUID (record 117, else any of
/// 145–147).
const POLICY: Lookup = Lookup::Name(&[AccessControlPolicy, AccessControlPolicyName, AccessControlPolicyAnySensor]);
/// Access-control policy from the UUID alone.
const POLICY_BY_UUID: Lookup = Lookup::Name(&[AccessControlPolicyName, AccessControlPolicyAnySensor]);

use Lookup::{BitNames, BitValues, ImpactLevel, ImpactName, Name, Number, OwnText, Text, Value, YesNo};

/// Every per-record computed key, grouped by record family, in output order.
pub(crate) const RULES: &[Rule] = &[
    // Impact alert (9).
    rule(IMPACT_ALERT, "description", Lookup::Special(special::impact_description), &["description"]),
    rule(IMPACT_ALERT, "impact", ImpactLevel, &["impact"]),
    // Discovery payloads.
    rule(&[13], "networkProtocol", Name(&[NetworkProtocol]), &["networkProtocol"]),
    rule(&[14], "transportProtocol", Value(IP_PROTOCOLS), &["transportProtocol"]),
    rule(&[15, 35], "clientApplication", Name(&[ClientApplication]), &["client.id"]),
    rule(&[15, 35, 107], "applicationProtocol", Name(&[ApplicationProtocol]), &["client.applicationProto"]),
    rule(&[62], "protocol", Value(USER_PROTOCOLS), &["protocol"]),
    // Connection (71).
    rule(CONNECTION, "transportProtocol", Value(IP_PROTOCOLS), &["protocol"]),
    rule(CONNECTION, "webApplication", Name(&[WebApplication]), &["webApplicationId"]),
    rule(CONNECTION, "clientApplication", Name(&[ClientApplication]), &["clientApplicationId"]),
    rule(CONNECTION, "applicationProtocol", Name(&[ApplicationProtocol]), &["applicationId"]),
    rule(
        CONNECTION,
        "securityIntelligenceIp",
        Name(&[SecurityIntelligenceSourceDestination]),
        &["securityIntelligenceSourceDestination"],
    ),
    rule(CONNECTION, "securityIntelligenceEvent", YesNo, &["securityIntelligenceSourceDestination"]),
    rule(
        CONNECTION,
        "securityIntelligenceList1",
        Name(&[SecurityIntelligenceCategory]),
        &["policyRevision", "securityIntelligenceList1"],
    ),
    rule(
        CONNECTION,
        "securityIntelligenceList2",
        Name(&[SecurityIntelligenceCategory]),
        &["policyRevision", "securityIntelligenceList2"],
    ),
    rule(CONNECTION, "urlCategory", Name(&[UrlCategory]), &["urlCategory"]),
    rule(CONNECTION, "urlReputation", Name(&[UrlReputation]), &["urlReputation"]),
    rule(CONNECTION, "firewallRule", Lookup::Special(special::firewall_rule), &["policyRevision", "ruleId"]),
    rule(CONNECTION, "firewallRuleAction", Name(&[FirewallRuleAction]), &["ruleAction"]),
    rule(CONNECTION, "firewallRuleReason", BitNames(FirewallRuleReason), &["ruleReason"]),
    rule(CONNECTION, "firewallPolicy", POLICY, &["policyRevision", "deviceId"]),
    rule(CONNECTION, "ingressInterface", Name(&[Interface]), &["ingressInterface"]),
    rule(CONNECTION, "egressInterface", Name(&[Interface]), &["egressInterface"]),
    rule(CONNECTION, "ingressSecurityZone", Name(&[SecurityZone]), &["ingressZone"]),
    rule(CONNECTION, "egressSecurityZone", Name(&[SecurityZone]), &["egressZone"]),
    rule(CONNECTION, "sourceIpCountry", Name(&[Country]), &["initiatorCountry"]),
    rule(CONNECTION, "destinationIpCountry", Name(&[Country]), &["responderCountry"]),
    rule(CONNECTION, "user", Name(&[User]), &["userId"]),
    rule(CONNECTION, "dnsRecordName", Name(&[DnsRecordName]), &["dnsRecordType"]),
    rule(CONNECTION, "dnsRecordDescription", Name(&[DnsRecordDescription]), &["dnsRecordType"]),
    rule(CONNECTION, "dnsResponseName", Name(&[DnsResponseName]), &["dnsResponseType"]),
    rule(CONNECTION, "dnsResponseDescription", Name(&[DnsResponseDescription]), &["dnsResponseType"]),
    rule(CONNECTION, "sinkhole", Name(&[Sinkhole]), &["sinkholeUuid"]),
    rule(CONNECTION, "iocCategory", Name(&[IocCategory]), &["iocNumber"]),
    rule(CONNECTION, "sslActualAction", Name(&[SslAction]), &["sslActualAction"]),
    rule(CONNECTION, "sslExpectedAction", Name(&[SslAction]), &["sslExpectedAction"]),
    rule(CONNECTION, "sslFlowFlags", BitValues(SSL_FLOW_FLAGS), &["sslFlowFlags"]),
    rule(CONNECTION, "sslFlowStatus", Name(&[SslFlowStatus]), &["sslFlowStatus"]),
    rule(CONNECTION, "sslServerCertificateStatus", BitNames(SslCertificateStatus), &["sslServerCertificateStatus"]),
    rule(CONNECTION, "sslCipherSuite", Name(&[SslCipherSuite]), &["sslCipherSuite"]),
    rule(CONNECTION, "sslVersion", Name(&[SslVersion]), &["sslVersion"]),
    rule(CONNECTION, "sslUrlCategory", Name(&[SslUrlCategory]), &["sslUrlCategory"]),
    rule(CONNECTION, "monitorRule1", Lookup::Special(special::monitor_rule), &["monitorRule1", "policyRevision"]),
    rule(CONNECTION, "monitorRule2", Lookup::Special(special::monitor_rule), &["monitorRule2", "policyRevision"]),
    rule(CONNECTION, "monitorRule3", Lookup::Special(special::monitor_rule), &["monitorRule3", "policyRevision"]),
    rule(CONNECTION, "monitorRule4", Lookup::Special(special::monitor_rule), &["monitorRule4", "policyRevision"]),
    rule(CONNECTION, "monitorRule5", Lookup::Special(special::monitor_rule), &["monitorRule5", "policyRevision"]),
    rule(CONNECTION, "monitorRule6", Lookup::Special(special::monitor_rule), &["monitorRule6", "policyRevision"]),
    rule(CONNECTION, "monitorRule7", Lookup::Special(special::monitor_rule), &["monitorRule7", "policyRevision"]),
    rule(CONNECTION, "monitorRule8", Lookup::Special(special::monitor_rule), &["monitorRule8", "policyRevision"]),
    // User records carry the user's own name; the user table (98) is the fallback.
    rule(&[92, 93, 94, 95], "user", Lookup::Special(special::user_name), &["user"]),
    rule(&[98], "transportProtocol", Value(IP_PROTOCOLS), &["protocol"]),
    rule(&[101], "sourceType", Name(&[SourceType]), &["osfingerprint.sourceType"]),
    rule(&[101], "source", Lookup::Special(special::block_source), &["osfingerprint.sourceId", "sourceId"]),
    rule(&[103], "sourceType", Name(&[SourceType]), &["identity.sourceType"]),
    rule(&[103], "source", Lookup::Special(special::block_source), &["identity.sourceId", "sourceId"]),
    rule(&[103], "transportProtocol", Value(IP_PROTOCOLS), &["identity.protocol"]),
    // Extra data (110).
    rule(&[110], "xffType", Name(&[ExtraDataType]), &["type"]),
    rule(&[110], "originalSrcIP", Lookup::Special(special::original_source_ip), &["type", "blob"]),
    rule(&[110], "xffUri", Lookup::Special(special::extra_data_uri), &["type", "blob"]),
    // Correlation (112).
    rule(CORRELATION, "eventType", Value(CORRELATION_EVENT_TYPES), &["eventType"]),
    rule(CORRELATION, "message", Name(&[RuleMessage]), &["signatureGeneratorId", "signatureId"]),
    rule(CORRELATION, "correlationRule", Name(&[CorrelationRuleName]), &["ruleId"]),
    rule(CORRELATION, "correlationPolicy", Name(&[CorrelationPolicy]), &["policyId"]),
    rule(CORRELATION, "sourceCriticality", Value(CRITICALITY), &["sourceCriticality"]),
    rule(CORRELATION, "destinationCriticality", Value(CRITICALITY), &["destinationCriticality"]),
    rule(CORRELATION, "sourceHostType", Value(HOST_TYPES), &["sourceHostType"]),
    rule(CORRELATION, "destinationHostType", Value(HOST_TYPES), &["destinationHostType"]),
    rule(CORRELATION, "sourceOperatingSystemName", Name(&[OsName]), &["sourceOperatingSystemFingerprintUuid"]),
    rule(CORRELATION, "sourceOperatingSystemVendor", Name(&[OsVendor]), &["sourceOperatingSystemFingerprintUuid"]),
    rule(CORRELATION, "sourceOperatingSystemVersion", Name(&[OsVersion]), &["sourceOperatingSystemFingerprintUuid"]),
    rule(
        CORRELATION,
        "destinationOperatingSystemName",
        Name(&[OsName]),
        &["destinationOperatingSystemFingerprintUuid"],
    ),
    rule(
        CORRELATION,
        "destinationOperatingSystemVendor",
        Name(&[OsVendor]),
        &["destinationOperatingSystemFingerprintUuid"],
    ),
    rule(
        CORRELATION,
        "destinationOperatingSystemVersion",
        Name(&[OsVersion]),
        &["destinationOperatingSystemFingerprintUuid"],
    ),
    rule(CORRELATION, "sourceUser", Name(&[User]), &["sourceUserId"]),
    rule(CORRELATION, "destinationUser", Name(&[User]), &["destinationUserId"]),
    rule(CORRELATION, "sourceApplicationProtocol", Name(&[ApplicationProtocol]), &["sourceServerId"]),
    rule(CORRELATION, "destinationApplicationProtocol", Name(&[ApplicationProtocol]), &["destinationServerId"]),
    rule(CORRELATION, "sourceIpCountry", Name(&[Country]), &["sourceCountry"]),
    rule(CORRELATION, "destinationIpCountry", Name(&[Country]), &["destinationCountry"]),
    rule(CORRELATION, "priority", Name(&[Priority]), &["priority"]),
    rule(CORRELATION, "blocked", Value(BLOCKED), &["blocked"]),
    rule(CORRELATION, "transportProtocol", Value(IP_PROTOCOLS), &["ipProtocol"]),
    rule(CORRELATION, "networkProtocol", Name(&[NetworkProtocol]), &["networkProtocol"]),
    rule(CORRELATION, "ingressInterface", Name(&[Interface]), &["ingressIntefaceUuid"]),
    rule(CORRELATION, "egressInterface", Name(&[Interface]), &["egressIntefaceUuid"]),
    rule(CORRELATION, "ingressSecurityZone", Name(&[SecurityZone]), &["ingressZoneUuid"]),
    rule(CORRELATION, "egressSecurityZone", Name(&[SecurityZone]), &["egressZoneUuid"]),
    rule(
        CORRELATION,
        "securityIntelligencePolicy",
        Name(&[SecurityIntelligenceCategoryGeneral]),
        &["securityIntelligenceUuid"],
    ),
    rule(CORRELATION, "sslActualAction", Name(&[SslAction]), &["sslActualAction"]),
    rule(CORRELATION, "sslFlowStatus", Name(&[SslFlowStatus]), &["sslFlowStatus"]),
    rule(CORRELATION, "urlCategory", Name(&[UrlCategory]), &["urlCategory"]),
    rule(CORRELATION, "urlReputation", Name(&[UrlReputation]), &["urlReputation"]),
    rule(CORRELATION, "impact", ImpactLevel, &["eventImpactFlags"]),
    // eNcore always writes ""; the record's own description text is the useful value.
    rule(CORRELATION, "description", Text, &["eventDescription"]),
    rule(CORRELATION, "sourceIp", Lookup::Special(special::ipv4_or_ipv6), &["sourceIp", "sourceIpv6Address"]),
    rule(
        CORRELATION,
        "destinationIp",
        Lookup::Special(special::ipv4_or_ipv6),
        &["destinationIp", "destinationIpv6Address"],
    ),
    // Access-control rule (119) and Security Intelligence category (280) metadata.
    rule(&[119], "firewallPolicy", POLICY_BY_UUID, &["uuid"]),
    // Malware (125).
    rule(MALWARE, "cloud", Name(&[Cloud]), &["cloudUuid"]),
    rule(MALWARE, "malwareEventType", Name(&[MalwareEventType]), &["eventTypeId"]),
    rule(MALWARE, "malwareEventSubtype", Name(&[MalwareEventSubtype]), &["eventSubtypeId"]),
    rule(MALWARE, "type", Name(&[MalwareEventType]), &["eventTypeId"]),
    rule(MALWARE, "subtype", Name(&[MalwareEventSubtype]), &["eventSubtypeId"]),
    rule(MALWARE, "fileAction", Value(FILE_ACTIONS), &["action"]),
    rule(MALWARE, "detectionName", Lookup::Special(special::detection_name), &["detectionName", "fileShaHash"]),
    rule(MALWARE, "parentDetection", Name(&[FileSha]), &["parentShaHash"]),
    rule(MALWARE, "detector", Name(&[AmpDetector]), &["detectorId"]),
    rule(MALWARE, "transportProtocol", Value(IP_PROTOCOLS), &["protocol"]),
    rule(MALWARE, "disposition", Value(DISPOSITIONS), &["disposition"]),
    rule(MALWARE, "retroDisposition", Value(DISPOSITIONS), &["retroDisposition"]),
    rule(MALWARE, "fileType", Name(&[AmpFileType]), &["fileType"]),
    rule(MALWARE, "webApplication", Name(&[WebApplication]), &["webApplicationId"]),
    rule(MALWARE, "clientApplication", Name(&[ClientApplication]), &["clientApplicationId"]),
    rule(MALWARE, "applicationProtocol", Name(&[ApplicationProtocol]), &["applicationId"]),
    rule(MALWARE, "filePolicy", Name(&[FilePolicy]), &["accessControlPolicyUuid"]),
    rule(MALWARE, "sourceIpCountry", Name(&[Country]), &["sourceCountry"]),
    rule(MALWARE, "destinationIpCountry", Name(&[Country]), &["destinationCountry"]),
    rule(MALWARE, "agentUser", Name(&[User]), &["userId"]),
    rule(MALWARE, "user", OwnText, &["user"]),
    rule(MALWARE, "iocCategory", Name(&[IocCategory]), &["iocNumber"]),
    rule(MALWARE, "sslActualAction", Name(&[SslAction]), &["sslActualAction"]),
    rule(MALWARE, "sslFlowStatus", Name(&[SslFlowStatus]), &["sslFlowStatus"]),
    // VPN login (170) and logoff (171): the first VPN session's items, then the block's own.
    rule(&[170], "vpnSession", Lookup::Special(special::vpn_session), &["userLogin"]),
    rule(&[170], "userAuthType", Value(USER_AUTH_TYPES), &["userLogin.authType"]),
    rule(&[170], "protocol", Value(USER_PROTOCOLS), &["userLogin.protocol"]),
    rule(&[171], "vpnSession", Lookup::Special(special::vpn_session), &["userLogoff"]),
    rule(&[171], "userAuthType", Value(USER_AUTH_TYPES), &["userLogoff.authType"]),
    rule(&[171], "protocol", Value(IP_PROTOCOLS), &["userLogoff.protocol"]),
    rule(&[260, 270], "transportProtocol", Value(IP_PROTOCOLS), &["protocol"]),
    rule(&[280], "firewallPolicy", POLICY_BY_UUID, &["accessControlPolicyUuid"]),
    // Intrusion (400).
    rule(INTRUSION, "message", Name(&[RuleMessage]), &["generatorId", "ruleId"]),
    rule(INTRUSION, "renderedId", Number(RuleRenderedId), &["generatorId", "ruleId"]),
    rule(INTRUSION, "classificationName", Name(&[ClassificationName]), &["classificationId"]),
    rule(INTRUSION, "classificationDescription", Name(&[ClassificationDescription]), &["classificationId"]),
    rule(INTRUSION, "idsPolicy", Name(&[IntrusionPolicy]), &["policyUuid"]),
    rule(
        INTRUSION,
        "firewallRule",
        Lookup::Special(special::firewall_rule),
        &["accessControlPolicyUuid", "accessControlRuleId"],
    ),
    rule(INTRUSION, "firewallPolicy", POLICY, &["accessControlPolicyUuid", "deviceId"]),
    rule(INTRUSION, "priority", Name(&[Priority]), &["priorityId"]),
    rule(INTRUSION, "blocked", Value(BLOCKED), &["blocked"]),
    rule(INTRUSION, "blockedReasonId", Value(BLOCKED_REASONS), &["blockedReasonId"]),
    rule(INTRUSION, "transportProtocol", Value(IP_PROTOCOLS), &["ipProtocolId"]),
    rule(INTRUSION, "webApplication", Name(&[WebApplication]), &["webApplicationId"]),
    rule(INTRUSION, "clientApplication", Name(&[ClientApplication]), &["clientApplicationId"]),
    rule(INTRUSION, "applicationProtocol", Name(&[ApplicationProtocol]), &["applicationId"]),
    rule(INTRUSION, "ingressInterface", Name(&[Interface]), &["interfaceIngressUuid"]),
    rule(INTRUSION, "egressInterface", Name(&[Interface]), &["interfaceEgressUuid"]),
    rule(INTRUSION, "ingressSecurityZone", Name(&[SecurityZone]), &["securityZoneIngressUuid"]),
    rule(INTRUSION, "egressSecurityZone", Name(&[SecurityZone]), &["securityZoneEgressUuid"]),
    rule(INTRUSION, "sourceIpCountry", Name(&[Country]), &["sourceCountry"]),
    rule(INTRUSION, "destinationIpCountry", Name(&[Country]), &["destinationCountry"]),
    rule(INTRUSION, "user", Name(&[User]), &["userId"]),
    rule(INTRUSION, "iocCategory", Name(&[IocCategory]), &["iocNumber"]),
    rule(INTRUSION, "sslActualAction", Name(&[SslAction]), &["sslActualAction"]),
    rule(INTRUSION, "sslFlowStatus", Name(&[SslFlowStatus]), &["sslFlowStatus"]),
    rule(INTRUSION, "impact", ImpactLevel, &["impactFlags"]),
    rule(INTRUSION, "impactDescription", ImpactName, &["impactFlags"]),
    rule(INTRUSION, "networkAnalysisPolicy", Name(&[NetworkAnalysisPolicy]), &["networkAnalysisPolicyUuid"]),
    // File events (500, 502).
    rule(FILE, "filePolicy", Name(&[FilePolicy]), &["accessControlPolicyUuid"]),
    rule(FILE, "fileAction", Value(FILE_ACTIONS), &["action"]),
    rule(FILE, "detection", Name(&[FileSha]), &["shaHash"]),
    rule(FILE, "transportProtocol", Value(IP_PROTOCOLS), &["protocol"]),
    rule(FILE, "disposition", Value(DISPOSITIONS), &["disposition"]),
    rule(FILE, "speroDisposition", Name(&[SperoDisposition]), &["speroDisposition"]),
    rule(FILE, "fileStorageStatus", Name(&[FileStorage]), &["fileStorageStatus"]),
    rule(FILE, "fileAnalysisStatus", Name(&[FileStaticAnalysis, FileSandbox]), &["fileAnalysisStatus"]),
    rule(FILE, "fileSandboxStatus", Name(&[FileSandbox]), &["fileAnalysisStatus"]),
    rule(FILE, "fileType", Name(&[FileType]), &["fileTypeId"]),
    rule(FILE, "webApplication", Name(&[WebApplication]), &["webApplicationId"]),
    rule(FILE, "clientApplication", Name(&[ClientApplication]), &["clientApplicationId"]),
    rule(FILE, "applicationProtocol", Name(&[ApplicationProtocol]), &["applicationId"]),
    rule(FILE, "sourceIpCountry", Name(&[Country]), &["sourceCountry"]),
    rule(FILE, "destinationIpCountry", Name(&[Country]), &["destinationCountry"]),
    rule(FILE, "user", Name(&[User]), &["userId"]),
    rule(FILE, "sslActualAction", Name(&[SslAction]), &["sslActualAction"]),
    rule(FILE, "sslFlowStatus", Name(&[SslFlowStatus]), &["sslFlowStatus"]),
    rule(FILE, "malwareAnalysisStatus", Value(MALWARE_ANALYSIS), &["localMalwareAnalysisStatus"]),
    rule(FILE, "archiveFileStatus", Name(&[ArchiveFileStatus]), &["archiveFileStatus"]),
    rule(&[511], "disposition", Value(DISPOSITIONS), &["disposition"]),
];
