//! Network map figures for 100 000 hosts: opening (snapshot + tail replay, and a full rebuild
//! from the log), a /16 range query, and a sync that finds nothing new.

use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use estreamer_store::{NetMap, NetMapTracker, Store, StoreOptions, StoreReader, SyncPolicy, TrackerOptions};
use estreamer_wire::host_profile::{
    ClientApplication, FingerprintSource, HostMac, HostProfile, HostService, OsFingerprint,
};
use estreamer_wire::value::Value;
use estreamer_wire::{encode_record_body, record_from_json};
use serde_json::json;

const HOSTS: u32 = 100_000;
const TAIL: u32 = 1_000;

fn address(i: u32) -> [u8; 16] {
    std::net::Ipv4Addr::from(0x0a00_0000 + i).to_ipv6_mapped().octets()
}

fn header(record_type: u32, i: u32) -> serde_json::Value {
    json!({"recordType": record_type, "deviceId": 1, "macAddress": "00:50:56:00:00:01", "eventSecond": 1_750_000_000 + i,
        "eventMicrosecond": 0, "eventType": 1000, "eventSubtype": 1,
        "hostIpAddr": std::net::Ipv4Addr::from(0x0a00_0000 + i).to_string()})
}

/// A plausible host: one OS, two services, one client application, one MAC.
fn profile(i: u32) -> HostProfile {
    let mut h = HostProfile::new(address(i));
    h.last_seen = 1_750_000_000 + i;
    h.network_protocols = vec![0x0800];
    h.transport_protocols = vec![6, 17];
    h.mac_addresses = vec![HostMac {
        ttl: 128,
        mac: [0, 0x50, 0x56, (i >> 16) as u8, (i >> 8) as u8, i as u8],
        primary: true,
        last_seen: h.last_seen,
    }];
    h.fingerprints = vec![OsFingerprint {
        source: FingerprintSource::Server,
        uuid: [7; 16],
        fingerprint_type: 0,
        source_type: 0,
        source_id: 0,
        last_seen: h.last_seen,
        ttl_difference: 0,
    }];
    let svc = |port, app, vendor: &str| HostService {
        port,
        hits: 10,
        last_used: 1_750_000_000 + i,
        application_protocol_id: app,
        vendor: vendor.into(),
        version: "10.0".into(),
        confidence: 90,
        ..HostService::default()
    };
    h.tcp_services = vec![svc(445, 1014, "Microsoft"), svc(3389, 893, "Microsoft")];
    h.client_applications = vec![ClientApplication {
        client_application_id: 1296,
        application_protocol_id: 676,
        hits: 3,
        last_used: h.last_seen,
        version: "126.0".into(),
    }];
    h
}

fn new_host_record(i: u32) -> Vec<u8> {
    let (_, mut obj) = record_from_json(&header(10, i)).unwrap();
    obj.set("hostProfile", false, Value::Obj(profile(i).block139_value()));
    encode_record_body(10, &obj, None).unwrap()
}

fn hops_record(i: u32) -> Vec<u8> {
    let mut j = header(22, i);
    j["hops"] = json!(2);
    let (_, obj) = record_from_json(&j).unwrap();
    encode_record_body(22, &obj, None).unwrap()
}

fn append(store: &Store, records: Vec<(u32, Vec<u8>)>) {
    for chunk in records.chunks(4096) {
        let items: Vec<(u32, u32, &[u8])> = chunk.iter().map(|(t, b)| (*t, 1_750_000_000, b.as_slice())).collect();
        store.append_batch_at(&items).unwrap();
    }
}

fn options(snapshot: Option<std::path::PathBuf>) -> TrackerOptions {
    TrackerOptions {
        host_limit: HOSTS as usize,
        snapshot_path: snapshot,
        snapshot_every: 0,
        ..TrackerOptions::default()
    }
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let snapshot = dir.path().join("netmap.snapshot");
    let store_dir = dir.path().join("store");
    std::fs::create_dir(&store_dir).unwrap();
    let store = Store::open(&store_dir, StoreOptions { sync: SyncPolicy::Never, ..StoreOptions::default() }).unwrap();
    append(&store, (0..HOSTS).map(|i| (10, new_host_record(i))).collect());
    let reader = StoreReader::open(&store_dir).unwrap();
    let t = NetMapTracker::open(reader.clone(), options(Some(snapshot.clone())));
    t.sync().unwrap();
    t.save_snapshot().unwrap();
    append(&store, (0..TAIL).map(|i| (22, hops_record(i * 97 % HOSTS))).collect());
    store.sync().unwrap();
    let bytes = std::fs::metadata(&snapshot).unwrap().len();
    eprintln!("netmap bench: {HOSTS} hosts, snapshot {bytes} bytes, tail {TAIL} records");

    let mut g = c.benchmark_group("netmap_open_100k_hosts");
    g.sample_size(10).measurement_time(Duration::from_secs(20)).warm_up_time(Duration::from_secs(2));
    g.bench_function("snapshot_plus_tail", |b| {
        b.iter(|| {
            let t = NetMapTracker::open(reader.clone(), options(Some(snapshot.clone())));
            assert_eq!(t.sync().unwrap(), TAIL as usize);
            assert_eq!(t.read().len(), HOSTS as usize);
        })
    });
    g.bench_function("load_snapshot_only", |b| {
        b.iter(|| assert_eq!(NetMap::load_snapshot(&snapshot, HOSTS as usize).unwrap().len(), HOSTS as usize))
    });
    g.bench_function("seek_to_tail", |b| {
        b.iter(|| {
            assert!(reader.last_seq().unwrap() > u64::from(HOSTS));
            let mut c = reader.cursor_from_seq(u64::from(HOSTS) + 1).unwrap();
            assert_eq!(c.next_batch(10_000, 64 << 20).unwrap().len(), TAIL as usize);
        })
    });
    g.bench_function("full_rebuild", |b| {
        b.iter(|| {
            let t = NetMapTracker::open(reader.clone(), options(None));
            t.sync().unwrap();
            assert_eq!(t.read().len(), HOSTS as usize);
        })
    });
    g.finish();

    let t = NetMapTracker::open(reader.clone(), options(Some(snapshot.clone())));
    t.sync().unwrap();
    let mut g = c.benchmark_group("netmap_query_100k_hosts");
    g.sample_size(30);
    g.bench_function("range_slash16", |b| {
        b.iter(|| {
            let map = t.read();
            let n = map.range(address(0), address(0xffff)).filter(|h| h.hops < 255).count();
            assert_eq!(n, 65_536);
        })
    });
    g.bench_function("get", |b| b.iter(|| assert!(t.read().get(&address(54_321)).is_some())));
    g.bench_function("sync_caught_up", |b| b.iter(|| assert_eq!(t.sync().unwrap(), 0)));
    g.bench_function("save_snapshot", |b| b.iter(|| t.save_snapshot().unwrap()));
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
