//! The processes `bench` measures: the TLS ceiling (a rustls pair in this process), the service
//! and clients as child processes of this same binary, each with its own peak RSS.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Instant;

use anyhow::{anyhow, bail, Context, Result};
use estreamer_pki::{ClientIdentity, ClientTlsOptions, ServerTlsOptions};

/// Environment variable that makes `estreamer` print its peak RSS to stderr when it exits.
pub(crate) const REPORT_PEAK_RSS: &str = "ESTREAMER_REPORT_PEAK_RSS";

/// Peak resident set (VmHWM) of a process (`"self"` or a pid), KiB.
pub(crate) fn peak_rss_kib(pid: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// CPU time (user + system) a process (`"self"` or a pid) has used so far, seconds.
pub(crate) fn cpu_secs(pid: &str) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
    let rest = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?;
    // USER_HZ is 100 on every Linux ABI this runs on.
    Some(ticks as f64 / 100.0)
}

/// The TLS ceiling: a rustls server and client with the service's and the client's own
/// configurations over 127.0.0.1, the client writing `total` bytes in 16 KiB writes, the
/// server reading and discarding them. Returns (bytes/s, negotiated protocol).
pub(crate) fn tls_ceiling(pki: &Path, identity: &ClientIdentity, total: u64) -> Result<(f64, String)> {
    let server_cfg = estreamer_pki::server_config(pki, &ServerTlsOptions::default())?;
    let client_cfg = estreamer_pki::client_config(identity, &ClientTlsOptions::default())?;
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    let reader = std::thread::spawn(move || -> Result<(u64, Instant)> {
        let (tcp, _) = listener.accept()?;
        let conn = rustls::ServerConnection::new(server_cfg)?;
        let mut tls = rustls::StreamOwned::new(conn, tcp);
        let mut buf = vec![0u8; 64 * 1024];
        let mut got = 0u64;
        loop {
            match tls.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => got += n as u64,
                Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => break,
                Err(e) => return Err(e.into()),
            }
        }
        Ok((got, Instant::now()))
    });
    let tcp = TcpStream::connect(addr)?;
    tcp.set_nodelay(true)?;
    let name = rustls::pki_types::ServerName::try_from("127.0.0.1".to_string())?;
    let mut conn = rustls::ClientConnection::new(Arc::clone(&client_cfg), name)?;
    let mut tcp = tcp;
    while conn.is_handshaking() {
        conn.complete_io(&mut tcp)?;
    }
    let version = conn.protocol_version().map_or("TLS".to_string(), |v| format!("{v:?}").replace('_', "."));
    let mut tls = rustls::StreamOwned::new(conn, tcp);
    let chunk = vec![0x5au8; 16 * 1024];
    let t = Instant::now();
    let mut sent = 0u64;
    while sent < total {
        tls.write_all(&chunk)?;
        sent += chunk.len() as u64;
    }
    tls.conn.send_close_notify();
    tls.flush()?;
    let _ = tls.sock.shutdown(std::net::Shutdown::Write);
    let (got, end) = reader.join().map_err(|_| anyhow!("TLS ceiling reader panicked"))??;
    if got != sent {
        bail!("TLS ceiling: sent {sent} bytes, the reader got {got}");
    }
    Ok((got as f64 / end.duration_since(t).as_secs_f64(), version.replace("TLSv", "TLS ")))
}

/// The service, `estreamer serve`, as a child process on an ephemeral port.
pub(crate) struct ServiceProc {
    child: Child,
    /// Where it listens.
    pub(crate) addr: String,
}

impl ServiceProc {
    pub(crate) fn start(data: &Path, pki: &Path) -> Result<ServiceProc> {
        let mut child = Command::new(std::env::current_exe()?)
            .args(["serve", "--listen", "127.0.0.1:0", "--max-clients", "128", "--data"])
            .arg(data)
            .arg("--pki")
            .arg(pki)
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .context("starting the service")?;
        let stderr = child.stderr.take().ok_or_else(|| anyhow!("no stderr"))?;
        let mut lines = BufReader::new(stderr).lines();
        let mut addr = None;
        for line in lines.by_ref() {
            let line = line?;
            if let Some(a) = line.strip_prefix("serve: listening on ") {
                addr = Some(a.trim().to_string());
                break;
            }
        }
        let Some(addr) = addr else {
            let _ = child.kill();
            bail!("the service exited before listening (status {:?})", child.wait()?);
        };
        // Keep its stderr drained (and visible) for the rest of its life.
        std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                eprintln!("  service: {line}");
            }
        });
        Ok(ServiceProc { child, addr })
    }

    /// Peak RSS so far, KiB.
    pub(crate) fn peak_rss_kib(&self) -> Option<u64> {
        peak_rss_kib(&self.child.id().to_string())
    }

    /// CPU seconds used so far.
    pub(crate) fn cpu_secs(&self) -> f64 {
        cpu_secs(&self.child.id().to_string()).unwrap_or(0.0)
    }
}

impl Drop for ServiceProc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// How a client child process is started.
pub(crate) struct ClientSpec {
    pub(crate) addr: String,
    pub(crate) pkcs12: PathBuf,
    pub(crate) password_file: PathBuf,
    pub(crate) state_dir: PathBuf,
    /// `raw` or `json`.
    pub(crate) format: &'static str,
    /// `--threads` (0: one per core).
    pub(crate) threads: usize,
    /// `--max-events`: the whole backlog.
    pub(crate) events: u64,
}

/// A client child process streaming to its stdout, which this process counts and discards.
pub(crate) struct ClientProc {
    child: Child,
    out: std::thread::JoinHandle<std::io::Result<u64>>,
    err: std::thread::JoinHandle<String>,
    started: Instant,
}

/// What a client child did.
pub(crate) struct ClientRun {
    /// Records delivered (from its summary line).
    pub(crate) records: u64,
    /// Output bytes.
    pub(crate) bytes: u64,
    /// Seconds from its start to its exit.
    pub(crate) secs: f64,
    /// Its peak RSS, KiB.
    pub(crate) peak_kib: Option<u64>,
    /// CPU seconds it used.
    pub(crate) cpu_secs: f64,
}

impl ClientProc {
    pub(crate) fn start(s: &ClientSpec) -> Result<ClientProc> {
        let mut child = Command::new(std::env::current_exe()?)
            .args(["client", "--start", "oldest", "--output", "-", "--flush-records", "100000"])
            .args(["--idle-exit", "30", "--reconnect-max", "1", "--server", &s.addr])
            .arg("--pkcs12")
            .arg(&s.pkcs12)
            .arg("--password-file")
            .arg(&s.password_file)
            .arg("--state-dir")
            .arg(&s.state_dir)
            .args(["--format", s.format, "--threads", &s.threads.to_string()])
            .args(["--max-events", &s.events.to_string()])
            .env(REPORT_PEAK_RSS, "1")
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .context("starting a client")?;
        let started = Instant::now();
        let mut stdout = child.stdout.take().ok_or_else(|| anyhow!("no stdout"))?;
        let mut stderr = child.stderr.take().ok_or_else(|| anyhow!("no stderr"))?;
        let out = std::thread::spawn(move || {
            let mut buf = vec![0u8; 1 << 20];
            let mut n = 0u64;
            loop {
                match stdout.read(&mut buf) {
                    Ok(0) => return Ok(n),
                    Ok(k) => n += k as u64,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(e),
                }
            }
        });
        let err = std::thread::spawn(move || {
            let mut s = String::new();
            let _ = stderr.read_to_string(&mut s);
            s
        });
        Ok(ClientProc { child, out, err, started })
    }

    /// Wait for it to finish; fails if it did not exit cleanly.
    pub(crate) fn wait(mut self) -> Result<ClientRun> {
        let status = self.child.wait()?;
        let secs = self.started.elapsed().as_secs_f64();
        let bytes = self.out.join().map_err(|_| anyhow!("stdout reader panicked"))??;
        let stderr = self.err.join().map_err(|_| anyhow!("stderr reader panicked"))?;
        if !status.success() {
            bail!("a client failed ({status}): {}", stderr.trim());
        }
        let mut records = None;
        let mut peak_kib = None;
        let mut cpu_secs = 0.0;
        for line in stderr.lines() {
            if let Some(rest) = line.strip_prefix("client: ") {
                records = rest.split_whitespace().next().and_then(|n| n.parse().ok());
            } else if let Some(rest) = line.strip_prefix("estreamer: peak RSS ") {
                peak_kib = rest.split_whitespace().next().and_then(|n| n.parse().ok());
                if let Some(cpu) = rest.split("CPU ").nth(1) {
                    cpu_secs = cpu.split_whitespace().next().and_then(|n| n.parse().ok()).unwrap_or(0.0);
                }
            }
        }
        let records = records.ok_or_else(|| anyhow!("no summary line from the client: {}", stderr.trim()))?;
        Ok(ClientRun { records, bytes, secs, peak_kib, cpu_secs })
    }
}
