//! The event generator: connections, intrusions (+ packet, extra data, impact alert), file and
//! malware events, discovery and user logins, in a realistic mix over one consistent world.

use std::collections::VecDeque;
use std::net::IpAddr;

use serde_json::{json, Value as J};

use crate::encode::{encode_json, encode_obj, hex, mac_str, obj_from_json, set_data, uuid_str};
use crate::packet::{dns_query, Frame};
use crate::rng::Rng;
use crate::world::{amp, app, client, Device, Host, Role, RuleUse, SigKind, World};
use crate::{GenRecord, SensorError};

/// Relative weights of the primary event kinds, in percent.
pub const MIX: &[(EventKind, u32)] = &[
    (EventKind::Connection, 50),
    (EventKind::Intrusion, 20),
    (EventKind::File, 10),
    (EventKind::Malware, 5),
    (EventKind::Discovery, 10),
    (EventKind::User, 5),
];

/// Kind of a primary event (what one step of the generator produces).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EventKind {
    /// Connection event (71).
    Connection,
    /// Intrusion event (400) with its packet (2), sometimes extra data (110) and an impact
    /// alert (9).
    Intrusion,
    /// File event (500, or 502 for a malware disposition).
    File,
    /// Malware event (125).
    Malware,
    /// Discovery event (10 new host, then 11/12, 13/14, 15, 16/17, 19, 22, 27/28, 34, 42, 82,
    /// 83, 101, 107 about known hosts; see `discovery.rs`).
    Discovery,
    /// User login (95).
    User,
}

/// Kind of traffic of a connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Flow {
    Web,
    Dns,
    Ntp,
    Smb,
    Ldap,
    Kerberos,
    Ssh,
    Rdp,
    MailOut,
    InboundWeb,
    Backup,
}

const FLOWS: &[(Flow, u32)] = &[
    (Flow::Web, 40),
    (Flow::Dns, 18),
    (Flow::Ntp, 3),
    (Flow::Smb, 8),
    (Flow::Ldap, 5),
    (Flow::Kerberos, 4),
    (Flow::Ssh, 4),
    (Flow::Rdp, 2),
    (Flow::MailOut, 4),
    (Flow::InboundWeb, 10),
    (Flow::Backup, 2),
];

/// A logged connection that later events may refer to.
#[derive(Clone, Debug)]
pub(crate) struct Conn {
    device: usize,
    first: u32,
    instance: u16,
    counter: u16,
    init: usize,
    resp: usize,
    init_port: u16,
    resp_port: u16,
    proto: u8,
    flow: Flow,
    tls: bool,
    app: u32,
    client: u32,
    web: u32,
    user: u32,
    rule_id: u32,
    in_if: usize,
    out_if: usize,
    in_zone: usize,
    out_zone: usize,
    host_name: String,
    uri: String,
    user_agent: &'static str,
    http_response: u32,
    from_attacker: bool,
    /// Files (bit per index into `World::files`) already reported on this connection.
    files_seen: u64,
}

/// Generator state (clock, counters, recent connections, discovered hosts).
#[derive(Clone, Debug)]
pub(crate) struct GenState {
    pub(crate) rng: Rng,
    pub(crate) clock_us: u64,
    pub(crate) mean_interval_us: u64,
    counters: Vec<Vec<u16>>,
    event_ids: Vec<u32>,
    recent: VecDeque<Conn>,
    pub(crate) disc: crate::discovery::DiscoveryState,
}

const RECENT: usize = 512;

impl GenState {
    pub(crate) fn new(seed: u64, start: u32, devices: &[Device]) -> Self {
        let mut rng = Rng::new(seed, 0x00e7_e275);
        let counters = devices.iter().map(|d| (0..d.instances).map(|_| rng.below(60_000) as u16).collect()).collect();
        let event_ids = devices.iter().map(|_| 1 + rng.below(200_000) as u32).collect();
        GenState {
            rng,
            clock_us: u64::from(start) * 1_000_000,
            mean_interval_us: 50_000,
            counters,
            event_ids,
            recent: VecDeque::with_capacity(RECENT),
            disc: crate::discovery::DiscoveryState::default(),
        }
    }
}

/// Iterator over the records of `count` primary events (see [`World::events`]).
///
/// Records of one primary event are generated together; dropping the iterator in the middle
/// of a group (e.g. between an intrusion event and its packet) drops the rest of that group.
pub struct Events<'a> {
    world: &'a mut World,
    remaining: usize,
    queue: VecDeque<GenRecord>,
}

impl Iterator for Events<'_> {
    type Item = GenRecord;

    fn next(&mut self) -> Option<GenRecord> {
        if let Some(r) = self.queue.pop_front() {
            return Some(r);
        }
        if self.remaining == 0 {
            return None;
        }
        self.remaining -= 1;
        self.queue.extend(self.world.next_event());
        self.queue.pop_front()
    }
}

fn ip_str(ip: IpAddr) -> String {
    ip.to_string()
}

fn secs(us: u64) -> u32 {
    (us / 1_000_000) as u32
}

const WEB_PATHS: &[&str] = &[
    "/",
    "/index.html",
    "/search?q=quarterly+report",
    "/static/js/app.min.js",
    "/api/v2/status",
    "/images/logo.png",
    "/news/latest",
    "/login",
    "/downloads/",
    "/favicon.ico",
];

const ATTACK_URIS: &[&str] = &[
    "/cgi-bin/../../../../etc/passwd",
    "/products.php?id=1%27%20OR%20%271%27%3D%271",
    "/.git/config",
    "/wp-admin/setup-config.php?step=1",
    "/index.php?page=../../../../windows/win.ini",
    "/api/users?sort=name;DROP%20TABLE%20users",
];

impl World {
    /// Start events at `start_time` (UNIX seconds) instead of the seed-derived default.
    pub fn with_start_time(mut self, start_time: u32) -> Self {
        self.set_start_time(start_time);
        self
    }

    /// Move the generator's clock to `start_time` (UNIX seconds).
    pub fn set_start_time(&mut self, start_time: u32) {
        self.gen.clock_us = u64::from(start_time) * 1_000_000;
    }

    /// Mean time between primary events in microseconds (default 50 000, i.e. 20 events/s).
    pub fn set_mean_interval_us(&mut self, mean: u64) {
        self.gen.mean_interval_us = mean;
    }

    /// Current generator time (UNIX seconds): the time of the last generated event.
    pub fn clock(&self) -> u32 {
        secs(self.gen.clock_us)
    }

    /// Records of the next `count` primary events; records attached to an intrusion event
    /// (packet, extra data, impact alert) come right after it and do not count.
    pub fn events(&mut self, count: usize) -> Events<'_> {
        Events { world: self, remaining: count, queue: VecDeque::new() }
    }

    /// The records of one primary event (the event first, then attached records).
    ///
    /// # Panics
    /// Only if the wire schema rejects a record this crate built, which is a bug (covered by
    /// the tests); use [`World::try_next_event`] to get the error instead.
    pub fn next_event(&mut self) -> Vec<GenRecord> {
        self.try_next_event().expect("sensor event must encode (bug in estreamer-sensor)")
    }

    /// The records of one primary event.
    pub fn try_next_event(&mut self) -> Result<Vec<GenRecord>, SensorError> {
        self.try_next_event_with(MIX)
    }

    /// The records of one primary event whose kind is drawn with the weights of `mix` (the
    /// same draws as [`World::try_next_event`] when `mix` is [`MIX`]). Kinds with weight 0
    /// never come; an all-zero `mix` falls back to [`MIX`].
    pub fn try_next_event_with(&mut self, mix: &[(EventKind, u32)]) -> Result<Vec<GenRecord>, SensorError> {
        let mix = if mix.iter().any(|m| m.1 > 0) { mix } else { MIX };
        let mean = self.gen.mean_interval_us;
        self.gen.clock_us += self.gen.rng.below(2 * mean + 1);
        let weights: Vec<u32> = mix.iter().map(|m| m.1).collect();
        let kind = mix[self.gen.rng.weighted(&weights)].0;
        self.event_of(kind)
    }

    /// Generate one primary event of `kind`. Intrusion, file and malware events refer to a
    /// recently logged connection; when none fits yet, a connection event is made instead.
    pub fn event_of(&mut self, kind: EventKind) -> Result<Vec<GenRecord>, SensorError> {
        match kind {
            EventKind::Connection => self.connection(),
            EventKind::Intrusion => self.intrusion(),
            EventKind::File => self.file_event(),
            EventKind::Malware => self.malware_event(),
            EventKind::Discovery => self.discovery(),
            EventKind::User => self.user_login(),
        }
    }

    // -----------------------------------------------------------------------------------------
    // helpers

    pub(crate) fn hosts_where(&self, f: impl Fn(&Host) -> bool) -> Vec<usize> {
        self.hosts.iter().enumerate().filter(|(_, h)| f(h)).map(|(i, _)| i).collect()
    }

    fn pick_host(&mut self, f: impl Fn(&Host) -> bool) -> Option<usize> {
        let c = self.hosts_where(f);
        if c.is_empty() {
            None
        } else {
            Some(c[self.gen.rng.index(c.len())])
        }
    }

    pub(crate) fn now(&self) -> (u32, u32) {
        (secs(self.gen.clock_us), (self.gen.clock_us % 1_000_000) as u32)
    }

    fn mac_seen(&self, host: usize, device: usize) -> [u8; 6] {
        let h = &self.hosts[host];
        if h.internal() {
            h.mac
        } else {
            self.devices[device].router_mac
        }
    }

    fn rule_for(&self, device: usize, usage: RuleUse) -> (u32, u32) {
        let p = &self.ac_policies[self.devices[device].acp];
        let r = p.rules.iter().find(|r| r.usage == usage).unwrap_or(&p.rules[0]);
        (r.id, r.action)
    }

    fn username(&self, user: u32) -> String {
        self.users.iter().find(|u| u.id == user).map(|u| u.username.clone()).unwrap_or_default()
    }

    fn ephemeral(&mut self) -> u16 {
        self.gen.rng.range(49_152, 65_535) as u16
    }

    // -----------------------------------------------------------------------------------------
    // connection events (71)

    fn connection(&mut self) -> Result<Vec<GenRecord>, SensorError> {
        let weights: Vec<u32> = FLOWS.iter().map(|f| f.1).collect();
        let flow = FLOWS[self.gen.rng.weighted(&weights)].0;
        self.connection_of(flow)
    }

    fn connection_of(&mut self, flow: Flow) -> Result<Vec<GenRecord>, SensorError> {
        let (now_s, now_us) = self.now();
        let n_dev = self.devices.len();
        let mut device = self.gen.rng.index(n_dev);
        if matches!(flow, Flow::Ssh | Flow::Rdp | Flow::MailOut | Flow::InboundWeb) {
            device = 0;
        }
        let dev = device;
        let role_on = |role: Role| move |h: &Host| h.role == role && h.device == dev && h.internal();
        let ws_any = |h: &Host| h.role == Role::Workstation && h.device == dev;
        let ws_v4 = |h: &Host| h.role == Role::Workstation && h.device == dev && h.ip.is_ipv4();

        let mut tls = false;
        let mut host_name = String::new();
        let mut uri = String::new();
        let mut user_agent = "";
        let mut client_version = "";
        let mut web = 0;
        let mut url_cat = 0;
        let mut url_rep = 0;
        let mut http_response = 0;
        let mut blocked = false;
        let mut cert_fp = [0u8; 20];
        let mut dns: Option<(String, u32, u32, u32)> = None;
        let (init, resp, resp_port, proto, app_id, client_id, usage, dur, ib, rb);
        match flow {
            Flow::Web => {
                let i = self.pick_host(ws_any).expect("every device has workstations");
                let v6 = self.hosts[i].ip.is_ipv6();
                let want_bad = self.gen.rng.chance(6);
                let sites_where = |bad: bool| {
                    self.hosts_where(|h| match h.role {
                        Role::Site(s) => self.sites[s].bad == bad && h.ip.is_ipv6() == v6,
                        _ => false,
                    })
                };
                // Known-bad sites have no IPv6 address: IPv6 clients browse good ones.
                let mut cands = sites_where(want_bad);
                if cands.is_empty() {
                    cands = sites_where(!want_bad);
                }
                let r = cands[self.gen.rng.index(cands.len())];
                let Role::Site(s) = self.hosts[r].role else { unreachable!() };
                let site = self.sites[s].clone();
                tls = self.gen.rng.chance(75);
                host_name = site.host.to_string();
                web = site.web_app;
                url_cat = site.category;
                url_rep = site.reputation;
                let (cid, ver, ua) = if site.host == "update.microsoft.com" {
                    (client::WINUPDATE, "10.0.19041", "Windows-Update-Agent/10.0.10011.16384 Client-Protocol/2.33")
                } else {
                    let idx = self.gen.rng.weighted(&[50, 25, 20, 5]);
                    client::BROWSERS[idx]
                };
                client_version = ver;
                user_agent = ua;
                if tls {
                    cert_fp = site.cert_fp;
                } else {
                    uri = self.gen.rng.pick(WEB_PATHS).to_string();
                }
                blocked = site.bad && self.gen.rng.chance(60);
                if !blocked && !tls {
                    http_response = [200, 200, 200, 200, 304, 302, 404][self.gen.rng.index(7)];
                }
                init = i;
                resp = r;
                resp_port = if tls { 443 } else { 80 };
                proto = 6;
                app_id = if tls { app::HTTPS } else { app::HTTP };
                client_id = cid;
                usage = if blocked { RuleUse::BlockBad } else { RuleUse::Web };
                dur = (1, 180);
                ib = (400, 25_000);
                rb = (1_500, 4_000_000);
            }
            Flow::Dns => {
                let (i, r) = if self.gen.rng.chance(75) {
                    (self.pick_host(ws_v4), self.pick_host(role_on(Role::DomainController)))
                } else {
                    (self.pick_host(role_on(Role::DomainController)), self.pick_host(|h| h.role == Role::ExternalDns))
                };
                init = i.expect("workstation or DC");
                resp = r.expect("DNS server");
                let s = self.gen.rng.index(self.sites.len());
                let qname = if self.gen.rng.chance(15) {
                    format!(
                        "{}.corp.example",
                        self.hosts[self.gen.rng.index(self.hosts.len())].name.split('.').next().unwrap_or("host")
                    )
                } else {
                    self.sites[s].host.to_string()
                };
                let qtype = if self.gen.rng.chance(25) { 28 } else { 1 };
                let rcode = if self.gen.rng.chance(7) { 4 } else { 1 };
                dns = Some((qname, qtype, rcode, self.gen.rng.range32(30, 3600)));
                resp_port = 53;
                proto = 17;
                app_id = app::DNS;
                client_id = client::DNS;
                usage = RuleUse::Infra;
                dur = (0, 0);
                ib = (60, 90);
                rb = (90, 400);
            }
            Flow::Ntp => {
                init = self.pick_host(role_on(Role::DomainController)).expect("DC");
                resp = self.pick_host(|h| h.role == Role::ExternalNtp).expect("NTP server");
                resp_port = 123;
                proto = 17;
                app_id = app::NTP;
                client_id = client::NTP;
                usage = RuleUse::Infra;
                dur = (0, 0);
                ib = (90, 90);
                rb = (90, 90);
            }
            Flow::Smb | Flow::Ldap | Flow::Kerberos => {
                init = self.pick_host(ws_v4).expect("workstation");
                let (role, port, a, c) = match flow {
                    Flow::Smb => (Role::FileServer, 445, app::SMB, client::SMB),
                    Flow::Ldap => (Role::DomainController, 389, app::LDAP, client::LDAP),
                    _ => (Role::DomainController, 88, app::KERBEROS, client::KERBEROS),
                };
                resp = self.pick_host(role_on(role)).expect("server");
                resp_port = port;
                proto = 6;
                app_id = a;
                client_id = c;
                usage = RuleUse::Internal;
                if flow == Flow::Smb {
                    dur = (2, 900);
                    ib = (2_000, 2_000_000);
                    rb = (5_000, 60_000_000);
                } else {
                    dur = (0, 3);
                    ib = (300, 3_000);
                    rb = (300, 6_000);
                }
            }
            Flow::Ssh | Flow::Rdp => {
                let outside = flow == Flow::Ssh && self.gen.rng.chance(40);
                init = if outside {
                    self.pick_host(|h| h.role == Role::Attacker && h.ip.is_ipv4()).expect("attacker")
                } else {
                    self.pick_host(ws_v4).expect("workstation")
                };
                resp = self.pick_host(role_on(Role::JumpHost)).expect("jump host");
                resp_port = if flow == Flow::Ssh { 22 } else { 3389 };
                proto = 6;
                (app_id, client_id) =
                    if flow == Flow::Ssh { (app::SSH, client::OPENSSH) } else { (app::RDP, client::RDP) };
                usage = RuleUse::RemoteAccess;
                dur = if outside { (1, 20) } else { (30, 5_400) };
                ib = (3_000, 900_000);
                rb = (4_000, 9_000_000);
            }
            Flow::MailOut => {
                init = self.pick_host(role_on(Role::MailRelay)).expect("mail relay");
                resp = self.pick_host(|h| h.role == Role::ExternalMail).expect("external MX");
                resp_port = 25;
                proto = 6;
                app_id = app::SMTP;
                client_id = client::SMTP;
                usage = RuleUse::Mail;
                dur = (1, 15);
                ib = (2_000, 12_000_000);
                rb = (600, 3_000);
            }
            Flow::InboundWeb => {
                let role = if self.gen.rng.chance(30) { Role::Attacker } else { Role::Visitor };
                init = self.pick_host(|h| h.role == role && h.ip.is_ipv4()).expect("external client");
                resp = self.pick_host(role_on(Role::WebServer)).expect("web server");
                tls = self.gen.rng.chance(60);
                host_name = "www.corp.example".into();
                uri = self.gen.rng.pick(WEB_PATHS).to_string();
                let idx = self.gen.rng.weighted(&[50, 25, 20, 5]);
                let (cid, ver, ua) = client::BROWSERS[idx];
                client_version = ver;
                user_agent = ua;
                http_response = [200, 200, 200, 304, 404, 403][self.gen.rng.index(6)];
                resp_port = if tls { 443 } else { 80 };
                proto = 6;
                app_id = if tls { app::HTTPS } else { app::HTTP };
                client_id = cid;
                usage = RuleUse::InboundWeb;
                dur = (0, 60);
                ib = (400, 8_000);
                rb = (1_000, 2_000_000);
            }
            Flow::Backup => {
                init = self.pick_host(role_on(Role::FileServer)).expect("file server");
                resp = self.pick_host(role_on(Role::DomainController)).expect("DC");
                resp_port = 445;
                proto = 6;
                app_id = app::SMB;
                client_id = client::SMB;
                usage = RuleUse::Backup;
                dur = (60, 1_800);
                ib = (1_000_000, 900_000_000);
                rb = (20_000, 2_000_000);
            }
        }

        let (rule_id, rule_action) = self.rule_for(device, usage);
        let d = &self.devices[device];
        let (ih, rh) = (&self.hosts[init], &self.hosts[resp]);
        let in_zone = ih.zone;
        let out_zone = rh.zone;
        let iface_of = |zone: usize| d.ifaces[zone];
        let (in_if, out_if) = (iface_of(in_zone), iface_of(out_zone));
        let user = if ih.role == Role::Workstation { ih.user } else { 0 };
        let init_port = self.ephemeral();
        let instance = self.gen.rng.below(u64::from(self.devices[device].instances)) as u16;
        let counter = {
            let c = &mut self.gen.counters[device][usize::from(instance)];
            *c = c.wrapping_add(1);
            *c
        };

        let (mut duration, mut ibytes, mut rbytes) =
            (self.gen.rng.range32(dur.0, dur.1), self.gen.rng.range(ib.0, ib.1), self.gen.rng.range(rb.0, rb.1));
        if blocked {
            duration = 0;
            ibytes = self.gen.rng.range(60, 600);
            rbytes = 0;
        }
        let ipkts = if proto == 17 { 1 } else { 3 + ibytes / 900 };
        let rpkts = if blocked {
            0
        } else if proto == 17 {
            1
        } else {
            2 + rbytes / 1_300
        };
        let first = now_s.saturating_sub(duration);
        let conn = Conn {
            device,
            first,
            instance,
            counter,
            init,
            resp,
            init_port,
            resp_port,
            proto,
            flow,
            tls,
            app: app_id,
            client: client_id,
            web,
            user,
            rule_id,
            in_if,
            out_if,
            in_zone,
            out_zone,
            host_name: host_name.clone(),
            uri: uri.clone(),
            user_agent,
            http_response,
            from_attacker: self.hosts[init].role == Role::Attacker,
            files_seen: 0,
        };

        let ih = &self.hosts[init];
        let rh = &self.hosts[resp];
        let d = &self.devices[device];
        let acp = &self.ac_policies[d.acp];
        let client_url = match (flow, tls) {
            (Flow::Web | Flow::InboundWeb, true) => format!("https://{host_name}/"),
            (Flow::Web | Flow::InboundWeb, false) => format!("http://{host_name}{uri}"),
            _ => String::new(),
        };
        let (dns_query_s, dns_type, dns_resp, dns_ttl) = dns.clone().unwrap_or_default();
        let j = json!({
            "recordType": 71,
            "blockType": 174,
            "deviceId": d.id,
            "macAddress": mac_str(&self.mac_seen(init, device)),
            "eventSecond": now_s,
            "eventMicrosecond": now_us,
            "eventType": 1003,
            "eventSubtype": 1,
            "hostIpAddr": ip_str(ih.ip),
            "ingressZone": uuid_str(&self.zones[in_zone].uuid),
            "egressZone": uuid_str(&self.zones[out_zone].uuid),
            "ingressInterface": uuid_str(&self.interfaces[in_if].uuid),
            "egressInterface": uuid_str(&self.interfaces[out_if].uuid),
            "initiatorIpAddress": ip_str(ih.ip),
            "responderIpAddress": ip_str(rh.ip),
            "policyRevision": uuid_str(&acp.uuid),
            "ruleId": rule_id,
            "ruleAction": rule_action,
            "initiatorPort": init_port,
            "responderPort": resp_port,
            "protocol": proto,
            "instanceId": instance,
            "connectionCounter": counter,
            "firstPacketTimestamp": first,
            "lastPacketTimestamp": now_s,
            "initiatorTransmittedPackets": ipkts,
            "responderTransmittedPackets": rpkts,
            "initiatorTransmittedBytes": ibytes,
            "responderTransmittedBytes": rbytes,
            "userId": user,
            "applicationId": app_id,
            "urlCategory": url_cat,
            "urlReputation": url_rep,
            "clientApplicationId": client_id,
            "webApplicationId": web,
            "clientUrl": {"data": client_url},
            "clientApplicationVersion": {"data": client_version},
            "initiatorCountry": ih.country,
            "responderCountry": rh.country,
            "vlanId": 0,
            "referencedHost": {"data": host_name},
            "userAgent": {"data": if tls && flow == Flow::Web { "" } else { user_agent }},
            "sslCertificateFingerprint": hex(&cert_fp),
            "networkAnalysisPolicyRevision": uuid_str(&self.nap.uuid),
            "httpResponse": http_response,
            "dnsQuery": {"data": dns_query_s},
            "dnsRecordType": dns_type,
            "dnsResponseType": dns_resp,
            "dnsTtl": dns_ttl,
        });
        let (rt, body) = encode_json(&j, "connection event")?;
        if !blocked {
            if self.gen.recent.len() == RECENT {
                self.gen.recent.pop_front();
            }
            self.gen.recent.push_back(conn);
        }
        Ok(vec![GenRecord { record_type: rt, body, meta_key: None }])
    }

    /// A recent connection matching `f`, newest-biased.
    fn recent_conn(&mut self, f: impl Fn(&Conn) -> bool) -> Option<Conn> {
        self.recent_conn_index(f).map(|i| self.gen.recent[i].clone())
    }

    /// Index (in the recent list) of a recent connection matching `f`, newest-biased.
    fn recent_conn_index(&mut self, f: impl Fn(&Conn) -> bool) -> Option<usize> {
        let cands: Vec<usize> = self.gen.recent.iter().enumerate().filter(|(_, c)| f(c)).map(|(i, _)| i).collect();
        if cands.is_empty() {
            return None;
        }
        // Prefer the newest quarter of the candidates.
        let n = cands.len();
        let lo = n - n.div_ceil(4);
        Some(cands[lo + self.gen.rng.index(n - lo)])
    }

    /// A file of the wanted kind not yet reported on recent connection `ci` (any file of that
    /// kind when all were); marks it as reported.
    fn pick_file(&mut self, ci: usize, malware: bool) -> crate::world::FileDef {
        let seen = self.gen.recent[ci].files_seen;
        let kind: Vec<usize> =
            self.files.iter().enumerate().filter(|(_, f)| f.malware.is_some() == malware).map(|(i, _)| i).collect();
        let fresh: Vec<usize> = kind.iter().copied().filter(|&i| seen & (1 << (i % 64)) == 0).collect();
        let from = if fresh.is_empty() { &kind } else { &fresh };
        let i = from[self.gen.rng.index(from.len())];
        self.gen.recent[ci].files_seen |= 1 << (i % 64);
        self.files[i].clone()
    }

    // -----------------------------------------------------------------------------------------
    // intrusion events (400) + packet (2) + extra data (110) + impact alert (9)

    fn intrusion(&mut self) -> Result<Vec<GenRecord>, SensorError> {
        let fits = |kind: SigKind, c: &Conn| match kind {
            SigKind::WebAttack => c.flow == Flow::InboundWeb && c.from_attacker,
            SigKind::WebClient | SigKind::Cnc => c.flow == Flow::Web,
            SigKind::Dns => c.flow == Flow::Dns,
            SigKind::Smb => c.flow == Flow::Smb,
            SigKind::Ssh => c.flow == Flow::Ssh && c.from_attacker,
            SigKind::FileObj => matches!(c.flow, Flow::Web | Flow::MailOut | Flow::Smb) && !c.tls,
        };
        let weights: Vec<u32> = self
            .rules
            .iter()
            .map(|r| {
                let base = match r.priority {
                    1 => 2,
                    2 => 3,
                    _ => 4,
                };
                if self.gen.recent.iter().any(|c| fits(r.kind, c)) {
                    base
                } else {
                    0
                }
            })
            .collect();
        if weights.iter().all(|&w| w == 0) {
            return self.connection();
        }
        let rule = self.rules[self.gen.rng.weighted(&weights)].clone();
        let conn = self.recent_conn(|c| fits(rule.kind, c)).expect("checked above");
        let (now_s, now_us) = self.now();
        let device = conn.device;
        let d = self.devices[device].clone();
        let event_id = {
            let e = &mut self.gen.event_ids[device];
            *e = e.wrapping_add(1);
            *e
        };
        let to_client = rule.kind == SigKind::FileObj && conn.flow == Flow::Web;
        let (src, dst, sport, dport) = if to_client {
            (conn.resp, conn.init, conn.resp_port, conn.init_port)
        } else {
            (conn.init, conn.resp, conn.init_port, conn.resp_port)
        };
        let (sh, dh) = (self.hosts[src].clone(), self.hosts[dst].clone());

        // Impact: unknown target outside, otherwise by what the network map would say.
        let level = if !dh.internal() {
            4
        } else if dh.role == Role::Workstation {
            [1, 2, 3, 5][self.gen.rng.weighted(&[5, 25, 40, 30])]
        } else {
            [1, 2, 3, 5][self.gen.rng.weighted(&[15, 35, 30, 20])]
        };
        let flags: u32 = match level {
            1 => 0x1b,
            2 => 0x07,
            3 => 0x03,
            4 => 0x01,
            _ => 0x00,
        };
        let (blocked, reason) = match (rule.drop, d.inline) {
            (true, true) => (1, 0),
            (true, false) => (2, 1),
            _ => (0, 0),
        };

        // HTTP details.
        let http = matches!(conn.flow, Flow::Web | Flow::InboundWeb) && (!conn.tls || conn.flow == Flow::InboundWeb);
        let uri = match rule.kind {
            SigKind::WebAttack => self.gen.rng.pick(ATTACK_URIS).to_string(),
            _ if http => conn.uri.clone(),
            _ => String::new(),
        };
        let xff = if rule.kind == SigKind::WebAttack && self.gen.rng.chance(30) {
            let mut a = [0u8; 16];
            a[..6].copy_from_slice(&[0x20, 0x01, 0x0d, 0xb8, 0xbe, 0xef]);
            a[8..].copy_from_slice(&self.gen.rng.bytes::<8>());
            Some(a)
        } else {
            None
        };
        let ioc = match rule.kind {
            SigKind::Cnc => 2,
            SigKind::WebAttack if level == 1 => 4,
            _ => 0,
        };
        let acp = &self.ac_policies[d.acp];
        let j = json!({
            "recordType": 400,
            "blockType": 85,
            "deviceId": d.id,
            "eventId": event_id,
            "eventSecond": now_s,
            "eventMicrosecond": now_us,
            "ruleId": rule.sid,
            "generatorId": rule.gid,
            "ruleRevision": rule.rev,
            "classificationId": rule.classification,
            "priorityId": rule.priority,
            "sourceIpAddress": ip_str(sh.ip),
            "destinationIpAddress": ip_str(dh.ip),
            "sourcePortOrIcmpType": sport,
            "destinationPortOrIcmpType": dport,
            "ipProtocolId": conn.proto,
            "impactFlags": flags,
            "impact": level,
            "blocked": blocked,
            "blockedReasonId": reason,
            "policyUuid": uuid_str(&self.intrusion_policies[d.ips].uuid),
            "userId": conn.user,
            "webApplicationId": conn.web,
            "clientApplicationId": conn.client,
            "applicationId": conn.app,
            "accessControlRuleId": conn.rule_id,
            "accessControlPolicyUuid": uuid_str(&acp.uuid),
            "interfaceIngressUuid": uuid_str(&self.interfaces[conn.in_if].uuid),
            "interfaceEgressUuid": uuid_str(&self.interfaces[conn.out_if].uuid),
            "securityZoneIngressUuid": uuid_str(&self.zones[conn.in_zone].uuid),
            "securityZoneEgressUuid": uuid_str(&self.zones[conn.out_zone].uuid),
            "connectionTimestamp": conn.first,
            "connectionInstanceId": conn.instance,
            "connectionCounter": conn.counter,
            "sourceCountry": sh.country,
            "destinationCountry": dh.country,
            "iocNumber": ioc,
            "networkAnalysisPolicyUuid": uuid_str(&self.nap.uuid),
            "httpResponse": if http { conn.http_response } else { 0 },
            "snortVersion": 3,
            "originalSrcIP": xff.map_or_else(|| "::".to_string(), |a| std::net::Ipv6Addr::from(a).to_string()),
            "httpHostname": {"data": if http { conn.host_name.as_str() } else { "" }},
            "httpURI": {"data": uri},
        });
        let mut out = Vec::with_capacity(4);
        let (rt, body) = encode_json(&j, "intrusion event")?;
        out.push(GenRecord { record_type: rt, body, meta_key: None });

        // Packet that triggered it.
        let payload = self.payload_for(&rule.kind, &conn, &uri, to_client);
        let ttl = if sh.internal() { 128 } else { self.gen.rng.range(40, 120) as u8 };
        let frame = Frame {
            src_mac: self.mac_seen(src, device),
            dst_mac: self.mac_seen(dst, device),
            src: sh.ip,
            dst: dh.ip,
            src_port: sport,
            dst_port: dport,
            proto: conn.proto,
            ttl,
            ip_id: self.gen.rng.below(65_536) as u16,
            seq: self.gen.rng.next_u64() as u32,
            ack: self.gen.rng.next_u64() as u32,
            payload: &payload,
        }
        .build();
        let pj = json!({
            "recordType": 2,
            "deviceId": d.id,
            "eventId": event_id,
            "eventSecond": now_s,
            "packetSecond": now_s,
            "packetMicrosecond": now_us,
            "linkType": 1,
        });
        let (prt, mut pobj) = obj_from_json(&pj, "packet")?;
        set_data(&mut pobj, None, "packetData", frame);
        out.push(GenRecord { record_type: prt, body: encode_obj(prt, &pobj, "packet")?, meta_key: None });

        // Extra data: the URI, and the original client behind a proxy.
        if !uri.is_empty() && self.gen.rng.chance(80) {
            let xj = json!({"recordType": 110, "deviceId": d.id, "eventId": event_id, "eventSecond": now_s,
                "type": 9, "blob": {"data": uri}});
            let (xrt, xbody) = encode_json(&xj, "extra data (URI)")?;
            out.push(GenRecord { record_type: xrt, body: xbody, meta_key: None });
        }
        if let Some(a) = xff {
            let xj = json!({"recordType": 110, "deviceId": d.id, "eventId": event_id, "eventSecond": now_s, "type": 2});
            let (xrt, mut xobj) = obj_from_json(&xj, "extra data (XFF)")?;
            set_data(&mut xobj, Some("blob"), "data", a.to_vec());
            out.push(GenRecord { record_type: xrt, body: encode_obj(xrt, &xobj, "extra data (XFF)")?, meta_key: None });
        }

        // Impact alert for (potentially) vulnerable targets.
        if level <= 2 {
            let label = if level == 1 { "Vulnerable" } else { "Potentially Vulnerable" };
            let ij = json!({
                "recordType": 9,
                "eventId": event_id,
                "deviceId": d.id,
                "eventSecond": now_s,
                "impact": flags,
                "sourceIpAddress": ip_str(sh.ip),
                "destinationIpAddress": ip_str(dh.ip),
                "description": {"data": format!("{} [Impact: {label}]", rule.message)},
            });
            let (irt, ibody) = encode_json(&ij, "impact alert")?;
            out.push(GenRecord { record_type: irt, body: ibody, meta_key: None });
        }
        Ok(out)
    }

    fn payload_for(&mut self, kind: &SigKind, conn: &Conn, uri: &str, to_client: bool) -> Vec<u8> {
        let http_request = |uri: &str| {
            format!(
                "GET {uri} HTTP/1.1\r\nHost: {}\r\nUser-Agent: {}\r\nAccept: */*\r\nConnection: keep-alive\r\n\r\n",
                conn.host_name, conn.user_agent
            )
            .into_bytes()
        };
        match kind {
            SigKind::WebAttack | SigKind::WebClient | SigKind::Cnc if !uri.is_empty() => http_request(uri),
            SigKind::WebAttack | SigKind::WebClient | SigKind::Cnc => {
                // TLS application data.
                let mut p = vec![0x17, 0x03, 0x03, 0x00, 0x40];
                for _ in 0..8 {
                    p.extend_from_slice(&self.gen.rng.next_u64().to_be_bytes());
                }
                p
            }
            SigKind::Dns => {
                let id = self.gen.rng.below(65_536) as u16;
                let name = if self.gen.rng.chance(50) {
                    let label: String = (0..60).map(|_| char::from(b'a' + self.gen.rng.below(26) as u8)).collect();
                    format!("{label}.{label}.tunnel.example")
                } else {
                    format!("host{}.dyndns.example", self.gen.rng.below(1000))
                };
                dns_query(id, &name, 1)
            }
            SigKind::Smb => {
                let mut p = vec![0x00, 0x00, 0x00, 0x48, 0xfe, b'S', b'M', b'B', 0x40, 0x00];
                p.extend_from_slice(&[0; 6]);
                p.extend_from_slice(&[0x01, 0x00]); // SESSION_SETUP
                p.extend_from_slice(&[0; 54]);
                p.extend_from_slice(&[0x19, 0x00, 0x00, 0x01]);
                p
            }
            SigKind::Ssh => b"SSH-2.0-libssh2_1.10.0\r\n".to_vec(),
            SigKind::FileObj => {
                let mut p = if to_client {
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/msword\r\nContent-Length: 48128\r\n\r\n".to_vec()
                } else {
                    Vec::new()
                };
                p.extend_from_slice(&[0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);
                p.extend_from_slice(&[0; 16]);
                p.extend_from_slice(&[0x3e, 0x00, 0x03, 0x00, 0xfe, 0xff, 0x09, 0x00]);
                p
            }
        }
    }

    // -----------------------------------------------------------------------------------------
    // file events (500 / 502)

    fn file_event(&mut self) -> Result<Vec<GenRecord>, SensorError> {
        let Some(ci) = self.recent_conn_index(|c| matches!(c.flow, Flow::Web | Flow::MailOut | Flow::Smb)) else {
            return self.connection();
        };
        let malware = self.gen.rng.chance(12);
        let file = self.pick_file(ci, malware);
        let conn = self.gen.recent[ci].clone();
        let upload = match conn.flow {
            Flow::MailOut => true,
            Flow::Smb => self.gen.rng.chance(40),
            _ => false,
        };
        let (now_s, _) = self.now();
        let d = self.devices[conn.device].clone();
        let lookup = matches!(file.type_id, 1..=4 | 6);
        let (record_type, disposition, action, score, signature) = match file.malware {
            Some((det, score)) => (502, 3, if d.inline { 4 } else { 3 }, score, det),
            None if lookup => (500, if self.gen.rng.chance(75) { 1 } else { 2 }, 3, 0, ""),
            None => (500, 0, 1, 0, ""),
        };
        let j = self.file_json(record_type, &conn, &file, upload, now_s, disposition, action, score, signature);
        let (rt, body) = encode_json(&j, "file event")?;
        Ok(vec![GenRecord { record_type: rt, body, meta_key: None }])
    }

    #[allow(clippy::too_many_arguments)]
    fn file_json(
        &self,
        record_type: u32,
        conn: &Conn,
        file: &crate::world::FileDef,
        upload: bool,
        now_s: u32,
        disposition: u32,
        action: u32,
        score: u32,
        signature: &str,
    ) -> J {
        let d = &self.devices[conn.device];
        let (s, r, sp, rp) = if upload {
            (conn.init, conn.resp, conn.init_port, conn.resp_port)
        } else {
            (conn.resp, conn.init, conn.resp_port, conn.init_port)
        };
        let (sh, rh) = (&self.hosts[s], &self.hosts[r]);
        let uri = if conn.flow == Flow::Web { format!("/downloads/{}", file.name) } else { String::new() };
        json!({
            "recordType": record_type,
            "blockType": 79,
            "deviceId": d.id,
            "connectionInstance": conn.instance,
            "connectionCounter": conn.counter,
            "connectionTimestamp": conn.first,
            "fileEventTimestamp": now_s,
            "sourceIpAddress": ip_str(sh.ip),
            "destinationIpAddress": ip_str(rh.ip),
            "disposition": disposition,
            "threatScore": score,
            "action": action,
            "shaHash": hex(&file.sha),
            "fileTypeId": file.type_id,
            "fileName": {"data": file.name},
            "fileSize": file.size,
            "direction": if upload { 2 } else { 1 },
            "applicationId": conn.app,
            "userId": conn.user,
            "uri": {"data": uri},
            "signature": {"data": signature},
            "sourcePort": sp,
            "destinationPort": rp,
            "protocol": conn.proto,
            "accessControlPolicyUuid": uuid_str(&self.ac_policies[d.acp].uuid),
            "sourceCountry": sh.country,
            "destinationCountry": rh.country,
            "webApplicationId": conn.web,
            "clientApplicationId": conn.client,
            "httpResponse": if conn.flow == Flow::Web { 200 } else { 0 },
        })
    }

    // -----------------------------------------------------------------------------------------
    // malware events (125)

    fn malware_event(&mut self) -> Result<Vec<GenRecord>, SensorError> {
        let Some(ci) = self.recent_conn_index(|c| matches!(c.flow, Flow::Web | Flow::MailOut)) else {
            return self.connection();
        };
        let file = self.pick_file(ci, true);
        let conn = self.gen.recent[ci].clone();
        let (det, score) = file.malware.unwrap_or(("", 0));
        let retro = self.gen.rng.chance(20);
        let (now_s, _) = self.now();
        let d = self.devices[conn.device].clone();
        let upload = conn.flow == Flow::MailOut;
        let (s, r, sp, rp) = if upload {
            (conn.init, conn.resp, conn.init_port, conn.resp_port)
        } else {
            (conn.resp, conn.init, conn.resp_port, conn.init_port)
        };
        let (sh, rh) = (self.hosts[s].clone(), self.hosts[r].clone());
        let subtype = amp::SUBTYPES[self.gen.rng.index(2) * 2].0; // Create or Scan
        let detector = amp::DETECTORS[self.gen.rng.weighted(&[10, 20, 70, 0])].0;
        let uri = if conn.flow == Flow::Web { format!("/downloads/{}", file.name) } else { String::new() };
        let j = json!({
            "recordType": 125,
            "blockType": 80,
            "cloudUuid": uuid_str(&self.cloud.uuid),
            "malwareEventTimestamp": now_s,
            "eventTypeId": if retro { amp::NETWORK_RETRO } else { amp::NETWORK_TRANSFER },
            "eventSubtypeId": subtype,
            "detectorId": detector,
            "detectionName": {"data": det},
            "user": {"data": self.username(conn.user)},
            "fileName": {"data": file.name},
            "fileShaHash": {"data": hex(&file.sha)},
            "fileSize": file.size,
            "fileType": file.type_id,
            "fileTimestamp": now_s,
            "deviceId": d.id,
            "connectionInstance": conn.instance,
            "connectionCounter": conn.counter,
            "connectionEventTimestamp": conn.first,
            "direction": if upload { 2 } else { 1 },
            "sourceIpAddress": ip_str(sh.ip),
            "destinationIpAddress": ip_str(rh.ip),
            "applicationId": conn.app,
            "userId": conn.user,
            "accessControlPolicyUuid": uuid_str(&self.ac_policies[d.acp].uuid),
            "disposition": 3,
            "retroDisposition": if retro { 3 } else { 0 },
            "uri": {"data": uri},
            "sourcePort": sp,
            "destinationPort": rp,
            "sourceCountry": sh.country,
            "destinationCountry": rh.country,
            "webApplicationId": conn.web,
            "clientApplicationId": conn.client,
            "action": if d.inline && !retro { 4 } else { 3 },
            "protocol": conn.proto,
            "threatScore": score,
            "iocNumber": 1,
            "httpResponse": if conn.flow == Flow::Web { 200 } else { 0 },
        });
        let (rt, body) = encode_json(&j, "malware event")?;
        Ok(vec![GenRecord { record_type: rt, body, meta_key: None }])
    }

    // -----------------------------------------------------------------------------------------
    // user login (95); discovery events are in `discovery.rs`

    fn user_login(&mut self) -> Result<Vec<GenRecord>, SensorError> {
        let ws = self.hosts_where(|h| h.role == Role::Workstation);
        let host = ws[self.gen.rng.index(ws.len())];
        if self.gen.rng.chance(15) {
            // Someone else signs in at this desk.
            let u = self.users[self.gen.rng.index(self.users.len())].id;
            self.hosts[host].user = u;
        }
        let h = self.hosts[host].clone();
        let user = self.users.iter().find(|u| u.id == h.user).cloned().unwrap_or_else(|| self.users[0].clone());
        let dc = self
            .hosts
            .iter()
            .find(|x| x.role == Role::DomainController && x.device == h.device)
            .map(|x| x.name.clone())
            .unwrap_or_default();
        let (now_s, _) = self.now();
        let protocol = if self.gen.rng.chance(70) { app::KERBEROS } else { app::LDAP };
        let mut j = self.disc_header(host, 1004, 2);
        j["recordType"] = json!(95);
        j["user"] = json!({
            "timestamp": now_s,
            "ipv4Address": if h.ip.is_ipv4() { ip_str(h.ip) } else { "0.0.0.0".into() },
            "username": {"data": user.username},
            "domain": {"data": "CORP"},
            "userId": user.id,
            "protocol": protocol,
            "email": {"data": format!("{}@corp.example", user.username)},
            "ipv6Address": if h.ip.is_ipv6() { ip_str(h.ip) } else { "::".into() },
            "loginType": 0,
            "authType": 1,
            "reportedBy": {"data": dc},
            "vpnSession": {"listType": 31, "items": []},
        });
        let (rt, body) = encode_json(&j, "user login")?;
        Ok(vec![GenRecord { record_type: rt, body, meta_key: None }])
    }
}
