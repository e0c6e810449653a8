#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| resp_core::fuzzing::helpers(data));
