//! Decode → JSON for a realistic record mix (weights roughly as a busy FMC sends them:
//! connections dominate, then intrusion events with their packets, files, malware, discovery).
//! Throughput is reported in records per second.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use estreamer_wire::message::{Bundle, EventData, Message};
use estreamer_wire::view::{decorate, MetadataCache};
use estreamer_wire::{decode_record, encode_record_body, RecordHead};

const MIX: [(&str, usize); 9] = [
    ("r71_s1b174", 50),
    ("r400_s2b85", 10),
    ("r2_packet", 10),
    ("r110_s2b4_type9", 3),
    ("r500_s2b79", 8),
    ("r125_s2b80", 4),
    ("r10_s1b139", 3),
    ("r95_s1b167", 7),
    ("r9_s1b153", 5),
];

fn load(name: &str) -> EventData {
    let bin = std::fs::read(format!("{}/../../testdata/vectors/{name}.bin", env!("CARGO_MANIFEST_DIR"))).unwrap();
    match Message::decode(&bin).unwrap() {
        Message::EventData(ed) => ed,
        _ => unreachable!(),
    }
}

fn mix() -> Vec<EventData> {
    MIX.iter().flat_map(|(n, w)| std::iter::repeat_n(load(n), *w)).collect()
}

fn metadata_cache() -> MetadataCache {
    let mut cache = MetadataCache::new();
    let dir = format!("{}/../../testdata/vectors", env!("CARGO_MANIFEST_DIR"));
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.extension().is_some_and(|x| x == "bin") && p.file_name().unwrap().to_string_lossy().starts_with('r') {
            if let Ok(Message::EventData(ed)) = Message::decode(&std::fs::read(&p).unwrap()) {
                let (ts, ck) = ed.archive.unwrap_or((0, 0));
                let d =
                    decode_record(RecordHead { record_type: ed.record_type, archive_ts: ts, checksum: ck }, &ed.body);
                cache.learn(&d.value);
            }
        }
    }
    cache
}

fn bench(c: &mut Criterion) {
    let records = mix();
    let mut g = c.benchmark_group("records");
    g.throughput(Throughput::Elements(records.len() as u64));
    g.bench_function("decode", |b| {
        b.iter(|| {
            for ed in &records {
                let (ts, ck) = ed.archive.unwrap_or((0, 0));
                std::hint::black_box(decode_record(
                    RecordHead { record_type: ed.record_type, archive_ts: ts, checksum: ck },
                    &ed.body,
                ));
            }
        })
    });
    let mut line = String::with_capacity(8192);
    g.bench_function("decode_to_json", |b| {
        b.iter(|| {
            for ed in &records {
                let (ts, ck) = ed.archive.unwrap_or((0, 0));
                let d =
                    decode_record(RecordHead { record_type: ed.record_type, archive_ts: ts, checksum: ck }, &ed.body);
                line.clear();
                d.value.write_json(&mut line);
                std::hint::black_box(&line);
            }
        })
    });
    let cache = metadata_cache();
    g.bench_function("decode_computed_json", |b| {
        b.iter(|| {
            for ed in &records {
                let (ts, ck) = ed.archive.unwrap_or((0, 0));
                let mut d =
                    decode_record(RecordHead { record_type: ed.record_type, archive_ts: ts, checksum: ck }, &ed.body);
                decorate(&mut d.value, &cache);
                line.clear();
                d.value.write_json(&mut line);
                std::hint::black_box(&line);
            }
        })
    });
    // The other direction (the sensor, JSON replay, version conversion): value → wire bytes.
    let decoded: Vec<_> = records
        .iter()
        .map(|ed| {
            let (ts, ck) = ed.archive.unwrap_or((0, 0));
            (
                ed.record_type,
                decode_record(RecordHead { record_type: ed.record_type, archive_ts: ts, checksum: ck }, &ed.body).value,
            )
        })
        .collect();
    g.bench_function("encode", |b| {
        b.iter(|| {
            for (rt, v) in &decoded {
                std::hint::black_box(encode_record_body(*rt, v, None).unwrap());
            }
        })
    });
    // The message layer alone: parse a 100-record bundle.
    let bundle = Message::Bundle(Bundle { connection_id: 1, sequence: 1, items: records.clone() }).to_bytes().unwrap();
    g.bench_function("bundle_parse", |b| b.iter(|| std::hint::black_box(Message::decode(&bundle).unwrap())));
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
