//! Fuzz target: see `estreamer_wire::fuzzing::host_block`.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| estreamer_wire::fuzzing::host_block(data));
