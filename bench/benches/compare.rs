//! Every workload, every contestant, side by side in one run.
//!
//! `cargo bench` from this directory; `sh run-all.sh` runs it five times
//! and turns criterion's estimates into the README tables and `results.svg`.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use resp_bench::contestants::*;
use resp_bench::workloads::*;
use std::time::Duration;

type Contestant = (&'static str, fn(&Workload) -> usize);

fn group(c: &mut Criterion, workload: &Workload, contestants: &[Contestant]) {
    let mut group = c.benchmark_group(workload.name);
    group.throughput(Throughput::Bytes(workload.bytes.len() as u64));
    for (name, run) in contestants {
        assert_eq!(
            run(workload),
            workload.frames,
            "{name} on {}",
            workload.name
        );
        group.bench_with_input(BenchmarkId::from_parameter(name), workload, |b, w| {
            b.iter(|| run(w))
        });
    }
    group.finish();
}

const OURS: [Contestant; 2] = [
    ("resp-core Decoder", resp_core_decoder),
    ("resp-core Reader", resp_core_reader),
];

fn resp2_peers() -> [Contestant; 3] {
    [
        ("redis-protocol", |w| redis_protocol(w, false)),
        ("resp-rs", |w| resp_rs(w, false)),
        ("redis-rs", redis_rs),
    ]
}

fn compare(c: &mut Criterion) {
    let ceiling: Contestant = ("memchr per line", memchr_per_line);
    for workload in [
        small_replies(),
        set_commands(),
        big_bulks(),
        wide_array(),
        set_commands_in_64_byte_reads(),
        wide_array_in_16k_reads(),
    ] {
        verify(&workload, false, true);
        let mut contestants = OURS.to_vec();
        if workload.name.contains("SET") || workload.name.contains("W2") {
            contestants.push(("resp-core CommandDecoder", resp_core_commands));
        }
        contestants.extend(resp2_peers());
        if workload.piece.is_none() {
            contestants.push(ceiling);
        }
        group(c, &workload, &contestants);
    }

    let resp3 = resp3_mix();
    verify(&resp3, true, true);
    let resp3_peers: [Contestant; 2] = [
        ("redis-protocol", |w| redis_protocol(w, true)),
        ("resp-rs", |w| resp_rs(w, true)),
    ];
    let mut contestants = OURS.to_vec();
    contestants.extend(resp3_peers);
    contestants.push(ceiling);
    group(c, &resp3, &contestants);

    let byte_by_byte = big_bulk_byte_by_byte();
    verify(&byte_by_byte, false, false);
    group(c, &byte_by_byte, &OURS);

    let arguments = set_arguments();
    let mut encoded = Vec::new();
    resp_core_pack(&mut encoded, &arguments);
    assert_eq!(encoded, set_commands().bytes, "resp-core packs W2's bytes");
    redis_rs_pack(&mut encoded, &arguments);
    assert_eq!(encoded, set_commands().bytes, "redis-rs packs W2's bytes");
    let mut group = c.benchmark_group("E1 pack 10k SET");
    group.throughput(Throughput::Bytes(encoded.len() as u64));
    group.bench_function(BenchmarkId::from_parameter("resp-core pack_command"), |b| {
        b.iter(|| resp_core_pack(&mut encoded, &arguments))
    });
    group.bench_function(
        BenchmarkId::from_parameter("redis-rs write_packed_command"),
        |b| b.iter(|| redis_rs_pack(&mut encoded, &arguments)),
    );
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(20);
    targets = compare
}
criterion_main!(benches);
