//! Ingest throughput in records per second: offline (the API over a store directory) and
//! online (a producer → TLS → the service's ingest endpoint → the API), with fsync (group
//! commit) as a service runs, batches of 1000 records of 300 bytes (connection events' size).
//!
//! `cargo bench -p estreamer-ingest`; `INGEST_BENCH_PRODUCERS` sets the online producers
//! (default 1 and 4).

use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use estreamer_ingest::{Batch, BatchSink, Endpoint, Ingest, OfflineSink, Record, RemoteOptions, RemoteSink};
use estreamer_server::ingest::{serve_ingest, IngestListener, IngestOptions, IngestService};
use estreamer_store::{Store, StoreOptions};
use estreamer_test_support::shared_pki;
use tokio_util::sync::CancellationToken;

const RECORDS: usize = 1000;
const BODY: usize = 300;

fn batch(seq: u64) -> Batch {
    let records = (0..RECORDS).map(|i| Record { record_type: 71, body: vec![(i as u8) ^ (seq as u8); BODY] }).collect();
    Batch { seq, raw: false, records }
}

fn offline(c: &mut Criterion) {
    let mut g = c.benchmark_group("ingest offline");
    g.throughput(Throughput::Elements(RECORDS as u64));
    g.sample_size(20);
    let dir = tempfile::tempdir().unwrap();
    let mut sink = OfflineSink::open(&dir.path().join("store"), Some("bench"), StoreOptions::default()).unwrap();
    let mut seq = 0;
    g.bench_function("batch of 1000, fsync", |b| {
        b.iter(|| {
            seq += 1;
            sink.send(batch(seq)).unwrap();
        })
    });
    g.finish();
}

/// A service's ingest endpoint on 127.0.0.1 over a fresh store.
struct Endpointed {
    rt: tokio::runtime::Runtime,
    addr: std::net::SocketAddr,
    stop: CancellationToken,
    _dir: tempfile::TempDir,
}

fn start_endpoint() -> Endpointed {
    let dir = tempfile::tempdir().unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let store = Arc::new(Store::open(&dir.path().join("store"), StoreOptions::default()).unwrap());
    let ingest = Arc::new(Ingest::open(store).unwrap());
    let stop = CancellationToken::new();
    let listener = rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
    let addr = listener.local_addr().unwrap();
    let service = IngestService { ingest, tls: Arc::new(shared_pki().server_tls()), opts: IngestOptions::default() };
    rt.spawn(serve_ingest(vec![IngestListener::Tcp(listener)], service, stop.clone()));
    Endpointed { rt, addr, stop, _dir: dir }
}

fn online(c: &mut Criterion) {
    let ep = start_endpoint();
    let config = estreamer_pki::client_config(&shared_pki().sensor_identity(), &Default::default()).unwrap();
    let producers: Vec<usize> =
        std::env::var("INGEST_BENCH_PRODUCERS").ok().and_then(|v| v.parse().ok()).map_or(vec![1, 4], |n| vec![n]);
    let mut g = c.benchmark_group("ingest online");
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(10));
    for n in producers {
        g.throughput(Throughput::Elements((RECORDS * 20 * n) as u64));
        let mut round = 0;
        g.bench_function(format!("{n} producer(s) x 20 batches of 1000, TLS, fsync"), |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    round += 1;
                    let t = Instant::now();
                    let threads: Vec<_> = (0..n)
                        .map(|p| {
                            let endpoint = Endpoint::Tls { addr: ep.addr, config: Arc::clone(&config) };
                            let opts = RemoteOptions::new(endpoint, &format!("bench-{round}-{p}"));
                            std::thread::spawn(move || {
                                let mut sink = RemoteSink::connect(opts).unwrap();
                                for seq in 1..=20 {
                                    sink.send(batch(seq)).unwrap();
                                }
                                sink.finish().unwrap();
                            })
                        })
                        .collect();
                    threads.into_iter().for_each(|t| t.join().unwrap());
                    total += t.elapsed();
                }
                total
            })
        });
    }
    g.finish();
    ep.stop.cancel();
    drop(ep.rt);
}

criterion_group!(benches, offline, online);
criterion_main!(benches);
