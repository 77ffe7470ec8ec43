//! Every format on the golden vectors: one record of every family.

use crate::common::{all_record_vectors, one, raw, run};
use estreamer_output::{Format, Framing, SyslogMessage};
use estreamer_wire::view::{decorate, MetadataCache};
use estreamer_wire::{decode_record, Obj};
use serde_json::Value as J;

/// One event vector per family (and the user login, VPN and discovery kinds named in the brief).
const EVENTS: &[&str] = &[
    "r2_packet",
    "r9_s1b153",
    "r10_s1b139",
    "r11_s1b103",
    "r13_disc_u16",
    "r14_disc_u8",
    "r15_s1b122",
    "r19_disc_only",
    "r71_s1b174",
    "r94_s1b155",
    "r95_s1b167",
    "r110_s2b4_type2",
    "r112_s1b156",
    "r125_s2b80",
    "r170_s1b167",
    "r171_s1b167",
    "r400_s2b85",
    "r500_s2b79",
    "r502_s2b79",
];

/// CEF extension value of `key` (values run to the next ` key=`).
fn cef_ext(line: &str, key: &str) -> Option<String> {
    let ext = line.splitn(8, '|').nth(7)?;
    let needle = format!("{key}=");
    let mut rest = None;
    for (i, _) in ext.match_indices(&needle) {
        if i == 0 || ext.as_bytes()[i - 1] == b' ' {
            rest = Some(&ext[i + needle.len()..]);
            break;
        }
    }
    let rest = rest?;
    // The value ends where the next unescaped ` word=` starts.
    let mut end = rest.len();
    for (i, _) in rest.match_indices(' ') {
        let tail = &rest[i + 1..];
        if let Some(eq) = tail.find('=') {
            if tail[..eq].chars().all(|c| c.is_ascii_alphanumeric()) && !tail[..eq].is_empty() {
                end = i;
                break;
            }
        }
    }
    Some(rest[..end].to_string())
}

#[test]
fn json_is_byte_for_byte_the_decorated_record() {
    let mut cache = MetadataCache::new();
    let names = all_record_vectors();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let got = run(&Format::Json, Framing::Newline, true, &refs);
    for m in crate::common::metadata_vectors() {
        let r = raw(&m);
        cache.learn(&decode_record(r.head, &r.body).value);
    }
    for (name, (facts, bytes)) in names.iter().zip(got) {
        let r = raw(name);
        let mut d = decode_record(r.head, &r.body);
        decorate(&mut d.value, &cache);
        let mut want = String::new();
        d.value.write_json(&mut want);
        want.push('\n');
        assert_eq!(String::from_utf8(bytes).unwrap(), want, "{name}");
        assert_eq!(facts.record_type, r.head.record_type);
        assert_eq!(facts.archive_ts, r.head.archive_ts);
    }
}

#[test]
fn every_format_writes_every_event_family() {
    let formats = [
        Format::Json,
        Format::Splunk,
        Format::Cef,
        Format::Ocsf,
        Format::Syslog(SyslogMessage::Json),
        Format::Syslog(SyslogMessage::Cef),
    ];
    for f in &formats {
        for (facts, bytes) in run(f, Framing::Newline, true, EVENTS) {
            let text = String::from_utf8(bytes).unwrap();
            assert!(!facts.is_metadata);
            assert!(text.ends_with('\n') && text.matches('\n').count() == 1, "{f:?} {}: {text}", facts.record_type);
            match f {
                Format::Json | Format::Ocsf => {
                    serde_json::from_str::<J>(&text).unwrap();
                }
                Format::Splunk => assert!(text.starts_with(&format!("rec_type={} ", facts.record_type))),
                Format::Cef => assert!(text.starts_with("CEF:0|Cisco|Firepower|6.0|"), "{text}"),
                Format::Syslog(_) => assert!(text.starts_with('<'), "{text}"),
            }
        }
    }
}

#[test]
fn cef_and_ocsf_skip_metadata_but_report_it() {
    for f in [Format::Cef, Format::Ocsf] {
        let got = run(&f, Framing::Newline, true, &["r123_idname", "r4_flat"]);
        assert_eq!(got.len(), 2);
        assert!(got.iter().all(|(facts, bytes)| facts.is_metadata && bytes.is_empty()));
    }
}

#[test]
fn cef_keys_per_family() {
    let intrusion = one(&Format::Cef, "r400_s2b85");
    assert!(intrusion.starts_with("CEF:0|Cisco|Firepower|6.0|INTRUSION:400:1:"), "{intrusion}");
    assert_eq!(cef_ext(&intrusion, "src").as_deref(), Some("192.0.2.10"));
    assert_eq!(cef_ext(&intrusion, "c6a3").as_deref(), Some("2001:db8:400::1"));
    assert_eq!(cef_ext(&intrusion, "spt").as_deref(), Some("9468"));
    assert_eq!(cef_ext(&intrusion, "dpt").as_deref(), Some("9505"));
    assert_eq!(cef_ext(&intrusion, "proto").as_deref(), Some("TCP"));
    assert_eq!(cef_ext(&intrusion, "rt").as_deref(), Some("Jun 15 2025 15:06:41.123 UTC"));
    assert_eq!(cef_ext(&intrusion, "externalId").as_deref(), Some("400085"));

    let conn = one(&Format::Cef, "r71_s1b174");
    assert!(conn.contains("|RNA:1003:1|"), "{conn}");
    assert_eq!(cef_ext(&conn, "src").as_deref(), Some("192.0.2.71"));
    assert_eq!(cef_ext(&conn, "in").as_deref(), Some("72088835966899220"), "in = initiator → responder");
    assert_eq!(cef_ext(&conn, "out").as_deref(), Some("72088835983742229"));
    assert_eq!(cef_ext(&conn, "request").as_deref(), Some("https://spec.example/conn"));
    assert!(conn.split('|').nth(6) == Some("3"), "rule action 2 < 4 → severity 3: {conn}");

    let file = one(&Format::Cef, "r500_s2b79");
    assert!(file.contains("|File:500:1|"));
    assert_eq!(cef_ext(&file, "fname").as_deref(), Some("spec-file-500.pdf"));
    assert!(cef_ext(&file, "fileHash").is_some_and(|h| h.len() == 64));
    assert_eq!(file.split('|').nth(6), Some("6"), "threat score 66 / 10");
    assert!(one(&Format::Cef, "r502_s2b79").contains("|FileMalware:502:1|"));

    let malware = one(&Format::Cef, "r125_s2b80");
    assert!(malware.contains("|FireAMP:125:1|"));
    assert_eq!(cef_ext(&malware, "fname").as_deref(), Some("fileName-12580-3"));
    assert_eq!(cef_ext(&malware, "filePath").as_deref(), Some("filePath-12580-4"));

    let disc = one(&Format::Cef, "r11_s1b103");
    assert!(disc.contains("|RNA:1000:2|"), "{disc}");
    assert_eq!(cef_ext(&disc, "dpt").as_deref(), Some("443"));
    assert_eq!(cef_ext(&disc, "src").as_deref(), Some("172.27.0.8"));

    let user = one(&Format::Cef, "r95_s1b167");
    assert!(user.contains("|RUA:95:2|"), "{user}");
    assert_eq!(cef_ext(&user, "suser").as_deref(), Some("username-95-9"));
    assert_eq!(cef_ext(&user, "src").as_deref(), Some("192.0.2.95"));

    let corr = one(&Format::Cef, "r112_s1b156");
    assert!(corr.contains("|PV:112:24118276:24118019|"), "{corr}");
    assert_eq!(cef_ext(&corr, "src").as_deref(), Some("192.0.2.112"));
    assert_eq!(cef_ext(&corr, "msg").as_deref(), Some("eventDescription-112-5"));

    assert!(one(&Format::Cef, "r2_packet").contains("|PKT:2:1|"));
    assert!(one(&Format::Cef, "r110_s2b4_type2").contains("|INTRUSION_EXTRA:110:1|"));
    assert!(one(&Format::Cef, "r9_s1b153").contains("|IMPACT:9:"));
    assert!(one(&Format::Cef, "r170_s1b167").contains("|VPN:170:"));
}

#[test]
fn cef_escapes_equals_backslash_and_newline() {
    use estreamer_output::MessageFormat as _;
    let r = raw("r9_s1b153");
    let mut d = decode_record(r.head, &r.body).value;
    let mut desc = Obj::new();
    desc.push("data", estreamer_wire::Value::Data(b"a=b\\c\nd|e\r".to_vec()));
    d.set("description", false, estreamer_wire::Value::Obj(desc));
    let mut out = Vec::new();
    estreamer_output::formats::CefFormat::new("6|0\\x").write_message(&d, &mut out).unwrap();
    let line = String::from_utf8(out).unwrap();
    assert!(line.starts_with("CEF:0|Cisco|Firepower|6\\|0\\\\x|IMPACT:9:"), "{line}");
    assert!(line.contains(" msg=a\\=b\\\\c\\nd|e\\r"), "{line}");
    assert!(!line.contains('\n'));
}

fn ocsf(name: &str) -> J {
    serde_json::from_str(&one(&Format::Ocsf, name)).unwrap()
}

/// Base required attributes, caption siblings and metadata of every OCSF event.
fn check_base(e: &J, class_uid: u64) {
    assert_eq!(e["class_uid"], class_uid, "{e}");
    for k in ["activity_id", "category_uid", "type_uid", "severity_id", "time"] {
        assert!(e[k].is_u64(), "{k} in {e}");
    }
    for k in ["activity_name", "category_name", "class_name", "type_name", "severity"] {
        assert!(e[k].is_string(), "{k} in {e}");
    }
    assert_eq!(e["type_uid"].as_u64().unwrap(), class_uid * 100 + e["activity_id"].as_u64().unwrap());
    assert_eq!(e["category_uid"].as_u64().unwrap(), class_uid / 1000);
    assert_eq!(e["metadata"]["version"], "1.8.0");
    assert_eq!(e["metadata"]["product"]["vendor_name"], "Cisco");
    assert!(e["metadata"]["product"]["name"].is_string());
    assert!(e["time"].as_u64().unwrap() > 1_700_000_000_000, "milliseconds");
}

#[test]
fn ocsf_classes_and_required_fields() {
    let i = ocsf("r400_s2b85");
    check_base(&i, 2004);
    assert_eq!(i["time"], 1_750_000_001_123u64);
    assert_eq!(i["finding_info"]["uid"], "218893066:1750000001:400085");
    assert_eq!(i["finding_info"]["analytic"]["type_id"], 1);
    assert_eq!(i["finding_info"]["analytic"]["uid"], "1:2000123:7");
    assert_eq!(i["evidences"][0]["src_endpoint"]["ip"], "192.0.2.10");
    assert_eq!(i["evidences"][0]["connection_info"]["direction_id"], 0);
    assert_eq!((i["disposition_id"].as_u64(), i["action_id"].as_u64()), (Some(2), Some(2)), "blocked = 1");
    assert_eq!(i["metadata"]["profiles"][0], "security_control");
    assert!(i["unmapped"]["mplsLabel"].is_u64(), "unmapped fields kept");

    let m = ocsf("r125_s2b80");
    check_base(&m, 2004);
    assert!(m["finding_info"]["uid"].is_string());
    assert_eq!(m["malware"][0]["classification_ids"][0], 0);
    let file = &m["evidences"][0]["file"];
    assert_eq!((file["name"].as_str(), file["type_id"].as_u64()), (Some("fileName-12580-3"), Some(1)));
    assert_eq!(file["hashes"][0]["algorithm_id"], 3);

    let c = ocsf("r71_s1b174");
    check_base(&c, 4001);
    assert_eq!(c["activity_id"], 2);
    assert_eq!(c["src_endpoint"]["ip"], "192.0.2.71");
    assert_eq!(c["dst_endpoint"]["port"], 27173);
    assert_eq!(c["traffic"]["bytes_out"], 72088835966899220u64, "out = initiator → responder");
    assert_eq!(c["connection_info"]["protocol_name"], "tcp");
    assert_eq!(c["start_time"], 493490192000u64);

    for name in ["r500_s2b79", "r502_s2b79"] {
        let f = ocsf(name);
        check_base(&f, 4010);
        assert!(f["actor"]["app_name"].is_string() || f["actor"]["user"].is_object());
        assert!(f["file"]["name"].as_str().is_some_and(|n| n.starts_with("spec-file-") || n.starts_with("fileName-")));
        assert!(f["file"]["type_id"].is_u64());
        assert!(f["src_endpoint"]["ip"].is_string());
    }

    let a = ocsf("r95_s1b167");
    check_base(&a, 3002);
    assert_eq!(a["activity_id"], 1);
    assert_eq!(a["user"]["name"], "username-95-9");
    assert!(a["service"]["name"].is_string() || a["dst_endpoint"].is_object());
    assert_eq!(ocsf("r171_s1b167")["activity_id"], 2);

    for name in ["r10_s1b139", "r11_s1b103", "r13_disc_u16", "r14_disc_u8", "r15_s1b122", "r19_disc_only"] {
        let d = ocsf(name);
        check_base(&d, 5001);
        assert!(d["device"]["type_id"].is_u64());
        assert!(d["device"]["ip"].is_string() || d["device"]["uid"].is_string(), "{name}");
    }
    let port = &ocsf("r11_s1b103")["device"]["network_interfaces"][0]["open_ports"][0];
    assert_eq!((port["port"].as_u64(), port["protocol_name"].as_str()), (Some(443), Some("tcp")));

    let k = ocsf("r112_s1b156");
    check_base(&k, 2004);
    assert_eq!(k["finding_info"]["types"][0], "Correlation");
    assert_eq!(k["finding_info"]["analytic"]["type_id"], 1);

    let p = ocsf("r2_packet");
    check_base(&p, 2004);
    assert_eq!(p["activity_id"], 2, "packets update their intrusion finding");
    assert_eq!(p["finding_info"]["uid"], "218893066:1750000001:400085", "same finding as the intrusion event");
}

#[test]
fn splunk_keys_in_encore_order() {
    // RECORDS.md §7.6: rec_type, event_sec, then Appendix B row 500 in its order, keys present
    // in r500_s2b79 only (no engressVRF/smtp* in this layout; event_sec moved to the front).
    let want = [
        "rec_type",
        "event_sec",
        "file_action",
        "app_proto",
        "archive_depth",
        "archive_file_status",
        "archive_name",
        "archive_sha",
        "client_app",
        "connection_id",
        "instance_id",
        "connection_sec",
        "dest_ip_country",
        "dest_ip",
        "dest_port",
        "device_id",
        "direction",
        "disposition",
        "file_sandbox_status",
        "file_name",
        "file_size",
        "file_storage_status",
        "file_type",
        "http_response",
        "iface_ingress",
        "malware_analysis_status",
        "ip_proto",
        "security_context",
        "sha256",
        "signature",
        "src_ip_country",
        "src_ip",
        "src_port",
        "spero_disposition",
        "ssl_actual_action",
        "ssl_cert_fingerprint",
        "ssl_flow_status",
        "threat_score",
        "uri",
        "user",
        "web_app",
    ];
    let (_, bytes) = run(&Format::Splunk, Framing::None, false, &["r500_s2b79"]).pop().unwrap();
    let line = String::from_utf8(bytes).unwrap();
    let keys: Vec<&str> = line.split(' ').map(|kv| kv.split('=').next().unwrap()).collect();
    assert_eq!(keys, want, "{line}");
    assert!(line.starts_with("rec_type=500 event_sec=1750000011 file_action=4 "), "{line}");
    assert!(line.contains(" file_name=spec-file-500.pdf "));

    // With @computed: a computed name replaces the raw value in place, new keys follow.
    let decorated = one(&Format::Splunk, "r500_s2b79");
    assert!(decorated.starts_with("rec_type=500 event_sec=1750000011 file_action=\"Malware Block\" "), "{decorated}");
    assert!(decorated.contains(" rec_type_desc=\"File Event\""), "{decorated}");
    assert!(decorated.contains(" rec_type_category="), "{decorated}");
}

#[test]
fn syslog_rfc5424_header() {
    let line = one(&Format::Syslog(SyslogMessage::Json), "r400_s2b85");
    // priority 3 → Warning (4); facility user (1): PRI 12.
    let mut parts = line.splitn(8, ' ');
    assert_eq!(parts.next(), Some("<12>1"));
    assert_eq!(parts.next(), Some("2025-06-15T15:06:41.123457Z"));
    let host = parts.next().unwrap();
    assert!(!host.is_empty() && host.bytes().all(|b| (33..=126).contains(&b)));
    assert_eq!(parts.next(), Some("estreamer"));
    assert_eq!(parts.next(), Some("-"));
    assert_eq!(parts.next(), Some("400"));
    assert_eq!(parts.next(), Some("-"));
    let msg: J = serde_json::from_str(parts.next().unwrap()).unwrap();
    assert_eq!(msg["recordType"], 400);
    let cef = one(&Format::Syslog(SyslogMessage::Cef), "r71_s1b174");
    assert!(cef.starts_with("<13>1 2025-06-15T15:06:49.100004Z "), "{cef}");
    assert!(cef.contains(" estreamer - 71 - CEF:0|Cisco|Firepower|"), "{cef}");
}
