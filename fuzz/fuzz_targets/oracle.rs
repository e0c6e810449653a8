#![no_main]

#[path = "../../resp-core/tests/common/oracle.rs"]
mod oracle;

libfuzzer_sys::fuzz_target!(|data: &[u8]| resp_core::fuzzing::oracle(data, &oracle::frames));
