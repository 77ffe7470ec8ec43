//! Fuzz target: see `estreamer_pki::fuzzing::pkcs12`.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| estreamer_pki::fuzzing::pkcs12(data));
