//! The computed view (`@computed`) and the metadata cache, checked against the golden vectors:
//! every metadata vector is fed to a cache, then event vectors are decorated and their resolved
//! names compared with the names the metadata vectors define.

use crate::common;
use common::vectors_dir;
use estreamer_wire::message::Message;
use estreamer_wire::view::{computed, decorate, event_time, rfc3339, MetadataCache};
use estreamer_wire::{decode_record, Obj, RecordHead, Value, WireError};
use serde_json::{json, Value as J};

/// Names of every record vector.
fn record_vectors() -> Vec<String> {
    let s = std::fs::read_to_string(vectors_dir().join("index.json")).unwrap();
    let v: J = serde_json::from_str(&s).unwrap();
    v["vectors"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| v["kind"] == "record")
        .map(|v| v["name"].as_str().unwrap().to_string())
        .collect()
}

fn decode(name: &str) -> Obj {
    let bytes = std::fs::read(vectors_dir().join(format!("{name}.bin"))).unwrap();
    let Message::EventData(ed) = Message::decode(&bytes).unwrap() else { panic!("{name}: not event data") };
    let (ts, ck) = ed.archive.unwrap_or((0, 0));
    decode_record(RecordHead { record_type: ed.record_type, archive_ts: ts, checksum: ck }, &ed.body).value
}

fn is_metadata(o: &Obj) -> bool {
    let t = o.get_u("recordType").unwrap() as u32;
    estreamer_wire::schema::catalog::is_metadata(t)
}

/// A cache fed with every metadata vector.
fn full_cache() -> MetadataCache {
    let mut c = MetadataCache::new();
    let mut n = 0;
    for name in record_vectors() {
        let o = decode(&name);
        if is_metadata(&o) {
            c.learn(&o);
            n += 1;
        }
    }
    assert!(n >= 40, "only {n} metadata vectors");
    c
}

/// `@computed` of a vector as JSON.
fn view(name: &str, cache: &MetadataCache) -> J {
    let mut o = decode(name);
    decorate(&mut o, cache);
    let j = Value::Obj(o).to_json();
    j["@computed"].clone()
}

/// Assert that each `(key, value)` is in the computed object.
fn has(c: &J, want: &[(&str, J)]) {
    for (k, v) in want {
        assert_eq!(&c[*k], v, "key {k} in {c:#}");
    }
}

/// Assert that none of `keys` is in the computed object.
fn lacks(c: &J, keys: &[&str]) {
    for k in keys {
        assert!(c.get(*k).is_none(), "key {k} should be absent in {c:#}");
    }
}

#[test]
fn intrusion_event_400_resolves_every_name() {
    let cache = full_cache();
    let c = view("r400_s2b85", &cache);
    has(
        &c,
        &[
            ("recordTypeDescription", json!("Intrusion Event")),
            ("recordTypeCategory", json!("IPS EVENT")),
            ("sensor", json!("sensor-spec-A")),
            ("eventSecond", json!(1750000001)),
            ("eventMicrosecond", json!(123457)),
            ("eventDateTime", json!("2025-06-15T15:06:41.123457Z")),
            ("message", json!("SPEC-RULE distinctive message 2000123")),
            ("renderedId", json!(3000456)),
            ("classificationName", json!("spec-class-name")),
            ("classificationDescription", json!("Spec classification description")),
            ("idsPolicy", json!("ips-policy-spec")),
            ("firewallRule", json!("fw-rule-spec")),
            ("firewallPolicy", json!("acp-spec-145")),
            ("priority", json!("prio-spec-high")),
            ("blocked", json!("Yes")),
            ("blockedReasonId", json!("Intrusion Policy in \"Detection\" Inspection Mode")),
            ("transportProtocol", json!("TCP")),
            ("webApplication", json!("web-app-spec")),
            ("clientApplication", json!("client-app-spec")),
            ("applicationProtocol", json!("app-proto-spec")),
            ("ingressInterface", json!("iface-in-spec")),
            ("ingressSecurityZone", json!("zone-in-spec")),
            ("sourceIpCountry", json!("usa-spec")),
            ("user", json!("alice-spec")),
            ("iocCategory", json!("ioc-cat-spec")),
            ("impact", json!(2)),
            ("impactDescription", json!("Orange (potentially vulnerable)")),
            ("networkAnalysisPolicy", json!("nap-spec-700")),
        ],
    );
    // No metadata vector names the egress interface/zone (…0002) or country 276, nor the SSL
    // action/flow status values: those keys are left out, not guessed.
    lacks(&c, &["egressInterface", "egressSecurityZone", "destinationIpCountry", "sslActualAction", "sslFlowStatus"]);
    // The older block versions resolve the same way.
    for name in ["r400_s2b60", "r400_s2b81", "r400_s2b85_hdr8"] {
        let c = view(name, &cache);
        has(&c, &[("message", json!("SPEC-RULE distinctive message 2000123")), ("user", json!("alice-spec"))]);
    }
    // S2 60 has no blockedReasonId.
    lacks(&view("r400_s2b60", &cache), &["blockedReasonId"]);
}

#[test]
fn intrusion_rule_zero_of_a_117_policy_is_default_action() {
    let cache = full_cache();
    let mut o = decode("r400_s2b85");
    o.set("accessControlRuleId", false, Value::U(0));
    let c = Value::Obj(computed(&o, &cache)).to_json();
    assert_eq!(c["firewallRule"], json!("Default Action"));
    // A rule id that no record 119 names is left out.
    o.set("accessControlRuleId", false, Value::U(77));
    let c = Value::Obj(computed(&o, &cache)).to_json();
    assert!(c.get("firewallRule").is_none());
}

#[test]
fn firewall_policy_falls_back_to_record_117_without_a_sensor_match() {
    let cache = full_cache();
    let mut o = decode("r400_s2b85");
    o.set("deviceId", false, Value::U(5));
    let c = Value::Obj(computed(&o, &cache)).to_json();
    assert_eq!(c["firewallPolicy"], json!("acp-name-117"));
    assert!(c.get("sensor").is_none());
    o.set("deviceId", false, Value::U(0));
    let c = Value::Obj(computed(&o, &cache)).to_json();
    assert_eq!(c["sensor"], json!("Defense Center"));
}

#[test]
fn connection_event_71_resolves_every_name() {
    let cache = full_cache();
    let c = view("r71_s1b174", &cache);
    has(
        &c,
        &[
            ("recordTypeCategory", json!("RNA")),
            ("sensor", json!("sensor-spec-A")),
            ("eventDescription", json!("Flow Statistics")),
            ("eventDateTime", json!("2025-06-15T15:06:49.100004Z")),
            ("transportProtocol", json!("TCP")),
            ("webApplication", json!("web-app-spec")),
            ("clientApplication", json!("client-app-spec")),
            ("applicationProtocol", json!("app-proto-spec")),
            ("securityIntelligenceIp", json!("si-srcdst-spec")),
            ("securityIntelligenceEvent", json!("Yes")),
            ("securityIntelligenceList1", json!("si-cat-spec")),
            ("urlCategory", json!("url-cat-spec")),
            ("urlReputation", json!("url-rep-spec")),
            ("firewallRule", json!("fw-rule-spec")),
            ("firewallRuleAction", json!("Allow-spec")),
            ("firewallRuleReason", json!("reason-spec")),
            ("firewallPolicy", json!("acp-spec-145")),
            ("ingressInterface", json!("iface-in-spec")),
            ("ingressSecurityZone", json!("zone-in-spec")),
            ("sourceIpCountry", json!("usa-spec")),
            ("user", json!("alice-spec")),
            ("dnsRecordName", json!("A")),
            ("dnsRecordDescription", json!("dns-a-spec")),
            ("dnsResponseName", json!("NXDOMAIN")),
            ("dnsResponseDescription", json!("dns-nx-spec")),
            ("sinkhole", json!("sinkhole-spec")),
            ("iocCategory", json!("ioc-cat-spec")),
            ("sslCipherSuite", json!("cipher-spec")),
            ("sslVersion", json!("tls12-spec")),
        ],
    );
    for i in 1..=8 {
        assert_eq!(c[format!("monitorRule{i}")], json!("N/A"), "monitorRule{i}");
    }
    lacks(&c, &["securityIntelligenceList2", "egressInterface", "egressSecurityZone", "destinationIpCountry"]);
}

#[test]
fn connection_rule_reason_bits_and_monitor_rules() {
    let cache = full_cache();
    let mut o = decode("r71_s1b174");
    o.set("ruleReason", false, Value::U(1 | 64));
    o.set("monitorRule2", false, Value::U(4242));
    o.set("monitorRule3", false, Value::U(99));
    o.set("sslFlowFlags", false, Value::U(4));
    o.set("sslServerCertificateStatus", false, Value::U(64 | 4));
    o.set("securityIntelligenceSourceDestination", false, Value::U(0));
    let c = Value::Obj(computed(&o, &cache)).to_json();
    has(
        &c,
        &[
            ("firewallRuleReason", json!("IP Block, Intrusion Block")),
            ("monitorRule1", json!("N/A")),
            ("monitorRule2", json!("fw-rule-spec")),
            ("sslFlowFlags", json!("NSE_FLOW_INTERCEPT")),
            ("sslServerCertificateStatus", json!("Self-signed, Expired")),
            ("securityIntelligenceIp", json!("N/A")),
            ("securityIntelligenceEvent", json!("No")),
        ],
    );
    lacks(&c, &["monitorRule3"]);
}

#[test]
fn file_events_resolve_policy_action_detection_and_type() {
    let cache = full_cache();
    // r500_s2b56 and r502_s2b79 carry distinctive (unresolvable) ids instead.
    for name in ["r500_s2b79", "r502_s2b56"] {
        let c = view(name, &cache);
        has(
            &c,
            &[
                ("sensor", json!("sensor-spec-A")),
                ("filePolicy", json!("file-policy-spec-530")),
                ("fileAction", json!("Malware Block")),
                ("detection", json!("threat-spec.exe")),
                ("fileType", json!("file-type-spec")),
                ("disposition", json!("Malware")),
                ("transportProtocol", json!("TCP")),
                ("applicationProtocol", json!("app-proto-spec")),
                ("sourceIpCountry", json!("usa-spec")),
                ("user", json!("alice-spec")),
            ],
        );
        // The event time of a file event is its fileEventTimestamp.
        let o = decode(name);
        assert_eq!(event_time(&o).0 as u64, o.get_u("fileEventTimestamp").unwrap(), "{name}");
    }
    let c = view("r500_s2b79", &cache);
    assert_eq!(c["eventDateTime"], json!("2025-06-15T15:06:51.000000Z"));
    let c = view("r502_s2b79", &cache);
    has(&c, &[("sensor", json!("sensor-spec-A"))]);
    lacks(&c, &["filePolicy", "fileAction", "detection", "fileType", "disposition", "user"]);
}

#[test]
fn malware_event_125_resolves_cloud_types_and_detection_by_sha() {
    let cache = full_cache();
    for name in ["r125_s2b62", "r125_s2b80"] {
        let c = view(name, &cache);
        has(
            &c,
            &[
                ("recordTypeDescription", json!("Malware Event Record")),
                ("sensor", json!("sensor-spec-A")),
                ("cloud", json!("cloud-spec")),
                ("malwareEventType", json!("amp-type-spec")),
                ("malwareEventSubtype", json!("amp-subtype-spec")),
                ("type", json!("amp-type-spec")),
                ("subtype", json!("amp-subtype-spec")),
                ("detector", json!("amp-detector-spec")),
                ("fileType", json!("amp-filetype-spec")),
                ("detectionName", json!("threat-spec.exe")),
                ("fileAction", json!("Malware Block")),
                ("disposition", json!("Malware")),
                ("filePolicy", json!("file-policy-spec-530")),
                ("agentUser", json!("alice-spec")),
                ("iocCategory", json!("ioc-cat-spec")),
                ("transportProtocol", json!("TCP")),
            ],
        );
        let o = decode(name);
        assert_eq!(event_time(&o).0 as u64, o.get_u("malwareEventTimestamp").unwrap());
    }
    // Without metadata the built-in AMP names answer.
    let c = view("r125_s2b80", &MetadataCache::new());
    has(&c, &[("malwareEventType", json!("Threat Detected")), ("malwareEventSubtype", json!("Move"))]);
    lacks(&c, &["detectionName", "cloud", "sensor"]);
}

#[test]
fn extra_data_110_original_src_ip_and_uri() {
    let cache = full_cache();
    for name in ["r110_s2b4_type2", "r110_s2b4_type2_hdr8"] {
        let c = view(name, &cache);
        has(&c, &[("xffType", json!("XFF Client (Ipv6)")), ("originalSrcIP", json!("2001:db8:ff::110"))]);
    }
    let c = view("r110_s2b4_type9", &cache);
    // Record 111 named type 9; the learned name wins over the built-in "HTTP URI".
    has(&c, &[("xffType", json!("HTTP URI spec")), ("xffUri", json!("/spec/extra/uri"))]);
    lacks(&c, &["originalSrcIP"]);
    let c = view("r110_s2b4_type9", &MetadataCache::new());
    has(&c, &[("xffType", json!("HTTP URI"))]);
}

#[test]
fn impact_alert_9_extracts_the_impact_text() {
    let cache = full_cache();
    let c = view("r9_s1b153", &cache);
    has(
        &c,
        &[
            ("recordTypeDescription", json!("Intrusion Impact Alert")),
            ("sensor", json!("sensor-spec-A")),
            ("description", json!("Vulnerable spec")),
            ("impact", json!(3)),
            ("eventSecond", json!(1750000001)),
        ],
    );
    let mut o = decode("r9_s1b153");
    let desc = Obj(vec![]);
    let mut d = desc.clone();
    d.push("data", Value::Data(b"say \"hi\"".to_vec()));
    o.set("description", false, Value::Obj(d));
    let c = Value::Obj(computed(&o, &cache)).to_json();
    assert_eq!(c["description"], json!("say 'hi'"));
}

#[test]
fn correlation_event_112_keys() {
    let cache = full_cache();
    for name in ["r112_s1b156", "r112_s1b156_hdr8"] {
        let c = view(name, &cache);
        has(
            &c,
            &[
                ("recordTypeCategory", json!("POLICY")),
                ("sensor", json!("sensor-spec-A")),
                ("eventType", json!("Intrusion Event")),
                ("message", json!("SPEC-RULE distinctive message 2000123")),
                ("sourceCriticality", json!("Medium")),
                ("destinationCriticality", json!("High")),
                ("sourceHostType", json!("Router")),
                ("destinationHostType", json!("Bridge")),
                ("sourceOperatingSystemName", json!("SpecOS")),
                ("sourceOperatingSystemVendor", json!("SpecVendor")),
                ("sourceOperatingSystemVersion", json!("9.9")),
                ("sourceUser", json!("alice-spec")),
                ("sourceApplicationProtocol", json!("app-proto-spec")),
                ("sourceIpCountry", json!("usa-spec")),
                ("priority", json!("prio-spec-high")),
                ("blocked", json!("Yes")),
                ("transportProtocol", json!("TCP")),
                ("networkProtocol", json!("netproto-spec")),
                ("ingressInterface", json!("iface-in-spec")),
                ("ingressSecurityZone", json!("zone-in-spec")),
                ("urlCategory", json!("url-cat-spec")),
                ("urlReputation", json!("url-rep-spec")),
                ("impact", json!(4)),
                ("description", json!("eventDescription-112-5")),
                ("sourceIp", json!("192.0.2.112")),
                ("destinationIp", json!("2001:db8:112::2")),
                ("eventSecond", json!(1750000008)),
                ("eventMicrosecond", json!(8)),
            ],
        );
        lacks(&c, &["destinationUser", "destinationOperatingSystemName", "securityIntelligencePolicy"]);
    }
}

#[test]
fn correlation_security_intelligence_policy_resolves_through_record_282() {
    let mut cache = full_cache();
    let c112 = decode("r112_s1b156");
    let uuid = c112.get("securityIntelligenceUuid").unwrap().clone();
    let mut name = Obj::new();
    name.push("blockType", Value::U(0));
    name.push("data", Value::Data(b"si-general-spec".to_vec()));
    let mut r282 = Obj::new();
    r282.push("recordType", Value::U(282));
    r282.push("uuid", uuid);
    r282.push("name", Value::Obj(name));
    assert!(cache.learn(&r282));
    assert!(!cache.learn(&r282), "learning the same record twice changes nothing");
    let c = Value::Obj(computed(&c112, &cache)).to_json();
    assert_eq!(c["securityIntelligencePolicy"], json!("si-general-spec"));
}

#[test]
fn discovery_records_get_event_descriptions() {
    let cache = full_cache();
    let want = [
        ("r10_s1b139", "New Host"),
        ("r11_s1b103", "New TCP Service"),
        ("r13_disc_u16", "New Network Protocol"),
        ("r14_disc_u8", "New Transport Protocol"),
        ("r15_s1b122", "New Client Applicastion"),
        ("r19_disc_only", "Host Timeout"),
        ("r22_disc_u8", "Hops Change"),
        ("r28_s1b95", "Additional MAC Detected"),
        ("r29_disc_ipv6", "Host IP Address Changed"),
        ("r31_disc_u32", "Host Identified as Router or Bridge"),
        ("r101_s1b130", "New OS Fingerprint"),
        ("r103_s1b94", "Identity Timeout"),
        ("r94_s1b155", "User Information"),
        ("r95_s1b167", "User Login Information"),
        ("r160_s1b7", "IOC Set"),
    ];
    for (name, desc) in want {
        let c = view(name, &cache);
        assert_eq!(c["eventDescription"], json!(desc), "{name}");
        assert_eq!(c["sensor"], json!("sensor-spec-A"), "{name}");
        assert_eq!(c["recordTypeCategory"], json!(if name.starts_with("r9") { "RUA" } else { "RNA" }), "{name}");
    }
    has(&view("r13_disc_u16", &cache), &[("networkProtocol", json!("netproto-spec"))]);
    has(&view("r14_disc_u8", &cache), &[("transportProtocol", json!("UDP"))]);
    has(
        &view("r15_s1b122", &cache),
        &[("clientApplication", json!("client-app-spec")), ("applicationProtocol", json!("app-proto-spec"))],
    );
    has(&view("r101_s1b130", &cache), &[("sourceType", json!("source-type-spec"))]);
    has(&view("r103_s1b94", &cache), &[("sourceType", json!("source-type-spec"))]);
    has(&view("r94_s1b155", &cache), &[("user", json!("username-94-8"))]);
    has(&view("r95_s1b167", &cache), &[("user", json!("username-95-9"))]);
}

#[test]
fn vpn_records_170_171_copy_the_first_session() {
    let cache = full_cache();
    let c = view("r170_s1b167", &cache);
    has(
        &c,
        &[
            ("recordTypeCategory", json!("VPN")),
            ("index", json!(27924504)),
            ("vpnType", json!("AnyConnect SSL")),
            ("groupPolicy", json!("groupPolicy-170-25")),
            ("vpnConnectionProfile", json!("vpnConnectionProfile-170-26")),
            ("countryCode", json!(840)),
            ("clientOS", json!("clientOS-170-28")),
            ("clientApplication", json!("clientApplication-170-29")),
            ("clientIp", json!("b9ca:dbec:fd0e:1f30:4152:6374:8596:a7b8")),
            ("connectionDuration", json!(27926046)),
            ("bytesTransmitted", json!(72058324704501535u64)),
            ("bytesReceived", json!(72058324721344544u64)),
            ("userAuthType", json!("VPN authorized")),
        ],
    );
    has(&view("r171_s1b167", &cache), &[("groupPolicy", json!("groupPolicy-171-25"))]);
}

#[test]
fn metadata_records_get_their_keys() {
    let cache = full_cache();
    has(&view("r119_s2b15", &cache), &[("firewallPolicy", json!("acp-name-117"))]);
    has(&view("r280_s2b22", &cache), &[("firewallPolicy", json!("acp-name-117"))]);
    has(&view("r260_s2b19", &cache), &[("transportProtocol", json!("ICMP"))]);
    has(&view("r270_s2b20", &cache), &[("transportProtocol", json!("ICMP"))]);
    has(&view("r511_s2b40", &cache), &[("disposition", json!("Malware"))]);
    has(&view("r98_s2b57", &cache), &[("transportProtocol", json!("TCP"))]);
    has(&view("r62_s2b57", &cache), &[("protocol", json!("AOL Instant Messenger"))]);
    has(&view("r145_s2b64", &cache), &[("sensor", json!("sensor-spec-A"))]);
    let c = view("r123_idname", &cache);
    has(&c, &[("recordTypeDescription", json!("Managed Device Metadata")), ("recordTypeCategory", json!("SENSOR"))]);
    // Metadata without a timestamp falls back to the archive timestamp (0 here).
    has(&c, &[("eventSecond", json!(0)), ("eventDateTime", json!("1970-01-01T00:00:00.000000Z"))]);
}

#[test]
fn learned_names_keep_record_text_rules() {
    // Interface name that is not UTF-8 prints as hex, as the raw record does; NULs are dropped.
    let mut cache = MetadataCache::new();
    for name in ["r116_s2b14_not_utf8", "r115_s2b14_nuls"] {
        assert!(cache.learn(&decode(name)));
    }
    let mut o = decode("r400_s2b85");
    o.set("interfaceIngressUuid", false, decode("r116_s2b14_not_utf8").get("uuid").unwrap().clone());
    o.set("securityZoneIngressUuid", false, decode("r115_s2b14_nuls").get("uuid").unwrap().clone());
    let c = Value::Obj(computed(&o, &cache)).to_json();
    has(&c, &[("ingressInterface", json!("6966fffe8078")), ("ingressSecurityZone", json!("zonenul"))]);
}

#[test]
fn event_records_teach_the_cache_nothing() {
    let mut cache = MetadataCache::new();
    for name in record_vectors() {
        let o = decode(&name);
        if !is_metadata(&o) {
            assert!(!cache.learn(&o), "{name}");
        }
    }
    assert!(cache.is_empty());
}

#[test]
fn cache_persistence_round_trip_gives_identical_decorations() {
    let cache = full_cache();
    assert!(!cache.is_empty());
    let bytes = cache.to_bytes();
    let back = MetadataCache::from_bytes(&bytes).unwrap();
    assert_eq!(back.len(), cache.len());
    assert_eq!(back.to_bytes(), bytes, "to_bytes is deterministic");
    for name in record_vectors() {
        assert_eq!(view(&name, &back), view(&name, &cache), "{name}");
    }
    // The document is JSON with a format marker and a version.
    let doc: J = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(doc["format"], json!("estreamer-metadata-cache"));
    assert_eq!(doc["version"], json!(1));
}

#[test]
fn cache_from_garbage_is_an_error_not_a_panic() {
    let bad: &[&[u8]] = &[
        b"",
        b"\xff\xfe\x00garbage",
        b"{}",
        b"[]",
        b"null",
        b"{\"format\":\"estreamer-metadata-cache\"}",
        b"{\"format\":\"estreamer-metadata-cache\",\"version\":99,\"entries\":[]}",
        b"{\"format\":\"other\",\"version\":1,\"entries\":[]}",
        b"{\"format\":\"estreamer-metadata-cache\",\"version\":1}",
        b"{\"format\":\"estreamer-metadata-cache\",\"version\":1,\"entries\":[1]}",
        b"{\"format\":\"estreamer-metadata-cache\",\"version\":1,\"entries\":[[\"nope\",1,null,\"x\"]]}",
        b"{\"format\":\"estreamer-metadata-cache\",\"version\":1,\"entries\":[[\"device\",-1,null,\"x\"]]}",
        b"{\"format\":\"estreamer-metadata-cache\",\"version\":1,\"entries\":[[\"device\",1,null,7]]}",
        b"{\"format\":\"estreamer-metadata-cache\",\"version\":1,\"entries\":[[\"securityZone\",0,\"zz\",\"x\"]]}",
        b"{\"format\":\"estreamer-metadata-cache\",\"version\":1,\"entries\":[[\"fileSha\",0,\"abcd\",\"x\"]]}",
        b"{\"format\":\"estreamer-metadata-cache\",\"version\":1,\"entries\":[[\"device\",1,null]]}",
    ];
    for b in bad {
        match MetadataCache::from_bytes(b) {
            Err(WireError::Json { .. }) => {}
            other => panic!("{:?}: {other:?}", String::from_utf8_lossy(b)),
        }
    }
    // Truncations of a real document never panic.
    let good = full_cache().to_bytes();
    for n in (0..good.len()).step_by(7) {
        assert!(MetadataCache::from_bytes(&good[..n]).is_err());
    }
    let empty = MetadataCache::from_bytes(b"{\"format\":\"estreamer-metadata-cache\",\"version\":1,\"entries\":[]}");
    assert!(empty.unwrap().is_empty());
}

#[test]
fn empty_cache_decorates_every_vector_without_names() {
    let empty = MetadataCache::new();
    for name in record_vectors() {
        let c = view(&name, &empty);
        assert!(c["recordTypeDescription"].is_string(), "{name}");
        assert!(c["eventDateTime"].is_string(), "{name}");
        // Nothing learned: no learned names appear.
        let s = c.to_string();
        assert!(!s.contains("-spec"), "{name}: {s}");
    }
    // Built-ins still answer.
    let c = view("r400_s2b85", &empty);
    has(&c, &[("blocked", json!("Yes")), ("transportProtocol", json!("TCP"))]);
    lacks(&c, &["message", "sensor", "user", "firewallRule", "firewallPolicy", "priority"]);
}

#[test]
fn records_without_fields_or_unknown_types_do_not_panic() {
    let cache = full_cache();
    for rt in [0u64, 2, 9, 13, 14, 15, 62, 71, 94, 98, 101, 103, 110, 112, 119, 125, 170, 171, 280, 400, 500, 511, 9999]
    {
        let mut o = Obj::new();
        o.push("recordType", Value::U(rt));
        let c = Value::Obj(computed(&o, &cache)).to_json();
        assert_eq!(c["eventSecond"], json!(0), "{rt}");
        assert!(!cache.clone().learn(&o), "{rt}: no fields, nothing learned");
    }
    // Fields of the wrong value type are ignored.
    let mut o = decode("r400_s2b85");
    for e in o.0.iter_mut() {
        if e.key != "recordType" {
            e.value = Value::Arr(vec![]);
        }
    }
    let c = Value::Obj(computed(&o, &cache)).to_json();
    assert_eq!(c["recordTypeDescription"], json!("Intrusion Event"));
    let mut c2 = cache.clone();
    assert!(!c2.learn(&Obj::new()));
}

#[test]
fn decorate_appends_a_visible_computed_entry_once() {
    let cache = full_cache();
    let mut o = decode("r400_s2b85");
    let n = o.0.len();
    decorate(&mut o, &cache);
    decorate(&mut o, &cache);
    assert_eq!(o.0.len(), n + 1);
    let last = o.0.last().unwrap();
    assert_eq!(last.key, "@computed");
    assert!(!last.hidden);
    let mut s = String::new();
    o.write_json(&mut s);
    assert!(s.contains("\"@computed\":{"));
}

#[test]
fn event_time_order() {
    let mk = |pairs: &[(&'static str, u64)]| {
        let mut o = Obj::new();
        for (k, v) in pairs {
            o.push(k, Value::U(*v));
        }
        o
    };
    assert_eq!(event_time(&mk(&[("eventSecond", 5), ("eventMicrosecond", 6), ("archiveTimestamp", 9)])), (5, 6));
    assert_eq!(event_time(&mk(&[("eventSecond", 0), ("fileEventTimestamp", 7), ("archiveTimestamp", 9)])), (7, 0));
    assert_eq!(event_time(&mk(&[("triggerEventSecond", 8), ("triggerEventMicrosecond", 3)])), (8, 3));
    assert_eq!(event_time(&mk(&[("timestamp", 4), ("archiveTimestamp", 9)])), (4, 0));
    assert_eq!(event_time(&mk(&[("malwareEventTimestamp", 11)])), (11, 0));
    assert_eq!(event_time(&mk(&[("eventSecond", 0), ("archiveTimestamp", 9)])), (9, 0));
    assert_eq!(event_time(&Obj::new()), (0, 0));
}

#[test]
fn rfc3339_known_instants() {
    assert_eq!(rfc3339(0, 0), "1970-01-01T00:00:00.000000Z");
    assert_eq!(rfc3339(1_750_000_001, 0), "2025-06-15T15:06:41.000000Z");
    assert_eq!(rfc3339(1_750_000_001, 123_457), "2025-06-15T15:06:41.123457Z");
    assert_eq!(rfc3339(951_782_400, 0), "2000-02-29T00:00:00.000000Z");
    assert_eq!(rfc3339(951_868_799, 999_999), "2000-02-29T23:59:59.999999Z");
    assert_eq!(rfc3339(1_709_164_800, 1), "2024-02-29T00:00:00.000001Z");
    assert_eq!(rfc3339(68_256_000, 0), "1972-03-01T00:00:00.000000Z");
    assert_eq!(rfc3339(4_102_444_800, 0), "2100-01-01T00:00:00.000000Z");
    assert_eq!(rfc3339(u32::MAX, 0), "2106-02-07T06:28:15.000000Z");
    // Microseconds beyond a second carry over.
    assert_eq!(rfc3339(0, 2_500_000), "1970-01-01T00:00:02.500000Z");
    assert_eq!(rfc3339(u32::MAX, u32::MAX), "2106-02-07T07:39:49.967295Z");
}
