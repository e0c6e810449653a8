//! Async clients side by side against one redis-server it starts itself:
//! resp-tokio's `Client`, redis-rs's multiplexed connection and fred, each
//! on one connection, interleaved round by round.
//!
//! `cargo run --release --bin clients [rounds]` prints a table of
//! operations per second and CPU time per operation (this process's user
//! and system time, so the server's own work is not counted).
//!
//! (a) 100 tasks on one connection, each SET then GET in a loop;
//! (b) the same with 1,000 tasks; (c) one task sending pipelines of
//! 10,000 INCRs; (d) one task, sequential PINGs (latency).
use resp_test_support::RedisServer;
use std::time::Instant;

const SCENARIOS: [&str; 4] = [
    "(a) 100 tasks, GET/SET",
    "(b) 1,000 tasks, GET/SET",
    "(c) pipelines of 10,000",
    "(d) sequential PING",
];
/// Tasks and rounds per task in (a) and (b), the same for every client.
const TASKS: [(usize, usize); 2] = [(100, 2_000), (1_000, 200)];
const CLIENTS: [&str; 3] = ["resp-tokio Client", "redis-rs multiplexed", "fred"];

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

/// Operations done by `tasks` tasks, each running `per_task` rounds of `op`.
async fn spread<F, Fut>(tasks: usize, per_task: usize, op: F) -> usize
where
    F: Fn(usize, usize) -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = usize> + Send,
{
    let handles: Vec<_> = (0..tasks)
        .map(|task| {
            let op = op.clone();
            tokio::spawn(async move {
                let mut done = 0;
                for round in 0..per_task {
                    done += op(task, round).await;
                }
                done
            })
        })
        .collect();
    let mut total = 0;
    for handle in handles {
        total += handle.await.unwrap();
    }
    total
}

async fn run_resp_tokio(url: &str, scenario: usize) -> usize {
    let client = resp_tokio::Client::connect(url).await.unwrap();
    match scenario {
        0 | 1 => {
            let (tasks, per_task) = TASKS[scenario];
            spread(tasks, per_task, move |task, round| {
                let client = client.clone();
                async move {
                    let key = format!("key:{task}");
                    client
                        .call::<()>(("SET", key.as_str(), round))
                        .await
                        .unwrap();
                    let _: i64 = client.call(["GET", key.as_str()]).await.unwrap();
                    2
                }
            })
            .await
        }
        2 => {
            let mut pipeline = resp_core::Pipeline::new();
            for _ in 0..10_000 {
                pipeline.command(["INCR", "counter"]);
            }
            for _ in 0..20 {
                assert_eq!(client.pipeline(&pipeline).await.unwrap().len(), 10_000);
            }
            200_000
        }
        _ => {
            for _ in 0..20_000 {
                client.call_frame(["PING"]).await.unwrap();
            }
            20_000
        }
    }
}

async fn run_redis_rs(url: &str, scenario: usize) -> usize {
    let connection = redis::Client::open(url)
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap();
    match scenario {
        0 | 1 => {
            let (tasks, per_task) = TASKS[scenario];
            spread(tasks, per_task, move |task, round| {
                let mut connection = connection.clone();
                async move {
                    let key = format!("key:{task}");
                    redis::cmd("SET")
                        .arg(&key)
                        .arg(round)
                        .query_async::<()>(&mut connection)
                        .await
                        .unwrap();
                    let _: i64 = redis::cmd("GET")
                        .arg(&key)
                        .query_async(&mut connection)
                        .await
                        .unwrap();
                    2
                }
            })
            .await
        }
        2 => {
            let mut connection = connection;
            let mut pipeline = redis::pipe();
            for _ in 0..10_000 {
                pipeline.cmd("INCR").arg("counter");
            }
            for _ in 0..20 {
                let replies: Vec<i64> = pipeline.query_async(&mut connection).await.unwrap();
                assert_eq!(replies.len(), 10_000);
            }
            200_000
        }
        _ => {
            let mut connection = connection;
            for _ in 0..20_000 {
                let _: String = redis::cmd("PING")
                    .query_async(&mut connection)
                    .await
                    .unwrap();
            }
            20_000
        }
    }
}

async fn run_fred(url: &str, scenario: usize) -> usize {
    use fred::prelude::*;
    let config = Config::from_url(url).unwrap();
    let client = Builder::from_config(config).build().unwrap();
    client.init().await.unwrap();
    let done = match scenario {
        0 | 1 => {
            let (tasks, per_task) = TASKS[scenario];
            let shared = client.clone();
            spread(tasks, per_task, move |task, round| {
                let client = shared.clone();
                async move {
                    let key = format!("key:{task}");
                    let _: () = client
                        .set(key.as_str(), round as i64, None, None, false)
                        .await
                        .unwrap();
                    let _: i64 = client.get(key.as_str()).await.unwrap();
                    2
                }
            })
            .await
        }
        2 => {
            for _ in 0..20 {
                let pipeline = client.pipeline();
                for _ in 0..10_000 {
                    let _: () = pipeline.incr("counter").await.unwrap();
                }
                let replies: Vec<i64> = pipeline.all().await.unwrap();
                assert_eq!(replies.len(), 10_000);
            }
            200_000
        }
        _ => {
            for _ in 0..20_000 {
                let _: String = client.ping(None).await.unwrap();
            }
            20_000
        }
    };
    client.quit().await.unwrap();
    done
}

fn main() {
    let rounds: usize = std::env::args().nth(1).map_or(3, |n| n.parse().unwrap());
    let server = RedisServer::start().expect("redis-server (apt-get install redis-server)");
    let port = server.port();
    let url = format!("redis://127.0.0.1:{port}");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    // Best (operations per second, CPU microseconds per operation) per cell.
    let mut best = [[(0f64, f64::MAX); 3]; 4];
    for round in 0..rounds {
        for (scenario, row) in best.iter_mut().enumerate() {
            for (client, cell) in row.iter_mut().enumerate() {
                let (cpu, started) = (cpu_seconds(), Instant::now());
                let ops = runtime.block_on(async {
                    match client {
                        0 => run_resp_tokio(&url, scenario).await,
                        1 => run_redis_rs(&url, scenario).await,
                        _ => run_fred(&url, scenario).await,
                    }
                });
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
        "| scenario | {} | resp-tokio / redis-rs | resp-tokio / fred |",
        CLIENTS.join(" | ")
    );
    println!("|---|---|---|---|---|---|");
    for (scenario, row) in best.iter().enumerate() {
        let cells: Vec<String> = row
            .iter()
            .map(|(rate, cpu)| format!("{rate:.0}/s, {cpu:.2} us CPU"))
            .collect();
        println!(
            "| {} | {} | {:.2}x | {:.2}x |",
            SCENARIOS[scenario],
            cells.join(" | "),
            row[0].0 / row[1].0,
            row[0].0 / row[2].0
        );
    }
}
