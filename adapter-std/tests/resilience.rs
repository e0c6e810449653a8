//! The blocking `Connection` when the network misbehaves, against a real
//! redis-server: the server killed and restarted under busy threads,
//! subscriptions carried across a restart, and a half-open connection
//! found by the health check.

use resp_core::{Frame, Push};
use resp_std::{ClientOptions, Connection, Error, Message};
use resp_test_support::{RedisServer, Relay};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

fn url(port: u16) -> String {
    format!("redis://127.0.0.1:{port}")
}

/// redis-server killed and started again while 16 threads, each with its
/// own connection, run INCR or GET in a loop: every call succeeds or fails
/// saying it may have run (reads go again), none hangs, nothing runs
/// twice, and each connection serves again within 2 s of the server's
/// return, never told to reconnect.
#[test]
fn a_restarted_server_is_served_again_and_nothing_runs_twice() {
    let Some(mut server) =
        RedisServer::start_with(&["--appendonly", "yes", "--appendfsync", "always"])
    else {
        return;
    };
    let address = url(server.port());
    Connection::connect(&address)
        .unwrap()
        .call::<()>(("SET", "counter", 0))
        .unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let (incr_ok, incr_maybe, slowest_ms) = (
        Arc::new(AtomicU64::new(0)),
        Arc::new(AtomicU64::new(0)),
        Arc::new(AtomicU64::new(0)),
    );
    let threads: Vec<_> = (0..16)
        .map(|thread| {
            let (stop, address) = (stop.clone(), address.clone());
            let (incr_ok, incr_maybe, slowest_ms) =
                (incr_ok.clone(), incr_maybe.clone(), slowest_ms.clone());
            std::thread::spawn(move || {
                let mut redis = Connection::connect(&address).unwrap();
                while !stop.load(Ordering::Relaxed) {
                    let started = Instant::now();
                    if thread % 2 == 0 {
                        match redis.call::<i64>(["INCR", "counter"]) {
                            Ok(_) => incr_ok.fetch_add(1, Ordering::Relaxed),
                            Err(error) => {
                                assert!(
                                    matches!(error, Error::Connection(_) | Error::Io(_))
                                        && error.may_have_run(),
                                    "{error}"
                                );
                                incr_maybe.fetch_add(1, Ordering::Relaxed)
                            }
                        };
                    } else {
                        let read = redis.call::<Option<i64>>(["GET", "counter"]);
                        assert!(read.is_ok(), "{read:?}");
                    }
                    let took = started.elapsed().as_millis() as u64;
                    slowest_ms.fetch_max(took, Ordering::Relaxed);
                }
                assert!(!redis.is_closed());
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(300));
    let before = incr_ok.load(Ordering::Relaxed);
    server.kill();
    std::thread::sleep(Duration::from_millis(500));
    server.start_again();
    let back = Instant::now();
    let during = incr_ok.load(Ordering::Relaxed);
    // Served again: INCRs are acknowledged once more.
    while incr_ok.load(Ordering::Relaxed) == during {
        assert!(
            back.elapsed() < Duration::from_secs(5),
            "never served again"
        );
        std::thread::sleep(Duration::from_millis(1));
    }
    let served_after = back.elapsed();
    std::thread::sleep(Duration::from_millis(300));
    stop.store(true, Ordering::Relaxed);
    for thread in threads {
        thread.join().unwrap();
    }
    let counter: i64 = Connection::connect(&address)
        .unwrap()
        .call(["GET", "counter"])
        .unwrap();
    let (ok, maybe) = (
        incr_ok.load(Ordering::Relaxed),
        incr_maybe.load(Ordering::Relaxed),
    );
    eprintln!(
        "INCR ok {ok}, may have run {maybe}, counter {counter}, served {served_after:?} after \
         the server's return, slowest call {} ms",
        slowest_ms.load(Ordering::Relaxed)
    );
    assert!(
        before > 0 && ok > during,
        "traffic before and after the restart"
    );
    assert!(counter as u64 >= ok, "an acknowledged INCR was lost");
    assert!(counter as u64 <= ok + maybe, "an INCR ran twice");
    assert!(served_after < Duration::from_secs(2), "{served_after:?}");
    assert!(slowest_ms.load(Ordering::Relaxed) < 5_000);
}

/// A subscriber across a restart gets the marker, then messages again,
/// never subscribing a second time itself: channels, patterns and shard
/// channels, RESP2 and RESP3.
#[test]
fn subscriptions_are_renewed_after_a_restart() {
    let Some(mut server) = RedisServer::start() else {
        return;
    };
    for protocol in ["2", "3"] {
        let address = format!("{}?protocol={protocol}", url(server.port()));
        let mut subscriber = Connection::connect(&address).unwrap();
        subscriber.subscribe(&["news"]).unwrap();
        subscriber.psubscribe(&["weather.*"]).unwrap();
        subscriber.ssubscribe(&["shard"]).unwrap();
        server.kill();
        std::thread::sleep(Duration::from_millis(200));
        server.start_again();
        let marker = subscriber.next_message(Some(Duration::from_secs(5)));
        assert_eq!(
            marker.unwrap(),
            Some(Message::Reconnected),
            "RESP{protocol}"
        );
        let mut publisher = Connection::connect(&url(server.port())).unwrap();
        for publish in [
            ["PUBLISH", "news", "hello"],
            ["PUBLISH", "weather.rain", "hello"],
            ["SPUBLISH", "shard", "hello"],
        ] {
            // Published until the renewed subscription hears it.
            let started = Instant::now();
            let push = loop {
                assert!(
                    started.elapsed() < Duration::from_secs(5),
                    "RESP{protocol}: {publish:?}"
                );
                publisher.call::<i64>(publish).unwrap();
                if let Some(push) = subscriber
                    .next_push(Some(Duration::from_millis(100)))
                    .unwrap()
                {
                    break push;
                }
            };
            let payload = match push {
                Push::Message { payload, .. }
                | Push::PatternMessage { payload, .. }
                | Push::ShardMessage { payload, .. } => payload,
                other => panic!("{other:?}"),
            };
            assert_eq!(payload, Frame::from("hello"), "RESP{protocol}");
        }
    }
}

/// The relay stalls both ways (a peer gone without a FIN): the health
/// check finds it within twice its idle time plus its timeout, the INCR
/// waiting fails saying it may have run, and once the path is back the
/// connection serves.
#[test]
fn a_half_open_connection_is_found_by_the_health_check() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let relay = Relay::start(server.port());
    let mut options = ClientOptions::default();
    options.health_check = Some(Duration::from_millis(200));
    options.health_check_timeout = Duration::from_millis(300);
    options.connect_timeout = Duration::from_millis(500);
    let config = url(relay.port()).parse().unwrap();
    let mut redis = Connection::open(&config, options).unwrap();
    redis.call::<()>(("SET", "k", "v")).unwrap();
    relay.stall();
    let started = Instant::now();
    let error = redis.call::<i64>(["INCR", "n"]).unwrap_err();
    let found_after = started.elapsed();
    eprintln!("found after {found_after:?}: {error}");
    assert!(error.may_have_run(), "{error}");
    assert!(found_after < Duration::from_millis(1200), "{found_after:?}");
    relay.resume();
    assert_eq!(redis.call::<String>(["GET", "k"]).unwrap(), "v");
}

/// Without reconnects, a broken connection stays closed: every later call
/// fails at once.
#[test]
fn without_reconnects_a_broken_connection_stays_closed() {
    let Some(mut server) = RedisServer::start() else {
        return;
    };
    let mut options = ClientOptions::default();
    options.reconnect = None;
    let config = url(server.port()).parse().unwrap();
    let mut redis = Connection::open(&config, options).unwrap();
    redis.call::<String>(["PING"]).unwrap();
    server.kill();
    assert!(redis.call::<String>(["PING"]).is_err());
    assert!(redis.is_closed());
    server.start_again();
    assert!(redis.call::<String>(["PING"]).is_err());
}

/// A connection left idle while the server restarts: the next write finds
/// the old stream closed before it is written, and goes on a new
/// connection, so it succeeds instead of failing as "may have run".
#[test]
fn a_write_after_an_idle_restart_runs_once_and_succeeds() {
    let Some(mut server) = RedisServer::start() else {
        return;
    };
    let mut redis = Connection::connect(&url(server.port())).unwrap();
    assert_eq!(redis.call::<i64>(["INCR", "n"]).unwrap(), 1);
    server.kill();
    server.start_again();
    // Idle past the check's second of silence.
    std::thread::sleep(Duration::from_millis(1100));
    assert_eq!(
        redis.call::<i64>(["INCR", "n"]).unwrap(),
        1,
        "the data set is new"
    );
    assert_eq!(redis.call::<i64>(["INCR", "n"]).unwrap(), 2);
}
