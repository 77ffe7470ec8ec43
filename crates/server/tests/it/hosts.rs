//! Host Requests over real TLS on 127.0.0.1 and ::1, answered from the network map the sensor's
//! discovery events built: single hosts and ranges, IPv4 and IPv6, current and legacy request
//! forms, data types 4–7, deletion by a timeout event, and the same answers after a restart.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use estreamer_server::{HostMap, ServerOptions, Service};
use estreamer_store::{NetMapTracker, Store, StoreOptions, StoreReader, SyncPolicy, TrackerOptions};
use estreamer_test_support::net::{read_message, tls_connect, Tls};
use estreamer_test_support::pki::identity;
use estreamer_test_support::shared_pki;
use estreamer_wire::host_profile::HostProfile;
use estreamer_wire::message::{error_codes, EventStreamRequest, HostRequest, Message, NULL_MESSAGE};
use estreamer_wire::schema::{blocks, host_blocks};
use estreamer_wire::walk::decode_block;
use estreamer_wire::{encode_record_body, record_from_json, Obj, Value};
use tokio::io::AsyncWriteExt;
use tokio_util::sync::CancellationToken;

use crate::harness::bounded;

struct HostService {
    addr: SocketAddr,
    stop: CancellationToken,
    task: tokio::task::JoinHandle<Result<(), estreamer_server::ServerError>>,
    tracker: Arc<NetMapTracker>,
}

fn tracker(data: &Path) -> Arc<NetMapTracker> {
    let options = TrackerOptions { snapshot_path: Some(data.join("netmap.snap")), ..TrackerOptions::default() };
    let t = NetMapTracker::open(StoreReader::open(data).unwrap(), options);
    t.sync().unwrap();
    Arc::new(t)
}

async fn start(data: &Path, listen: &str) -> HostService {
    let tracker = tracker(data);
    let listener = tokio::net::TcpListener::bind(listen).await.unwrap();
    let addr = listener.local_addr().unwrap();
    let mut service =
        Service::new(Arc::new(shared_pki().server_tls()), StoreReader::open(data).unwrap(), ServerOptions::default());
    service.hosts = Some(Arc::clone(&tracker) as Arc<dyn HostMap>);
    let stop = CancellationToken::new();
    let task = tokio::spawn(estreamer_server::serve(vec![listener], service, stop.clone()));
    HostService { addr, stop, task, tracker }
}

impl HostService {
    async fn stop(self) {
        self.stop.cancel();
        self.task.await.unwrap().unwrap();
        self.tracker.save_snapshot().unwrap();
    }
}

/// A store the sensor filled; its discovery events make the hosts.
fn world() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let store = Store::open(&data, StoreOptions { sync: SyncPolicy::Never, ..StoreOptions::default() }).unwrap();
    estreamer_sensor::write_to_store(&store, 11, 3000).unwrap();
    store.sync().unwrap();
    (dir, data)
}

fn mapped(ip: IpAddr) -> [u8; 16] {
    match ip {
        IpAddr::V4(a) => a.to_ipv6_mapped().octets(),
        IpAddr::V6(a) => a.octets(),
    }
}

/// Connect, subscribe to nothing (a host-only legacy session), send the Host Request at once.
async fn ask(addr: SocketAddr, id: &estreamer_pki::ClientIdentity, request: HostRequest) -> (Tls, Vec<Message>) {
    let mut c = tls_connect(addr, id).await.unwrap();
    let esr = Message::EventStreamRequest(EventStreamRequest { initial_timestamp: 0, flags: 0 });
    let mut bytes = esr.to_bytes().unwrap();
    bytes.extend(Message::HostRequest(request).to_bytes().unwrap());
    c.write_all(&bytes).await.unwrap();
    let single = matches!(request.data_type, 4 | 6);
    let mut answer = Vec::new();
    loop {
        let m = bounded("the answer", read_message(&mut c)).await.expect("the session ended early");
        c.write_all(&NULL_MESSAGE).await.unwrap();
        match m {
            Message::Null => continue,
            Message::SingleHostData(_) | Message::Error(_) if single => {
                answer.push(m);
                break;
            }
            Message::MultipleHostData(ref h) if h.block.is_empty() => {
                answer.push(m);
                break;
            }
            Message::Error(_) => {
                answer.push(m);
                break;
            }
            other => answer.push(other),
        }
    }
    (c, answer)
}

fn request(data_type: u32, start: [u8; 16], end: [u8; 16], legacy: bool) -> HostRequest {
    HostRequest { data_type, flags: 0, start, end, legacy }
}

/// The profile block of a host answer, decoded by the schema with nothing left over.
fn decoded(m: &Message) -> Obj {
    let (Message::SingleHostData(h) | Message::MultipleHostData(h)) = m else { panic!("not host data: {m:?}") };
    let def = match h.block_type {
        92 => &host_blocks::S1_92,
        139 => &blocks::S1_139,
        t => panic!("unexpected profile block {t}"),
    };
    let d = decode_block(def, &h.block);
    assert!(d.issues.is_empty(), "block {} decodes exactly: {:?}", h.block_type, d.issues);
    d.value
}

fn list_len(o: &Obj, key: &str) -> usize {
    match o.get(key).and_then(Value::as_obj).and_then(|l| l.get("items")) {
        Some(Value::Arr(items)) => items.len(),
        other => panic!("{key}: {other:?}"),
    }
}

/// Every field the map knows, as block 92 carries it.
fn check_block92(o: &Obj, h: &HostProfile) {
    let v4 = h.ipv4().expect("an IPv4 host");
    assert_eq!(o.get("ipAddress"), Some(&Value::Ip4(v4)));
    assert_eq!(o.get_u("hops"), Some(h.hops.into()));
    assert_eq!(list_len(o, "tcpServices"), h.tcp_services.len());
    assert_eq!(list_len(o, "udpServices"), h.udp_services.len());
    assert_eq!(list_len(o, "clientApplications"), h.client_applications.len());
    assert_eq!(list_len(o, "macAddresses"), h.mac_addresses.len());
    assert_eq!(list_len(o, "networkProtocols"), h.network_protocols.len());
    assert_eq!(list_len(o, "transportProtocols"), h.transport_protocols.len());
    assert_eq!(o.get_u("lastSeen"), Some(h.last_seen.into()));
    assert_eq!(o.get_u("criticality"), Some(h.criticality.into()));
    assert_eq!(o.get_u("hostType"), Some(h.host_type.into()));
}

fn hosts_in(t: &NetMapTracker, start: [u8; 16], end: [u8; 16]) -> Vec<HostProfile> {
    t.read().range(start, end).cloned().collect()
}

#[tokio::test]
async fn host_queries_answer_from_the_map_the_sensor_built() {
    let (_dir, data) = world();
    let svc = start(&data, "127.0.0.1:0").await;
    let id = shared_pki().identity();
    let all_v4 = (mapped(Ipv4Addr::UNSPECIFIED.into()), mapped(Ipv4Addr::BROADCAST.into()));
    let v4_hosts = hosts_in(&svc.tracker, all_v4.0, all_v4.1);
    assert!(v4_hosts.len() >= 10, "the sensor's discovery events made IPv4 hosts: {}", v4_hosts.len());
    // A host that runs services and client applications.
    let rich = v4_hosts
        .iter()
        .find(|h| !h.tcp_services.is_empty() && !h.client_applications.is_empty())
        .expect("a host with services and client apps")
        .clone();

    // Single host, legacy 16-byte form, data type 4 (block 92): one type 6.
    let (_c, answer) = ask(svc.addr, &id, request(4, rich.address, rich.address, true)).await;
    assert!(matches!(answer[..], [Message::SingleHostData(_)]), "{answer:?}");
    check_block92(&decoded(&answer[0]), &rich);

    // The same host, current 40-byte form, data type 6 (S1 139).
    let (_c, answer) = ask(svc.addr, &id, request(6, rich.address, rich.address, false)).await;
    let o = decoded(&answer[0]);
    assert_eq!(o.get("ipAddress"), Some(&Value::Ip6(rich.address)));
    assert_eq!(list_len(&o, "tcpServer"), rich.tcp_services.len());
    assert_eq!(list_len(&o, "clientApplications"), rich.client_applications.len());

    // Every IPv4 host, range in the legacy form, data type 5: one type 7 each, then the marker.
    let (_c, answer) = ask(svc.addr, &id, request(5, all_v4.0, all_v4.1, true)).await;
    assert_eq!(answer.len(), v4_hosts.len() + 1);
    for (m, h) in answer.iter().zip(&v4_hosts) {
        check_block92(&decoded(m), h);
    }
    assert!(matches!(answer.last(), Some(Message::MultipleHostData(m)) if m.block.is_empty()));

    // IPv6 hosts, data type 7 in the current form.
    let all_v6 = ([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], [0xff; 16]);
    let v6_hosts = hosts_in(&svc.tracker, all_v6.0, all_v6.1);
    assert!(!v6_hosts.is_empty(), "the sensor's world has IPv6 hosts");
    let (_c, answer) = ask(svc.addr, &id, request(7, all_v6.0, all_v6.1, false)).await;
    assert_eq!(answer.len(), v6_hosts.len() + 1);
    for (m, h) in answer.iter().zip(&v6_hosts) {
        assert_eq!(decoded(m).get("ipAddress"), Some(&Value::Ip6(h.address)));
    }
    // An IPv6 host asked for as block 92: Error 13; an address nobody has: Error 12.
    let one6 = v6_hosts[0].address;
    let (_c, answer) = ask(svc.addr, &id, request(4, one6, one6, false)).await;
    assert!(matches!(&answer[..], [Message::Error(e)] if e.code == error_codes::HOST_NOT_REPRESENTABLE), "{answer:?}");
    let nobody = mapped(Ipv4Addr::new(192, 0, 2, 254).into());
    let (_c, answer) = ask(svc.addr, &id, request(6, nobody, nobody, false)).await;
    assert!(matches!(&answer[..], [Message::Error(e)] if e.code == error_codes::HOST_NOT_FOUND), "{answer:?}");
    svc.stop().await;
}

/// A Host Timeout (19) event for `ip`, as a sensor would send it.
fn host_timeout(ip: [u8; 16], second: u32) -> Vec<u8> {
    let j = serde_json::json!({
        "recordType": 19, "deviceId": 1, "macAddress": "00:00:00:00:00:00", "eventSecond": second,
        "eventMicrosecond": 0, "eventType": 1000, "eventSubtype": 19,
        "hostIpAddr": estreamer_wire::value::ipv6_text(&ip),
    });
    let (_, obj) = record_from_json(&j).unwrap();
    encode_record_body(19, &obj, None).unwrap()
}

#[tokio::test]
async fn a_timed_out_host_is_gone_and_answers_survive_a_restart() {
    let (_dir, data) = world();
    let svc = start(&data, "127.0.0.1:0").await;
    let id = shared_pki().identity();
    let range = (mapped(Ipv4Addr::UNSPECIFIED.into()), mapped(Ipv4Addr::BROADCAST.into()));
    let victim = hosts_in(&svc.tracker, range.0, range.1)[3].address;
    // Another process (a sensor) writes the timeout while the service runs.
    {
        let store = Store::open(&data, StoreOptions { sync: SyncPolicy::Never, ..StoreOptions::default() }).unwrap();
        store.append(19, &host_timeout(victim, 1_900_000_000)).unwrap();
    }
    let (_c, answer) = ask(svc.addr, &id, request(4, victim, victim, true)).await;
    assert!(matches!(&answer[..], [Message::Error(e)] if e.code == error_codes::HOST_NOT_FOUND), "{answer:?}");
    let (_c, before) = ask(svc.addr, &id, request(5, range.0, range.1, true)).await;
    svc.stop().await;

    // A new service on the same store (snapshot + tail): the same answer, byte for byte.
    let svc = start(&data, "127.0.0.1:0").await;
    let (_c, after) = ask(svc.addr, &id, request(5, range.0, range.1, true)).await;
    assert_eq!(before, after);
    assert!(!after
        .iter()
        .any(|m| matches!(m, Message::MultipleHostData(h) if h.block.get(8..12) == Some(&victim[12..]))));
    svc.stop().await;
}

#[tokio::test]
async fn host_queries_over_ipv6_loopback() {
    let (_dir, data) = world();
    let svc = start(&data, "[::1]:0").await;
    let id = identity(&shared_pki().client_v6);
    let v6 = Ipv6Addr::LOCALHOST;
    assert!(svc.addr.ip() == IpAddr::V6(v6));
    let hosts = hosts_in(&svc.tracker, [0; 16], [0xff; 16]);
    let (_c, answer) = ask(svc.addr, &id, request(7, [0; 16], [0xff; 16], false)).await;
    assert_eq!(answer.len(), hosts.len() + 1, "every host, IPv4 and IPv6, in S1 139");
    svc.stop().await;
}
