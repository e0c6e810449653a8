//! Blocking clients side by side against one redis-server it starts
//! itself: resp-std's `Connection` and redis-rs's synchronous
//! `Connection`, interleaved round by round.
//!
//! `cargo run --release --bin blocking [rounds]` prints a table of
//! operations per second and CPU time per operation (this process's user
//! and system time, so the server's own work is not counted).
//!
//! (a) sequential PING (latency); (b) SET then GET of a 100-byte value;
//! (c) pipelines of 10,000 INCRs; (d) GET of a 1 MiB value.
use resp_test_support::RedisServer;
use std::time::Instant;

const SCENARIOS: [&str; 4] = [
    "(a) sequential PING",
    "(b) SET + GET, 100 bytes",
    "(c) pipelines of 10,000",
    "(d) GET of 1 MiB",
];
/// Operations per scenario and round, the same for both clients.
const OPS: [usize; 4] = [20_000, 20_000, 500_000, 2_000];
const CLIENTS: [&str; 2] = ["resp-std Connection", "redis-rs sync"];

fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap();
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .unwrap()
        .1
        .split_whitespace()
        .collect();
    let ticks: f64 = fields[11].parse::<f64>().unwrap() + fields[12].parse::<f64>().unwrap();
    ticks / 100.0
}

fn run_resp_std(url: &str, scenario: usize) -> usize {
    let mut redis = resp_std::Connection::connect(url).unwrap();
    let ops = OPS[scenario];
    match scenario {
        0 => {
            for _ in 0..ops {
                let _: String = redis.call(["PING"]).unwrap();
            }
        }
        1 => {
            let value = [b'v'; 100];
            for round in 0..ops / 2 {
                let key = format!("key:{}", round % 100);
                redis
                    .call::<()>((&b"SET"[..], key.as_bytes(), &value[..]))
                    .unwrap();
                let _: bytes::Bytes = redis.call(["GET", key.as_str()]).unwrap();
            }
        }
        2 => {
            let mut pipeline = resp_core::Pipeline::new();
            for _ in 0..10_000 {
                pipeline.command(["INCR", "counter"]);
            }
            for _ in 0..ops / 10_000 {
                let replies = redis.pipeline(&pipeline).unwrap();
                assert_eq!(replies.len(), 10_000);
            }
        }
        _ => {
            for _ in 0..ops {
                let value: bytes::Bytes = redis.call(["GET", "big"]).unwrap();
                assert_eq!(value.len(), 1 << 20);
            }
        }
    }
    ops
}

fn run_redis_rs(url: &str, scenario: usize) -> usize {
    let client = redis::Client::open(url).unwrap();
    let mut redis = client.get_connection().unwrap();
    let ops = OPS[scenario];
    match scenario {
        0 => {
            for _ in 0..ops {
                let _: String = redis::cmd("PING").query(&mut redis).unwrap();
            }
        }
        1 => {
            let value = [b'v'; 100];
            for round in 0..ops / 2 {
                let key = format!("key:{}", round % 100);
                let _: () = redis::cmd("SET")
                    .arg(&key)
                    .arg(&value[..])
                    .query(&mut redis)
                    .unwrap();
                let _: Vec<u8> = redis::cmd("GET").arg(&key).query(&mut redis).unwrap();
            }
        }
        2 => {
            let mut pipeline = redis::pipe();
            for _ in 0..10_000 {
                pipeline.cmd("INCR").arg("counter");
            }
            for _ in 0..ops / 10_000 {
                let replies: Vec<i64> = pipeline.query(&mut redis).unwrap();
                assert_eq!(replies.len(), 10_000);
            }
        }
        _ => {
            for _ in 0..ops {
                let value: Vec<u8> = redis::cmd("GET").arg("big").query(&mut redis).unwrap();
                assert_eq!(value.len(), 1 << 20);
            }
        }
    }
    ops
}

fn main() {
    let rounds: usize = std::env::args().nth(1).map_or(3, |n| n.parse().unwrap());
    let server = RedisServer::start().expect("redis-server (apt-get install redis-server)");
    let url = format!("redis://127.0.0.1:{}", server.port());
    let mut setup = resp_std::Connection::connect(&url).unwrap();
    setup
        .call::<()>((&b"SET"[..], &b"big"[..], &vec![b'x'; 1 << 20][..]))
        .unwrap();
    // Best (operations per second, CPU microseconds per operation) per cell.
    let mut best = [[(0f64, f64::MAX); 2]; 4];
    for round in 0..rounds {
        for (scenario, row) in best.iter_mut().enumerate() {
            for (client, cell) in row.iter_mut().enumerate() {
                let (cpu, started) = (cpu_seconds(), Instant::now());
                let ops = match client {
                    0 => run_resp_std(&url, scenario),
                    _ => run_redis_rs(&url, scenario),
                };
                let (elapsed, cpu) = (started.elapsed().as_secs_f64(), cpu_seconds() - cpu);
                let rate = ops as f64 / elapsed;
                let per_op = cpu * 1e6 / ops as f64;
                eprintln!(
                    "round {} {} {}: {rate:.0}/s, {per_op:.2} us CPU/op",
                    round + 1,
                    SCENARIOS[scenario],
                    CLIENTS[client]
                );
                cell.0 = cell.0.max(rate);
                cell.1 = cell.1.min(per_op);
            }
        }
    }
    drop(server);
    println!(
        "| scenario | {} | resp-std / redis-rs |",
        CLIENTS.join(" | ")
    );
    println!("|---|---|---|---|");
    for (scenario, row) in best.iter().enumerate() {
        let cells: Vec<String> = row
            .iter()
            .map(|(rate, cpu)| format!("{rate:.0}/s, {cpu:.2} us CPU"))
            .collect();
        println!(
            "| {} | {} | {:.2}x |",
            SCENARIOS[scenario],
            cells.join(" | "),
            row[0].0 / row[1].0
        );
    }
}
