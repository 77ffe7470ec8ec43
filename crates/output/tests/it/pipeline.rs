//! The pipeline: worker-pool output equals inline output, in order; only metadata feeds the cache.

use crate::common::{all_record_vectors, raw};
use estreamer_output::{Format, FormatOptions, Formatter, Framing, Pipeline, PipelineConfig, RecordFacts};
use estreamer_wire::decode_record;
use estreamer_wire::view::MetadataCache;

fn run(config: PipelineConfig, names: &[String]) -> (Vec<(RecordFacts, Vec<u8>)>, usize) {
    let formatter = Formatter::new(&Format::Splunk, &FormatOptions::default(), Framing::Newline);
    let mut p = Pipeline::new(formatter, MetadataCache::new(), config).unwrap();
    let mut out = Vec::new();
    for (i, n) in names.iter().enumerate() {
        p.push(raw(n), |f, b| {
            out.push((f.clone(), b.to_vec()));
            Ok(())
        })
        .unwrap();
        if i % 37 == 36 {
            p.finish(|f, b| {
                out.push((f.clone(), b.to_vec()));
                Ok(())
            })
            .unwrap();
        }
    }
    p.finish(|f, b| {
        out.push((f.clone(), b.to_vec()));
        Ok(())
    })
    .unwrap();
    let learned = p.cache().len();
    (out, learned)
}

#[test]
fn worker_pool_output_equals_inline_output_in_order() {
    // Events before and after the metadata they refer to, several times over, so snapshots change
    // while batches are in flight.
    let mut names = all_record_vectors();
    names.reverse();
    let mut stream = Vec::new();
    for round in 0..6 {
        stream.extend(names.iter().cloned());
        if round % 2 == 1 {
            stream.reverse();
        }
    }
    let (inline, learned_inline) = run(PipelineConfig::default(), &stream);
    let pooled_config = PipelineConfig { threads: 2, batch_records: 3, max_batches_in_flight: 2, ..Default::default() };
    let (pooled, learned_pooled) = run(pooled_config, &stream);
    assert_eq!(inline.len(), stream.len());
    assert_eq!(learned_inline, learned_pooled);
    for (i, (a, b)) in inline.iter().zip(&pooled).enumerate() {
        assert_eq!(a, b, "record {i} ({})", stream[i]);
    }
    assert_eq!(inline.len(), pooled.len());
    // Decoration did use the learned names (not a trivially equal output).
    assert!(inline.iter().any(|(_, b)| String::from_utf8_lossy(b).contains("sensor=")));
}

#[test]
fn an_event_never_sees_metadata_that_came_after_it() {
    // Same batch, event first: the device name (record 123) must not leak back into the event.
    let stream = vec!["r400_s2b85".to_string(), "r123_idname".to_string(), "r400_s2b85".to_string()];
    let pooled_config = PipelineConfig { threads: 2, batch_records: 64, ..Default::default() };
    let (pooled, _) = run(pooled_config, &stream);
    let (inline, _) = run(PipelineConfig::default(), &stream);
    assert_eq!(pooled, inline);
    assert!(!String::from_utf8_lossy(&pooled[0].1).contains(" sensor="));
    assert!(String::from_utf8_lossy(&pooled[2].1).contains(" sensor="));
}

#[test]
fn only_metadata_records_change_the_cache() {
    for n in all_record_vectors() {
        let r = raw(&n);
        if estreamer_wire::schema::catalog::is_metadata(r.head.record_type) {
            continue;
        }
        let mut cache = MetadataCache::new();
        assert!(!cache.learn(&decode_record(r.head, &r.body).value), "{n} is an event but changed the cache");
    }
}

#[test]
fn facts_tell_events_from_metadata_and_carry_issues() {
    let (out, _) = run(PipelineConfig::default(), &["r123_idname".to_string(), "r400_s2b85".to_string()]);
    assert!(out[0].0.is_metadata && !out[1].0.is_metadata);
    assert_eq!(out[1].0.event_time, (1_750_000_001, 123_457));
    assert!(out[1].0.issues.is_empty());
    let formatter = Formatter::new(&Format::Json, &FormatOptions::default(), Framing::Newline);
    let mut p = Pipeline::new(formatter, MetadataCache::new(), PipelineConfig::default()).unwrap();
    let mut short = raw("r400_s2b85");
    short.body.truncate(10);
    let mut issues = 0;
    p.push(short, |f, b| {
        issues = f.issues.len();
        assert!(!b.is_empty(), "a short record is still written, as far as it decodes");
        Ok(())
    })
    .unwrap();
    assert!(issues > 0);
}
