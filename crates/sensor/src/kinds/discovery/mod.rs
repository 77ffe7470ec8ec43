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
//! (the 54/58/60 tables are in [`catalog`]).

mod catalog;
mod write;

pub(crate) use catalog::{ATTRIBUTES, CRITICALITIES, OS};

use super::Group;
use crate::world::{Role, World};
use catalog::{ClientDef, ServerDef, ATTR_LOCATION, ATTR_OWNER};

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

/// The body of a discovery event after its header.
#[derive(Clone, Debug)]
enum Payload {
    /// 10: the host profile (S1 139).
    NewHost,
    /// 11, 12, 16, 17: a server (S1 103) with its hits and confidence.
    Server { server: ServerDef, hits: u32, confidence: u32 },
    /// 15, 107: a client application (S1 122) with its hits.
    Client { client: ClientDef, hits: u32 },
    /// 101: the OS fingerprint (S1 130).
    Os,
    /// 22: hops.
    Hops(u8),
    /// 27, 28: a MAC (S1 95).
    Mac { mac: [u8; 6], primary: bool },
    /// 13: network protocol.
    NetworkProtocol(u16),
    /// 14: transport protocol.
    TransportProtocol(u8),
    /// 34: VLAN (S1 14).
    Vlan { priority: u8 },
    /// 19: nothing after the header.
    None,
    /// 42: NetBIOS name (S1 35).
    NetBios,
    /// 82: criticality (S1 81).
    Criticality(u32),
    /// 83: attribute value (S1 82).
    Attribute { id: u32, value: String },
}

/// One discovery event to write.
struct DiscEvent {
    record_type: u32,
    event_type: u32,
    subtype: u32,
    payload: Payload,
}

const fn event(record_type: u32, event_type: u32, subtype: u32, payload: Payload) -> DiscEvent {
    DiscEvent { record_type, event_type, subtype, payload }
}

impl World {
    /// One discovery event about an internal host.
    pub(crate) fn discovery(&mut self, group: &mut Group) {
        let host = self.pick_host(super::HostSet::Internal).expect("the world has internal hosts");
        let states = &mut self.gen.disc.hosts;
        if states.len() < self.hosts.len() {
            states.resize(self.hosts.len(), HostState::default());
        }
        let e = if self.gen.disc.hosts[host].known { self.known_host_event(host) } else { self.new_host(host) };
        self.emit(group, e.record_type, |w, b| w.write_discovery(b, host, &e));
    }

    fn new_host(&mut self, host: usize) -> DiscEvent {
        let h = &self.hosts[host];
        // OS and names first, then servers and client applications by turns.
        let mut facts = vec![Fact::Os];
        if h.windows(host) {
            facts.push(Fact::NetBios);
        }
        if h.server_role() {
            facts.extend([Fact::Criticality, Fact::Attribute(ATTR_OWNER), Fact::Attribute(ATTR_LOCATION)]);
        }
        let (servers, clients) = (h.servers(host).len(), h.clients(host).as_slice().len());
        for i in 0..servers.max(clients) {
            facts.extend((i < servers).then_some(Fact::Server(i)));
            facts.extend((i < clients).then_some(Fact::Client(i)));
        }
        self.gen.disc.hosts[host] = HostState { known: true, pending: facts, ..HostState::default() };
        event(10, 1000, 1, Payload::NewHost)
    }

    fn known_host_event(&mut self, host: usize) -> DiscEvent {
        let h = &self.hosts[host];
        let st = &self.gen.disc.hosts[host];
        let weights: [(Step, u32); 10] = [
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
        let rng = &mut self.gen.rng;
        let step = weights[rng.weighted_by(&weights, |w| w.1)].0;
        let v4 = h.ip.is_ipv4();
        match step {
            Step::Announce => {
                let fact = self.gen.disc.hosts[host].pending.remove(0);
                self.announce(host, fact)
            }
            Step::ServerUpdate => {
                let i = st.servers[rng.index(st.servers.len())];
                let server = h.servers(host)[i];
                let hits = rng.range32(2, 5000);
                let confidence = rng.range32(70, 100);
                let (rt, subtype) = if server.udp { (17, 10) } else { (16, 6) };
                event(rt, 1001, subtype, Payload::Server { server, hits, confidence })
            }
            Step::ClientUpdate => {
                let i = st.clients[rng.index(st.clients.len())];
                let hits = rng.range32(2, 5000);
                event(107, 1001, 32, Payload::Client { client: h.clients(host).as_slice()[i], hits })
            }
            Step::Hops => event(22, 1001, 5, Payload::Hops(rng.range32(1, 3) as u8)),
            Step::MacChange => event(27, 1001, 13, Payload::Mac { mac: h.mac, primary: true }),
            Step::AdditionalMac => {
                let mut second = h.mac;
                second[5] ^= 0x80;
                self.gen.disc.hosts[host].extra_mac = true;
                event(28, 1001, 14, Payload::Mac { mac: second, primary: false })
            }
            Step::NetworkProtocol => {
                let proto = if v4 { *rng.pick(&[2048, 2054]) } else { 34_525 };
                event(13, 1000, 3, Payload::NetworkProtocol(proto))
            }
            Step::TransportProtocol => {
                let proto = *rng.pick(&[6, 17, if v4 { 1 } else { 58 }]);
                event(14, 1000, 4, Payload::TransportProtocol(proto))
            }
            Step::Vlan => event(34, 1001, 18, Payload::Vlan { priority: rng.below(8) as u8 }),
            Step::Timeout => {
                self.gen.disc.hosts[host] = HostState::default();
                event(19, 1001, 7, Payload::None)
            }
        }
    }

    /// The event that announces `fact` about a known host.
    fn announce(&mut self, host: usize, fact: Fact) -> DiscEvent {
        let h = &self.hosts[host];
        match fact {
            Fact::Os => event(101, 1000, 8, Payload::Os),
            Fact::Server(i) => {
                self.gen.disc.hosts[host].servers.push(i);
                let server = h.servers(host)[i];
                let confidence = self.gen.rng.range32(70, 100);
                let (rt, subtype) = if server.udp { (12, 6) } else { (11, 2) };
                event(rt, 1000, subtype, Payload::Server { server, hits: 1, confidence })
            }
            Fact::Client(i) => {
                self.gen.disc.hosts[host].clients.push(i);
                event(15, 1000, 7, Payload::Client { client: h.clients(host).as_slice()[i], hits: 1 })
            }
            Fact::NetBios => event(42, 1001, 21, Payload::NetBios),
            Fact::Criticality => {
                let level = match h.role {
                    Role::DomainController | Role::WebServer => 3,
                    Role::FileServer | Role::MailRelay => 2,
                    _ => 1,
                };
                event(82, 1002, 24, Payload::Criticality(level))
            }
            Fact::Attribute(id) => {
                let value = match (id, h.role) {
                    (ATTR_OWNER, Role::WebServer | Role::MailRelay) => "Web and Mail Team".to_string(),
                    (ATTR_OWNER, _) => "IT Operations".to_string(),
                    _ => format!("{} DMZ rack {}", self.devices[h.device].name, 1 + host % 4),
                };
                event(83, 1002, 25, Payload::Attribute { id, value })
            }
        }
    }
}
