//! Replays every committed fuzz input (seeds and minimised crashes) through
//! the same bodies the `cargo fuzz` targets run, on stable.
#![allow(unsafe_code)] // the counting allocator implements the unsafe GlobalAlloc trait

mod common;
#[path = "common/counting.rs"]
mod counting;

use common::oracle;
use resp_core::fuzzing;
use std::fs;
use std::path::PathBuf;

#[global_allocator]
static ALLOCATOR: counting::Counting = counting::Counting;

fn replay(target: &str, body: impl Fn(&[u8])) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/corpus")
        .join(target);
    let mut count = 0;
    for entry in fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        let data = fs::read(&path).unwrap();
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| body(&data)));
        assert!(outcome.is_ok(), "{target} fails on {}", path.display());
        count += 1;
    }
    assert!(
        count >= 10,
        "{target}: only {count} inputs in {}",
        dir.display()
    );
}

// One test, run in order: the decode body measures the heap, which other
// test threads would disturb.
#[test]
fn every_committed_input_passes_its_target() {
    replay("decode", |data| fuzzing::decode(data, &counting::live));
    replay("decode_chunked", fuzzing::decode_chunked);
    replay("roundtrip", fuzzing::roundtrip);
    replay("oracle", |data| fuzzing::oracle(data, &oracle::frames));
    replay("command", fuzzing::command);
    replay("reply_writer", fuzzing::reply_writer);
    replay("reader_events", fuzzing::reader_events);
    replay("helpers", fuzzing::helpers);
}
