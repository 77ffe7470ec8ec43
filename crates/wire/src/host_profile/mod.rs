//! What the network map knows about one host, as plain data, and its host-profile blocks.
//!
//! [`HostProfile`] is filled from discovery events (the store's network map does that) and
//! encoded, through the schema tables and [`encode_block`](crate::walk::encode_block), as the answer to a Host Request:
//! block 92 (4.9 full host profile, HOSTS.md §5–§6, data types 4/5) or S1 139 (the 5.2 host
//! profile of RECORDS.md, data types 6/7). The `from_block*` constructors read the decoded
//! event blocks (S1 139, 103, 122, 112, 130, 95) back into this form; they are lenient: a field
//! that is missing or has the wrong type reads as zero or empty.
//!
//! Conventions where the blocks differ (our choices, HOSTS.md tag \[X\]):
//! * Service source types: 0 discovery (RNA), 1 user, 2 scanner, 3 application; block 92 puts
//!   a service's identity in the information list of its source type (others: discovery).
//! * Fingerprint kinds that a block has no list for go to the closest one: in block 92 mobile
//!   and user-agent fingerprints count as client, IPv6 ones as their IPv4 kind; in S1 139
//!   derived, user, scan, application and conflict fingerprints go to `serverFingerprints`.
//! * A host without a derived fingerprint (no New OS event yet) sends its first fingerprint as
//!   the derived one in block 92.
//! * Vulnerabilities are the vulnerability-database list; the two third-party scan lists of
//!   block 92 are sent empty.

mod decode;
mod encode;

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
    pub(crate) fn block92_key(self) -> &'static str {
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
    pub(crate) fn block139_key(self) -> &'static str {
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
pub(crate) const BLOCK92_FINGERPRINT_KEYS: [&str; 9] = [
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
pub(crate) const BLOCK139_FINGERPRINT_LISTS: [(&str, FingerprintSource); 9] = [
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

impl HostProfile {
    /// An empty profile for `address` (IPv6 form, IPv4-mapped for v4).
    pub fn new(address: [u8; 16]) -> Self {
        HostProfile { address, ..HostProfile::default() }
    }

    /// The IPv4 address when `address` is IPv4-mapped (`::ffff:a.b.c.d`).
    pub fn ipv4(&self) -> Option<[u8; 4]> {
        std::net::Ipv6Addr::from(self.address).to_ipv4_mapped().map(|a| a.octets())
    }
}
