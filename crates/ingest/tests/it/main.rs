//! The ingest API on real stores. One test binary.

mod api;
