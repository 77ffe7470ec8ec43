//! Fuzz target: see `estreamer_wire::fuzzing::client_ops`.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| estreamer_wire::fuzzing::client_ops(data));
