//! Typed conversion of real Redis replies: the same Rust types read the
//! RESP2 and the RESP3 form of each reply.

use resp_core::{ConvertError, Frame, FromFrame, Hello, Protocol};
use resp_test_support::{RedisServer, Replies};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Sends a command and converts its reply.
fn ask<T: FromFrame>(redis: &mut Replies, args: impl resp_core::Args) -> Result<T, ConvertError> {
    redis.command(args).convert()
}

#[test]
fn replies_convert_alike_in_both_protocols() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let mut setup = Replies::new(server.connect(), 4096);
    ask::<()>(&mut setup, ("HSET", "h", "a", 1, "b", 22)).unwrap();
    ask::<()>(&mut setup, ("RPUSH", "l", "x", "y", "z")).unwrap();
    ask::<()>(&mut setup, ("SADD", "s", "m", "n")).unwrap();
    ask::<()>(&mut setup, ("ZADD", "z", 1.5, "one", 2, "two")).unwrap();
    ask::<()>(&mut setup, ("SET", "counter", 41)).unwrap();
    ask::<()>(&mut setup, ("SET", "text", "not a number")).unwrap();

    for protocol in [Protocol::Resp2, Protocol::Resp3] {
        let mut redis = Replies::new(server.connect(), 7);
        ask::<Frame>(&mut redis, Hello::new(protocol)).unwrap();

        let hash: HashMap<String, i64> = ask(&mut redis, ("HGETALL", "h")).unwrap();
        assert_eq!(hash, HashMap::from([("a".into(), 1), ("b".into(), 22)]));
        let sorted: BTreeMap<String, u8> = ask(&mut redis, ("HGETALL", "h")).unwrap();
        assert_eq!(sorted.len(), 2);
        let list: Vec<String> = ask(&mut redis, ("LRANGE", "l", 0, -1)).unwrap();
        assert_eq!(list, ["x", "y", "z"]);
        // Pairs in a Vec read RESP2's flat arrays as RESP3's maps and pairs.
        let pairs: Vec<(String, String)> = ask(&mut redis, ("HGETALL", "h")).unwrap();
        assert_eq!(pairs.len(), 2);
        assert!(
            pairs.contains(&("b".to_owned(), "22".to_owned())),
            "{pairs:?}"
        );
        let scored: Vec<(String, f64)> =
            ask(&mut redis, ("ZRANGE", "z", 0, -1, "WITHSCORES")).unwrap();
        assert_eq!(scored, [("one".to_owned(), 1.5), ("two".to_owned(), 2.0)]);
        // Bytes read a bulk string as it is.
        let bytes: Option<Vec<u8>> = ask(&mut redis, ("GET", "text")).unwrap();
        assert_eq!(bytes.as_deref(), Some(&b"not a number"[..]));
        let none: Option<Vec<u8>> = ask(&mut redis, ("GET", "missing")).unwrap();
        assert_eq!(none, None);
        let set: BTreeSet<String> = ask(&mut redis, ("SMEMBERS", "s")).unwrap();
        assert_eq!(set, BTreeSet::from(["m".into(), "n".into()]));
        let score: f64 = ask(&mut redis, ("ZSCORE", "z", "one")).unwrap();
        assert_eq!(score, 1.5);
        let incremented: i64 = ask(&mut redis, ("INCR", "counter")).unwrap();
        let read_back: i64 = ask(&mut redis, ("GET", "counter")).unwrap();
        assert_eq!(read_back, incremented);
        let missing: Option<String> = ask(&mut redis, ("GET", "missing")).unwrap();
        assert_eq!(missing, None);
        let exists: bool = ask(&mut redis, ("EXISTS", "h")).unwrap();
        assert!(exists);
        let (cursor, keys): (u64, Vec<String>) =
            ask(&mut redis, ("SCAN", 0, "COUNT", 1000)).unwrap();
        assert_eq!((cursor, keys.len()), (0, 6));

        let wrong_type = ask::<Vec<String>>(&mut redis, ("LRANGE", "h", 0, -1)).unwrap_err();
        assert!(
            matches!(&wrong_type, ConvertError::Server(text) if text.starts_with(b"WRONGTYPE")),
            "{wrong_type:?}"
        );
        assert_eq!(
            ask::<i64>(&mut redis, ("GET", "text")),
            Err(ConvertError::Value {
                expected: "integer"
            })
        );
    }

    // RESP3 only: pairs with their scores, in order.
    let mut redis = Replies::new(server.connect(), 4096);
    ask::<Frame>(&mut redis, Hello::new(Protocol::Resp3)).unwrap();
    let ranked: Vec<(String, f64)> = ask(&mut redis, ("ZRANGE", "z", 0, -1, "WITHSCORES")).unwrap();
    assert_eq!(ranked, [("one".into(), 1.5), ("two".into(), 2.0)]);
}
