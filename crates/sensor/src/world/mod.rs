//! The synthetic world: devices, policies, rules, applications, users and hosts (the
//! metadata records that describe them are written by `metadata.rs`; the event generators,
//! which only read the world, are in `kinds/`).
//!
//! Everything is derived from the seed with [`Rng`]; names come from fixed tables
//! (`catalog.rs`), numbers (device ids, rule ids, UUIDs, addresses, MACs, hashes) from the
//! generator.

mod catalog;

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

pub(crate) use catalog::*;

use crate::rng::Rng;

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
    pub(crate) gen: crate::kinds::GenState,
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

        let gen = crate::kinds::GenState::new(seed, default_start_time(seed), &devices);
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
}
