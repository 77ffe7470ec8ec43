//! The client as an operator runs it: the real binary against the real service on 127.0.0.1,
//! real files and real listeners. Exactly once across kill -9, reconnection after a service
//! restart, several servers, every format and sink, metrics, `client test`.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, UdpSocket};
use std::path::Path;
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::common::*;

/// A small deterministic generator (xorshift), so a failing run can be repeated.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n.max(1)
    }
}

fn env_num(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn file_len(p: &Path) -> u64 {
    std::fs::metadata(p).map_or(0, |m| m.len())
}

/// Every line of a file, each parsed as JSON (a torn or invalid line fails the test).
fn json_lines(p: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(p)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{}: not JSON: {l}: {e}", p.display())))
        .collect()
}

/// Lines → how many times each occurs.
fn multiset<'a>(lines: impl IntoIterator<Item = &'a serde_json::Value>) -> BTreeMap<String, usize> {
    let mut m = BTreeMap::new();
    for l in lines {
        *m.entry(l.to_string()).or_default() += 1;
    }
    m
}

fn client_cmd(env: &Env, extra: &[&str]) -> std::process::Command {
    let mut c = env.cmd();
    c.args(["client", "--server", &env.addr.to_string(), "--pkcs12", p(&env.path("client.pkcs12")), "--password", PW]);
    c.args(extra);
    c
}

fn stderr_of(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).to_string()
}

/// The acceptance test of exactly-once: the client is killed with SIGKILL at random points
/// while it streams into a file, then run once more to the end; the file must hold every
/// record exactly once (compared with one uninterrupted run) and every line must be whole.
/// `KILL_EVENTS` and `KILL_COUNT` scale it (`scripts/kill_client.sh` runs 100 000 events).
#[test]
fn kill_minus_9_at_random_points_keeps_every_record_exactly_once() {
    let count = env_num("KILL_EVENTS", 3000);
    let kills = env_num("KILL_COUNT", 20);
    let env = Env::new(count);
    let reference =
        env.client(&["--start", "oldest", "--no-computed", "--idle-exit", "2", "--bookmark", p(&env.path("ref.bm"))]);
    assert!(reference.status.success(), "{}", stderr_of(&reference));
    let want = multiset(&lines(&reference));
    let total: usize = want.values().sum();
    assert!(events(&lines(&reference)).len() == env.count, "the reference run has every event");

    let out = env.path("out.json");
    let bm = env.path("bm.json");
    let args =
        ["--no-computed", "--output", p(&out), "--bookmark", p(&bm), "--flush-records", "200", "--flush-ms", "100"];
    let mut rng = Rng(0x5eed_1234_abcd_9876);
    let mut done_kills = 0;
    let t0 = Instant::now();
    for _ in 0..kills {
        let before = file_len(&out);
        let mut child = client_cmd(&env, &args)
            .args(["--idle-exit", "2"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Kill once the file grew by a random amount (or the client ended by itself), plus a
        // random moment more: somewhere inside a write, a flush or a bookmark save. The moment
        // is short (under 5 ms): a fast client writes the rest of the stream in tens of ms.
        let grow = 1 + rng.below(48 * 1024);
        let deadline = Instant::now() + Duration::from_secs(20);
        while file_len(&out) < before + grow && Instant::now() < deadline && child.try_wait().unwrap().is_none() {
            std::thread::sleep(Duration::from_millis(2));
        }
        std::thread::sleep(Duration::from_micros(rng.below(5000)));
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap(); // SIGKILL
            done_kills += 1;
        }
        child.wait().unwrap();
    }
    // Then one run to the end.
    let last = client_cmd(&env, &args).args(["--idle-exit", "2"]).output().unwrap();
    assert!(last.status.success(), "{}", stderr_of(&last));
    let got_lines = json_lines(&out);
    let got = multiset(&got_lines);
    let missing: usize = want.iter().map(|(k, n)| n.saturating_sub(got.get(k).copied().unwrap_or(0))).sum();
    let dups: usize = got.iter().map(|(k, n)| n.saturating_sub(want.get(k).copied().unwrap_or(0))).sum();
    eprintln!(
        "kill -9: {done_kills} kills, {total} records expected, {} on disk, {missing} missing, {dups} duplicates, {:.1}s",
        got_lines.len(),
        t0.elapsed().as_secs_f64()
    );
    assert!(done_kills >= kills / 2, "most kills happened mid-stream ({done_kills} of {kills})");
    assert_eq!((missing, dups), (0, 0), "every record exactly once");
    assert_eq!(got_lines.len(), total);
}

#[test]
fn the_client_reconnects_after_a_service_restart_and_loses_nothing() {
    let mut env = Env::new(3000);
    let out = env.path("out.json");
    let n = env.count.to_string();
    let mut child = client_cmd(&env, &["--start", "oldest", "--no-computed", "--output", p(&out), "--max-events", &n])
        .args(["--reconnect-max", "0.5", "--idle-exit", "60", "--flush-records", "100", "--flush-ms", "50"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let log = collect(child.stderr.take().unwrap());
    let deadline = Instant::now() + Duration::from_secs(30);
    while file_len(&out) < 1 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(2));
    }
    env.restart_server();
    let status = wait_bounded(&mut child, Duration::from_secs(120));
    let log = log.lock().unwrap().join("\n");
    assert!(status.success(), "{log}");
    assert!(log.contains("reconnecting"), "each attempt is logged: {log}");
    let recs = json_lines(&out);
    let ev = events(&recs);
    let distinct = multiset(ev.iter().copied());
    assert_eq!(ev.len(), env.count, "every event, once: {log}");
    assert_eq!(distinct.len(), env.count);
    assert!(!log.contains(" 0 reconnects"), "{log}");
}

/// Read a child's stderr into a shared list of lines, on a thread.
fn collect(r: impl Read + Send + 'static) -> Arc<Mutex<Vec<String>>> {
    let lines = Arc::new(Mutex::new(Vec::new()));
    let l2 = Arc::clone(&lines);
    std::thread::spawn(move || {
        for line in BufReader::new(r).lines().map_while(Result::ok) {
            l2.lock().unwrap().push(line);
        }
    });
    lines
}

fn wait_bounded(child: &mut Child, limit: Duration) -> std::process::ExitStatus {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(s) = child.try_wait().unwrap() {
            return s;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the client did not finish within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn wait_line(lines: &Arc<Mutex<Vec<String>>>, needle: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if let Some(l) = lines.lock().unwrap().iter().find(|l| l.contains(needle)) {
            return l.clone();
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    panic!("no line with {needle:?}: {:?}", lines.lock().unwrap());
}

#[test]
fn two_servers_from_one_config_file_each_tagged() {
    let a = Env::new(120);
    let b = Env::new(80);
    let dir = tempfile::tempdir().unwrap();
    let pw = dir.path().join("pw");
    std::fs::write(&pw, format!("{PW}\n")).unwrap();
    let (out_a, out_b) = (dir.path().join("a.json"), dir.path().join("b.kv"));
    let config = format!(
        "[defaults]\nstate_dir = {state:?}\npassword_file = {pw:?}\nstart = \"oldest\"\n\n\
         [[server]]\nname = \"fmc-a\"\nserver = \"{aa}\"\npkcs12 = {pa:?}\noutput = {oa:?}\n\n\
         [[server]]\nname = \"fmc-b\"\nserver = \"{ba}\"\npkcs12 = {pb:?}\nformat = \"splunk\"\noutput = {ob:?}\n",
        state = p(&dir.path().join("state")),
        pw = p(&pw),
        aa = a.addr,
        pa = p(&a.path("client.pkcs12")),
        oa = p(&out_a),
        ba = b.addr,
        pb = p(&b.path("client.pkcs12")),
        ob = p(&out_b),
    );
    let cfg = dir.path().join("servers.toml");
    std::fs::write(&cfg, config).unwrap();
    let out = a.cmd().args(["client", "--config", p(&cfg), "--idle-exit", "2"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let err = stderr_of(&out);
    assert!(err.contains("client fmc-a:") && err.contains("client fmc-b:"), "a summary per server: {err}");
    let recs = json_lines(&out_a);
    assert_eq!(events(&recs).len(), a.count);
    assert!(recs.iter().all(|r| r["@server"] == "fmc-a"), "JSON records carry @server");
    let kv = std::fs::read_to_string(&out_b).unwrap();
    let kv_events = kv.lines().filter(|l| !is_metadata(l.split(' ').next().unwrap()[9..].parse().unwrap())).count();
    assert_eq!(kv_events, b.count);
    assert!(
        kv.lines().all(|l| l.starts_with("rec_type=") && l.ends_with(" server=fmc-b")),
        "Splunk lines end with server="
    );
    // Each server has its own bookmark and cache under the state directory.
    for e in [&a, &b] {
        let d = dir.path().join("state").join(format!("127.0.0.1-{}", e.addr.port()));
        assert!(d.join("bookmark.json").exists() && d.join("metadata.cache").exists(), "{}", d.display());
    }
}

#[test]
fn metrics_are_served_over_http_while_streaming() {
    let env = Env::new(150);
    let mut child =
        client_cmd(&env, &["--start", "oldest", "--output", p(&env.path("o.json")), "--metrics", "127.0.0.1:0"])
            .args(["--idle-exit", "4"])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
    let log = collect(child.stderr.take().unwrap());
    let line = wait_line(&log, "metrics on http://");
    let addr = line.split("http://").nth(1).unwrap().trim_end_matches("/metrics").to_string();
    let scrape = |path: &str| {
        let mut s = std::net::TcpStream::connect(&addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        write!(s, "GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
        let mut text = String::new();
        s.read_to_string(&mut text).unwrap();
        text
    };
    let want = format!("estreamer_client_records_total{{server=\"{}\",type=\"400\"}}", env.addr);
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut text = scrape("/metrics");
    while !text.contains(&want) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
        text = scrape("/metrics");
    }
    assert!(text.starts_with("HTTP/1.1 200 OK") && text.contains("text/plain; version=0.0.4"), "{text}");
    for name in [
        "estreamer_client_records_total",
        "estreamer_client_output_bytes_total",
        "estreamer_client_decode_warnings_total",
        "estreamer_client_reconnects_total",
        "estreamer_client_lag_seconds",
        "estreamer_client_sink_pending_records",
        "estreamer_client_sink_flushes_total",
    ] {
        assert!(text.contains(&format!("{name}{{server=")), "{name} missing:\n{text}");
    }
    assert!(text.contains(&want), "{text}");
    assert!(scrape("/other").starts_with("HTTP/1.1 404"));
    assert!(wait_bounded(&mut child, Duration::from_secs(60)).success());
}

#[test]
fn client_test_shows_the_server_and_explains_each_failure() {
    let env = Env::new(5);
    let p12 = env.path("client.pkcs12");
    let test = |server: &str, pkcs12: &Path, extra: &[&str]| {
        let out = env
            .cmd()
            .args(["client", "test", "--server", server, "--pkcs12", p(pkcs12), "--timeout", "3"])
            .args(extra)
            .output()
            .unwrap();
        (out.status.success(), format!("{}{}", String::from_utf8_lossy(&out.stdout), stderr_of(&out)))
    };
    let addr = env.addr.to_string();
    let (ok_, text) = test(&addr, &p12, &["--password", PW]);
    assert!(ok_, "{text}");
    for needle in [
        "client test: OK",
        "certificate chain presented by the server",
        "subject:",
        "issuer:",
        "service 6667 (event stream)",
    ] {
        assert!(text.contains(needle), "{needle:?} missing:\n{text}");
    }
    // Wrong PKCS#12 password.
    let (ok_, text) = test(&addr, &p12, &["--password", "wrong"]);
    assert!(!ok_ && text.contains("wrong PKCS#12 password"), "{text}");
    // The password from a file works.
    let pwf = env.path("pw.txt");
    std::fs::write(&pwf, format!("{PW}\n")).unwrap();
    assert!(test(&addr, &p12, &["--password-file", p(&pwf)]).0);
    // Unknown CA: a PKCS#12 from another CA does not trust this server's certificate.
    let foreign = other_ca_client();
    let (ok_, text) = test(&addr, &foreign, &["--password", PW]);
    assert!(!ok_ && text.contains("unknown CA") && text.contains("subject:"), "the chain is shown anyway:\n{text}");
    // Refused because of the address: a certificate for another host is closed without a word.
    let wrong = env.path("wrong.pkcs12");
    ok(&[
        "ca",
        "add-client",
        "--dir",
        p(&env.path("pki")),
        "--host",
        "127.0.0.9",
        "--out",
        p(&wrong),
        "--password",
        PW,
    ]);
    let (ok_, text) = test(&addr, &wrong, &["--password", PW]);
    assert!(!ok_ && text.contains("refused because of the address or the certificate"), "{text}");
    // Port closed.
    let closed = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().to_string();
    let (ok_, text) = test(&closed, &p12, &["--password", PW]);
    assert!(!ok_ && text.contains("port closed: connection refused"), "{text}");
    // TLS version mismatch: a TLS 1.3-only service, a TLS 1.2-only client.
    let log = Arc::new(Mutex::new(Vec::new()));
    let (mut only13, a13) = spawn_server(&env.path("pki"), &env.path("data"), "127.0.0.1:0", &["--tls", "1.3"], &log);
    let (ok_, text) = test(&a13.to_string(), &p12, &["--password", PW, "--tls", "1.2"]);
    let _ = only13.kill();
    let _ = only13.wait();
    assert!(!ok_ && text.contains("no TLS version in common"), "{text}");
    // Timeout: something accepts the connection and never speaks.
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let silent_addr = silent.local_addr().unwrap().to_string();
    let (ok_, text) = test(&silent_addr, &p12, &["--password", PW]);
    drop(silent);
    assert!(!ok_ && text.contains("timeout"), "{text}");
    // Errors print their cause once.
    assert_eq!(text.matches("no answer within").count(), 1, "{text}");
}

/// Each format through the client on the sensor's record families.
#[test]
fn every_format_through_the_client() {
    let env = Env::new(400);
    // The sensor makes no correlation events: replay the golden vector of one into the store.
    let vector = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/vectors/r112_s1b156.bin");
    let out =
        env.cmd().args(["ingest", "--format", "raw", p(&vector), "--data", p(&env.path("data"))]).output().unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let n = (env.count + 1).to_string();
    // Every record from the oldest, in `format`, with its own bookmark; what went to stdout.
    let run = |format: &str, extra: &[&str]| {
        let bookmark = env.path(&format!("{format}.bm"));
        let mut args = vec!["--start", "oldest", "--max-events", &n, "--format", format, "--bookmark", p(&bookmark)];
        args.extend(extra);
        let out = env.client(&args);
        assert!(out.status.success(), "{format}: {}", stderr_of(&out));
        String::from_utf8(out.stdout).unwrap()
    };
    let run_format = |format: &str| run(format, &[]);
    // CEF: signature ids per family, and the keys each family maps.
    let cef = run_format("cef");
    let sig = |l: &str| l.split('|').nth(4).unwrap_or("").to_string();
    let find =
        |prefix: &str| cef.lines().find(|l| sig(l).starts_with(prefix)).unwrap_or_else(|| panic!("no CEF {prefix}"));
    for (prefix, keys) in [
        ("INTRUSION:400:", &["src=", "dst=", "cs1Label=ipsPolicy", "cn2Label=priority", "dvchost=", "rt="][..]),
        ("RNA:1003:1", &["src=", "dst=", "spt=", "dpt=", "proto=", "cs1Label=fwPolicy", "start=", "end="][..]),
        ("File:500:1", &["fname=", "fileHash=", "fsize=", "act=", "cs2Label=disposition"][..]),
        ("FireAMP:125:1", &["fileHash=", "cs3Label=detection"][..]),
        ("RUA:95:", &["suser=", "rt="][..]),
        ("RNA:1000:", &["src=", "rt="][..]),
        ("PV:112:", &["src=", "c6a3=", "msg=", "rt="][..]),
    ] {
        let line = find(prefix);
        assert!(line.starts_with("CEF:0|Cisco|Firepower|"), "{line}");
        for k in keys {
            assert!(line.contains(k), "CEF {prefix} lacks {k}: {line}");
        }
    }
    assert!(cef.lines().all(|l| l.starts_with("CEF:0|")), "metadata is not written as CEF");
    // OCSF: the class per family.
    let ocsf: Vec<serde_json::Value> = run_format("ocsf").lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let class_of = |rt: u64| {
        ocsf.iter()
            .find(|o| {
                o["metadata"]["event_code"] == rt || o["metadata"]["event_code"].as_str() == Some(&rt.to_string())
            })
            .unwrap_or_else(|| panic!("no OCSF event for record {rt}"))
    };
    for (rt, class) in [(400u64, 2004u64), (71, 4001), (500, 4010), (125, 2004), (95, 3002), (10, 5001), (112, 2004)] {
        let o = class_of(rt);
        assert_eq!(o["class_uid"], class, "record {rt}: {o}");
        for k in ["activity_id", "category_uid", "type_uid", "severity_id", "time", "metadata"] {
            assert!(o.get(k).is_some(), "record {rt} lacks {k}");
        }
    }
    // Splunk: eNcore's order starts rec_type, event_sec; the client's line for a record equals
    // what `decode` writes for the same message (one formatter for both).
    let kv = run_format("splunk");
    assert!(kv.lines().all(|l| l.starts_with("rec_type=")));
    let intrusion = kv.lines().find(|l| l.starts_with("rec_type=400 ")).unwrap();
    assert!(intrusion.split(' ').nth(1).unwrap().starts_with("event_sec="), "{intrusion}");
    // Syslog: RFC 5424 header, JSON message.
    let syslog = run_format("syslog");
    let first = syslog.lines().next().unwrap();
    assert!(first.starts_with('<') && first.contains(">1 ") && first.contains(" estreamer - "), "{first}");
    // Raw: the capture decodes to the same records as the JSON output.
    let cap = env.path("cap.bin");
    run("raw", &["--output", p(&cap), "--no-computed"]);
    assert_eq!(&std::fs::read(&cap).unwrap()[..8], b"ESTRCAP\n");
    let decoded = ok(&["decode", p(&cap), "--no-computed"]);
    let json =
        env.client(&["--start", "oldest", "--max-events", &n, "--no-computed", "--bookmark", p(&env.path("j.bm"))]);
    assert_eq!(
        multiset(events(&lines(&decoded))),
        multiset(events(&lines(&json))),
        "decode of the capture = the client's JSON"
    );
}

#[test]
fn rotation_by_size_keeps_every_record_once_across_files() {
    let env = Env::new(300);
    let out = env.path("rot/events.json");
    let n = env.count.to_string();
    let r = env.client(&[
        "--start",
        "oldest",
        "--max-events",
        &n,
        "--output",
        p(&out),
        "--rotate-bytes",
        "20k",
        "--flush-records",
        "50",
    ]);
    assert!(r.status.success(), "{}", stderr_of(&r));
    let mut all = json_lines(&out);
    let mut rotated = 0;
    for g in 0.. {
        let f = env.path(&format!("rot/events.json.{g}"));
        if !f.exists() {
            break;
        }
        rotated += 1;
        all.extend(json_lines(&f));
    }
    assert!(rotated >= 2, "rotated {rotated} times");
    assert_eq!(events(&all).len(), env.count);
    assert_eq!(multiset(events(&all)).len(), env.count, "no event twice");
}

/// TCP, UDP and Splunk HEC outputs against listeners on 127.0.0.1.
#[test]
fn network_outputs_deliver_through_the_client() {
    let env = Env::new(100);
    let n = env.count.to_string();
    // TCP: newline-framed JSON.
    let tcp = TcpListener::bind("127.0.0.1:0").unwrap();
    let tcp_addr = tcp.local_addr().unwrap();
    let reader = std::thread::spawn(move || {
        let (s, _) = tcp.accept().unwrap();
        s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        BufReader::new(s).lines().map_while(Result::ok).collect::<Vec<_>>()
    });
    let out = env.client(&[
        "--start",
        "oldest",
        "--max-events",
        &n,
        "--output",
        &format!("tcp://{tcp_addr}"),
        "--bookmark",
        p(&env.path("t.bm")),
    ]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    let got: Vec<serde_json::Value> = reader.join().unwrap().iter().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(events(&got).len(), env.count);
    // UDP: one datagram per record, never above --udp-max.
    let udp = UdpSocket::bind("127.0.0.1:0").unwrap();
    udp.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let udp_addr = udp.local_addr().unwrap();
    let out = env.client(&[
        "--start",
        "oldest",
        "--max-events",
        &n,
        "--output",
        &format!("udp://{udp_addr}"),
        "--udp-max",
        "600",
        "--format",
        "cef",
        "--bookmark",
        p(&env.path("u.bm")),
    ]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    let mut buf = [0u8; 70_000];
    let mut datagrams = 0;
    while let Ok(k) = udp.recv(&mut buf) {
        assert!(k <= 600, "datagram of {k} bytes");
        assert!(buf.starts_with(b"CEF:0|"));
        datagrams += 1;
    }
    assert!(datagrams >= env.count * 9 / 10, "{datagrams} of {} (UDP on loopback may drop a few)", env.count);
    // HEC: 503 first, then 200; every event arrives.
    let (hec_addr, hec) = hec_server();
    let tok = env.path("token");
    std::fs::write(&tok, "00000000-0000-0000-0000-000000000001\n").unwrap();
    let out = env.client(&[
        "--start",
        "oldest",
        "--max-events",
        &n,
        "--output",
        &format!("hec+http://{hec_addr}"),
        "--hec-token-file",
        p(&tok),
        "--bookmark",
        p(&env.path("h.bm")),
    ]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    let hec = hec.lock().unwrap();
    assert!(hec.statuses.first() == Some(&503) && hec.statuses.contains(&200), "{:?}", hec.statuses);
    assert!(hec.auth.iter().all(|a| a == "Splunk 00000000-0000-0000-0000-000000000001"));
    let envelopes: Vec<serde_json::Value> = hec
        .accepted
        .iter()
        .flat_map(|body| serde_json::Deserializer::from_str(body).into_iter::<serde_json::Value>().map(Result::unwrap))
        .collect();
    let evs: Vec<serde_json::Value> = envelopes.iter().map(|e| e["event"].clone()).collect();
    assert_eq!(events(&evs).len(), env.count, "every event indexed once (after the retry)");
}

#[derive(Default)]
struct Hec {
    statuses: Vec<u16>,
    auth: Vec<String>,
    accepted: Vec<String>,
}

/// A minimal HTTP/1.1 HEC double: the first request gets 503, the rest 200.
fn hec_server() -> (std::net::SocketAddr, Arc<Mutex<Hec>>) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    let state = Arc::new(Mutex::new(Hec::default()));
    let st = Arc::clone(&state);
    std::thread::spawn(move || {
        for conn in l.incoming() {
            let Ok(mut s) = conn else { return };
            let st = Arc::clone(&st);
            std::thread::spawn(move || {
                s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
                let mut r = BufReader::new(s.try_clone().unwrap());
                loop {
                    let mut line = String::new();
                    if r.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let (mut len, mut auth) = (0usize, String::new());
                    loop {
                        let mut h = String::new();
                        if r.read_line(&mut h).unwrap_or(0) == 0 {
                            return;
                        }
                        let h = h.trim_end();
                        if h.is_empty() {
                            break;
                        }
                        let (k, v) = h.split_once(':').unwrap_or((h, ""));
                        match k.to_ascii_lowercase().as_str() {
                            "content-length" => len = v.trim().parse().unwrap_or(0),
                            "authorization" => auth = v.trim().to_string(),
                            _ => {}
                        }
                    }
                    let mut body = vec![0u8; len];
                    if r.read_exact(&mut body).is_err() {
                        return;
                    }
                    let status = {
                        let mut st = st.lock().unwrap();
                        let status = if st.statuses.is_empty() { 503 } else { 200 };
                        st.statuses.push(status);
                        st.auth.push(auth);
                        if status == 200 {
                            st.accepted.push(String::from_utf8(body).unwrap());
                        }
                        status
                    };
                    let (reason, text) = if status == 200 {
                        ("OK", r#"{"text":"Success","code":0}"#)
                    } else {
                        ("Service Unavailable", r#"{"text":"Server is busy","code":9}"#)
                    };
                    let resp = format!(
                        "HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{text}",
                        text.len()
                    );
                    if s.write_all(resp.as_bytes()).is_err() {
                        return;
                    }
                }
            });
        }
    });
    (addr, state)
}
