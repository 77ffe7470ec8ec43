//! Shared by the output crate's tests: the golden vectors as raw records, and a pipeline run.
#![allow(dead_code)]

use std::path::PathBuf;

use estreamer_output::{Format, FormatOptions, Formatter, Framing, Pipeline, PipelineConfig, RawRecord, RecordFacts};
use estreamer_wire::message::Message;
use estreamer_wire::view::MetadataCache;

/// The golden vectors, kept in the repository (`testdata/vectors`, a copy of the shared set).
pub fn vectors_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/vectors")
}

/// The record of vector `name` as a raw record.
pub fn raw(name: &str) -> RawRecord {
    let p = vectors_dir().join(format!("{name}.bin"));
    let bytes = std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    match Message::decode(&bytes).unwrap() {
        Message::EventData(ed) => {
            let (ts, ck) = ed.archive.unwrap_or((0, 0));
            RawRecord::new(ed.record_type, ts, ck, ed.body.to_vec())
        }
        other => panic!("{name} is not an Event Data message: {other:?}"),
    }
}

/// Every record vector name, metadata vectors first (so events resolve their names).
pub fn all_record_vectors() -> Vec<String> {
    let index: serde_json::Value =
        serde_json::from_slice(&std::fs::read(vectors_dir().join("index.json")).unwrap()).unwrap();
    let mut names: Vec<(bool, String)> = index["vectors"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| v["kind"] == "record")
        .map(|v| {
            let rt = v["recordType"].as_u64().unwrap() as u32;
            (!estreamer_wire::schema::catalog::is_metadata(rt), v["name"].as_str().unwrap().to_string())
        })
        .collect();
    names.sort();
    names.into_iter().map(|(_, n)| n).collect()
}

/// The metadata vectors (to learn before events).
pub fn metadata_vectors() -> Vec<String> {
    all_record_vectors()
        .into_iter()
        .filter(|n| estreamer_wire::schema::catalog::is_metadata(raw(n).head.record_type))
        .collect()
}

/// Format `records` through an inline pipeline after learning every metadata vector first.
pub fn run(format: &Format, framing: Framing, computed: bool, records: &[&str]) -> Vec<(RecordFacts, Vec<u8>)> {
    let formatter = Formatter::new(format, &FormatOptions::default(), framing);
    let mut p =
        Pipeline::new(formatter, MetadataCache::new(), PipelineConfig { computed, ..Default::default() }).unwrap();
    for m in metadata_vectors() {
        p.push(raw(&m), |_, _| Ok(())).unwrap();
    }
    let mut out = Vec::new();
    for r in records {
        p.push(raw(r), |f, b| {
            out.push((f.clone(), b.to_vec()));
            Ok(())
        })
        .unwrap();
    }
    out
}

/// One record's formatted text (decorated, no framing).
pub fn one(format: &Format, name: &str) -> String {
    let (_, b) = run(format, Framing::None, true, &[name]).pop().unwrap();
    String::from_utf8(b).unwrap()
}
