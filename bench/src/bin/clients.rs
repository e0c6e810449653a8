//! Async clients side by side against one redis-server it starts itself:
//! resp-tokio's `Client`, redis-rs's multiplexed connection and fred, each
//! on one connection, interleaved round by round.
//!
//! `cargo run --release --bin clients [rounds]` prints a table of
//! operations per second, CPU time per operation (this process's user
//! and system time, so the server's own work is not counted) and heap
//! allocations per operation (connection setup included, amortised).
//!
//! (a) 100 tasks on one connection, each SET then GET in a loop;
//! (b) the same with 1,000 tasks; (c) one task sending pipelines of
//! 10,000 INCRs; (d) one task, sequential PINGs (latency).
use resp_bench::counting::Counting;
use resp_bench::rounds::{best_of, print_table};

#[global_allocator]
static ALLOCATOR: Counting = Counting;
use resp_test_support::RedisServer;

const SCENARIOS: [&str; 4] = [
    "(a) 100 tasks, GET/SET",
    "(b) 1,000 tasks, GET/SET",
    "(c) pipelines of 10,000",
    "(d) sequential PING",
];
/// Tasks and rounds per task in (a) and (b), the same for every client.
const TASKS: [(usize, usize); 2] = [(100, 2_000), (1_000, 200)];
const CLIENTS: [&str; 3] = ["resp-tokio Client", "redis-rs multiplexed", "fred"];

/// The key task `task` uses, made once, so that the harness allocates
/// nothing per operation and the allocation counts are the clients' own.
fn key_of(task: usize) -> &'static String {
    static KEYS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    &KEYS.get_or_init(|| (0..1_000).map(|task| format!("key:{task}")).collect())[task]
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
                    let key = key_of(task);
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
                    let key = key_of(task);
                    redis::cmd("SET")
                        .arg(key)
                        .arg(round)
                        .query_async::<()>(&mut connection)
                        .await
                        .unwrap();
                    let _: i64 = redis::cmd("GET")
                        .arg(key)
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
                    let key = key_of(task);
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
    let best = best_of(rounds, &SCENARIOS, &CLIENTS, |scenario, client| {
        runtime.block_on(async {
            match client {
                0 => run_resp_tokio(&url, scenario).await,
                1 => run_redis_rs(&url, scenario).await,
                _ => run_fred(&url, scenario).await,
            }
        })
    });
    drop(server);
    print_table(
        &SCENARIOS,
        &CLIENTS,
        &best,
        &[("resp-tokio / redis-rs", 0, 1), ("resp-tokio / fred", 0, 2)],
    );
}
