//! The event generators, one module per kind of primary event, over one consistent world:
//!
//! | module | records |
//! |---|---|
//! | [`connection`] (+ the flow table in [`flows`]) | 71 |
//! | [`intrusion`] | 400, with its packet 2, extra data 110 and impact alert 9 |
//! | [`file`] | 500 / 502 |
//! | [`malware`] | 125 |
//! | [`discovery`] | 10 and the host updates about known hosts |
//! | [`user`] | 95 |
//!
//! The sensor makes no correlation events (112): a correlation source would be one more module
//! here and one more [`EventKind`].
//!
//! Every generator reads the world, draws from the generator state's [`Rng`] and writes its
//! records straight into bytes ([`Body`]); the order of the draws is part of the output (the
//! same seed gives the same bytes), so a change of that order is a change of the output.

pub(crate) mod connection;
pub(crate) mod discovery;
pub(crate) mod file;
pub(crate) mod flows;
pub(crate) mod intrusion;
pub(crate) mod malware;
pub(crate) mod user;

use std::collections::VecDeque;

use crate::body::Body;
use crate::rng::Rng;
use crate::world::{Device, Host, Role, World};
use crate::{GenRecord, SensorError};

use connection::Conn;

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
    /// 83, 101, 107 about known hosts; see `kinds/discovery`).
    Discovery,
    /// User login (95).
    User,
}

/// Recent connections kept for later events to refer to.
const RECENT: usize = 512;

/// Generator state (clock, counters, recent connections, discovered hosts, buffers).
#[derive(Clone, Debug)]
pub(crate) struct GenState {
    pub(crate) rng: Rng,
    pub(crate) clock_us: u64,
    pub(crate) mean_interval_us: u64,
    /// Connection counter per device and Snort instance.
    counters: Vec<Vec<u16>>,
    /// Last intrusion event id per device.
    event_ids: Vec<u32>,
    recent: VecDeque<Conn>,
    /// Connections in `recent` per flow (by `Flow as usize`) and per signature kind that can
    /// fire on them (by `SigKind as usize`), kept as connections come and go.
    recent_by_flow: [u32; flows::FLOW_KINDS],
    recent_by_sig: [u32; intrusion::SIG_KINDS.len()],
    pub(crate) disc: discovery::DiscoveryState,
    /// Members of each host set picked from so far, in host order (the world's hosts do not
    /// change roles or addresses once built).
    host_sets: Vec<(HostSet, Vec<usize>)>,
    /// The body being written (reused from record to record).
    body: Body,
    /// Scratch bytes (a packet's payload).
    scratch: Vec<u8>,
}

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
            recent_by_flow: [0; flows::FLOW_KINDS],
            recent_by_sig: [0; intrusion::SIG_KINDS.len()],
            disc: discovery::DiscoveryState::default(),
            host_sets: Vec::new(),
            body: Body::default(),
            scratch: Vec::new(),
        }
    }
}

/// A set of hosts an event picks from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum HostSet {
    /// Every internal host.
    Internal,
    /// Every workstation.
    Workstations,
    /// The hosts that can take one end of a connection on a device (see [`flows::End`]).
    End(flows::End, usize),
    /// Web sites of one address family (IPv6 or not), known-bad or not.
    Sites { v6: bool, bad: bool },
}

impl HostSet {
    /// Whether `h` is in the set (`sites`: the world's web sites, for [`HostSet::Sites`]).
    fn contains_in(&self, h: &Host, sites: &[crate::world::Site]) -> bool {
        use flows::End;
        let on = |role: Role, device: usize| h.role == role && h.device == device;
        match *self {
            HostSet::Internal => h.internal(),
            HostSet::Workstations => h.role == Role::Workstation,
            HostSet::End(End::Workstation, d) => on(Role::Workstation, d),
            HostSet::End(End::WorkstationV4, d) => on(Role::Workstation, d) && h.ip.is_ipv4(),
            HostSet::End(End::Internal(role), d) => on(role, d) && h.internal(),
            HostSet::End(End::External(role), _) => h.role == role,
            HostSet::End(End::ExternalV4(role), _) => h.role == role && h.ip.is_ipv4(),
            HostSet::End(End::Site, _) => false,
            HostSet::Sites { v6, bad } => match h.role {
                Role::Site(s) => sites[s].bad == bad && h.ip.is_ipv6() == v6,
                _ => false,
            },
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

pub(crate) fn secs(us: u64) -> u32 {
    (us / 1_000_000) as u32
}

/// Records of one primary event, as they are written.
pub(crate) type Group = Vec<GenRecord>;

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
        let kind = mix[self.gen.rng.weighted_by(mix, |m| m.1)].0;
        self.event_of(kind)
    }

    /// Generate one primary event of `kind`. Intrusion, file and malware events refer to a
    /// recently logged connection; when none fits yet, a connection event is made instead.
    pub fn event_of(&mut self, kind: EventKind) -> Result<Vec<GenRecord>, SensorError> {
        let mut group = Vec::with_capacity(if kind == EventKind::Intrusion { 4 } else { 1 });
        match kind {
            EventKind::Connection => self.connection(&mut group),
            EventKind::Intrusion => self.intrusion(&mut group),
            EventKind::File => self.file_event(&mut group),
            EventKind::Malware => self.malware_event(&mut group),
            EventKind::Discovery => self.discovery(&mut group),
            EventKind::User => self.user_login(&mut group),
        }
        Ok(group)
    }

    // -----------------------------------------------------------------------------------------
    // helpers shared by the generators

    /// Write one record of `record_type` with `write` (into the reused body buffer) and add it
    /// to `group`.
    pub(crate) fn emit(&mut self, group: &mut Group, record_type: u32, write: impl FnOnce(&World, &mut Body)) {
        let mut body = std::mem::take(&mut self.gen.body);
        write(self, body.start());
        group.push(GenRecord { record_type, body: body.take(), meta_key: None });
        self.gen.body = body;
    }

    /// Index of a uniformly chosen host of `set` (one draw; none when the set is empty).
    pub(crate) fn pick_host(&mut self, set: HostSet) -> Option<usize> {
        let i = match self.gen.host_sets.iter().position(|(k, _)| *k == set) {
            Some(i) => i,
            None => {
                let members = (0..self.hosts.len()).filter(|&i| set.contains_in(&self.hosts[i], &self.sites)).collect();
                self.gen.host_sets.push((set, members));
                self.gen.host_sets.len() - 1
            }
        };
        let members = &self.gen.host_sets[i].1;
        if members.is_empty() {
            return None;
        }
        Some(members[self.gen.rng.index(members.len())])
    }

    /// Time of the current event: (seconds, microseconds).
    pub(crate) fn now(&self) -> (u32, u32) {
        (secs(self.gen.clock_us), (self.gen.clock_us % 1_000_000) as u32)
    }

    /// MAC a device sees for a host: its own inside, the router's for an external host.
    pub(crate) fn mac_seen(&self, host: usize, device: usize) -> [u8; 6] {
        let h = &self.hosts[host];
        if h.internal() {
            h.mac
        } else {
            self.devices[device].router_mac
        }
    }

    /// Log a connection for later events (the oldest goes when [`RECENT`] are kept).
    pub(crate) fn log_connection(&mut self, conn: Conn) {
        let g = &mut self.gen;
        if g.recent.len() == RECENT {
            if let Some(old) = g.recent.pop_front() {
                g.recent_by_flow[old.flow as usize] -= 1;
                for kind in intrusion::SIG_KINDS {
                    g.recent_by_sig[kind as usize] -= u32::from(intrusion::fits(kind, &old));
                }
            }
        }
        g.recent_by_flow[conn.flow as usize] += 1;
        for kind in intrusion::SIG_KINDS {
            g.recent_by_sig[kind as usize] += u32::from(intrusion::fits(kind, &conn));
        }
        g.recent.push_back(conn);
    }

    /// How many logged connections have one of `flows`.
    pub(crate) fn recent_of_flows(&self, flows: &[flows::Flow]) -> usize {
        flows.iter().map(|f| self.gen.recent_by_flow[*f as usize] as usize).sum()
    }

    /// How many logged connections a signature of `kind` can fire on.
    pub(crate) fn recent_fitting(&self, kind: crate::world::SigKind) -> usize {
        self.gen.recent_by_sig[kind as usize] as usize
    }

    /// Index (in the log) of one of the `n` logged connections matching `f`, newest-biased:
    /// uniformly among the newest quarter of them. `None` when `n` is 0.
    pub(crate) fn recent_conn_index(&mut self, n: usize, f: impl Fn(&Conn) -> bool) -> Option<usize> {
        if n == 0 {
            return None;
        }
        let lo = n - n.div_ceil(4);
        let k = lo + self.gen.rng.index(n - lo);
        // The k-th match from the oldest is the (n - 1 - k)-th from the newest.
        let recent = &self.gen.recent;
        recent.iter().enumerate().rev().filter(|(_, c)| f(c)).nth(n - 1 - k).map(|(i, _)| i)
    }

    /// The discovery event header (RECORDS.md §4) about `host` as `device` sees it, with the
    /// IPv6 host address: device, legacy IPv4 (0), MAC, has-IPv6 (1), reserved, time, event
    /// type and subtype, file number and position (0), host address.
    pub(crate) fn write_disc_header(
        &self,
        b: &mut Body,
        device: usize,
        mac: [u8; 6],
        host: usize,
        event_type: u32,
        subtype: u32,
    ) {
        let (now_s, now_us) = self.now();
        b.u32(self.devices[device].id).zeros(4).raw(&mac).u8(1).u8(0);
        b.u32(now_s).u32(now_us).u32(event_type).u32(subtype).zeros(8).ip(self.hosts[host].ip);
    }
}
