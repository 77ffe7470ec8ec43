//! Discovery events: what an FMC learns about the world's internal hosts, in an order that
//! builds a coherent network map.
//!
//! Each internal host is first announced by a New Host event (10) with an S1 139 profile
//! (address, hops, a first OS fingerprint, network and transport protocols, its MAC, VLAN).
//! What the sensor learns later comes as its own events, each after the new-host event: the
//! derived OS (101), the servers the host really runs (11/12, the same ports and application
//! protocols its connections use), its client applications (15), NetBIOS name for Windows
//! hosts (42) and, for servers, a user-set criticality (82) and attribute values (83). Once
//! known, a host also gets updates: server and client-application updates (16/17, 107), hops
//! changes (22), MAC information (27, and for servers one additional MAC, 28), network and
//! transport protocols (13/14), VLAN tag updates (34), and transient workstations time out
//! (19), after which they are announced again from scratch.
//!
//! Every id resolves through metadata: application protocols through 63, client applications
//! through 55, OS fingerprint UUIDs through 54, criticalities through 58, attributes through 60
//! ([`metadata_json`] returns the 54/58/60 entries).

use serde_json::{json, Value as J};

use crate::encode::{encode_json, mac_str};
use crate::world::{app, client, Host, Role, World, ZONE_DMZ};
use crate::{GenRecord, SensorError};

/// OS fingerprints (record 54): UUID, name, vendor, version.
const OS: &[(u128, &str, &str, &str)] = &[
    (0x6f0f_3c10_8a4e_4b6e_9d2a_1c55_0a11_0001, "Windows", "Microsoft", "11"),
    (0x6f0f_3c10_8a4e_4b6e_9d2a_1c55_0a11_0002, "Windows", "Microsoft", "10"),
    (0x6f0f_3c10_8a4e_4b6e_9d2a_1c55_0a11_0003, "Windows Server", "Microsoft", "2022"),
    (0x6f0f_3c10_8a4e_4b6e_9d2a_1c55_0a11_0004, "macOS", "Apple", "14"),
    (0x6f0f_3c10_8a4e_4b6e_9d2a_1c55_0a11_0005, "Ubuntu Linux", "Canonical", "22.04"),
    (0x6f0f_3c10_8a4e_4b6e_9d2a_1c55_0a11_0006, "Red Hat Enterprise Linux", "Red Hat", "9"),
];
const WIN11: usize = 0;
const WIN10: usize = 1;
const WIN_SERVER: usize = 2;
const MACOS: usize = 3;
const UBUNTU: usize = 4;
const RHEL: usize = 5;

/// Criticalities (record 58); 0 means none.
const CRITICALITIES: &[(u32, &str)] = &[(1, "Low"), (2, "Medium"), (3, "High")];

/// Host attributes (record 60).
const ATTR_OWNER: u32 = 1;
const ATTR_LOCATION: u32 = 2;
const ATTRIBUTES: &[(u32, &str)] = &[(ATTR_OWNER, "Owner"), (ATTR_LOCATION, "Location")];

/// The 54, 58 and 60 metadata records of the discovery catalogs, with their keys.
pub(crate) fn metadata_json() -> Vec<(J, Vec<u8>)> {
    let mut out = Vec::new();
    for &(uuid, name, vendor, version) in OS {
        let u = uuid.to_be_bytes();
        let j = json!({"recordType": 54, "uuid": crate::encode::uuid_str(&u), "name": name, "vendor": vendor,
            "version": version});
        out.push((j, u.to_vec()));
    }
    for &(rt, table) in &[(58u32, CRITICALITIES), (60, ATTRIBUTES)] {
        for &(id, name) in table {
            out.push((json!({"recordType": rt, "id": id, "name": name}), id.to_be_bytes().to_vec()));
        }
    }
    out
}

/// A server a host runs: port, UDP or TCP, application protocol (63), vendor, version.
#[derive(Clone, Copy, Debug)]
struct ServerDef {
    port: u16,
    udp: bool,
    app: u32,
    vendor: &'static str,
    version: &'static str,
}

const fn tcp(port: u16, app: u32, vendor: &'static str, version: &'static str) -> ServerDef {
    ServerDef { port, udp: false, app, vendor, version }
}

const fn udp(port: u16, app: u32, vendor: &'static str, version: &'static str) -> ServerDef {
    ServerDef { port, udp: true, app, vendor, version }
}

const WINDOWS_DESKTOP: &[ServerDef] =
    &[tcp(445, app::SMB, "Microsoft", "SMB 3.1.1"), tcp(3389, app::RDP, "Microsoft", "Terminal Services")];
const MAC_DESKTOP: &[ServerDef] = &[tcp(22, app::SSH, "OpenSSH", "9.4")];
const DOMAIN_CONTROLLER: &[ServerDef] = &[
    tcp(53, app::DNS, "Microsoft", "DNS 10.0"),
    udp(53, app::DNS, "Microsoft", "DNS 10.0"),
    tcp(88, app::KERBEROS, "Microsoft", "Kerberos 5"),
    udp(88, app::KERBEROS, "Microsoft", "Kerberos 5"),
    udp(123, app::NTP, "Microsoft", "w32time"),
    tcp(389, app::LDAP, "Microsoft", "Active Directory LDAP"),
    tcp(445, app::SMB, "Microsoft", "SMB 3.1.1"),
    tcp(3389, app::RDP, "Microsoft", "Terminal Services"),
];
const FILE_SERVER: &[ServerDef] =
    &[tcp(445, app::SMB, "Microsoft", "SMB 3.1.1"), tcp(3389, app::RDP, "Microsoft", "Terminal Services")];
const WEB_SERVER: &[ServerDef] = &[
    tcp(80, app::HTTP, "nginx", "1.24.0"),
    tcp(443, app::HTTPS, "nginx", "1.24.0"),
    tcp(22, app::SSH, "OpenSSH", "8.9p1"),
];
const MAIL_RELAY: &[ServerDef] = &[tcp(25, app::SMTP, "Postfix", "3.6.4"), tcp(22, app::SSH, "OpenSSH", "8.9p1")];
const JUMP_HOST: &[ServerDef] = &[tcp(22, app::SSH, "OpenSSH", "8.7p1"), tcp(3389, app::RDP, "xrdp", "0.9.22")];

/// Per-host discovery progress.
#[derive(Clone, Debug, Default)]
struct HostState {
    known: bool,
    /// Facts still to announce, in order.
    pending: Vec<Fact>,
    /// Servers and client applications announced (indexes into the host's catalogs).
    servers: Vec<usize>,
    clients: Vec<usize>,
    extra_mac: bool,
}

/// Discovery progress of the whole world.
#[derive(Clone, Debug, Default)]
pub(crate) struct DiscoveryState {
    hosts: Vec<HostState>,
}

/// Something the sensor learns about a known host.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fact {
    Os,
    Server(usize),
    Client(usize),
    NetBios,
    Criticality,
    Attribute(u32),
}

/// What a discovery step does with a known host.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Step {
    Announce,
    ServerUpdate,
    ClientUpdate,
    Hops,
    MacChange,
    AdditionalMac,
    NetworkProtocol,
    TransportProtocol,
    Vlan,
    Timeout,
}

impl Host {
    fn os(&self, index: usize) -> usize {
        match self.role {
            Role::Workstation => [WIN11, WIN11, WIN11, WIN10, MACOS][index % 5],
            Role::DomainController | Role::FileServer => WIN_SERVER,
            Role::JumpHost => RHEL,
            _ => UBUNTU,
        }
    }

    fn servers(&self, index: usize) -> &'static [ServerDef] {
        match self.role {
            Role::Workstation if self.os(index) == MACOS => MAC_DESKTOP,
            Role::Workstation => WINDOWS_DESKTOP,
            Role::DomainController => DOMAIN_CONTROLLER,
            Role::FileServer => FILE_SERVER,
            Role::WebServer => WEB_SERVER,
            Role::MailRelay => MAIL_RELAY,
            Role::JumpHost => JUMP_HOST,
            _ => &[],
        }
    }

    /// Client applications: (client id (55), application protocol (63), version).
    fn clients(&self, index: usize) -> Vec<(u32, u32, &'static str)> {
        let windows = matches!(self.os(index), WIN11 | WIN10 | WIN_SERVER);
        let mut out = vec![(client::DNS, app::DNS, ""), (client::NTP, app::NTP, "")];
        if self.role == Role::Workstation {
            let (id, version, _) = client::BROWSERS[index % 3];
            out.push((id, app::HTTPS, version));
        }
        if windows {
            out.push((client::WINUPDATE, app::HTTPS, "10.0"));
            out.push((client::KERBEROS, app::KERBEROS, ""));
            out.push((client::LDAP, app::LDAP, ""));
            if self.role == Role::Workstation {
                out.extend([(client::SMB, app::SMB, "3.1.1"), (client::OUTLOOK, app::HTTPS, "16.0")]);
            }
        } else {
            out.extend([(client::CURL, app::HTTP, "8.4.0"), (client::OPENSSH, app::SSH, "9.4")]);
        }
        out
    }

    fn windows(&self, index: usize) -> bool {
        matches!(self.os(index), WIN11 | WIN10 | WIN_SERVER)
    }

    fn server_role(&self) -> bool {
        self.zone == ZONE_DMZ
    }

    /// Workstations that come and go (laptops): they time out and are rediscovered.
    fn transient(&self, index: usize) -> bool {
        self.role == Role::Workstation && index % 3 == 1
    }

    fn vlan(&self) -> u16 {
        100 * (1 + u16::from(self.server_role())) + 10 * self.device as u16
    }

    fn ttl(&self, index: usize) -> u8 {
        if self.windows(index) {
            128
        } else {
            64
        }
    }

    fn netbios_name(&self) -> String {
        let first = self.name.split('.').next().unwrap_or("");
        first.to_ascii_uppercase().chars().take(15).collect()
    }
}

fn list(header: u32, items: Vec<J>) -> J {
    json!({"listType": header, "items": items})
}

fn ip_range(ip: &str) -> J {
    list(11, vec![json!({"start": ip, "finish": ip})])
}

fn os_uuid(os: usize) -> String {
    crate::encode::uuid_str(&OS[os].0.to_be_bytes())
}

impl World {
    /// A discovery event header for `host` (RECORDS.md §4, with the IPv6 host address).
    pub(crate) fn disc_header(&self, host: usize, event_type: u32, subtype: u32) -> J {
        let h = &self.hosts[host];
        let (now_s, now_us) = self.now();
        json!({
            "deviceId": self.devices[h.device].id,
            "macAddress": mac_str(&h.mac),
            "eventSecond": now_s,
            "eventMicrosecond": now_us,
            "eventType": event_type,
            "eventSubtype": subtype,
            "hostIpAddr": h.ip.to_string(),
        })
    }

    /// One discovery event about an internal host.
    pub(crate) fn discovery(&mut self) -> Result<Vec<GenRecord>, SensorError> {
        let internal = self.hosts_where(|h| h.internal());
        let host = internal[self.gen.rng.index(internal.len())];
        let states = &mut self.gen.disc.hosts;
        if states.len() < self.hosts.len() {
            states.resize(self.hosts.len(), HostState::default());
        }
        let j = if self.gen.disc.hosts[host].known { self.known_host_event(host) } else { self.new_host(host) };
        let (rt, body) = encode_json(&j, "discovery event")?;
        Ok(vec![GenRecord { record_type: rt, body, meta_key: None }])
    }

    fn new_host(&mut self, host: usize) -> J {
        let h = self.hosts[host].clone();
        let (now_s, _) = self.now();
        // OS and names first, then servers and client applications by turns.
        let mut facts = vec![Fact::Os];
        if h.windows(host) {
            facts.push(Fact::NetBios);
        }
        if h.server_role() {
            facts.extend([Fact::Criticality, Fact::Attribute(ATTR_OWNER), Fact::Attribute(ATTR_LOCATION)]);
        }
        let (servers, clients) = (h.servers(host).len(), h.clients(host).len());
        for i in 0..servers.max(clients) {
            facts.extend((i < servers).then_some(Fact::Server(i)));
            facts.extend((i < clients).then_some(Fact::Client(i)));
        }
        self.gen.disc.hosts[host] = HostState { known: true, pending: facts, ..HostState::default() };

        let v4 = h.ip.is_ipv4();
        let fp = json!({"uuid": os_uuid(h.os(host)), "type": 0, "sourceType": 0, "sourceId": 0, "lastSeen": now_s,
            "ttlDifference": 0, "mobileDevice": list(31, Vec::new())});
        // Workstations are first identified by DHCP, servers by their TCP stack.
        let fp_list = match (h.role == Role::Workstation, v4) {
            (true, true) => "dhcpFingerprints",
            (true, false) => "ipv6DhcpFingerprints",
            (false, true) => "serverFingerprints",
            (false, false) => "ipv6ServerFingerprints",
        };
        let mut profile = json!({
            "ipAddress": h.ip.to_string(),
            "hops": u8::from(h.server_role()),
            "primarySecondary": 0,
            "tcpServer": list(11, Vec::new()),
            "udpServer": list(11, Vec::new()),
            "networkProtocol": list(11, vec![json!({"protocol": if v4 { 2048 } else { 34_525 }})]),
            "transportProtocol": list(11, vec![json!({"protocol": 6}), json!({"protocol": 17})]),
            "hostMacAddress": list(11, vec![json!({"ttl": h.ttl(host), "address": mac_str(&h.mac), "primary": 1,
                "lastSeen": now_s})]),
            "hostLastSeen": now_s,
            "hostType": 0,
            "mobile": 0,
            "jailbroken": 0,
            "vlanPresence": 1,
            "vlanId": h.vlan(),
            "vlanType": 0,
            "vlanPriority": 0,
            "clientApplications": list(31, Vec::new()),
            "netbios": {"data": ""},
        });
        for key in [
            "serverFingerprints",
            "clientFingerprints",
            "smbFingerprints",
            "dhcpFingerprints",
            "mobileDeviceFingerprints",
            "ipv6ServerFingerprints",
            "ipv6ClientFingerprints",
            "ipv6DhcpFingerprints",
            "userAgentFingerprints",
        ] {
            let items = if key == fp_list { vec![fp.clone()] } else { Vec::new() };
            profile[key] = list(31, items);
        }
        let mut j = self.disc_header(host, 1000, 1);
        j["recordType"] = json!(10);
        j["hostProfile"] = profile;
        j
    }

    fn known_host_event(&mut self, host: usize) -> J {
        let h = self.hosts[host].clone();
        let st = &self.gen.disc.hosts[host];
        let weights: Vec<(Step, u32)> = vec![
            (Step::Announce, if st.pending.is_empty() { 0 } else { 60 }),
            (Step::ServerUpdate, if st.servers.is_empty() { 0 } else { 10 }),
            (Step::ClientUpdate, if st.clients.is_empty() { 0 } else { 8 }),
            (Step::Hops, 4),
            (Step::MacChange, 5),
            (Step::AdditionalMac, if h.server_role() && !st.extra_mac { 2 } else { 0 }),
            (Step::NetworkProtocol, 3),
            (Step::TransportProtocol, 3),
            (Step::Vlan, 3),
            (Step::Timeout, if h.transient(host) { 6 } else { 0 }),
        ];
        let w: Vec<u32> = weights.iter().map(|x| x.1).collect();
        let step = weights[self.gen.rng.weighted(&w)].0;
        let (now_s, _) = self.now();
        let v4 = h.ip.is_ipv4();
        let (rt, event_type, subtype, payload) = match step {
            Step::Announce => {
                let fact = self.gen.disc.hosts[host].pending.remove(0);
                return self.announce(host, fact);
            }
            Step::ServerUpdate => {
                let st = &self.gen.disc.hosts[host];
                let i = st.servers[self.gen.rng.index(st.servers.len())];
                let s = h.servers(host)[i];
                let hits = self.gen.rng.range32(2, 5000);
                let (rt, subtype) = if s.udp { (17, 10) } else { (16, 6) };
                (rt, 1001, subtype, json!({"hostServer": self.server_block(s, hits)}))
            }
            Step::ClientUpdate => {
                let st = &self.gen.disc.hosts[host];
                let i = st.clients[self.gen.rng.index(st.clients.len())];
                let hits = self.gen.rng.range32(2, 5000);
                (107, 1001, 32, self.client_block(h.clients(host)[i], hits))
            }
            Step::Hops => (22, 1001, 5, json!({"hops": self.gen.rng.range32(1, 3)})),
            Step::MacChange => {
                let mac = json!({"ttl": h.ttl(host), "address": mac_str(&h.mac), "primary": 1, "lastSeen": now_s});
                (27, 1001, 13, json!({ "mac": mac }))
            }
            Step::AdditionalMac => {
                self.gen.disc.hosts[host].extra_mac = true;
                let mut second = h.mac;
                second[5] ^= 0x80;
                let mac = json!({"ttl": h.ttl(host), "address": mac_str(&second), "primary": 0, "lastSeen": now_s});
                (28, 1001, 14, json!({ "mac": mac }))
            }
            Step::NetworkProtocol => {
                let proto = if v4 { *self.gen.rng.pick(&[2048, 2054]) } else { 34_525 };
                (13, 1000, 3, json!({ "networkProtocol": proto }))
            }
            Step::TransportProtocol => {
                let proto = *self.gen.rng.pick(&[6, 17, if v4 { 1 } else { 58 }]);
                (14, 1000, 4, json!({ "transportProtocol": proto }))
            }
            Step::Vlan => {
                let priority = self.gen.rng.below(8);
                (34, 1001, 18, json!({"id": h.vlan(), "type": 0, "priority": priority}))
            }
            Step::Timeout => {
                self.gen.disc.hosts[host] = HostState::default();
                (19, 1001, 7, json!({}))
            }
        };
        let mut j = self.disc_header(host, event_type, subtype);
        j["recordType"] = json!(rt);
        for (k, v) in payload.as_object().into_iter().flatten() {
            j[k] = v.clone();
        }
        j
    }

    /// The event that announces `fact` about a known host.
    fn announce(&mut self, host: usize, fact: Fact) -> J {
        let h = self.hosts[host].clone();
        let (now_s, _) = self.now();
        let ip = h.ip.to_string();
        let (rt, event_type, subtype, payload) = match fact {
            Fact::Os => {
                let fp = json!({"uuid": os_uuid(h.os(host)), "type": 0, "sourceType": 0, "sourceId": 0,
                    "lastSeen": now_s, "ttlDifference": 0, "mobileDevice": list(31, Vec::new())});
                (101, 1000, 8, json!({ "osfingerprint": fp }))
            }
            Fact::Server(i) => {
                self.gen.disc.hosts[host].servers.push(i);
                let s = h.servers(host)[i];
                let (rt, subtype) = if s.udp { (12, 6) } else { (11, 2) };
                (rt, 1000, subtype, json!({"hostServer": self.server_block(s, 1)}))
            }
            Fact::Client(i) => {
                self.gen.disc.hosts[host].clients.push(i);
                (15, 1000, 7, self.client_block(h.clients(host)[i], 1))
            }
            Fact::NetBios => (42, 1001, 21, json!({"value": {"data": h.netbios_name()}})),
            Fact::Criticality => {
                let level = match h.role {
                    Role::DomainController | Role::WebServer => 3,
                    Role::FileServer | Role::MailRelay => 2,
                    _ => 1,
                };
                let block = json!({"ipRanges": ip_range(&ip), "sourceId": 0, "sourceType": 1, "criticality": level});
                (82, 1002, 24, json!({ "criticality": block }))
            }
            Fact::Attribute(id) => {
                let value = match (id, h.role) {
                    (ATTR_OWNER, Role::WebServer | Role::MailRelay) => "Web and Mail Team".to_string(),
                    (ATTR_OWNER, _) => "IT Operations".to_string(),
                    _ => format!("{} DMZ rack {}", self.devices[h.device].name, 1 + host % 4),
                };
                let block = json!({"ipRanges": ip_range(&ip), "sourceId": 0, "sourceType": 1, "attributeId": id,
                    "value": {"data": value}});
                (83, 1002, 25, json!({ "attributeValue": block }))
            }
        };
        let mut j = self.disc_header(host, event_type, subtype);
        j["recordType"] = json!(rt);
        for (k, v) in payload.as_object().into_iter().flatten() {
            j[k] = v.clone();
        }
        j
    }

    fn server_block(&mut self, s: ServerDef, hits: u32) -> J {
        let (now_s, _) = self.now();
        let confidence = self.gen.rng.range32(70, 100);
        let info = json!({"applicationId": s.app, "vendor": {"data": s.vendor}, "version": {"data": s.version},
            "lastUsed": now_s, "sourceType": 0, "sourceId": 0, "subServers": list(11, Vec::new())});
        json!({"port": s.port, "hits": hits, "lastUsed": now_s, "serverInformation": list(31, vec![info]),
            "confidence": confidence, "webApplication": list(31, Vec::new())})
    }

    fn client_block(&self, c: (u32, u32, &str), hits: u32) -> J {
        let (now_s, _) = self.now();
        json!({"client": {"hits": hits, "lastUsed": now_s, "id": c.0, "applicationProto": c.1,
            "version": {"data": c.2}, "webApplication": list(31, Vec::new())}})
    }
}
