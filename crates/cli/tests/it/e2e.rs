//! End to end: the real `estreamer` binary over real TLS on 127.0.0.1, with real files.

use std::collections::HashSet;
use std::io::{Read, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use crate::common::*;

#[test]
fn demo_streams_every_event_and_summarises() {
    let out = ok(&["demo", "--events", "300"]);
    let recs = lines(&out);
    let types = by_type(&recs);
    let primary: usize =
        [71u64, 400, 500, 502, 125, 95].iter().chain(DISCOVERY).map(|t| types.get(t).copied().unwrap_or(0)).sum();
    assert_eq!(primary, 300, "one primary event per --events");
    for t in [2, 9, 71, 110, 125, 400, 500, 4, 66, 67, 123, 115, 116, 119, 520] {
        assert!(types.contains_key(&t), "demo output lacks record type {t}: {types:?}");
    }
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("demo: 300 events"), "summary line missing: {err}");
}

#[test]
fn extended_session_streams_everything_with_metadata_first() {
    let env = Env::new(200);
    let out = env.client(&["--start", "oldest", "--max-events", &env.count.to_string()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let recs = lines(&out);
    assert_eq!(events(&recs).len(), env.count);
    // Every event references a device that a metadata record named before it.
    let first_event = recs.iter().position(|r| !is_metadata(r["recordType"].as_u64().unwrap())).unwrap();
    assert!(recs[..first_event].iter().any(|r| r["recordType"] == 123), "device metadata comes first");
    assert!(recs.iter().all(|r| r.get("@unparsed").is_none()), "every record fits its layout");
    // Archival timestamps are present (bit 23) and monotone over the log.
    let ts: Vec<u64> = events(&recs).iter().map(|r| r["archiveTimestamp"].as_u64().unwrap()).collect();
    assert!(ts.iter().all(|t| *t > 0) && ts.windows(2).all(|w| w[0] <= w[1]));
}

#[test]
fn live_tail_from_an_empty_store_written_by_another_process() {
    let env = Env::empty();
    // How many event records the sensor will write (deterministic by seed), learned on a scratch store.
    let scratch = Env::empty();
    let n = scratch.sensor(40, "5");
    let pkcs12 = env.path("client.pkcs12");
    let addr = env.addr.to_string();
    let state = env.path("state");
    let waiting = std::thread::spawn(move || {
        Command::new(BIN)
            .env("XDG_STATE_HOME", &state)
            .args(["client", "--server", &addr, "--pkcs12", p(&pkcs12), "--password", PW])
            .args(["--start", "now", "--max-events", &n.to_string(), "--idle-exit", "30"])
            .output()
            .unwrap()
    });
    assert!(env.wait_log("subscribed"), "the client subscribed before any data exists");
    assert_eq!(env.sensor(40, "5"), n);
    let out = waiting.join().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let recs = lines(&out);
    assert_eq!(events(&recs).len(), n, "every event written after the client connected");
    assert!(recs.iter().any(|r| r["recordType"] == 123), "metadata written later is streamed too");
}

#[test]
fn legacy_session_gets_only_legacy_families_as_event_data() {
    let env = Env::new(200);
    let full = env.client(&["--start", "oldest", "--max-events", &env.count.to_string()]);
    let want = by_type(&lines(&full));
    let out = env.client(&["--start", "oldest", "--legacy", "--idle-exit", "3"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let got = by_type(&lines(&out));
    // eNcore's legacy bits: packets, impact alerts, intrusion, metadata, extra data.
    for t in [2u64, 9, 110, 400] {
        assert_eq!(got.get(&t), want.get(&t), "record type {t}");
    }
    for t in [71u64, 125, 500, 502, 95] {
        assert!(!got.contains_key(&t), "record type {t} needs an extended request");
    }
}

#[test]
fn tls12_only_client_like_encore_streams() {
    let env = Env::new(60);
    let out = env.client(&["--start", "oldest", "--max-events", &env.count.to_string(), "--tls", "1.2", "--insecure"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(events(&lines(&out)).len(), env.count);
}

#[test]
fn many_clients_at_once_each_get_everything() {
    let env = Env::new(120);
    let n = env.count.to_string();
    std::thread::scope(|s| {
        let handles: Vec<_> =
            (0..6).map(|_| s.spawn(|| env.client(&["--start", "oldest", "--max-events", &n]))).collect();
        for h in handles {
            let out = h.join().unwrap();
            assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
            assert_eq!(events(&lines(&out)).len(), env.count);
        }
    });
}

#[test]
fn client_acking_only_bundles_also_gets_everything() {
    let env = Env::new(150);
    let out = env.client(&["--start", "oldest", "--max-events", &env.count.to_string(), "--ack-bundles-only"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(events(&lines(&out)).len(), env.count);
}

#[test]
fn resume_from_bookmark_loses_nothing() {
    let env = Env::new(400);
    let all: HashSet<String> =
        events(&lines(&env.client(&["--start", "oldest", "--max-events", &env.count.to_string()])))
            .iter()
            .map(|v| v.to_string())
            .collect();
    let bm = env.path("bm.json");
    let first = env.client(&["--start", "bookmark", "--bookmark", p(&bm), "--max-events", "150"]);
    assert!(first.status.success(), "{}", String::from_utf8_lossy(&first.stderr));
    let saved = std::fs::read_to_string(&bm).unwrap();
    assert!(saved.contains("\"1\""), "eNcore-style bookmark: {saved}");
    let second = env.client(&["--start", "bookmark", "--bookmark", p(&bm), "--idle-exit", "3"]);
    assert!(second.status.success(), "{}", String::from_utf8_lossy(&second.stderr));
    let mut got: HashSet<String> = events(&lines(&first)).iter().map(|v| v.to_string()).collect();
    got.extend(events(&lines(&second)).iter().map(|v| v.to_string()));
    assert_eq!(got, all, "the two runs together hold every event");
    assert!(events(&lines(&second)).len() < env.count, "the second run resumed instead of restarting");
}

#[test]
fn names_resolve_and_the_metadata_cache_outlives_the_session() {
    let env = Env::new(150);
    let bm = env.path("state.json");
    let n = env.count.to_string();
    let first = env.client(&["--start", "oldest", "--bookmark", p(&bm), "--max-events", "40"]);
    assert!(first.status.success(), "{}", String::from_utf8_lossy(&first.stderr));
    let recs = lines(&first);
    let intrusion = recs.iter().find(|r| r["recordType"] == 400).expect("an intrusion event");
    let c = &intrusion["@computed"];
    for k in
        ["message", "classificationName", "priority", "idsPolicy", "sensor", "ingressSecurityZone", "firewallPolicy"]
    {
        assert!(c.get(k).is_some_and(|v| v.is_string()), "intrusion @computed.{k} missing: {c}");
    }
    let conn = recs.iter().find(|r| r["recordType"] == 71).expect("a connection event");
    let c = &conn["@computed"];
    for k in ["applicationProtocol", "firewallRule", "sensor", "eventDateTime"] {
        assert!(c.get(k).is_some_and(|v| v.is_string()), "connection @computed.{k} missing: {c}");
    }
    assert!(env.path("state.cache").exists(), "cache saved next to the bookmark");
    // Second session (legacy, no metadata bit): no metadata arrives, names still resolve.
    let second =
        env.client(&["--start", "bookmark", "--bookmark", p(&bm), "--flags", "0x00800061", "--idle-exit", "3"]);
    assert!(second.status.success(), "{}", String::from_utf8_lossy(&second.stderr));
    let recs = lines(&second);
    assert!(recs.iter().all(|r| !is_metadata(r["recordType"].as_u64().unwrap())), "no metadata requested");
    assert!(!recs.is_empty() && recs.len() <= env.count, "{} of {n}", recs.len());
    for r in recs.iter().filter(|r| r["recordType"] == 400) {
        assert!(r["@computed"]["message"].is_string(), "rule message from the cached metadata: {}", r["@computed"]);
    }
}

#[test]
fn client_from_another_ca_is_refused() {
    let env = Env::new(20);
    let bad = other_ca_client();
    let out = env
        .cmd()
        .args(["client", "--server", &env.addr.to_string(), "--pkcs12", p(&bad), "--password", PW])
        .args(["--start", "oldest", "--insecure", "--idle-exit", "5"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(lines(&out).is_empty());
    assert!(env.wait_log("TLS handshake failed"));
}

#[test]
fn client_from_the_wrong_address_is_closed_without_an_error() {
    let env = Env::new(20);
    let wrong = env.path("wrong.pkcs12");
    let pki = env.path("pki");
    ok(&["ca", "add-client", "--dir", p(&pki), "--host", "127.0.0.9", "--out", p(&wrong), "--password", PW]);
    let out = env
        .cmd()
        .args(["client", "--server", &env.addr.to_string(), "--pkcs12", p(&wrong), "--password", PW])
        .args(["--start", "oldest", "--idle-exit", "5"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("closed the connection right after the TLS handshake"));
    assert!(env.wait_log("identity check failed"));
}

/// A raw TLS client (rustls) with a valid identity, for sending what the real client never would.
fn raw_tls(addr: SocketAddr, p12: &Path) -> rustls::StreamOwned<rustls::ClientConnection, std::net::TcpStream> {
    let id = estreamer_pki::load_pkcs12_file(p12, PW).unwrap();
    let opts = estreamer_pki::ClientTlsOptions { verify_server: false, ..Default::default() };
    let cfg = estreamer_pki::client_config(&id, &opts).unwrap();
    let tcp = std::net::TcpStream::connect(addr).unwrap();
    tcp.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let conn = rustls::ClientConnection::new(cfg, "127.0.0.1".try_into().unwrap()).unwrap();
    rustls::StreamOwned::new(conn, tcp)
}

fn no_cert_client(
    addr: SocketAddr,
) -> Result<rustls::StreamOwned<rustls::ClientConnection, std::net::TcpStream>, String> {
    let cfg = rustls::ClientConfig::builder()
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(estreamer_pki::NoServerVerification::new(Arc::new(
            rustls::crypto::aws_lc_rs::default_provider(),
        ))))
        .with_no_client_auth();
    let tcp = std::net::TcpStream::connect(addr).map_err(|e| e.to_string())?;
    tcp.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let conn =
        rustls::ClientConnection::new(Arc::new(cfg), "127.0.0.1".try_into().unwrap()).map_err(|e| e.to_string())?;
    Ok(rustls::StreamOwned::new(conn, tcp))
}

const ENCORE_REQUEST: [u8; 16] = [0, 1, 0, 2, 0, 0, 0, 8, 0, 0, 0, 0, 0x48, 0x90, 0x00, 0x61];

#[test]
fn client_without_a_certificate_is_refused() {
    let env = Env::new(20);
    let mut s = no_cert_client(env.addr).unwrap();
    // With TLS 1.3 the refusal arrives after the client thinks it is done: send the request,
    // then no byte of eStreamer data may come back.
    let _ = s.write_all(&ENCORE_REQUEST);
    let mut buf = [0u8; 64];
    let r = s.read(&mut buf);
    assert!(matches!(r, Err(_) | Ok(0)), "got data without a client certificate: {r:?}");
    assert!(env.wait_log("TLS handshake failed"));
}

#[test]
fn garbage_ends_only_its_own_session() {
    let env = Env::new(300);
    let good = env.path("client.pkcs12");
    let mut bad = raw_tls(env.addr, &good);
    // Start a good client in the background, then send garbage on the other connection.
    let pkcs12 = good.clone();
    let addr = env.addr.to_string();
    let n = env.count.to_string();
    let state = env.path("state");
    let streaming = std::thread::spawn(move || {
        Command::new(BIN)
            .env("XDG_STATE_HOME", &state)
            .args(["client", "--server", &addr, "--pkcs12", p(&pkcs12), "--password", PW])
            .args(["--start", "oldest", "--max-events", &n])
            .output()
            .unwrap()
    });
    bad.write_all(b"\x00\x01\x00\x02\xff\xff\xff\xffthis is not eStreamer").unwrap();
    let mut reply = Vec::new();
    let _ = bad.read_to_end(&mut reply);
    // The server explains (Error message, type 1) and closes.
    assert!(reply.len() >= 8 && reply[2..4] == [0, 1], "expected an Error message, got {reply:?}");
    let out = streaming.join().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(events(&lines(&out)).len(), env.count);
    assert!(env.wait_log("sent Error"));
    // And the service still takes new clients.
    let again = env.client(&["--start", "oldest", "--max-events", "10"]);
    assert!(again.status.success());
}

#[test]
fn truncated_message_then_close_is_logged_and_harmless() {
    let env = Env::new(20);
    let mut s = raw_tls(env.addr, &env.path("client.pkcs12"));
    s.write_all(&ENCORE_REQUEST[..10]).unwrap();
    s.conn.send_close_notify();
    let _ = s.flush();
    drop(s);
    assert!(env.wait_log("client closed the connection"));
    let again = env.client(&["--start", "oldest", "--max-events", "5"]);
    assert!(again.status.success());
}

#[test]
fn decode_turns_a_capture_into_json_lines() {
    let dir = tempfile::tempdir().unwrap();
    let vectors = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/vectors");
    let mut capture = Vec::new();
    for name in ["r400_s2b85", "msg_bundle_two_items", "r71_s1b174", "msg_null"] {
        capture.extend(std::fs::read(vectors.join(format!("{name}.bin"))).unwrap());
    }
    let f = dir.path().join("capture.bin");
    std::fs::write(&f, &capture).unwrap();
    let out = ok(&["decode", p(&f), "--no-computed"]);
    let recs = lines(&out);
    assert_eq!(recs.iter().map(|r| r["recordType"].as_u64().unwrap()).collect::<Vec<_>>(), vec![400, 123, 400, 71]);
    let want: serde_json::Value =
        serde_json::from_slice(&std::fs::read(vectors.join("r71_s1b174.json")).unwrap()).unwrap();
    assert_eq!(recs[3], want);
    // With the computed view, the device named by the 123 record resolves in later events.
    let out = ok(&["decode", p(&f)]);
    let recs = lines(&out);
    let device = recs[1]["name"].as_str().unwrap().to_string();
    assert!(recs[0]["@computed"].get("sensor").is_none(), "not yet known at the first record");
    assert_eq!(recs[2]["@computed"]["sensor"], device);
    assert_eq!(recs[3]["@computed"]["sensor"], device);
    let mut plain = recs[3].clone();
    plain.as_object_mut().unwrap().remove("@computed");
    assert_eq!(plain, want, "the computed view is added, nothing else changes");
}

#[test]
fn bench_prints_one_table_with_every_figure() {
    let out = ok(&["bench", "--quick"]);
    let text = String::from_utf8_lossy(&out.stdout);
    let rows: Vec<Vec<&str>> = text
        .lines()
        .filter(|l| l.starts_with('|'))
        .map(|l| l.trim_matches('|').split(" | ").map(str::trim).collect())
        .collect();
    assert_eq!(rows.first().map(|r| r[0]), Some("figure"), "{text}");
    assert_eq!(rows[0][1..], ["value", "ceiling or target", "ratio", "peak RSS"], "{text}");
    for row in &rows {
        assert_eq!(row.len(), 5, "every row has the five columns: {row:?}");
    }
    for figure in [
        "TLS ceiling",
        "sensor generation",
        "store ingest",
        "first record after a seek by time",
        "one thread",
        "transport: service → TLS → client --format raw",
        "transport bytes",
        "client --format json",
        "memory: service, 10 clients",
        "memory: client",
        "scale: 100 clients",
    ] {
        let row = rows.iter().find(|r| r[0].starts_with(figure) || r[0].contains(figure));
        let row = row.unwrap_or_else(|| panic!("no row {figure:?} in:\n{text}"));
        assert!(!row[1].is_empty(), "row {figure:?} has no value: {row:?}");
    }
    // The memory rows name each process's peak RSS.
    assert!(rows.iter().any(|r| r[0].starts_with("transport") && r[4].contains("service") && r[4].contains("client")));
}

#[test]
fn help_explains_every_subcommand() {
    /// The names listed under "Commands:" in a help text.
    fn commands(help: &str) -> Vec<String> {
        help.lines()
            .skip_while(|l| !l.starts_with("Commands:"))
            .skip(1)
            .take_while(|l| l.starts_with("  "))
            .filter_map(|l| l.split_whitespace().next().map(str::to_string))
            .collect()
    }
    let out = ok(&["--help"]);
    let listed = commands(&String::from_utf8_lossy(&out.stdout));
    for sub in ["ca", "sensor", "serve", "client", "decode", "demo", "bench"] {
        assert!(listed.iter().any(|c| c == sub), "--help does not list {sub} as a command: {listed:?}");
    }
    let out = ok(&["client", "--help"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(commands(&text).iter().any(|c| c == "test"), "client --help lists `test` as a command:\n{text}");
    for flag in ["--format", "--output", "--config", "--metrics", "--password-file", "--state-dir", "--bookmark-format"]
    {
        assert!(text.contains(flag), "client --help lacks {flag}");
    }
    let out = run(&["client", "--server", "127.0.0.1:1", "--pkcs12", "/nonexistent.p12", "--start", "oldest"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("nonexistent"), "errors name the file");
    assert_eq!(err.matches("No such file").count(), 1, "the cause is printed once: {err}");
}

/// `client hosts` with the connection options of the environment's client.
fn hosts(env: &Env, extra: &[&str]) -> std::process::Output {
    let pkcs12 = env.path("client.pkcs12");
    let addr = env.addr.to_string();
    let mut args = vec!["client", "hosts", "--server", &addr, "--pkcs12", p(&pkcs12), "--password", PW];
    args.extend_from_slice(extra);
    env.cmd().args(&args).output().unwrap()
}

#[test]
fn client_hosts_answers_from_the_network_map_and_survives_a_restart() {
    let mut env = Env::new(2000);
    let all_v4 = ["--ip", "0.0.0.0-255.255.255.255"];
    // The 5.x profile (data type 7, the default for a range): every IPv4 host.
    let out = hosts(&env, &all_v4);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v4 = lines(&out);
    assert!(v4.len() >= 10, "the sensor's discovery events made hosts: {}", v4.len());
    assert!(v4.iter().all(|h| h["blockType"] == 139));
    let with_services = v4.iter().filter(|h| h["tcpServer"]["items"].as_array().is_some_and(|i| !i.is_empty())).count();
    let with_apps =
        v4.iter().filter(|h| h["clientApplications"]["items"].as_array().is_some_and(|i| !i.is_empty())).count();
    assert!(with_services > 0 && with_apps > 0, "hosts carry services ({with_services}) and client apps ({with_apps})");
    // The 4.9 profile (block 92) over the legacy 16-byte request: the same hosts.
    let out = hosts(&env, &[&all_v4[..], &["--data-type", "5", "--legacy-request"]].concat());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v4_92 = lines(&out);
    assert_eq!(v4_92.len(), v4.len());
    assert!(v4_92.iter().zip(&v4).all(|(a, b)| a["blockType"] == 92 && a["ipAddress"] == b["ipAddress"]));
    // One host, data type 4, notes and banners asked for.
    let ip = v4_92[0]["ipAddress"].as_str().unwrap().to_string();
    let out = hosts(&env, &["--ip", &ip, "--data-type", "4", "--legacy-request", "--notes", "--banners"]);
    let one = lines(&out);
    assert_eq!(one.len(), 1, "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(one[0]["ipAddress"], ip.as_str());
    assert!(one[0]["tcpServices"]["items"].is_array());
    // IPv6 hosts in the 5.x profile.
    let out = hosts(&env, &["--ip", "2001:db8::-2001:db8:ffff:ffff:ffff:ffff:ffff:ffff"]);
    let v6 = lines(&out);
    assert!(!v6.is_empty() && v6.iter().all(|h| h["ipAddress"].as_str().is_some_and(|a| a.contains(':'))));
    // No such host: the server's Error, and a non-zero exit.
    let out = hosts(&env, &["--ip", "192.0.2.254"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("Error 12") && err.contains("no host 192.0.2.254"), "{err}");
    // After a restart the map answers the same.
    env.restart_server();
    let again = hosts(&env, &all_v4);
    assert_eq!(lines(&again), v4);
}

#[test]
fn serve_takes_its_options_from_a_config_file_and_stops_cleanly_on_sigterm() {
    let env = Env::new(50);
    let pki = env.path("pki");
    let data = env.path("data");
    let config = env.path("serve.toml");
    // A bad key is refused with the file named.
    std::fs::write(&config, "max-clientz = 3\n").unwrap();
    let out = run(&["serve", "--config", p(&config)]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("serve.toml") && err.contains("max-clientz"), "{err}");
    // Every option from the file; a flag overrides the file's listen address.
    let text = format!(
        "data = {:?}\npki = {:?}\nlisten = [\"127.0.0.1:1\"]\nmax-clients = 3\nkeepalive = 1\nwindow = 4\nmax-hosts = 500\n",
        p(&data),
        p(&pki)
    );
    std::fs::write(&config, text).unwrap();
    let log = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let (mut server, addr) =
        crate::common::spawn_server_with(&["serve", "--config", p(&config), "--listen", "127.0.0.1:0"], &log);
    assert_ne!(addr.port(), 1, "the flag wins over the file");
    let out = Command::new(BIN)
        .args(["client", "--server", &addr.to_string(), "--pkcs12", p(&env.path("client.pkcs12")), "--password", PW])
        .args(["--start", "oldest", "--max-events", "5", "--state-dir", p(&env.path("state2"))])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    // SIGTERM: a clean exit (status 0) after closing the sessions.
    let status = Command::new("kill").args(["-TERM", &server.id().to_string()]).status().unwrap();
    assert!(status.success());
    let exit = server.wait().unwrap();
    assert!(exit.success(), "serve exits 0 on SIGTERM: {exit:?}");
    assert!(log.lock().unwrap().iter().any(|l| l.contains("shutdown requested")));
}

/// Resident memory (KiB) and open descriptors of a process.
fn usage(pid: u32) -> (u64, usize) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let rss = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap();
    (rss, std::fs::read_dir(format!("/proc/{pid}/fd")).unwrap().count())
}

/// Wait (bounded) until the process holds at most `fds` descriptors; returns its usage then.
fn settle(pid: u32, fds: usize) -> (u64, usize) {
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while usage(pid).1 > fds && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    usage(pid)
}

/// One round of `n` eNcore-style clients at once, each reading the whole backlog; returns the
/// service's (RSS, fds) while they were all connected.
async fn round(addr: std::net::SocketAddr, p12: &[u8], n: usize, events: usize, pid: u32) -> (u64, usize) {
    use estreamer_test_support::net::{encore_subscribe, read_message, tls_connect};
    use estreamer_wire::message::{Message, NULL_MESSAGE};
    use tokio::io::AsyncWriteExt;
    let id = estreamer_pki::load_pkcs12(p12, PW).unwrap();
    let connected = std::sync::Arc::new(tokio::sync::Barrier::new(n + 1));
    let mut tasks = Vec::new();
    for _ in 0..n {
        let (connected, id) = (connected.clone(), id.clone());
        tasks.push(tokio::spawn(async move {
            let mut c = tls_connect(addr, &id).await.unwrap();
            encore_subscribe(&mut c, 0).await;
            connected.wait().await;
            let mut got = 0;
            while got < events {
                let m = read_message(&mut c).await.expect("stream ended early");
                c.write_all(&NULL_MESSAGE).await.unwrap();
                if let Message::Bundle(b) = m {
                    got +=
                        b.items.iter().filter(|i| !estreamer_wire::schema::catalog::is_metadata(i.record_type)).count();
                }
            }
        }));
    }
    connected.wait().await;
    let during = usage(pid);
    for t in tasks {
        t.await.unwrap();
    }
    during
}

#[test]
fn the_service_gives_memory_back_and_leaks_no_descriptors_under_load() {
    let env = Env::new(3000);
    // A second service on the same store, with room for the rounds' 100 clients.
    let log = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let (mut server, addr) = crate::common::spawn_server(
        &env.path("pki"),
        &env.path("data"),
        "127.0.0.1:0",
        &["--max-clients", "128"],
        &log,
    );
    let pid = server.id();
    let p12 = std::fs::read(env.path("client.pkcs12")).unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let before = usage(pid);
    let mut report = vec![format!("service before: RSS {} KiB, {} fds", before.0, before.1)];
    let mut after = before;
    for r in 1..=3 {
        let during = rt.block_on(round(addr, &p12, 100, env.count, pid));
        assert!(during.1 >= before.1 + 100, "all 100 sessions were open at once");
        // The sessions end as the clients go.
        after = settle(pid, before.1 + 4);
        report.push(format!(
            "round {r}: 100 clients, RSS {} KiB / {} fds while connected; after: RSS {} KiB / {} fds",
            during.0, during.1, after.0, after.1
        ));
    }
    rt.block_on(async {
        for _ in 0..1000 {
            drop(estreamer_test_support::net::tcp_from(addr, None).await.unwrap());
        }
    });
    let flood = settle(pid, before.1 + 4);
    let _ = server.kill();
    let _ = server.wait();
    report.push(format!("after 1000 connect/disconnect: RSS {} KiB, {} fds", flood.0, flood.1));
    println!("{}", report.join("\n"));
    assert!(flood.1 <= before.1 + 4, "no descriptor leak: {report:#?}");
    assert!(after.0 < before.0 + 64 * 1024, "memory is given back after the rounds: {report:#?}");
}
