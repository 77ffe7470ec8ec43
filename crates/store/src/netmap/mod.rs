//! The network map: what the FMC knows about each host, built from the discovery events in
//! the log, to answer Host Requests (PROTOCOL.md §8).
//!
//! [`NetMap`] keeps one [`HostProfile`] per 16-byte address (IPv4-mapped for IPv4 hosts) in a
//! `BTreeMap`, so a lookup is `O(log n)` and an inclusive address range is a range scan in
//! address order. [`NetMap::apply`] feeds it one stored record at a time: discovery records
//! are decoded with the wire schema and change the map (see `docs/netmap.md` for what each
//! record type does); every other record is skipped without being decoded.
//!
//! The map is bounded by a host limit, as an FMC is: at the limit a new host is not added; it
//! is counted ([`NetMap::refused_hosts`]) and logged with `tracing::warn!` at most once per
//! minute of event time.
//!
//! [`NetMapTracker`] keeps a shared map up to date with a store and survives restarts with a
//! snapshot (see [`NetMap::save_snapshot`]) plus a replay of the records after it.

mod snapshot;
mod tracker;

use std::collections::BTreeMap;
use std::ops::Bound;

use estreamer_wire::host_profile::{
    AttributeValue, ClientApplication, FingerprintSource, HostMac, HostProfile, HostService, HostVulnerability,
    OsFingerprint, Vlan,
};
use estreamer_wire::value::{Obj, Value};
use estreamer_wire::{decode_record, RecordHead};

pub use snapshot::SnapshotError;
pub use tracker::{NetMapTracker, TrackerOptions};

/// Host limit used when none is configured (a mid-size FMC's figure).
pub const DEFAULT_HOST_LIMIT: usize = 100_000;

/// Seconds of event time between two warnings about refused hosts.
const LIMIT_WARNING_EVERY_SECS: u32 = 60;

/// Record types that change the map; everything else is skipped undecoded.
pub const NETMAP_RECORD_TYPES: &[u32] = &[
    10, 11, 12, 13, 14, 15, 16, 17, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 31, 34, 35, 42, 44, 45, 51, 52, 80, 81,
    82, 83, 84, 101, 107,
];

/// The hosts known from discovery events, keyed by address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetMap {
    hosts: BTreeMap<[u8; 16], HostProfile>,
    host_limit: usize,
    last_seq: u64,
    refused_hosts: u64,
    undecodable_records: u64,
    /// Event second of the last host-limit warning.
    limit_warned_at: Option<u32>,
}

impl Default for NetMap {
    fn default() -> Self {
        NetMap::new(DEFAULT_HOST_LIMIT)
    }
}

/// Which service list an event is about.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Transport {
    Tcp,
    Udp,
}

impl NetMap {
    /// An empty map that holds at most `host_limit` hosts.
    pub fn new(host_limit: usize) -> Self {
        NetMap {
            hosts: BTreeMap::new(),
            host_limit,
            last_seq: 0,
            refused_hosts: 0,
            undecodable_records: 0,
            limit_warned_at: None,
        }
    }

    /// The configured host limit.
    pub fn host_limit(&self) -> usize {
        self.host_limit
    }

    /// Change the host limit; hosts already in the map stay even above it.
    pub fn set_host_limit(&mut self, host_limit: usize) {
        self.host_limit = host_limit;
    }

    /// Number of hosts.
    pub fn len(&self) -> usize {
        self.hosts.len()
    }

    /// Whether the map has no host.
    pub fn is_empty(&self) -> bool {
        self.hosts.is_empty()
    }

    /// Sequence number of the last record applied (0 before any).
    pub fn last_seq(&self) -> u64 {
        self.last_seq
    }

    /// New hosts that were not added because the map was at its host limit.
    pub fn refused_hosts(&self) -> u64 {
        self.refused_hosts
    }

    /// Discovery records skipped because they did not decode cleanly or named no host.
    pub fn undecodable_records(&self) -> u64 {
        self.undecodable_records
    }

    /// The host at `address` (IPv6 form; IPv4-mapped for IPv4).
    pub fn get(&self, address: &[u8; 16]) -> Option<&HostProfile> {
        self.hosts.get(address)
    }

    /// Hosts from `start` to `end` inclusive, in address order (none when `start > end`).
    pub fn range(&self, start: [u8; 16], end: [u8; 16]) -> impl Iterator<Item = &HostProfile> + '_ {
        let bounds = if start <= end { Some(start..=end) } else { None };
        bounds.into_iter().flat_map(move |b| self.hosts.range(b).map(|(_, h)| h))
    }

    /// One page of a range answer: up to `limit` hosts from `start` to `end` inclusive that
    /// come after `after` (exclusive) when given, in address order, cloned so that the map's
    /// lock need not be held while they are written.
    pub fn page(&self, start: [u8; 16], end: [u8; 16], after: Option<[u8; 16]>, limit: usize) -> Vec<HostProfile> {
        let from = match after {
            None => Bound::Included(start),
            Some(a) if a < start => Bound::Included(start),
            Some(a) => Bound::Excluded(a),
        };
        let valid = match from {
            Bound::Included(s) => s <= end,
            Bound::Excluded(s) => s < end,
            Bound::Unbounded => true,
        };
        if !valid {
            return Vec::new();
        }
        self.hosts.range((from, Bound::Included(end))).take(limit).map(|(_, h)| h.clone()).collect()
    }

    /// Every host, in address order.
    pub fn hosts(&self) -> impl Iterator<Item = &HostProfile> + '_ {
        self.hosts.values()
    }

    /// Insert or replace a host (snapshots, tests); ignores the host limit.
    pub fn insert(&mut self, host: HostProfile) {
        self.hosts.insert(host.address, host);
    }

    /// Apply one stored record. Records with `seq` at or below [`NetMap::last_seq`] were
    /// applied already and are skipped (a `seq` of 0 is always applied and not remembered).
    /// Non-discovery records are skipped undecoded; a discovery record that does not decode
    /// cleanly is counted in [`NetMap::undecodable_records`]. Never panics.
    pub fn apply(&mut self, seq: u64, record_type: u32, body: &[u8]) {
        if seq != 0 {
            if seq <= self.last_seq {
                return;
            }
            self.last_seq = seq;
        }
        if !NETMAP_RECORD_TYPES.contains(&record_type) {
            return;
        }
        let decoded = decode_record(RecordHead { record_type, archive_ts: 0, checksum: 0 }, body);
        if !decoded.issues.is_empty() {
            self.undecodable_records += 1;
            return;
        }
        let rec = &decoded.value;
        let when = u32::try_from(rec.get_u("eventSecond").unwrap_or(0)).unwrap_or(u32::MAX);
        let address = header_address(rec);
        if matches!(record_type, 80..=84) {
            // User input: applies to the listed ranges and to the event's host, if known;
            // never creates a host.
            self.apply_user_input(record_type, rec, address);
        } else {
            let Some(address) = address else {
                self.undecodable_records += 1;
                return;
            };
            self.apply_host_event(record_type, rec, address, when);
        }
        if let Some(h) = address.and_then(|a| self.hosts.get_mut(&a)) {
            h.last_seen = h.last_seen.max(when);
        }
    }

    fn apply_host_event(&mut self, record_type: u32, rec: &Obj, address: [u8; 16], when: u32) {
        match record_type {
            10 => {
                let Some(profile) = rec.get("hostProfile").and_then(Value::as_obj) else { return };
                let mut host = HostProfile::from_block139(profile);
                host.address = address;
                if self.hosts.contains_key(&address) || self.admit(when) {
                    self.hosts.insert(address, host);
                }
            }
            19 | 20 | 21 | 44 => {
                self.hosts.remove(&address);
            }
            29 => {
                let Some(Value::Ip6(new_address)) = rec.get("ipAddress") else { return };
                if let Some(mut host) = self.hosts.remove(&address) {
                    host.address = *new_address;
                    self.hosts.insert(*new_address, host);
                } else {
                    self.ensure_host(*new_address, when);
                }
            }
            _ => {
                let Some(host) = self.ensure_host(address, when) else { return };
                update_host(host, record_type, rec);
            }
        }
    }

    fn apply_user_input(&mut self, record_type: u32, rec: &Obj, address: Option<[u8; 16]>) {
        let block_key = match record_type {
            80 | 81 => "vulnerabilities",
            82 => "criticality",
            _ => "attributeValue",
        };
        let Some(block) = rec.get(block_key).and_then(Value::as_obj) else { return };
        if record_type == 80 || record_type == 81 {
            let invalid = record_type == 81;
            for item in items(block, "list") {
                let targets = self.targets(item, address);
                let id = u32_of(item, "vulnerabilityId");
                let port = u16::try_from(item.get_u("port").unwrap_or(0)).unwrap_or(0);
                let transport = transport_of(item.get_u("protocol").unwrap_or(0));
                for a in targets {
                    let Some(h) = self.hosts.get_mut(&a) else { continue };
                    let vuln_type = u32_of(block, "type");
                    set_vulnerability(&mut h.vulnerabilities, id, invalid, vuln_type);
                    if let (true, Some(t)) = (port != 0, transport) {
                        if let Some(s) = services_mut(h, t).iter_mut().find(|s| s.port == port) {
                            set_vulnerability(&mut s.vulnerabilities, id, invalid, vuln_type);
                        }
                    }
                }
            }
            return;
        }
        for a in self.targets(block, address) {
            let Some(h) = self.hosts.get_mut(&a) else { continue };
            match record_type {
                82 => h.criticality = u16::try_from(block.get_u("criticality").unwrap_or(0)).unwrap_or(u16::MAX),
                83 => set_attribute(h, block),
                _ => h.attributes.retain(|v| v.attribute_id != u32_of(block, "attributeId")),
            }
        }
    }

    /// Known hosts in the `ipRanges` of a user-input block, plus the event's own host.
    fn targets(&self, block: &Obj, address: Option<[u8; 16]>) -> Vec<[u8; 16]> {
        let mut out: Vec<[u8; 16]> = address.filter(|a| self.hosts.contains_key(a)).into_iter().collect();
        for r in items(block, "ipRanges") {
            if let (Some(Value::Ip6(start)), Some(Value::Ip6(end))) = (r.get("start"), r.get("finish")) {
                out.extend(self.range(*start, *end).map(|h| h.address));
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Whether one more host may be added; counts and (rate-limited) logs a refusal.
    fn admit(&mut self, when: u32) -> bool {
        if self.hosts.len() < self.host_limit {
            return true;
        }
        self.refused_hosts += 1;
        let due = match self.limit_warned_at {
            None => true,
            Some(t) => when < t || when - t >= LIMIT_WARNING_EVERY_SECS,
        };
        if due {
            self.limit_warned_at = Some(when);
            tracing::warn!(
                host_limit = self.host_limit,
                refused_hosts = self.refused_hosts,
                "network map is at its host limit: new hosts are not added"
            );
        }
        false
    }

    /// The host at `address`, created empty if it is new and the limit allows.
    fn ensure_host(&mut self, address: [u8; 16], when: u32) -> Option<&mut HostProfile> {
        if !self.hosts.contains_key(&address) {
            if !self.admit(when) {
                return None;
            }
            let mut host = HostProfile::new(address);
            host.last_seen = when;
            self.hosts.insert(address, host);
        }
        self.hosts.get_mut(&address)
    }
}

/// Changes to an existing host made by one event.
fn update_host(h: &mut HostProfile, record_type: u32, rec: &Obj) {
    match record_type {
        11 | 16 | 51 => upsert_service(&mut h.tcp_services, service_of(rec)),
        12 | 17 | 52 => upsert_service(&mut h.udp_services, service_of(rec)),
        13 => add_once(&mut h.network_protocols, u16_of(rec, "networkProtocol")),
        14 => add_once(&mut h.transport_protocols, u16_of(rec, "transportProtocol")),
        15 | 107 => {
            let Some(app) = rec.get("client").and_then(Value::as_obj) else { return };
            let app = ClientApplication::from_block122(app);
            match h.client_applications.iter_mut().find(|a| same_client(a, &app)) {
                Some(existing) => *existing = app,
                None => h.client_applications.push(app),
            }
        }
        35 => {
            let Some(app) = rec.get("client").and_then(Value::as_obj) else { return };
            let app = ClientApplication::from_block122(app);
            h.client_applications.retain(|a| !same_client(a, &app));
        }
        22 => h.hops = u8::try_from(rec.get_u("hops").unwrap_or(0)).unwrap_or(u8::MAX),
        23 | 25 => h.tcp_services.retain(|s| s.port != u16_of(rec, "port")),
        24 | 26 => h.udp_services.retain(|s| s.port != u16_of(rec, "port")),
        27 | 28 => {
            let Some(mac) = rec.get("mac").and_then(Value::as_obj) else { return };
            let mac = HostMac::from_block95(mac);
            if mac.primary {
                h.mac_addresses.iter_mut().for_each(|m| m.primary = false);
            }
            match h.mac_addresses.iter_mut().find(|m| m.mac == mac.mac) {
                Some(existing) => *existing = mac,
                None => h.mac_addresses.push(mac),
            }
        }
        31 => h.host_type = u32_of(rec, "hostType"),
        34 => {
            h.vlan = Some(Vlan {
                id: u16_of(rec, "id"),
                vlan_type: u8::try_from(rec.get_u("type").unwrap_or(0)).unwrap_or(u8::MAX),
                priority: u8::try_from(rec.get_u("priority").unwrap_or(0)).unwrap_or(u8::MAX),
            })
        }
        42 => h.netbios_name = text_of(rec, "value"),
        45 => {
            let Some(transport) = transport_of(rec.get_u("protocol").unwrap_or(0)) else { return };
            let port = u16_of(rec, "port");
            let banner = data_of(rec, "data").to_vec();
            let services = services_mut(h, transport);
            match services.iter_mut().find(|s| s.port == port) {
                Some(s) => s.banner = banner,
                None => services.push(HostService { port, banner, ..HostService::default() }),
            }
        }
        101 => {
            let Some(fp) = rec.get("osfingerprint").and_then(Value::as_obj) else { return };
            h.fingerprints.retain(|f| f.source != FingerprintSource::Derived);
            h.fingerprints.insert(0, OsFingerprint::from_block130(fp, FingerprintSource::Derived));
        }
        _ => {}
    }
}

/// The host address of a discovery header: `hostIpAddr`, else the legacy IPv4 field.
fn header_address(rec: &Obj) -> Option<[u8; 16]> {
    let a = match (rec.get("hostIpAddr"), rec.get("legacyIpAddress")) {
        (Some(Value::Ip6(a)), _) => *a,
        (_, Some(Value::Ip4(a))) => std::net::Ipv4Addr::from(*a).to_ipv6_mapped().octets(),
        _ => return None,
    };
    let unspecified = a == [0; 16] || a == std::net::Ipv4Addr::UNSPECIFIED.to_ipv6_mapped().octets();
    (!unspecified).then_some(a)
}

/// The S1 103 of records 11/12/16/17 (`hostServer`) or 51/52 (merged into the record).
fn service_of(rec: &Obj) -> HostService {
    match rec.get("hostServer").and_then(Value::as_obj) {
        Some(block) => HostService::from_block103(block),
        None => HostService::from_block103(rec),
    }
}

/// A service update keeps what the event does not carry (banner, vulnerabilities, identity).
fn upsert_service(services: &mut Vec<HostService>, new: HostService) {
    match services.iter_mut().find(|s| s.port == new.port) {
        None => services.push(new),
        Some(s) => {
            let keep_identity = new.application_protocol_id == 0 && new.vendor.is_empty() && new.version.is_empty();
            let old = std::mem::replace(s, new);
            s.banner = old.banner;
            s.vulnerabilities = old.vulnerabilities;
            if keep_identity {
                s.application_protocol_id = old.application_protocol_id;
                s.vendor = old.vendor;
                s.version = old.version;
                s.source_type = old.source_type;
                s.source_id = old.source_id;
            }
        }
    }
}

fn same_client(a: &ClientApplication, b: &ClientApplication) -> bool {
    a.client_application_id == b.client_application_id && a.application_protocol_id == b.application_protocol_id
}

fn set_vulnerability(list: &mut Vec<HostVulnerability>, id: u32, invalid: bool, vulnerability_type: u32) {
    match list.iter_mut().find(|v| v.id == id) {
        Some(v) => v.invalid = invalid,
        None => list.push(HostVulnerability { id, invalid, vulnerability_type }),
    }
}

/// Record 83: the value is a BLOB; digits-only text also fills the integer value.
fn set_attribute(h: &mut HostProfile, block: &Obj) {
    let id = u32_of(block, "attributeId");
    let text = String::from_utf8_lossy(data_of(block, "value")).replace('\0', "");
    let integer_value = text.trim().parse::<u32>().unwrap_or(0);
    let value = AttributeValue { attribute_id: id, attribute_type: 0, integer_value, text_value: text };
    match h.attributes.iter_mut().find(|a| a.attribute_id == id) {
        Some(a) => *a = value,
        None => h.attributes.push(value),
    }
}

fn services_mut(h: &mut HostProfile, t: Transport) -> &mut Vec<HostService> {
    match t {
        Transport::Tcp => &mut h.tcp_services,
        Transport::Udp => &mut h.udp_services,
    }
}

fn transport_of(protocol: u64) -> Option<Transport> {
    match protocol {
        6 => Some(Transport::Tcp),
        17 => Some(Transport::Udp),
        _ => None,
    }
}

fn add_once(list: &mut Vec<u16>, value: u16) {
    if !list.contains(&value) {
        list.push(value);
    }
}

fn u32_of(o: &Obj, key: &str) -> u32 {
    u32::try_from(o.get_u(key).unwrap_or(0)).unwrap_or(u32::MAX)
}

fn u16_of(o: &Obj, key: &str) -> u16 {
    u16::try_from(o.get_u(key).unwrap_or(0)).unwrap_or(u16::MAX)
}

fn data_of<'a>(o: &'a Obj, key: &str) -> &'a [u8] {
    match o.get(key).and_then(Value::as_obj).and_then(|b| b.get("data")) {
        Some(Value::Data(b)) | Some(Value::Hex(b)) => b,
        _ => &[],
    }
}

fn text_of(o: &Obj, key: &str) -> String {
    String::from_utf8_lossy(data_of(o, key)).into_owned()
}

fn items<'a>(o: &'a Obj, key: &str) -> impl Iterator<Item = &'a Obj> {
    let arr = match o.get(key).and_then(Value::as_obj).and_then(|l| l.get("items")) {
        Some(Value::Arr(a)) => a.as_slice(),
        _ => &[],
    };
    arr.iter().filter_map(Value::as_obj)
}

#[cfg(test)]
mod tests {
    use super::*;
    use estreamer_wire::{encode_record_body, record_from_json};

    fn new_host(ip: &str, second: u32) -> Vec<u8> {
        let j = serde_json::json!({"recordType": 10, "eventSecond": second, "hostIpAddr": ip});
        let (_, mut obj) = record_from_json(&j).unwrap();
        let address = estreamer_wire::value::parse_ipv6(ip).unwrap();
        obj.set("hostProfile", false, Value::Obj(HostProfile::new(address).block139_value()));
        encode_record_body(10, &obj, None).unwrap()
    }

    #[test]
    fn host_limit_warning_is_rate_limited_by_event_time() {
        let mut map = NetMap::new(1);
        map.apply(1, 10, &new_host("10.0.0.1", 100));
        assert_eq!(map.limit_warned_at, None);
        let mut warned = Vec::new();
        for (i, t) in [100u32, 130, 159, 160, 161, 250, 50].into_iter().enumerate() {
            map.apply(2 + i as u64, 10, &new_host(&format!("10.0.1.{i}"), t));
            warned.push(map.limit_warned_at);
        }
        // Warned at 100, then not before 160, then 250; an earlier clock (replay) warns again.
        let want = [100, 100, 100, 160, 160, 250, 50].map(Some);
        assert_eq!(warned, want);
        assert_eq!(map.refused_hosts(), 7);
        assert_eq!(map.len(), 1);
    }
}
