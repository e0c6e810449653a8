//! The proxy under a failing upstream and hostile clients, against a real
//! redis-server: cut and reset upstream connections (the fault relay), a
//! frozen server (SIGSTOP by pid), a server out of client slots, clients
//! that do not read, and requests made to slip past the proxy's checks.
//! Each test reproduces a way the proxy once misdelivered, hung, grew
//! without bound or leaked its upstream password.

use bytes::BytesMut;
use resp_core::{Decoder, Frame, pack_command};
use resp_test_support::{ProxyServer, RedisServer, Relay, resident_kib};
use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::process::Command;
use std::time::{Duration, Instant};

const LOST: &[u8] = b"ERR upstream connection lost";

fn packed(args: &[&str]) -> Vec<u8> {
    let mut out = Vec::new();
    pack_command(&mut out, args);
    out
}

/// What a client read: the whole replies, in order, and whether the proxy
/// closed the connection after them.
struct Received {
    frames: Vec<Frame>,
    closed: bool,
}

/// Reads replies until `count` have come or the proxy closes the
/// connection. The stream must parse at every point: a client never gets
/// part of a reply followed by anything but the end of the connection.
/// Panics when nothing comes for `patience`.
fn read_replies(stream: &mut TcpStream, count: usize, patience: Duration) -> Received {
    stream.set_read_timeout(Some(patience)).unwrap();
    let mut decoder = Decoder::new();
    let mut buf = BytesMut::new();
    let mut frames = Vec::new();
    let mut piece = vec![0; 64 * 1024];
    while frames.len() < count {
        match decoder.decode(&mut buf) {
            Ok(Some(frame)) => {
                frames.push(frame);
                continue;
            }
            Ok(None) => {}
            Err(error) => panic!("the proxy sent a malformed stream: {error}"),
        }
        match stream.read(&mut piece) {
            Ok(0) => {
                return Received {
                    frames,
                    closed: true,
                };
            }
            Ok(n) => buf.extend_from_slice(&piece[..n]),
            Err(error) if error.kind() == ErrorKind::ConnectionReset => {
                return Received {
                    frames,
                    closed: true,
                };
            }
            Err(error) => panic!(
                "no reply for {patience:?} after {} of {count}: {error}",
                frames.len()
            ),
        }
    }
    Received {
        frames,
        closed: false,
    }
}

fn is_lost(frame: &Frame) -> bool {
    frame.is_error() && frame.as_bytes() == Some(LOST)
}

/// `PING` on a new connection, answered within `within`.
fn ping_within(proxy: &ProxyServer, within: Duration) {
    let started = Instant::now();
    let mut stream = proxy.connect();
    stream.write_all(&packed(&["PING"])).unwrap();
    let read = read_replies(&mut stream, 1, within);
    assert_eq!(
        read.frames,
        [Frame::SimpleString("PONG".into())],
        "after {:?}",
        started.elapsed()
    );
    assert!(started.elapsed() < within, "{:?}", started.elapsed());
}

/// One client pipelining `SET k <100 bytes>` as fast as the proxy takes
/// them, for 3 s: the client, the proxy's peak resident KiB meanwhile, and
/// the bytes it took.
fn flood(proxy: &ProxyServer) -> (TcpStream, u64, usize) {
    let mut flooder = proxy.connect();
    flooder
        .set_write_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let mut batch = Vec::new();
    let value = "x".repeat(100);
    for _ in 0..1000 {
        batch.extend_from_slice(&packed(&["SET", "k", &value]));
    }
    let (mut peak, mut sent) = (0, 0);
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(3) {
        if flooder.write_all(&batch).is_ok() {
            sent += batch.len();
        }
        peak = peak.max(resident_kib(proxy.pid()));
    }
    (flooder, peak, sent)
}

fn signal(pid: u32, signal: &str) {
    let status = Command::new("kill")
        .args([signal, &pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

/// Finding 1: the upstream cut 300,000 bytes into the replies of a
/// pipeline of 2,000 GETs. Every whole reply is the value or an error,
/// never a bulk header followed by error replies; the client gets all
/// 2,000 answers, or the connection ends right after a reply cut short.
#[test]
fn an_upstream_cut_mid_reply_never_corrupts_a_clients_stream() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let relay = Relay::start(server.port());
    let proxy = ProxyServer::start(relay.port(), &[]);
    let mut direct = server.connect();
    let value = "v".repeat(1000);
    direct.write_all(&packed(&["SET", "k", &value])).unwrap();
    let mut ok = [0; 5];
    direct.read_exact(&mut ok).unwrap();
    ping_within(&proxy, Duration::from_secs(5));

    let mut client = proxy.connect();
    let mut pipeline = Vec::new();
    for _ in 0..2000 {
        pipeline.extend_from_slice(&packed(&["GET", "k"]));
    }
    relay.cut_after(300_000);
    client.write_all(&pipeline).unwrap();
    let read = read_replies(&mut client, 2000, Duration::from_secs(10));
    let values = read
        .frames
        .iter()
        .take_while(|frame| frame.as_bytes() == Some(value.as_bytes()))
        .count();
    assert!(values < 2000, "the cut came after every reply");
    // After the values, only errors, one per request, until the end.
    assert!(
        read.frames[values..].iter().all(is_lost),
        "{:?}",
        &read.frames[values..]
    );
    assert!(read.closed || read.frames.len() == 2000);
    // The proxy connects again for the next client.
    relay.cut_after(u64::MAX);
    ping_within(&proxy, Duration::from_secs(5));
}

/// Finding 2: the upstream connection reset again and again while 8
/// clients pipeline `ECHO c-j` in batches of 50. Each request gets its own
/// reply or an error, in order, never another's; no client waits more
/// than a few seconds; none is left without an answer.
#[test]
fn upstream_resets_never_lose_or_shift_a_reply() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let relay = Relay::start(server.port());
    let proxy = ProxyServer::start(relay.port(), &[]);
    ping_within(&proxy, Duration::from_secs(5));
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let clients: Vec<_> = (0..8)
        .map(|c| {
            let mut stream = proxy.connect();
            let stop = stop.clone();
            std::thread::spawn(move || {
                let (mut echoed, mut lost, mut batches) = (0, 0, 0);
                let mut j = 0;
                while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                    let words: Vec<String> = (j..j + 50).map(|j| format!("t{c}-{j}")).collect();
                    j += 50;
                    let mut batch = Vec::new();
                    for word in &words {
                        batch.extend_from_slice(&packed(&["ECHO", word]));
                    }
                    stream.write_all(&batch).unwrap();
                    let read = read_replies(&mut stream, 50, Duration::from_secs(10));
                    for (frame, word) in read.frames.iter().zip(&words) {
                        if is_lost(frame) {
                            lost += 1;
                        } else {
                            assert_eq!(frame.as_bytes(), Some(word.as_bytes()), "client {c}");
                            echoed += 1;
                        }
                    }
                    if read.closed {
                        // Only after part of a reply went out.
                        stream = loop {
                            if let Ok(stream) = TcpStream::connect(stream.peer_addr().unwrap()) {
                                break stream;
                            }
                        };
                    }
                    batches += 1;
                }
                (echoed, lost, batches)
            })
        })
        .collect();
    let started = Instant::now();
    let mut cuts = 0;
    while started.elapsed() < Duration::from_secs(3) {
        std::thread::sleep(Duration::from_millis(300 + (cuts * 97) % 700));
        relay.cut();
        cuts += 1;
    }
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    let (mut echoed, mut lost) = (0, 0);
    for client in clients {
        let (e, l, batches) = client.join().unwrap();
        assert!(batches > 0);
        echoed += e;
        lost += l;
    }
    assert!(echoed > 1000, "{echoed} echoed, {lost} lost in {cuts} cuts");
    ping_within(&proxy, Duration::from_secs(5));
}

/// Finding 3: a client sends 80 GETs of a 100,000-byte value and reads
/// nothing; another client's PING on its own connection is answered at
/// once, with one shared connection or four. A client that goes on not
/// reading is disconnected at its output limit, and the proxy's memory
/// stays bounded meanwhile.
#[test]
fn a_client_that_does_not_read_holds_up_no_one() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let mut direct = server.connect();
    direct
        .write_all(&packed(&["SET", "big", &"v".repeat(100_000)]))
        .unwrap();
    let mut ok = [0; 5];
    direct.read_exact(&mut ok).unwrap();
    for pool in ["1", "4"] {
        let proxy = ProxyServer::start(server.port(), &["--pool", pool]);
        let mut sleeper = proxy.connect();
        let mut gets = Vec::new();
        for _ in 0..80 {
            gets.extend_from_slice(&packed(&["GET", "big"]));
        }
        sleeper.write_all(&gets).unwrap();
        std::thread::sleep(Duration::from_millis(200));
        for _ in 0..4 {
            ping_within(&proxy, Duration::from_secs(1));
        }
        drop(sleeper);
    }

    let proxy = ProxyServer::start(server.port(), &["--client-output-limit", "16mb"]);
    let mut sleeper = proxy.connect();
    let mut gets = Vec::new();
    for _ in 0..1000 {
        gets.extend_from_slice(&packed(&["GET", "big"]));
    }
    // 100 MB of replies for a client that reads none of them.
    sleeper.write_all(&gets).unwrap();
    std::thread::sleep(Duration::from_millis(500));
    ping_within(&proxy, Duration::from_secs(1));
    let resident = resident_kib(proxy.pid());
    assert!(resident < 64 * 1024, "the proxy holds {resident} KiB");
    // Its connection was closed: what it reads now ends well short of
    // the 100 MB it asked for.
    sleeper
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut total = 0;
    let mut piece = vec![0; 1 << 20];
    loop {
        match sleeper.read(&mut piece) {
            Ok(0) | Err(_) => break,
            Ok(n) => total += n,
        }
    }
    assert!(total < 40 << 20, "it read {total} bytes");
}

/// Finding 4: a frozen upstream (SIGSTOP). The requests waiting on it fail
/// after the upstream timeout instead of hanging; a client pipelining
/// into it is no longer read past its bound, so the proxy's memory stays
/// small; once the upstream is back, a new client is served at once.
#[test]
fn a_frozen_upstream_fails_requests_in_time_and_bounds_memory() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let proxy = ProxyServer::start(server.port(), &["--upstream-timeout", "1"]);
    ping_within(&proxy, Duration::from_secs(5));
    signal(server.pid(), "-STOP");

    let mut waiting = proxy.connect();
    waiting.write_all(&packed(&["GET", "k"])).unwrap();
    let started = Instant::now();
    let read = read_replies(&mut waiting, 1, Duration::from_secs(5));
    assert!(read.frames.iter().all(is_lost), "{:?}", read.frames);
    assert_eq!(read.frames.len(), 1);
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );

    // One client pipelines SETs of 100 bytes as fast as it can for 3 s.
    let (flooder, peak, sent) = flood(&proxy);
    assert!(
        peak < 128 * 1024,
        "the proxy grew to {peak} KiB ({sent} bytes sent)"
    );
    signal(server.pid(), "-CONT");
    drop(flooder);
    ping_within(&proxy, Duration::from_secs(3));
}

/// Finding 4, the setup: an upstream that never answers `HELLO` (a relay
/// that holds every byte) fails the requests held for it after the
/// timeout, and the proxy holds no more than its bounds meanwhile.
#[test]
fn an_upstream_that_never_finishes_its_setup_fails_in_time() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let relay = Relay::start(server.port());
    relay.stall();
    let proxy = ProxyServer::start(relay.port(), &["--upstream-timeout", "1"]);
    let (_client, peak, _) = flood(&proxy);
    assert!(peak < 128 * 1024, "the proxy grew to {peak} KiB");
    let mut fresh = proxy.connect();
    fresh.write_all(&packed(&["PING"])).unwrap();
    let read = read_replies(&mut fresh, 1, Duration::from_secs(5));
    assert!(read.frames.iter().all(is_lost), "{:?}", read.frames);
}

/// Finding 5: a request the upstream refuses to read (a declared length
/// past its limit) or one too large to hold never opens a way past the
/// proxy's checks: `CONFIG GET requirepass` is refused before and after,
/// and the upstream password is never seen.
#[test]
fn no_request_slips_past_the_proxys_checks() {
    let Some(server) = RedisServer::start_with(&[
        "--requirepass",
        "s3cret-upstream",
        "--proto-max-bulk-len",
        "1mb",
    ]) else {
        return;
    };
    let proxy = ProxyServer::start(server.port(), &["--upstream-pass", "s3cret-upstream"]);
    let config_get = packed(&["CONFIG", "GET", "requirepass"]);
    let refused = |stream: &mut TcpStream| {
        stream.write_all(&config_get).unwrap();
        let read = read_replies(stream, 1, Duration::from_secs(5));
        assert!(!read.closed);
        let reply = &read.frames[0];
        assert!(reply.is_error(), "{reply:?}");
        assert!(!format!("{reply:?}").contains("s3cret"));
    };

    // A declared length Redis refuses, and one for a command the proxy
    // cannot see yet: the proxy answers and closes, as Redis would.
    for hostile in [&b"*1\r\n$536870913\r\n"[..], b"*2\r\n$300000\r\nCONFIG"] {
        let mut stream = proxy.connect();
        refused(&mut stream);
        stream.write_all(hostile).unwrap();
        let read = read_replies(&mut stream, 2, Duration::from_secs(5));
        assert!(read.closed, "{:?}", read.frames);
        assert!(read.frames.iter().all(Frame::is_error), "{:?}", read.frames);
        refused(&mut proxy.connect());
    }

    // A 2 MB SET, past the upstream's own limit: passed on as it arrives,
    // refused upstream, and nothing after it goes through unchecked.
    let mut stream = proxy.connect();
    let big = "z".repeat(2 << 20);
    let _ = stream.write_all(&packed(&["SET", "big", &big]));
    let _ = stream.write_all(&config_get);
    let mut seen = Vec::new();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let mut piece = [0; 4096];
    while let Ok(n) = stream.read(&mut piece) {
        if n == 0 {
            break;
        }
        seen.extend_from_slice(&piece[..n]);
    }
    let seen = String::from_utf8_lossy(&seen);
    assert!(!seen.contains("s3cret"), "{seen}");
    refused(&mut proxy.connect());
}

/// Finding 6: stateful commands when the upstream has no slot for the
/// client's own connection (`--maxclients 1`, the proxy's shared one
/// holding it). The client is told and disconnected: nothing of its
/// transaction runs outside it, and its `SET` after `SELECT 3` never lands
/// in database 0.
#[test]
fn stateful_commands_never_run_in_the_wrong_state() {
    let Some(server) = RedisServer::start_with(&["--maxclients", "1", "--requirepass", "pw"])
    else {
        return;
    };
    let proxy = ProxyServer::start(server.port(), &["--upstream-pass", "pw"]);
    // The server's one slot may still be held by the check that it was
    // up; the proxy connects again until it gets it.
    let started = Instant::now();
    loop {
        let mut stream = proxy.connect();
        stream.write_all(&packed(&["PING"])).unwrap();
        let read = read_replies(&mut stream, 1, Duration::from_secs(5));
        if read.frames == [Frame::SimpleString("PONG".into())] {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{:?}",
            read.frames
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let mut transaction = Vec::new();
    for command in [
        &["MULTI"][..],
        &["INCR", "c"],
        &["SET", "side", "effect"],
        &["EXEC"],
    ] {
        transaction.extend_from_slice(&packed(command));
    }
    let mut select = packed(&["SELECT", "3"]);
    select.extend_from_slice(&packed(&["SET", "k", "x"]));
    for requests in [transaction, select] {
        let mut stream = proxy.connect();
        stream.write_all(&requests).unwrap();
        let read = read_replies(&mut stream, 4, Duration::from_secs(10));
        assert!(read.closed, "{:?}", read.frames);
        assert!(read.frames.iter().all(is_lost), "{:?}", read.frames);
    }
    let mut check = proxy.connect();
    let mut gets = Vec::new();
    for key in ["c", "side", "k"] {
        gets.extend_from_slice(&packed(&["GET", key]));
    }
    check.write_all(&gets).unwrap();
    let read = read_replies(&mut check, 3, Duration::from_secs(5));
    assert!(read.frames.iter().all(Frame::is_null), "{:?}", read.frames);
}
