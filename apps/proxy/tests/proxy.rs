//! The proxy between real clients and a real redis-server:
//! `redis-cli` and `redis-benchmark` through it, clients pipelining on the
//! shared connections each getting only their own replies, transactions,
//! subscribers and blocking commands beside them, the upstream killed
//! mid-pipeline, and a 1 GiB value through it in bounded memory.

use resp_core::{Frame, pack_command};
use resp_test_support::{ProxyServer, RedisServer, Replies, installed, resident_kib};
use std::io::{Read, Write};
use std::process::Command;
use std::time::{Duration, Instant};

fn bulk(text: &str) -> Frame {
    Frame::from(text)
}

fn array(items: &[&str]) -> Frame {
    Frame::Array(items.iter().map(|item| bulk(item)).collect())
}

fn replies(proxy: &ProxyServer) -> Replies {
    Replies::new(proxy.connect(), 64 * 1024)
}

#[test]
fn redis_cli_and_redis_benchmark_through_the_proxy() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    if !installed("redis-cli") || !installed("redis-benchmark") {
        return;
    }
    let proxy = ProxyServer::start(server.port(), &[]);
    let port = proxy.port().to_string();
    let cli = |args: &[&str]| {
        let output = Command::new("redis-cli")
            .args(["-p", &port])
            .args(args)
            .output()
            .expect("redis-cli runs");
        assert!(output.status.success());
        String::from_utf8(output.stdout).unwrap()
    };
    assert_eq!(cli(&["PING"]), "PONG\n");
    assert_eq!(cli(&["SET", "greeting", "hello"]), "OK\n");
    assert_eq!(cli(&["GET", "greeting"]), "hello\n");
    assert_eq!(cli(&["-3", "HGETALL", "nothing"]), "\n");
    let output = Command::new("redis-benchmark")
        .args(["-p", &port, "-q", "-n", "20000"])
        .output()
        .expect("redis-benchmark runs");
    let printed = String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{printed}");
    assert!(!printed.contains("rror"), "{printed}");
    // Every default test reports a rate: none stopped on an error.
    let rates = printed
        .split(['\r', '\n'])
        .filter(|line| line.contains("requests per second"))
        .count();
    assert_eq!(rates, 20, "{printed}");
    for test in ["PING_INLINE: ", "GET: ", "LRANGE_600 (", "MSET (10 keys): "] {
        assert!(printed.contains(test), "{test} missing from {printed}");
    }
}

/// Two clients pipelining on the shared connection, their commands
/// interleaved there: each gets exactly its own counter, in order.
#[test]
fn clients_pipelining_together_each_get_their_own_replies() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let proxy = ProxyServer::start(server.port(), &[]);
    let clients: Vec<_> = ["a", "b", "c"]
        .into_iter()
        .map(|key| {
            let mut replies = replies(&proxy);
            std::thread::spawn(move || {
                let mut batch = Vec::new();
                for round in 0..50 {
                    batch.clear();
                    for _ in 0..40 {
                        pack_command(&mut batch, ["INCR", key]);
                    }
                    replies.send(&batch);
                    for n in 1..=40 {
                        assert_eq!(replies.reply(), Frame::Integer(round * 40 + n), "{key}");
                    }
                }
            })
        })
        .collect();
    for client in clients {
        client.join().unwrap();
    }
}

/// A transaction aborted by a WATCH, a subscriber and a blocked BLPOP, each
/// on a connection of its own, while other clients go on over the shared one.
#[test]
fn stateful_clients_beside_the_shared_connection() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let proxy = ProxyServer::start(server.port(), &[]);
    let mut other = replies(&proxy);

    let mut watcher = replies(&proxy);
    assert_eq!(
        watcher.command(["WATCH", "k"]),
        Frame::SimpleString("OK".into())
    );
    assert_eq!(
        other.command(["SET", "k", "changed"]),
        Frame::SimpleString("OK".into())
    );
    assert_eq!(watcher.command(["MULTI"]), Frame::SimpleString("OK".into()));
    assert_eq!(
        watcher.command(["SET", "k", "mine"]),
        Frame::SimpleString("QUEUED".into())
    );
    assert_eq!(
        watcher.command(["EXEC"]),
        Frame::Null(resp_core::NullKind::Array)
    );
    assert_eq!(other.command(["GET", "k"]), bulk("changed"));
    // After the transaction the watcher is back on the shared connection,
    // and a transaction nobody disturbs goes through.
    assert_eq!(watcher.command(["MULTI"]), Frame::SimpleString("OK".into()));
    assert_eq!(
        watcher.command(["INCR", "n"]),
        Frame::SimpleString("QUEUED".into())
    );
    assert_eq!(
        watcher.command(["EXEC"]),
        Frame::Array(vec![Frame::Integer(1)])
    );

    let mut subscriber = replies(&proxy);
    assert_eq!(
        subscriber.command(["SUBSCRIBE", "news"]),
        Frame::Array(vec![bulk("subscribe"), bulk("news"), Frame::Integer(1)])
    );
    assert_eq!(other.command(["PUBLISH", "news", "hi"]), Frame::Integer(1));
    assert_eq!(subscriber.reply(), array(&["message", "news", "hi"]));

    let mut blocked = replies(&proxy);
    blocked.send(b"*3\r\n$5\r\nBLPOP\r\n$1\r\nq\r\n$1\r\n5\r\n");
    // The blocked client holds only its own connection: others still run.
    let started = Instant::now();
    for n in 0..100 {
        assert_eq!(
            other.command(["SET", "x", &n.to_string()]),
            Frame::SimpleString("OK".into())
        );
    }
    assert!(started.elapsed() < Duration::from_secs(4));
    assert_eq!(other.command(["RPUSH", "q", "v"]), Frame::Integer(1));
    assert_eq!(blocked.reply(), array(&["q", "v"]));
    assert_eq!(blocked.command(["GET", "k"]), bulk("changed"));
}

/// With `--requirepass`, clients authenticate to the proxy, with Redis's
/// replies; the proxy authenticates upstream with its own password, which
/// no client can read back.
#[test]
fn clients_authenticate_to_the_proxy_and_never_see_its_credentials() {
    let Some(server) = RedisServer::start_with(&["--requirepass", "upstream-secret"]) else {
        return;
    };
    let proxy = ProxyServer::start(
        server.port(),
        &[
            "--requirepass",
            "proxy-secret",
            "--upstream-pass",
            "upstream-secret",
        ],
    );
    let mut client = replies(&proxy);
    let noauth = Frame::SimpleError("NOAUTH Authentication required.".into());
    assert_eq!(client.command(["GET", "k"]), noauth);
    assert_eq!(client.command(["CLIENT", "SETNAME", "app"]), noauth);
    let wrong = client.command(["AUTH", "upstream-secret"]);
    assert_eq!(
        wrong,
        Frame::SimpleError("WRONGPASS invalid username-password pair or user is disabled.".into())
    );
    assert_eq!(
        client.command(["AUTH", "proxy-secret"]),
        Frame::SimpleString("OK".into())
    );
    assert_eq!(
        client.command(["SET", "k", "v"]),
        Frame::SimpleString("OK".into())
    );
    assert_eq!(client.command(["GET", "k"]), bulk("v"));
    for administrative in [
        &["CONFIG", "GET", "requirepass"][..],
        &["ACL", "GETUSER", "default"],
    ] {
        let refused = client.command(administrative);
        assert!(refused.is_error(), "{administrative:?}: {refused:?}");
    }
    // What is not administrative still passes.
    assert_eq!(client.command(["ACL", "WHOAMI"]), bulk("default"));
    // HELLO … AUTH authenticates and switches protocol in one go.
    let mut resp3 = replies(&proxy);
    let hello = resp3.command(["HELLO", "3", "AUTH", "default", "proxy-secret"]);
    assert!(hello.pairs().is_some(), "{hello:?}");
    assert_eq!(resp3.command(["GET", "k"]), bulk("v"));
}

/// A malformed request gets Redis's reply and the end of the connection,
/// after the replies before it; the shared connection is not touched.
#[test]
fn a_malformed_request_ends_only_its_connection() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let proxy = ProxyServer::start(server.port(), &[]);
    let mut other = replies(&proxy);
    let mut stream = proxy.connect();
    stream
        .write_all(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n*1\r\n$x\r\n")
        .unwrap();
    let mut received = Vec::new();
    stream.read_to_end(&mut received).unwrap();
    assert_eq!(
        received,
        b"+OK\r\n-ERR Protocol error: invalid bulk length\r\n"
    );
    assert_eq!(other.command(["GET", "k"]), bulk("v"));
}

/// The upstream killed with a pipeline in flight: every waiting request
/// gets an error reply at once, nothing hangs, and once a server is back
/// where it was the proxy serves again.
#[test]
fn the_upstream_killed_mid_pipeline() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let port = server.port();
    let proxy = ProxyServer::start(port, &[]);
    let mut client = replies(&proxy);
    assert_eq!(client.command(["PING"]), Frame::SimpleString("PONG".into()));
    let mut batch = Vec::new();
    pack_command(&mut batch, ["DEBUG", "SLEEP", "2"]);
    for _ in 0..100 {
        pack_command(&mut batch, ["GET", "k"]);
    }
    client.send(&batch);
    std::thread::sleep(Duration::from_millis(300));
    let killed = Instant::now();
    drop(server);
    for _ in 0..101 {
        let reply = client.reply();
        assert_eq!(
            reply,
            Frame::SimpleError("ERR upstream connection lost".into())
        );
    }
    assert!(
        killed.elapsed() < Duration::from_secs(1),
        "{:?}",
        killed.elapsed()
    );
    // No server: requests fail at once rather than wait.
    let reply = client.command(["GET", "k"]);
    assert!(reply.is_error(), "{reply:?}");

    let Some(_back) = RedisServer::start_on(port, &[]) else {
        return;
    };
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let reply = client.command(["PING"]);
        if reply == Frame::SimpleString("PONG".into()) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the proxy did not reconnect: {reply:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A 1 GiB value up and back down through the proxy, whose memory stays
/// under 64 MiB the whole time.
#[test]
fn a_1_gib_value_through_the_proxy_in_bounded_memory() {
    const SIZE: usize = 1 << 30;
    let Some(server) = RedisServer::start_for_large_values() else {
        return;
    };
    let proxy = ProxyServer::start(server.port(), &[]);
    let pid = proxy.pid();
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let watcher = {
        let done = done.clone();
        std::thread::spawn(move || {
            let mut peak = 0;
            while !done.load(std::sync::atomic::Ordering::SeqCst) {
                peak = peak.max(resident_kib(pid));
                std::thread::sleep(Duration::from_millis(5));
            }
            peak
        })
    };

    let mut stream = proxy.connect();
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    stream
        .write_all(format!("*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n${SIZE}\r\n").as_bytes())
        .unwrap();
    let chunk = vec![b'v'; 1 << 20];
    for _ in 0..SIZE / chunk.len() {
        stream.write_all(&chunk).unwrap();
    }
    stream.write_all(b"\r\n").unwrap();
    let mut ok = [0; 5];
    stream.read_exact(&mut ok).unwrap();
    assert_eq!(&ok, b"+OK\r\n");

    stream
        .write_all(b"*2\r\n$3\r\nGET\r\n$3\r\nbig\r\n")
        .unwrap();
    let header = format!("${SIZE}\r\n");
    let mut head = vec![0; header.len()];
    stream.read_exact(&mut head).unwrap();
    assert_eq!(head, header.as_bytes());
    let mut left = SIZE + 2;
    let mut buf = vec![0; 1 << 20];
    let mut last = Vec::new();
    while left > 0 {
        let n = stream.read(&mut buf[..left.min(1 << 20)]).unwrap();
        assert!(n > 0, "the proxy closed the connection");
        assert!(
            buf[..n]
                .iter()
                .all(|&b| b == b'v' || b == b'\r' || b == b'\n')
        );
        last = buf[..n].to_vec();
        left -= n;
    }
    assert!(last.ends_with(b"v\r\n"));
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    let peak = watcher.join().unwrap();
    assert!(peak < 64 * 1024, "the proxy peaked at {peak} KiB");
    assert!(resident_kib(pid) < 64 * 1024);
}

/// `RESET` is the client's own: it must never reach a shared connection,
/// where it would log the proxy out upstream and switch that connection
/// back to RESP2 under every other client.
#[test]
fn reset_ends_only_the_clients_own_state() {
    let Some(server) = RedisServer::start_with(&["--requirepass", "pw"]) else {
        return;
    };
    let proxy = ProxyServer::start(server.port(), &["--upstream-pass", "pw"]);
    let ok = || Frame::SimpleString("OK".into());
    let mut a = replies(&proxy);
    assert!(matches!(a.command(["HELLO", "3"]), Frame::Map(_)));
    assert_eq!(a.command(["SET", "k", "v"]), ok());
    assert_eq!(a.command(["RESET"]), Frame::SimpleString("RESET".into()));
    assert!(matches!(a.command(["HELLO", "3"]), Frame::Map(_)));
    assert_eq!(a.command(["MULTI"]), ok());
    assert_eq!(
        a.command(["INCR", "n"]),
        Frame::SimpleString("QUEUED".into())
    );
    assert_eq!(a.command(["RESET"]), Frame::SimpleString("RESET".into()));
    // Back to RESP2, out of the transaction, which never ran.
    assert_eq!(
        a.command(["GET", "n"]),
        Frame::Null(resp_core::NullKind::Bulk)
    );
    let mut b = replies(&proxy);
    assert!(matches!(b.command(["HELLO", "3"]), Frame::Map(_)));
    assert_eq!(b.command(["GET", "k"]), bulk("v"));
    assert_eq!(
        b.command(["HGETALL", "nothing"]),
        Frame::Map(Vec::new()),
        "the shared RESP3 connection still speaks RESP3"
    );
}
