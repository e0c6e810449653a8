//! The blocking `Connection` against a real redis-server, in RESP2 and
//! RESP3, with faults from the relay: calls, pipelines, transactions,
//! scripts, pub/sub, blocking commands and every way a connection breaks.

mod support;

use resp_core::{ConnectionConfig, ErrorCause, Frame, Pipeline, Protocol, Push};
use resp_std::{ClientOptions, Connection, Error, NetStream, Script};
use std::time::{Duration, Instant};
use support::{RedisServer, Relay};

fn config(port: u16, protocol: Protocol) -> ConnectionConfig {
    let mut config = ConnectionConfig::tcp("127.0.0.1", port);
    config.protocol = protocol;
    config
}

fn open(port: u16, protocol: Protocol) -> Connection<NetStream> {
    let connection = Connection::open(&config(port, protocol), ClientOptions::default()).unwrap();
    assert_eq!(connection.protocol(), protocol);
    connection
}

/// A connection that does not reconnect, for tests of what a break does.
fn open_once(port: u16, protocol: Protocol) -> Connection<NetStream> {
    let mut options = ClientOptions::default();
    options.reconnect = None;
    Connection::open(&config(port, protocol), options).unwrap()
}

fn both_protocols(test: impl Fn(&RedisServer, Protocol)) {
    let Some(server) = RedisServer::start() else {
        return;
    };
    for protocol in [Protocol::Resp2, Protocol::Resp3] {
        test(&server, protocol);
    }
}

#[test]
fn calls_convert_replies_and_an_error_reply_breaks_nothing() {
    both_protocols(|server, protocol| {
        let mut redis = open(server.port(), protocol);
        redis.call::<()>(["DEL", "n", "h"]).unwrap();
        redis.call::<()>(("SET", "n", 41)).unwrap();
        assert_eq!(redis.call::<i64>(["INCR", "n"]).unwrap(), 42);
        assert_eq!(redis.call::<String>(["GET", "n"]).unwrap(), "42");
        assert_eq!(
            redis.call::<Option<String>>(["GET", "nothing"]).unwrap(),
            None
        );
        redis.call::<()>(["HSET", "h", "f", "v"]).unwrap();
        let map: std::collections::BTreeMap<String, String> = redis.call(["HGETALL", "h"]).unwrap();
        assert_eq!(map.get("f").map(String::as_str), Some("v"));
        match redis.call::<i64>(["HGET", "n", "f"]) {
            Err(Error::Server(text)) => assert!(text.starts_with(b"WRONGTYPE"), "{text:?}"),
            other => panic!("{other:?}"),
        }
        assert!(!redis.is_closed());
        assert!(matches!(
            redis.call::<i64>(["GET", "h"]),
            Err(Error::Server(_))
        ));
        // The error names the command, what was asked for and what came.
        let error = redis.call::<i64>(["PING"]).unwrap_err();
        assert!(
            matches!(&error, Error::Convert { command, .. } if command.as_bytes() == b"PING"),
            "{error:?}"
        );
        let message = error.to_string();
        assert!(
            message.starts_with("the reply to PING: ") && message.contains("integer"),
            "{message}"
        );
        assert_eq!(redis.call::<String>(["PING"]).unwrap(), "PONG");
        // A bare string is a command of one argument.
        assert_eq!(redis.call::<String>("PING").unwrap(), "PONG");
        // A pipeline's replies convert as one, like a single call's.
        let mut pipeline = Pipeline::new();
        pipeline
            .command(("SET", "q", 1))
            .command(("INCR", "q"))
            .command(("GET", "q"));
        let ((), counter, text): ((), i64, String) = redis.query(&pipeline).unwrap();
        assert_eq!((counter, text.as_str()), (2, "2"));
        let mut failing = Pipeline::new();
        failing.command(("INCR", "q")).command(("LPUSH", "q", "x"));
        assert!(matches!(
            redis.query::<(i64, i64)>(&failing),
            Err(Error::Server(_))
        ));
    });
}

#[test]
fn a_url_sets_up_the_database_the_name_and_the_password() {
    let Some(server) = RedisServer::start_with(&["--requirepass", "s3cret"]) else {
        return;
    };
    for protocol in ["2", "3"] {
        let url = format!(
            "redis://:s3cret@127.0.0.1:{}/3?protocol={protocol}&client_name=worker",
            server.port()
        );
        let mut redis = Connection::connect(&url).unwrap();
        assert_eq!(
            redis.call::<String>(["CLIENT", "GETNAME"]).unwrap(),
            "worker"
        );
        let info: String = redis.call(["CLIENT", "INFO"]).unwrap();
        assert!(info.contains(" db=3 "), "{info}");
        assert!(
            info.trim_end().ends_with(&format!(" resp={protocol}")),
            "{info}"
        );
    }
    let wrong = format!("redis://:nope@127.0.0.1:{}", server.port());
    assert!(matches!(
        Connection::connect(&wrong),
        Err(Error::Handshake(_))
    ));
}

#[test]
fn ten_thousand_pipelined_replies_come_back_in_order() {
    both_protocols(|server, protocol| {
        let mut redis = open(server.port(), protocol);
        redis.call::<()>(["DEL", "counter"]).unwrap();
        let mut pipeline = Pipeline::new();
        for _ in 0..10_000 {
            pipeline.command(["INCR", "counter"]);
        }
        pipeline.command(["HGET", "counter", "f"]);
        let replies = redis.pipeline(&pipeline).unwrap();
        assert_eq!(replies.len(), 10_001);
        for (at, reply) in replies[..10_000].iter().enumerate() {
            assert_eq!(reply, &Frame::Integer(at as i64 + 1));
        }
        assert!(replies[10_000].is_error());
        assert_eq!(redis.call::<i64>(["GET", "counter"]).unwrap(), 10_000);
    });
}

#[test]
fn a_watched_key_changed_by_another_client_runs_the_transaction_again() {
    both_protocols(|server, protocol| {
        let mut redis = open(server.port(), protocol);
        let mut other = open(server.port(), protocol);
        redis.call::<()>(("SET", "balance", 10)).unwrap();
        let mut attempts = 0;
        let replies = redis
            .watch_transaction(&["balance"], 5, |redis| {
                attempts += 1;
                let balance: i64 = redis.call(["GET", "balance"]).unwrap();
                if attempts == 1 {
                    other.call::<()>(("SET", "balance", 100)).unwrap();
                }
                let mut commands = Pipeline::new();
                commands.command(("SET", "balance", balance * 2));
                commands.command(["GET", "balance"]);
                Ok(commands)
            })
            .unwrap();
        assert_eq!(attempts, 2);
        assert_eq!(replies[1], Frame::from("200"));

        // One attempt, and someone else writes: aborted, nothing ran.
        let aborted = redis.watch_transaction(&["balance"], 1, |_| {
            other.call::<()>(("SET", "balance", 1)).unwrap();
            let mut commands = Pipeline::new();
            commands.command(("SET", "balance", 7));
            Ok(commands)
        });
        assert!(
            matches!(aborted, Err(Error::TransactionAborted)),
            "{aborted:?}"
        );
        assert_eq!(redis.call::<i64>(["GET", "balance"]).unwrap(), 1);

        // A command refused while queuing fails the whole.
        let mut bad = Pipeline::new();
        bad.command(["SET", "balance"]);
        assert!(
            matches!(redis.transaction(&bad), Err(Error::Server(text)) if text.starts_with(b"EXECABORT"))
        );
        assert!(!redis.is_closed());
    });
}

#[test]
fn a_script_is_loaded_again_after_the_server_forgets_it() {
    both_protocols(|server, protocol| {
        let mut redis = open(server.port(), protocol);
        redis.call::<()>(["DEL", "total"]).unwrap();
        let add = Script::new("return redis.call('INCRBY', KEYS[1], ARGV[1])");
        // Keys a caller holds as owned strings, passed by reference.
        let keys = vec![String::from("total")];
        assert_eq!(redis.run_script::<i64>(&add.call(&keys, ["5"])).unwrap(), 5);
        redis.call::<()>(["SCRIPT", "FLUSH"]).unwrap();
        // Integer arguments, and the call built argument by argument.
        assert_eq!(
            redis.run_script::<i64>(&add.call(["total"], [2])).unwrap(),
            7
        );
        assert_eq!(
            redis.run_script::<i64>(&add.key("total").arg(1)).unwrap(),
            8
        );
        let digest: String = redis.call(("SCRIPT", "LOAD", add.source())).unwrap();
        assert_eq!(digest, add.digest());
        // No keys at all: only arguments.
        let sum = Script::new("return ARGV[1] + ARGV[2]");
        assert_eq!(redis.run_script::<i64>(&sum.arg(40).arg(2)).unwrap(), 42);
        let broken = Script::new("return redis.call('NOPE')");
        assert!(matches!(
            redis.run_script::<i64>(&broken.arg("unused")),
            Err(Error::Server(_))
        ));
    });
}

#[test]
fn pub_sub_messages_arrive_and_a_quiet_wait_times_out_harmlessly() {
    both_protocols(|server, protocol| {
        let mut subscriber = open(server.port(), protocol);
        let mut publisher = open(server.port(), protocol);
        subscriber.subscribe(&["news", "sport"]).unwrap();
        subscriber.psubscribe(&["alerts.*"]).unwrap();

        let started = Instant::now();
        assert_eq!(
            subscriber
                .next_push(Some(Duration::from_millis(300)))
                .unwrap(),
            None
        );
        let waited = started.elapsed();
        assert!(
            waited >= Duration::from_millis(300) && waited < Duration::from_secs(2),
            "{waited:?}"
        );
        assert!(!subscriber.is_closed());

        assert_eq!(
            publisher.call::<i64>(["PUBLISH", "news", "one"]).unwrap(),
            1
        );
        assert_eq!(
            publisher
                .call::<i64>(["PUBLISH", "alerts.fire", "two"])
                .unwrap(),
            1
        );
        assert_eq!(
            publisher
                .call::<i64>(["PUBLISH", "sport", "three"])
                .unwrap(),
            1
        );
        let pushes: Vec<Push> = subscriber
            .messages(Some(Duration::from_millis(300)))
            .map(|message| match message.unwrap() {
                resp_std::Message::Push(push) => push,
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(pushes.len(), 3, "{pushes:?}");
        assert!(
            matches!(&pushes[0], Push::Message { channel, payload } if &channel[..] == b"news" && payload == &Frame::from("one"))
        );
        assert!(
            matches!(&pushes[1], Push::PatternMessage { channel, .. } if &channel[..] == b"alerts.fire")
        );
        assert!(matches!(&pushes[2], Push::Message { channel, .. } if &channel[..] == b"sport"));

        if protocol == Protocol::Resp3 {
            // RESP3 keeps calls working beside the subscription, and a
            // message arriving during a call waits for the next read.
            publisher.call::<i64>(["PUBLISH", "news", "four"]).unwrap();
            assert_eq!(subscriber.call::<String>(["ECHO", "hi"]).unwrap(), "hi");
            let push = subscriber.next_push(Some(Duration::from_secs(1))).unwrap();
            assert!(
                matches!(push, Some(Push::Message { payload, .. }) if payload == Frame::from("four"))
            );
        }
        subscriber.unsubscribe(&[]).unwrap();
        subscriber.punsubscribe(&[]).unwrap();
        assert_eq!(subscriber.call::<String>(["PING"]).unwrap(), "PONG");
    });
}

#[test]
fn blpop_waits_its_own_timeout_past_a_shorter_response_timeout() {
    both_protocols(|server, protocol| {
        let mut options = ClientOptions::default();
        options.response_timeout = Some(Duration::from_millis(500));
        let mut redis = Connection::open(&config(server.port(), protocol), options).unwrap();
        let started = Instant::now();
        let popped: Option<Vec<String>> = redis.call(["BLPOP", "empty-queue", "2"]).unwrap();
        let waited = started.elapsed();
        assert_eq!(popped, None);
        assert!(
            waited >= Duration::from_secs(2) && waited < Duration::from_secs(3),
            "{waited:?}"
        );
        // The short timeout still holds for anything else.
        assert!(!redis.is_closed());
        let started = Instant::now();
        assert!(
            redis
                .call::<()>(["DEBUG", "SLEEP", "2"])
                .is_err_and(|error| error.is_timeout())
        );
        let waited = started.elapsed();
        assert!(
            waited >= Duration::from_millis(500) && waited < Duration::from_millis(1500),
            "{waited:?}"
        );
        // The connection stays usable: once the server has slept, the late
        // reply is read and dropped, and the next call gets its own.
        assert!(!redis.is_closed());
        std::thread::sleep(Duration::from_millis(1600));
        assert_eq!(redis.call::<String>(["ECHO", "mine"]).unwrap(), "mine");

        // A call given a longer timeout of its own outlives the short one.
        let mut options = ClientOptions::default();
        options.response_timeout = Some(Duration::from_millis(200));
        let mut redis = Connection::open(&config(server.port(), protocol), options).unwrap();
        let slept =
            redis.call_frame_within(["DEBUG", "SLEEP", "0.5"], Some(Duration::from_secs(5)));
        assert_eq!(slept.unwrap(), Frame::SimpleString("OK".into()));
        assert!(!redis.is_closed());
    });
}

#[test]
fn a_stalled_server_times_out_within_the_deadline_setup_included() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let mut options = ClientOptions::default();
    options.connect_timeout = Duration::from_millis(400);
    options.response_timeout = Some(Duration::from_millis(300));

    for protocol in [Protocol::Resp2, Protocol::Resp3] {
        // Stalled after connecting: the call's deadline.
        let relay = Relay::start(server.port());
        let mut redis = Connection::open(&config(relay.port(), protocol), options.clone()).unwrap();
        assert_eq!(redis.call::<String>(["PING"]).unwrap(), "PONG");
        relay.stall();
        let started = Instant::now();
        let result = redis.call::<String>(["PING"]);
        let waited = started.elapsed();
        assert!(result.as_ref().is_err_and(Error::is_timeout), "{result:?}");
        assert!(
            waited >= Duration::from_millis(300) && waited < Duration::from_millis(1000),
            "{waited:?}"
        );
        // Still stalled: the next call times out within its deadline too,
        // and none gets another's reply.
        let started = Instant::now();
        assert!(
            redis
                .call::<String>(["PING"])
                .is_err_and(|error| error.is_timeout())
        );
        assert!(started.elapsed() < Duration::from_millis(1000));

        // Stalled before the setup: the setup's one deadline, across
        // connect and HELLO (and, for RESP2 with a name, CLIENT SETNAME).
        let stalled = Relay::start(server.port());
        stalled.stall();
        let mut named = config(stalled.port(), protocol);
        named.client_name = Some("named".into());
        let started = Instant::now();
        let result = Connection::open(&named, options.clone());
        let waited = started.elapsed();
        assert!(result.as_ref().is_err_and(Error::is_timeout), "{result:?}");
        assert!(
            waited >= Duration::from_millis(400) && waited < Duration::from_millis(1200),
            "{waited:?}"
        );
    }
}

/// Without reconnects, a break mid-reply or between replies closes the
/// connection. (With them, the GET would go again:
/// `tests/resilience.rs`.)
#[test]
fn a_server_gone_mid_reply_is_a_clean_error_and_breaks_the_connection() {
    both_protocols(|server, protocol| {
        let mut writer = open(server.port(), protocol);
        writer
            .call::<()>(("SET", "big", vec![b'x'; 1 << 20]))
            .unwrap();
        let relay = Relay::start(server.port());
        let mut redis = open_once(relay.port(), protocol);
        // Half of the reply to the GET, then the connection drops.
        relay.cut_after(512 * 1024);
        let result = redis.call::<Vec<u8>>(["GET", "big"]);
        assert!(
            matches!(&result, Err(Error::Connection(error)) if *error.cause() == ErrorCause::ClosedMidReply),
            "{result:?}"
        );
        assert!(redis.is_closed());
        let later = redis.call::<String>(["PING"]).unwrap_err();
        assert!(
            later.breaks_connection() && !later.may_have_run(),
            "{later}"
        );

        // Killed between replies: closed, but not inside a frame.
        let relay = Relay::start(server.port());
        let mut redis = open_once(relay.port(), protocol);
        // A RESP2 setup sends nothing: a call first, so the relay has the
        // connection before it is cut.
        assert_eq!(redis.call::<String>(["PING"]).unwrap(), "PONG");
        relay.cut();
        let result = redis.call::<String>(["PING"]);
        assert!(
            result.as_ref().is_err_and(Error::breaks_connection),
            "{result:?}"
        );
        assert!(
            !matches!(&result, Err(Error::Connection(error)) if *error.cause() == ErrorCause::ClosedMidReply)
        );
        assert!(redis.is_closed());
    });
}

#[test]
fn a_unix_socket_connection_works() {
    let dir = std::env::temp_dir().join(format!("resp-std-unix-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let socket = dir.join("redis.sock");
    let socket = socket.to_str().unwrap();
    let Some(_server) = RedisServer::start_with(&["--unixsocket", socket]) else {
        return;
    };
    let mut redis = Connection::connect(&format!("unix://{socket}?protocol=2")).unwrap();
    assert_eq!(redis.protocol(), Protocol::Resp2);
    assert_eq!(
        redis.call::<String>(["ECHO", "over unix"]).unwrap(),
        "over unix"
    );
    drop(redis);
    let mut redis = Connection::unix(socket).unwrap();
    assert_eq!(redis.protocol(), Protocol::Resp3);
    assert_eq!(redis.call::<String>(["PING"]).unwrap(), "PONG");
    let _ = std::fs::remove_dir_all(dir);
}

/// A failed connect says where it tried.
#[test]
fn a_refused_connect_names_the_address() {
    let port = support::free_port();
    let error = Connection::connect(&format!("redis://127.0.0.1:{port}")).unwrap_err();
    let text = error.to_string();
    assert!(text.contains(&format!("127.0.0.1:{port}")), "{text}");
}

/// A server's error reads as the server sent it, quotes unescaped.
#[test]
fn a_server_error_reads_as_the_server_sent_it() {
    both_protocols(|server, protocol| {
        let mut redis = open(server.port(), protocol);
        let error = redis.call::<String>(["GET"]).unwrap_err();
        assert_eq!(
            error.to_string(),
            "ERR wrong number of arguments for 'get' command"
        );
    });
}

/// The TCP socket gets no-delay and the keepalive the options ask for, as
/// the async client's does.
#[test]
fn a_tcp_connection_gets_keepalive_from_its_options() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let mut options = ClientOptions::default();
    options.keepalive = Some(Duration::from_secs(7));
    let redis = Connection::open(&config(server.port(), Protocol::Resp3), options).unwrap();
    let NetStream::Tcp(tcp) = redis.get_ref() else {
        panic!("a plain TCP connection");
    };
    let socket = socket2::SockRef::from(tcp);
    assert!(socket.keepalive().unwrap());
    assert_eq!(socket.tcp_keepalive_time().unwrap(), Duration::from_secs(7));
    assert!(tcp.nodelay().unwrap());
}

/// `subscribe` hands back the messages to iterate, as the async client's
/// hands back its `Subscription`; shard channels work the same way.
#[test]
fn subscribe_returns_the_messages() {
    both_protocols(|server, protocol| {
        let mut subscriber = open(server.port(), protocol);
        let mut publisher = open(server.port(), protocol);
        let quiet: Vec<_> = subscriber
            .ssubscribe(&["orders"])
            .unwrap()
            .within(Duration::from_millis(100))
            .collect();
        assert!(quiet.is_empty());
        assert_eq!(
            publisher.call::<i64>(["SPUBLISH", "orders", "o1"]).unwrap(),
            1
        );
        let first = subscriber
            .subscribe(&["news"])
            .unwrap()
            .within(Duration::from_secs(2))
            .next()
            .unwrap()
            .unwrap();
        assert!(
            matches!(&first, resp_std::Message::Push(Push::ShardMessage { channel, payload }) if &channel[..] == b"orders" && payload == &Frame::from("o1")),
            "{first:?}"
        );
        subscriber.sunsubscribe(&[]).unwrap();
        subscriber.unsubscribe(&[]).unwrap();
        assert_eq!(subscriber.call::<String>(["PING"]).unwrap(), "PONG");
    });
}
