//! Shared by the wire crate's tests: where the golden vectors are and how to load them.
#![allow(dead_code)]

use estreamer_wire::message::{EventData, Message};
use std::path::PathBuf;

/// The golden vectors, kept in the repository (`testdata/vectors`, a copy of the shared set).
pub fn vectors_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/vectors")
}

/// Bytes of `NAME.EXT` in the vectors directory.
pub fn read(name: &str, ext: &str) -> Vec<u8> {
    let p = vectors_dir().join(format!("{name}.{ext}"));
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// The Event Data record of a record vector.
pub fn event_data(name: &str) -> EventData {
    match Message::decode(&read(name, "bin")).unwrap() {
        Message::EventData(ed) => ed,
        other => panic!("{name} is not an Event Data message: {other:?}"),
    }
}
