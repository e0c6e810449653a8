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

/// Waits until the cache is on: at once in RESP3 (the setup turns
/// tracking on), a moment later in RESP2 (once the invalidations'
/// connection is subscribed and named).
async fn until_cache_on(client: &Client) {
    let started = Instant::now();
    while client.cache_stats().is_none() {
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "the cache never came on"
        );
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

/// Hits, another connection's write, this client's write, a flush, and a
/// restart, in RESP3 (invalidations on the same connection) and RESP2
/// (on a connection of their own, `CLIENT TRACKING on REDIRECT`).
#[test]
fn the_cache_follows_the_server() {
    for protocol in ["3", "2"] {
        cache_follows_the_server(protocol);
    }
}

fn cache_follows_the_server(protocol: &str) {
    let Some(mut server) = RedisServer::start() else {
        return;
    };
    runtime().block_on(async {
        let other = Client::connect(&format!("redis://127.0.0.1:{}", server.port()))
            .await
            .unwrap();
        other.call::<()>(("SET", "k", "v")).await.unwrap();
        let client = cached_client(server.port(), protocol).await;
        until_cache_on(&client).await;

        // A miss, then a hit that sends nothing.
        let first: Option<String> = client.call_cached(["GET", "k"]).await.unwrap();
        let again: Option<String> = client.call_cached(["GET", "k"]).await.unwrap();
        assert_eq!((first.as_deref(), again.as_deref()), (Some("v"), Some("v")));
        let stats = client.cache_stats().unwrap();
        assert_eq!(
            (stats.hits, stats.misses, stats.entries),
            (1, 1, 1),
            "RESP{protocol}"
        );

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
        assert_eq!(client.cache_stats().map_or(0, |stats| stats.entries), 0);
        until_cache_on(&client).await;
        let other = Client::connect(&format!("redis://127.0.0.1:{}", server.port()))
            .await
            .unwrap();
        other.call::<()>(("SET", "k", "after")).await.unwrap();
        until_cached(&client, "k", Some("after")).await;
        other.call::<()>(("SET", "k", "later")).await.unwrap();
        until_cached(&client, "k", Some("later")).await;
        // Caching again: the next read is a hit.
        let hits = client.cache_stats().unwrap().hits;
        client
            .call_cached::<Option<String>>(["GET", "k"])
            .await
            .unwrap();
        assert_eq!(
            client.cache_stats().unwrap().hits,
            hits + 1,
            "RESP{protocol}"
        );
    });
}
