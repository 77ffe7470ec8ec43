//! Sensor generation figures: records per second of the default mix (and of each kind alone),
//! generation only — no store, no ingest. Each iteration starts from the same fresh world, so
//! the records counted are the same in every run.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use estreamer_sensor::{parse_mix, EventKind, World, MIX};

/// Primary events per iteration.
const EVENTS: usize = 20_000;

/// Records (primary plus attached) that `EVENTS` events of `mix` make from a fresh world.
fn records_of(world: &World, mix: &[(EventKind, u32)]) -> u64 {
    let mut w = world.clone();
    (0..EVENTS).map(|_| w.try_next_event_with(mix).unwrap().len() as u64).sum()
}

fn generate(c: &mut Criterion) {
    let world = World::new(7);
    // The metadata first, as the producer does; the events then start from the same state.
    let _ = world.metadata_records();
    let mut group = c.benchmark_group("sensor");
    group.sample_size(10);
    let mixes: Vec<(&str, Vec<(EventKind, u32)>)> = vec![
        ("mix", MIX.to_vec()),
        ("connection", parse_mix("connection=1").unwrap()),
        ("intrusion", parse_mix("intrusion=1").unwrap()),
        ("discovery", parse_mix("discovery=1").unwrap()),
    ];
    for (name, mix) in mixes {
        group.throughput(Throughput::Elements(records_of(&world, &mix)));
        group.bench_function(format!("generate/{name}"), |b| {
            b.iter_batched(
                || world.clone(),
                |mut w| {
                    let mut bytes = 0usize;
                    for _ in 0..EVENTS {
                        for r in w.try_next_event_with(&mix).unwrap() {
                            bytes += r.body.len();
                        }
                    }
                    bytes
                },
                BatchSize::LargeInput,
            );
        });
    }
    group.finish();
}

criterion_group!(benches, generate);
criterion_main!(benches);
