//! The generated command methods against a real redis-server, in RESP2 and
//! RESP3: a program that uses nothing but them, and the bytes each sends.

use resp_core::Pipeline;
use resp_core::commands::{
    PipelineCommands, SetOptions, XaddIdOrAuto, XaddOperator, XaddOptions, XaddStrategy,
    ZaddOptions, ZrangeOptions,
};
use resp_test_support::RedisServer;
use resp_tokio::{Client, ClientError, Commands};
use std::collections::HashMap;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// A program written only with the typed methods, as a user would.
async fn typed_program(client: &Client) -> Result<(), ClientError> {
    let () = client
        .set_with("greeting", "hello", SetOptions::new().nx().ex(100))
        .await?;
    // NX: a second SET does nothing, and says so with a null.
    let second: Option<String> = client
        .set_with("greeting", "other", SetOptions::new().nx())
        .await?;
    assert_eq!(second, None);
    let greeting: Option<String> = client.get("greeting").await?;
    assert_eq!(greeting.as_deref(), Some("hello"));
    let missing: Option<String> = client.get("missing").await?;
    assert_eq!(missing, None);

    assert_eq!(client.incr::<i64>("visits").await?, 1);
    assert_eq!(client.incr::<i64>("visits").await?, 2);
    assert!(client.expire::<bool>("visits", 100).await?);
    let ttl: i64 = client.ttl("visits").await?;
    assert!((1..=100).contains(&ttl), "{ttl}");

    let added: i64 = client
        .hset("user:1", [("name", "Ada"), ("born", "1815")])
        .await?;
    assert_eq!(added, 2);
    let user: HashMap<String, String> = client.hgetall("user:1").await?;
    assert_eq!(user["name"], "Ada");
    assert_eq!(user["born"], "1815");

    let length: i64 = client.lpush("queue", ["a", "b", "c"]).await?;
    assert_eq!(length, 3);
    let queue: Vec<String> = client.lrange("queue", 0, -1).await?;
    assert_eq!(queue, ["c", "b", "a"]);

    let added: i64 = client
        .zadd("board", [(3.5, "ada"), (1.0, "bob"), (2.0, "cy")])
        .await?;
    assert_eq!(added, 3);
    // GT CH: only raises count, and CH counts changed members.
    let changed: i64 = client
        .zadd_with(
            "board",
            [(4.0, "ada"), (0.5, "bob")],
            ZaddOptions::new().gt().ch(),
        )
        .await?;
    assert_eq!(changed, 1);
    let board: Vec<(String, f64)> = client
        .zrange_with("board", 0, -1, ZrangeOptions::new().withscores())
        .await?;
    assert_eq!(
        board,
        [
            ("bob".to_owned(), 1.0),
            ("cy".to_owned(), 2.0),
            ("ada".to_owned(), 4.0)
        ]
    );

    for n in 0..20 {
        let _id: String = client
            .xadd_with(
                "events",
                XaddIdOrAuto::auto_id(),
                [("n", n)],
                XaddOptions::new().trim(XaddStrategy::Maxlen, Some(XaddOperator::Equal), 5, None),
            )
            .await?;
    }
    let explicit: String = client
        .xadd(
            "events",
            XaddIdOrAuto::id("99999999999999-0"),
            [("n", "last")],
        )
        .await?;
    assert_eq!(explicit, "99999999999999-0");
    // MAXLEN = 5 kept five, and the last entry came after.
    assert_eq!(client.xlen::<i64>("events").await?, 6);

    let mut pipeline = Pipeline::new();
    pipeline
        .set("p", 1)
        .incr("p")
        .get("p")
        .lrange("queue", 0, 0)
        .hgetall("user:1");
    let ((), counter, text, first, user): ((), i64, String, Vec<String>, HashMap<String, String>) =
        client.query(&pipeline).await?;
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
    runtime().block_on(async {
        for protocol in [2, 3] {
            let url = format!(
                "redis://127.0.0.1:{}/{protocol}?protocol={protocol}",
                server.port()
            );
            let client = Client::connect(&url).await.unwrap();
            typed_program(&client).await.unwrap();
        }
    });
}

#[test]
fn a_method_reports_a_server_error_as_call_does() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    runtime().block_on(async {
        let client = Client::connect(&format!("redis://127.0.0.1:{}", server.port()))
            .await
            .unwrap();
        let () = client.set("text", "not a number").await.unwrap();
        match client.incr::<i64>("text").await {
            Err(ClientError::Server(error)) => {
                assert!(error.starts_with(b"ERR value is not an integer"))
            }
            other => panic!("expected the server's error, got {other:?}"),
        }
    });
}
