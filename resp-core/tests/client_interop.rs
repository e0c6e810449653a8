//! The core's sans-IO client pieces against a real redis-server: the
//! handshake with a password, with an ACL user and with `HELLO` renamed
//! away, and the session routing pipelined replies around pushes.

use bytes::BytesMut;
use resp_core::{
    ConnectionConfig, Decoder, Frame, Handshake, Protocol, Routed, Session, pack_command,
};
use resp_test_support::RedisServer;
use std::io::{Read, Write};
use std::net::TcpStream;

/// Reads one frame from `stream`.
fn read_frame(stream: &mut TcpStream, decoder: &mut Decoder, buf: &mut BytesMut) -> Frame {
    loop {
        if let Some(frame) = decoder.decode(buf).unwrap() {
            return frame;
        }
        let mut piece = [0; 4096];
        let n = stream.read(&mut piece).unwrap();
        assert!(n > 0, "the server closed the connection");
        buf.extend_from_slice(&piece[..n]);
    }
}

/// Runs the handshake `url` asks for against `port`; returns the stream,
/// the protocol and the decoder state.
fn connect(port: u16, url: &str) -> Result<(TcpStream, Protocol, Decoder, BytesMut), String> {
    let config: ConnectionConfig = format!("redis://{url}")
        .replace("HOST", &format!("127.0.0.1:{port}"))
        .parse()
        .unwrap();
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let mut setup = Handshake::new(&config);
    let (mut decoder, mut buf) = (Decoder::new(), BytesMut::new());
    while let Some(request) = setup.request() {
        stream.write_all(&request).unwrap();
        let reply = read_frame(&mut stream, &mut decoder, &mut buf);
        setup.reply(reply).map_err(|error| error.to_string())?;
    }
    Ok((stream, setup.protocol(), decoder, buf))
}

fn call(stream: &mut TcpStream, decoder: &mut Decoder, buf: &mut BytesMut, args: &[&str]) -> Frame {
    let mut out = Vec::new();
    pack_command(&mut out, args);
    stream.write_all(&out).unwrap();
    read_frame(stream, decoder, buf)
}

#[test]
fn handshake_with_a_password_and_a_database() {
    let Some(server) = RedisServer::start_with(&["--requirepass", "s3cret"]) else {
        return;
    };
    let (mut stream, protocol, mut decoder, mut buf) =
        connect(server.port(), ":s3cret@HOST/3?client_name=worker").unwrap();
    assert_eq!(protocol, Protocol::Resp3);
    let name = call(&mut stream, &mut decoder, &mut buf, &["CLIENT", "GETNAME"]);
    assert_eq!(name, Frame::from("worker"));
    call(
        &mut stream,
        &mut decoder,
        &mut buf,
        &["SET", "where", "db3"],
    );
    let info = call(&mut stream, &mut decoder, &mut buf, &["CLIENT", "INFO"]);
    assert!(String::from_utf8_lossy(info.as_bytes().unwrap()).contains(" db=3 "));
    // RESP2 asked for: AUTH, CLIENT SETNAME, SELECT, no HELLO.
    let (mut stream, protocol, mut decoder, mut buf) =
        connect(server.port(), ":s3cret@HOST/3?protocol=2&client_name=old").unwrap();
    assert_eq!(protocol, Protocol::Resp2);
    assert_eq!(
        call(&mut stream, &mut decoder, &mut buf, &["GET", "where"]),
        Frame::from("db3")
    );
    // A wrong password ends the setup with the server's words.
    let error = connect(server.port(), ":wrong@HOST").unwrap_err();
    assert!(error.starts_with("HELLO refused: WRONGPASS"), "{error}");
}

#[test]
fn handshake_with_an_acl_user() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let mut admin = server.connect();
    let (mut decoder, mut buf) = (Decoder::new(), BytesMut::new());
    let reply = call(
        &mut admin,
        &mut decoder,
        &mut buf,
        &["ACL", "SETUSER", "app", "on", ">pw", "~*", "+@all"],
    );
    assert_eq!(reply, Frame::SimpleString("OK".into()));
    let (mut stream, protocol, mut decoder, mut buf) =
        connect(server.port(), "app:pw@HOST").unwrap();
    assert_eq!(protocol, Protocol::Resp3);
    assert_eq!(
        call(&mut stream, &mut decoder, &mut buf, &["ACL", "WHOAMI"]),
        Frame::from("app")
    );
}

#[test]
fn handshake_falls_back_when_hello_is_gone() {
    let Some(server) =
        RedisServer::start_with(&["--requirepass", "pw", "--rename-command", "HELLO", ""])
    else {
        return;
    };
    let (mut stream, protocol, mut decoder, mut buf) =
        connect(server.port(), ":pw@HOST/1?client_name=fallback").unwrap();
    assert_eq!(protocol, Protocol::Resp2);
    let name = call(&mut stream, &mut decoder, &mut buf, &["CLIENT", "GETNAME"]);
    assert_eq!(name, Frame::from("fallback"));
}

/// A tracking invalidation arriving between pipelined replies goes to the
/// pushes; every reply goes to its own request.
#[test]
fn the_session_routes_pipelined_replies_around_an_invalidation() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let (mut stream, protocol, mut decoder, mut buf) = connect(server.port(), "HOST").unwrap();
    assert_eq!(protocol, Protocol::Resp3);
    let mut session = Session::new(protocol);
    let mut writer = server.connect();
    let (mut writer_decoder, mut writer_buf) = (Decoder::new(), BytesMut::new());

    let mut out = Vec::new();
    let commands: [&[&str]; 3] = [
        &["CLIENT", "TRACKING", "on"],
        &["SET", "k", "1"],
        &["GET", "k"],
    ];
    let ids: Vec<_> = commands
        .iter()
        .map(|args| {
            pack_command(&mut out, *args);
            session.sent(args)
        })
        .collect();
    stream.write_all(&out).unwrap();
    let mut replies = Vec::new();
    while replies.len() < 3 {
        match session.route(read_frame(&mut stream, &mut decoder, &mut buf)) {
            Routed::Reply(id, frame) => replies.push((id, frame)),
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(replies[2], (ids[2], Frame::from("1")));
    // Another connection changes the key this one read: an invalidation
    // comes, then the reply to the next pipeline.
    call(
        &mut writer,
        &mut writer_decoder,
        &mut writer_buf,
        &["SET", "k", "2"],
    );
    let mut out = Vec::new();
    pack_command(&mut out, ["GET", "k"]);
    let get = session.sent(&["GET", "k"]);
    stream.write_all(&out).unwrap();
    let mut pushes = 0;
    loop {
        match session.route(read_frame(&mut stream, &mut decoder, &mut buf)) {
            Routed::Push(frame) => {
                assert!(frame.is_push());
                pushes += 1;
            }
            Routed::Reply(id, frame) => {
                assert_eq!((id, frame), (get, Frame::from("2")));
                break;
            }
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(pushes, 1);
    assert!(session.is_idle());
}
