//! The same script of commands, error cases included, sent to a real
//! `redis-server` and to the example `kv-server`: every reply must be the
//! same bytes, in RESP2 and in RESP3, wherever Redis's reply is
//! deterministic.

use resp_core::{FrameSplitter, Split, pack_command};
use resp_test_support::{KvServer, RedisServer};
use std::io::{Read, Write};
use std::net::TcpStream;

/// One line per command, words split at spaces. A line starting with `!`
/// is sent to both but its reply is not compared (it holds ids, times or an
/// order Redis leaves unspecified); `#` starts a comment.
const SCRIPT: &str = r#"
# connection
PING
PING hello
PING a b
ECHO hi
ECHO
SELECT 1
SET k in-db-1
SELECT 0
GET k
SELECT 1
GET k
SELECT 0
SELECT 16
SELECT -1
SELECT x
NOSUCHCOMMAND a b
nosuchcommand
CLIENT SETNAME worker
CLIENT GETNAME
CLIENT SETNAME
CLIENT FOO
!CLIENT ID
CONFIG FOO
AUTH pass
AUTH user pass
# strings
SET s hello
GET s
GET missing
SET s world XX
GET s
SET s2 v NX
SET s2 v2 NX
GET s2
SET s3 v XX
GET s3
SET s v NX XX
SET s v EX 0
SET s v EX -5
SET s v EX abc
SET s v PX 100000 EX 10
SET s v KEEPTTL EX 10
SET s v FOO
SET s new GET
SET fresh v GET
SET s v EX 100
TTL s
SET s v KEEPTTL
TTL s
SET s v
TTL s
SETNX s x
SETNX nx1 x
GET nx1
SETEX ex 100 v
TTL ex
SETEX ex 0 v
SETEX ex abc v
PSETEX pex 100000 v
TTL pex
GETSET s swapped
GETSET newgs v
GET s
GETDEL s
GETDEL s
GET s
MSET a 1 b 2 c 3
MGET a b c missing
MSET a
MSET a 1 b
SET counter 10
INCR counter
INCRBY counter 5
DECR counter
DECRBY counter 3
INCRBY counter abc
INCR s2
SET big 9223372036854775807
INCR big
DECRBY counter -9223372036854775808
SET neg -9223372036854775808
DECR neg
INCRBY counter 1.5
INCRBYFLOAT fl 1.5
INCRBYFLOAT fl 0.25
INCRBYFLOAT fl -1.75
INCRBYFLOAT fl abc
INCRBYFLOAT s2 1
SET flint 10
INCRBYFLOAT flint 5
INCRBYFLOAT flint 0.1
APPEND ap hello
APPEND ap " world"
GET ap
STRLEN ap
STRLEN missing
APPEND
# keys
EXISTS a b c missing a
DEL a b missing
EXISTS a b
TYPE c
TYPE missing
LPUSH lt x
TYPE lt
HSET ht f v
TYPE ht
SADD st m
TYPE st
ZADD zt 1 m
TYPE zt
EXPIRE c 100
TTL c
PTTL missing
TTL missing
PERSIST c
TTL c
PERSIST c
EXPIRE c abc
EXPIRE missing 10
EXPIRE c 100 NX
EXPIRE c 100 XX
EXPIRE c 200 XX
TTL c
EXPIRE c 50 GT
EXPIRE c 500 GT
TTL c
EXPIRE c 600 LT
EXPIRE c 100 LT
TTL c
EXPIRE c 10 NX XX
EXPIRE c 10 GT LT
EXPIRE c 10 FOO
PEXPIRE c 100000
TTL c
EXPIREAT c 99999999999
TTL c
PEXPIREAT c 99999999999000
TTL c
EXPIRE c 0
EXISTS c
SET gone v
EXPIRE gone -1
GET gone
SET gone2 v
PEXPIREAT gone2 1
GET gone2
KEYS nomatch*
DBSIZE
DBSIZE x
FLUSHDB x
# lists
RPUSH l a b c
LPUSH l z
LRANGE l 0 -1
LRANGE l 1 2
LRANGE l -2 -1
LRANGE l 5 10
LRANGE l 2 1
LRANGE l -100 100
LRANGE l a 1
LRANGE missing 0 -1
LLEN l
LLEN missing
LLEN s2
LINDEX l 0
LINDEX l -1
LINDEX l 10
LINDEX l x
LINDEX missing 0
LPOP l
RPOP l
LPOP l 0
LPOP l 5
LLEN l
EXISTS l
LPOP l
LPOP missing
LPOP missing 2
RPOP missing 0
LPOP l -1
LPOP l abc
RPUSH l2 1 2 3 4
RPOP l2 2
LRANGE l2 0 -1
LPUSH s2 x
RPUSH
# hashes
HSET h f1 v1 f2 v2
HSET h f1 changed f3 v3
HGET h f1
HGET h nofield
HGET missing f
HMGET h f1 nofield f3
HMGET missing a b
HGETALL h
HGETALL missing
HLEN h
HLEN missing
HEXISTS h f2
HEXISTS h nofield
HKEYS h
HVALS h
HKEYS missing
HDEL h f2 nofield
HDEL h f1 f3
EXISTS h
HDEL missing f
HSET h f
HSET h f v extra
HMSET hm a 1 b 2
HGETALL hm
HINCRBY hm a 10
HINCRBY hm new -5
HINCRBY hm a x
HINCRBY hm a 9223372036854775807
HSET hm txt abc
HINCRBY hm txt 1
HGET s2 f
HSET s2 f v
# sets
SADD set 3 1 2
SADD set 2 4
SMEMBERS set
SCARD set
SISMEMBER set 2
SISMEMBER set 9
SISMEMBER missing 1
SMEMBERS missing
SCARD missing
SREM set 1 9
SMEMBERS set
SREM set 2 3 4
EXISTS set
SREM missing a
SADD s2 m
SADD one only
SMEMBERS one
SPOP one
SPOP one
SPOP missing
# sorted sets
ZADD z 1 a 2 b 3 c
ZADD z 1.5 a
ZADD z CH 2.5 a 9 d
ZADD z NX 100 a 4 e
ZADD z XX 200 a 5 f
ZADD z GT 1 b
ZADD z LT 1 b
ZADD z INCR 10 c
ZADD z NX XX 1 a
ZADD z GT LT 1 a
ZADD z GT NX 1 a
ZADD z INCR 1 a 2 b
ZADD z 1
ZADD z abc a
ZADD zx XX 1 a
ZADD zx XX INCR 1 a
EXISTS zx
ZSCORE z a
ZSCORE z nomember
ZSCORE missing a
ZCARD z
ZCARD missing
ZRANGE z 0 -1
ZRANGE z 0 -1 WITHSCORES
ZRANGE z 1 2 WITHSCORES
ZRANGE z 0 -1 REV
ZRANGE z 0 1 REV WITHSCORES
ZRANGE z -2 -1
ZRANGE z 5 10
ZRANGE z a b
ZRANGE z 0 -1 FOO
ZRANGE z 0 -1 LIMIT 0 1
ZRANGE z 2 10 BYSCORE
ZRANGE z (2 10 BYSCORE WITHSCORES
ZRANGE z -inf +inf BYSCORE LIMIT 1 2
ZRANGE z +inf -inf BYSCORE REV
ZRANGE z 10 (2 BYSCORE REV WITHSCORES
ZRANGE z x 10 BYSCORE
ZRANGE missing 0 -1
ZINCRBY z 0.5 a
ZINCRBY z 1 newmember
ZINCRBY z x a
ZRANGE z 0 -1 WITHSCORES
ZREM z a nomember
ZREM missing a
ZADD fr 0.1 x 1e300 y -inf z inf w
ZRANGE fr 0 -1 WITHSCORES
ZSCORE fr x
ZADD s2 1 m
ZSCORE s2 m
ZADD pop 1 a 2 b 3 c 4 d
ZPOPMIN pop
ZPOPMAX pop
ZPOPMIN pop 5
ZPOPMIN pop
ZPOPMIN pop 2
ZPOPMAX missing
ZPOPMIN pop -1
ZPOPMIN pop x
ZPOPMIN s2
# transactions
MULTI
SET tx 1
INCR tx
GET tx
EXEC
EXEC
DISCARD
MULTI
SET tx 2
DISCARD
GET tx
MULTI
MULTI
EXEC
MULTI
SET tx 3
NOSUCHCOMMAND
EXEC
GET tx
MULTI
GET
EXEC
MULTI
INCR s2
SET tx 4
EXEC
GET tx
MULTI
WATCH x
EXEC
WATCH tx
UNWATCH
MULTI
EXEC
WATCH tx
SET tx changed
MULTI
GET tx
EXEC
WATCH tx
MULTI
PING
EXEC
# pub/sub without subscribers
PUBLISH nobody hello
PUBLISH
SUBSCRIBE
# cleanup checks
DEL lt ht st zt
KEYS lt*
"#;

/// A connection that returns each reply's exact bytes.
struct Raw {
    stream: TcpStream,
    buf: Vec<u8>,
    splitter: FrameSplitter,
}

impl Raw {
    fn new(stream: TcpStream) -> Self {
        Self {
            stream,
            buf: Vec::new(),
            splitter: FrameSplitter::new(),
        }
    }

    fn call(&mut self, args: &[&str]) -> Vec<u8> {
        let mut out = Vec::new();
        pack_command(&mut out, args);
        self.stream.write_all(&out).unwrap();
        self.reply()
    }

    fn reply(&mut self) -> Vec<u8> {
        let mut frame = Vec::new();
        loop {
            match self.splitter.split(&self.buf).unwrap() {
                Split::Frame { end, .. } => {
                    frame.extend(self.buf.drain(..end));
                    return frame;
                }
                Split::Partial { consumed } => frame.extend(self.buf.drain(..consumed)),
            }
            let mut piece = [0; 4096];
            let n = self.stream.read(&mut piece).unwrap();
            assert!(n > 0, "closed while a reply was expected");
            self.buf.extend_from_slice(&piece[..n]);
        }
    }
}

fn script() -> Vec<(bool, Vec<String>)> {
    SCRIPT
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(|line| {
            let (compare, line) = match line.strip_prefix('!') {
                Some(rest) => (false, rest),
                None => (true, line),
            };
            let words = line
                .split(' ')
                .map(|word| word.trim_matches('"').replace("\\s", " "))
                .collect();
            (compare, words)
        })
        .collect()
}

fn run(protocol: &str) {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let kv = KvServer::start(&[]);
    let mut ours = Raw::new(kv.connect());
    let mut theirs = Raw::new(redis.connect());
    for connection in [&mut ours, &mut theirs] {
        connection.call(&["HELLO", protocol]);
        assert_eq!(connection.call(&["FLUSHALL"]), b"+OK\r\n");
    }
    let commands = script();
    assert!(commands.len() > 300, "{} commands", commands.len());
    let mut compared = 0;
    for (compare, words) in &commands {
        let args: Vec<&str> = words.iter().map(String::as_str).collect();
        let (mine, expected) = (ours.call(&args), theirs.call(&args));
        if *compare {
            assert_eq!(
                mine.escape_ascii().to_string(),
                expected.escape_ascii().to_string(),
                "RESP{protocol}: {}",
                words.join(" ")
            );
            compared += 1;
        }
    }
    eprintln!("compared {compared}");
    assert!(compared > 300);
}

#[test]
fn replies_match_redis_byte_for_byte_in_resp2() {
    run("2");
}

#[test]
fn replies_match_redis_byte_for_byte_in_resp3() {
    run("3");
}
