//! `estreamer bench`: the benchmark of record. It builds (or reuses) a backlog, measures the TLS
//! ceiling with the service's own rustls configuration, runs every scenario of issue 10 and
//! prints one table: figure, value, ceiling or target, ratio, peak RSS of each process.
//!
//! The service and the clients of the transport, JSON and memory figures are child processes of
//! this binary (`serve`, `client`), so each has its own peak RSS (VmHWM); the clients write to
//! their stdout, which this process counts and discards. The 100 clients of the scale figure
//! run in this process (tasks over the client library) against a service child.

mod backlog;
mod procs;
mod table;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Result};
use clap::Args;
use estreamer_client::{ClientOptions, OutputFormat, Start};
use estreamer_output::sinks::WriteSink;
use tokio_util::sync::CancellationToken;

pub(crate) use procs::{cpu_secs, peak_rss_kib, REPORT_PEAK_RSS};

use self::backlog::Backlog;
use self::procs::{ClientProc, ClientSpec, ServiceProc};
use self::table::{Row, Table};

/// Options of `bench`.
#[derive(Args)]
pub(crate) struct BenchArgs {
    /// Backlog size in records (the sensor's mix: its base set, then copies of it). `--events`
    /// is the old name.
    #[arg(long, alias = "events")]
    records: Option<u64>,
    /// CI-sized run (seconds): a small backlog, a short ceiling, small scale figures.
    #[arg(long)]
    quick: bool,
    /// Keep the PKI and the backlog in DIR and reuse them on later runs (default: a temp dir).
    #[arg(long)]
    data: Option<PathBuf>,
    /// Sensor seed.
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

/// Sizes of one run.
struct Plan {
    records: u64,
    base_events: usize,
    ceiling_bytes: u64,
    decode_records: u64,
    scale_clients: usize,
    scale_events: u64,
    memory_clients: usize,
}

impl Plan {
    fn new(a: &BenchArgs) -> Plan {
        if a.quick {
            let records = a.records.unwrap_or(10_000);
            Plan {
                records,
                base_events: 1_000,
                ceiling_bytes: 32 << 20,
                decode_records: records.min(5_000),
                scale_clients: 100,
                scale_events: 300,
                memory_clients: 10,
            }
        } else {
            let records = a.records.unwrap_or(2_000_000);
            Plan {
                records,
                base_events: 50_000,
                ceiling_bytes: 2 << 30,
                decode_records: records.min(300_000),
                scale_clients: 100,
                scale_events: 20_000,
                memory_clients: 10,
            }
        }
    }
}

pub(crate) fn run(a: BenchArgs) -> Result<()> {
    crate::init_logging("warn");
    let plan = Plan::new(&a);
    let tmp = tempfile::tempdir()?;
    let dir = a.data.clone().unwrap_or_else(|| tmp.path().to_path_buf());
    let table = bench(&plan, &dir, tmp.path(), a.seed)?;
    println!("{table}");
    Ok(())
}

/// Counts bytes written and discards them.
#[derive(Clone, Default)]
pub(crate) struct CountingWriter(Arc<AtomicU64>);

impl CountingWriter {
    pub(crate) fn bytes(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

impl Write for CountingWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.fetch_add(buf.len() as u64, Ordering::Relaxed);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The client identity files of the PKI in `dir` (created on first use).
struct Pki {
    dir: PathBuf,
    pkcs12: PathBuf,
    password_file: PathBuf,
    identity: estreamer_pki::ClientIdentity,
}

fn pki(dir: &Path) -> Result<Pki> {
    let pki = dir.join("pki");
    let pkcs12 = dir.join("bench-client.p12");
    let password_file = dir.join("bench-client.password");
    if !pkcs12.exists() {
        estreamer_pki::init_ca(&pki, &["127.0.0.1".parse()?], &["localhost".to_string()])?;
        let issued = estreamer_pki::add_client(&pki, "127.0.0.1", None)?;
        std::fs::write(&pkcs12, &issued.pkcs12)?;
        std::fs::write(&password_file, format!("{}\n", issued.password))?;
    }
    let password = estreamer_client::multi::read_password_file(&password_file)?;
    let identity = estreamer_pki::load_pkcs12_file(&pkcs12, &password)?;
    Ok(Pki { dir: pki, pkcs12, password_file, identity })
}

fn mib(kib: Option<u64>) -> String {
    kib.map_or("?".into(), |k| format!("{:.0} MiB", k as f64 / 1024.0))
}

fn bench(plan: &Plan, dir: &Path, scratch: &Path, seed: u64) -> Result<Table> {
    let mut t = Table::default();
    let pki = pki(dir)?;
    let data = dir.join("data");
    let say = |what: &str| eprintln!("bench: {what}…");

    say("TLS ceiling");
    let (ceiling, version) = procs::tls_ceiling(&pki.dir, &pki.identity, plan.ceiling_bytes)?;
    t.push(
        Row::new(format!("TLS ceiling ({version}, 16 KiB writes, rustls pair on 127.0.0.1)"))
            .value(table::mib_s(ceiling))
            .note("the reference of the byte figures"),
    );

    say("sensor generation");
    let gen = backlog::sensor_rate(seed, plan.base_events);
    t.push(Row::at_least("sensor generation (World::events)", gen, 500_000.0, "rec/s"));

    let (backlog, ingest) = match backlog::saved(&data) {
        Some(b) if b.records >= plan.records => {
            say("store ingest (scratch store; the backlog is reused)");
            let rate =
                backlog::ingest_rate(&scratch.join("ingest"), seed, plan.base_events, plan.records.min(1_000_000))?;
            (b, rate)
        }
        Some(b) => {
            bail!("{} holds a backlog of {} records, fewer than --records {}", data.display(), b.records, plan.records)
        }
        None => {
            say(&format!("building a backlog of {} records", plan.records));
            backlog::build(&data, seed, plan.base_events, plan.records)?
        }
    };
    eprintln!(
        "bench: backlog {} records ({} events, {:.0} MiB of bodies)",
        backlog.records,
        backlog.events,
        backlog.body_bytes as f64 / (1 << 20) as f64
    );
    t.push(Row::at_least("store ingest, pre-encoded, group commit", ingest, 1_000_000.0, "rec/s"));

    say("seek by time");
    let seek = backlog::seek_time(&data, &backlog, 20)?;
    t.push(Row::at_most_ms("first record after a seek by time (worst of 20)", seek, 0.050));

    say("decode → JSON, one thread");
    let (dec_rate, dec_bytes) = backlog::decode_json(&data, plan.decode_records)?;
    t.push(Row::ratio_of(
        &format!("decode → @computed → JSON, one thread ({:.0}k rec/s)", dec_rate / 1e3),
        dec_bytes,
        0.4,
        ceiling,
    ));

    let spec = |format: &'static str, threads: usize, i: usize, addr: &str| ClientSpec {
        addr: addr.to_string(),
        pkcs12: pki.pkcs12.clone(),
        password_file: pki.password_file.clone(),
        state_dir: scratch.join(format!("state-{format}-{i}")),
        format,
        threads,
        events: backlog.events,
    };

    say("transport (raw)");
    let service = ServiceProc::start(&data, &pki.dir)?;
    let cpu0 = service.cpu_secs();
    let run = ClientProc::start(&spec("raw", 1, 0, &service.addr))?.wait()?;
    check_whole(&run, &backlog)?;
    let rss = format!("service {}, client {}", mib(service.peak_rss_kib()), mib(run.peak_kib));
    let cpu = cpu_per_record(service.cpu_secs() - cpu0, &run);
    drop(service);
    let rate = run.records as f64 / run.secs;
    t.push(
        Row::at_least("transport: service → TLS → client --format raw", rate, 1_000_000.0, "rec/s")
            .rss(&rss)
            .note(&cpu),
    );
    t.push(Row::ratio_of("transport bytes (raw capture out)", run.bytes as f64 / run.secs, 0.5, ceiling).rss(&rss));

    say("JSON");
    let service = ServiceProc::start(&data, &pki.dir)?;
    let cpu0 = service.cpu_secs();
    let run = ClientProc::start(&spec("json", 0, 0, &service.addr))?.wait()?;
    check_whole(&run, &backlog)?;
    let rss = format!("service {}, client {}", mib(service.peak_rss_kib()), mib(run.peak_kib));
    let cpu = cpu_per_record(service.cpu_secs() - cpu0, &run);
    drop(service);
    t.push(
        Row::ratio_of(
            &format!("client --format json, threads = cores ({:.0}k rec/s)", run.records as f64 / run.secs / 1e3),
            run.bytes as f64 / run.secs,
            0.75,
            ceiling,
        )
        .rss(&rss)
        .note(&cpu),
    );

    say(&format!("memory: {} clients draining the backlog at once", plan.memory_clients));
    let service = ServiceProc::start(&data, &pki.dir)?;
    let started = Instant::now();
    let procs: Vec<ClientProc> = (0..plan.memory_clients)
        .map(|i| ClientProc::start(&spec("raw", 1, i + 1, &service.addr)))
        .collect::<Result<_>>()?;
    let runs: Vec<_> = procs.into_iter().map(ClientProc::wait).collect::<Result<_>>()?;
    let secs = started.elapsed().as_secs_f64();
    for r in &runs {
        check_whole(r, &backlog)?;
    }
    let service_kib = service.peak_rss_kib();
    drop(service);
    let client_kib = runs.iter().filter_map(|r| r.peak_kib).max();
    let total: u64 = runs.iter().map(|r| r.records).sum();
    t.push(
        Row::at_most_mib(&format!("memory: service, {} clients draining at once", runs.len()), service_kib, 100.0)
            .note(&format!("{:.0}k rec/s together", total as f64 / secs / 1e3)),
    );
    t.push(Row::at_most_mib("memory: client (largest of them)", client_kib, 64.0));

    say(&format!("scale: {} clients", plan.scale_clients));
    let service = ServiceProc::start(&data, &pki.dir)?;
    let events = plan.scale_events.min(backlog.events);
    let (counts, secs) = scale(&service.addr, &pki.identity, plan.scale_clients, events)?;
    let service_kib = service.peak_rss_kib();
    drop(service);
    let (min, max) = (counts.iter().min().copied().unwrap_or(0), counts.iter().max().copied().unwrap_or(0));
    let total: u64 = counts.iter().sum();
    t.push(Row::scale(
        &format!("scale: {} clients × the first {events} events", counts.len()),
        total as f64 / secs,
        (min, max),
        &format!("service {}", mib(service_kib)),
    ));
    Ok(t)
}

/// CPU time per record of the service and of a client: on a shared machine a steadier figure
/// than the rate.
fn cpu_per_record(service_secs: f64, run: &procs::ClientRun) -> String {
    let per = |secs: f64| secs * 1e6 / run.records.max(1) as f64;
    format!("CPU/record: service {:.2} µs, client {:.2} µs", per(service_secs), per(run.cpu_secs))
}

/// A client must have received every event of the backlog.
fn check_whole(run: &procs::ClientRun, b: &Backlog) -> Result<()> {
    if run.records < b.events {
        bail!("a client received {} records, the backlog holds {} events", run.records, b.events);
    }
    Ok(())
}

/// `clients` client tasks in this process, each streaming the first `events` events (raw) into
/// a counting sink: records per client and the seconds until the last one finished.
fn scale(addr: &str, identity: &estreamer_pki::ClientIdentity, clients: usize, events: u64) -> Result<(Vec<u64>, f64)> {
    crate::runtime()?.block_on(async {
        let t = Instant::now();
        let tasks: Vec<_> = (0..clients)
            .map(|i| {
                let mut opts = ClientOptions::new(addr.to_string(), identity.clone());
                opts.name = format!("scale-{i}");
                opts.start = Start::Oldest;
                opts.max_events = Some(events);
                opts.idle_exit = Some(Duration::from_secs(30));
                opts.output.format = OutputFormat::Raw;
                opts.output.flush.max_records = 100_000;
                tokio::spawn(async move {
                    let metrics = Arc::new(estreamer_client::metrics::ServerMetrics::new("scale"));
                    let sink = Box::new(WriteSink::new(CountingWriter::default()));
                    estreamer_client::run_with_sink(&opts, Some(sink), CancellationToken::new(), metrics).await
                })
            })
            .collect();
        let mut counts = Vec::with_capacity(clients);
        for task in tasks {
            let sum = task.await??;
            if sum.events < events {
                bail!("a scale client received {} of {events} events", sum.events);
            }
            counts.push(sum.records);
        }
        Ok((counts, t.elapsed().as_secs_f64()))
    })
}
