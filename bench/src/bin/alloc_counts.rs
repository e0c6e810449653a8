//! Allocations per frame and bytes per frame for resp-core's Decoder, Reader
//! and CommandDecoder (borrowed commands, and owned requests as a codec
//! hands them out) on every workload, from a counting allocator.
//! `cargo run --release --bin alloc_counts`

use resp_bench::contestants::{
    resp_core_commands, resp_core_decoder, resp_core_reader, resp_core_requests,
};
use resp_bench::counting::{Counting, allocated_bytes, allocations};
use resp_bench::workloads::*;

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Allocations and bytes one run makes, per frame. The workload's own input
/// buffer (filled by the harness as a socket would) is not counted apart:
/// it is part of every run.
fn per_frame(workload: &Workload, run: fn(&Workload) -> usize) -> (f64, f64) {
    run(workload); // warm up
    let (before, bytes) = (allocations(), allocated_bytes());
    let frames = run(workload) as f64;
    (
        (allocations() - before) as f64 / frames,
        (allocated_bytes() - bytes) as f64 / frames,
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
