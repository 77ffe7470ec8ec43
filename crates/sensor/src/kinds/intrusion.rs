//! Intrusion events (400, S2 85) on a logged connection, each followed by its packet (2), for
//! HTTP signatures usually by extra data 110 type 9 (the URI), for some proxied attacks by 110
//! type 2 (the original client address), and for (potentially) vulnerable targets by an impact
//! alert (9).

use super::connection::Conn;
use super::flows::Flow;
use super::Group;
use crate::body::Body;
use crate::packet::{write_dns_query, Frame};
use crate::world::{Role, SigKind, SnortRule, World};

/// URIs of attacks on the public web server.
const ATTACK_URIS: &[&str] = &[
    "/cgi-bin/../../../../etc/passwd",
    "/products.php?id=1%27%20OR%20%271%27%3D%271",
    "/.git/config",
    "/wp-admin/setup-config.php?step=1",
    "/index.php?page=../../../../windows/win.ini",
    "/api/users?sort=name;DROP%20TABLE%20users",
];

/// Every signature kind, in the order of the enum (`kind as usize` indexes it).
pub(crate) const SIG_KINDS: [SigKind; 7] =
    [SigKind::WebAttack, SigKind::WebClient, SigKind::Cnc, SigKind::Dns, SigKind::Smb, SigKind::Ssh, SigKind::FileObj];

/// Whether a signature of `kind` can fire on connection `c`.
pub(crate) fn fits(kind: SigKind, c: &Conn) -> bool {
    match kind {
        SigKind::WebAttack => c.flow == Flow::InboundWeb && c.from_attacker,
        SigKind::WebClient | SigKind::Cnc => c.flow == Flow::Web,
        SigKind::Dns => c.flow == Flow::Dns,
        SigKind::Smb => c.flow == Flow::Smb,
        SigKind::Ssh => c.flow == Flow::Ssh && c.from_attacker,
        SigKind::FileObj => matches!(c.flow, Flow::Web | Flow::MailOut | Flow::Smb) && !c.tls,
    }
}

/// What an intrusion event decided, for its attached records.
struct Alert<'a> {
    rule: &'a SnortRule,
    conn: &'a Conn,
    event_id: u32,
    /// Source and destination hosts and ports (the packet's direction).
    src: usize,
    dst: usize,
    sport: u16,
    dport: u16,
    level: u8,
    flags: u8,
    blocked: u8,
    reason: u8,
    http: bool,
    uri: &'static str,
    xff: Option<[u8; 16]>,
    ioc: u16,
}

impl World {
    /// An intrusion event and its attached records, or a connection event when no logged
    /// connection fits any signature yet.
    pub(crate) fn intrusion(&mut self, group: &mut Group) {
        let by_sig = self.gen.recent_by_sig;
        let fitting = |kind: SigKind| by_sig[kind as usize] > 0;
        let weight = |r: &SnortRule| match (fitting(r.kind), r.priority) {
            (false, _) => 0,
            (true, 1) => 2,
            (true, 2) => 3,
            (true, _) => 4,
        };
        if self.rules.iter().all(|r| weight(r) == 0) {
            return self.connection(group);
        }
        let ri = self.gen.rng.weighted_by(&self.rules, weight);
        let kind = self.rules[ri].kind;
        let n = self.recent_fitting(kind);
        let ci = self.recent_conn_index(n, |c| fits(kind, c)).expect("checked above");
        let conn = self.gen.recent[ci].clone();
        let device = conn.device;
        let event_id = {
            let e = &mut self.gen.event_ids[device];
            *e = e.wrapping_add(1);
            *e
        };
        let to_client = kind == SigKind::FileObj && conn.flow == Flow::Web;
        let (src, dst, sport, dport) = if to_client {
            (conn.resp, conn.init, conn.resp_port, conn.init_port)
        } else {
            (conn.init, conn.resp, conn.init_port, conn.resp_port)
        };
        let dh = &self.hosts[dst];
        let rng = &mut self.gen.rng;
        // Impact: unknown target outside, otherwise by what the network map would say.
        let level = if !dh.internal() {
            4
        } else if dh.role == Role::Workstation {
            [1, 2, 3, 5][rng.weighted(&[5, 25, 40, 30])]
        } else {
            [1, 2, 3, 5][rng.weighted(&[15, 35, 30, 20])]
        };
        let flags = match level {
            1 => 0x1b,
            2 => 0x07,
            3 => 0x03,
            4 => 0x01,
            _ => 0x00,
        };
        let (blocked, reason) = match (self.rules[ri].drop, self.devices[device].inline) {
            (true, true) => (1, 0),
            (true, false) => (2, 1),
            _ => (0, 0),
        };
        let http = matches!(conn.flow, Flow::Web | Flow::InboundWeb) && (!conn.tls || conn.flow == Flow::InboundWeb);
        let uri = match kind {
            SigKind::WebAttack => *rng.pick(ATTACK_URIS),
            _ if http => conn.uri,
            _ => "",
        };
        let xff = (kind == SigKind::WebAttack && rng.chance(30)).then(|| {
            let mut a = [0u8; 16];
            a[..6].copy_from_slice(&[0x20, 0x01, 0x0d, 0xb8, 0xbe, 0xef]);
            a[8..].copy_from_slice(&rng.bytes::<8>());
            a
        });
        let ioc = match kind {
            SigKind::Cnc => 2,
            SigKind::WebAttack if level == 1 => 4,
            _ => 0,
        };
        let rules = std::mem::take(&mut self.rules);
        let a = Alert {
            rule: &rules[ri],
            conn: &conn,
            event_id,
            src,
            dst,
            sport,
            dport,
            level,
            flags,
            blocked,
            reason,
            http,
            uri,
            xff,
            ioc,
        };
        self.emit(group, 400, |w, b| w.write_intrusion(b, &a));
        self.packet(group, &a, to_client);
        if !uri.is_empty() && self.gen.rng.chance(80) {
            self.emit(group, 110, |w, b| w.write_extra_data(b, &a, 9, uri.as_bytes()));
        }
        if let Some(x) = xff {
            self.emit(group, 110, |w, b| w.write_extra_data(b, &a, 2, &x));
        }
        if level <= 2 {
            self.emit(group, 9, |w, b| w.write_impact(b, &a));
        }
        self.rules = rules;
    }

    /// Record 400: intrusion event block S2 85.
    fn write_intrusion(&self, b: &mut Body, a: &Alert<'_>) {
        let (c, r) = (a.conn, a.rule);
        let d = &self.devices[c.device];
        let (sh, dh) = (&self.hosts[a.src], &self.hosts[a.dst]);
        let (now_s, now_us) = self.now();
        let block = b.open(85);
        b.u32(d.id).u32(a.event_id).u32(now_s).u32(now_us);
        b.u32(r.sid).u32(r.gid).u32(r.rev).u32(r.classification).u32(r.priority);
        b.ip(sh.ip).ip(dh.ip).u16(a.sport).u16(a.dport);
        b.u8(c.proto).u8(a.flags).u8(a.level).u8(a.blocked).u8(a.reason);
        b.zeros(4 + 2 + 2); // mplsLabel, vlanId, pad
        b.raw(&self.intrusion_policies[d.ips].uuid);
        b.u32(c.user).u32(c.web).u32(c.client).u32(c.app).u32(c.rule_id);
        b.raw(&self.ac_policies[d.acp].uuid);
        b.raw(&self.interfaces[c.in_if].uuid).raw(&self.interfaces[c.out_if].uuid);
        b.raw(&self.zones[c.in_zone].uuid).raw(&self.zones[c.out_zone].uuid);
        b.u32(c.first).u16(c.instance).u16(c.counter);
        b.u16(sh.country).u16(dh.country).u16(a.ioc);
        b.zeros(16 + 20 + 2 + 2); // securityContext, sslCertificateFingerprint, SSL actions
        b.raw(&self.nap.uuid).u32(if a.http { c.http_response } else { 0 });
        b.empty_strings(2).u8(3); // VRF names, snortVersion
        b.raw(&a.xff.unwrap_or([0; 16])); // originalSrcIP
        b.string(if a.http { c.host_name } else { "" }).string(a.uri);
        b.empty_strings(4); // SMTP attachments, from, headers, to
        b.end(block);
    }

    /// Record 2: the packet that triggered the event (an Ethernet frame).
    fn packet(&mut self, group: &mut Group, a: &Alert<'_>, to_client: bool) {
        let mut payload = std::mem::take(&mut self.gen.scratch);
        payload.clear();
        self.payload_for(&mut payload, a.rule.kind, a.conn, a.uri, to_client);
        let ttl = if self.hosts[a.src].internal() { 128 } else { self.gen.rng.range(40, 120) as u8 };
        let (src_mac, dst_mac) = (self.mac_seen(a.src, a.conn.device), self.mac_seen(a.dst, a.conn.device));
        let rng = &mut self.gen.rng;
        let frame = Frame {
            src_mac,
            dst_mac,
            src: self.hosts[a.src].ip,
            dst: self.hosts[a.dst].ip,
            src_port: a.sport,
            dst_port: a.dport,
            proto: a.conn.proto,
            ttl,
            ip_id: rng.below(65_536) as u16,
            seq: rng.next_u64() as u32,
            ack: rng.next_u64() as u32,
            payload: &payload,
        };
        self.emit(group, 2, |w, b| {
            let (now_s, now_us) = w.now();
            b.u32(w.devices[a.conn.device].id).u32(a.event_id).u32(now_s).u32(now_s).u32(now_us).u32(1);
            let at = b.vec().len();
            b.u32(0);
            frame.write_to(b.vec());
            let len = (b.vec().len() - at - 4) as u32;
            b.vec()[at..at + 4].copy_from_slice(&len.to_be_bytes());
        });
        self.gen.scratch = payload;
    }

    /// Record 110: extra data (S2 4) of `data_type` (111) holding `data`.
    fn write_extra_data(&self, b: &mut Body, a: &Alert<'_>, data_type: u32, data: &[u8]) {
        let (now_s, _) = self.now();
        let block = b.open(4);
        b.u32(self.devices[a.conn.device].id).u32(a.event_id).u32(now_s).u32(data_type).blob(data);
        b.end(block);
    }

    /// Record 9: impact alert (S1 153).
    fn write_impact(&self, b: &mut Body, a: &Alert<'_>) {
        let (now_s, _) = self.now();
        let label = if a.level == 1 { "Vulnerable" } else { "Potentially Vulnerable" };
        let block = b.open(153);
        b.u32(a.event_id).u32(self.devices[a.conn.device].id).u32(now_s).u32(u32::from(a.flags));
        b.ip(self.hosts[a.src].ip).ip(self.hosts[a.dst].ip);
        b.string_of(&[&a.rule.message, " [Impact: ", label, "]"]);
        b.end(block);
    }

    /// The application payload of the triggering packet.
    fn payload_for(&mut self, p: &mut Vec<u8>, kind: SigKind, conn: &Conn, uri: &str, to_client: bool) {
        let rng = &mut self.gen.rng;
        match kind {
            SigKind::WebAttack | SigKind::WebClient | SigKind::Cnc if !uri.is_empty() => {
                for part in ["GET ", uri, " HTTP/1.1\r\nHost: ", conn.host_name, "\r\nUser-Agent: ", conn.user_agent] {
                    p.extend_from_slice(part.as_bytes());
                }
                p.extend_from_slice(b"\r\nAccept: */*\r\nConnection: keep-alive\r\n\r\n");
            }
            SigKind::WebAttack | SigKind::WebClient | SigKind::Cnc => {
                // TLS application data.
                p.extend_from_slice(&[0x17, 0x03, 0x03, 0x00, 0x40]);
                for _ in 0..8 {
                    p.extend_from_slice(&rng.next_u64().to_be_bytes());
                }
            }
            SigKind::Dns => {
                let id = rng.below(65_536) as u16;
                let mut name = String::with_capacity(160);
                if rng.chance(50) {
                    let label: String = (0..60).map(|_| char::from(b'a' + rng.below(26) as u8)).collect();
                    name.push_str(&label);
                    name.push('.');
                    name.push_str(&label);
                    name.push_str(".tunnel.example");
                } else {
                    name.push_str("host");
                    name.push_str(&rng.below(1000).to_string());
                    name.push_str(".dyndns.example");
                }
                write_dns_query(p, id, &name, 1);
            }
            SigKind::Smb => {
                p.extend_from_slice(&[0x00, 0x00, 0x00, 0x48, 0xfe, b'S', b'M', b'B', 0x40, 0x00]);
                p.extend_from_slice(&[0; 6]);
                p.extend_from_slice(&[0x01, 0x00]); // SESSION_SETUP
                p.extend_from_slice(&[0; 54]);
                p.extend_from_slice(&[0x19, 0x00, 0x00, 0x01]);
            }
            SigKind::Ssh => p.extend_from_slice(b"SSH-2.0-libssh2_1.10.0\r\n"),
            SigKind::FileObj => {
                if to_client {
                    p.extend_from_slice(
                        b"HTTP/1.1 200 OK\r\nContent-Type: application/msword\r\nContent-Length: 48128\r\n\r\n",
                    );
                }
                p.extend_from_slice(&[0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);
                p.extend_from_slice(&[0; 16]);
                p.extend_from_slice(&[0x3e, 0x00, 0x03, 0x00, 0xfe, 0xff, 0x09, 0x00]);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::SIG_KINDS;

    #[test]
    fn sig_kinds_are_in_enum_order() {
        for (i, kind) in SIG_KINDS.iter().enumerate() {
            assert_eq!(*kind as usize, i, "{kind:?}");
        }
    }
}
