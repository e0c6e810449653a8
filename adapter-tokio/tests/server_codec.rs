//! `Framed<TcpStream, ServerCodec>` as a server author writes it: requests
//! in, replies fed and flushed once per batch, the protocol switched by
//! `HELLO 3`, a malformed request answered as Redis answers it, and a large
//! argument read into a buffer reserved once.

use bytes::BytesMut;
use futures_util::{FutureExt, SinkExt, StreamExt};
use resp_core::{Frame, Protocol, ServerDetails, ServerHello, pack_command};
use resp_test_support::Replies;
use resp_tokio::{Reply, ServerCodec, ServerError};
use std::io::{Read, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpListener;
use tokio_util::codec::{Decoder, Framed};

/// A tiny server on `Framed`: PING, ECHO, HELLO 3 and STRLEN. It counts the
/// flushes, which is how many writes its replies took.
async fn serve(listener: TcpListener, flushes: Arc<AtomicUsize>) {
    let (stream, _) = listener.accept().await.unwrap();
    let mut framed = Framed::new(stream, ServerCodec::new());
    loop {
        // Flush only when no further request is buffered, so a pipeline's
        // replies leave in one write.
        let next = match framed.next().now_or_never() {
            Some(next) => next,
            None => {
                // The codec encodes several item types: name one for `flush`.
                SinkExt::<Frame>::flush(&mut framed).await.unwrap();
                flushes.fetch_add(1, Ordering::Relaxed);
                framed.next().await
            }
        };
        let request = match next {
            Some(Ok(request)) => request,
            Some(Err(error)) => {
                // Replies to the requests before it go first, then Redis's
                // answer, then the connection closes.
                SinkExt::<Frame>::flush(&mut framed).await.unwrap();
                if let Some(reply) = error.protocol_error_reply() {
                    framed.get_mut().write_all(&reply).await.unwrap();
                }
                return;
            }
            None => return,
        };
        let name = request.name().to_ascii_uppercase();
        let reply = match name.as_slice() {
            b"HELLO" => {
                // The session answers, in the protocol it switches to.
                let hello = ServerHello::new(Protocol::Resp2);
                let server = ServerDetails {
                    password: None,
                    hello: &hello,
                };
                let mut reply = BytesMut::new();
                framed.codec_mut().answer(&request, &server, &mut reply);
                framed.write_buffer_mut().extend_from_slice(&reply);
                continue;
            }
            b"ECHO" => Frame::BulkString(request.arg_bytes(1).unwrap_or_default().into()),
            b"STRLEN" => Frame::Integer(request.arg(1).map_or(0, <[u8]>::len) as i64),
            _ => {
                framed
                    .feed(Reply::new(|reply| reply.simple("PONG")))
                    .await
                    .unwrap();
                continue;
            }
        };
        framed.feed(reply).await.unwrap();
    }
}

fn start() -> (u16, Arc<AtomicUsize>, std::thread::JoinHandle<()>) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let listener = runtime.block_on(TcpListener::bind("127.0.0.1:0")).unwrap();
    let port = listener.local_addr().unwrap().port();
    let flushes = Arc::new(AtomicUsize::new(0));
    let counted = flushes.clone();
    let handle = std::thread::spawn(move || runtime.block_on(serve(listener, counted)));
    (port, flushes, handle)
}

#[test]
fn a_pipeline_is_answered_in_one_write() {
    let (port, flushes, server) = start();
    let stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    let mut client = Replies::new(stream, 1 << 16);
    let mut pipeline = Vec::new();
    for i in 0..1000 {
        pack_command(&mut pipeline, ["ECHO", &i.to_string()]);
    }
    pipeline.extend_from_slice(b"PING\r\n");
    client.send(&pipeline);
    for i in 0..1000 {
        assert_eq!(client.reply(), Frame::BulkString(i.to_string().into()));
    }
    assert_eq!(client.reply(), Frame::SimpleString("PONG".into()));
    // However the pipeline arrived, far fewer writes than replies.
    assert!(flushes.load(Ordering::Relaxed) < 20, "{flushes:?} flushes");
    // HELLO 3 switches what follows, its own reply included.
    assert_eq!(
        client.command(["HELLO", "3"]),
        Frame::Map(vec![
            (Frame::from("proto"), Frame::Integer(3)),
            (Frame::from("id"), Frame::Integer(0)),
            (Frame::from("modules"), Frame::Array(vec![])),
        ])
    );
    drop(client);
    server.join().unwrap();
}

#[test]
fn a_malformed_request_gets_redis_reply_then_the_connection_closes() {
    let (port, _, server) = start();
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream.write_all(b"PING\r\n*1\r\n$abc\r\n").unwrap();
    let mut reply = Vec::new();
    stream.read_to_end(&mut reply).unwrap();
    assert_eq!(
        reply,
        b"+PONG\r\n-ERR Protocol error: invalid bulk length\r\n"
    );
    server.join().unwrap();
}

#[test]
fn a_big_argument_is_read_into_a_buffer_sized_once() {
    let mut codec = ServerCodec::new();
    let value = vec![b'v'; 32 * 1024 * 1024];
    let mut wire = Vec::new();
    pack_command(&mut wire, [&b"SET"[..], b"k", &value]);
    let mut buf = BytesMut::new();
    let mut grew = 0;
    let mut capacity = buf.capacity();
    let mut request = None;
    for chunk in wire.chunks(64 * 1024) {
        if buf.capacity() - buf.len() < chunk.len() {
            grew += 1;
        }
        buf.extend_from_slice(chunk);
        if buf.capacity() != capacity {
            capacity = buf.capacity();
        }
        if let Some(done) = codec.decode(&mut buf).unwrap() {
            request = Some(done);
        }
    }
    let request = request.expect("the request completes");
    assert_eq!(request.arg(2).map(<[u8]>::len), Some(value.len()));
    // Once for the header, once when the size hint reserved the rest.
    assert!(grew <= 2, "the buffer grew {grew} times");
}

#[test]
fn errors_convert_to_io_errors() {
    let mut codec = ServerCodec::new();
    let error = codec
        .decode(&mut BytesMut::from(&b"*x\r\n"[..]))
        .unwrap_err();
    assert!(matches!(error, ServerError::Protocol(_)));
    let io = std::io::Error::from(error);
    assert_eq!(io.kind(), std::io::ErrorKind::InvalidData);
    assert_eq!(io.to_string(), "Protocol error: invalid multibulk length");
}

#[test]
fn authentication_switches_the_limits() {
    let mut codec = ServerCodec::requiring_auth();
    let mut big = Vec::new();
    pack_command(&mut big, ["SET", "k", &"v".repeat(20_000)]);
    let error = codec.decode(&mut BytesMut::from(&big[..])).unwrap_err();
    assert_eq!(
        error.protocol_error_reply().unwrap(),
        b"-ERR Protocol error: unauthenticated bulk length\r\n"
    );
    let mut codec = ServerCodec::requiring_auth();
    let auth = codec
        .decode(&mut BytesMut::from(&b"AUTH pw\r\n"[..]))
        .unwrap()
        .unwrap();
    let hello = ServerHello::new(Protocol::Resp2);
    let server = ServerDetails {
        password: Some(b"pw"),
        hello: &hello,
    };
    let mut reply = BytesMut::new();
    codec.answer(&auth, &server, &mut reply);
    assert_eq!(&reply[..], b"+OK\r\n");
    assert!(
        codec
            .decode(&mut BytesMut::from(&big[..]))
            .unwrap()
            .is_some()
    );
}
