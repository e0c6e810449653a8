//! The async `Client` when the network misbehaves, against a real
//! redis-server: the server killed and restarted under 100 busy tasks,
//! subscriptions carried across a restart, and a half-open connection
//! found by the health check.

use resp_core::{Backoff, Push};
use resp_test_support::{RedisServer, Relay};
use resp_tokio::{Client, ClientError, ClientOptions, Message};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

fn url(port: u16) -> String {
    format!("redis://127.0.0.1:{port}")
}

/// What the 100 tasks saw.
#[derive(Default)]
struct Tally {
    incr_ok: AtomicU64,
    incr_may_have_run: AtomicU64,
    get_ok: AtomicU64,
    slowest_ms: AtomicU64,
}

/// redis-server killed and started again while 100 tasks run INCR and GET
/// in a loop: every call succeeds or fails saying it may have run (reads
/// go again, so only INCRs fail), none hangs, nothing runs twice (the
/// counter, fsynced before each reply, is at least the INCRs acknowledged
/// and at most those plus the ones that may have run), and the client
/// serves again within 2 s of the server's return with the default
/// options, never told to reconnect.
#[test]
fn a_restarted_server_is_served_again_and_nothing_runs_twice() {
    let Some(mut server) =
        RedisServer::start_with(&["--appendonly", "yes", "--appendfsync", "always"])
    else {
        return;
    };
    runtime().block_on(async {
        let client = Client::connect(&url(server.port())).await.unwrap();
        client.call::<()>(("SET", "counter", 0)).await.unwrap();
        let tally = Arc::new(Tally::default());
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let tasks: Vec<_> = (0..100)
            .map(|task| {
                let (client, tally, stop) = (client.clone(), tally.clone(), stop.clone());
                tokio::spawn(async move {
                    while !stop.load(Ordering::Relaxed) {
                        let started = Instant::now();
                        if task % 2 == 0 {
                            match client.call::<i64>(["INCR", "counter"]).await {
                                Ok(_) => tally.incr_ok.fetch_add(1, Ordering::Relaxed),
                                Err(error) => {
                                    assert!(
                                        matches!(error, ClientError::Connection(_))
                                            && error.may_have_run(),
                                        "{error}"
                                    );
                                    tally.incr_may_have_run.fetch_add(1, Ordering::Relaxed)
                                }
                            };
                        } else {
                            let read = client.call::<Option<i64>>(["GET", "counter"]).await;
                            // A read goes again on the new connection.
                            assert!(read.is_ok(), "{read:?}");
                            tally.get_ok.fetch_add(1, Ordering::Relaxed);
                        }
                        let took = started.elapsed().as_millis() as u64;
                        tally.slowest_ms.fetch_max(took, Ordering::Relaxed);
                    }
                })
            })
            .collect();
        tokio::time::sleep(Duration::from_millis(300)).await;
        let before = tally.incr_ok.load(Ordering::Relaxed);
        server.kill();
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert!(
            client.is_connected().then_some(()).is_none(),
            "the client saw the server go"
        );
        server.start_again();
        let back = Instant::now();
        // The first call after the server's return that gets through.
        while client.call::<String>("PING").await.is_err() {}
        let served_after = back.elapsed();
        tokio::time::sleep(Duration::from_millis(300)).await;
        stop.store(true, Ordering::Relaxed);
        for task in tasks {
            task.await.unwrap();
        }
        let counter: i64 = client.call(["GET", "counter"]).await.unwrap();
        let ok = tally.incr_ok.load(Ordering::Relaxed);
        let maybe = tally.incr_may_have_run.load(Ordering::Relaxed);
        eprintln!(
            "INCR ok {ok}, may have run {maybe}, counter {counter}, GET ok {}, \
             served {served_after:?} after the server's return, slowest call {} ms",
            tally.get_ok.load(Ordering::Relaxed),
            tally.slowest_ms.load(Ordering::Relaxed)
        );
        assert!(
            before > 0 && ok > before,
            "traffic before and after the restart"
        );
        assert!(counter as u64 >= ok, "an acknowledged INCR was lost");
        assert!(counter as u64 <= ok + maybe, "an INCR ran twice");
        assert!(served_after < Duration::from_secs(2), "{served_after:?}");
        // The server was gone for 500 ms; no call waited much longer.
        assert!(tally.slowest_ms.load(Ordering::Relaxed) < 5_000);
        assert!(!client.is_closed() && client.is_connected());
    });
}

/// The backoff's cap bounds how late the client comes back: with a cap of
/// 50 ms, the first call after the server returns is served within a
/// fraction of the default's second.
#[test]
fn the_backoff_cap_bounds_the_return() {
    let Some(mut server) = RedisServer::start() else {
        return;
    };
    runtime().block_on(async {
        let mut options = ClientOptions::default();
        let mut backoff = Backoff::default();
        backoff.initial = Duration::from_millis(10);
        backoff.cap = Duration::from_millis(50);
        options.reconnect = Some(backoff);
        let config = url(server.port()).parse().unwrap();
        let client = Client::connect_with(&config, options).await.unwrap();
        client.call::<String>("PING").await.unwrap();
        server.kill();
        // Long enough for the backoff to reach its cap.
        tokio::time::sleep(Duration::from_millis(1500)).await;
        server.start_again();
        let back = Instant::now();
        client.call::<String>("PING").await.unwrap();
        let served_after = back.elapsed();
        eprintln!("served {served_after:?} after the server's return");
        assert!(
            served_after < Duration::from_millis(500),
            "{served_after:?}"
        );
    });
}

/// While no connection is up, calls queue for the next one up to the
/// bound, and beyond it fail at once, saying they were not sent; memory
/// does not grow. A client told to give up after a few attempts closes.
#[test]
fn while_down_a_full_queue_fails_calls_at_once_and_attempts_are_bounded() {
    let Some(mut server) = RedisServer::start() else {
        return;
    };
    runtime().block_on(async {
        let mut options = ClientOptions::default();
        options.max_queued_bytes = 4096;
        let mut backoff = Backoff::default();
        backoff.max_attempts = Some(5);
        options.reconnect = Some(backoff);
        let config = url(server.port()).parse().unwrap();
        let client = Client::connect_with(&config, options).await.unwrap();
        server.kill();
        while client.is_connected() {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let queued: Vec<_> = (0..40)
            .map(|_| {
                let client = client.clone();
                tokio::spawn(async move { client.call::<()>(("SET", "k", "v".repeat(100))).await })
            })
            .collect();
        tokio::time::sleep(Duration::from_millis(50)).await;
        let started = Instant::now();
        let refused = client.call::<()>(("SET", "k", "v".repeat(100))).await;
        let took = started.elapsed();
        let error = refused.unwrap_err();
        assert!(!error.may_have_run(), "{error}");
        // Refused without waiting: microseconds (bench/src/bin/recovery.rs
        // measures 0.01 ms); the bound leaves room for a loaded machine.
        assert!(took < Duration::from_millis(20), "{took:?}");
        // Five attempts at most 1 s apart, then the client gives up and
        // every queued call fails, none sent.
        for call in queued {
            match call.await.unwrap() {
                Err(error) => assert!(!error.may_have_run(), "{error}"),
                Ok(()) => panic!("no server to answer"),
            }
        }
        assert!(client.is_closed());
        server.start_again();
        assert!(client.call::<String>("PING").await.is_err());
    });
}

/// Messages of every kind a subscription takes, across a restart: the
/// subscriber gets the marker, then messages again, never subscribing a
/// second time itself. RESP2 (a connection of its own) and RESP3.
#[test]
fn subscriptions_are_renewed_after_a_restart() {
    let Some(mut server) = RedisServer::start() else {
        return;
    };
    runtime().block_on(async {
        for protocol in ["2", "3"] {
            let config = format!("{}?protocol={protocol}", url(server.port()));
            let client = Client::connect(&config).await.unwrap();
            let mut channels = client.subscribe(&["news"]).await.unwrap();
            let mut patterns = client.psubscribe(&["weather.*"]).await.unwrap();
            let mut shards = client.ssubscribe(&["shard"]).await.unwrap();
            server.kill();
            tokio::time::sleep(Duration::from_millis(200)).await;
            server.start_again();
            let publisher = Client::connect(&url(server.port())).await.unwrap();
            for (subscription, publish) in [
                (&mut channels, ["PUBLISH", "news", "hello"]),
                (&mut patterns, ["PUBLISH", "weather.rain", "hello"]),
                (&mut shards, ["SPUBLISH", "shard", "hello"]),
            ] {
                let next = tokio::time::timeout(Duration::from_secs(5), subscription.next());
                assert_eq!(
                    next.await.unwrap(),
                    Some(Message::Reconnected),
                    "RESP{protocol}"
                );
                // Published until the renewed subscription hears it.
                let heard = loop {
                    publisher.call::<i64>(publish).await.unwrap();
                    let next =
                        tokio::time::timeout(Duration::from_millis(100), subscription.next());
                    if let Ok(message) = next.await {
                        break message;
                    }
                };
                let Some(Message::Push(push)) = heard else {
                    panic!("RESP{protocol}: {heard:?}");
                };
                let payload = match push {
                    Push::Message { payload, .. }
                    | Push::PatternMessage { payload, .. }
                    | Push::ShardMessage { payload, .. } => payload,
                    other => panic!("{other:?}"),
                };
                assert_eq!(payload, resp_core::Frame::from("hello"), "RESP{protocol}");
            }
        }
    });
}

/// The relay stalls both ways (a peer gone without a FIN): the health
/// check finds it within twice its idle time plus its timeout, the INCR in
/// flight fails saying it may have run, the GET goes again, and once the
/// path is back the client serves.
#[test]
fn a_half_open_connection_is_found_by_the_health_check() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let relay = Relay::start(server.port());
    runtime().block_on(async {
        let mut options = ClientOptions::default();
        options.health_check = Some(Duration::from_millis(200));
        options.health_check_timeout = Duration::from_millis(300);
        options.connect_timeout = Duration::from_millis(500);
        let config = url(relay.port()).parse().unwrap();
        let client = Client::connect_with(&config, options).await.unwrap();
        client.call::<()>(("SET", "k", "v")).await.unwrap();
        relay.stall();
        let started = Instant::now();
        let incr = {
            let client = client.clone();
            tokio::spawn(async move { client.call::<i64>(["INCR", "n"]).await })
        };
        let get = {
            let client = client.clone();
            tokio::spawn(async move { client.call::<String>(["GET", "k"]).await })
        };
        let error = incr.await.unwrap().unwrap_err();
        let found_after = started.elapsed();
        eprintln!("found after {found_after:?}: {error}");
        assert!(error.may_have_run(), "{error}");
        // Silence is looked for every 200 ms, so it is seen within 400 ms,
        // then 300 ms for the PING: 700 ms at most, and a margin.
        assert!(found_after < Duration::from_millis(1200), "{found_after:?}");
        relay.resume();
        assert_eq!(get.await.unwrap().unwrap(), "v");
        assert_eq!(client.call::<String>(["GET", "k"]).await.unwrap(), "v");
    });
}

/// 100 tasks calling GET while another runs `BLPOP q 5`: the BLPOP has a
/// pooled connection of its own, so the GETs keep their usual latency
/// instead of waiting five seconds behind it.
#[test]
fn a_blocking_command_never_stalls_the_other_callers() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    runtime().block_on(async {
        let client = Client::connect(&url(server.port())).await.unwrap();
        client.call::<()>(("SET", "k", "v")).await.unwrap();
        let blocked = {
            let client = client.clone();
            tokio::spawn(async move {
                let started = Instant::now();
                let popped: Option<(String, String)> =
                    client.call(["BLPOP", "q", "5"]).await.unwrap();
                (popped, started.elapsed())
            })
        };
        tokio::time::sleep(Duration::from_millis(50)).await;
        let slowest = Arc::new(AtomicU64::new(0));
        let readers: Vec<_> = (0..100)
            .map(|_| {
                let (client, slowest) = (client.clone(), slowest.clone());
                tokio::spawn(async move {
                    for _ in 0..20 {
                        let started = Instant::now();
                        assert_eq!(client.call::<String>(["GET", "k"]).await.unwrap(), "v");
                        slowest.fetch_max(started.elapsed().as_micros() as u64, Ordering::Relaxed);
                    }
                })
            })
            .collect();
        for reader in readers {
            reader.await.unwrap();
        }
        let slowest = Duration::from_micros(slowest.load(Ordering::Relaxed));
        eprintln!("slowest GET beside a BLPOP: {slowest:?}");
        assert!(slowest < Duration::from_millis(500), "{slowest:?}");
        // Pushed from another connection, the BLPOP gets it.
        let pusher = Client::connect(&url(server.port())).await.unwrap();
        pusher.call::<i64>(["RPUSH", "q", "job"]).await.unwrap();
        let (popped, waited) = blocked.await.unwrap();
        assert_eq!(popped, Some(("q".into(), "job".into())));
        assert!(waited < Duration::from_secs(5));
    });
}

/// A `BLPOP q 0` dropped by its caller closes its pooled connection, so
/// the server unblocks it: an `RPUSH q x` afterwards stays in `q`, nothing
/// popped for a caller who is gone, and the client's other calls never
/// stalled. The pool then opens a fresh connection for the next one.
#[test]
fn a_dropped_blocking_call_takes_nothing() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    runtime().block_on(async {
        let client = Client::connect(&url(server.port())).await.unwrap();
        let waiting = {
            let client = client.clone();
            tokio::spawn(async move { client.call::<Vec<String>>(["BLPOP", "q", "0"]).await })
        };
        tokio::time::sleep(Duration::from_millis(100)).await;
        let started = Instant::now();
        assert_eq!(client.call::<String>("PING").await.unwrap(), "PONG");
        assert!(started.elapsed() < Duration::from_millis(200));
        waiting.abort();
        let _ = waiting.await;
        // A given-up call with a timeout does the same.
        let timed = tokio::time::timeout(
            Duration::from_millis(100),
            client.call::<Vec<String>>(["BLPOP", "q", "0"]),
        )
        .await;
        assert!(timed.is_err());
        tokio::time::sleep(Duration::from_millis(200)).await;
        let pusher = Client::connect(&url(server.port())).await.unwrap();
        pusher.call::<i64>(["RPUSH", "q", "x"]).await.unwrap();
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert_eq!(
            pusher
                .call::<Vec<String>>(["LRANGE", "q", "0", "-1"])
                .await
                .unwrap(),
            ["x"]
        );
        // The next blocking call gets a working connection, and the item.
        let popped: Vec<String> = client.call(["BLPOP", "q", "1"]).await.unwrap();
        assert_eq!(popped, ["q", "x"]);
    });
}

/// With one pooled connection, a second blocking call waits for it within
/// its response timeout and fails, saying it was not sent.
#[test]
fn the_pool_is_bounded() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    runtime().block_on(async {
        let mut options = ClientOptions::default();
        options.blocking_connections = 1;
        options.response_timeout = Some(Duration::from_millis(300));
        let config = url(server.port()).parse().unwrap();
        let client = Client::connect_with(&config, options).await.unwrap();
        let first = {
            let client = client.clone();
            tokio::spawn(async move {
                client
                    .call::<Option<Vec<String>>>(["BLPOP", "a", "1"])
                    .await
            })
        };
        tokio::time::sleep(Duration::from_millis(50)).await;
        let second = client
            .call::<Option<Vec<String>>>(["BLPOP", "b", "1"])
            .await;
        let error = second.unwrap_err();
        assert!(error.is_timeout() && !error.may_have_run(), "{error}");
        assert_eq!(first.await.unwrap().unwrap(), None);
        // Free again, and reused.
        assert_eq!(
            client
                .call::<Option<Vec<String>>>(["BLPOP", "b", "0.1"])
                .await
                .unwrap(),
            None
        );
    });
}
