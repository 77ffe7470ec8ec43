//! Generated records decode cleanly, refer only to defined metadata, are deterministic, and
//! go through the store intact.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use estreamer_sensor::{write_to_store, GenRecord, World};
use estreamer_store::{Store, StoreOptions, StoreReader};
use estreamer_wire::{decode_record, RecordHead, Value};
use serde_json::Value as J;

const META_TYPES: &[u32] = &[
    4, 54, 55, 58, 60, 63, 66, 67, 98, 109, 111, 115, 116, 117, 118, 119, 120, 121, 122, 123, 127, 128, 129, 130, 131,
    145, 161, 320, 321, 510, 520, 530, 700,
];
/// Event record types every run of 2000 events has.
const EVENT_TYPES: &[u32] =
    &[2, 9, 10, 11, 13, 14, 15, 16, 19, 22, 27, 34, 42, 71, 82, 83, 95, 101, 107, 110, 125, 400, 500, 502];
/// Discovery record types the sensor emits (the rarer ones may miss a short run).
const DISCOVERY_TYPES: &[u32] = &[10, 11, 12, 13, 14, 15, 16, 17, 19, 22, 27, 28, 34, 42, 82, 83, 101, 107];

fn decode(r: &GenRecord) -> J {
    let d = decode_record(RecordHead { record_type: r.record_type, archive_ts: 0, checksum: 0 }, &r.body);
    assert!(
        d.issues.is_empty(),
        "record type {} decodes with issues {:?}: {}",
        r.record_type,
        d.issues,
        Value::Obj(d.value.clone()).to_json()
    );
    Value::Obj(d.value).to_json()
}

fn generate(seed: u64, count: usize) -> (Vec<GenRecord>, Vec<GenRecord>) {
    let mut w = World::new(seed);
    let meta = w.metadata_records();
    let events: Vec<GenRecord> = w.events(count).collect();
    (meta, events)
}

fn u(j: &J, k: &str) -> u64 {
    j.get(k).and_then(J::as_u64).unwrap_or_else(|| panic!("missing integer {k} in {j}"))
}

fn s<'a>(j: &'a J, k: &str) -> &'a str {
    j.get(k).and_then(J::as_str).unwrap_or_else(|| panic!("missing string {k} in {j}"))
}

fn data<'a>(j: &'a J, k: &str) -> &'a str {
    j.get(k)
        .and_then(|b| b.get("data"))
        .and_then(J::as_str)
        .unwrap_or_else(|| panic!("missing String block {k} in {j}"))
}

#[test]
fn every_record_decodes_without_issues() {
    for seed in [1u64, 42, 0xdead_beef] {
        let (meta, events) = generate(seed, 2000);
        let meta_types: BTreeSet<u32> = meta.iter().map(|r| r.record_type).collect();
        assert_eq!(meta_types, META_TYPES.iter().copied().collect(), "metadata record types");
        let mut keys = HashSet::new();
        for r in &meta {
            decode(r);
            let key = r.meta_key.clone().expect("metadata has a key");
            assert!(!key.is_empty());
            // The key is the entry's identity as the wire catalog (and the store) defines it.
            let identity = estreamer_wire::schema::catalog::metadata_identity(r.record_type, &r.body);
            assert_eq!(Some(&key), identity.as_ref(), "type {}", r.record_type);
            assert!(keys.insert((r.record_type, key)), "duplicate metadata key in type {}", r.record_type);
        }
        let mut seen = BTreeSet::new();
        let mut xdata_types = BTreeSet::new();
        let mut bodies = HashSet::new();
        for r in &events {
            assert!(r.meta_key.is_none());
            assert!(bodies.insert(&r.body), "two identical type {} records (seed {seed})", r.record_type);
            let j = decode(r);
            seen.insert(r.record_type);
            if r.record_type == 110 {
                xdata_types.insert(u(&j, "type"));
            }
        }
        let allowed: BTreeSet<u32> = EVENT_TYPES.iter().chain(DISCOVERY_TYPES).copied().collect();
        assert!(seen.is_subset(&allowed), "unexpected event record types {seen:?} (seed {seed})");
        assert!(
            EVENT_TYPES.iter().all(|t| seen.contains(t)),
            "event record types {seen:?} lack some of {EVENT_TYPES:?} (seed {seed})"
        );
        assert_eq!(xdata_types, BTreeSet::from([2, 9]));
    }
}

/// Ids defined by the metadata, by kind.
#[derive(Default)]
struct Defined {
    ids: BTreeMap<u32, BTreeSet<u64>>,
    uuids: BTreeMap<u32, BTreeSet<String>>,
    rules: BTreeSet<(u64, u64)>,
    acp_rules: BTreeSet<(String, u64)>,
    acp_sensor: BTreeSet<(u64, String)>,
}

impl Defined {
    fn from(meta: &[GenRecord]) -> Self {
        let mut d = Defined::default();
        for r in meta {
            let j = decode(r);
            let t = r.record_type;
            match t {
                66 => {
                    d.rules.insert((u(&j, "generatorId"), u(&j, "ruleId")));
                }
                119 => {
                    d.acp_rules.insert((s(&j, "uuid").to_string(), u(&j, "id")));
                }
                145 => {
                    d.acp_sensor.insert((u(&j, "sensorId"), s(&j, "uuid").to_string()));
                }
                520 => {
                    d.ids.entry(t).or_default().insert(u(&j, "countryCode"));
                }
                111 => {
                    d.ids.entry(t).or_default().insert(u(&j, "type"));
                }
                54 | 115 | 116 | 117 | 118 | 127 | 530 | 700 => {
                    d.uuids.entry(t).or_default().insert(s(&j, "uuid").to_string());
                }
                _ => {
                    d.ids.entry(t).or_default().insert(u(&j, "id"));
                }
            }
        }
        d
    }

    /// `value` of `key` is defined by record type `t` (0 means "none" when `zero_ok`).
    fn id(&self, t: u32, j: &J, key: &str, zero_ok: bool) {
        let v = u(j, key);
        if v == 0 && zero_ok {
            return;
        }
        assert!(self.ids.get(&t).is_some_and(|s| s.contains(&v)), "{key} = {v} not defined by record {t}: {j}");
    }

    fn uuid(&self, t: u32, j: &J, key: &str) {
        let v = s(j, key);
        assert!(self.uuids.get(&t).is_some_and(|s| s.contains(v)), "{key} = {v} not defined by record {t}: {j}");
    }

    fn acp(&self, j: &J, device: u64, acp_key: &str, rule_key: Option<&str>) {
        self.uuid(117, j, acp_key);
        let acp = s(j, acp_key).to_string();
        assert!(self.acp_sensor.contains(&(device, acp.clone())), "no 145 for device {device} / {acp}");
        if let Some(rk) = rule_key {
            let rule = u(j, rk);
            assert!(self.acp_rules.contains(&(acp, rule)), "rule {rule} not defined by 119: {j}");
        }
    }

    fn apps(&self, j: &J, app: &str, client: &str, web: &str) {
        self.id(63, j, app, true);
        self.id(55, j, client, true);
        self.id(109, j, web, true);
    }
}

#[test]
fn events_reference_only_defined_metadata() {
    for seed in [3u64, 77] {
        let (meta, events) = generate(seed, 4000);
        let (conn_refs, discovery) = check_references(&meta, &events);
        assert!(conn_refs > 1000, "enough events refer to connections ({conn_refs})");
        assert!(discovery.known.len() > 10, "hosts known at the end: {}", discovery.known.len());
        assert!(discovery.checked.len() >= 15, "discovery record types seen: {:?}", discovery.checked);
    }
}

/// Whatever the mix (`sensor --mix`), every id in the events resolves through the metadata.
#[test]
fn every_id_resolves_for_any_mix() {
    for (seed, mix) in [(5u64, "intrusion=1"), (6, "file=1,malware=1"), (7, "discovery=1"), (8, "user=3,connection=1")]
    {
        let mix = estreamer_sensor::parse_mix(mix).unwrap();
        let mut w = World::new(seed);
        let meta = w.metadata_records();
        let events: Vec<GenRecord> = (0..1500).flat_map(|_| w.try_next_event_with(&mix).unwrap()).collect();
        check_references(&meta, &events);
    }
}

/// Checks every reference of `events` (metadata ids, connections, intrusion events, discovery
/// order); returns how many events referred to a connection and what discovery saw.
fn check_references(meta: &[GenRecord], events: &[GenRecord]) -> (usize, Discovery) {
    {
        let def = Defined::from(meta);
        // (device, first packet second, instance, counter) of every connection so far.
        let mut conns = HashSet::new();
        // (device, event id, event second) of every intrusion event so far.
        let mut intrusions = HashSet::new();
        let mut conn_refs = 0;
        let mut discovery = Discovery::default();
        for r in events {
            let j = decode(r);
            let dev = |k: &str| {
                def.id(123, &j, k, false);
                u(&j, k)
            };
            match r.record_type {
                71 => {
                    let device = dev("deviceId");
                    // The header's device id (body offset 0) equals the block's (56 + 8).
                    assert_eq!(r.body[0..4], r.body[64..68], "header and block deviceId differ");
                    assert_eq!(u(&j, "blockType"), 174);
                    def.uuid(115, &j, "ingressZone");
                    def.uuid(115, &j, "egressZone");
                    def.uuid(116, &j, "ingressInterface");
                    def.uuid(116, &j, "egressInterface");
                    def.acp(&j, device, "policyRevision", Some("ruleId"));
                    def.id(120, &j, "ruleAction", false);
                    def.id(98, &j, "userId", true);
                    def.apps(&j, "applicationId", "clientApplicationId", "webApplicationId");
                    def.id(121, &j, "urlCategory", true);
                    def.id(122, &j, "urlReputation", true);
                    def.id(520, &j, "initiatorCountry", true);
                    def.id(520, &j, "responderCountry", true);
                    def.id(320, &j, "dnsRecordType", true);
                    def.id(321, &j, "dnsResponseType", true);
                    def.uuid(700, &j, "networkAnalysisPolicyRevision");
                    assert!(u(&j, "firstPacketTimestamp") <= u(&j, "lastPacketTimestamp"));
                    assert_eq!(u(&j, "lastPacketTimestamp"), u(&j, "eventSecond"));
                    assert!(conns.insert((
                        device,
                        u(&j, "firstPacketTimestamp"),
                        u(&j, "instanceId"),
                        u(&j, "connectionCounter")
                    )));
                }
                400 => {
                    let device = dev("deviceId");
                    assert_eq!(u(&j, "blockType"), 85);
                    assert!(def.rules.contains(&(u(&j, "generatorId"), u(&j, "ruleId"))), "snort rule undefined: {j}");
                    def.id(67, &j, "classificationId", false);
                    def.id(4, &j, "priorityId", false);
                    def.uuid(118, &j, "policyUuid");
                    def.acp(&j, device, "accessControlPolicyUuid", Some("accessControlRuleId"));
                    def.uuid(116, &j, "interfaceIngressUuid");
                    def.uuid(116, &j, "interfaceEgressUuid");
                    def.uuid(115, &j, "securityZoneIngressUuid");
                    def.uuid(115, &j, "securityZoneEgressUuid");
                    def.uuid(700, &j, "networkAnalysisPolicyUuid");
                    def.id(98, &j, "userId", true);
                    def.apps(&j, "applicationId", "clientApplicationId", "webApplicationId");
                    def.id(520, &j, "sourceCountry", true);
                    def.id(520, &j, "destinationCountry", true);
                    def.id(161, &j, "iocNumber", true);
                    let key = (
                        device,
                        u(&j, "connectionTimestamp"),
                        u(&j, "connectionInstanceId"),
                        u(&j, "connectionCounter"),
                    );
                    assert!(conns.contains(&key), "intrusion refers to an unknown connection {key:?}");
                    conn_refs += 1;
                    assert!(intrusions.insert((device, u(&j, "eventId"), u(&j, "eventSecond"))), "duplicate event id");
                }
                2 | 9 | 110 => {
                    let device = dev("deviceId");
                    let key = (device, u(&j, "eventId"), u(&j, "eventSecond"));
                    assert!(intrusions.contains(&key), "record {} refers to unknown intrusion {key:?}", r.record_type);
                    if r.record_type == 110 {
                        def.id(111, &j, "type", false);
                    }
                    if r.record_type == 2 {
                        let len = u(&j, "packetLength") as usize;
                        assert_eq!(r.body.len(), 28 + len, "packetLength matches the packet bytes");
                        assert_eq!(u(&j, "linkType"), 1);
                        let frame = &r.body[28..];
                        let ethertype = u16::from_be_bytes([frame[12], frame[13]]);
                        let ip_len = match ethertype {
                            0x0800 => usize::from(u16::from_be_bytes([frame[16], frame[17]])),
                            0x86dd => 40 + usize::from(u16::from_be_bytes([frame[18], frame[19]])),
                            other => panic!("ethertype {other:#x}"),
                        };
                        assert_eq!(14 + ip_len, len, "IP length matches the frame");
                    }
                    if r.record_type == 9 {
                        assert!(data(&j, "description").contains("[Impact: "));
                    }
                }
                500 | 502 => {
                    let device = dev("deviceId");
                    assert_eq!(u(&j, "blockType"), 79);
                    def.id(510, &j, "fileTypeId", false);
                    def.acp(&j, device, "accessControlPolicyUuid", None);
                    def.id(98, &j, "userId", true);
                    def.apps(&j, "applicationId", "clientApplicationId", "webApplicationId");
                    def.id(520, &j, "sourceCountry", true);
                    def.id(520, &j, "destinationCountry", true);
                    assert_eq!(r.record_type == 502, u(&j, "disposition") == 3);
                    let key =
                        (device, u(&j, "connectionTimestamp"), u(&j, "connectionInstance"), u(&j, "connectionCounter"));
                    assert!(conns.contains(&key), "file event refers to an unknown connection {key:?}");
                    conn_refs += 1;
                }
                125 => {
                    let device = dev("deviceId");
                    assert_eq!(u(&j, "blockType"), 80);
                    def.uuid(127, &j, "cloudUuid");
                    def.id(128, &j, "eventTypeId", false);
                    def.id(129, &j, "eventSubtypeId", false);
                    def.id(130, &j, "detectorId", false);
                    def.id(131, &j, "fileType", false);
                    def.acp(&j, device, "accessControlPolicyUuid", None);
                    def.id(98, &j, "userId", true);
                    def.apps(&j, "applicationId", "clientApplicationId", "webApplicationId");
                    def.id(520, &j, "sourceCountry", true);
                    def.id(520, &j, "destinationCountry", true);
                    def.id(161, &j, "iocNumber", true);
                    let key = (
                        device,
                        u(&j, "connectionEventTimestamp"),
                        u(&j, "connectionInstance"),
                        u(&j, "connectionCounter"),
                    );
                    assert!(conns.contains(&key), "malware event refers to an unknown connection {key:?}");
                    conn_refs += 1;
                }
                t if DISCOVERY_TYPES.contains(&t) => {
                    dev("deviceId");
                    let ip = s(&j, "hostIpAddr").to_string();
                    discovery.check(&def, t, &ip, &j);
                }
                95 => {
                    dev("deviceId");
                    def.id(98, &j["user"], "userId", false);
                    def.id(63, &j["user"], "protocol", false);
                    assert!(!data(&j["user"], "username").is_empty());
                }
                other => panic!("unexpected event record type {other}"),
            }
        }
        (conn_refs, discovery)
    }
}

/// Discovery events in order: a host's events come after its new-host event (and after a
/// timeout, only after the next one); every id they carry resolves through metadata.
#[derive(Default)]
struct Discovery {
    known: BTreeSet<String>,
    checked: BTreeSet<u32>,
}

impl Discovery {
    fn check(&mut self, def: &Defined, t: u32, ip: &str, j: &J) {
        self.checked.insert(t);
        if t == 10 {
            assert!(self.known.insert(ip.to_string()), "second new-host event for {ip}");
        } else {
            assert!(self.known.contains(ip), "record {t} about {ip} before its new-host event");
        }
        let items = |o: &J, k: &str| o[k]["items"].as_array().unwrap_or_else(|| panic!("no list {k} in {o}")).clone();
        match t {
            10 => {
                let p = &j["hostProfile"];
                assert_eq!(s(p, "ipAddress"), ip);
                let mut fps = 0;
                for k in ["serverFingerprints", "dhcpFingerprints", "ipv6ServerFingerprints", "ipv6DhcpFingerprints"] {
                    for fp in items(p, k) {
                        def.uuid(54, &fp, "uuid");
                        fps += 1;
                    }
                }
                assert_eq!(fps, 1, "one first OS fingerprint: {p}");
                assert_eq!(items(p, "hostMacAddress").len(), 1);
                assert_eq!(u(p, "vlanPresence"), 1);
            }
            11 | 12 | 16 | 17 => {
                let server = &j["hostServer"];
                let info = items(server, "serverInformation");
                assert_eq!(info.len(), 1);
                def.id(63, &info[0], "applicationId", false);
                assert!(u(server, "port") > 0);
            }
            15 | 107 => {
                def.id(55, &j["client"], "id", false);
                def.id(63, &j["client"], "applicationProto", false);
            }
            101 => def.uuid(54, &j["osfingerprint"], "uuid"),
            82 | 83 => {
                let block = if t == 82 { &j["criticality"] } else { &j["attributeValue"] };
                let ranges = items(block, "ipRanges");
                assert_eq!((s(&ranges[0], "start"), s(&ranges[0], "finish")), (ip, ip));
                if t == 82 {
                    def.id(58, block, "criticality", false);
                } else {
                    def.id(60, block, "attributeId", false);
                    assert!(!data(block, "value").is_empty());
                }
            }
            42 => assert!(!data(j, "value").is_empty()),
            19 => {
                self.known.remove(ip);
            }
            _ => {}
        }
    }
}

#[test]
fn same_seed_same_bytes_different_seed_different_bytes() {
    let a = generate(2024, 1500);
    let b = generate(2024, 1500);
    assert_eq!(a, b);
    let c = generate(2025, 1500);
    assert_ne!(a.0, c.0, "metadata differs by seed");
    assert_ne!(a.1, c.1, "events differ by seed");
}

#[test]
fn start_time_override_and_monotone_clock() {
    let mut w = World::new(9).with_start_time(1_600_000_000);
    let mut last = 0;
    for r in w.events(500) {
        let j = decode(&r);
        let t = match r.record_type {
            t if t == 71 || t == 400 || t == 95 || DISCOVERY_TYPES.contains(&t) => u(&j, "eventSecond"),
            500 | 502 => u(&j, "fileEventTimestamp"),
            125 => u(&j, "malwareEventTimestamp"),
            _ => continue,
        };
        assert!((1_600_000_000..1_600_100_000).contains(&t), "event time {t}");
        assert!(t >= last, "time goes backwards");
        last = t;
    }
    assert_eq!(u64::from(w.clock()), last);
    // The default start is seed-derived and deterministic.
    assert_eq!(World::new(5).clock(), World::new(5).clock());
    assert!((1_750_000_000..1_750_086_400).contains(&World::new(5).clock()));
}

#[test]
fn event_mix_is_roughly_as_documented() {
    let mut w = World::new(11);
    let mut by_kind: BTreeMap<&str, usize> = BTreeMap::new();
    let n = 10_000;
    for _ in 0..n {
        let group = w.next_event();
        let kind = match group[0].record_type {
            71 => "connection",
            400 => "intrusion",
            500 | 502 => "file",
            125 => "malware",
            t if DISCOVERY_TYPES.contains(&t) => "discovery",
            95 => "user",
            t => panic!("primary record type {t}"),
        };
        if kind != "intrusion" {
            assert_eq!(group.len(), 1);
        } else {
            assert_eq!(group[1].record_type, 2, "packet right after its intrusion event");
        }
        *by_kind.entry(kind).or_default() += 1;
    }
    for (kind, pct) in
        [("connection", 50), ("intrusion", 20), ("file", 10), ("malware", 5), ("discovery", 10), ("user", 5)]
    {
        let got = by_kind[kind] * 100 / n;
        assert!(got.abs_diff(pct) <= 3, "{kind}: {got}% instead of about {pct}% ({by_kind:?})");
    }
}

#[test]
fn write_to_store_and_read_back() {
    let dir = tempfile::tempdir().unwrap();
    let seed = 31;
    let count = 1000;
    let summary = {
        let store = Store::open(dir.path(), StoreOptions::default()).unwrap();
        let summary = write_to_store(&store, seed, count).unwrap();
        // Every metadata entry is in the table (latest per type and key).
        assert_eq!(store.metadata().len(), summary.metadata_records);
        summary
    };
    let (meta, events) = generate(seed, count);
    assert_eq!(summary.metadata_records, meta.len());
    assert_eq!(summary.events, count);
    assert_eq!(summary.event_records, events.len());
    assert_eq!(summary.by_type.values().sum::<usize>(), meta.len() + events.len());
    assert_eq!(summary.first_seq, Some(1));
    assert_eq!(summary.last_seq, Some((meta.len() + events.len()) as u64));

    let reader = StoreReader::open(dir.path()).unwrap();
    let mut cursor = reader.cursor_from_time(0).unwrap();
    let mut got = Vec::new();
    while let Some(rec) = cursor.next().unwrap() {
        got.push((rec.record_type, rec.body));
    }
    let want: Vec<(u32, Vec<u8>)> = meta.iter().chain(&events).map(|r| (r.record_type, r.body.clone())).collect();
    assert_eq!(got.len(), want.len());
    assert!(got == want, "store returns the generated records in order, byte for byte");

    let table = reader.metadata().unwrap();
    assert_eq!(table.len(), meta.len());
    for r in &meta {
        // Through the ingest API the table is keyed by the catalog identity of the record.
        let key = estreamer_wire::schema::catalog::metadata_identity(r.record_type, &r.body).unwrap();
        assert!(
            table.iter().any(|e| e.record_type == r.record_type && e.key == key && e.body == r.body),
            "metadata table entry for type {}",
            r.record_type
        );
    }
}

#[test]
fn discovery_builds_a_coherent_network_map() {
    use estreamer_store::{NetMapTracker, TrackerOptions};
    use estreamer_wire::schema::host_blocks::S1_92;

    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), StoreOptions::default()).unwrap();
    let seed = 8;
    write_to_store(&store, seed, 6000).unwrap();
    let world = World::new(seed);
    let tracker = NetMapTracker::open(StoreReader::open(dir.path()).unwrap(), TrackerOptions::default());
    tracker.sync().unwrap();
    let map = tracker.read();
    assert_eq!(map.undecodable_records(), 0);
    assert!(map.len() > 10, "{} hosts", map.len());
    let mut services = 0;
    let mut apps = 0;
    for h in map.hosts() {
        let host = world
            .hosts
            .iter()
            .find(|w| estreamer_wire::value::parse_ipv6(&w.ip.to_string()) == Some(h.address))
            .unwrap_or_else(|| panic!("map host {:?} is not a world host", h.address));
        assert_eq!(h.mac_addresses[0].mac, host.mac);
        assert!(!h.fingerprints.is_empty());
        services += h.tcp_services.len() + h.udp_services.len();
        apps += h.client_applications.len();
        for s in h.tcp_services.iter().chain(&h.udp_services) {
            assert!(s.application_protocol_id != 0 && !s.vendor.is_empty(), "{s:?}");
        }
        if let Some(b) = h.to_block92(true, true) {
            let d = estreamer_wire::decode_block(&S1_92, &b);
            assert!(d.issues.is_empty());
        }
        let d = estreamer_wire::decode_block(&estreamer_wire::schema::blocks::S1_139, &h.to_block139(true));
        assert!(d.issues.is_empty());
    }
    assert!(services > 20 && apps > 20, "{services} services, {apps} client applications");
    assert!(map.hosts().any(|h| h.ipv4().is_none()), "IPv6 hosts too");
    assert!(map.hosts().any(|h| !h.netbios_name.is_empty() && h.criticality > 0 && !h.attributes.is_empty()));
}

/// FNV-1a over every record (type, length, body) of a run.
fn fingerprint(records: &[GenRecord]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |bytes: &[u8]| {
        for &b in bytes {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    };
    for r in records {
        eat(&r.record_type.to_be_bytes());
        eat(&(r.body.len() as u64).to_be_bytes());
        eat(&r.body);
    }
    h
}

/// The exact bytes of a few runs are pinned: a change of the generator or of its encoding that
/// alters any byte for a given seed fails here (update the figures only for a deliberate change
/// of the output, and say why in the commit).
#[test]
fn output_for_a_seed_is_pinned() {
    let mut got = Vec::new();
    for (seed, mix) in [
        (1u64, ""),
        (42, ""),
        (0xdead_beef, ""),
        (5, "intrusion=1"),
        (7, "discovery=1"),
        (8, "user=3,connection=1"),
        (6, "file=1,malware=1"),
    ] {
        let mut w = World::new(seed);
        let mut records = w.metadata_records();
        if mix.is_empty() {
            records.extend(w.events(3000));
        } else {
            let mix = estreamer_sensor::parse_mix(mix).unwrap();
            for _ in 0..3000 {
                records.extend(w.try_next_event_with(&mix).unwrap());
            }
        }
        got.push((seed, records.len(), fingerprint(&records)));
    }
    let want: Vec<(u64, usize, u64)> = vec![
        (1, 4104, 16962269409692491319),
        (42, 4194, 11675322382951365785),
        (3735928559, 4173, 9645320952949742539),
        (5, 8829, 218668832622723974),
        (7, 3204, 144583568720342896),
        (8, 3204, 18301721310017465804),
        (6, 3204, 9671558413028219698),
    ];
    assert_eq!(got, want);
}

#[test]
fn malware_digests_are_64_hex_characters_like_an_fmcs() {
    let (_, events) = generate(1, 3000);
    let malware: Vec<J> = events.iter().filter(|r| r.record_type == 125).map(decode).collect();
    assert!(!malware.is_empty(), "3000 events hold malware events");
    for m in &malware {
        let sha = data(m, "fileShaHash");
        assert!(
            sha.len() == 64 && sha.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)),
            "fileShaHash {sha:?}"
        );
    }
}
