//! Store benchmarks: append throughput with group commit, seek-by-time latency in a large
//! store, and read throughput through `next_batch`.
//!
//! `STORE_BENCH_RECORDS` sizes the store used for seeks and reads (default 1 000 000
//! records of 300 bytes, about 330 MB); it is built once and kept in
//! `$STORE_BENCH_DIR` (default: the system temp dir) for later runs.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use estreamer_store::{Retention, Store, StoreOptions, StoreReader, SyncPolicy};

const BODY: usize = 300;
const BATCH: usize = 1000;
/// Records per second of archival time in the seek store.
const PER_SEC: u64 = 100;
const T0: u32 = 1_600_000_000;

fn bodies() -> Vec<Vec<u8>> {
    (0..BATCH).map(|i| (0..BODY).map(|j| (i * 7 + j) as u8).collect()).collect()
}

fn append_opts() -> StoreOptions {
    StoreOptions {
        sync: SyncPolicy::Always,
        // Keep the disk in check while criterion runs many batches.
        retention: Some(Retention { max_bytes: Some(2 << 30), max_age: None }),
        ..StoreOptions::default()
    }
}

fn append(c: &mut Criterion) {
    let bodies = bodies();
    let mut g = c.benchmark_group("append");
    g.sample_size(10).measurement_time(Duration::from_secs(10));
    for producers in [1usize, 4] {
        g.throughput(Throughput::Elements((BATCH * producers) as u64));
        g.bench_function(BenchmarkId::new("always_batch1000", format!("{producers}_producers")), |b| {
            let dir = tempfile::tempdir().unwrap();
            let store = Arc::new(Store::open(dir.path(), append_opts()).unwrap());
            let items: Vec<(u32, &[u8])> = bodies.iter().map(|b| (400u32, b.as_slice())).collect();
            if producers == 1 {
                b.iter(|| store.append_batch(&items).unwrap());
                return;
            }
            b.iter_custom(|iters| {
                let start = Instant::now();
                std::thread::scope(|s| {
                    for _ in 0..producers {
                        let (store, items) = (&store, &items);
                        s.spawn(move || {
                            for _ in 0..iters {
                                store.append_batch(items).unwrap();
                            }
                        });
                    }
                });
                start.elapsed()
            });
        });
    }
    // The same path without fsync: what the CPU side (framing, CRC, one write) costs.
    g.throughput(Throughput::Elements(BATCH as u64));
    g.bench_function("never_batch1000/1_producers", |b| {
        let dir = tempfile::tempdir().unwrap();
        let o = StoreOptions { sync: SyncPolicy::Never, ..append_opts() };
        let store = Store::open(dir.path(), o).unwrap();
        let items: Vec<(u32, &[u8])> = bodies.iter().map(|b| (400u32, b.as_slice())).collect();
        b.iter(|| store.append_batch(&items).unwrap());
    });
    g.finish();
}

/// The large store for seeks and reads, built once (appends without fsync, then a sync).
fn big_store() -> (PathBuf, u64) {
    let n: u64 = std::env::var("STORE_BENCH_RECORDS").ok().and_then(|v| v.parse().ok()).unwrap_or(1_000_000);
    let base = std::env::var_os("STORE_BENCH_DIR").map_or_else(std::env::temp_dir, PathBuf::from);
    let dir = base.join(format!("estreamer-store-bench-{n}"));
    if let Ok(r) = StoreReader::open(&dir) {
        if r.last_seq().ok() == Some(n) {
            return (dir, n);
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    let start = Instant::now();
    let store = Store::open(&dir, StoreOptions { sync: SyncPolicy::Never, ..StoreOptions::default() }).unwrap();
    let bodies = bodies();
    let mut seq = 0u64;
    while seq < n {
        let k = (n - seq).min(BATCH as u64) as usize;
        let items: Vec<(u32, u32, &[u8])> =
            (0..k).map(|i| (400, T0 + ((seq + i as u64) / PER_SEC) as u32, bodies[i].as_slice())).collect();
        store.append_batch_at(&items).unwrap();
        seq += k as u64;
    }
    store.sync().unwrap();
    eprintln!("built a {n}-record store in {:?} at {}", start.elapsed(), dir.display());
    (dir, n)
}

fn seek_and_read(c: &mut Criterion) {
    let (dir, n) = big_store();
    let reader = StoreReader::open(&dir).unwrap();
    let span = (n / PER_SEC) as u32;
    let mut g = c.benchmark_group(format!("store_{n}"));
    g.sample_size(20);
    // First record after a seek by time, at pseudo-random points of the store.
    let mut x = 12345u64;
    g.bench_function("seek_by_time_first_record", |b| {
        b.iter(|| {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let ts = T0 + ((x >> 33) as u32 % span.max(1));
            let mut cur = reader.cursor_from_time(ts).unwrap();
            let r = cur.next().unwrap().unwrap();
            assert!(r.archive_ts >= ts);
            r.seq
        })
    });
    g.bench_function("seek_by_time_first_record_fresh_reader", |b| {
        b.iter(|| {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let ts = T0 + ((x >> 33) as u32 % span.max(1));
            let mut cur = StoreReader::open(&dir).unwrap().cursor_from_time(ts).unwrap();
            cur.next().unwrap().unwrap().seq
        })
    });
    g.throughput(Throughput::Elements(BATCH as u64));
    g.bench_function("read_next_batch_1000", |b| {
        let mut cur = reader.cursor_from_seq(1).unwrap();
        b.iter(|| {
            let mut recs = cur.next_batch(BATCH, 4 << 20).unwrap();
            if recs.len() < BATCH {
                cur = reader.cursor_from_seq(1).unwrap();
                recs = cur.next_batch(BATCH, 4 << 20).unwrap();
            }
            recs.len()
        })
    });
    g.finish();
}

criterion_group!(benches, append, seek_and_read);
criterion_main!(benches);
