//! The wire crate's integration tests, one binary: golden vectors, spec examples, the whole
//! catalog, conversion, the computed view, host-profile answers, robustness and the sans-io sessions.

mod catalog;
mod common;
mod conversion;
mod generate;
mod hosts;
mod robustness;
mod schemas;
mod sessions;
mod spec_examples;
mod strict_json;
mod unknown;
mod vectors;
mod view;
mod view_corpus;
