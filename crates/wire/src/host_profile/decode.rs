//! Decoded event blocks (S1 139, 103, 122, 112, 130, 95, 85) → host profile parts, leniently:
//! a missing or mistyped field reads as zero or empty.

use super::{
    ClientApplication, FingerprintSource, HostMac, HostProfile, HostService, HostVulnerability, OsFingerprint, Vlan,
    BLOCK139_FINGERPRINT_LISTS,
};
use crate::value::{Obj, Value};

fn get_u(o: &Obj, key: &str) -> u64 {
    o.get_u(key).unwrap_or(0)
}

fn get_u32(o: &Obj, key: &str) -> u32 {
    u32::try_from(get_u(o, key)).unwrap_or(u32::MAX)
}

fn get_u16(o: &Obj, key: &str) -> u16 {
    u16::try_from(get_u(o, key)).unwrap_or(u16::MAX)
}

fn get_u8(o: &Obj, key: &str) -> u8 {
    u8::try_from(get_u(o, key)).unwrap_or(u8::MAX)
}

/// Bytes of the String/BLOB block under `key`.
fn get_data<'a>(o: &'a Obj, key: &str) -> &'a [u8] {
    match o.get(key).and_then(Value::as_obj).and_then(|b| b.get("data")) {
        Some(Value::Data(b)) | Some(Value::Hex(b)) => b,
        _ => &[],
    }
}

fn get_text(o: &Obj, key: &str) -> String {
    String::from_utf8_lossy(get_data(o, key)).into_owned()
}

/// The item objects of the list under `key`.
fn items<'a>(o: &'a Obj, key: &str) -> impl Iterator<Item = &'a Obj> {
    let arr = match o.get(key).and_then(Value::as_obj).and_then(|l| l.get("items")) {
        Some(Value::Arr(a)) => a.as_slice(),
        _ => &[],
    };
    arr.iter().filter_map(Value::as_obj)
}

impl OsFingerprint {
    /// Read an S1 130 (or block 87) value.
    pub fn from_block130(o: &Obj, source: FingerprintSource) -> Self {
        OsFingerprint {
            source,
            uuid: match o.get("uuid") {
                Some(Value::Uuid(u)) => *u,
                _ => [0; 16],
            },
            fingerprint_type: get_u32(o, "type"),
            source_type: get_u32(o, "sourceType"),
            source_id: get_u32(o, "sourceId"),
            last_seen: get_u32(o, "lastSeen"),
            ttl_difference: get_u8(o, "ttlDifference"),
        }
    }
}

impl HostVulnerability {
    /// Read an S1 85 value.
    pub fn from_block85(o: &Obj) -> Self {
        HostVulnerability {
            id: get_u32(o, "vulnerabilityId"),
            invalid: get_u(o, "invalidFlags") != 0,
            vulnerability_type: get_u32(o, "type"),
        }
    }
}

impl HostService {
    /// Read an S1 103 value (records 11/12/16/17, or merged into 51/52, or inside S1 139):
    /// the first server-information item gives the identity.
    pub fn from_block103(o: &Obj) -> Self {
        let mut s = HostService {
            port: get_u16(o, "port"),
            hits: get_u32(o, "hits"),
            last_used: get_u32(o, "lastUsed"),
            confidence: get_u32(o, "confidence"),
            ..HostService::default()
        };
        if let Some(info) = items(o, "serverInformation").next() {
            s.application_protocol_id = get_u32(info, "applicationId");
            s.vendor = get_text(info, "vendor");
            s.version = get_text(info, "version");
            s.source_type = get_u32(info, "sourceType");
            s.source_id = get_u32(info, "sourceId");
        }
        s
    }
}

impl HostMac {
    /// Read an S1 95 value.
    pub fn from_block95(o: &Obj) -> Self {
        HostMac {
            ttl: get_u8(o, "ttl"),
            mac: match o.get("address") {
                Some(Value::Mac(m)) => *m,
                _ => [0; 6],
            },
            primary: get_u(o, "primary") != 0,
            last_seen: get_u32(o, "lastSeen"),
        }
    }
}

impl ClientApplication {
    /// Read an S1 122 value (records 15/35/107: `id`, `applicationProto`) or an S1 112 value
    /// (inside S1 139: `applicationId`, no application protocol).
    pub fn from_block122(o: &Obj) -> Self {
        let id = o.get_u("id").or_else(|| o.get_u("applicationId")).unwrap_or(0);
        ClientApplication {
            client_application_id: u32::try_from(id).unwrap_or(u32::MAX),
            application_protocol_id: get_u32(o, "applicationProto"),
            hits: get_u32(o, "hits"),
            last_used: get_u32(o, "lastUsed"),
            version: get_text(o, "version"),
        }
    }
}

impl HostProfile {
    /// Read an S1 139 value (record 10's `hostProfile`). The address is the profile's own.
    pub fn from_block139(o: &Obj) -> Self {
        let mut h = HostProfile {
            address: match o.get("ipAddress") {
                Some(Value::Ip6(a)) => *a,
                _ => [0; 16],
            },
            hops: get_u8(o, "hops"),
            last_seen: get_u32(o, "hostLastSeen"),
            host_type: get_u32(o, "hostType"),
            mobile: get_u(o, "mobile") != 0,
            jailbroken: get_u(o, "jailbroken") != 0,
            netbios_name: get_text(o, "netbios"),
            ..HostProfile::default()
        };
        for (key, source) in BLOCK139_FINGERPRINT_LISTS {
            h.fingerprints.extend(items(o, key).map(|f| OsFingerprint::from_block130(f, source)));
        }
        h.tcp_services = items(o, "tcpServer").map(HostService::from_block103).collect();
        h.udp_services = items(o, "udpServer").map(HostService::from_block103).collect();
        h.network_protocols = items(o, "networkProtocol").map(|p| get_u16(p, "protocol")).collect();
        h.transport_protocols = items(o, "transportProtocol").map(|p| get_u16(p, "protocol")).collect();
        h.mac_addresses = items(o, "hostMacAddress").map(HostMac::from_block95).collect();
        if get_u(o, "vlanPresence") != 0 {
            h.vlan = Some(Vlan {
                id: get_u16(o, "vlanId"),
                vlan_type: get_u8(o, "vlanType"),
                priority: get_u8(o, "vlanPriority"),
            });
        }
        for app in items(o, "clientApplications") {
            h.client_applications.push(ClientApplication::from_block122(app));
            h.vulnerabilities.extend(items(app, "vulnerability").map(HostVulnerability::from_block85));
        }
        h
    }
}
