//! The synthetic world: devices, policies, rules, applications, users, hosts and the
//! metadata records that describe them.
//!
//! Everything is derived from the seed with [`Rng`]; names come from fixed tables, numbers
//! (device ids, rule ids, UUIDs, addresses, MACs, hashes) from the generator.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use serde_json::json;

use crate::encode::{encode_json, uuid_str};
use crate::rng::Rng;
use crate::{GenRecord, SensorError};

// ---------------------------------------------------------------------------------------------
// Fixed catalogs (ids are synthetic; the metadata records below define every one of them).

/// Application protocols (record 63).
pub(crate) mod app {
    pub const HTTP: u32 = 676;
    pub const HTTPS: u32 = 1122;
    pub const DNS: u32 = 617;
    pub const NTP: u32 = 711;
    pub const SMB: u32 = 1014;
    pub const SSH: u32 = 846;
    pub const RDP: u32 = 893;
    pub const SMTP: u32 = 696;
    pub const LDAP: u32 = 710;
    pub const KERBEROS: u32 = 1138;
    pub const ALL: &[(u32, &str)] = &[
        (HTTP, "HTTP"),
        (HTTPS, "HTTPS"),
        (DNS, "DNS"),
        (NTP, "NTP"),
        (SMB, "SMB"),
        (SSH, "SSH"),
        (RDP, "RDP"),
        (SMTP, "SMTP"),
        (LDAP, "LDAP"),
        (KERBEROS, "Kerberos"),
    ];
}

/// Client applications (record 55).
pub(crate) mod client {
    pub const CHROME: u32 = 1296;
    pub const FIREFOX: u32 = 1297;
    pub const EDGE: u32 = 2331;
    pub const CURL: u32 = 1510;
    pub const OPENSSH: u32 = 1602;
    pub const OUTLOOK: u32 = 1650;
    pub const WINUPDATE: u32 = 1700;
    pub const DNS: u32 = 1800;
    pub const NTP: u32 = 1810;
    pub const SMB: u32 = 1820;
    pub const RDP: u32 = 1830;
    pub const LDAP: u32 = 1840;
    pub const KERBEROS: u32 = 1850;
    pub const SMTP: u32 = 1860;
    pub const ALL: &[(u32, &str)] = &[
        (CHROME, "Chrome"),
        (FIREFOX, "Firefox"),
        (EDGE, "Microsoft Edge"),
        (CURL, "curl"),
        (OPENSSH, "OpenSSH"),
        (OUTLOOK, "Outlook"),
        (WINUPDATE, "Windows Update Agent"),
        (DNS, "DNS client"),
        (NTP, "NTP client"),
        (SMB, "SMB client"),
        (RDP, "Remote Desktop client"),
        (LDAP, "LDAP client"),
        (KERBEROS, "Kerberos client"),
        (SMTP, "SMTP client"),
    ];
    /// Browser id, display version, User-Agent.
    pub const BROWSERS: &[(u32, &str, &str)] = &[
        (CHROME, "126.0.6478", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36"),
        (FIREFOX, "127.0", "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:127.0) Gecko/20100101 Firefox/127.0"),
        (EDGE, "126.0.2592", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0"),
        (CURL, "8.4.0", "curl/8.4.0"),
    ];
}

/// URL categories (record 121).
pub(crate) const URL_CATEGORIES: &[(u32, &str)] = &[
    (1, "Search Engines and Portals"),
    (2, "Streaming Media"),
    (3, "Computers and Internet"),
    (4, "Business and Industry"),
    (5, "Online Storage and Backup"),
    (6, "Reference and Research"),
    (7, "Shopping"),
    (8, "News"),
    (9, "Malware Sites"),
    (10, "Phishing"),
    (11, "Uncategorized"),
];

/// URL reputations (record 122).
pub(crate) const URL_REPUTATIONS: &[(u32, &str)] = &[
    (1, "High Risk"),
    (2, "Suspicious sites"),
    (3, "Benign sites with security risks"),
    (4, "Benign sites"),
    (5, "Well known"),
];

/// Countries (record 520): ISO 3166 numeric code, name, and how often external hosts are
/// placed there (relative weight).
pub(crate) const COUNTRIES: &[(u16, &str, u32)] = &[
    (840, "United States", 40),
    (276, "Germany", 10),
    (826, "United Kingdom", 10),
    (392, "Japan", 6),
    (250, "France", 6),
    (124, "Canada", 6),
    (528, "Netherlands", 6),
    (702, "Singapore", 4),
    (156, "China", 4),
    (643, "Russian Federation", 4),
    (76, "Brazil", 2),
    (356, "India", 2),
];

/// Priorities (record 4).
pub(crate) const PRIORITIES: &[(u32, &str)] = &[(1, "high"), (2, "medium"), (3, "low"), (4, "very low")];

/// Classifications (record 67): id, short name, description.
pub(crate) const CLASSIFICATIONS: &[(u32, &str, &str)] = &[
    (1, "attempted-admin", "Attempted Administrator Privilege Gain"),
    (2, "attempted-user", "Attempted User Privilege Gain"),
    (3, "web-application-attack", "Web Application Attack"),
    (4, "trojan-activity", "A Network Trojan was Detected"),
    (5, "attempted-recon", "Attempted Information Leak"),
    (6, "policy-violation", "Potential Corporate Privacy Violation"),
    (7, "misc-activity", "Misc activity"),
    (8, "attempted-dos", "Attempted Denial of Service"),
    (9, "protocol-command-decode", "Generic Protocol Command Decode"),
];

/// Access-control rule actions (record 120).
pub(crate) mod action {
    pub const ALLOW: u32 = 1;
    pub const BLOCK: u32 = 2;
    pub const BLOCK_RESET: u32 = 3;
    pub const TRUST: u32 = 4;
    pub const MONITOR: u32 = 5;
    pub const ALL: &[(u32, &str)] = &[
        (ALLOW, "Allow"),
        (BLOCK, "Block"),
        (BLOCK_RESET, "Block with reset"),
        (TRUST, "Trust"),
        (MONITOR, "Monitor"),
        (6, "Interactive Block"),
        (7, "Interactive Block with reset"),
    ];
}

/// File types (records 510 and 131, same ids): id, name, typical extension.
pub(crate) const FILE_TYPES: &[(u32, &str, &str)] = &[
    (1, "PDF", "pdf"),
    (2, "MSEXE", "exe"),
    (3, "ZIP", "zip"),
    (4, "MSOLE2", "doc"),
    (5, "NEW_OFFICE", "docx"),
    (6, "JAR", "jar"),
    (7, "RTF", "rtf"),
    (8, "JPEG", "jpg"),
];

/// Extra-data types (record 111): type, name, encoding.
pub(crate) const XDATA_TYPES: &[(u32, &str, &str)] = &[(2, "XFF Client (Ipv6)", "ipv6"), (9, "HTTP URI", "string")];

/// Malware event types (record 128).
pub(crate) mod amp {
    pub const NETWORK_TRANSFER: u32 = 1;
    pub const NETWORK_RETRO: u32 = 2;
    pub const TYPES: &[(u32, &str)] = &[
        (NETWORK_TRANSFER, "Threat Detected in Network File Transfer"),
        (NETWORK_RETRO, "Threat Detected in Network File Transfer (Retrospective)"),
        (1_090_519_054, "Threat Detected"),
        (553_648_143, "Threat Quarantined"),
    ];
    /// Malware event subtypes (record 129).
    pub const SUBTYPES: &[(u32, &str)] = &[(1, "Create"), (2, "Execute"), (4, "Scan"), (22, "Move")];
    /// Detector types (record 130).
    pub const DETECTORS: &[(u32, &str)] = &[(1, "ClamAV"), (2, "Spero"), (4, "SHA"), (6, "Custom Detection")];
}

/// IOC names (record 161): id, category, event type.
pub(crate) const IOCS: &[(u32, &str, &str)] = &[
    (1, "Malware Detected", "Threat Detected in File Transfer"),
    (2, "CnC Connected", "Intrusion Event - malware-cnc"),
    (3, "Exploit Kit", "Intrusion Event - exploit-kit"),
    (4, "Impact 1 Attack", "Impact 1 Intrusion Event - web-application-attack"),
];

/// DNS record types (record 320): id, name, description.
pub(crate) const DNS_RECORD_TYPES: &[(u32, &str, &str)] = &[
    (1, "A", "a host address"),
    (28, "AAAA", "IPv6 host address"),
    (15, "MX", "mail exchange"),
    (16, "TXT", "text strings"),
];

/// DNS response types (record 321): id, name, description.
pub(crate) const DNS_RESPONSE_TYPES: &[(u32, &str, &str)] =
    &[(1, "NOERROR", "No Error"), (4, "NXDOMAIN", "Non-Existent Domain"), (3, "SERVFAIL", "Server Failure")];

/// What a Snort rule looks at; used to pick a fitting connection and to build its packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SigKind {
    /// Attack on the DMZ web server (inbound HTTP).
    WebAttack,
    /// Suspicious outbound web request.
    WebClient,
    /// Command-and-control beacon (outbound web).
    Cnc,
    /// DNS anomaly.
    Dns,
    /// SMB to the file server.
    Smb,
    /// SSH brute force.
    Ssh,
    /// Malicious document in a transfer.
    FileObj,
}

/// Snort rule templates: gid, message, classification id, priority, kind, revision.
const SNORT_RULES: &[(u32, &str, u32, u32, SigKind, u32)] = &[
    (1, "SERVER-WEBAPP directory traversal attempt in URI", 3, 1, SigKind::WebAttack, 4),
    (1, "SERVER-WEBAPP SQL injection attempt in query parameter", 3, 1, SigKind::WebAttack, 7),
    (1, "SERVER-APACHE suspicious path probing", 5, 2, SigKind::WebAttack, 2),
    (1, "MALWARE-CNC periodic beacon to known command and control host", 4, 1, SigKind::Cnc, 5),
    (1, "MALWARE-CNC suspicious user-agent string detected", 4, 1, SigKind::Cnc, 3),
    (1, "POLICY-OTHER cleartext credentials in HTTP request", 6, 2, SigKind::WebClient, 2),
    (1, "PUA-ADWARE tracking request to advertising network", 7, 3, SigKind::WebClient, 1),
    (1, "BROWSER-PLUGINS suspicious object download", 2, 1, SigKind::WebClient, 6),
    (1, "PROTOCOL-DNS excessively long query name", 9, 3, SigKind::Dns, 3),
    (1, "PROTOCOL-DNS query for dynamic DNS domain", 6, 2, SigKind::Dns, 2),
    (1, "OS-WINDOWS SMB anonymous session setup attempt", 1, 1, SigKind::Smb, 5),
    (1, "NETBIOS SMB repeated failed logon attempts", 5, 2, SigKind::Smb, 3),
    (1, "SERVER-OTHER SSH brute force login attempt", 2, 2, SigKind::Ssh, 4),
    (1, "INDICATOR-SCAN SSH version banner probe", 5, 3, SigKind::Ssh, 1),
    (3, "FILE-OFFICE malformed compound document structure", 2, 1, SigKind::FileObj, 2),
    (3, "FILE-PDF embedded JavaScript in document", 2, 1, SigKind::FileObj, 3),
];

/// Identity users (record 98): username, display name.
const USERS: &[&str] = &[
    "alice.martin",
    "bob.nguyen",
    "carol.schmidt",
    "dave.tanaka",
    "erin.obrien",
    "frank.mueller",
    "grace.kim",
    "henry.dubois",
    "irene.rossi",
    "jamal.hassan",
    "kate.wilson",
    "liam.chen",
];

/// Web sites: host name, web application name, URL category, reputation, has IPv6.
const SITES: &[(&str, &str, u32, u32, bool)] = &[
    ("www.google.com", "Google", 1, 5, true),
    ("www.youtube.com", "YouTube", 2, 5, true),
    ("github.com", "GitHub", 3, 5, false),
    ("update.microsoft.com", "Microsoft Update", 3, 5, true),
    ("outlook.office365.com", "Office 365", 4, 5, true),
    ("app.slack.com", "Slack", 4, 5, false),
    ("www.dropbox.com", "Dropbox", 5, 4, false),
    ("en.wikipedia.org", "Wikipedia", 6, 5, true),
    ("www.amazon.com", "Amazon", 7, 5, false),
    ("www.bbc.co.uk", "BBC", 8, 5, false),
    ("cdn.tracker-ads.example", "Generic Ad Network", 11, 3, false),
];

/// Known-bad sites: host name, URL category.
const BAD_SITES: &[(&str, u32)] =
    &[("stat-collector.evil.example", 9), ("login-verify.phish.example", 10), ("update-cdn.badhost.example", 9)];

/// Clean file names (extension chooses the type).
const CLEAN_FILES: &[&str] = &[
    "Q3-financial-report.pdf",
    "setup_vpn_client.exe",
    "project-plan.docx",
    "team-photos.zip",
    "datasheet.pdf",
    "meeting-notes.docx",
    "build-tools.jar",
    "invoice_20419.pdf",
    "holiday.jpg",
    "legacy-contract.doc",
    "terms.rtf",
    "firmware_update.zip",
    "printer-driver.exe",
    "onboarding.pdf",
];

/// Malware: file name, detection name, threat score.
const MALWARE_FILES: &[(&str, &str, u32)] = &[
    ("invoice_scan.exe", "W32.Synthetic.Trojan.Agent", 95),
    ("payment_details.doc", "Doc.Synthetic.Downloader.Macro", 88),
    ("shipping_label.zip", "Zip.Synthetic.Dropper", 76),
    ("flash_update.exe", "W32.Synthetic.Ransom.Locker", 99),
    ("resume_final.pdf", "Pdf.Synthetic.Exploit.JS", 71),
];

// ---------------------------------------------------------------------------------------------
// World model

/// A managed device (sensor).
#[derive(Clone, Debug)]
pub struct Device {
    /// Device id (record 123 id; `deviceId` in events).
    pub id: u32,
    /// Device name.
    pub name: String,
    /// Index of its access-control policy in [`World::ac_policies`].
    pub acp: usize,
    /// Index of its intrusion policy in [`World::intrusion_policies`].
    pub ips: usize,
    /// Inline (blocks) or passive (would block).
    pub inline: bool,
    /// Number of Snort instances (connection `instanceId` is `0..instances`).
    pub instances: u16,
    /// Interface indexes (into [`World::interfaces`]) for the inside, outside and DMZ zones.
    pub ifaces: [usize; 3],
    /// MAC of the upstream router as seen on the outside interface.
    pub router_mac: [u8; 6],
}

/// A UUID-named object (policy, zone, interface, cloud).
#[derive(Clone, Debug)]
pub struct Named {
    /// UUID.
    pub uuid: [u8; 16],
    /// Name.
    pub name: String,
}

/// What traffic an access-control rule matches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RuleUse {
    Web,
    Infra,
    Internal,
    Mail,
    InboundWeb,
    RemoteAccess,
    BlockBad,
    Backup,
}

/// An access-control rule.
#[derive(Clone, Debug)]
pub struct AcRule {
    /// Rule id (unique within its policy).
    pub id: u32,
    /// Rule name.
    pub name: String,
    /// Action id (record 120).
    pub action: u32,
    pub(crate) usage: RuleUse,
}

/// An access-control policy with its rules.
#[derive(Clone, Debug)]
pub struct AcPolicy {
    /// Policy UUID.
    pub uuid: [u8; 16],
    /// Policy name.
    pub name: String,
    /// Rules.
    pub rules: Vec<AcRule>,
}

/// A Snort rule (record 66).
#[derive(Clone, Debug)]
pub struct SnortRule {
    /// Generator id.
    pub gid: u32,
    /// Signature id.
    pub sid: u32,
    /// Revision.
    pub rev: u32,
    /// Message.
    pub message: String,
    /// Classification id (record 67).
    pub classification: u32,
    /// Priority id (record 4).
    pub priority: u32,
    pub(crate) kind: SigKind,
    pub(crate) uuid: [u8; 16],
    pub(crate) rev_uuid: [u8; 16],
    /// Whether an inline device drops traffic that matches.
    pub(crate) drop: bool,
}

/// Role of a host in the world.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Role {
    Workstation,
    /// Domain controller: DNS, LDAP, Kerberos, NTP.
    DomainController,
    FileServer,
    WebServer,
    MailRelay,
    JumpHost,
    /// External web site (index into `World::sites`).
    Site(usize),
    ExternalDns,
    ExternalNtp,
    ExternalMail,
    /// Internet scanner / attacker.
    Attacker,
    /// Internet visitor of the public web server.
    Visitor,
}

/// A host: internal (behind a device) or external.
#[derive(Clone, Debug)]
pub struct Host {
    /// Its address.
    pub ip: IpAddr,
    /// Its MAC (internal hosts only; externals are seen behind the router).
    pub mac: [u8; 6],
    /// Host name.
    pub name: String,
    /// Device that sees it (internal hosts); 0 for externals.
    pub device: usize,
    /// Zone index (0 inside, 1 outside, 2 DMZ).
    pub zone: usize,
    /// Country code (0 for internal addresses).
    pub country: u16,
    /// Logged-in user id (0 = none).
    pub user: u32,
    pub(crate) role: Role,
}

impl Host {
    pub(crate) fn internal(&self) -> bool {
        self.zone != ZONE_OUTSIDE
    }
}

pub(crate) const ZONE_INSIDE: usize = 0;
pub(crate) const ZONE_OUTSIDE: usize = 1;
pub(crate) const ZONE_DMZ: usize = 2;

/// A web site.
#[derive(Clone, Debug)]
pub(crate) struct Site {
    pub host: &'static str,
    pub web_app: u32,
    pub category: u32,
    pub reputation: u32,
    pub bad: bool,
    pub cert_fp: [u8; 20],
}

/// A file that travels over the network.
#[derive(Clone, Debug)]
pub(crate) struct FileDef {
    pub name: &'static str,
    pub type_id: u32,
    pub sha: [u8; 32],
    pub size: u64,
    /// Detection name and threat score for malware.
    pub malware: Option<(&'static str, u32)>,
}

/// An identity user (record 98).
#[derive(Clone, Debug)]
pub struct User {
    /// User id.
    pub id: u32,
    /// Login name.
    pub username: String,
}

/// The synthetic world plus the event generator's state.
#[derive(Clone, Debug)]
pub struct World {
    pub(crate) seed: u64,
    /// Managed devices.
    pub devices: Vec<Device>,
    /// Access-control policies.
    pub ac_policies: Vec<AcPolicy>,
    /// Intrusion policies (record 118).
    pub intrusion_policies: Vec<Named>,
    /// Network analysis policy (record 700).
    pub nap: Named,
    /// File policy (record 530).
    pub file_policy: Named,
    /// AMP cloud (record 127).
    pub cloud: Named,
    /// Security zones: inside, outside, DMZ (record 115).
    pub zones: Vec<Named>,
    /// Interfaces (record 116).
    pub interfaces: Vec<Named>,
    /// Snort rules (record 66).
    pub rules: Vec<SnortRule>,
    /// Identity users (record 98).
    pub users: Vec<User>,
    /// Hosts, internal and external.
    pub hosts: Vec<Host>,
    pub(crate) sites: Vec<Site>,
    pub(crate) web_apps: Vec<(u32, &'static str)>,
    pub(crate) files: Vec<FileDef>,
    pub(crate) gen: crate::events::GenState,
}

/// Default start time: 2025-06-15 (UTC) plus up to a day derived from the seed.
pub(crate) fn default_start_time(seed: u64) -> u32 {
    1_750_000_000 + (Rng::new(seed, 0x7157).below(86_400) as u32)
}

impl World {
    /// Build the world for `seed`. Events start at a seed-derived time (see [`World::clock`]).
    pub fn new(seed: u64) -> World {
        let mut r = Rng::new(seed, 0x0030_121d);

        // Zones.
        let zones: Vec<Named> =
            ["INSIDE", "OUTSIDE", "DMZ"].iter().map(|n| Named { uuid: r.uuid(), name: (*n).to_string() }).collect();

        // Policies.
        let intrusion_policies = vec![
            Named { uuid: r.uuid(), name: "Balanced Security and Connectivity".into() },
            Named { uuid: r.uuid(), name: "Security Over Connectivity".into() },
        ];
        let nap = Named { uuid: r.uuid(), name: "Balanced Security and Connectivity NAP".into() };
        let file_policy = Named { uuid: r.uuid(), name: "Malware Block and Detect Files".into() };
        let cloud = Named { uuid: r.uuid(), name: "AMP Public Cloud (US)".into() };

        let rule_templates: &[(&str, u32, RuleUse)] = &[
            ("Allow-Outbound-Web", action::ALLOW, RuleUse::Web),
            ("Allow-DNS-NTP", action::ALLOW, RuleUse::Infra),
            ("Allow-Internal-Services", action::ALLOW, RuleUse::Internal),
            ("Allow-Mail-Relay", action::ALLOW, RuleUse::Mail),
            ("Allow-Inbound-DMZ-Web", action::ALLOW, RuleUse::InboundWeb),
            ("Allow-Remote-Access", action::ALLOW, RuleUse::RemoteAccess),
            ("Block-High-Risk-Sites", action::BLOCK_RESET, RuleUse::BlockBad),
            ("Trust-Backup-Traffic", action::TRUST, RuleUse::Backup),
        ];
        let mut ac_policies = Vec::new();
        for name in ["Corporate-HQ-Access-Policy", "Branch-Office-Access-Policy"] {
            let uuid = r.uuid();
            let base = 268_434_432 + r.range32(0, 4000) * 8;
            let rules = rule_templates
                .iter()
                .enumerate()
                .map(|(i, (n, a, u))| AcRule { id: base + i as u32, name: (*n).to_string(), action: *a, usage: *u })
                .collect();
            ac_policies.push(AcPolicy { uuid, name: name.into(), rules });
        }

        // Devices and their interfaces.
        let n_devices = 2 + r.below(2) as usize;
        let device_names = ["ftd-hq-01", "ftd-branch-02", "ftd-dc-03"];
        let first_id = r.range32(1, 40);
        let mut devices = Vec::new();
        let mut interfaces = Vec::new();
        for (d, name) in device_names.iter().enumerate().take(n_devices) {
            let mut ifaces = [0usize; 3];
            for (z, (port, label)) in [(1, "inside"), (0, "outside"), (2, "dmz")].iter().enumerate() {
                ifaces[z] = interfaces.len();
                interfaces.push(Named { uuid: r.uuid(), name: format!("{name} {label} (GigabitEthernet0/{port})") });
            }
            let mut router_mac: [u8; 6] = r.bytes();
            router_mac[0] = 0x00;
            router_mac[1] = 0x1b;
            devices.push(Device {
                id: first_id + d as u32,
                name: (*name).to_string(),
                acp: usize::from(d == 1),
                ips: usize::from(d == 2),
                inline: d != 1,
                instances: 2 + r.below(3) as u16,
                ifaces,
                router_mac,
            });
        }

        // Snort rules.
        let mut rules = Vec::new();
        let mut next_sid = [1_000_000 + r.range32(1, 500) * 10, 1_100_000 + r.range32(1, 500) * 10];
        for &(gid, msg, class, prio, kind, rev) in SNORT_RULES {
            let slot = usize::from(gid != 1);
            next_sid[slot] += r.range32(1, 40);
            rules.push(SnortRule {
                gid,
                sid: next_sid[slot],
                rev,
                message: msg.to_string(),
                classification: class,
                priority: prio,
                kind,
                uuid: r.uuid(),
                rev_uuid: r.uuid(),
                drop: r.chance(40),
            });
        }

        // Users.
        let first_user = r.range32(1000, 1900);
        let users: Vec<User> = USERS
            .iter()
            .enumerate()
            .map(|(i, n)| User { id: first_user + i as u32 * 3, username: (*n).to_string() })
            .collect();

        // Web applications (record 109), one per site.
        let first_web = r.range32(900, 1000);
        let web_apps: Vec<(u32, &'static str)> =
            SITES.iter().enumerate().map(|(i, s)| (first_web + i as u32, s.1)).collect();
        let mut sites: Vec<Site> = SITES
            .iter()
            .enumerate()
            .map(|(i, s)| Site {
                host: s.0,
                web_app: web_apps[i].0,
                category: s.2,
                reputation: s.3,
                bad: false,
                cert_fp: r.bytes(),
            })
            .collect();
        for &(host, cat) in BAD_SITES {
            sites.push(Site { host, web_app: 0, category: cat, reputation: 1, bad: true, cert_fp: r.bytes() });
        }

        // Hosts.
        let mut hosts = Vec::new();
        let mut user_cursor = 0usize;
        for (d, dev) in devices.iter().enumerate() {
            let net = 10 + d as u8 * 10;
            let oui = [0x00, 0x50, 0x56, 0x10 + d as u8];
            let n_ws = 6 + r.below(5) as usize;
            let mut mac_n: u16 = 0;
            let mut mac = |r: &mut Rng| {
                mac_n += 1;
                let lo = r.below(256) as u8;
                [oui[0], oui[1], oui[2], oui[3], (mac_n & 0xff) as u8, lo]
            };
            let mut used_v4 = std::collections::BTreeSet::new();
            for i in 0..n_ws {
                let mut last = r.range32(20, 250) as u8;
                while !used_v4.insert(last) {
                    last = last.wrapping_add(1).max(20);
                }
                let ip = if i % 4 == 3 {
                    IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0x10 + d as u16, 0x10, 0, 0, 0, u16::from(last)))
                } else {
                    IpAddr::V4(Ipv4Addr::new(10, net, 10, last))
                };
                let user = users[user_cursor % users.len()].id;
                user_cursor += 1;
                hosts.push(Host {
                    ip,
                    mac: mac(&mut r),
                    name: format!("ws-{}-{:02}", dev.name.split('-').nth(1).unwrap_or("x"), i + 1),
                    device: d,
                    zone: ZONE_INSIDE,
                    country: 0,
                    user,
                    role: Role::Workstation,
                });
            }
            let mut servers = vec![(Role::DomainController, "dc"), (Role::FileServer, "fs")];
            if d == 0 {
                servers.extend([(Role::WebServer, "www"), (Role::MailRelay, "mail"), (Role::JumpHost, "jump")]);
            }
            for (i, (role, label)) in servers.into_iter().enumerate() {
                hosts.push(Host {
                    ip: IpAddr::V4(Ipv4Addr::new(172, 16, net, 10 + i as u8)),
                    mac: mac(&mut r),
                    name: format!("{label}01.{}.corp.example", dev.name.split('-').nth(1).unwrap_or("x")),
                    device: d,
                    zone: ZONE_DMZ,
                    country: 0,
                    user: 0,
                    role,
                });
            }
        }
        let mut ext = |r: &mut Rng, v6: bool, name: String, role: Role| {
            let ip = if v6 {
                IpAddr::V6(Ipv6Addr::new(
                    0x2001,
                    0xdb8,
                    0xf000 | r.below(0x1000) as u16,
                    0,
                    0,
                    0,
                    0,
                    r.range(1, 0xfff) as u16,
                ))
            } else {
                let nets = [[192, 0, 2], [198, 51, 100], [203, 0, 113]];
                let n = r.pick(&nets);
                IpAddr::V4(Ipv4Addr::new(n[0], n[1], n[2], r.range(1, 254) as u8))
            };
            let weights: Vec<u32> = COUNTRIES.iter().map(|c| c.2).collect();
            let country = COUNTRIES[r.weighted(&weights)].0;
            hosts.push(Host { ip, mac: [0; 6], name, device: 0, zone: ZONE_OUTSIDE, country, user: 0, role });
        };
        for (i, s) in SITES.iter().enumerate() {
            ext(&mut r, false, s.0.to_string(), Role::Site(i));
            if s.4 {
                ext(&mut r, true, s.0.to_string(), Role::Site(i));
            }
        }
        for (i, s) in BAD_SITES.iter().enumerate() {
            ext(&mut r, false, s.0.to_string(), Role::Site(SITES.len() + i));
        }
        ext(&mut r, false, "resolver1.isp.example".into(), Role::ExternalDns);
        ext(&mut r, false, "time.isp.example".into(), Role::ExternalNtp);
        ext(&mut r, false, "mx1.partner.example".into(), Role::ExternalMail);
        ext(&mut r, false, "mx.customer.example".into(), Role::ExternalMail);
        for i in 0..4 {
            ext(&mut r, i == 3, format!("scanner-{}.unknown.example", i + 1), Role::Attacker);
        }
        for i in 0..6 {
            ext(&mut r, false, format!("client-{}.broadband.example", i + 1), Role::Visitor);
        }

        // Files.
        let type_of = |name: &str| {
            let ext = name.rsplit('.').next().unwrap_or("");
            FILE_TYPES.iter().find(|t| t.2 == ext).map_or(1, |t| t.0)
        };
        let mut files = Vec::new();
        for name in CLEAN_FILES {
            files.push(FileDef {
                name,
                type_id: type_of(name),
                sha: r.bytes(),
                size: r.range(2_000, 40_000_000),
                malware: None,
            });
        }
        for &(name, det, score) in MALWARE_FILES {
            files.push(FileDef {
                name,
                type_id: type_of(name),
                sha: r.bytes(),
                size: r.range(20_000, 3_000_000),
                malware: Some((det, score)),
            });
        }

        let gen = crate::events::GenState::new(seed, default_start_time(seed), &devices);
        World {
            seed,
            devices,
            ac_policies,
            intrusion_policies,
            nap,
            file_policy,
            cloud,
            zones,
            interfaces,
            rules,
            users,
            hosts,
            sites,
            web_apps,
            files,
            gen,
        }
    }

    /// Seed the world was built from.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// Every metadata record of this world (see [`World::try_metadata_records`]).
    ///
    /// # Panics
    /// Only if the wire schema rejects a record this crate built, which is a bug (covered by
    /// the tests).
    pub fn metadata_records(&self) -> Vec<GenRecord> {
        self.try_metadata_records().expect("sensor metadata must encode (bug in estreamer-sensor)")
    }

    /// Every metadata record of this world, each with its `meta_key` (the identity of the
    /// entry: id bytes, UUID, UUID + rule id, gid + sid, ...; see the crate docs).
    pub fn try_metadata_records(&self) -> Result<Vec<GenRecord>, SensorError> {
        let mut out = Vec::new();
        let mut push = |j: serde_json::Value, key: Vec<u8>| -> Result<(), SensorError> {
            let (rt, body) = encode_json(&j, "metadata")?;
            out.push(GenRecord { record_type: rt, body, meta_key: Some(key) });
            Ok(())
        };
        let id_name = |rt: u32, id: u32, name: &str| json!({"recordType": rt, "id": id, "name": name});
        let be = |n: u32| n.to_be_bytes().to_vec();
        let uuid_string =
            |rt: u32, n: &Named| json!({"recordType": rt, "uuid": uuid_str(&n.uuid), "name": {"data": n.name}});

        for d in &self.devices {
            push(id_name(123, d.id, &d.name), be(d.id))?;
        }
        for &(id, name) in PRIORITIES {
            push(id_name(4, id, name), be(id))?;
        }
        let mut cr = Rng::new(self.seed, 0x67);
        for &(id, name, desc) in CLASSIFICATIONS {
            let j = json!({"recordType": 67, "id": id, "name": name, "description": desc,
                "uuid": uuid_str(&cr.uuid()), "revisionUuid": uuid_str(&cr.uuid())});
            push(j, be(id))?;
        }
        for rule in &self.rules {
            let j = json!({"recordType": 66, "generatorId": rule.gid, "ruleId": rule.sid, "ruleRevision": rule.rev,
                "signatureId": rule.sid, "ruleUuid": uuid_str(&rule.uuid), "ruleRevisionUuid": uuid_str(&rule.rev_uuid),
                "message": rule.message});
            let mut key = be(rule.gid);
            key.extend(be(rule.sid));
            push(j, key)?;
        }
        for p in &self.ac_policies {
            push(uuid_string(117, &Named { uuid: p.uuid, name: p.name.clone() }), p.uuid.to_vec())?;
        }
        for d in &self.devices {
            let p = &self.ac_policies[d.acp];
            let j = json!({"recordType": 145, "uuid": uuid_str(&p.uuid), "sensorId": d.id, "name": {"data": p.name}});
            let mut key = be(d.id);
            key.extend(p.uuid);
            push(j, key)?;
        }
        for p in &self.ac_policies {
            for rule in &p.rules {
                let j =
                    json!({"recordType": 119, "uuid": uuid_str(&p.uuid), "id": rule.id, "name": {"data": rule.name}});
                let mut key = p.uuid.to_vec();
                key.extend(be(rule.id));
                push(j, key)?;
            }
        }
        for &(id, name) in action::ALL {
            push(id_name(120, id, name), be(id))?;
        }
        for p in &self.intrusion_policies {
            push(uuid_string(118, p), p.uuid.to_vec())?;
        }
        push(uuid_string(700, &self.nap), self.nap.uuid.to_vec())?;
        for z in &self.zones {
            push(uuid_string(115, z), z.uuid.to_vec())?;
        }
        for i in &self.interfaces {
            push(uuid_string(116, i), i.uuid.to_vec())?;
        }
        for &(id, name) in app::ALL {
            push(id_name(63, id, name), be(id))?;
        }
        for &(id, name) in client::ALL {
            push(id_name(55, id, name), be(id))?;
        }
        for &(id, name) in &self.web_apps {
            push(id_name(109, id, name), be(id))?;
        }
        for u in &self.users {
            let j = json!({"recordType": 98, "id": u.id, "protocol": app::LDAP, "username": {"data": u.username}});
            push(j, be(u.id))?;
        }
        for &(code, name, _) in COUNTRIES {
            let j = json!({"recordType": 520, "countryCode": code, "country": {"data": name}});
            push(j, code.to_be_bytes().to_vec())?;
        }
        for &(id, name) in URL_CATEGORIES {
            push(id_name(121, id, name), be(id))?;
        }
        for &(id, name) in URL_REPUTATIONS {
            push(id_name(122, id, name), be(id))?;
        }
        for &(id, name, _) in FILE_TYPES {
            push(id_name(510, id, name), be(id))?;
        }
        for &(id, name, _) in FILE_TYPES {
            push(id_name(131, id, name), be(id))?;
        }
        for &(ty, name, enc) in XDATA_TYPES {
            let j = json!({"recordType": 111, "type": ty, "name": {"data": name}, "encoding": {"data": enc}});
            push(j, be(ty))?;
        }
        push(uuid_string(127, &self.cloud), self.cloud.uuid.to_vec())?;
        for &(id, name) in amp::TYPES {
            push(id_name(128, id, name), be(id))?;
        }
        for &(id, name) in amp::SUBTYPES {
            push(id_name(129, id, name), be(id))?;
        }
        for &(id, name) in amp::DETECTORS {
            push(id_name(130, id, name), be(id))?;
        }
        push(uuid_string(530, &self.file_policy), self.file_policy.uuid.to_vec())?;
        for &(id, cat, ev) in IOCS {
            let j = json!({"recordType": 161, "id": id, "category": {"data": cat}, "eventType": {"data": ev}});
            push(j, be(id))?;
        }
        for (j, key) in crate::discovery::metadata_json() {
            push(j, key)?;
        }
        for &(rt, table) in &[(320u32, DNS_RECORD_TYPES), (321, DNS_RESPONSE_TYPES)] {
            for &(id, name, desc) in table {
                let j = json!({"recordType": rt, "id": id, "name": {"data": name}, "description": {"data": desc}});
                push(j, be(id))?;
            }
        }
        Ok(out)
    }
}
