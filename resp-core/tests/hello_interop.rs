//! `HELLO` against a real Redis: what a client sends and reads back, and a
//! server's parsing, which must refuse what Redis refuses, in Redis's words.

use bytes::BytesMut;
use resp_core::{CommandDecoder, Frame, Hello, Protocol, ReplyWriter, ServerHello, pack_command};
use resp_test_support::{RedisServer, Replies};

#[test]
fn negotiates_both_protocols_and_reads_the_reply() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    for protocol in [Protocol::Resp2, Protocol::Resp3] {
        let mut redis = Replies::new(server.connect(), 16);
        let hello = Hello::new(protocol)
            .with_auth(b"default", b"any password: default has none")
            .with_client_name(b"resp-core-hello");
        let reply = redis.command(hello);
        let parsed = ServerHello::from_frame(reply.clone()).expect("a HELLO reply");
        assert_eq!(parsed.protocol, protocol);
        assert_eq!(parsed.server.as_deref(), Some(&b"redis"[..]));
        assert_eq!(parsed.mode.as_deref(), Some(&b"standalone"[..]));
        assert_eq!(parsed.role.as_deref(), Some(&b"master"[..]));
        assert!(parsed.version.is_some() && parsed.modules.is_empty());
        assert_eq!(
            parsed.id.map(Frame::Integer),
            Some(redis.command(("CLIENT", "ID")))
        );
        assert_eq!(
            redis.command(("CLIENT", "GETNAME")),
            Frame::BulkString("resp-core-hello".into())
        );

        // A server built on this writes the reply Redis wrote, byte for byte.
        let mut writer = ReplyWriter::new(Vec::new(), protocol);
        parsed.write(&mut writer).unwrap();
        assert_eq!(writer.into_inner(), reply.encode_to_vec().unwrap());
    }
}

#[test]
fn refusals_match_redis() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let mut redis = Replies::new(server.connect(), 4096);
    let requests: [&[&[u8]]; 12] = [
        &[b"HELLO", b"4"],
        &[b"HELLO", b"1"],
        &[b"HELLO", b"-1"],
        &[b"HELLO", b"x"],
        &[b"HELLO", b"03"],
        &[b"HELLO", b"99999999999999999999"],
        &[b"HELLO", b"3", b"FOO"],
        &[b"HELLO", b"3", b"AUTH", b"default"],
        &[b"HELLO", b"3", b"SETNAME"],
        &[b"HELLO", b"3", b"setname", b"a", b"b"],
        &[b"HELLO", b"3", b"SETNAME", b"a b"],
        &[b"HELLO", b"2", b"odd\r\noption"],
    ];
    for args in requests {
        let reply = redis.command(args);
        let expected = reply.as_bytes().filter(|_| reply.is_error());
        let expected = expected.unwrap_or_else(|| panic!("{args:?} was accepted: {reply:?}"));

        let mut wire = BytesMut::new();
        pack_command(&mut wire, args);
        let mut decoder = CommandDecoder::new();
        let command = decoder.decode(&mut wire).unwrap().unwrap();
        let refused = Hello::parse(&command).expect_err("refused");
        assert_eq!(refused.to_string().as_bytes(), expected, "{args:?}");
    }
}
