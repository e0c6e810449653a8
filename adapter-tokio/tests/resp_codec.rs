//! `Framed<TcpStream, RespCodec>` against a real redis-server: binary,
//! empty and large values, a 100 MiB value read with the size hint, the
//! protocol switched after `HELLO 3`, and a connection cut mid-reply.

use bytes::{Bytes, BytesMut};
use futures_util::{SinkExt, StreamExt};
use resp_core::{Frame, NullKind, Protocol};
use resp_test_support::RedisServer;
use resp_tokio::{AsCommand, RespCodec};
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio_util::codec::{Decoder, Framed};

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

async fn call<A: resp_core::Args>(client: &mut Framed<TcpStream, RespCodec>, args: A) -> Frame {
    client.send(AsCommand(args)).await.unwrap();
    client.next().await.expect("a reply").unwrap()
}

#[test]
fn values_of_every_size_round_trip() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    runtime().block_on(async {
        let stream = TcpStream::connect(("127.0.0.1", server.port()))
            .await
            .unwrap();
        stream.set_nodelay(true).unwrap();
        let mut client = Framed::new(stream, RespCodec::new());
        let binary: Vec<u8> = (0..=255).collect();
        let large = vec![b'x'; 1 << 20];
        for value in [&binary[..], b"", &large[..]] {
            assert_eq!(
                call(&mut client, (&b"SET"[..], &b"k"[..], value)).await,
                Frame::SimpleString("OK".into())
            );
            assert_eq!(
                call(&mut client, ["GET", "k"]).await.as_bytes(),
                Some(value)
            );
        }
        assert_eq!(
            call(&mut client, ["GET", "missing"]).await,
            Frame::Null(NullKind::Bulk)
        );
        // HELLO 3, then RESP3 types come through.
        let hello = call(&mut client, ["HELLO", "3"]).await;
        assert!(hello.pairs().is_some());
        client.codec_mut().set_protocol(Protocol::Resp3);
        assert_eq!(
            call(&mut client, ["GET", "missing"]).await,
            Frame::Null(NullKind::Null)
        );
        call(&mut client, ["HSET", "h", "f", "v"]).await;
        assert_eq!(
            call(&mut client, ["HGETALL", "h"]).await,
            Frame::Map(vec![(Frame::from("f"), Frame::from("v"))])
        );
    });
}

/// The 100 MiB reply is read into a buffer reserved once from the size
/// hint, not grown read by read.
#[test]
fn a_100_mib_value_is_read_with_the_size_hint() {
    let Some(server) = RedisServer::start_with(&["--proto-max-bulk-len", "200mb"]) else {
        return;
    };
    runtime().block_on(async {
        let stream = TcpStream::connect(("127.0.0.1", server.port()))
            .await
            .unwrap();
        let mut client = Framed::new(stream, RespCodec::new());
        let value = Bytes::from(vec![b'v'; 100 << 20]);
        assert_eq!(
            call(&mut client, (&b"SET"[..], &b"big"[..], &value[..])).await,
            Frame::SimpleString("OK".into())
        );
        client.send(AsCommand(["GET", "big"])).await.unwrap();
        // Read by hand, as Framed does, counting how often the buffer grew.
        let mut stream = client.into_inner();
        let mut codec = RespCodec::new();
        let mut buf = BytesMut::with_capacity(8 * 1024);
        let mut grew = 0;
        let frame = loop {
            if let Some(frame) = codec.decode(&mut buf).unwrap() {
                break frame;
            }
            let before = buf.capacity();
            if buf.capacity() == buf.len() {
                buf.reserve(8 * 1024);
            }
            if buf.capacity() != before {
                grew += 1;
            }
            use tokio::io::AsyncReadExt;
            let n = stream.read_buf(&mut buf).await.unwrap();
            assert!(n > 0);
        };
        assert_eq!(frame.as_bytes().map(<[u8]>::len), Some(value.len()));
        assert!(grew <= 1, "the read buffer grew {grew} times");
    });
}

/// A connection that closes in the middle of a reply is an error, not a
/// clean end of the stream.
#[test]
fn a_reply_cut_short_is_an_error() {
    runtime().block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = tokio::spawn(async move {
            let (mut stream, _) = listener.accept().await.unwrap();
            stream.write_all(b"+OK\r\n$10\r\nhal").await.unwrap();
        });
        let stream = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
        let mut client = Framed::new(stream, RespCodec::new());
        assert_eq!(
            client.next().await.unwrap().unwrap(),
            Frame::SimpleString("OK".into())
        );
        let error = client.next().await.unwrap().unwrap_err();
        assert_eq!(error.kind(), std::io::ErrorKind::UnexpectedEof);
        server.await.unwrap();
    });
}
