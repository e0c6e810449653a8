//! The core against a real Redis: commands packed by us, replies decoded by
//! us, in RESP2 and RESP3, read in awkward pieces.

use bytes::BytesMut;
use resp_core::{
    CommandDecoder, Decoder, Frame, NullKind, Pipeline, Protocol, ReplyWriter, pack_command,
};
use resp_test_support::{RedisServer, Replies};
use std::io::{Read, Write};
use std::net::TcpStream;

fn bulk(s: &str) -> Frame {
    Frame::BulkString(s.into())
}

#[test]
fn pipelined_commands_and_every_resp3_type() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let mut redis = Replies::new(server.connect(), 7);

    let mut pipeline = Pipeline::new();
    pipeline
        .command(("SET", "k", "v"))
        .command(["GET", "k"])
        .command(["GET", "missing"])
        .command(("RPUSH", "list", 1, 2.5, "three"))
        .multi()
        .command(["INCR", "n"])
        .command(["LRANGE", "list", "0", "-1"])
        .exec();
    redis.send(pipeline.as_bytes());
    let replies: Vec<Frame> = (0..pipeline.len()).map(|_| redis.reply()).collect();
    assert_eq!(replies[0], Frame::SimpleString("OK".into()));
    assert_eq!(replies[1], bulk("v"));
    assert_eq!(replies[2], Frame::Null(NullKind::Bulk));
    assert_eq!(replies[3], Frame::Integer(3));
    assert_eq!(replies[5], Frame::SimpleString("QUEUED".into()));
    assert_eq!(
        replies[7],
        Frame::Array(vec![
            Frame::Integer(1),
            Frame::Array(vec![bulk("1"), bulk("2.5"), bulk("three")])
        ])
    );

    assert!(redis.command(["HELLO", "3"]).pairs().is_some());
    redis.command(("HSET", "h", "f", "v"));
    assert_eq!(
        redis.command(["HGETALL", "h"]),
        Frame::Map(vec![(bulk("f"), bulk("v"))])
    );
    assert_eq!(
        redis.command(["GET", "missing"]),
        Frame::Null(NullKind::Null)
    );
    for (kind, check) in [
        (
            "attrib",
            &(|f: &Frame| matches!(f, Frame::Attributed(a) if a.value.as_bytes().is_some()))
                as &dyn Fn(&Frame) -> bool,
        ),
        ("bignum", &|f: &Frame| matches!(f, Frame::BigNumber(_))),
        ("true", &|f: &Frame| *f == Frame::Boolean(true)),
        (
            "double",
            &|f: &Frame| matches!(f, Frame::Double(d) if d.to_string() == "3.141"),
        ),
        (
            "verbatim",
            &|f: &Frame| matches!(f, Frame::Verbatim { format, .. } if format == b"txt"),
        ),
        (
            "set",
            &|f: &Frame| matches!(f, Frame::Set(items) if items.len() == 3),
        ),
        (
            "map",
            &|f: &Frame| matches!(f, Frame::Map(pairs) if pairs.len() == 3),
        ),
    ] {
        let reply = redis.command(["DEBUG", "PROTOCOL", kind]);
        assert!(check(&reply), "{kind}: {reply:?}");
    }
    // A push arrives before the reply it precedes.
    let push = redis.command(["DEBUG", "PROTOCOL", "push"]);
    assert!(push.is_push(), "{push:?}");
    assert!(redis.reply().as_bytes().is_some());
}

#[test]
fn a_large_value_round_trips_through_tiny_reads() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let mut redis = Replies::new(server.connect(), 3);
    let value: Vec<u8> = (0..(1 << 20)).map(|i| (i % 251) as u8).collect();
    assert_eq!(
        redis.command(("SET", "big", &value[..])),
        Frame::SimpleString("OK".into())
    );
    redis.piece = 64 * 1024;
    assert_eq!(redis.command(["GET", "big"]).as_bytes(), Some(&value[..]));
}

#[test]
fn pubsub_messages_are_pushes_in_resp3() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let mut subscriber = Replies::new(server.connect(), 5);
    subscriber.command(["HELLO", "3"]);
    let subscribed = subscriber.command(["SUBSCRIBE", "news"]);
    assert!(subscribed.is_push(), "{subscribed:?}");
    let mut publisher = Replies::new(server.connect(), 1024);
    assert_eq!(
        publisher.command(["PUBLISH", "news", "hello"]),
        Frame::Integer(1)
    );
    assert_eq!(
        subscriber.reply(),
        Frame::Push(vec![bulk("message"), bulk("news"), bulk("hello")])
    );
}

/// What our reply writer sends a RESP2 client equals what Redis sends it,
/// for replies Redis builds from RESP3 types.
#[test]
fn reply_writer_downgrades_like_redis() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let mut resp2 = Replies::new(server.connect(), 4096);
    let mut resp3 = Replies::new(server.connect(), 4096);
    resp3.command(["HELLO", "3"]);
    resp2.command(("HSET", "h", "a", "1", "b", "2"));
    resp2.command(("SADD", "s", "x"));
    for command in [
        &["HGETALL", "h"][..],
        &["SMEMBERS", "s"],
        &["DEBUG", "PROTOCOL", "map"],
        &["DEBUG", "PROTOCOL", "true"],
        &["DEBUG", "PROTOCOL", "bignum"],
        &["DEBUG", "PROTOCOL", "verbatim"],
        &["DEBUG", "PROTOCOL", "null"],
    ] {
        let mut raw = Vec::new();
        pack_command(&mut raw, command);
        resp2.send(&raw);
        let expected = resp2.reply();
        let modern = resp3.command(command);
        assert!(!modern.is_error(), "{command:?}: {modern:?}");
        let mut written = BytesMut::new();
        ReplyWriter::new(&mut written, Protocol::Resp2)
            .frame(&modern)
            .unwrap();
        let mut decoded = Decoder::new().with_protocol(Protocol::Resp2);
        assert_eq!(
            decoded.decode(&mut written).unwrap(),
            Some(expected),
            "{command:?}"
        );
    }
}

/// Requests that redis-cli sends, parsed by the command decoder, are the
/// commands Redis runs: replaying the parsed argv gives the same replies.
#[test]
fn command_decoder_reads_what_redis_cli_sends() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let cli_found = std::process::Command::new("redis-cli")
        .arg("--version")
        .output()
        .is_ok();
    if !cli_found {
        assert!(
            std::env::var_os("CI").is_none(),
            "redis-cli is not installed; .ci/run installs redis-tools"
        );
        eprintln!("skipped: redis-cli is not installed (apt-get install redis-tools)");
        return;
    }
    // A proxy listener between redis-cli and the server records the request.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let proxy_port = listener.local_addr().unwrap().port();
    let port = server.port();
    let recorder = std::thread::spawn(move || {
        let (mut client, _) = listener.accept().unwrap();
        let mut upstream = TcpStream::connect(("127.0.0.1", port)).unwrap();
        let mut decoder = CommandDecoder::new();
        let mut buf = BytesMut::new();
        let mut piece = [0u8; 1];
        let mut commands = Vec::new();
        // redis-cli sends one command per connection here: read it byte by
        // byte, then forward it and the reply.
        while commands.is_empty() {
            let n = client.read(&mut piece).unwrap();
            assert!(n > 0);
            buf.extend_from_slice(&piece[..n]);
            upstream.write_all(&piece[..n]).unwrap();
            while let Some(command) = decoder.decode(&mut buf).unwrap() {
                commands.push(command.to_vec());
            }
        }
        let mut reply = [0u8; 256];
        let n = upstream.read(&mut reply).unwrap();
        client.write_all(&reply[..n]).unwrap();
        commands
    });
    let output = std::process::Command::new("redis-cli")
        .args([
            "-p",
            &proxy_port.to_string(),
            "SET",
            "key with space",
            "line\nbreak",
        ])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&output.stdout).trim(), "OK");
    let commands = recorder.join().unwrap();
    assert_eq!(
        commands,
        [vec![
            bytes::Bytes::from("SET"),
            "key with space".into(),
            "line\nbreak".into()
        ]]
    );
    let mut redis = Replies::new(server.connect(), 64);
    assert_eq!(
        redis.command(["GET", "key with space"]),
        bulk("line\nbreak")
    );
}
