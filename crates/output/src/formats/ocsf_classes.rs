//! The OCSF class mappers: one function per class family (see `ocsf.rs` for the table).

use estreamer_wire::schema::Family;
use estreamer_wire::Obj;
use serde_json::{json, Map, Value as J};

use super::ocsf::{put, Class, Fields};
use super::text::{ip, scalar_text, text, uint};

const FINDINGS: (u32, &str) = (2, "Findings");
const NETWORK: (u32, &str) = (4, "Network Activity");
const IAM: (u32, &str) = (3, "Identity & Access Management");
const DISCOVERY: (u32, &str) = (5, "Discovery");
const SECURITY_CONTROL: &[&str] = &["security_control"];

fn class(
    uid: u32,
    name: &'static str,
    cat: (u32, &'static str),
    activity: (u32, &'static str),
    severity_id: u32,
) -> Class {
    Class {
        class_uid: uid,
        class_name: name,
        category_uid: cat.0,
        category_name: cat.1,
        activity_id: activity.0,
        activity_name: activity.1,
        severity_id,
        profiles: &[],
    }
}

/// OCSF severity from an FMC priority (1 high … 3 low).
fn severity_from_priority(p: Option<u64>) -> u32 {
    match p {
        Some(1) => 4,
        Some(2) => 3,
        Some(3) => 2,
        _ => 0,
    }
}

/// OCSF severity from a threat score 0–100 (0 = no score: Medium for a malware verdict).
fn severity_from_threat_score(s: Option<u64>) -> u32 {
    match s.unwrap_or(0) {
        0 => 3,
        1..=33 => 2,
        34..=66 => 3,
        67..=89 => 4,
        _ => 5,
    }
}

/// (disposition_id, disposition, action_id, action) of the security_control profile.
fn control(kind: Control) -> (u32, &'static str, u32, &'static str) {
    match kind {
        Control::Blocked => (2, "Blocked", 2, "Denied"),
        Control::Allowed => (1, "Allowed", 1, "Allowed"),
        Control::Detected => (15, "Detected", 3, "Observed"),
        Control::Alert => (19, "Alert", 3, "Observed"),
        Control::Unknown => (0, "Unknown", 0, "Unknown"),
    }
}

#[derive(Clone, Copy)]
enum Control {
    Blocked,
    Allowed,
    Detected,
    Alert,
    Unknown,
}

fn put_control(ev: &mut Map<String, J>, kind: Control) {
    let (d, dn, a, an) = control(kind);
    ev.insert("disposition_id".into(), d.into());
    ev.insert("disposition".into(), dn.into());
    ev.insert("action_id".into(), a.into());
    ev.insert("action".into(), an.into());
}

/// Intrusion `blocked`: 1 blocked, 0 alert only, anything else (would block, …) detected.
fn control_from_blocked(b: Option<u64>) -> Control {
    match b {
        Some(1) => Control::Blocked,
        Some(0) | None => Control::Alert,
        Some(_) => Control::Detected,
    }
}

/// File `action` (RECORDS.md §6.7): blocks, whitelist, otherwise detected.
fn control_from_file_action(a: Option<u64>) -> Control {
    match a {
        Some(2 | 4 | 8 | 9 | 10 | 11) => Control::Blocked,
        Some(5) => Control::Allowed,
        Some(_) => Control::Detected,
        None => Control::Unknown,
    }
}

/// Access-control rule action, by its resolved name (record 120).
fn control_from_rule_action(name: Option<&str>) -> Control {
    let n = name.unwrap_or("").to_ascii_lowercase();
    if n.contains("block") || n.contains("reset") || n.contains("deny") {
        Control::Blocked
    } else if n.contains("allow") || n.contains("trust") {
        Control::Allowed
    } else if n.contains("monitor") {
        Control::Detected
    } else {
        Control::Unknown
    }
}

/// `network_endpoint` from parts; `None` when nothing is known.
fn endpoint(ip: Option<String>, port: Option<u64>, zone: Option<String>, iface: Option<String>) -> Option<J> {
    let mut m = Map::new();
    put(&mut m, "ip", ip);
    put(&mut m, "port", port.filter(|p| *p != 0 && *p <= 65_535));
    put(&mut m, "zone", zone);
    put(&mut m, "interface_name", iface);
    (!m.is_empty()).then_some(J::Object(m))
}

/// `network_connection_info`: protocol, IP version, direction unknown (the sensor does not say
/// which side is inside).
fn connection_info(proto: Option<u64>, addr: Option<&str>, uid: Option<u64>) -> J {
    let mut m = Map::new();
    if let Some(p) = proto {
        m.insert("protocol_num".into(), p.into());
        let name = match p {
            1 => Some("icmp"),
            2 => Some("igmp"),
            6 => Some("tcp"),
            17 => Some("udp"),
            47 => Some("gre"),
            50 => Some("esp"),
            51 => Some("ah"),
            58 => Some("ipv6-icmp"),
            132 => Some("sctp"),
            _ => None,
        };
        put(&mut m, "protocol_name", name);
    }
    if let Some(a) = addr {
        let (id, cap) = if a.contains(':') { (6, "IPv6") } else { (4, "IPv4") };
        m.insert("protocol_ver_id".into(), id.into());
        m.insert("protocol_ver".into(), cap.into());
    }
    put(&mut m, "uid", uid.map(|u| u.to_string()));
    m.insert("direction_id".into(), 0.into());
    m.insert("direction".into(), "Unknown".into());
    J::Object(m)
}

fn finding_uid(f: &mut Fields, sec_key: &'static str) -> String {
    let (d, s, e) = (f.u("deviceId").unwrap_or(0), f.u(sec_key).unwrap_or(0), f.u("eventId").unwrap_or(0));
    format!("{d}:{s}:{e}")
}

fn finding(ev: &mut Map<String, J>, uid: String, title: String, kind: &str, analytic: Option<J>) {
    let mut fi = Map::new();
    fi.insert("uid".into(), uid.into());
    fi.insert("title".into(), title.into());
    fi.insert("types".into(), json!([kind]));
    put(&mut fi, "analytic", analytic);
    ev.insert("finding_info".into(), J::Object(fi));
}

fn new_alert(ev: &mut Map<String, J>) {
    ev.insert("status_id".into(), 1.into());
    ev.insert("status".into(), "New".into());
    ev.insert("is_alert".into(), true.into());
}

fn named(uid: Option<String>, name: Option<String>) -> Option<J> {
    let mut m = Map::new();
    put(&mut m, "uid", uid);
    put(&mut m, "name", name);
    (!m.is_empty()).then_some(J::Object(m))
}

/// Intrusion event (400) → Detection Finding, Create.
pub(super) fn intrusion(f: &mut Fields, ev: &mut Map<String, J>) -> Class {
    let uid = finding_uid(f, "eventSecond");
    let (gid, sid, rev) =
        (f.u("generatorId").unwrap_or(1), f.u("ruleId").unwrap_or(0), f.u("ruleRevision").unwrap_or(0));
    let msg = f.c("message");
    let title = msg.clone().unwrap_or_else(|| format!("Intrusion event {gid}:{sid}:{rev}"));
    let mut analytic =
        json!({"uid": format!("{gid}:{sid}:{rev}"), "type_id": 1, "type": "Rule", "version": rev.to_string()});
    put(analytic.as_object_mut().expect("object"), "name", msg.clone());
    put(analytic.as_object_mut().expect("object"), "category", f.c("classificationName"));
    finding(ev, uid, title, "Intrusion", Some(analytic));
    let src = f.ip("sourceIpAddress");
    let dst = f.ip("destinationIpAddress");
    let mut evidence = Map::new();
    let (sp, dp) = (f.u("sourcePortOrIcmpType"), f.u("destinationPortOrIcmpType"));
    put(&mut evidence, "src_endpoint", endpoint(src.clone(), sp, f.c("ingressSecurityZone"), f.c("ingressInterface")));
    put(&mut evidence, "dst_endpoint", endpoint(dst.clone(), dp, f.c("egressSecurityZone"), f.c("egressInterface")));
    let proto = f.u("ipProtocolId");
    evidence.insert("connection_info".into(), connection_info(proto, src.as_deref(), f.u("connectionCounter")));
    ev.insert("evidences".into(), json!([evidence]));
    if let Some(d) = dst {
        ev.insert("resources".into(), json!([{"uid": d, "ip": d, "role_id": 1, "role": "Target"}]));
    }
    put(ev, "message", msg);
    new_alert(ev);
    put_control(ev, control_from_blocked(f.u("blocked")));
    put(ev, "policy", named(f.text("policyUuid"), f.c("idsPolicy")));
    put(ev, "firewall_rule", named(f.u("accessControlRuleId").map(|n| n.to_string()), f.c("firewallRule")));
    f.u("eventMicrosecond");
    let mut c = class(2004, "Detection Finding", FINDINGS, (1, "Create"), severity_from_priority(f.u("priorityId")));
    c.profiles = SECURITY_CONTROL;
    c
}

/// Impact alert (9), packet (2) and extra data (110): updates of the intrusion finding they
/// belong to (same `finding_info.uid`), the detail in `evidences[0].data`.
pub(super) fn intrusion_update(f: &mut Fields, ev: &mut Map<String, J>, family: Family) -> Class {
    let uid = finding_uid(f, "eventSecond");
    let title = f.c("recordTypeDescription").unwrap_or_else(|| "Intrusion event update".into());
    let mut evidence = Map::new();
    let mut severity = 1;
    match family {
        Family::Impact => {
            let (src, dst) = (f.ip("sourceIpAddress"), f.ip("destinationIpAddress"));
            put(&mut evidence, "src_endpoint", endpoint(src, None, None, None));
            put(&mut evidence, "dst_endpoint", endpoint(dst, None, None, None));
            let level = f.c("impact");
            evidence.insert("data".into(), json!({"impact": level, "impact_bits": f.u("impact")}));
            put(ev, "message", f.text("description"));
            severity = if level.as_deref() == Some("1") { 4 } else { 2 };
        }
        Family::Packet => {
            let data = json!({"packet": f.text("packetData"), "link_type": f.u("linkType"),
                              "packet_time": f.u("packetSecond").map(|s| s * 1000 + f.u("packetMicrosecond").unwrap_or(0) / 1000)});
            evidence.insert("data".into(), data);
            f.u("packetLength");
        }
        _ => {
            let data = json!({"type": f.u("type"), "type_name": f.c("xffType"), "data": f.text("blob")});
            evidence.insert("data".into(), data);
            put(&mut evidence, "src_endpoint", endpoint(f.c("originalSrcIP"), None, None, None));
        }
    }
    finding(ev, uid, title, "Intrusion", None);
    ev.insert("evidences".into(), json!([evidence]));
    class(2004, "Detection Finding", FINDINGS, (2, "Update"), severity)
}

/// Malware event (125) → Detection Finding, Create, with `malware[]` and the file as evidence.
pub(super) fn malware(f: &mut Fields, ev: &mut Map<String, J>) -> Class {
    let uid = format!(
        "{}:{}:{}:{}",
        f.u("deviceId").unwrap_or(0),
        f.u("malwareEventTimestamp").unwrap_or(0),
        f.u("connectionInstance").unwrap_or(0),
        f.u("connectionCounter").unwrap_or(0)
    );
    let detection = f.text("detectionName").or_else(|| f.c("detectionName"));
    let kind = f.c("malwareEventType");
    let title = detection.clone().or_else(|| kind.clone()).unwrap_or_else(|| "Malware event".into());
    let analytic = json!({"type_id": 99, "type": "File disposition lookup", "name": "AMP"});
    finding(ev, uid, title, "Malware", Some(analytic));
    let mut m = json!({"classification_ids": [0], "classifications": ["Unknown"]});
    put(m.as_object_mut().expect("object"), "name", detection.or(kind));
    ev.insert("malware".into(), json!([m]));
    let (src, dst) = (f.ip("sourceIpAddress"), f.ip("destinationIpAddress"));
    let mut evidence = Map::new();
    evidence.insert("file".into(), file_object(f, "fileShaHash", Some("filePath")));
    let (sp, dp) = (f.u("sourcePort"), f.u("destinationPort"));
    put(&mut evidence, "src_endpoint", endpoint(src, sp, None, None));
    put(&mut evidence, "dst_endpoint", endpoint(dst, dp, None, None));
    ev.insert("evidences".into(), json!([evidence]));
    put(ev, "message", f.text("eventDescription"));
    new_alert(ev);
    put_control(ev, control_from_file_action(f.u("action")));
    put(ev, "policy", named(f.text("accessControlPolicyUuid"), f.c("filePolicy")));
    let mut c =
        class(2004, "Detection Finding", FINDINGS, (1, "Create"), severity_from_threat_score(f.u("threatScore")));
    c.profiles = SECURITY_CONTROL;
    c
}

/// OCSF `file`: name and type required; size, path, SHA-256.
fn file_object(f: &mut Fields, sha_key: &'static str, path_key: Option<&'static str>) -> J {
    let mut file = Map::new();
    file.insert("name".into(), f.text("fileName").unwrap_or_else(|| "unknown".into()).into());
    file.insert("type_id".into(), 1.into());
    file.insert("type".into(), "Regular File".into());
    put(&mut file, "size", f.u("fileSize"));
    if let Some(p) = path_key {
        put(&mut file, "path", f.text(p));
    }
    if let Some(h) = f.text(sha_key) {
        file.insert("hashes".into(), json!([{"algorithm_id": 3, "algorithm": "SHA-256", "value": h}]));
    }
    J::Object(file)
}

/// Correlation event (112) → Detection Finding, Create (a policy violation is a finding).
pub(super) fn correlation(f: &mut Fields, ev: &mut Map<String, J>) -> Class {
    let uid = finding_uid(f, "correlationEventSecond");
    let rule = f.c("correlationRule");
    let desc = f.text("eventDescription");
    let title = rule.clone().or_else(|| desc.clone()).unwrap_or_else(|| "Correlation event".into());
    let mut analytic = json!({"type_id": 1, "type": "Rule"});
    put(analytic.as_object_mut().expect("object"), "uid", f.u("ruleId").map(|n| n.to_string()));
    put(analytic.as_object_mut().expect("object"), "name", rule);
    finding(ev, uid, title, "Correlation", Some(analytic));
    let src = f.ip("sourceIpv6Address").or_else(|| f.c("sourceIp"));
    let dst = f.ip("destinationIpv6Address").or_else(|| f.c("destinationIp"));
    let mut evidence = Map::new();
    let (sp, dp) = (f.u("sourcePort"), f.u("destinationPort"));
    put(&mut evidence, "src_endpoint", endpoint(src.clone(), sp, f.c("ingressSecurityZone"), f.c("ingressInterface")));
    put(&mut evidence, "dst_endpoint", endpoint(dst, dp, f.c("egressSecurityZone"), f.c("egressInterface")));
    evidence.insert("connection_info".into(), connection_info(f.u("ipProtocol"), src.as_deref(), None));
    ev.insert("evidences".into(), json!([evidence]));
    put(ev, "message", desc);
    new_alert(ev);
    put_control(ev, control_from_blocked(f.u("blocked")));
    put(ev, "policy", named(f.u("policyId").map(|n| n.to_string()), f.c("correlationPolicy")));
    let mut c = class(2004, "Detection Finding", FINDINGS, (1, "Create"), severity_from_priority(f.u("priority")));
    c.profiles = SECURITY_CONTROL;
    c
}

/// Connection event (71) → Network Activity: 1 Open when no traffic was counted yet, else 2 Close.
pub(super) fn connection(f: &mut Fields, ev: &mut Map<String, J>) -> Class {
    let src = f.ip("initiatorIpAddress");
    let dst = f.ip("responderIpAddress");
    let (sp, dp) = (f.u("initiatorPort"), f.u("responderPort"));
    put(ev, "src_endpoint", endpoint(src.clone(), sp, f.c("ingressSecurityZone"), f.c("ingressInterface")));
    let mut d = endpoint(dst, dp, f.c("egressSecurityZone"), f.c("egressInterface"));
    if let (Some(J::Object(m)), Some(h)) = (d.as_mut(), f.text("referencedHost")) {
        m.insert("hostname".into(), h.into());
    }
    put(ev, "dst_endpoint", d);
    ev.insert("connection_info".into(), connection_info(f.u("protocol"), src.as_deref(), f.u("connectionCounter")));
    let (bo, bi) = (f.u("initiatorTransmittedBytes").unwrap_or(0), f.u("responderTransmittedBytes").unwrap_or(0));
    let (po, pi) = (f.u("initiatorTransmittedPackets").unwrap_or(0), f.u("responderTransmittedPackets").unwrap_or(0));
    ev.insert(
        "traffic".into(),
        json!({"bytes_out": bo, "bytes_in": bi, "packets_out": po, "packets_in": pi,
               "bytes": bo.saturating_add(bi), "packets": po.saturating_add(pi)}),
    );
    let (first, last) = (f.u("firstPacketTimestamp").unwrap_or(0), f.u("lastPacketTimestamp").unwrap_or(0));
    if first != 0 {
        ev.insert("start_time".into(), (first * 1000).into());
    }
    if last != 0 {
        ev.insert("end_time".into(), (last * 1000).into());
    }
    put(ev, "app_name", f.c("webApplication").or_else(|| f.c("clientApplication")));
    put(ev, "app_protocol_name", f.c("applicationProtocol"));
    if let Some(u) = f.text("clientUrl") {
        ev.insert("url".into(), json!({ "url_string": u }));
    }
    ev.insert("is_src_dst_assignment_known".into(), true.into());
    ev.insert("status_id".into(), 1.into());
    ev.insert("status".into(), "Success".into());
    let action = f.c("firewallRuleAction");
    put_control(ev, control_from_rule_action(action.as_deref()));
    put(ev, "firewall_rule", named(f.u("ruleId").map(|n| n.to_string()), f.c("firewallRule")));
    put(ev, "policy", named(f.text("policyRevision"), f.c("firewallPolicy")));
    let activity = if bo == 0 && bi == 0 && po == 0 && pi == 0 { (1, "Open") } else { (2, "Close") };
    f.u("ruleAction");
    let mut c = class(4001, "Network Activity", NETWORK, activity, 1);
    c.profiles = SECURITY_CONTROL;
    c
}

/// File event (500, 502) → Network File Activity.
pub(super) fn file(f: &mut Fields, ev: &mut Map<String, J>) -> Class {
    let mut actor = Map::new();
    let app = f.c("clientApplication").or_else(|| f.c("applicationProtocol")).unwrap_or_else(|| "unknown".into());
    actor.insert("app_name".into(), app.into());
    if let Some(u) = f.c("user") {
        actor.insert("user".into(), json!({ "name": u }));
    }
    ev.insert("actor".into(), J::Object(actor));
    ev.insert("file".into(), file_object(f, "shaHash", None));
    let (src, dst) = (f.ip("sourceIpAddress"), f.ip("destinationIpAddress"));
    let (sp, dp) = (f.u("sourcePort"), f.u("destinationPort"));
    let s = endpoint(src.clone(), sp, None, None).unwrap_or_else(|| json!({"name": "unknown"}));
    ev.insert("src_endpoint".into(), s);
    put(ev, "dst_endpoint", endpoint(dst, dp, None, None));
    ev.insert("connection_info".into(), connection_info(f.u("protocol"), src.as_deref(), f.u("connectionCounter")));
    put(ev, "app_protocol_name", f.c("applicationProtocol"));
    put_control(ev, control_from_file_action(f.u("action")));
    if f.u("disposition") == Some(3) {
        let mut m = json!({"classification_ids": [0], "classifications": ["Unknown"]});
        put(m.as_object_mut().expect("object"), "name", f.c("detection"));
        ev.insert("malware".into(), json!([m]));
        ev.insert("is_alert".into(), true.into());
    }
    put(ev, "policy", named(f.text("accessControlPolicyUuid"), f.c("filePolicy")));
    // A clean or unknown file with no threat score is informational; otherwise by the score.
    let score = f.u("threatScore");
    let severity = if score.unwrap_or(0) == 0 && f.record.get_u("disposition") != Some(3) {
        1
    } else {
        severity_from_threat_score(score)
    };
    let mut c = class(4010, "Network File Activity", NETWORK, (0, "Unknown"), severity);
    c.profiles = SECURITY_CONTROL;
    c
}

/// User login (95), VPN login (170) and logoff (171) → Authentication.
pub(super) fn authentication(f: &mut Fields, ev: &mut Map<String, J>, rt: u32) -> Class {
    // The user block stays whole in `unmapped` too (only part of it has an OCSF home).
    let key = ["user", "userLogin", "userLogoff"].into_iter().find(|k| f.record.get(k).is_some()).unwrap_or("user");
    let b = f.record;
    let at = |k: &str| format!("{key}.{k}");
    let mut user = Map::new();
    put(&mut user, "name", text(b, &at("username")));
    put(&mut user, "uid", uint(b, &at("userId")).map(|n| n.to_string()));
    put(&mut user, "domain", text(b, &at("domain")));
    put(&mut user, "email_addr", text(b, &at("email")));
    if user.is_empty() {
        user.insert("name".into(), "unknown".into());
    }
    user.insert("type_id".into(), 1.into());
    user.insert("type".into(), "User".into());
    ev.insert("user".into(), J::Object(user));
    let src = ip(b, &at("ipv4Address")).or_else(|| ip(b, &at("ipv6Address"))).or_else(|| f.ip("hostIpAddr"));
    put(ev, "src_endpoint", endpoint(src, None, None, None));
    let service = text(b, &at("reportedBy")).unwrap_or_else(|| "Firepower user identity".into());
    ev.insert("service".into(), json!({ "name": service }));
    match f.c("userAuthType") {
        Some(name) => {
            ev.insert("auth_protocol_id".into(), 99.into());
            ev.insert("auth_protocol".into(), name.into());
        }
        None => {
            ev.insert("auth_protocol_id".into(), 0.into());
            ev.insert("auth_protocol".into(), "Unknown".into());
        }
    }
    ev.insert("status_id".into(), 1.into());
    ev.insert("status".into(), "Success".into());
    let activity = if rt == 171 { (2, "Logoff") } else { (1, "Logon") };
    class(3002, "Authentication", IAM, activity, 1)
}

/// Discovery and user-inventory records → Device Inventory Info, Log: the host, its open port
/// (new/updated/timed-out TCP or UDP server) and, for user records, its user as `owner`.
pub(super) fn discovery(f: &mut Fields, ev: &mut Map<String, J>) -> Class {
    let rt = f.record.get_u("recordType").unwrap_or(0);
    let mut device = Map::new();
    device.insert("type_id".into(), 0.into());
    device.insert("type".into(), "Unknown".into());
    let addr = f.ip("hostIpAddr");
    let mac = f.text("macAddress").filter(|m| m != "00:00:00:00:00:00");
    put(&mut device, "ip", addr.clone());
    put(&mut device, "mac", mac.clone());
    put(&mut device, "uid", f.u("deviceId").is_some().then(|| addr.clone().or_else(|| mac.clone())).flatten());
    if !device.contains_key("uid") {
        device.insert("uid".into(), format!("sensor-{}", f.record.get_u("deviceId").unwrap_or(0)).into());
    }
    let port = uint(f.record, "hostServer.port").or_else(|| f.u("port"));
    let proto = match rt {
        11 | 16 | 23 | 25 => Some((6, "tcp")),
        12 | 17 | 24 | 26 => Some((17, "udp")),
        _ => None,
    };
    let mut nic = Map::new();
    put(&mut nic, "ip", addr);
    put(&mut nic, "mac", mac);
    if let (Some(p), Some((num, name))) = (port, proto) {
        nic.insert("open_ports".into(), json!([{"port": p, "protocol_name": name, "protocol_num": num}]));
    }
    if !nic.is_empty() {
        device.insert("network_interfaces".into(), json!([nic]));
    }
    if let Some(u) = f.record.get("user").and_then(|v| v.as_obj()) {
        let mut owner = Map::new();
        put(&mut owner, "name", user_text(u, "username"));
        put(&mut owner, "uid", u.get_u("userId").map(|n| n.to_string()));
        if !owner.is_empty() {
            device.insert("owner".into(), J::Object(owner));
        }
    }
    ev.insert("device".into(), J::Object(device));
    put(ev, "message", f.c("eventDescription"));
    f.u("eventMicrosecond");
    class(5001, "Device Inventory Info", DISCOVERY, (1, "Log"), 1)
}

fn user_text(o: &Obj, k: &str) -> Option<String> {
    let s = scalar_text(o.get(k)?);
    (!s.is_empty()).then_some(s)
}
