//! How fast each client notices a dead server and comes back: it starts a
//! redis-server itself, then, round after round, kills it (SIGKILL) and
//! starts it again on the same port.
//!
//! `cargo run --release --bin recovery [rounds]` prints, per client and
//! with the default options but for a small queue bound:
//!
//! - *in flight fails after*: from the kill to the error of a call that
//!   was waiting for its reply (a `DEBUG SLEEP 1`, a write, so it is not
//!   sent again);
//! - *full queue fails after*: how long a call takes to fail while no
//!   connection is up and the queue for the next one is full (async only:
//!   the blocking connection has no queue);
//! - *served again after*: from the restarted server accepting
//!   connections to the first successful call, one that was waiting since
//!   before the restart (the backoff's cap, 1 s, bounds it).
use resp_test_support::RedisServer;
use std::time::{Duration, Instant};

/// The millisecond figures of each round, for one client.
#[derive(Default)]
struct Figures {
    in_flight: Vec<f64>,
    full_queue: Vec<f64>,
    served_again: Vec<f64>,
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

fn async_round(runtime: &tokio::runtime::Runtime, server: &mut RedisServer, figures: &mut Figures) {
    runtime.block_on(async {
        let mut options = resp_tokio::ClientOptions::default();
        options.max_queued_bytes = 64;
        let config = format!("redis://127.0.0.1:{}", server.port())
            .parse()
            .unwrap();
        let client = resp_tokio::Client::connect_with(&config, options)
            .await
            .unwrap();
        let sleeping = {
            let client = client.clone();
            tokio::spawn(async move {
                let result = client.call::<()>(["DEBUG", "SLEEP", "1"]).await;
                (result.is_err(), Instant::now())
            })
        };
        tokio::time::sleep(Duration::from_millis(100)).await;
        let killed = Instant::now();
        server.kill();
        let (failed, at) = sleeping.await.unwrap();
        assert!(failed);
        figures.in_flight.push(ms(at - killed));
        while client.is_connected() {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        // One call fills the queue (and waits for the server); the next fails.
        let waiting = {
            let client = client.clone();
            tokio::spawn(async move {
                let result = client.call::<String>(("ECHO", "x".repeat(40))).await;
                (result.is_ok(), Instant::now())
            })
        };
        tokio::time::sleep(Duration::from_millis(20)).await;
        let started = Instant::now();
        let refused = client.call::<String>(("ECHO", "y".repeat(40))).await;
        figures.full_queue.push(ms(started.elapsed()));
        assert!(refused.is_err());
        tokio::time::sleep(Duration::from_millis(300)).await;
        server.start_again();
        let back = Instant::now();
        let (ok, at) = waiting.await.unwrap();
        assert!(ok);
        figures.served_again.push(ms(at - back));
    });
}

fn blocking_round(server: &mut RedisServer, figures: &mut Figures) {
    let url = format!("redis://127.0.0.1:{}", server.port());
    let mut sleeper = resp_std::Connection::connect(&url).unwrap();
    let sleeping = std::thread::spawn(move || {
        let result = sleeper.call::<()>(["DEBUG", "SLEEP", "1"]);
        (result.is_err(), Instant::now(), sleeper)
    });
    std::thread::sleep(Duration::from_millis(100));
    let killed = Instant::now();
    server.kill();
    let (failed, at, mut connection) = sleeping.join().unwrap();
    assert!(failed);
    figures.in_flight.push(ms(at - killed));
    // A call made while the server is down waits, reconnecting, until it
    // is back (within its response timeout).
    let waiting = std::thread::spawn(move || {
        let result = connection.call::<String>("PING");
        (result.is_ok(), Instant::now())
    });
    std::thread::sleep(Duration::from_millis(300));
    server.start_again();
    let back = Instant::now();
    let (ok, at) = waiting.join().unwrap();
    assert!(ok);
    figures.served_again.push(ms(at - back));
}

/// `min / median / max` of `values`, or a dash.
fn summary(values: &mut [f64]) -> String {
    if values.is_empty() {
        return "-".into();
    }
    values.sort_by(f64::total_cmp);
    format!(
        "{:.2} / {:.2} / {:.2} ms",
        values[0],
        values[values.len() / 2],
        values[values.len() - 1]
    )
}

fn main() {
    let rounds: usize = std::env::args()
        .nth(1)
        .and_then(|rounds| rounds.parse().ok())
        .unwrap_or(10);
    let mut server = RedisServer::start().expect("redis-server installed");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let (mut tokio_figures, mut std_figures) = (Figures::default(), Figures::default());
    for _ in 0..rounds {
        async_round(&runtime, &mut server, &mut tokio_figures);
        blocking_round(&mut server, &mut std_figures);
    }
    println!("| client | in flight fails after | full queue fails after | served again after |");
    println!("|---|---|---|---|");
    for (name, figures) in [
        ("resp-tokio Client", &mut tokio_figures),
        ("resp-std Connection", &mut std_figures),
    ] {
        println!(
            "| {name} | {} | {} | {} |",
            summary(&mut figures.in_flight),
            summary(&mut figures.full_queue),
            summary(&mut figures.served_again)
        );
    }
    println!("\n(min / median / max of {rounds} rounds, each client in turn)");
}
