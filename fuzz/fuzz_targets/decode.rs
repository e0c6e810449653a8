#![no_main]

#[path = "../../resp-core/tests/common/counting.rs"]
mod counting;

#[global_allocator]
static ALLOCATOR: counting::Counting = counting::Counting;

libfuzzer_sys::fuzz_target!(|data: &[u8]| resp_core::fuzzing::decode(data, &counting::live));
