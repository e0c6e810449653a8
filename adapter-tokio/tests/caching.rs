//! Client-side caching against a real redis-server: hits, invalidations
//! from another connection, a flush, read-your-writes, and a reconnect.

use resp_core::CacheLimits;
use resp_test_support::RedisServer;
use resp_tokio::{Client, ClientOptions};
use std::time::{Duration, Instant};

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

async fn cached_client(port: u16, protocol: &str) -> Client {
    let mut options = ClientOptions::default();
    options.cache = Some(CacheLimits::default());
    let config = format!("redis://127.0.0.1:{port}?protocol={protocol}")
        .parse()
        .unwrap();
    Client::connect_with(&config, options).await.unwrap()
}

/// Waits until a cached read of `key` gives `expected`: the server's
/// invalidation takes a moment to arrive, never longer than a second.
async fn until_cached(client: &Client, key: &str, expected: Option<&str>) {
    let started = Instant::now();
    loop {
        let value: Option<String> = client.call_cached(["GET", key]).await.unwrap();
        if value.as_deref() == expected {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "{key} still {value:?}"
        );
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

#[test]
fn the_cache_follows_the_server() {
    let Some(mut server) = RedisServer::start() else {
        return;
    };
    runtime().block_on(async {
        let other = Client::connect(&format!("redis://127.0.0.1:{}", server.port()))
            .await
            .unwrap();
        other.call::<()>(("SET", "k", "v")).await.unwrap();
        let client = cached_client(server.port(), "3").await;

        // A miss, then a hit that sends nothing.
        let first: Option<String> = client.call_cached(["GET", "k"]).await.unwrap();
        let again: Option<String> = client.call_cached(["GET", "k"]).await.unwrap();
        assert_eq!((first.as_deref(), again.as_deref()), (Some("v"), Some("v")));
        let stats = client.cache_stats().unwrap();
        assert_eq!((stats.hits, stats.misses, stats.entries), (1, 1, 1));

        // Another connection writes: the invalidation drops the entry.
        other.call::<()>(("SET", "k", "v2")).await.unwrap();
        until_cached(&client, "k", Some("v2")).await;

        // This client writes: the entry is gone before the write returns,
        // so the next read sees the write at once.
        client.call::<()>(("SET", "k", "mine")).await.unwrap();
        let mine: Option<String> = client.call_cached(["GET", "k"]).await.unwrap();
        assert_eq!(mine.as_deref(), Some("mine"));

        // A flush from elsewhere empties the cache.
        client
            .call_cached::<Option<String>>(["GET", "k"])
            .await
            .unwrap();
        other.call::<()>("FLUSHALL").await.unwrap();
        until_cached(&client, "k", None).await;

        // A reconnect empties it too, and tracking is on again after it.
        other.call::<()>(("SET", "k", "before")).await.unwrap();
        until_cached(&client, "k", Some("before")).await;
        server.kill();
        server.start_again();
        let started = Instant::now();
        while client.call::<String>("PING").await.is_err() {
            assert!(started.elapsed() < Duration::from_secs(5));
        }
        assert_eq!(client.cache_stats().unwrap().entries, 0);
        let other = Client::connect(&format!("redis://127.0.0.1:{}", server.port()))
            .await
            .unwrap();
        other.call::<()>(("SET", "k", "after")).await.unwrap();
        until_cached(&client, "k", Some("after")).await;
        other.call::<()>(("SET", "k", "later")).await.unwrap();
        until_cached(&client, "k", Some("later")).await;
    });
}

/// RESP2 has no invalidations on the same connection: the cache stays
/// off, and a cached call is a plain one.
#[test]
fn without_resp3_the_cache_is_off() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    runtime().block_on(async {
        let client = cached_client(server.port(), "2").await;
        client.call::<()>(("SET", "k", "v")).await.unwrap();
        let value: Option<String> = client.call_cached(["GET", "k"]).await.unwrap();
        assert_eq!(value.as_deref(), Some("v"));
        assert!(client.cache_stats().is_none());
    });
}
