//! The codecs over a real futures-io stream (smol's TcpStream, not a tokio
//! one in disguise), against a real redis-server.

use futures_util::{SinkExt, StreamExt};
use resp_core::Frame;
use resp_test_support::RedisServer;
use resp_tokio::{Command, RespCodec};

#[test]
fn resp_codec_over_smol() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    smol::block_on(async {
        let stream = smol::net::TcpStream::connect(("127.0.0.1", server.port()))
            .await
            .unwrap();
        let mut redis = resp_tokio::compat::framed(stream, RespCodec::new());
        redis
            .send(Command(("SET", "k", "over smol")))
            .await
            .unwrap();
        assert_eq!(
            redis.next().await.unwrap().unwrap(),
            Frame::SimpleString("OK".into())
        );
        // A pipeline: fed, flushed once, replies in order.
        for _ in 0..100 {
            redis.feed(Command(("INCR", "n"))).await.unwrap();
        }
        SinkExt::<Command<(&str, &str)>>::flush(&mut redis)
            .await
            .unwrap();
        for i in 1..=100 {
            assert_eq!(redis.next().await.unwrap().unwrap(), Frame::Integer(i));
        }
        redis.send(Command(["GET", "k"])).await.unwrap();
        assert_eq!(
            redis.next().await.unwrap().unwrap(),
            Frame::from("over smol")
        );
    });
}
