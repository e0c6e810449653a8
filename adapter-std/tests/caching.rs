//! Client-side caching on the blocking connection, against a real
//! redis-server: hits, invalidations, read-your-writes, a flush.

use resp_core::CacheLimits;
use resp_std::{ClientOptions, Connection};
use resp_test_support::RedisServer;

#[test]
fn the_cache_follows_the_server() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let address = format!("redis://127.0.0.1:{}", server.port());
    let mut other = Connection::connect(&address).unwrap();
    other.call::<()>(("SET", "k", "v")).unwrap();
    let mut options = ClientOptions::default();
    options.cache = Some(CacheLimits::default());
    let mut redis = Connection::open(&address.parse().unwrap(), options).unwrap();

    let first: Option<String> = redis.call_cached(["GET", "k"]).unwrap();
    let again: Option<String> = redis.call_cached(["GET", "k"]).unwrap();
    assert_eq!((first.as_deref(), again.as_deref()), (Some("v"), Some("v")));
    let stats = redis.cache_stats().unwrap();
    assert_eq!((stats.hits, stats.misses), (1, 1));

    // Another connection writes; the next read of the socket (any call
    // that goes to the server) takes the invalidation.
    other.call::<()>(("SET", "k", "v2")).unwrap();
    assert_eq!(redis.call::<String>("PING").unwrap(), "PONG");
    let seen: Option<String> = redis.call_cached(["GET", "k"]).unwrap();
    assert_eq!(seen.as_deref(), Some("v2"));

    // Read-your-writes.
    redis.call::<()>(("SET", "k", "mine")).unwrap();
    let mine: Option<String> = redis.call_cached(["GET", "k"]).unwrap();
    assert_eq!(mine.as_deref(), Some("mine"));

    // A flush from elsewhere.
    other.call::<()>("FLUSHALL").unwrap();
    assert_eq!(redis.call::<String>("PING").unwrap(), "PONG");
    let flushed: Option<String> = redis.call_cached(["GET", "k"]).unwrap();
    assert_eq!(flushed, None);
    assert_eq!(redis.cache_stats().unwrap().hits, 1);
}
