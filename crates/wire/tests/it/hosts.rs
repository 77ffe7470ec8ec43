//! Host-profile answers: block 92 byte for byte against HOSTS.md §5–§6, S1 139, and the
//! generic block entry points.

use estreamer_wire::schema::blocks::S1_139;
use estreamer_wire::schema::host_blocks::S1_92;
use estreamer_wire::value::{Obj, Value};
use estreamer_wire::{
    decode_block, encode_block, AttributeValue, ClientApplication, FingerprintSource, HostMac, HostProfile,
    HostService, HostVulnerability, IssueKind, OsFingerprint, Vlan,
};
use proptest::prelude::*;

fn v4(a: u8, b: u8, c: u8, d: u8) -> [u8; 16] {
    std::net::Ipv4Addr::new(a, b, c, d).to_ipv6_mapped().octets()
}

fn be32(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes(b[at..at + 4].try_into().unwrap())
}

fn be16(b: &[u8], at: usize) -> u16 {
    u16::from_be_bytes(b[at..at + 2].try_into().unwrap())
}

/// Block or list header at `at`: (type, length).
fn header(b: &[u8], at: usize) -> (u32, u32) {
    (be32(b, at), be32(b, at + 4))
}

const EMPTY_GENERIC_LIST: [u8; 8] = [0, 0, 0, 31, 0, 0, 0, 8];
const EMPTY_LIST: [u8; 8] = [0, 0, 0, 11, 0, 0, 0, 8];
const EMPTY_STRING: [u8; 8] = [0, 0, 0, 0, 0, 0, 0, 8];

#[test]
fn minimum_block92_is_195_bytes_byte_for_byte() {
    let host = HostProfile::new(v4(10, 1, 0, 10));
    let got = host.to_block92(true, true).unwrap();
    let mut want = vec![0, 0, 0, 92, 0, 0, 0, 195, 10, 1, 0, 10, 0];
    for _ in 0..9 {
        want.extend(EMPTY_GENERIC_LIST); // fingerprint lists, 31 of 87
    }
    for _ in 0..5 {
        want.extend(EMPTY_LIST); // TCP, UDP, network, transport, MAC: 11 of 90/90/4/4/95
    }
    want.extend([0; 14]); // last seen, host type, criticality, VLAN id/type/priority
    want.extend(EMPTY_GENERIC_LIST); // client applications, 31 of 42
    want.extend(EMPTY_STRING); // NetBIOS name
    want.extend(EMPTY_STRING); // notes
    for _ in 0..3 {
        want.extend(EMPTY_GENERIC_LIST); // vulnerability lists, 31 of 85
    }
    want.extend(EMPTY_LIST); // attributes, 11 of 48
    assert_eq!(want.len(), 195);
    assert_eq!(got, want);
}

#[test]
fn ipv6_only_host_has_no_block92_but_has_block139() {
    let mut host = HostProfile::new(std::net::Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1).octets());
    assert_eq!(host.ipv4(), None);
    assert_eq!(host.to_block92(false, false), None);
    host.hops = 3;
    let b = host.to_block139(true);
    assert_eq!(header(&b, 0), (139, b.len() as u32));
    assert_eq!(b[8..24], host.address);
}

const U_DERIVED: [u8; 16] = [0x11; 16];
const U_SERVER: [u8; 16] = [0x22; 16];
const BANNER: &[u8] = b"SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.6\r\n";

/// A host with something in every part of block 92.
fn full_host() -> HostProfile {
    let fp = |source, uuid| OsFingerprint {
        source,
        uuid,
        fingerprint_type: 1,
        source_type: 0,
        source_id: 0,
        last_seen: 1_750_000_100,
        ttl_difference: 2,
    };
    let vuln = |id, invalid| HostVulnerability { id, invalid, vulnerability_type: 1 };
    HostProfile {
        address: v4(192, 0, 2, 7),
        hops: 2,
        fingerprints: vec![fp(FingerprintSource::Derived, U_DERIVED), fp(FingerprintSource::Server, U_SERVER)],
        tcp_services: vec![HostService {
            port: 22,
            hits: 5,
            last_used: 1_750_000_200,
            application_protocol_id: 846,
            vendor: "OpenSSH".into(),
            version: "8.9p1".into(),
            source_type: 0,
            source_id: 0,
            confidence: 90,
            banner: BANNER.to_vec(),
            vulnerabilities: vec![vuln(4242, false)],
        }],
        udp_services: vec![HostService {
            port: 53,
            hits: 7,
            last_used: 1_750_000_300,
            application_protocol_id: 617,
            vendor: "ISC".into(),
            version: "9.18".into(),
            source_type: 1,
            source_id: 3,
            confidence: 100,
            banner: Vec::new(),
            vulnerabilities: Vec::new(),
        }],
        network_protocols: vec![0x0800],
        transport_protocols: vec![6, 17],
        mac_addresses: vec![HostMac {
            ttl: 64,
            mac: [0, 0x50, 0x56, 1, 2, 3],
            primary: true,
            last_seen: 1_750_000_400,
        }],
        last_seen: 1_750_000_500,
        host_type: 0,
        criticality: 3,
        vlan: Some(Vlan { id: 20, vlan_type: 1, priority: 5 }),
        client_applications: vec![ClientApplication {
            client_application_id: 1602,
            application_protocol_id: 846,
            hits: 9,
            last_used: 1_750_000_600,
            version: "8.9".into(),
        }],
        netbios_name: "JUMP01".into(),
        notes: "patched 2025-06".into(),
        vulnerabilities: vec![vuln(1001, false), vuln(1002, true)],
        attributes: vec![AttributeValue {
            attribute_id: 2,
            attribute_type: 0,
            integer_value: 0,
            text_value: "rack 3".into(),
        }],
        mobile: false,
        jailbroken: false,
    }
}

#[test]
fn full_host_block92_at_hand_computed_offsets() {
    let host = full_host();
    let b = host.to_block92(true, true).unwrap();
    assert_eq!(header(&b, 0), (92, b.len() as u32));
    assert_eq!(b[8..12], [192, 0, 2, 7]);
    assert_eq!(b[12], 2, "hops");

    // Row 4: derived list at 13, one 41-byte block 87.
    assert_eq!(header(&b, 13), (31, 8 + 41));
    assert_eq!(header(&b, 21), (87, 41));
    assert_eq!(b[29..45], U_DERIVED);
    assert_eq!(be32(&b, 45), 1, "fp_type");
    assert_eq!(be32(&b, 57), 1_750_000_100, "last_seen");
    assert_eq!(b[61], 2, "ttl_diff");
    // Row 5: server list.
    assert_eq!(header(&b, 62), (31, 49));
    assert_eq!(b[78..94], U_SERVER);
    // Rows 6–12: seven empty fingerprint lists.
    for i in 0..7 {
        assert_eq!(b[111 + 8 * i..119 + 8 * i], EMPTY_GENERIC_LIST);
    }

    // Row 13: TCP services, list 11 of one block 90.
    let tcp = 111 + 7 * 8;
    assert_eq!(tcp, 167);
    // Block 90: 8 header + 2 port + 4 hits + info lists (8 + 49, then 3 × 8) + 4 confidence
    // + banner (8 + n) + vuln list (8 + 17) + two empty vuln lists + empty sub-service list.
    let info88 = 8 + 4 + (8 + 7) + (8 + 5) + 4 + 4 + 4;
    assert_eq!(info88, 52);
    let svc90 = 8 + 2 + 4 + (8 + info88) + 3 * 8 + 4 + (8 + BANNER.len()) + (8 + 17) + 8 + 8 + 8;
    assert_eq!(header(&b, tcp), (11, (8 + svc90) as u32));
    let s = tcp + 8;
    assert_eq!(header(&b, s), (90, svc90 as u32));
    assert_eq!(be16(&b, s + 8), 22, "port");
    assert_eq!(be32(&b, s + 10), 5, "hits");
    assert_eq!(header(&b, s + 14), (31, 8 + 52), "info[SERVICE_TYPE_RNA]");
    assert_eq!(header(&b, s + 22), (88, 52));
    assert_eq!(be32(&b, s + 30), 846, "service_id");
    assert_eq!(header(&b, s + 34), (0, 15));
    assert_eq!(&b[s + 42..s + 49], b"OpenSSH");
    assert_eq!(header(&b, s + 49), (0, 13));
    assert_eq!(&b[s + 57..s + 62], b"8.9p1");
    assert_eq!(be32(&b, s + 62), 1_750_000_200, "last_used");
    assert_eq!(be32(&b, s + 66), 0, "source_type");
    assert_eq!(be32(&b, s + 70), 0, "source_id");
    for i in 0..3 {
        assert_eq!(b[s + 74 + 8 * i..s + 82 + 8 * i], EMPTY_GENERIC_LIST, "info lists USER/SCAN/APP");
    }
    assert_eq!(be32(&b, s + 98), 90, "confidence");
    assert_eq!(header(&b, s + 102), (10, (8 + BANNER.len()) as u32), "banner BLOB");
    let after_banner = s + 110 + BANNER.len();
    assert_eq!(&b[s + 110..after_banner], BANNER);
    assert_eq!(header(&b, after_banner), (31, 8 + 17), "vuln_list");
    assert_eq!(header(&b, after_banner + 8), (85, 17));
    assert_eq!(be32(&b, after_banner + 16), 4242);
    assert_eq!(b[after_banner + 20], 0, "invalid");
    assert_eq!(be32(&b, after_banner + 21), 1, "type");
    assert_eq!(b[after_banner + 25..after_banner + 33], EMPTY_GENERIC_LIST);
    assert_eq!(b[after_banner + 33..after_banner + 41], EMPTY_GENERIC_LIST);
    assert_eq!(b[after_banner + 41..after_banner + 49], EMPTY_LIST, "subtypelist");
    assert_eq!(after_banner + 49, s + svc90);

    // Row 14: UDP service set by a user: its info is in the USER list.
    let udp = tcp + 8 + svc90;
    let udp90 = 8 + 2 + 4 + 8 + (8 + 8 + 4 + (8 + 3) + (8 + 4) + 12) + 2 * 8 + 4 + 8 + 8 + 8 + 8 + 8;
    assert_eq!(header(&b, udp), (11, (8 + udp90) as u32));
    let u = udp + 8;
    assert_eq!(be16(&b, u + 8), 53);
    assert_eq!(b[u + 14..u + 22], EMPTY_GENERIC_LIST, "nothing identified by discovery");
    assert_eq!(header(&b, u + 22), (31, 8 + 8 + 4 + 11 + 12 + 12), "info[SERVICE_TYPE_USER]");
    assert_eq!(be32(&b, u + 30 + 8), 617);

    // Rows 15–17: protocols and MACs.
    let net = udp + 8 + udp90;
    assert_eq!(header(&b, net), (11, 8 + 10));
    assert_eq!(header(&b, net + 8), (4, 10));
    assert_eq!(be16(&b, net + 16), 0x0800);
    let xport = net + 18;
    assert_eq!(header(&b, xport), (11, 8 + 2 * 10));
    assert_eq!(be16(&b, xport + 16), 6);
    assert_eq!(be16(&b, xport + 26), 17);
    let mac = xport + 28;
    assert_eq!(header(&b, mac), (11, 8 + 20));
    assert_eq!(header(&b, mac + 8), (95, 20));
    assert_eq!(b[mac + 16], 64, "ttl");
    assert_eq!(b[mac + 17..mac + 23], [0, 0x50, 0x56, 1, 2, 3]);
    assert_eq!(b[mac + 23], 1, "primary");
    assert_eq!(be32(&b, mac + 24), 1_750_000_400);

    // Rows 18–23: the fixed 14-byte run.
    let run = mac + 28;
    assert_eq!(be32(&b, run), 1_750_000_500, "last_seen");
    assert_eq!(be32(&b, run + 4), 0, "host_type");
    assert_eq!(be16(&b, run + 8), 3, "criticality");
    assert_eq!(be16(&b, run + 10), 20, "vid");
    assert_eq!(b[run + 12], 1, "type");
    assert_eq!(b[run + 13], 5, "priority");

    // Row 24: client applications, list 31 of 42.
    let apps = run + 14;
    let app42 = 8 + 16 + (8 + 3);
    assert_eq!(header(&b, apps), (31, (8 + app42) as u32));
    assert_eq!(header(&b, apps + 8), (42, app42 as u32));
    assert_eq!(be32(&b, apps + 16), 9, "hits");
    assert_eq!(be32(&b, apps + 20), 1_750_000_600, "last_used");
    assert_eq!(be32(&b, apps + 24), 846, "type_id");
    assert_eq!(be32(&b, apps + 28), 1602, "id");
    assert_eq!(&b[apps + 40..apps + 43], b"8.9");

    // Rows 25–26: NetBIOS name and notes.
    let netbios = apps + 8 + app42;
    assert_eq!(header(&b, netbios), (0, 8 + 6));
    assert_eq!(&b[netbios + 8..netbios + 14], b"JUMP01");
    let notes = netbios + 14;
    assert_eq!(header(&b, notes), (0, 8 + 15));
    assert_eq!(&b[notes + 8..notes + 23], b"patched 2025-06");

    // Rows 27–30: vulnerabilities and attributes; nothing after them.
    let vulns = notes + 23;
    assert_eq!(header(&b, vulns), (31, 8 + 2 * 17));
    assert_eq!(be32(&b, vulns + 16), 1001);
    assert_eq!(be32(&b, vulns + 33), 1002);
    assert_eq!(b[vulns + 37], 1, "invalid");
    assert_eq!(b[vulns + 42..vulns + 50], EMPTY_GENERIC_LIST);
    assert_eq!(b[vulns + 50..vulns + 58], EMPTY_GENERIC_LIST);
    let attrs = vulns + 58;
    let attr48 = 8 + 12 + (8 + 6);
    assert_eq!(header(&b, attrs), (11, (8 + attr48) as u32));
    assert_eq!(header(&b, attrs + 8), (48, attr48 as u32));
    assert_eq!(be32(&b, attrs + 16), 2);
    assert_eq!(&b[attrs + 36..attrs + 42], b"rack 3");
    assert_eq!(attrs + 8 + attr48, b.len(), "no trailing fields");
}

fn list_items<'a>(o: &'a Obj, key: &str) -> Vec<&'a Obj> {
    let l = o.get(key).and_then(Value::as_obj).unwrap_or_else(|| panic!("no list {key}"));
    match l.get("items") {
        Some(Value::Arr(a)) => a.iter().map(|v| v.as_obj().unwrap()).collect(),
        _ => panic!("list {key} has no items"),
    }
}

fn text<'a>(o: &'a Obj, key: &str) -> &'a [u8] {
    match o.get(key).and_then(Value::as_obj).and_then(|b| b.get("data")) {
        Some(Value::Data(d)) => d,
        other => panic!("{key} is not a String block: {other:?}"),
    }
}

/// Every block and list header in a decoded tree is at least 8 bytes long.
fn assert_no_short_block(v: &Value, path: &str) {
    match v {
        Value::Obj(o) => {
            for k in ["blockLength", "listLength"] {
                if let Some(n) = o.get_u(k) {
                    assert!(n >= 8, "{path}.{k} = {n}");
                }
            }
            for e in &o.0 {
                assert_ne!(e.key, "@unparsed", "{path} has unparsed bytes");
                assert_no_short_block(&e.value, &format!("{path}.{}", e.key));
            }
        }
        Value::Arr(items) => {
            items.iter().enumerate().for_each(|(i, x)| assert_no_short_block(x, &format!("{path}[{i}]")))
        }
        _ => {}
    }
}

#[test]
fn block92_decodes_back_to_every_field_with_nothing_left_over() {
    let host = full_host();
    let b = host.to_block92(true, true).unwrap();
    let d = decode_block(&S1_92, &b);
    assert!(d.issues.is_empty(), "{:?}", d.issues);
    let o = &d.value;
    assert_no_short_block(&Value::Obj(o.clone()), "block92");
    assert_eq!(o.get_u("blockType"), Some(92));
    assert_eq!(o.get_u("blockLength"), Some(b.len() as u64));
    assert_eq!(o.get("ipAddress"), Some(&Value::Ip4([192, 0, 2, 7])));
    assert_eq!(o.get_u("hops"), Some(2));
    assert_eq!(list_items(o, "derivedFingerprints")[0].get("uuid"), Some(&Value::Uuid(U_DERIVED)));
    assert_eq!(list_items(o, "serverFingerprints")[0].get("uuid"), Some(&Value::Uuid(U_SERVER)));
    for k in ["clientFingerprints", "smbFingerprints", "dhcpFingerprints", "userFingerprints", "scanFingerprints"] {
        assert!(list_items(o, k).is_empty());
    }
    let tcp = list_items(o, "tcpServices");
    assert_eq!(tcp[0].get_u("port"), Some(22));
    let info = list_items(tcp[0], "discoveryServiceInfo");
    assert_eq!(info[0].get_u("applicationProtocolId"), Some(846));
    assert_eq!(text(info[0], "vendor"), b"OpenSSH");
    assert_eq!(text(info[0], "version"), b"8.9p1");
    assert_eq!(text(tcp[0], "banner"), BANNER);
    assert_eq!(list_items(tcp[0], "vulnerabilities")[0].get_u("vulnerabilityId"), Some(4242));
    let udp = list_items(o, "udpServices");
    assert_eq!(list_items(udp[0], "userServiceInfo")[0].get_u("sourceId"), Some(3));
    assert_eq!(list_items(o, "networkProtocols")[0].get_u("protocol"), Some(0x0800));
    assert_eq!(list_items(o, "transportProtocols").len(), 2);
    assert_eq!(list_items(o, "macAddresses")[0].get("address"), Some(&Value::Mac([0, 0x50, 0x56, 1, 2, 3])));
    assert_eq!(o.get_u("lastSeen"), Some(1_750_000_500));
    assert_eq!(o.get_u("criticality"), Some(3));
    assert_eq!((o.get_u("vlanId"), o.get_u("vlanType"), o.get_u("vlanPriority")), (Some(20), Some(1), Some(5)));
    let app = list_items(o, "clientApplications");
    assert_eq!((app[0].get_u("clientApplicationId"), app[0].get_u("applicationProtocolId")), (Some(1602), Some(846)));
    assert_eq!(text(o, "netbiosName"), b"JUMP01");
    assert_eq!(text(o, "notes"), b"patched 2025-06");
    assert_eq!(list_items(o, "vulnerabilities").len(), 2);
    assert_eq!(list_items(o, "vulnerabilities")[1].get_u("invalidFlags"), Some(1));
    assert_eq!(text(list_items(o, "attributes")[0], "textValue"), b"rack 3");
    // The generic encoder gives back the same bytes from the decoded tree.
    assert_eq!(encode_block(&S1_92, o).unwrap(), b);
}

#[test]
fn notes_and_banners_only_when_asked() {
    let host = full_host();
    let both = host.to_block92(true, true).unwrap();
    let none = host.to_block92(false, false).unwrap();
    assert_eq!(both.len() - none.len(), host.notes.len() + BANNER.len());
    let d = decode_block(&S1_92, &none);
    assert!(d.issues.is_empty());
    assert_eq!(text(&d.value, "notes"), b"");
    assert_eq!(text(list_items(&d.value, "tcpServices")[0], "banner"), b"");
    let notes_only = decode_block(&S1_92, &host.to_block92(true, false).unwrap()).value;
    assert_eq!(text(&notes_only, "notes"), b"patched 2025-06");
    assert_eq!(text(list_items(&notes_only, "tcpServices")[0], "banner"), b"");
    let banners_only = decode_block(&S1_92, &host.to_block92(false, true).unwrap()).value;
    assert_eq!(text(&banners_only, "notes"), b"");
    assert_eq!(text(list_items(&banners_only, "tcpServices")[0], "banner"), BANNER);
}

#[test]
fn banner_is_cut_at_256_bytes() {
    let mut host = HostProfile::new(v4(10, 0, 0, 1));
    host.tcp_services.push(HostService { port: 80, banner: vec![b'x'; 600], ..HostService::default() });
    let d = decode_block(&S1_92, &host.to_block92(false, true).unwrap());
    assert!(d.issues.is_empty());
    assert_eq!(text(list_items(&d.value, "tcpServices")[0], "banner").len(), 256);
}

#[test]
fn derived_fingerprint_falls_back_to_the_first_one() {
    let mut host = full_host();
    host.fingerprints.remove(0);
    let d = decode_block(&S1_92, &host.to_block92(false, false).unwrap());
    assert_eq!(list_items(&d.value, "derivedFingerprints")[0].get("uuid"), Some(&Value::Uuid(U_SERVER)));
}

/// What survives S1 139: no banners, notes, criticality, vulnerabilities or attributes; client
/// applications lose their application protocol; only S1 139's own fingerprint kinds.
fn block139_part(h: &HostProfile) -> HostProfile {
    let mut h = h.clone();
    for s in h.tcp_services.iter_mut().chain(h.udp_services.iter_mut()) {
        s.banner.clear();
        s.vulnerabilities.clear();
    }
    for a in &mut h.client_applications {
        a.application_protocol_id = 0;
    }
    h.criticality = 0;
    h.notes.clear();
    h.vulnerabilities.clear();
    h.attributes.clear();
    h
}

#[test]
fn block139_round_trip() {
    let mut host = block139_part(&full_host());
    host.fingerprints.retain(|f| f.source != FingerprintSource::Derived);
    host.fingerprints.push(OsFingerprint {
        source: FingerprintSource::Ipv6Dhcp,
        uuid: [7; 16],
        fingerprint_type: 0,
        source_type: 0,
        source_id: 0,
        last_seen: 9,
        ttl_difference: 0,
    });
    host.mobile = true;
    let b = host.to_block139(true);
    assert_eq!(header(&b, 0), (139, b.len() as u32));
    let d = decode_block(&S1_139, &b);
    assert!(d.issues.is_empty(), "{:?}", d.issues);
    assert_no_short_block(&Value::Obj(d.value.clone()), "block139");
    assert_eq!(HostProfile::from_block139(&d.value), host);
    assert_eq!(encode_block(&S1_139, &d.value).unwrap(), b);
    assert_eq!(host.to_block139(false), b, "S1 139 has no banner to leave out");
}

#[test]
fn host_profile_answers_for_the_server_session() {
    use estreamer_wire::session::HostBlocks;
    let host = full_host();
    let as_session_sees_it: &dyn HostBlocks = &host;
    assert_eq!(as_session_sees_it.address(), host.address);
    assert_eq!(as_session_sees_it.to_block92(true, false), host.to_block92(true, false));
    assert_eq!(as_session_sees_it.to_block139(true), host.to_block139(true));
}

#[test]
fn decode_block_reports_damage_and_never_panics() {
    let b = full_host().to_block92(true, true).unwrap();
    // Cut anywhere: decoded as far as possible, with an issue.
    for cut in 0..b.len() {
        let d = decode_block(&S1_92, &b[..cut]);
        assert!(!d.issues.is_empty(), "cut at {cut}");
    }
    // Bytes after the block are trailing.
    let mut long = b.clone();
    long.extend([1, 2, 3]);
    let d = decode_block(&S1_92, &long);
    assert_eq!(d.issues.len(), 1);
    assert_eq!(d.issues[0].kind, IssueKind::TrailingBytes);
    assert_eq!(d.issues[0].offset, b.len());
    // A zero length inside a list is reported, not looped on.
    let mut zero = b.clone();
    zero[25] = 0; // length of the first block 87 (header at 21)
    zero[26] = 0;
    zero[27] = 0;
    zero[28] = 0;
    assert!(!decode_block(&S1_92, &zero).issues.is_empty());
}

fn arb_text() -> impl Strategy<Value = String> {
    proptest::string::string_regex("[ -~]{0,12}").unwrap()
}

fn arb_vulns() -> impl Strategy<Value = Vec<HostVulnerability>> {
    proptest::collection::vec(
        (any::<u32>(), any::<bool>(), any::<u32>()).prop_map(|(id, invalid, t)| HostVulnerability {
            id,
            invalid,
            vulnerability_type: t,
        }),
        0..3,
    )
}

fn arb_service() -> impl Strategy<Value = HostService> {
    (
        (any::<u16>(), any::<u32>(), any::<u32>(), any::<u32>(), arb_text(), arb_text()),
        (0u32..5, any::<u32>(), 0u32..=100, proptest::collection::vec(any::<u8>(), 0..300), arb_vulns()),
    )
        .prop_map(|((port, hits, last_used, app, vendor, version), (st, sid, conf, banner, vulns))| HostService {
            port,
            hits,
            last_used,
            application_protocol_id: app,
            vendor,
            version,
            source_type: st,
            source_id: sid,
            confidence: conf,
            banner,
            vulnerabilities: vulns,
        })
}

fn arb_host() -> impl Strategy<Value = HostProfile> {
    let fp = (0..FingerprintSource::ALL.len(), any::<[u8; 16]>(), any::<u32>(), any::<u8>()).prop_map(
        |(k, uuid, t, ttl)| OsFingerprint {
            source: FingerprintSource::ALL[k],
            uuid,
            fingerprint_type: t,
            source_type: 0,
            source_id: t,
            last_seen: t,
            ttl_difference: ttl,
        },
    );
    let mac = (any::<u8>(), any::<[u8; 6]>(), any::<bool>(), any::<u32>())
        .prop_map(|(ttl, mac, primary, last_seen)| HostMac { ttl, mac, primary, last_seen });
    let app = (any::<u32>(), any::<u32>(), any::<u32>(), arb_text()).prop_map(|(id, proto, hits, version)| {
        ClientApplication { client_application_id: id, application_protocol_id: proto, hits, last_used: hits, version }
    });
    let attr = (any::<u32>(), any::<u32>(), arb_text()).prop_map(|(id, n, t)| AttributeValue {
        attribute_id: id,
        attribute_type: n % 3,
        integer_value: n,
        text_value: t,
    });
    (
        (any::<bool>(), any::<[u8; 16]>(), any::<u8>(), proptest::collection::vec(fp, 0..4)),
        (proptest::collection::vec(arb_service(), 0..3), proptest::collection::vec(arb_service(), 0..2)),
        (proptest::collection::vec(any::<u16>(), 0..3), proptest::collection::vec(mac, 0..3), any::<u32>()),
        (any::<u16>(), proptest::option::of(any::<(u16, u8, u8)>()), proptest::collection::vec(app, 0..3)),
        (arb_text(), arb_text(), arb_vulns(), proptest::collection::vec(attr, 0..3), any::<(bool, bool)>()),
    )
        .prop_map(|((is_v4, addr, hops, fps), (tcp, udp), (protos, macs, seen), (crit, vlan, apps), rest)| {
            let (netbios, notes, vulns, attrs, (mobile, jailbroken)) = rest;
            let mut address = addr;
            if is_v4 {
                address = std::net::Ipv4Addr::from([addr[0], addr[1], addr[2], addr[3]]).to_ipv6_mapped().octets();
            }
            HostProfile {
                address,
                hops,
                fingerprints: fps,
                tcp_services: tcp,
                udp_services: udp,
                network_protocols: protos.clone(),
                transport_protocols: protos.iter().map(|p| p % 256).collect(),
                mac_addresses: macs,
                last_seen: seen,
                host_type: seen % 5,
                criticality: crit,
                vlan: vlan.map(|(id, vlan_type, priority)| Vlan { id, vlan_type, priority }),
                client_applications: apps,
                netbios_name: netbios,
                notes,
                vulnerabilities: vulns,
                attributes: attrs,
                mobile,
                jailbroken,
            }
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn random_hosts_encode_and_decode_cleanly(host in arb_host(), notes in any::<bool>(), banners in any::<bool>()) {
        match host.to_block92(notes, banners) {
            None => prop_assert!(host.ipv4().is_none()),
            Some(b) => {
                prop_assert_eq!(header(&b, 0), (92, b.len() as u32));
                let d = decode_block(&S1_92, &b);
                prop_assert!(d.issues.is_empty(), "{:?}", d.issues);
                assert_no_short_block(&Value::Obj(d.value.clone()), "block92");
                prop_assert_eq!(encode_block(&S1_92, &d.value).unwrap(), b);
            }
        }
        let b = host.to_block139(true);
        let d = decode_block(&S1_139, &b);
        prop_assert!(d.issues.is_empty(), "{:?}", d.issues);
        assert_no_short_block(&Value::Obj(d.value.clone()), "block139");
        // Everything but the fingerprints' list kinds (regrouped by list) survives S1 139.
        let mut got = HostProfile::from_block139(&d.value);
        let mut want = block139_part(&host);
        prop_assert_eq!(got.fingerprints.len(), want.fingerprints.len());
        got.fingerprints.clear();
        want.fingerprints.clear();
        prop_assert_eq!(got, want);
    }
}
