//! The network map on real store directories: what each discovery event does, the host
//! limit, and snapshot + replay across restarts.

use std::net::{Ipv4Addr, Ipv6Addr};
use std::path::{Path, PathBuf};

use estreamer_store::netmap::{NetMap, DEFAULT_HOST_LIMIT};
use estreamer_store::{NetMapTracker, SnapshotError, Store, StoreOptions, StoreReader, SyncPolicy, TrackerOptions};
use estreamer_wire::host_profile::{FingerprintSource, HostMac, HostProfile, HostService, OsFingerprint};
use estreamer_wire::value::Value;
use estreamer_wire::{encode_record_body, record_from_json};
use serde_json::{json, Value as J};

fn v4(s: &str) -> [u8; 16] {
    s.parse::<Ipv4Addr>().unwrap().to_ipv6_mapped().octets()
}

fn v6(s: &str) -> [u8; 16] {
    s.parse::<Ipv6Addr>().unwrap().octets()
}

/// A discovery record body: header for host `ip` at `second`, plus the payload keys in `extra`.
fn event(record_type: u32, ip: &str, second: u32, extra: J) -> Vec<u8> {
    let mut j = json!({
        "recordType": record_type, "deviceId": 7, "macAddress": "00:50:56:00:00:01",
        "eventSecond": second, "eventMicrosecond": 0, "eventType": 1000, "eventSubtype": 1, "hostIpAddr": ip,
    });
    for (k, v) in extra.as_object().unwrap() {
        j[k] = v.clone();
    }
    let (_, obj) = record_from_json(&j).unwrap();
    encode_record_body(record_type, &obj, None).unwrap()
}

/// Record 10 carrying `profile` as its S1 139.
fn new_host(profile: &HostProfile, second: u32) -> Vec<u8> {
    let ip = estreamer_wire::value::ipv6_text(&profile.address);
    let j = json!({
        "recordType": 10, "deviceId": 7, "macAddress": "00:50:56:00:00:01",
        "eventSecond": second, "eventMicrosecond": 0, "eventType": 1000, "eventSubtype": 1, "hostIpAddr": ip,
    });
    let (_, mut obj) = record_from_json(&j).unwrap();
    obj.set("hostProfile", false, Value::Obj(profile.block139_value()));
    encode_record_body(10, &obj, None).unwrap()
}

fn server(port: u16, app: u32, vendor: &str, version: &str, confidence: u32) -> J {
    json!({"port": port, "hits": 3, "lastUsed": 1_000, "confidence": confidence,
        "serverInformation": {"listType": 31, "items": [{"applicationId": app, "vendor": {"data": vendor},
            "version": {"data": version}, "lastUsed": 1_000, "sourceType": 0, "sourceId": 0,
            "subServers": {"items": []}}]},
        "webApplication": {"items": []}})
}

fn client(id: u32, proto: u32, version: &str, hits: u32) -> J {
    json!({"client": {"hits": hits, "lastUsed": 1_000, "id": id, "applicationProto": proto,
        "version": {"data": version}, "webApplication": {"items": []}}})
}

fn range(ip: &str) -> J {
    json!({"listType": 11, "items": [{"start": ip, "finish": ip}]})
}

/// A store in a temporary directory with a tracker over it.
struct Lab {
    dir: tempfile::TempDir,
    store: Store,
}

impl Lab {
    fn new() -> Lab {
        let dir = tempfile::tempdir().unwrap();
        let store =
            Store::open(dir.path(), StoreOptions { sync: SyncPolicy::Never, ..StoreOptions::default() }).unwrap();
        Lab { dir, store }
    }

    fn append(&self, records: &[(u32, Vec<u8>)]) {
        let items: Vec<(u32, u32, &[u8])> = records.iter().map(|(t, b)| (*t, 1_700_000_000, b.as_slice())).collect();
        self.store.append_batch_at(&items).unwrap();
    }

    fn snapshot_path(&self) -> PathBuf {
        self.dir.path().join("netmap.snapshot")
    }

    fn tracker(&self, snapshot: bool, host_limit: usize) -> NetMapTracker {
        let options = TrackerOptions {
            host_limit,
            snapshot_path: snapshot.then(|| self.snapshot_path()),
            snapshot_every: 0,
            batch_records: 7,
        };
        NetMapTracker::open(StoreReader::open(self.dir.path()).unwrap(), options)
    }
}

fn profile(ip: [u8; 16]) -> HostProfile {
    let mut h = HostProfile::new(ip);
    h.hops = 1;
    h.last_seen = 100;
    h.network_protocols = vec![0x0800];
    h.transport_protocols = vec![6];
    h.mac_addresses = vec![HostMac { ttl: 128, mac: [0, 0x50, 0x56, 0, 0, 1], primary: true, last_seen: 100 }];
    h.fingerprints = vec![OsFingerprint {
        source: FingerprintSource::Server,
        uuid: [9; 16],
        fingerprint_type: 0,
        source_type: 0,
        source_id: 0,
        last_seen: 100,
        ttl_difference: 0,
    }];
    h.tcp_services = vec![HostService { port: 445, application_protocol_id: 1014, ..HostService::default() }];
    h
}

#[test]
fn each_discovery_event_changes_the_map() {
    let lab = Lab::new();
    let t = lab.tracker(false, DEFAULT_HOST_LIMIT);
    let a = "10.0.0.5";
    let host = || t.read().get(&v4(a)).cloned().expect("host is in the map");
    let step = |records: Vec<(u32, Vec<u8>)>| {
        let n = records.len();
        lab.append(&records);
        assert_eq!(t.sync().unwrap(), n);
    };

    step(vec![(10, new_host(&profile(v4(a)), 100))]);
    let h = host();
    assert_eq!(h, profile(v4(a)), "the S1 139 profile is taken whole");

    step(vec![
        (11, event(11, a, 101, json!({"hostServer": server(22, 846, "OpenSSH", "8.9", 80)}))),
        (12, event(12, a, 102, json!({"hostServer": server(53, 617, "ISC", "9.18", 90)}))),
    ]);
    let h = host();
    assert_eq!(h.tcp_services.len(), 2);
    assert_eq!(h.tcp_services[1].vendor, "OpenSSH");
    assert_eq!(h.udp_services[0].application_protocol_id, 617);
    assert_eq!(h.last_seen, 102, "every event updates last seen");

    // Updates: 16/17 replace by port, 51/52 set the confidence; 45 sets a banner that survives.
    step(vec![
        (16, event(16, a, 103, json!({"hostServer": server(22, 846, "OpenSSH", "9.6", 80)}))),
        (45, event(45, a, 104, json!({"port": 22, "protocol": 6, "data": {"data": "SSH-2.0-OpenSSH_9.6"}}))),
        (51, event(51, a, 105, server(22, 846, "OpenSSH", "9.6", 99))),
        (17, event(17, a, 106, json!({"hostServer": server(53, 617, "ISC", "9.20", 90)}))),
        (52, event(52, a, 107, server(53, 617, "ISC", "9.20", 40))),
    ]);
    let h = host();
    let ssh = &h.tcp_services[1];
    assert_eq!((ssh.version.as_str(), ssh.confidence, ssh.banner.as_slice()), ("9.6", 99, &b"SSH-2.0-OpenSSH_9.6"[..]));
    assert_eq!((h.udp_services[0].version.as_str(), h.udp_services[0].confidence), ("9.20", 40));

    step(vec![
        (13, event(13, a, 110, json!({"networkProtocol": 0x0806}))),
        (13, event(13, a, 110, json!({"networkProtocol": 0x0806}))),
        (14, event(14, a, 111, json!({"transportProtocol": 17}))),
        (15, event(15, a, 112, client(1296, 676, "126.0", 1))),
        (15, event(15, a, 112, client(1800, 617, "", 1))),
        (107, event(107, a, 113, client(1296, 676, "127.0", 5))),
        (35, event(35, a, 114, client(1800, 617, "", 1))),
        (22, event(22, a, 115, json!({"hops": 3}))),
        (31, event(31, a, 116, json!({"hostType": 1}))),
        (34, event(34, a, 117, json!({"id": 20, "type": 1, "priority": 5}))),
        (42, event(42, a, 118, json!({"value": {"data": "WS-HQ-05"}}))),
    ]);
    let h = host();
    assert_eq!(h.network_protocols, vec![0x0800, 0x0806]);
    assert_eq!(h.transport_protocols, vec![6, 17]);
    assert_eq!(h.client_applications.len(), 1, "35 removed the DNS client");
    assert_eq!((h.client_applications[0].version.as_str(), h.client_applications[0].hits), ("127.0", 5));
    assert_eq!((h.hops, h.host_type), (3, 1));
    let vlan = h.vlan.unwrap();
    assert_eq!((vlan.id, vlan.vlan_type, vlan.priority), (20, 1, 5));
    assert_eq!(h.netbios_name, "WS-HQ-05");

    let mac =
        |m: &str, primary: u8, ttl: u8| json!({"mac": {"ttl": ttl, "address": m, "primary": primary, "lastSeen": 120}});
    step(vec![
        (27, event(27, a, 120, mac("00:50:56:00:00:01", 1, 64))),
        (28, event(28, a, 121, mac("00:50:56:00:00:99", 1, 64))),
    ]);
    let h = host();
    assert_eq!(h.mac_addresses.len(), 2);
    assert_eq!(h.mac_addresses[0].ttl, 64, "27 changes the known MAC");
    assert!(!h.mac_addresses[0].primary && h.mac_addresses[1].primary, "one primary MAC");

    let fp = json!({"osfingerprint": {"uuid": "01010101-0101-4101-8101-010101010101", "type": 0, "sourceType": 0,
        "sourceId": 0, "lastSeen": 130, "ttlDifference": 1, "mobileDevice": {"items": []}}});
    step(vec![(101, event(101, a, 130, fp.clone())), (101, event(101, a, 131, fp))]);
    let h = host();
    let derived: Vec<_> = h.fingerprints.iter().filter(|f| f.source == FingerprintSource::Derived).collect();
    assert_eq!(derived.len(), 1, "New OS replaces the derived fingerprint");
    assert_eq!(derived[0].uuid, [1, 1, 1, 1, 1, 1, 0x41, 1, 0x81, 1, 1, 1, 1, 1, 1, 1]);

    // User input over address ranges.
    let vulns = || {
        json!({"vulnerabilities": {"sourceType": 1, "sourceId": 0, "type": 2, "list": {"items": [
            {"ipRanges": range(a), "port": 22, "protocol": 6, "vulnerabilityId": 5001,
             "thirdPartyVulnerabilityUuid": "00000000-0000-0000-0000-000000000000", "description": {"data": ""},
             "clientApplicationId": 0, "applicationProtocolId": 0, "version": {"data": ""}}]}}})
    };
    let attr = |value: &str| {
        json!({"attributeValue": {"ipRanges": range(a), "sourceId": 0, "sourceType": 1, "attributeId": 2,
            "value": {"data": value}}})
    };
    step(vec![
        (80, event(80, a, 140, vulns())),
        (
            82,
            event(
                82,
                a,
                141,
                json!({"criticality": {"ipRanges": range(a), "sourceId": 0, "sourceType": 1, "criticality": 3}}),
            ),
        ),
        (83, event(83, a, 142, attr("42"))),
    ]);
    let h = host();
    assert_eq!(
        (h.vulnerabilities[0].id, h.vulnerabilities[0].invalid, h.vulnerabilities[0].vulnerability_type),
        (5001, false, 2)
    );
    assert_eq!(h.tcp_services[1].vulnerabilities[0].id, 5001, "port 22/tcp has it too");
    assert_eq!(h.criticality, 3);
    assert_eq!(
        (h.attributes[0].attribute_id, h.attributes[0].integer_value, h.attributes[0].text_value.as_str()),
        (2, 42, "42")
    );
    step(vec![(81, event(81, a, 150, vulns())), (84, event(84, a, 151, attr("")))]);
    let h = host();
    assert!(h.vulnerabilities[0].invalid && h.tcp_services[1].vulnerabilities[0].invalid);
    assert!(h.attributes.is_empty());

    // Ports closing or timing out remove the service.
    step(vec![
        (23, event(23, a, 160, json!({"port": 22}))),
        (26, event(26, a, 161, json!({"port": 53}))),
        (25, event(25, a, 162, json!({"port": 9999}))),
    ]);
    let h = host();
    assert_eq!(h.tcp_services.iter().map(|s| s.port).collect::<Vec<_>>(), vec![445]);
    assert!(h.udp_services.is_empty());
    assert_eq!(h.last_seen, 162);

    // 29 moves the host to its new address.
    step(vec![(29, event(29, a, 170, json!({"ipAddress": "10.0.0.6"})))]);
    assert!(t.read().get(&v4(a)).is_none());
    let moved = t.read().get(&v4("10.0.0.6")).cloned().unwrap();
    assert_eq!(moved.address, v4("10.0.0.6"));
    assert_eq!(moved.netbios_name, "WS-HQ-05");

    // Other record types and undecodable bodies change nothing and never panic.
    let before = t.read().hosts().cloned().collect::<Vec<_>>();
    step(vec![(71, vec![1, 2, 3]), (400, vec![]), (11, vec![0xff; 9]), (10, vec![]), (9999, vec![0; 100])]);
    assert_eq!(t.read().hosts().cloned().collect::<Vec<_>>(), before);
    assert_eq!(t.read().undecodable_records(), 2);
    assert_eq!(t.sync().unwrap(), 0, "caught up");
}

#[test]
fn removal_events_delete_the_host() {
    let lab = Lab::new();
    let t = lab.tracker(false, DEFAULT_HOST_LIMIT);
    let hosts = ["10.1.0.1", "10.1.0.2", "10.1.0.3", "10.1.0.4", "10.1.0.5"];
    lab.append(&hosts.iter().map(|h| (10, new_host(&profile(v4(h)), 100))).collect::<Vec<_>>());
    t.sync().unwrap();
    assert_eq!(t.read().len(), 5);
    lab.append(&[
        (19, event(19, hosts[0], 200, json!({}))),
        (20, event(20, hosts[1], 200, json!({}))),
        (21, event(21, hosts[2], 200, json!({}))),
        (44, event(44, hosts[3], 200, json!({}))),
    ]);
    t.sync().unwrap();
    let left: Vec<[u8; 16]> = t.read().hosts().map(|h| h.address).collect();
    assert_eq!(left, vec![v4(hosts[4])]);
    // An event about a timed-out host brings it back (as an FMC rediscovers it), empty.
    lab.append(&[(13, event(13, hosts[0], 300, json!({"networkProtocol": 0x0800})))]);
    t.sync().unwrap();
    let back = t.read().get(&v4(hosts[0])).cloned().unwrap();
    assert!(back.tcp_services.is_empty());
    assert_eq!(back.network_protocols, vec![0x0800]);
    assert_eq!(back.last_seen, 300);
}

#[test]
fn host_limit_refuses_new_hosts_and_counts_them() {
    let lab = Lab::new();
    let t = lab.tracker(false, 3);
    let ips: Vec<String> = (1..=5).map(|i| format!("10.2.0.{i}")).collect();
    lab.append(&ips.iter().map(|ip| (10, new_host(&profile(v4(ip)), 100))).collect::<Vec<_>>());
    lab.append(&[(11, event(11, &ips[4], 101, json!({"hostServer": server(80, 676, "nginx", "1.24", 90)})))]);
    t.sync().unwrap();
    let map = t.read();
    assert_eq!(map.len(), 3);
    assert_eq!(map.refused_hosts(), 3, "two new-host events and one server event");
    assert!(map.get(&v4(&ips[4])).is_none());
    drop(map);
    // Known hosts still change, and a freed slot is used again.
    lab.append(&[
        (22, event(22, &ips[0], 102, json!({"hops": 4}))),
        (19, event(19, &ips[1], 103, json!({}))),
        (10, new_host(&profile(v4(&ips[4])), 104)),
    ]);
    t.sync().unwrap();
    assert_eq!(t.read().get(&v4(&ips[0])).unwrap().hops, 4);
    assert!(t.read().get(&v4(&ips[4])).is_some());
    assert_eq!(t.read().len(), 3);
}

#[test]
fn range_is_inclusive_and_in_address_order() {
    let mut map = NetMap::new(DEFAULT_HOST_LIMIT);
    for ip in ["10.0.0.9", "10.0.0.1", "10.0.1.0", "10.0.0.255", "9.255.255.255"] {
        map.insert(HostProfile::new(v4(ip)));
    }
    map.insert(HostProfile::new(v6("2001:db8::1")));
    let got: Vec<[u8; 16]> = map.range(v4("10.0.0.1"), v4("10.0.0.255")).map(|h| h.address).collect();
    assert_eq!(got, vec![v4("10.0.0.1"), v4("10.0.0.9"), v4("10.0.0.255")]);
    assert_eq!(map.range(v4("10.0.0.9"), v4("10.0.0.9")).count(), 1);
    assert_eq!(map.range(v4("10.0.1.0"), v4("10.0.0.0")).count(), 0, "start after end");
    assert_eq!(map.range(v6("2001:db8::"), v6("2001:db8::ffff")).count(), 1);
    assert_eq!(map.len(), 6);
    // Pages of a range answer.
    let page = |after: Option<&str>, limit| -> Vec<[u8; 16]> {
        map.page(v4("10.0.0.0"), v4("10.0.1.0"), after.map(v4), limit).iter().map(|h| h.address).collect()
    };
    assert_eq!(page(None, 2), vec![v4("10.0.0.1"), v4("10.0.0.9")]);
    assert_eq!(page(Some("10.0.0.9"), 2), vec![v4("10.0.0.255"), v4("10.0.1.0")]);
    assert_eq!(page(Some("10.0.0.10"), 10), vec![v4("10.0.0.255"), v4("10.0.1.0")]);
    assert_eq!(page(Some("10.0.1.0"), 10), Vec::<[u8; 16]>::new());
    assert_eq!(page(Some("9.0.0.0"), 1), vec![v4("10.0.0.1")]);
    assert_eq!(map.page(v4("10.0.1.0"), v4("10.0.0.0"), None, 5).len(), 0, "start after end");
}

/// A log with a few hundred hosts and updates, deterministic.
fn fill(lab: &Lab, from: u32, to: u32) {
    let mut records = Vec::new();
    for i in from..to {
        let ip = format!("10.3.{}.{}", i / 200, i % 200 + 1);
        records.push((10, new_host(&profile(v4(&ip)), 1000 + i)));
        records.push((
            11,
            event(11, &ip, 1000 + i, json!({"hostServer": server(80 + (i % 3) as u16, 676, "nginx", "1.24", 90)})),
        ));
        if i % 7 == 0 {
            let old = format!("10.3.{}.{}", (i / 2) / 200, (i / 2) % 200 + 1);
            records.push((19, event(19, &old, 1000 + i, json!({}))));
        }
        if i % 5 == 0 {
            records.push((42, event(42, &ip, 1000 + i, json!({"value": {"data": format!("HOST{i}")}}))));
        }
    }
    lab.append(&records);
}

fn same_hosts(a: &NetMapTracker, b: &NetMapTracker) {
    let (a, b) = (a.read(), b.read());
    assert_eq!(a.last_seq(), b.last_seq());
    assert_eq!(a.len(), b.len());
    assert!(a.hosts().eq(b.hosts()), "same hosts, field for field");
}

#[test]
fn snapshot_plus_replay_equals_a_fresh_rebuild() {
    let lab = Lab::new();
    fill(&lab, 0, 300);
    let first = lab.tracker(true, DEFAULT_HOST_LIMIT);
    first.sync().unwrap();
    first.save_snapshot().unwrap();
    let saved_seq = first.read().last_seq();
    drop(first);
    // More records after the snapshot, then a "restart".
    fill(&lab, 300, 450);
    let restarted = lab.tracker(true, DEFAULT_HOST_LIMIT);
    assert_eq!(restarted.read().last_seq(), saved_seq, "the snapshot was loaded");
    let replayed = restarted.sync().unwrap();
    let rebuilt = lab.tracker(false, DEFAULT_HOST_LIMIT);
    let all = rebuilt.sync().unwrap();
    assert!(replayed < all, "only the tail was replayed ({replayed} of {all})");
    same_hosts(&restarted, &rebuilt);
    assert!(rebuilt.read().len() > 200);
}

#[test]
fn periodic_snapshots_are_written_during_sync() {
    let lab = Lab::new();
    fill(&lab, 0, 100);
    let options =
        TrackerOptions { snapshot_path: Some(lab.snapshot_path()), snapshot_every: 50, ..TrackerOptions::default() };
    let t = NetMapTracker::open(StoreReader::open(lab.dir.path()).unwrap(), options);
    t.sync().unwrap();
    let snap = NetMap::load_snapshot(&lab.snapshot_path(), DEFAULT_HOST_LIMIT).unwrap();
    assert!(snap.last_seq() > 0 && snap.last_seq() <= t.read().last_seq());
}

/// A way to damage a snapshot file's bytes.
type Damage = Box<dyn Fn(&mut Vec<u8>)>;

fn corrupt(path: &Path, f: impl FnOnce(&mut Vec<u8>)) {
    let mut b = std::fs::read(path).unwrap();
    f(&mut b);
    std::fs::write(path, b).unwrap();
}

#[test]
fn damaged_or_foreign_snapshot_means_rebuild() {
    let lab = Lab::new();
    fill(&lab, 0, 120);
    let reference = lab.tracker(false, DEFAULT_HOST_LIMIT);
    reference.sync().unwrap();
    let damages: Vec<(&str, Damage)> = vec![
        ("flipped payload byte", Box::new(|b: &mut Vec<u8>| *b.last_mut().unwrap() ^= 1)),
        ("flipped header byte", Box::new(|b: &mut Vec<u8>| b[17] ^= 0x40)),
        ("truncated", Box::new(|b: &mut Vec<u8>| b.truncate(b.len() / 2))),
        ("too short for a header", Box::new(|b: &mut Vec<u8>| b.truncate(10))),
        ("other format", Box::new(|b: &mut Vec<u8>| b[..8].copy_from_slice(b"NOTAMAP!"))),
        ("empty", Box::new(|b: &mut Vec<u8>| b.clear())),
    ];
    for (what, damage) in damages {
        let t = lab.tracker(true, DEFAULT_HOST_LIMIT);
        t.sync().unwrap();
        t.save_snapshot().unwrap();
        drop(t);
        corrupt(&lab.snapshot_path(), damage);
        match NetMap::load_snapshot(&lab.snapshot_path(), DEFAULT_HOST_LIMIT) {
            Err(SnapshotError::Invalid { .. }) => {}
            other => panic!("{what}: {other:?}"),
        }
        let t = lab.tracker(true, DEFAULT_HOST_LIMIT);
        assert_eq!(t.read().last_seq(), 0, "{what}: snapshot not used");
        t.sync().unwrap();
        same_hosts(&t, &reference);
    }
    // Missing: a first start.
    std::fs::remove_file(lab.snapshot_path()).unwrap();
    assert!(NetMap::load_snapshot(&lab.snapshot_path(), 10).unwrap_err().is_missing());
    let t = lab.tracker(true, DEFAULT_HOST_LIMIT);
    t.sync().unwrap();
    same_hosts(&t, &reference);

    // A snapshot from a longer log (another store) is not used either.
    let other = Lab::new();
    fill(&other, 0, 10);
    t.save_snapshot().unwrap();
    std::fs::copy(lab.snapshot_path(), other.snapshot_path()).unwrap();
    let t = other.tracker(true, DEFAULT_HOST_LIMIT);
    assert_eq!(t.read().len(), 0);
    t.sync().unwrap();
    assert!(t.read().len() <= 10);
}

#[test]
fn store_errors_are_returned_and_sync_recovers() {
    let lab = Lab::new();
    fill(&lab, 0, 10);
    let t = lab.tracker(false, DEFAULT_HOST_LIMIT);
    let hidden = lab.dir.path().join("hidden");
    std::fs::create_dir(&hidden).unwrap();
    let segs: Vec<PathBuf> = std::fs::read_dir(lab.dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.extension().is_some_and(|e| e == "log") && p.file_name().unwrap().to_string_lossy().starts_with("seg-")
        })
        .collect();
    for p in &segs {
        std::fs::rename(p, hidden.join(p.file_name().unwrap())).unwrap();
    }
    assert!(t.sync().is_err(), "no segment to read");
    for p in &segs {
        std::fs::rename(hidden.join(p.file_name().unwrap()), p).unwrap();
    }
    assert!(t.sync().unwrap() > 0, "the next sync goes on");
    assert!(!t.read().is_empty());
}

mod never_panics {
    use super::*;
    use estreamer_store::netmap::NETMAP_RECORD_TYPES;
    use proptest::prelude::*;

    fn valid_bodies() -> Vec<(u32, Vec<u8>)> {
        let a = "10.9.0.1";
        vec![
            (10, new_host(&profile(v4(a)), 1)),
            (11, event(11, a, 2, json!({"hostServer": server(22, 846, "OpenSSH", "8.9", 80)}))),
            (15, event(15, a, 3, client(1296, 676, "126.0", 1))),
            (45, event(45, a, 4, json!({"port": 22, "protocol": 6, "data": {"data": "SSH-2.0"}}))),
            (
                82,
                event(
                    82,
                    a,
                    5,
                    json!({"criticality": {"ipRanges": range(a), "sourceId": 0, "sourceType": 1, "criticality": 3}}),
                ),
            ),
            (29, event(29, a, 6, json!({"ipAddress": "::"}))),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        #[test]
        fn random_bodies(i in 0..NETMAP_RECORD_TYPES.len(), body in proptest::collection::vec(any::<u8>(), 0..200)) {
            let mut map = NetMap::new(10);
            map.apply(1, NETMAP_RECORD_TYPES[i], &body);
            prop_assert!(map.len() <= 10);
        }

        #[test]
        fn damaged_valid_records(which in 0usize..6, at in any::<prop::sample::Index>(), xor in 1u8..=255, cut in any::<prop::sample::Index>()) {
            let (rt, mut body) = valid_bodies().swap_remove(which);
            let i = at.index(body.len());
            body[i] ^= xor;
            let mut map = NetMap::new(10);
            map.apply(1, rt, &body);
            let n = cut.index(body.len() + 1);
            map.apply(2, rt, &body[..n]);
            for h in map.hosts() {
                let _ = h.to_block92(true, true);
                let _ = h.to_block139(true);
            }
        }
    }
}
