//! The generated command methods against a real redis-server, in RESP2 and
//! RESP3: a program that uses nothing but them, and the bytes each sends.

use resp_core::commands::{
    PipelineCommands, SetOptions, XaddIdOrAuto, XaddOperator, XaddOptions, XaddStrategy,
    ZaddOptions, ZrangeOptions,
};
use resp_core::{Cmd, Pipeline};
use resp_std::{Commands, Connection, Error, NetStream};
use resp_test_support::RedisServer;
use std::collections::HashMap;

/// A program written only with the typed methods, as a user would.
fn typed_program(client: &mut Connection<NetStream>) -> Result<(), Error> {
    let () = client.set_with("greeting", "hello", SetOptions::new().nx().ex(100))?;
    // NX: a second SET does nothing, and says so with a null.
    let second: Option<String> = client.set_with("greeting", "other", SetOptions::new().nx())?;
    assert_eq!(second, None);
    let greeting: Option<String> = client.get("greeting")?;
    assert_eq!(greeting.as_deref(), Some("hello"));
    let missing: Option<String> = client.get("missing")?;
    assert_eq!(missing, None);

    assert_eq!(client.incr::<i64>("visits")?, 1);
    assert_eq!(client.incr::<i64>("visits")?, 2);
    assert!(client.expire::<bool>("visits", 100)?);
    let ttl: i64 = client.ttl("visits")?;
    assert!((1..=100).contains(&ttl), "{ttl}");

    let added: i64 = client.hset("user:1", [("name", "Ada"), ("born", "1815")])?;
    assert_eq!(added, 2);
    let user: HashMap<String, String> = client.hgetall("user:1")?;
    assert_eq!(user["name"], "Ada");
    assert_eq!(user["born"], "1815");

    let length: i64 = client.lpush("queue", ["a", "b", "c"])?;
    assert_eq!(length, 3);
    let queue: Vec<String> = client.lrange("queue", 0, -1)?;
    assert_eq!(queue, ["c", "b", "a"]);

    let added: i64 = client.zadd("board", [(3.5, "ada"), (1.0, "bob"), (2.0, "cy")])?;
    assert_eq!(added, 3);
    // GT CH: only raises count, and CH counts changed members.
    let changed: i64 = client.zadd_with(
        "board",
        [(4.0, "ada"), (0.5, "bob")],
        ZaddOptions::new().gt().ch(),
    )?;
    assert_eq!(changed, 1);
    let board: Vec<(String, f64)> =
        client.zrange_with("board", 0, -1, ZrangeOptions::new().withscores())?;
    assert_eq!(
        board,
        [
            ("bob".to_owned(), 1.0),
            ("cy".to_owned(), 2.0),
            ("ada".to_owned(), 4.0)
        ]
    );

    for n in 0..20 {
        let _id: String = client.xadd_with(
            "events",
            XaddIdOrAuto::auto_id(),
            [("n", n)],
            XaddOptions::new().trim(XaddStrategy::Maxlen, Some(XaddOperator::Equal), 5, None),
        )?;
    }
    let explicit: String = client.xadd(
        "events",
        XaddIdOrAuto::id("99999999999999-0"),
        [("n", "last")],
    )?;
    assert_eq!(explicit, "99999999999999-0");
    // MAXLEN = 5 kept five, and the last entry came after.
    assert_eq!(client.xlen::<i64>("events")?, 6);

    let mut pipeline = Pipeline::new();
    pipeline
        .set("p", 1)
        .incr("p")
        .get("p")
        .lrange("queue", 0, 0)
        .hgetall("user:1");
    let ((), counter, text, first, user): ((), i64, String, Vec<String>, HashMap<String, String>) =
        client.query(&pipeline)?;
    assert_eq!((counter, text.as_str()), (2, "2"));
    assert_eq!(first, ["c"]);
    assert_eq!(user.len(), 2);
    Ok(())
}

#[test]
fn a_program_of_typed_methods_runs_in_both_protocols() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    for protocol in [2, 3] {
        let url = format!(
            "redis://127.0.0.1:{}/{protocol}?protocol={protocol}",
            server.port()
        );
        let mut client = Connection::connect(&url).unwrap();
        typed_program(&mut client).unwrap();
    }
}

#[test]
fn a_method_reports_a_server_error_as_call_does() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let mut client = Connection::connect(&format!("redis://127.0.0.1:{}", server.port())).unwrap();
    let () = client.set("text", "not a number").unwrap();
    match client.incr::<i64>("text") {
        Err(Error::Server(error)) => assert!(error.starts_with(b"ERR value is not an integer")),
        other => panic!("expected the server's error, got {other:?}"),
    }
}

#[test]
fn vectors_maps_and_slices_of_pairs_pass_as_arguments() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let mut client = Connection::connect(&format!("redis://127.0.0.1:{}", server.port())).unwrap();
    let keys: Vec<String> = vec!["a".into(), "b".into(), "c".into()];
    let fields: HashMap<String, String> = HashMap::from([
        ("name".into(), "Ada".into()),
        ("born".into(), "1815".into()),
    ]);
    let pairs: &[(&str, i64)] = &[("a", 1), ("b", 2)];

    // Built argument by argument, through `call`.
    let () = client
        .call(Cmd::new("MSET").pairs(pairs.iter().copied()))
        .unwrap();
    let added: i64 = client
        .call(Cmd::new("HSET").arg("h").pairs(&fields))
        .unwrap();
    assert_eq!(added, 2);
    let values: Vec<Option<i64>> = client.call(Cmd::new("MGET").args(&keys)).unwrap();
    assert_eq!(values, [Some(1), Some(2), None]);

    // The same values through the typed methods.
    let again: i64 = client.hset("h2", &fields).unwrap();
    assert_eq!(again, 2);
    let read: HashMap<String, String> = client.hgetall("h2").unwrap();
    assert_eq!(read, fields);
    assert_eq!(client.del::<i64>(&keys).unwrap(), 2);
}
