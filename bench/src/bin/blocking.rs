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
use resp_bench::rounds::{best_of, print_table};
use resp_test_support::RedisServer;

const SCENARIOS: [&str; 4] = [
    "(a) sequential PING",
    "(b) SET + GET, 100 bytes",
    "(c) pipelines of 10,000",
    "(d) GET of 1 MiB",
];
/// Operations per scenario and round, the same for both clients.
const OPS: [usize; 4] = [20_000, 20_000, 500_000, 2_000];
const CLIENTS: [&str; 2] = ["resp-std Connection", "redis-rs sync"];

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
    let best = best_of(
        rounds,
        &SCENARIOS,
        &CLIENTS,
        |scenario, client| match client {
            0 => run_resp_std(&url, scenario),
            _ => run_redis_rs(&url, scenario),
        },
    );
    drop(server);
    print_table(
        &SCENARIOS,
        &CLIENTS,
        &best,
        &[("resp-std / redis-rs", 0, 1)],
    );
}
