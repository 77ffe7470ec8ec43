//! What discovery knows a host runs, as tables: OS fingerprints (54), criticalities (58),
//! attributes (60), the servers of each role and the client applications of each OS.

use crate::world::{app, client, Host, Role, ZONE_DMZ};

/// OS fingerprints (record 54): UUID, name, vendor, version.
pub(crate) const OS: &[(u128, &str, &str, &str)] = &[
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
pub(crate) const CRITICALITIES: &[(u32, &str)] = &[(1, "Low"), (2, "Medium"), (3, "High")];

/// Host attributes (record 60).
pub(crate) const ATTR_OWNER: u32 = 1;
pub(crate) const ATTR_LOCATION: u32 = 2;
pub(crate) const ATTRIBUTES: &[(u32, &str)] = &[(ATTR_OWNER, "Owner"), (ATTR_LOCATION, "Location")];

/// A server a host runs: port, UDP or TCP, application protocol (63), vendor, version.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ServerDef {
    pub port: u16,
    pub udp: bool,
    pub app: u32,
    pub vendor: &'static str,
    pub version: &'static str,
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

/// A client application: id (55), application protocol (63), version.
pub(crate) type ClientDef = (u32, u32, &'static str);

/// The client applications of a host (at most eight).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Clients {
    items: [ClientDef; 8],
    len: usize,
}

impl Clients {
    fn push(&mut self, c: ClientDef) {
        self.items[self.len] = c;
        self.len += 1;
    }

    pub(crate) fn as_slice(&self) -> &[ClientDef] {
        &self.items[..self.len]
    }
}

impl Host {
    /// Index (into [`OS`]) of the OS of host `index`.
    pub(crate) fn os(&self, index: usize) -> usize {
        match self.role {
            Role::Workstation => [WIN11, WIN11, WIN11, WIN10, MACOS][index % 5],
            Role::DomainController | Role::FileServer => WIN_SERVER,
            Role::JumpHost => RHEL,
            _ => UBUNTU,
        }
    }

    /// The OS fingerprint UUID of host `index`.
    pub(crate) fn os_uuid(&self, index: usize) -> [u8; 16] {
        OS[self.os(index)].0.to_be_bytes()
    }

    pub(crate) fn servers(&self, index: usize) -> &'static [ServerDef] {
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

    /// Client applications of host `index`.
    pub(crate) fn clients(&self, index: usize) -> Clients {
        let mut out = Clients { items: [(0, 0, ""); 8], len: 0 };
        out.push((client::DNS, app::DNS, ""));
        out.push((client::NTP, app::NTP, ""));
        if self.role == Role::Workstation {
            let (id, version, _) = client::BROWSERS[index % 3];
            out.push((id, app::HTTPS, version));
        }
        if self.windows(index) {
            out.push((client::WINUPDATE, app::HTTPS, "10.0"));
            out.push((client::KERBEROS, app::KERBEROS, ""));
            out.push((client::LDAP, app::LDAP, ""));
            if self.role == Role::Workstation {
                out.push((client::SMB, app::SMB, "3.1.1"));
                out.push((client::OUTLOOK, app::HTTPS, "16.0"));
            }
        } else {
            out.push((client::CURL, app::HTTP, "8.4.0"));
            out.push((client::OPENSSH, app::SSH, "9.4"));
        }
        out
    }

    pub(crate) fn windows(&self, index: usize) -> bool {
        matches!(self.os(index), WIN11 | WIN10 | WIN_SERVER)
    }

    pub(crate) fn server_role(&self) -> bool {
        self.zone == ZONE_DMZ
    }

    /// Workstations that come and go (laptops): they time out and are rediscovered.
    pub(crate) fn transient(&self, index: usize) -> bool {
        self.role == Role::Workstation && index % 3 == 1
    }

    pub(crate) fn vlan(&self) -> u16 {
        100 * (1 + u16::from(self.server_role())) + 10 * self.device as u16
    }

    pub(crate) fn ttl(&self, index: usize) -> u8 {
        if self.windows(index) {
            128
        } else {
            64
        }
    }

    /// Upper-case first label of the host name, at most 15 characters.
    pub(crate) fn netbios_name(&self) -> String {
        let first = self.name.split('.').next().unwrap_or("");
        first.to_ascii_uppercase().chars().take(15).collect()
    }
}
