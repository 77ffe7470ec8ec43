//! Host profile → block 92 / S1 139 value trees, encoded by the schema walker.

use super::{
    FingerprintSource, HostMac, HostProfile, HostService, HostVulnerability, OsFingerprint, Vlan,
    BLOCK139_FINGERPRINT_LISTS, BLOCK92_FINGERPRINT_KEYS, MAX_BANNER_BYTES,
};
use crate::schema::blocks::S1_139;
use crate::schema::host_blocks::{GENERIC_LIST, LIST, S1_92};
use crate::session::HostBlocks;
use crate::value::{Obj, Value};
use crate::walk::encode_block;

fn num(n: impl Into<u64>) -> Value {
    Value::U(n.into())
}

/// A String (S1 0) or BLOB (S1 10) block value.
fn data_block(bytes: &[u8]) -> Value {
    let mut o = Obj::new();
    o.push("data", Value::Data(bytes.to_vec()));
    Value::Obj(o)
}

/// A list value without a `listType`: the layout's header number is used.
fn list(items: Vec<Obj>) -> Value {
    let mut o = Obj::new();
    o.push("items", Value::Arr(items.into_iter().map(Value::Obj).collect()));
    Value::Obj(o)
}

/// A list value with an explicit header number (for layouts that do not fix one).
fn list_with_header(header: u32, items: Vec<Obj>) -> Value {
    let mut o = Obj::new();
    o.push("listType", num(header));
    o.push("items", Value::Arr(items.into_iter().map(Value::Obj).collect()));
    Value::Obj(o)
}

fn obj(entries: Vec<(&'static str, Value)>) -> Obj {
    let mut o = Obj::new();
    for (k, v) in entries {
        o.push(k, v);
    }
    o
}

fn vulnerability_items(vulns: &[HostVulnerability]) -> Vec<Obj> {
    vulns
        .iter()
        .map(|v| {
            obj(vec![
                ("vulnerabilityId", num(v.id)),
                ("invalidFlags", num(u8::from(v.invalid))),
                ("type", num(v.vulnerability_type)),
            ])
        })
        .collect()
}

fn fingerprint_fields(f: &OsFingerprint) -> Vec<(&'static str, Value)> {
    vec![
        ("uuid", Value::Uuid(f.uuid)),
        ("type", num(f.fingerprint_type)),
        ("sourceType", num(f.source_type)),
        ("sourceId", num(f.source_id)),
        ("lastSeen", num(f.last_seen)),
        ("ttlDifference", num(f.ttl_difference)),
    ]
}

fn mac_items(macs: &[HostMac]) -> Vec<Obj> {
    macs.iter()
        .map(|m| {
            obj(vec![
                ("ttl", num(m.ttl)),
                ("address", Value::Mac(m.mac)),
                ("primary", num(u8::from(m.primary))),
                ("lastSeen", num(m.last_seen)),
            ])
        })
        .collect()
}

fn protocol_items(protocols: &[u16]) -> Vec<Obj> {
    protocols.iter().map(|p| obj(vec![("protocol", num(*p))])).collect()
}

/// Block 90 information list key for a source type.
fn service_info_key(source_type: u32) -> &'static str {
    match source_type {
        1 => "userServiceInfo",
        2 => "scanServiceInfo",
        3 => "applicationServiceInfo",
        _ => "discoveryServiceInfo",
    }
}

fn service90(s: &HostService, banners: bool) -> Obj {
    let info = obj(vec![
        ("applicationProtocolId", num(s.application_protocol_id)),
        ("vendor", data_block(s.vendor.as_bytes())),
        ("version", data_block(s.version.as_bytes())),
        ("lastUsed", num(s.last_used)),
        ("sourceType", num(s.source_type)),
        ("sourceId", num(s.source_id)),
    ]);
    let own_list = service_info_key(s.source_type);
    let mut info = Some(info);
    let mut fields = vec![("port", num(s.port)), ("hits", num(s.hits))];
    for key in ["discoveryServiceInfo", "userServiceInfo", "scanServiceInfo", "applicationServiceInfo"] {
        let items = if key == own_list { info.take().into_iter().collect() } else { Vec::new() };
        fields.push((key, list(items)));
    }
    let banner: &[u8] = if banners { &s.banner[..s.banner.len().min(MAX_BANNER_BYTES)] } else { &[] };
    fields.extend([
        ("confidence", num(s.confidence)),
        ("banner", data_block(banner)),
        ("vulnerabilities", list(vulnerability_items(&s.vulnerabilities))),
        ("scanVulnerabilities", list(Vec::new())),
        ("scanOriginalVulnerabilities", list(Vec::new())),
        ("subServices", list(Vec::new())),
    ]);
    obj(fields)
}

fn server103(s: &HostService) -> Obj {
    let info = obj(vec![
        ("applicationId", num(s.application_protocol_id)),
        ("vendor", data_block(s.vendor.as_bytes())),
        ("version", data_block(s.version.as_bytes())),
        ("lastUsed", num(s.last_used)),
        ("sourceType", num(s.source_type)),
        ("sourceId", num(s.source_id)),
        ("subServers", list_with_header(LIST, Vec::new())),
    ]);
    obj(vec![
        ("port", num(s.port)),
        ("hits", num(s.hits)),
        ("lastUsed", num(s.last_used)),
        ("serverInformation", list_with_header(GENERIC_LIST, vec![info])),
        ("confidence", num(s.confidence)),
        ("webApplication", list_with_header(GENERIC_LIST, Vec::new())),
    ])
}

impl HostProfile {
    /// The block 92 value tree (see [`HostProfile::to_block92`]).
    pub fn block92_value(&self, notes: bool, banners: bool) -> Option<Obj> {
        let ip = self.ipv4()?;
        let mut fields = vec![("ipAddress", Value::Ip4(ip)), ("hops", num(self.hops))];
        // Without a derived OS (no New OS event yet), the first fingerprint stands for it.
        let has_derived = self.fingerprints.iter().any(|f| f.source == FingerprintSource::Derived);
        for key in BLOCK92_FINGERPRINT_KEYS {
            let mut fps: Vec<Obj> = self
                .fingerprints
                .iter()
                .filter(|f| f.source.block92_key() == key)
                .map(|f| obj(fingerprint_fields(f)))
                .collect();
            if key == "derivedFingerprints" && !has_derived {
                fps.extend(self.fingerprints.first().map(|f| obj(fingerprint_fields(f))));
            }
            fields.push((key, list(fps)));
        }
        let vlan = self.vlan.unwrap_or(Vlan { id: 0, vlan_type: 0, priority: 0 });
        fields.extend([
            ("tcpServices", list(self.tcp_services.iter().map(|s| service90(s, banners)).collect())),
            ("udpServices", list(self.udp_services.iter().map(|s| service90(s, banners)).collect())),
            ("networkProtocols", list(protocol_items(&self.network_protocols))),
            ("transportProtocols", list(protocol_items(&self.transport_protocols))),
            ("macAddresses", list(mac_items(&self.mac_addresses))),
            ("lastSeen", num(self.last_seen)),
            ("hostType", num(self.host_type)),
            ("criticality", num(self.criticality)),
            ("vlanId", num(vlan.id)),
            ("vlanType", num(vlan.vlan_type)),
            ("vlanPriority", num(vlan.priority)),
        ]);
        let apps = self.client_applications.iter().map(|a| {
            obj(vec![
                ("hits", num(a.hits)),
                ("lastUsed", num(a.last_used)),
                ("applicationProtocolId", num(a.application_protocol_id)),
                ("clientApplicationId", num(a.client_application_id)),
                ("version", data_block(a.version.as_bytes())),
            ])
        });
        let attributes = self.attributes.iter().map(|a| {
            obj(vec![
                ("attributeId", num(a.attribute_id)),
                ("attributeType", num(a.attribute_type)),
                ("integerValue", num(a.integer_value)),
                ("textValue", data_block(a.text_value.as_bytes())),
            ])
        });
        fields.extend([
            ("clientApplications", list(apps.collect())),
            ("netbiosName", data_block(self.netbios_name.as_bytes())),
            ("notes", data_block(if notes { self.notes.as_bytes() } else { &[] })),
            ("vulnerabilities", list(vulnerability_items(&self.vulnerabilities))),
            ("scanVulnerabilities", list(Vec::new())),
            ("scanOriginalVulnerabilities", list(Vec::new())),
            ("attributes", list(attributes.collect())),
        ]);
        Some(obj(fields))
    }

    /// Block 92 (4.9 full host profile, HOSTS.md §5–§6), the whole block with its header, as
    /// the body of a Single/Multiple Host Data message for data types 4/5. Notes are sent only
    /// with `notes` (request flag bit 0) and service banners only with `banners` (bit 1).
    /// `None` for a host without an IPv4 address: block 92 cannot represent it.
    pub fn to_block92(&self, notes: bool, banners: bool) -> Option<Vec<u8>> {
        encode_block(&S1_92, &self.block92_value(notes, banners)?).ok()
    }

    /// The S1 139 value tree (see [`HostProfile::to_block139`]).
    pub fn block139_value(&self) -> Obj {
        let mut fields =
            vec![("ipAddress", Value::Ip6(self.address)), ("hops", num(self.hops)), ("primarySecondary", num(0u8))];
        for (key, _) in BLOCK139_FINGERPRINT_LISTS {
            let fps = self.fingerprints.iter().filter(|f| f.source.block139_key() == key);
            let fps = fps.map(|f| {
                let mut fields = fingerprint_fields(f);
                fields.push(("mobileDevice", list_with_header(GENERIC_LIST, Vec::new())));
                obj(fields)
            });
            fields.push((key, list_with_header(GENERIC_LIST, fps.collect())));
        }
        let vlan = self.vlan.unwrap_or(Vlan { id: 0, vlan_type: 0, priority: 0 });
        fields.extend([
            ("tcpServer", list_with_header(LIST, self.tcp_services.iter().map(server103).collect())),
            ("udpServer", list_with_header(LIST, self.udp_services.iter().map(server103).collect())),
            ("networkProtocol", list_with_header(LIST, protocol_items(&self.network_protocols))),
            ("transportProtocol", list_with_header(LIST, protocol_items(&self.transport_protocols))),
            ("hostMacAddress", list_with_header(LIST, mac_items(&self.mac_addresses))),
            ("hostLastSeen", num(self.last_seen)),
            ("hostType", num(self.host_type)),
            ("mobile", num(u8::from(self.mobile))),
            ("jailbroken", num(u8::from(self.jailbroken))),
            ("vlanPresence", num(u8::from(self.vlan.is_some()))),
            ("vlanId", num(vlan.id)),
            ("vlanType", num(vlan.vlan_type)),
            ("vlanPriority", num(vlan.priority)),
        ]);
        let apps = self.client_applications.iter().map(|a| {
            obj(vec![
                ("hits", num(a.hits)),
                ("lastUsed", num(a.last_used)),
                ("applicationId", num(a.client_application_id)),
                ("version", data_block(a.version.as_bytes())),
                ("webApplication", list_with_header(GENERIC_LIST, Vec::new())),
                ("vulnerability", list_with_header(GENERIC_LIST, Vec::new())),
            ])
        });
        fields.push(("clientApplications", list_with_header(GENERIC_LIST, apps.collect())));
        fields.push(("netbios", data_block(self.netbios_name.as_bytes())));
        obj(fields)
    }

    /// S1 139 (HOST_PROFILE_DATA_52), the whole block with its header: the only 5.x host
    /// profile the spec gives, for data types 6/7. It has no banner, notes, criticality,
    /// vulnerability or attribute fields, so `banners` (request flag bit 1) changes nothing; it
    /// is taken so that every data type has the same call shape. Client applications lose
    /// their application protocol (S1 112 has none).
    ///
    /// # Panics
    /// Only if a field is longer than 4 GiB (its length word cannot hold it).
    pub fn to_block139(&self, banners: bool) -> Vec<u8> {
        let _ = banners;
        encode_block(&S1_139, &self.block139_value()).expect("host profile fields fit their u32 lengths")
    }
}

/// What a server session needs from a host to answer a Host Request.
impl HostBlocks for HostProfile {
    fn address(&self) -> [u8; 16] {
        self.address
    }

    fn to_block92(&self, notes: bool, banners: bool) -> Option<Vec<u8>> {
        HostProfile::to_block92(self, notes, banners)
    }

    fn to_block139(&self, banners: bool) -> Vec<u8> {
        HostProfile::to_block139(self, banners)
    }
}
