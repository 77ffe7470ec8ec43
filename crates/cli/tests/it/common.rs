//! Shared by the end-to-end test binaries: the real `estreamer` binary, a PKI, a store filled
//! by the sensor and a running service on 127.0.0.1.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use estreamer_test_support::CachedDir;

pub const BIN: &str = env!("CARGO_BIN_EXE_estreamer");
pub const PW: &str = "test-password-1";

pub fn run(args: &[&str]) -> Output {
    Command::new(BIN).args(args).stdin(Stdio::null()).output().expect("run estreamer")
}

pub fn ok(args: &[&str]) -> Output {
    let out = run(args);
    assert!(out.status.success(), "estreamer {args:?} failed:\n{}", String::from_utf8_lossy(&out.stderr));
    out
}

pub fn p(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// The PKI every test environment starts from, made once per test binary by the binary itself
/// (`ca init`, `ca add-client`, `ca add-sensor`, RSA-2048 keys): `pki/`, `client.pkcs12` and
/// `sensor.pkcs12` (for 127.0.0.1, password [`PW`]). Tests get a copy ([`CachedDir::copy_into`]).
pub static PKI: CachedDir = CachedDir::new(|dir| {
    let pki = dir.join("pki");
    ok(&["ca", "init", "--dir", p(&pki), "--server-ip", "127.0.0.1"]);
    for (role, file) in [("add-client", "client.pkcs12"), ("add-sensor", "sensor.pkcs12")] {
        ok(&["ca", role, "--dir", p(&pki), "--host", "127.0.0.1", "--out", p(&dir.join(file)), "--password", PW]);
    }
});

/// Another CA (`other/`) and a client of it for 127.0.0.1 (`other.pkcs12`, password [`PW`]),
/// made once per test binary.
static OTHER_CA: CachedDir = CachedDir::new(|dir| {
    let other = dir.join("other");
    ok(&["ca", "init", "--dir", p(&other), "--server-ip", "127.0.0.1"]);
    ok(&[
        "ca",
        "add-client",
        "--dir",
        p(&other),
        "--host",
        "127.0.0.1",
        "--out",
        p(&dir.join("other.pkcs12")),
        "--password",
        PW,
    ]);
});

/// A PKCS#12 for 127.0.0.1 (password [`PW`]) issued by a CA that is not the test PKI's.
pub fn other_ca_client() -> PathBuf {
    OTHER_CA.path().join("other.pkcs12")
}

/// A PKI, a store with sensor data and a running service.
pub struct Env {
    pub dir: tempfile::TempDir,
    pub server: Child,
    pub addr: SocketAddr,
    pub log: Arc<Mutex<Vec<String>>>,
    pub count: usize,
}

impl Drop for Env {
    fn drop(&mut self) {
        let _ = self.server.kill();
        let _ = self.server.wait();
    }
}

impl Env {
    /// PKI, a store with `count` sensor events, and the service.
    pub fn new(count: usize) -> Env {
        let mut env = Env::empty();
        env.count = env.sensor(count, "3");
        env
    }

    /// PKI and the service on an empty store.
    pub fn empty() -> Env {
        let dir = tempfile::tempdir().unwrap();
        let pki = dir.path().join("pki");
        let data = dir.path().join("data");
        PKI.copy_into(dir.path());
        let log = Arc::new(Mutex::new(Vec::new()));
        let (server, addr) = spawn_server(&pki, &data, "127.0.0.1:0", &[], &log);
        Env { dir, server, addr, log, count: 0 }
    }

    /// Stop the service (SIGKILL) and start it again on the same address and store.
    pub fn restart_server(&mut self) {
        let _ = self.server.kill();
        let _ = self.server.wait();
        let (server, addr) =
            spawn_server(&self.path("pki"), &self.path("data"), &self.addr.to_string(), &[], &self.log);
        assert_eq!(addr, self.addr);
        self.server = server;
    }

    /// Run the sensor into the service's store; returns the event records it wrote
    /// (`--count` counts primary events; the client counts every event record).
    pub fn sensor(&self, count: usize, seed: &str) -> usize {
        let out = ok(&["sensor", "--data", p(&self.path("data")), "--count", &count.to_string(), "--seed", seed]);
        let text = String::from_utf8_lossy(&out.stderr).to_string();
        text.split(" as ")
            .nth(1)
            .and_then(|t| t.split(' ').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("sensor summary: {text}"))
    }

    /// The binary with this environment's state directory (so no test writes to $HOME).
    pub fn cmd(&self) -> Command {
        let mut c = Command::new(BIN);
        c.env("XDG_STATE_HOME", self.dir.path().join("state")).stdin(Stdio::null());
        c
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn client(&self, extra: &[&str]) -> Output {
        let pkcs12 = self.path("client.pkcs12");
        let addr = self.addr.to_string();
        let mut args = vec!["client", "--server", &addr, "--pkcs12", p(&pkcs12), "--password", PW];
        args.extend_from_slice(extra);
        self.cmd().args(&args).output().unwrap()
    }

    /// Wait (bounded) until the server log has a line containing `needle`.
    pub fn wait_log(&self, needle: &str) -> bool {
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if self.log.lock().unwrap().iter().any(|l| l.contains(needle)) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        false
    }
}

pub fn lines(out: &Output) -> Vec<serde_json::Value> {
    String::from_utf8(out.stdout.clone())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON: {l}: {e}")))
        .collect()
}

/// Discovery record types the sensor emits.
pub const DISCOVERY: &[u64] = &[10, 11, 12, 13, 14, 15, 16, 17, 19, 22, 27, 28, 34, 42, 82, 83, 101, 107];

pub fn is_metadata(rt: u64) -> bool {
    u32::try_from(rt).is_ok_and(estreamer_wire::schema::catalog::is_metadata)
}

pub fn by_type(recs: &[serde_json::Value]) -> BTreeMap<u64, usize> {
    let mut m = BTreeMap::new();
    for r in recs {
        *m.entry(r["recordType"].as_u64().unwrap()).or_default() += 1;
    }
    m
}

pub fn events(recs: &[serde_json::Value]) -> Vec<&serde_json::Value> {
    recs.iter().filter(|r| !is_metadata(r["recordType"].as_u64().unwrap())).collect()
}

/// Start `serve` on `listen` (extra arguments after), logging into `log`; returns the child and
/// the address it listens on. Retries a busy port for a bounded time (a restart on the same port).
pub fn spawn_server(
    pki: &Path,
    data: &Path,
    listen: &str,
    extra: &[&str],
    log: &Arc<Mutex<Vec<String>>>,
) -> (Child, SocketAddr) {
    let args =
        [&["serve", "--data", p(data), "--pki", p(pki), "--listen", listen, "--keepalive", "1"][..], extra].concat();
    spawn_server_with(&args, log)
}

/// Start the binary with `args` (a `serve` command line), logging into `log`; returns the child
/// and the address it listens on.
pub fn spawn_server_with(args: &[&str], log: &Arc<Mutex<Vec<String>>>) -> (Child, SocketAddr) {
    let listen = args.iter().skip_while(|a| **a != "--listen").nth(1).copied().unwrap_or("?");
    for _ in 0..50 {
        let mut server = Command::new(BIN)
            .args(args)
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        let stderr = server.stderr.take().unwrap();
        let l2 = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(a) = line.strip_prefix("serve: listening on ") {
                    let _ = tx.send(a.trim().to_string());
                }
                l2.lock().unwrap().push(line);
            }
        });
        match rx.recv_timeout(Duration::from_secs(30)) {
            Ok(a) => return (server, a.parse().unwrap()),
            Err(_) => {
                // Exited (port still busy after a kill): try again shortly.
                let _ = server.kill();
                let _ = server.wait();
                std::thread::sleep(Duration::from_millis(100));
            }
        }
    }
    panic!("the server did not start on {listen}");
}
