//! Feeding a running service, with the real binary on 127.0.0.1 and Unix sockets in temporary
//! directories: sensors through the ingest endpoint while a client tails, producers killed
//! mid-batch, record → replay → record, golden vectors, JSON round trip and refusals, roles on
//! both ports, store care. Every wait is bounded; nothing asserts on timing.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use estreamer_store::StoreReader;
use estreamer_wire::capture;
use estreamer_wire::message::Message;
use serde_json::Value as J;

const BIN: &str = env!("CARGO_BIN_EXE_estreamer");
const PW: &str = "test-password-1";
/// The ingest API's internal watermark record type (never served).
const WATERMARK: u32 = 0xF000_0001;

fn run(args: &[&str]) -> Output {
    Command::new(BIN).args(args).stdin(Stdio::null()).output().expect("run estreamer")
}

fn ok(args: &[&str]) -> Output {
    let out = run(args);
    assert!(out.status.success(), "estreamer {args:?} failed:\n{}", String::from_utf8_lossy(&out.stderr));
    out
}

fn p(path: &Path) -> &str {
    path.to_str().unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A PKI with a client and a sensor, and (once started) a service with an ingest endpoint on
/// TLS and on a Unix socket.
struct Lab {
    dir: tempfile::TempDir,
    server: Option<Child>,
    events: String,
    ingest: String,
}

impl Drop for Lab {
    fn drop(&mut self) {
        if let Some(mut s) = self.server.take() {
            let _ = s.kill();
            let _ = s.wait();
        }
    }
}

impl Lab {
    fn new() -> Lab {
        let dir = tempfile::tempdir().unwrap();
        crate::common::PKI.copy_into(dir.path());
        Lab { dir, server: None, events: String::new(), ingest: String::new() }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Start `serve --ingest` on the store `data` (bounded wait for its addresses).
    fn serve(&mut self, data: &str) {
        self.events.clear();
        self.ingest.clear();
        let mut server = Command::new(BIN)
            .args(["serve", "--data", p(&self.path(data)), "--pki", p(&self.path("pki")), "--listen", "127.0.0.1:0"])
            .args(["--ingest", "127.0.0.1:0", "--ingest", &format!("unix:{}", p(&self.path("ingest.sock")))])
            .args(["--keepalive", "1"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let (tx, rx) = mpsc::channel();
        let err = server.stderr.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(err).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let deadline = Instant::now() + Duration::from_secs(30);
        while self.events.is_empty() || self.ingest.is_empty() {
            let line =
                rx.recv_timeout(deadline.saturating_duration_since(Instant::now())).expect("serve did not start");
            if let Some(a) = line.strip_prefix("serve: listening on ") {
                self.events = a.trim().to_owned();
            }
            if let Some(a) = line.strip_prefix("serve: ingest endpoint on 127.0.0.1") {
                self.ingest = format!("127.0.0.1{}", a.trim());
            }
        }
        std::thread::spawn(move || while rx.recv().is_ok() {});
        self.server = Some(server);
    }

    fn sensor_args(&self) -> Vec<String> {
        ["--ingest", &self.ingest, "--pkcs12", p(&self.path("sensor.pkcs12")), "--password", PW]
            .map(str::to_owned)
            .to_vec()
    }

    fn client(&self, extra: &[&str]) -> Command {
        let mut c = Command::new(BIN);
        c.args(["client", "--server", &self.events, "--pkcs12", p(&self.path("client.pkcs12")), "--password", PW])
            .args(["--state-dir", p(&self.path("client-state"))])
            .args(extra)
            .stdin(Stdio::null());
        c
    }
}

/// Event records a sensor run writes (from its summary line: "N events as M event records").
fn event_records(out: &Output) -> usize {
    let text = stderr(out);
    text.split(" as ")
        .nth(1)
        .and_then(|t| t.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{text}"))
}

fn json_lines(out: &[u8]) -> Vec<J> {
    String::from_utf8_lossy(out).lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

/// Every record of a store but the watermarks: (type, body).
fn store_records(dir: &Path) -> Vec<(u32, Vec<u8>)> {
    let r = StoreReader::open(dir).unwrap();
    let mut c = r.cursor_from_seq(1).unwrap();
    let mut out = Vec::new();
    while let Some(rec) = c.next().unwrap() {
        if rec.record_type != WATERMARK {
            out.push((rec.record_type, rec.body));
        }
    }
    out
}

fn is_event(r: &J) -> bool {
    !estreamer_wire::schema::catalog::is_metadata(r["recordType"].as_u64().unwrap() as u32)
}

#[test]
fn two_sensors_feed_a_running_service_while_a_client_tails_it() {
    let mut lab = Lab::new();
    // The event records each sensor will write, learned offline (same seed, same records).
    let n1 = event_records(&ok(&["sensor", "--data", p(&lab.path("scratch1")), "--count", "400", "--seed", "11"]));
    let n2 = event_records(&ok(&["sensor", "--data", p(&lab.path("scratch2")), "--count", "400", "--seed", "12"]));
    lab.serve("data");
    let tail = lab
        .client(&["--start", "oldest", "--max-events", &(n1 + n2).to_string(), "--idle-exit", "60"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let tls = {
        let mut a = lab.sensor_args();
        a.extend(["--count", "400", "--seed", "11", "--rate", "400"].map(str::to_owned));
        std::thread::spawn(move || Command::new(BIN).arg("sensor").args(a).output().unwrap())
    };
    let unix = format!("unix:{}", p(&lab.path("ingest.sock")));
    let local = Command::new(BIN)
        .args(["sensor", "--ingest", &unix, "--count", "400", "--seed", "12", "--rate", "400", "--burst"])
        .output()
        .unwrap();
    let tls = tls.join().unwrap();
    for out in [&tls, &local] {
        assert!(out.status.success(), "{}", stderr(out));
        // The achieved rate, for the record (the pacing itself is proven on an injected clock).
        let line = stderr(out).lines().last().unwrap_or_default().to_owned();
        eprintln!("{}", line.split("; ").next().unwrap_or_default());
    }
    let out = tail.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let recs = json_lines(&out.stdout);
    let events: Vec<&J> = recs.iter().filter(|r| is_event(r)).collect();
    assert_eq!(events.len(), n1 + n2, "the client received every event of both sensors");
    assert!(recs.iter().all(|r| r["recordType"].as_u64() != Some(WATERMARK.into())), "watermarks are never served");
}

#[test]
fn a_producer_killed_mid_batch_ten_times_stores_every_acked_batch_once() {
    let mut lab = Lab::new();
    lab.serve("data");
    let acks = lab.path("acks.log");
    let mut args = lab.sensor_args();
    args.extend(["--seed", "21", "--batch", "10", "--ack-log", p(&acks)].map(str::to_owned));
    let lines = |f: &Path| std::fs::read_to_string(f).map(|s| s.lines().count()).unwrap_or(0);
    for round in 0..10 {
        let before = lines(&acks);
        let mut child = Command::new(BIN)
            .arg("sensor")
            .args(&args)
            .args(["--count", "100000000"])
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(60);
        while lines(&acks) < before + 3 + round {
            assert!(Instant::now() < deadline, "round {round}: no progress");
            assert!(child.try_wait().unwrap().is_none(), "the sensor stopped by itself");
            std::thread::sleep(Duration::from_millis(10));
        }
        child.kill().unwrap(); // SIGKILL, mid-batch or between batches
        child.wait().unwrap();
    }
    let last = Command::new(BIN).arg("sensor").args(&args).args(["--count", "2000"]).output().unwrap();
    assert!(last.status.success(), "{}", stderr(&last));
    assert!(stderr(&last).contains("resumed after batch"), "{}", stderr(&last));

    let audit = ok(&["store", "batches", "--data", p(&lab.path("data"))]);
    let text = String::from_utf8_lossy(&audit.stdout).to_string();
    let stored: Vec<String> = text
        .lines()
        .filter(|l| l.starts_with("batch "))
        .map(|l| l.split(' ').take(5).skip(1).collect::<Vec<_>>().join(" "))
        .collect();
    let mut unique = stored.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), stored.len(), "a batch stored twice:\n{text}");
    assert_eq!(stored.len(), 1 + 200, "the metadata batch and 2000 events in batches of 10");
    assert!(!text.contains("DAMAGED") && text.contains("loose-records=0"), "{}", text.lines().last().unwrap());
    for line in std::fs::read_to_string(&acks).unwrap().lines() {
        let key = line.split(' ').take(5).skip(1).collect::<Vec<_>>().join(" ");
        assert!(stored.contains(&key), "acknowledged but not stored: {line}");
    }
}

#[test]
fn record_replay_and_record_again_gives_the_same_records_and_json_round_trips() {
    let mut lab = Lab::new();
    lab.serve("a");
    let mut args = lab.sensor_args();
    args.extend(["--count", "300", "--seed", "5"].map(str::to_owned));
    let n = event_records(&Command::new(BIN).arg("sensor").args(&args).output().unwrap());
    let record = |lab: &Lab| {
        let out =
            lab.client(&["--start", "oldest", "--max-events", &n.to_string(), "--idle-exit", "30"]).output().unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        let mut recs = json_lines(&out.stdout);
        recs.iter_mut().for_each(|r| {
            r.as_object_mut().unwrap().remove("archiveTimestamp");
        });
        recs
    };
    let first = record(&lab);
    std::fs::remove_dir_all(lab.path("client-state")).unwrap();
    std::fs::write(lab.path("first.jsonl"), first.iter().map(|r| format!("{r}\n")).collect::<String>()).unwrap();

    // The client's raw format: every message exactly as received, with its receive time.
    let cap = lab.path("a.cap");
    let out = lab
        .client(&["--start", "oldest", "--max-events", &n.to_string(), "--idle-exit", "30", "--format", "raw"])
        .args(["--output", p(&cap)])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(std::fs::read(&cap).unwrap().starts_with(&capture::MAGIC), "a capture file");
    drop(lab.server.take().map(|mut s| s.kill().and_then(|()| s.wait())));
    lab.serve("b");
    let mut args = lab.sensor_args();
    args.extend(["--format", "raw", p(&lab.path("a.cap")), "--pace", "x1000"].map(str::to_owned));
    let out = Command::new(BIN).arg("ingest").args(&args).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    std::fs::remove_dir_all(lab.path("client-state")).unwrap();
    let second = record(&lab);
    assert_eq!(first.len(), second.len());
    assert!(first == second, "recorded again after a replay: the same records apart from archival time");

    // The first recording as JSON, ingested offline: the same record bytes as the original store.
    let out = run(&["ingest", "--format", "json", p(&lab.path("first.jsonl")), "--data", p(&lab.path("c"))]);
    assert!(out.status.success(), "{}", stderr(&out));
    let (a, c) = (store_records(&lab.path("a")), store_records(&lab.path("c")));
    let sorted = |mut v: Vec<(u32, Vec<u8>)>| {
        v.sort();
        v
    };
    assert_eq!(sorted(c), sorted(a), "JSON → records equals the original records");
}

fn vectors_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/vectors")
}

#[test]
fn the_golden_vectors_replay_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let index: J = serde_json::from_slice(&std::fs::read(vectors_dir().join("index.json")).unwrap()).unwrap();
    let mut bare = Vec::new();
    let mut want = Vec::new();
    for v in index["vectors"].as_array().unwrap() {
        let name = v["name"].as_str().unwrap();
        let bytes = std::fs::read(vectors_dir().join(format!("{name}.bin"))).unwrap();
        match Message::decode(&bytes).unwrap() {
            Message::EventData(ed) => want.push((ed.record_type, ed.body)),
            Message::Bundle(b) => want.extend(b.items.into_iter().map(|ed| (ed.record_type, ed.body))),
            _ => {}
        }
        bare.extend_from_slice(&bytes);
    }
    let file = dir.path().join("vectors.bin");
    std::fs::write(&file, &bare).unwrap();
    let out = ok(&["ingest", "--format", "raw", p(&file), "--data", p(&dir.path().join("store"))]);
    assert!(stderr(&out).contains("non-record messages skipped"), "{}", stderr(&out));
    let mut got = store_records(&dir.path().join("store"));
    // Metadata first.
    let first_event = got.iter().position(|(t, _)| !estreamer_wire::schema::catalog::is_metadata(*t)).unwrap();
    assert!(got[first_event..].iter().all(|(t, _)| !estreamer_wire::schema::catalog::is_metadata(*t)));
    got.sort();
    want.sort();
    assert_eq!(got, want, "every record of every vector, byte for byte");
}

#[test]
fn a_malformed_json_line_is_refused_with_its_number_and_nothing_of_its_batch_is_stored() {
    let dir = tempfile::tempdir().unwrap();
    let good = |id: u32| format!("{{\"recordType\":4,\"id\":{id},\"name\":\"p{id}\",\"@computed\":{{}}}}\n");
    let text = [good(1), good(2), good(3), "{\"recordType\":4,\"id\":4,\"colour\":\"red\"}\n".into(), good(5)].concat();
    let file = dir.path().join("in.jsonl");
    std::fs::write(&file, text).unwrap();
    let store = dir.path().join("store");
    let out = run(&["ingest", "--format", "json", p(&file), "--data", p(&store), "--batch-lines", "0"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("line 4: JSON record: field `colour`: unknown key"), "{}", stderr(&out));
    assert!(store_records(&store).is_empty(), "nothing of the refused batch");
    let out = run(&["ingest", "--format", "json", p(&file), "--data", p(&store), "--batch-lines", "2"]);
    assert!(!out.status.success());
    assert_eq!(store_records(&store).len(), 2, "the batch before the bad line only");
}

#[test]
fn each_port_refuses_the_other_role() {
    let mut lab = Lab::new();
    lab.serve("data");
    let t = Instant::now();
    let out = run(&[
        "sensor",
        "--ingest",
        &lab.ingest,
        "--pkcs12",
        p(&lab.path("client.pkcs12")),
        "--password",
        PW,
        "--count",
        "1",
    ]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("client certificate; this port admits sensor certificates only"), "{}", stderr(&out));
    assert!(t.elapsed() < Duration::from_secs(50), "refused at once, not retried");
    let out = Command::new(BIN)
        .args(["client", "--server", &lab.events, "--pkcs12", p(&lab.path("sensor.pkcs12")), "--password", PW])
        .args(["--state-dir", p(&lab.path("client-state"))])
        .args(["--start", "oldest", "--max-events", "1", "--idle-exit", "5"])
        .output()
        .unwrap();
    assert!(!out.status.success(), "a sensor certificate cannot read the stream");
}

#[test]
fn store_verify_names_a_flipped_byte_and_stats_and_compact_report() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("store");
    ok(&["sensor", "--data", p(&data), "--count", "200", "--seed", "2"]);
    let stats = String::from_utf8(ok(&["store", "stats", "--data", p(&data)]).stdout).unwrap();
    assert!(stats.contains("records"), "{stats}");
    let seg = std::fs::read_dir(&data)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "log") && p.file_name().unwrap() != "meta.log")
        .unwrap();
    let mut bytes = std::fs::read(&seg).unwrap();
    let at = bytes.len() / 2;
    bytes[at] ^= 0x40;
    std::fs::write(&seg, &bytes).unwrap();
    let out = run(&["store", "verify", "--data", p(&data)]);
    assert!(!out.status.success(), "damage fails verify");
    let report = String::from_utf8_lossy(&out.stdout);
    let name = seg.file_name().unwrap().to_str().unwrap();
    assert!(report.contains(name) && report.contains("offset"), "{report}");
    let out = ok(&["store", "compact", "--data", p(&data), "--retain-bytes", "1000000000"]);
    assert!(!String::from_utf8_lossy(&out.stdout).is_empty());
}

#[test]
fn sensor_mix_takes_one_list_of_weights() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let out = run(&["sensor", "--data", p(&data), "--count", "40", "--mix", "malware=1,user=1", "--seed", "3"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let types: std::collections::BTreeSet<u32> = store_records(&data)
        .iter()
        .map(|(t, _)| *t)
        .filter(|t| !estreamer_wire::schema::catalog::is_metadata(*t))
        .collect();
    assert!(types.contains(&125) && types.contains(&95), "malware and user events: {types:?}");
    assert!(!types.contains(&400), "no intrusion events: {types:?}");
    let out = run(&["sensor", "--data", p(&data), "--mix", "telepathy=3"]);
    assert!(!out.status.success() && stderr(&out).contains("telepathy"), "{}", stderr(&out));
}
