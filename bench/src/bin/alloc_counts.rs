//! Allocations per frame and bytes per frame for resp-core's Decoder, Reader
//! and CommandDecoder (borrowed commands, and owned requests as a codec
//! hands them out) on every workload, from a counting allocator.
//! `cargo run --release --bin alloc_counts`
#![allow(unsafe_code)] // GlobalAlloc is an unsafe trait

use resp_bench::contestants::{
    resp_core_commands, resp_core_decoder, resp_core_reader, resp_core_requests,
};
use resp_bench::workloads::*;
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);
static BYTES: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards every call unchanged to the system allocator.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Relaxed);
        BYTES.fetch_add(layout.size(), Relaxed);
        // SAFETY: the caller's layout contract is passed on unchanged.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `System.alloc` with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Relaxed);
        BYTES.fetch_add(new_size.saturating_sub(layout.size()), Relaxed);
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Allocations and bytes one run makes, per frame. The workload's own input
/// buffer (filled by the harness as a socket would) is not counted apart:
/// it is part of every run.
fn per_frame(workload: &Workload, run: fn(&Workload) -> usize) -> (f64, f64) {
    run(workload); // warm up
    let (allocations, bytes) = (ALLOCATIONS.load(Relaxed), BYTES.load(Relaxed));
    let frames = run(workload) as f64;
    (
        (ALLOCATIONS.load(Relaxed) - allocations) as f64 / frames,
        (BYTES.load(Relaxed) - bytes) as f64 / frames,
    )
}

fn main() {
    println!(
        "| workload | Decoder allocs/frame | Decoder bytes/frame | Reader allocs/frame | Reader bytes/frame | CommandDecoder allocs/command | owned Request allocs/request |"
    );
    println!("|---|---|---|---|---|---|---|");
    for workload in [
        small_replies(),
        set_commands(),
        big_bulks(),
        wide_array(),
        resp3_mix(),
        set_commands_in_64_byte_reads(),
        wide_array_in_16k_reads(),
        big_bulk_byte_by_byte(),
    ] {
        let (decoder_allocs, decoder_bytes) = per_frame(&workload, resp_core_decoder);
        let (reader_allocs, reader_bytes) = per_frame(&workload, resp_core_reader);
        let (commands, requests) = if workload.name.contains("SET") {
            (
                format!("{:.3}", per_frame(&workload, resp_core_commands).0),
                format!("{:.3}", per_frame(&workload, resp_core_requests).0),
            )
        } else {
            ("-".to_owned(), "-".to_owned())
        };
        println!(
            "| {} | {decoder_allocs:.3} | {decoder_bytes:.0} | {reader_allocs:.3} | {reader_bytes:.0} | {commands} | {requests} |",
            workload.name
        );
    }
}
