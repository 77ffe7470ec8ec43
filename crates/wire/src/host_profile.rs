//! What the network map knows about one host, as plain data, and its host-profile blocks.
//!
//! [`HostProfile`] is filled from discovery events (the store's network map does that) and
//! encoded, through the schema tables and [`encode_block`], as the answer to a Host Request:
//! block 92 (4.9 full host profile, HOSTS.md §5–§6, data types 4/5) or S1 139 (the 5.2 host
//! profile of RECORDS.md, data types 6/7). The `from_block*` constructors read the decoded
//! event blocks (S1 139, 103, 122, 112, 130, 95) back into this form; they are lenient: a field
//! that is missing or has the wrong type reads as zero or empty.
//!
//! Conventions where the blocks differ (our choices, HOSTS.md tag [X]):
//! * Service source types: 0 discovery (RNA), 1 user, 2 scanner, 3 application; block 92 puts
//!   a service's identity in the information list of its source type (others: discovery).
//! * Fingerprint kinds that a block has no list for go to the closest one: in block 92 mobile
//!   and user-agent fingerprints count as client, IPv6 ones as their IPv4 kind; in S1 139
//!   derived, user, scan, application and conflict fingerprints go to `serverFingerprints`.
//! * A host without a derived fingerprint (no New OS event yet) sends its first fingerprint as
//!   the derived one in block 92.
//! * Vulnerabilities are the vulnerability-database list; the two third-party scan lists of
//!   block 92 are sent empty.

use crate::schema::blocks::S1_139;
use crate::schema::host_blocks::{GENERIC_LIST, LIST, S1_92};
use crate::value::{Obj, Value};
use crate::walk::encode_block;

/// Longest banner block 92 may carry (HOSTS.md §6, block 90 row 8).
pub const MAX_BANNER_BYTES: usize = 256;

/// Which fingerprint list of a host profile an OS fingerprint belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FingerprintSource {
    /// The derived (current) OS of the host (block 92 only).
    Derived,
    /// Server-side (TCP stack) fingerprint.
    Server,
    /// Client-side fingerprint.
    Client,
    /// SMB fingerprint.
    Smb,
    /// DHCP fingerprint.
    Dhcp,
    /// Set by a user (block 92 only).
    User,
    /// Reported by a scanner (block 92 only).
    Scan,
    /// Reported by an application (block 92 only).
    Application,
    /// Conflicting identity (block 92 only).
    Conflict,
    /// Mobile-device fingerprint (S1 139 only).
    Mobile,
    /// IPv6 server fingerprint (S1 139 only).
    Ipv6Server,
    /// IPv6 client fingerprint (S1 139 only).
    Ipv6Client,
    /// IPv6 DHCP fingerprint (S1 139 only).
    Ipv6Dhcp,
    /// HTTP User-Agent fingerprint (S1 139 only).
    UserAgent,
}

impl FingerprintSource {
    /// Every kind, in declaration order.
    pub const ALL: [FingerprintSource; 14] = [
        FingerprintSource::Derived,
        FingerprintSource::Server,
        FingerprintSource::Client,
        FingerprintSource::Smb,
        FingerprintSource::Dhcp,
        FingerprintSource::User,
        FingerprintSource::Scan,
        FingerprintSource::Application,
        FingerprintSource::Conflict,
        FingerprintSource::Mobile,
        FingerprintSource::Ipv6Server,
        FingerprintSource::Ipv6Client,
        FingerprintSource::Ipv6Dhcp,
        FingerprintSource::UserAgent,
    ];

    /// The block 92 list this kind is sent in.
    fn block92_key(self) -> &'static str {
        use FingerprintSource::*;
        match self {
            Derived => "derivedFingerprints",
            Server | Ipv6Server => "serverFingerprints",
            Client | Mobile | Ipv6Client | UserAgent => "clientFingerprints",
            Smb => "smbFingerprints",
            Dhcp | Ipv6Dhcp => "dhcpFingerprints",
            User => "userFingerprints",
            Scan => "scanFingerprints",
            Application => "applicationFingerprints",
            Conflict => "conflictFingerprints",
        }
    }

    /// The S1 139 list this kind is sent in.
    fn block139_key(self) -> &'static str {
        use FingerprintSource::*;
        match self {
            Derived | Server | User | Scan | Application | Conflict => "serverFingerprints",
            Client => "clientFingerprints",
            Smb => "smbFingerprints",
            Dhcp => "dhcpFingerprints",
            Mobile => "mobileDeviceFingerprints",
            Ipv6Server => "ipv6ServerFingerprints",
            Ipv6Client => "ipv6ClientFingerprints",
            Ipv6Dhcp => "ipv6DhcpFingerprints",
            UserAgent => "userAgentFingerprints",
        }
    }
}

/// The nine fingerprint lists of block 92, in wire order.
const BLOCK92_FINGERPRINT_KEYS: [&str; 9] = [
    "derivedFingerprints",
    "serverFingerprints",
    "clientFingerprints",
    "smbFingerprints",
    "dhcpFingerprints",
    "userFingerprints",
    "scanFingerprints",
    "applicationFingerprints",
    "conflictFingerprints",
];

/// The nine fingerprint lists of S1 139, in wire order, with the kind each one holds.
const BLOCK139_FINGERPRINT_LISTS: [(&str, FingerprintSource); 9] = [
    ("serverFingerprints", FingerprintSource::Server),
    ("clientFingerprints", FingerprintSource::Client),
    ("smbFingerprints", FingerprintSource::Smb),
    ("dhcpFingerprints", FingerprintSource::Dhcp),
    ("mobileDeviceFingerprints", FingerprintSource::Mobile),
    ("ipv6ServerFingerprints", FingerprintSource::Ipv6Server),
    ("ipv6ClientFingerprints", FingerprintSource::Ipv6Client),
    ("ipv6DhcpFingerprints", FingerprintSource::Ipv6Dhcp),
    ("userAgentFingerprints", FingerprintSource::UserAgent),
];

/// One OS fingerprint (block 87 / S1 130); the OS name comes from metadata record 54.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OsFingerprint {
    /// Which list it belongs to.
    pub source: FingerprintSource,
    /// Fingerprint UUID (key into metadata record 54).
    pub uuid: [u8; 16],
    /// Fingerprint type word.
    pub fingerprint_type: u32,
    /// Source type of the identification.
    pub source_type: u32,
    /// Source id of the identification.
    pub source_id: u32,
    /// Last seen, UNIX seconds.
    pub last_seen: u32,
    /// TTL difference.
    pub ttl_difference: u8,
}

/// A vulnerability of a host or service (S1 85).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostVulnerability {
    /// Vulnerability id (metadata record 57).
    pub id: u32,
    /// Marked invalid (not applicable) by a user.
    pub invalid: bool,
    /// Vulnerability type word.
    pub vulnerability_type: u32,
}

/// A TCP or UDP service of a host (block 90 / S1 103).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HostService {
    /// Port.
    pub port: u16,
    /// Times seen.
    pub hits: u32,
    /// Last used, UNIX seconds.
    pub last_used: u32,
    /// Application protocol id (metadata record 63; 0 = unknown).
    pub application_protocol_id: u32,
    /// Vendor text.
    pub vendor: String,
    /// Version text.
    pub version: String,
    /// Source type of the identification (0 discovery, 1 user, 2 scanner, 3 application).
    pub source_type: u32,
    /// Source id of the identification.
    pub source_id: u32,
    /// Identification confidence, percent.
    pub confidence: u32,
    /// Service banner bytes (block 92 sends at most [`MAX_BANNER_BYTES`]).
    pub banner: Vec<u8>,
    /// Vulnerabilities of this service.
    pub vulnerabilities: Vec<HostVulnerability>,
}

/// A MAC address of a host (S1 95).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostMac {
    /// TTL seen with it.
    pub ttl: u8,
    /// The address.
    pub mac: [u8; 6],
    /// Whether it is the host's primary MAC.
    pub primary: bool,
    /// Last seen, UNIX seconds.
    pub last_seen: u32,
}

/// VLAN tag of a host (S1 14).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Vlan {
    /// VLAN id.
    pub id: u16,
    /// VLAN type.
    pub vlan_type: u8,
    /// VLAN priority.
    pub priority: u8,
}

/// A client application seen on a host (block 42 / S1 122 / S1 112).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ClientApplication {
    /// Client application id (metadata record 55).
    pub client_application_id: u32,
    /// Application protocol id (metadata record 63; S1 112 does not carry it).
    pub application_protocol_id: u32,
    /// Times seen.
    pub hits: u32,
    /// Last used, UNIX seconds.
    pub last_used: u32,
    /// Version text.
    pub version: String,
}

/// A host attribute value (block 48).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AttributeValue {
    /// Attribute id (metadata record 60).
    pub attribute_id: u32,
    /// Attribute type word.
    pub attribute_type: u32,
    /// Value of an integer attribute.
    pub integer_value: u32,
    /// Value of a text attribute.
    pub text_value: String,
}

/// Everything the network map knows about one host.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HostProfile {
    /// Address, IPv6 form (IPv4-mapped for IPv4 hosts).
    pub address: [u8; 16],
    /// Hops from the sensor.
    pub hops: u8,
    /// OS fingerprints with the list each belongs to.
    pub fingerprints: Vec<OsFingerprint>,
    /// TCP services, one per port.
    pub tcp_services: Vec<HostService>,
    /// UDP services, one per port.
    pub udp_services: Vec<HostService>,
    /// Network protocols (EtherType-style numbers).
    pub network_protocols: Vec<u16>,
    /// Transport protocols (IP protocol numbers).
    pub transport_protocols: Vec<u16>,
    /// MAC addresses.
    pub mac_addresses: Vec<HostMac>,
    /// Last seen, UNIX seconds.
    pub last_seen: u32,
    /// 0 host, 1 router, 2 bridge, 3 NAT device, 4 load balancer.
    pub host_type: u32,
    /// Business criticality.
    pub criticality: u16,
    /// VLAN tag, when one was seen.
    pub vlan: Option<Vlan>,
    /// Client applications.
    pub client_applications: Vec<ClientApplication>,
    /// NetBIOS name (empty if none).
    pub netbios_name: String,
    /// Host notes (sent only when a Host Request asks for them).
    pub notes: String,
    /// Vulnerabilities of the host.
    pub vulnerabilities: Vec<HostVulnerability>,
    /// Attribute values.
    pub attributes: Vec<AttributeValue>,
    /// Mobile device.
    pub mobile: bool,
    /// Jailbroken mobile device.
    pub jailbroken: bool,
}

// ---------------------------------------------------------------------------------------------
// value-tree builders

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

// ---------------------------------------------------------------------------------------------
// value-tree readers (lenient)

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
    /// An empty profile for `address` (IPv6 form, IPv4-mapped for v4).
    pub fn new(address: [u8; 16]) -> Self {
        HostProfile { address, ..HostProfile::default() }
    }

    /// The IPv4 address when `address` is IPv4-mapped (`::ffff:a.b.c.d`).
    pub fn ipv4(&self) -> Option<[u8; 4]> {
        std::net::Ipv6Addr::from(self.address).to_ipv4_mapped().map(|a| a.octets())
    }

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
    /// vulnerability or attribute fields; client applications lose their application protocol.
    ///
    /// # Panics
    /// Only if a field is longer than 4 GiB (its length word cannot hold it).
    pub fn to_block139(&self) -> Vec<u8> {
        encode_block(&S1_139, &self.block139_value()).expect("host profile fields fit their u32 lengths")
    }
}
