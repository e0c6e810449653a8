//! Runs one contestant on one workload a number of times, for profilers:
//! `valgrind --tool=callgrind target/release/profile decoder w1 20`.
//! Prints the frames decoded and the fastest run in microseconds.
use resp_bench::contestants::*;
use resp_bench::workloads::*;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (who, which) = (args[0].as_str(), args[1].as_str());
    let times: usize = args.get(2).map_or(10, |n| n.parse().unwrap());
    let workload = match which {
        "w1" => small_replies(),
        "w2" => set_commands(),
        "w3" => big_bulks(),
        "w4" => wide_array(),
        "w5" => resp3_mix(),
        "w6" => set_commands_in_64_byte_reads(),
        "w7" => wide_array_in_16k_reads(),
        "w8" => big_bulk_byte_by_byte(),
        _ => panic!("unknown workload {which}"),
    };
    let mut frames = 0;
    let mut out = Vec::new();
    // Made only when packing, so their allocations do not change the heap
    // the other contestants run in.
    let arguments = if who.ends_with("pack") {
        set_arguments()
    } else {
        Vec::new()
    };
    let mut fastest = std::time::Duration::MAX;
    for _ in 0..times {
        let started = std::time::Instant::now();
        frames += match who {
            "decoder" => resp_core_decoder(&workload),
            "reader" => resp_core_reader(&workload),
            "commands" => resp_core_commands(&workload),
            "redis-protocol" => redis_protocol(&workload, which == "w5"),
            "resp-rs" => resp_rs(&workload, which == "w5"),
            "redis-rs" => redis_rs(&workload),
            "memchr" => memchr_per_line(&workload),
            "pack" => {
                resp_core_pack(&mut out, &arguments);
                10_000
            }
            "redis-rs-pack" => {
                redis_rs_pack(&mut out, &arguments);
                10_000
            }
            _ => panic!("unknown contestant {who}"),
        };
        fastest = fastest.min(started.elapsed());
    }
    // The fastest run: on a busy machine the least disturbed one.
    println!("{frames} {:.1}", fastest.as_secs_f64() * 1e6);
}
