//! The codecs over a real futures-io stream (smol's TcpStream, not a tokio
//! one in disguise), against a real redis-server.

use futures_util::{SinkExt, StreamExt};
use resp_core::Frame;
use resp_test_support::RedisServer;
use resp_tokio::{AsCommand, RespCodec};

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
            .send(AsCommand(("SET", "k", "over smol")))
            .await
            .unwrap();
        assert_eq!(
            redis.next().await.unwrap().unwrap(),
            Frame::SimpleString("OK".into())
        );
        // A pipeline: fed, flushed once, replies in order.
        for _ in 0..100 {
            redis.feed(AsCommand(("INCR", "n"))).await.unwrap();
        }
        SinkExt::<AsCommand<(&str, &str)>>::flush(&mut redis)
            .await
            .unwrap();
        for i in 1..=100 {
            assert_eq!(redis.next().await.unwrap().unwrap(), Frame::Integer(i));
        }
        redis.send(AsCommand(["GET", "k"])).await.unwrap();
        assert_eq!(
            redis.next().await.unwrap().unwrap(),
            Frame::from("over smol")
        );
    });
}

/// The async client itself on smol: its driver spawned on smol's executor,
/// calls, a pipeline and a RESP3 subscription, no tokio runtime anywhere.
#[test]
fn the_client_over_smol() {
    use tokio_util::compat::FuturesAsyncReadCompatExt;
    let Some(server) = RedisServer::start() else {
        return;
    };
    smol::block_on(async {
        let stream = smol::net::TcpStream::connect(("127.0.0.1", server.port()))
            .await
            .unwrap();
        let mut options = resp_tokio::ClientOptions::default();
        options.response_timeout = None;
        let config = format!("redis://127.0.0.1:{}", server.port())
            .parse()
            .unwrap();
        let (client, driver) = resp_tokio::Client::over(stream.compat(), &config, options)
            .await
            .unwrap();
        smol::spawn(driver).detach();
        client.call::<()>(("SET", "k", "on smol")).await.unwrap();
        let back: String = client.call(["GET", "k"]).await.unwrap();
        assert_eq!(back, "on smol");
        let mut pipeline = resp_core::Pipeline::new();
        for _ in 0..1_000 {
            pipeline.command(["INCR", "n"]);
        }
        assert_eq!(
            client.pipeline(&pipeline).await.unwrap()[999],
            Frame::Integer(1_000)
        );
        let mut news = client.subscribe(&["news"]).await.unwrap();
        assert_eq!(
            client.call::<i64>(["PUBLISH", "news", "hi"]).await.unwrap(),
            1
        );
        assert!(matches!(
            news.next().await,
            Some(resp_tokio::Message::Push(_))
        ));
    });
}
