//! Discovery event bodies: the discovery header, then the payload's fields and blocks in the
//! layouts of `estreamer_wire::schema` (RECORDS.md §4 and the S1 host blocks).

use super::{DiscEvent, Payload};
use crate::body::Body;
use crate::world::{Role, World};

/// The fingerprint lists of a host profile (S1 139), in layout order.
const FINGERPRINT_LISTS: [&str; 9] = [
    "serverFingerprints",
    "clientFingerprints",
    "smbFingerprints",
    "dhcpFingerprints",
    "mobileDeviceFingerprints",
    "ipv6ServerFingerprints",
    "ipv6ClientFingerprints",
    "ipv6DhcpFingerprints",
    "userAgentFingerprints",
];

impl World {
    /// A discovery event about `host`: header, then payload.
    pub(super) fn write_discovery(&self, b: &mut Body, host: usize, e: &DiscEvent) {
        let h = &self.hosts[host];
        let (now_s, _) = self.now();
        self.write_disc_header(b, h.device, h.mac, host, e.event_type, e.subtype);
        match &e.payload {
            Payload::NewHost => self.write_host_profile(b, host),
            Payload::Server { server, hits, confidence } => {
                let block = b.open(103);
                b.u16(server.port).u32(*hits).u32(now_s);
                let list = b.open(31);
                let info = b.open(117);
                b.u32(server.app).string(server.vendor).string(server.version).u32(now_s).zeros(8);
                b.empty_list(11).end(info); // subServers
                b.end(list).u32(*confidence).empty_list(31).end(block); // webApplication
            }
            Payload::Client { client: (id, proto, version), hits } => {
                let block = b.open(122);
                b.u32(*hits).u32(now_s).u32(*id).u32(*proto).string(version).empty_list(31).end(block);
            }
            Payload::Os => {
                self.write_fingerprint(b, host);
            }
            Payload::Hops(hops) => {
                b.u8(*hops);
            }
            Payload::Mac { mac, primary } => {
                let block = b.open(95);
                b.u8(h.ttl(host)).raw(mac).u8(u8::from(*primary)).u32(now_s).end(block);
            }
            Payload::NetworkProtocol(p) => {
                b.u16(*p);
            }
            Payload::TransportProtocol(p) => {
                b.u8(*p);
            }
            Payload::Vlan { priority } => {
                let block = b.open(14);
                b.u16(h.vlan()).u8(0).u8(*priority).end(block);
            }
            Payload::None => {}
            Payload::NetBios => {
                let block = b.open(35);
                b.string(&h.netbios_name()).end(block);
            }
            Payload::Criticality(level) => {
                let block = b.open(81);
                self.write_own_range(b, host);
                b.u32(0).u32(1).u32(*level).end(block); // sourceId, sourceType (user)
            }
            Payload::Attribute { id, value } => {
                let block = b.open(82);
                self.write_own_range(b, host);
                b.u32(0).u32(1).u32(*id).blob(value.as_bytes()).end(block);
            }
        }
    }

    /// A list (S1 11) of one IP range (S1 141) holding just the host's address.
    fn write_own_range(&self, b: &mut Body, host: usize) {
        let ip = self.hosts[host].ip;
        let list = b.open(11);
        let range = b.open(141);
        b.ip(ip).ip(ip).end(range).end(list);
    }

    /// The host's OS fingerprint (S1 130): its OS, seen now, no mobile device.
    fn write_fingerprint(&self, b: &mut Body, host: usize) {
        let (now_s, _) = self.now();
        let fp = b.open(130);
        b.raw(&self.hosts[host].os_uuid(host)).zeros(12).u32(now_s).u8(0).empty_list(31).end(fp);
    }

    /// The new-host profile (S1 139).
    fn write_host_profile(&self, b: &mut Body, host: usize) {
        let h = &self.hosts[host];
        let (now_s, _) = self.now();
        let v4 = h.ip.is_ipv4();
        // Workstations are first identified by DHCP, servers by their TCP stack.
        let fp_list = match (h.role == Role::Workstation, v4) {
            (true, true) => "dhcpFingerprints",
            (true, false) => "ipv6DhcpFingerprints",
            (false, true) => "serverFingerprints",
            (false, false) => "ipv6ServerFingerprints",
        };
        let block = b.open(139);
        b.ip(h.ip).u8(u8::from(h.server_role())).u8(0); // hops, primarySecondary
        for list_name in FINGERPRINT_LISTS {
            let list = b.open(31);
            if list_name == fp_list {
                self.write_fingerprint(b, host);
            }
            b.end(list);
        }
        b.empty_list(11).empty_list(11); // TCP and UDP servers
        let list = b.open(11);
        let proto = b.open(4);
        b.u16(if v4 { 0x0800 } else { 0x86dd }).end(proto).end(list);
        let list = b.open(11);
        for transport in [6, 17] {
            let proto = b.open(4);
            b.u16(transport).end(proto);
        }
        b.end(list);
        let list = b.open(11);
        let mac = b.open(95);
        b.u8(h.ttl(host)).raw(&h.mac).u8(1).u32(now_s).end(mac).end(list);
        b.u32(now_s).u32(0).u8(0).u8(0); // hostLastSeen, hostType, mobile, jailbroken
        b.u8(1).u16(h.vlan()).u8(0).u8(0); // VLAN presence, id, type, priority
        b.empty_list(31).string(""); // clientApplications, netbios
        b.end(block);
    }
}
