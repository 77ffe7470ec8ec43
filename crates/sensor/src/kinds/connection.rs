//! Connection events (71, S1 174): a row of the flow table ([`super::flows`]) made concrete —
//! device, hosts, ports, application details, rule, counters, bytes — then logged so that
//! intrusion, file and malware events can refer to it.

use super::flows::{Detail, End, Endpoints, Flow, FlowProfile, FLOWS, WEB_PATHS};
use super::{Group, HostSet};
use crate::body::Body;
use crate::world::{app, client, Role, RuleUse, World};

/// A logged connection that later events may refer to.
#[derive(Clone, Debug)]
pub(crate) struct Conn {
    pub device: usize,
    pub first: u32,
    pub instance: u16,
    pub counter: u16,
    pub init: usize,
    pub resp: usize,
    pub init_port: u16,
    pub resp_port: u16,
    pub proto: u8,
    pub flow: Flow,
    pub tls: bool,
    pub app: u32,
    pub client: u32,
    pub web: u32,
    pub user: u32,
    pub rule_id: u32,
    pub in_if: usize,
    pub out_if: usize,
    pub in_zone: usize,
    pub out_zone: usize,
    pub host_name: &'static str,
    pub uri: &'static str,
    pub user_agent: &'static str,
    pub http_response: u32,
    pub from_attacker: bool,
    /// Files (bit per index into `World::files`) already reported on this connection.
    pub files_seen: u64,
}

/// The name a DNS query asks for.
#[derive(Clone, Copy, Debug)]
enum QueryName {
    /// A web site's host name (index into `World::sites`).
    Site(usize),
    /// `<first label of the host's name>.corp.example` (index into `World::hosts`).
    Host(usize),
}

/// A DNS query and its answer.
#[derive(Clone, Copy, Debug)]
struct Dns {
    name: QueryName,
    record_type: u16,
    response: u16,
    ttl: u32,
}

/// What a flow's detail step decides (defaults: the row's service, nothing else).
struct Details {
    port: u16,
    app: u32,
    client: u32,
    rule: RuleUse,
    tls: bool,
    host_name: &'static str,
    uri: &'static str,
    user_agent: &'static str,
    client_version: &'static str,
    web: u32,
    url_category: u32,
    url_reputation: u32,
    http_response: u32,
    blocked: bool,
    cert_fp: [u8; 20],
    dns: Option<Dns>,
}

impl World {
    /// A connection event of a flow drawn from the flow table.
    pub(crate) fn connection(&mut self, group: &mut Group) {
        let row = &FLOWS[self.gen.rng.weighted_by(FLOWS, |f| f.weight)];
        self.connection_of(row, group);
    }

    /// The host for one end of a connection on `device` (`init`: the other end, when known).
    fn pick_end(&mut self, end: End, device: usize, init: Option<usize>) -> usize {
        match end {
            End::Site => {
                let v6 = init.is_some_and(|i| self.hosts[i].ip.is_ipv6());
                let want_bad = self.gen.rng.chance(6);
                // Known-bad sites have no IPv6 address: IPv6 clients browse good ones.
                self.pick_host(HostSet::Sites { v6, bad: want_bad })
                    .or_else(|| self.pick_host(HostSet::Sites { v6, bad: !want_bad }))
            }
            _ => self.pick_host(HostSet::End(end, device)),
        }
        .unwrap_or_else(|| panic!("the world has a host for {end:?}"))
    }

    /// Outbound browsing details, from the site the client reaches.
    fn web_details(&mut self, resp: usize, d: &mut Details) {
        let Role::Site(s) = self.hosts[resp].role else { unreachable!("a web flow reaches a site") };
        let site = &self.sites[s];
        let (host, web, category, reputation, bad, cert_fp) =
            (site.host, site.web_app, site.category, site.reputation, site.bad, site.cert_fp);
        let rng = &mut self.gen.rng;
        d.tls = rng.chance(75);
        d.host_name = host;
        d.web = web;
        d.url_category = category;
        d.url_reputation = reputation;
        let (cid, version, agent) = if host == "update.microsoft.com" {
            (client::WINUPDATE, "10.0.19041", "Windows-Update-Agent/10.0.10011.16384 Client-Protocol/2.33")
        } else {
            client::BROWSERS[rng.weighted(&[50, 25, 20, 5])]
        };
        d.client_version = version;
        d.user_agent = agent;
        if d.tls {
            d.cert_fp = cert_fp;
        } else {
            d.uri = *rng.pick(WEB_PATHS);
        }
        d.blocked = bad && rng.chance(60);
        if !d.blocked && !d.tls {
            d.http_response = [200, 200, 200, 200, 304, 302, 404][rng.index(7)];
        }
        d.client = cid;
        if d.blocked {
            d.rule = RuleUse::BlockBad;
        }
    }

    /// The public web server's details.
    fn inbound_web_details(&mut self, d: &mut Details) {
        let rng = &mut self.gen.rng;
        d.tls = rng.chance(60);
        d.host_name = "www.corp.example";
        d.uri = *rng.pick(WEB_PATHS);
        let (cid, version, agent) = client::BROWSERS[rng.weighted(&[50, 25, 20, 5])];
        d.client_version = version;
        d.user_agent = agent;
        d.http_response = [200, 200, 200, 304, 404, 403][rng.index(6)];
        d.client = cid;
    }

    /// A DNS query: a site, or 15% of the time an internal name.
    fn dns_details(&mut self, d: &mut Details) {
        let rng = &mut self.gen.rng;
        let site = rng.index(self.sites.len());
        let name = if rng.chance(15) { QueryName::Host(rng.index(self.hosts.len())) } else { QueryName::Site(site) };
        let record_type = if rng.chance(25) { 28 } else { 1 };
        let response = if rng.chance(7) { 4 } else { 1 };
        d.dns = Some(Dns { name, record_type, response, ttl: rng.range32(30, 3600) });
    }

    /// A connection event of the flow `row`.
    pub(crate) fn connection_of(&mut self, row: &FlowProfile, group: &mut Group) {
        let (now_s, _) = self.now();
        let mut device = self.gen.rng.index(self.devices.len());
        if row.first_device {
            device = 0;
        }
        let ends = match row.ends {
            Endpoints::One(e) => e,
            Endpoints::Either { pct, yes, no } => {
                if self.gen.rng.chance(pct) {
                    yes
                } else {
                    no
                }
            }
        };
        let init = self.pick_end(ends.init, device, None);
        let resp = self.pick_end(ends.resp, device, Some(init));
        let mut d = Details {
            port: row.port,
            app: row.app,
            client: row.client,
            rule: row.rule,
            tls: false,
            host_name: "",
            uri: "",
            user_agent: "",
            client_version: "",
            web: 0,
            url_category: 0,
            url_reputation: 0,
            http_response: 0,
            blocked: false,
            cert_fp: [0; 20],
            dns: None,
        };
        match row.detail {
            Detail::None => {}
            Detail::Web => self.web_details(resp, &mut d),
            Detail::InboundWeb => self.inbound_web_details(&mut d),
            Detail::Dns => self.dns_details(&mut d),
        }
        if d.tls {
            (d.port, d.app) = (443, app::HTTPS);
        }

        let (rule_id, rule_action) = self.rule_for(device, d.rule);
        let (ih, rh) = (&self.hosts[init], &self.hosts[resp]);
        let (in_zone, out_zone) = (ih.zone, rh.zone);
        let (in_if, out_if) = (self.devices[device].ifaces[in_zone], self.devices[device].ifaces[out_zone]);
        let user = if ih.role == Role::Workstation { ih.user } else { 0 };
        let from_attacker = ih.role == Role::Attacker;
        let rng = &mut self.gen.rng;
        let init_port = rng.range(49_152, 65_535) as u16;
        let instance = rng.below(u64::from(self.devices[device].instances)) as u16;
        let counter = {
            let c = &mut self.gen.counters[device][usize::from(instance)];
            *c = c.wrapping_add(1);
            *c
        };
        let rng = &mut self.gen.rng;
        let (mut duration, mut ibytes, mut rbytes) = (
            rng.range32(ends.duration.0, ends.duration.1),
            rng.range(row.init_bytes.0, row.init_bytes.1),
            rng.range(row.resp_bytes.0, row.resp_bytes.1),
        );
        if d.blocked {
            duration = 0;
            ibytes = rng.range(60, 600);
            rbytes = 0;
        }
        let udp = row.proto == 17;
        let ipkts = if udp { 1 } else { 3 + ibytes / 900 };
        let rpkts = match (d.blocked, udp) {
            (true, _) => 0,
            (false, true) => 1,
            (false, false) => 2 + rbytes / 1_300,
        };
        let conn = Conn {
            device,
            first: now_s.saturating_sub(duration),
            instance,
            counter,
            init,
            resp,
            init_port,
            resp_port: d.port,
            proto: row.proto,
            flow: row.flow,
            tls: d.tls,
            app: d.app,
            client: d.client,
            web: d.web,
            user,
            rule_id,
            in_if,
            out_if,
            in_zone,
            out_zone,
            host_name: d.host_name,
            uri: d.uri,
            user_agent: d.user_agent,
            http_response: d.http_response,
            from_attacker,
            files_seen: 0,
        };
        let stats = Stats { last: now_s, ipkts, rpkts, ibytes, rbytes, rule_action };
        self.emit(group, 71, |w, b| w.write_connection(b, &conn, &d, &stats));
        if !d.blocked {
            self.log_connection(conn);
        }
    }

    /// Id and action of the rule of `device`'s policy for `usage`.
    fn rule_for(&self, device: usize, usage: RuleUse) -> (u32, u32) {
        let p = &self.ac_policies[self.devices[device].acp];
        let r = p.rules.iter().find(|r| r.usage == usage).unwrap_or(&p.rules[0]);
        (r.id, r.action)
    }

    /// Record 71: the discovery header, then the connection statistics block (S1 174).
    fn write_connection(&self, b: &mut Body, c: &Conn, d: &Details, s: &Stats) {
        let dev = &self.devices[c.device];
        let (ih, rh) = (&self.hosts[c.init], &self.hosts[c.resp]);
        self.write_disc_header(b, c.device, self.mac_seen(c.init, c.device), c.init, 1003, 1);
        let block = b.open(174);
        b.u32(dev.id);
        b.raw(&self.zones[c.in_zone].uuid).raw(&self.zones[c.out_zone].uuid);
        b.raw(&self.interfaces[c.in_if].uuid).raw(&self.interfaces[c.out_if].uuid);
        b.ip(ih.ip).ip(rh.ip).zeros(16); // originalClientIpAddress
        b.raw(&self.ac_policies[dev.acp].uuid).u32(c.rule_id).u32(0); // tunnelRuleId
        b.u16(s.rule_action as u16).u32(0); // ruleReason
        b.u16(c.init_port).u16(c.resp_port).u16(0).u8(c.proto); // tcpFlag before protocol
        b.zeros(16).u16(c.instance).u16(c.counter); // netflowSource first
        b.u32(c.first).u32(s.last).u64(s.ipkts).u64(s.rpkts).u64(s.ibytes).u64(s.rbytes);
        b.zeros(4 * 8 + 16 + 4); // packets/bytes dropped, qosAppliedInterface, qosRuleId
        b.u32(c.user).u32(c.app).u32(d.url_category).u32(d.url_reputation).u32(c.client).u32(c.web);
        let host = d.host_name;
        match (c.flow, c.tls) {
            (Flow::Web | Flow::InboundWeb, true) => b.string_of(&["https://", host, "/"]),
            (Flow::Web | Flow::InboundWeb, false) => b.string_of(&["http://", host, c.uri]),
            _ => b.string(""),
        }; // clientUrl
        b.empty_strings(1).string(d.client_version); // netbios, clientApplicationVersion
                                                     // monitorRule1..8, securityIntelligenceSourceDestination and Layer, file and intrusion
                                                     // event counts.
        b.zeros(8 * 4 + 2 + 2 * 2);
        b.u16(ih.country).u16(rh.country);
        // originalClientCountry, iocNumber, source/destination AS, SNMP in/out, ToS and masks,
        // securityContext, vlanId.
        b.zeros(2 + 2 + 2 * 4 + 2 * 2 + 4 + 16 + 2);
        b.string(host).string(if c.tls && c.flow == Flow::Web { "" } else { c.user_agent });
        b.empty_strings(1).raw(&d.cert_fp); // httpReferrer, sslCertificateFingerprint
                                            // sslPolicyId, sslRuleId, sslCipherSuite, sslVersion, sslServerCertificateStatus,
                                            // sslActualAction, sslExpectedAction, sslFlowStatus, sslFlowError, sslFlowMessages,
                                            // sslFlowFlags.
        b.zeros(16 + 4 + 2 + 1 + 4 + 2 + 2 + 2 + 4 + 4 + 8);
        // sslServerName; sslUrlCategory, sslSessionId and its length, sslTicketId and its length.
        b.empty_strings(1).zeros(4 + 32 + 1 + 20 + 1);
        b.raw(&self.nap.uuid);
        // endpointProfileId, securityGroupId, source/destination security group tag and type,
        // locationIpv6.
        b.zeros(4 + 4 + 2 + 1 + 2 + 1 + 16);
        b.u32(c.http_response);
        match d.dns {
            Some(q) => {
                match q.name {
                    QueryName::Site(s) => b.string(self.sites[s].host),
                    QueryName::Host(h) => {
                        let label = self.hosts[h].name.split('.').next().unwrap_or("host");
                        b.string_of(&[label, ".corp.example"])
                    }
                };
                b.u16(q.record_type).u16(q.response).u32(q.ttl);
            }
            None => {
                b.empty_strings(1).zeros(2 + 2 + 4);
            }
        }
        // sinkholeUuid, securityIntelligenceList1/2, threatIntelligenceCategory, eveProcess,
        // three EVE figures and clientAppDectectorId, NAT ports and addresses, VRF names, dynamic
        // attributes.
        b.zeros(16 + 4 + 4 + 4).empty_strings(1).zeros(4 + 2 + 2 + 16 + 16).empty_strings(4);
        b.end(block);
    }
}

/// Figures of a connection that are not kept in [`Conn`].
struct Stats {
    last: u32,
    ipkts: u64,
    rpkts: u64,
    ibytes: u64,
    rbytes: u64,
    rule_action: u32,
}
