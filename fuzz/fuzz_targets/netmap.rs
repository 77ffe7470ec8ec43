//! Fuzz target: see `estreamer_store::fuzzing::netmap`.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| estreamer_store::fuzzing::netmap(data));
