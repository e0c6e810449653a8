//! The example `kv-server` as Redis's own tools and hostile clients see it:
//! `redis-cli` prints what it prints for a real Redis, `redis-benchmark`'s
//! default tests run without an error, malformed requests get Redis's
//! answers, and many connections, a 100 MiB value and a vanishing client
//! are handled.

use resp_core::{Frame, NullKind, pack_command};
use resp_test_support::{KvServer, RedisServer, Replies, installed, resident_kib};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// What `redis-cli` prints for `args` against a server on `port`.
fn cli(port: u16, args: &[&str]) -> String {
    let output = Command::new("redis-cli")
        .args(["-p", &port.to_string(), "--no-raw"])
        .args(args)
        .output()
        .expect("redis-cli runs");
    assert!(output.status.success(), "redis-cli {args:?}");
    String::from_utf8(output.stdout).expect("UTF-8 output")
}

/// The same redis-cli calls against both servers print the same.
#[test]
fn redis_cli_prints_the_same_as_for_redis() {
    if !installed("redis-cli") {
        return;
    }
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let kv = KvServer::start(&[]);
    let calls: &[&[&str]] = &[
        &["PING"],
        &["SET", "greeting", "hello world"],
        &["GET", "greeting"],
        &["GET", "missing"],
        &["HSET", "h", "name", "ada", "born", "1815"],
        &["HGETALL", "h"],
        &["-3", "HGETALL", "h"],
        &["ZADD", "z", "1.5", "a", "0.1", "b", "3", "c"],
        &["ZRANGE", "z", "0", "-1", "WITHSCORES"],
        &["-3", "ZRANGE", "z", "0", "-1", "WITHSCORES"],
        &["-3", "ZSCORE", "z", "b"],
        &["RPUSH", "l", "x", "y"],
        &["LRANGE", "l", "0", "-1"],
        &["LRANGE", "missing", "0", "-1"],
        &["-3", "SMEMBERS", "missing"],
        &["INCR", "greeting"],
        &["-3", "HGETALL", "missing"],
    ];
    for args in calls {
        assert_eq!(
            cli(kv.port(), args),
            cli(redis.port(), args),
            "redis-cli {args:?}"
        );
    }
    // A map in RESP3 is printed as one.
    assert!(cli(kv.port(), &["-3", "HGETALL", "h"]).contains("1# \"name\" => \"ada\""));
}

/// MULTI/EXEC through redis-cli, and a WATCH that another connection's
/// write aborts.
#[test]
fn transactions_and_a_watch_abort() {
    if !installed("redis-cli") {
        return;
    }
    let kv = KvServer::start(&[]);
    let mut child = Command::new("redis-cli")
        .args(["-p", &kv.port().to_string()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"MULTI\nSET counter 1\nINCR counter\nEXEC\n")
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "OK\nQUEUED\nQUEUED\nOK\n2\n"
    );

    let mut watcher = Replies::new(kv.connect(), 64);
    assert_eq!(
        watcher.command(["WATCH", "counter"]),
        Frame::SimpleString("OK".into())
    );
    assert_eq!(cli(kv.port(), &["SET", "counter", "changed"]), "OK\n");
    watcher.command(["MULTI"]);
    assert_eq!(
        watcher.command(["SET", "counter", "mine"]),
        Frame::SimpleString("QUEUED".into())
    );
    assert_eq!(watcher.command(["EXEC"]), Frame::Null(NullKind::Array));
    assert_eq!(cli(kv.port(), &["GET", "counter"]), "\"changed\"\n");

    // Unwatched, the same transaction runs.
    watcher.command(["MULTI"]);
    watcher.command(["SET", "counter", "mine"]);
    assert_eq!(
        watcher.command(["EXEC"]),
        Frame::Array(vec![Frame::SimpleString("OK".into())])
    );
}

/// A subscriber in redis-cli sees what another connection publishes, in
/// RESP2 (subscribed mode) and RESP3 (pushes).
#[test]
fn subscribe_and_publish_across_connections() {
    if !installed("redis-cli") {
        return;
    }
    let kv = KvServer::start(&[]);
    for protocol in ["-2", "-3"] {
        let mut subscriber = Command::new("redis-cli")
            .args(["-p", &kv.port().to_string(), protocol, "SUBSCRIBE", "news"])
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(subscriber.stdout.take().unwrap()).lines();
        // The confirmation: subscribe, news, 1.
        let confirmation: Vec<String> = (0..3).map(|_| lines.next().unwrap().unwrap()).collect();
        assert_eq!(confirmation, ["subscribe", "news", "1"], "{protocol}");
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let receivers = cli(kv.port(), &["PUBLISH", "news", "hello"]);
            if receivers == "(integer) 1\n" {
                break;
            }
            assert!(Instant::now() < deadline, "no subscriber: {receivers}");
        }
        let message: Vec<String> = (0..3).map(|_| lines.next().unwrap().unwrap()).collect();
        assert_eq!(message, ["message", "news", "hello"], "{protocol}");
        subscriber.kill().unwrap();
        subscriber.wait().unwrap();
    }
}

/// `redis-benchmark`'s default tests, inline PING included, with no error.
#[test]
fn redis_benchmark_default_tests_run_clean() {
    if !installed("redis-benchmark") {
        return;
    }
    let kv = KvServer::start(&[]);
    for protocol in [None, Some("-3")] {
        let output = Command::new("redis-benchmark")
            .args(["-p", &kv.port().to_string(), "-q", "-n", "20000"])
            .args(protocol)
            .output()
            .expect("redis-benchmark runs");
        let text = String::from_utf8_lossy(&output.stdout).replace('\r', "\n");
        assert!(output.status.success(), "{text}");
        assert!(
            !text.to_lowercase().contains("error"),
            "{protocol:?}: {text}"
        );
        for test in [
            "PING_INLINE",
            "PING_MBULK",
            "SET",
            "GET",
            "ZPOPMIN",
            "LRANGE_600",
            "MSET",
        ] {
            assert!(
                text.contains(&format!("{test}: ")) || text.contains(&format!("{test} (")),
                "{test} missing: {text}"
            );
        }
    }
}

/// Each malformed request captured from Redis 7 gets Redis's answer, and
/// the connection is closed where Redis closed it.
#[test]
fn malformed_requests_get_redis_answers() {
    let corpus = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/malformed");
    let kv = KvServer::start(&[]);
    let mut checked = 0;
    let mut cases: Vec<_> = std::fs::read_dir(&corpus)
        .expect("testdata/ in the repository")
        .filter_map(|entry| {
            let path = entry.ok()?.path();
            (path.extension()? == "req").then_some(path)
        })
        .collect();
    cases.sort();
    for request in cases {
        let name = request.file_stem().unwrap().to_string_lossy().into_owned();
        let sent = std::fs::read(&request).unwrap();
        let expected = std::fs::read(request.with_extension("bin")).unwrap();
        let meta = std::fs::read_to_string(request.with_extension("json")).unwrap();
        let closes = meta.contains("\"server_closed\": true");
        let mut stream = kv.connect();
        stream
            .set_read_timeout(Some(Duration::from_millis(500)))
            .unwrap();
        stream.write_all(&sent).unwrap();
        let mut reply = Vec::new();
        let mut closed = false;
        let deadline = Instant::now() + Duration::from_secs(5);
        while reply.len() < expected.len() || closes {
            let mut piece = [0; 4096];
            match stream.read(&mut piece) {
                Ok(0) => {
                    closed = true;
                    break;
                }
                Ok(n) => reply.extend_from_slice(&piece[..n]),
                Err(_) => break,
            }
            if Instant::now() > deadline {
                break;
            }
        }
        assert_eq!(
            reply.escape_ascii().to_string(),
            expected.escape_ascii().to_string(),
            "{name}"
        );
        assert_eq!(closed, closes, "{name}: closed");
        checked += 1;
    }
    assert!(checked >= 20, "{checked} cases");
}

/// A connection, retried a few times: with a thousand at once, and other
/// tests beside them, a listen queue can overflow for a moment.
fn connect(port: u16) -> TcpStream {
    let mut attempts = 0;
    loop {
        match TcpStream::connect(("127.0.0.1", port)) {
            Ok(stream) => return stream,
            Err(error) if attempts < 20 => {
                attempts += 1;
                eprintln!("connect failed ({error}), retrying");
                std::thread::sleep(Duration::from_millis(50));
            }
            Err(error) => panic!("connect to kv-server: {error}"),
        }
    }
}

/// 1,000 connections at once, each a pipeline of its own keys: each gets
/// its own replies, in order.
#[test]
fn a_thousand_concurrent_connections() {
    let kv = KvServer::start(&[]);
    let workers: Vec<_> = (0..8)
        .map(|worker| {
            let port = kv.port();
            std::thread::spawn(move || {
                let mut connections: Vec<TcpStream> = (0..125).map(|_| connect(port)).collect();
                for (n, stream) in connections.iter_mut().enumerate() {
                    let key = format!("client:{worker}:{n}");
                    let mut out = Vec::new();
                    pack_command(&mut out, ["SET", &key, &n.to_string()]);
                    pack_command(&mut out, ["INCR", &key]);
                    pack_command(&mut out, ["GET", &key]);
                    stream.write_all(&out).unwrap();
                }
                for (n, stream) in connections.into_iter().enumerate() {
                    stream
                        .set_read_timeout(Some(Duration::from_secs(20)))
                        .unwrap();
                    let mut replies = Replies::new(stream, 4096);
                    assert_eq!(replies.reply(), Frame::SimpleString("OK".into()));
                    assert_eq!(replies.reply(), Frame::Integer(n as i64 + 1));
                    assert_eq!(
                        replies.reply(),
                        Frame::BulkString((n + 1).to_string().into())
                    );
                }
            })
        })
        .collect();
    for worker in workers {
        worker.join().unwrap();
    }
}

#[test]
fn a_100_mib_value_round_trips() {
    let kv = KvServer::start(&[]);
    let value: Vec<u8> = (0..100 * 1024 * 1024).map(|i| (i % 251) as u8).collect();
    let mut redis = Replies::new(kv.connect(), 1 << 20);
    assert_eq!(
        redis.command(["SET".as_bytes(), b"big", &value]),
        Frame::SimpleString("OK".into())
    );
    let reply = redis.command(["GET", "big"]);
    let back = reply.as_bytes().expect("a bulk string");
    assert!(back == &value[..], "the value came back changed");
    assert_eq!(
        redis.command(["STRLEN", "big"]),
        Frame::Integer(value.len() as i64)
    );
}

/// A client that announces a 1 GiB argument, sends a little, and vanishes
/// costs the server about what it sent, not what it announced.
#[test]
fn an_unterminated_huge_bulk_costs_what_was_sent() {
    let kv = KvServer::start(&[]);
    let before = resident_kib(kv.pid());
    let mut clients = Vec::new();
    for _ in 0..20 {
        let mut stream = kv.connect();
        stream
            .write_all(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1073741824\r\n")
            .unwrap();
        stream.write_all(&[b'x'; 64 * 1024]).unwrap();
        clients.push(stream);
    }
    std::thread::sleep(Duration::from_millis(300));
    let during = resident_kib(kv.pid());
    // Twenty 1 GiB announcements, 1.25 MiB sent in all.
    assert!(
        during - before.min(during) < 64 * 1024,
        "{before} KiB -> {during} KiB"
    );
    drop(clients);
    let mut redis = Replies::new(kv.connect(), 64);
    assert_eq!(redis.command(["PING"]), Frame::SimpleString("PONG".into()));
}

#[test]
fn it_stops_cleanly_on_sigterm() {
    let kv = KvServer::start(&[]);
    let mut redis = Replies::new(kv.connect(), 64);
    assert_eq!(redis.command(["PING"]), Frame::SimpleString("PONG".into()));
    assert!(kv.terminate(), "exit status 0 on SIGTERM");
}

/// With `--requirepass`: nothing before AUTH, then everything; HELLO can
/// authenticate and switch at once.
#[test]
fn requirepass_gates_every_command() {
    let kv = KvServer::start(&["--requirepass", "s3cret"]);
    let mut client = Replies::new(kv.connect(), 64);
    assert_eq!(
        client.command(["GET", "k"]),
        Frame::SimpleError("NOAUTH Authentication required.".into())
    );
    assert_eq!(
        client.command(["AUTH", "wrong"]),
        Frame::SimpleError("WRONGPASS invalid username-password pair or user is disabled.".into())
    );
    assert_eq!(
        client.command(["AUTH", "s3cret"]),
        Frame::SimpleString("OK".into())
    );
    assert_eq!(
        client.command(["SET", "k", "v"]),
        Frame::SimpleString("OK".into())
    );

    let mut other = Replies::new(kv.connect(), 64);
    let hello = other.command(["HELLO", "3", "AUTH", "default", "s3cret"]);
    let fields = hello.pairs().expect("HELLO 3 answers a map");
    assert!(fields.contains(&(Frame::from("proto"), Frame::Integer(3))));
    assert_eq!(other.command(["GET", "k"]), Frame::BulkString("v".into()));

    // Before authenticating, big requests are refused as Redis refuses them.
    let mut stranger = kv.connect();
    let args: Vec<String> = (0..11).map(|i| i.to_string()).collect();
    let mut out = Vec::new();
    pack_command(&mut out, &args);
    stranger.write_all(&out).unwrap();
    let mut reply = vec![0; 256];
    let n = stranger.read(&mut reply).unwrap();
    assert_eq!(
        &reply[..n],
        b"-ERR Protocol error: unauthenticated multibulk length\r\n"
    );
}

/// Keys expire on access and in the background, and their memory goes.
#[test]
fn keys_expire_lazily_and_actively() {
    let kv = KvServer::start(&[]);
    let mut client = Replies::new(kv.connect(), 1 << 16);
    let mut pipeline = Vec::new();
    for i in 0..20_000 {
        pack_command(
            &mut pipeline,
            ["SET", &format!("temp:{i}"), "value", "PX", "200"],
        );
    }
    pack_command(&mut pipeline, ["SET", "lasting", "v"]);
    client.send(&pipeline);
    for _ in 0..20_001 {
        client.reply();
    }
    assert_eq!(client.command(["DBSIZE"]), Frame::Integer(20_001));
    std::thread::sleep(Duration::from_millis(1_500));
    // Nobody read them: the background sweep removed them.
    assert_eq!(client.command(["DBSIZE"]), Frame::Integer(1));
    assert_eq!(
        client.command(["GET", "temp:1"]),
        Frame::Null(NullKind::Bulk)
    );
    client.command(["SET", "soon", "v", "PX", "50"]);
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(client.command(["GET", "soon"]), Frame::Null(NullKind::Bulk));
}

/// A subscriber that never reads holds at most its backlog limit (32 MiB,
/// Redis's pub/sub output limit) and is dropped there, even while a write
/// to it is stuck; `PUBLISH` then counts no receiver. 20,000 messages of
/// 64 KiB are 1.25 GiB.
#[test]
fn a_subscriber_that_does_not_read_is_bounded_and_dropped() {
    let kv = KvServer::start(&[]);
    let mut subscriber = connect(kv.port());
    let mut subscribe = Vec::new();
    pack_command(&mut subscribe, ["SUBSCRIBE", "flood"]);
    subscriber.write_all(&subscribe).unwrap();
    // Its confirmation, and then it reads nothing more.
    let mut confirmation = [0; 64];
    let _ = subscriber.read(&mut confirmation).unwrap();

    let before = resident_kib(kv.pid());
    let mut publisher = Replies::new(kv.connect(), 64 * 1024);
    let payload = vec![b'p'; 64 * 1024];
    let mut last = Frame::Integer(-1);
    let mut peak = 0;
    for round in 0..20_000 {
        last = publisher.command((&b"PUBLISH"[..], &b"flood"[..], &payload[..]));
        if round % 1_000 == 0 {
            peak = peak.max(resident_kib(kv.pid()));
        }
    }
    peak = peak.max(resident_kib(kv.pid()));
    let grown = peak.saturating_sub(before);
    assert!(grown < 160 * 1024, "kv-server grew {grown} KiB");
    // Dropped: no longer a receiver.
    assert_eq!(last, Frame::Integer(0));
    // And its connection is closed: reading drains what was sent, then ends.
    subscriber
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut sink = vec![0; 1 << 20];
    loop {
        match subscriber.read(&mut sink) {
            Ok(0) => break,
            Ok(_) => {}
            Err(error) => panic!("the subscriber was not disconnected: {error}"),
        }
    }
}
