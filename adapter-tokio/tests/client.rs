//! The async `Client` against a real redis-server: values of every size,
//! a pipeline of 10,000 with an error in place, 1,000 concurrent tasks on
//! one connection each getting its own reply, calls dropped at random
//! points, and faults through a relay (a stalled server, a connection cut,
//! the server killed mid-pipeline). The scenarios that do not reach past
//! the client run again through the proxy (`apps/proxy`, in-process), RESP2 and RESP3.

use resp_core::{Frame, NullKind, Pipeline};
use resp_test_support::{RedisServer, Relay, resident_kib};
use resp_tokio::{Client, ClientError, ClientOptions, Script};
use std::time::{Duration, Instant};

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

fn url(port: u16) -> String {
    format!("redis://127.0.0.1:{port}")
}

/// Where a scenario's clients connect: straight to the server, or through
/// the proxy in front of it (in RESP3, the client's default, or in
/// RESP2), which must make no difference.
#[derive(Debug, Clone, Copy)]
enum Through {
    Direct,
    Proxy,
    ProxyResp2,
}

/// A server of the test's own, and the address its clients use.
struct Target {
    _server: RedisServer,
    _proxy: Option<proxy::Running>,
    port: u16,
    resp2: bool,
}

impl Target {
    fn start(through: Through, extra: &[&str]) -> Option<Self> {
        let server = RedisServer::start_with(extra)?;
        let proxy = match through {
            Through::Direct => None,
            Through::Proxy | Through::ProxyResp2 => Some(
                proxy::Server::start_in_thread(proxy::Options::in_front_of(format!(
                    "127.0.0.1:{}",
                    server.port()
                )))
                .expect("the proxy starts"),
            ),
        };
        let port = proxy.as_ref().map_or(server.port(), proxy::Running::port);
        Some(Self {
            _server: server,
            _proxy: proxy,
            port,
            resp2: matches!(through, Through::ProxyResp2),
        })
    }

    fn url(&self) -> String {
        if self.resp2 {
            format!("{}?protocol=2", url(self.port))
        } else {
            url(self.port)
        }
    }

    /// The address with the protocol a scenario chooses itself.
    fn url_speaking(&self, protocol: &str) -> String {
        format!("{}?protocol={protocol}", url(self.port))
    }
}

/// Runs each scenario straight against the server and again through the
/// proxy; those in the second list a third time, in RESP2.
macro_rules! direct_and_through_the_proxy {
    ($($scenario:ident),* $(,)?; $($resp2:ident),* $(,)?) => {
        mod direct {
            $(#[test]
            fn $scenario() {
                super::$scenario(super::Through::Direct)
            })*
        }

        mod through_the_proxy {
            $(#[test]
            fn $scenario() {
                super::$scenario(super::Through::Proxy)
            })*
        }

        mod through_the_proxy_in_resp2 {
            $(#[test]
            fn $resp2() {
                super::$resp2(super::Through::ProxyResp2)
            })*
        }
    };
}

direct_and_through_the_proxy!(
    calls_of_every_size_and_type,
    a_pipeline_of_ten_thousand_keeps_errors_in_place,
    a_thousand_tasks_each_get_their_own_reply,
    dropped_calls_never_desynchronise_the_connection,
    scripts_survive_a_script_flush,
    subscriptions_in_both_protocols,
    a_slow_subscriber_is_told_what_it_lost,
    transactions_exec_abort_and_watch,
    unsubscribing_ends_the_messages,
    tracking_invalidations_arrive_between_replies,
    a_100_mib_value_through_the_client,
    shard_channels_and_the_stream_interface;
    // Tracking needs RESP3; the pub/sub scenarios choose their protocols.
    calls_of_every_size_and_type,
    a_pipeline_of_ten_thousand_keeps_errors_in_place,
    a_thousand_tasks_each_get_their_own_reply,
    dropped_calls_never_desynchronise_the_connection,
    scripts_survive_a_script_flush,
    transactions_exec_abort_and_watch,
    a_100_mib_value_through_the_client,
);

fn calls_of_every_size_and_type(through: Through) {
    let Some(server) = Target::start(through, &[]) else {
        return;
    };
    runtime().block_on(async {
        let client = Client::connect(&server.url()).await.unwrap();
        for value in [vec![0u8, 255, 13, 10], Vec::new(), vec![b'x'; 1 << 20]] {
            client
                .call::<()>((&b"SET"[..], &b"k"[..], &value[..]))
                .await
                .unwrap();
            let back: bytes::Bytes = client.call(["GET", "k"]).await.unwrap();
            assert_eq!(back[..], value[..]);
        }
        let missing: Option<String> = client.call(["GET", "missing"]).await.unwrap();
        assert_eq!(missing, None);
        client.call::<()>(["RPUSH", "l", "a", "b"]).await.unwrap();
        let error = client.call::<i64>(["INCR", "l"]).await.unwrap_err();
        assert!(
            matches!(&error, ClientError::Server(text) if text.starts_with(b"WRONGTYPE")),
            "{error}"
        );
        // Each protocol's own null: RESP2's null bulk string, RESP3's `_`.
        let null = if server.resp2 {
            NullKind::Bulk
        } else {
            NullKind::Null
        };
        assert_eq!(
            client.call_frame(["GET", "missing"]).await.unwrap(),
            Frame::Null(null)
        );
    });
}

fn a_pipeline_of_ten_thousand_keeps_errors_in_place(through: Through) {
    let Some(server) = Target::start(through, &[]) else {
        return;
    };
    runtime().block_on(async {
        let client = Client::connect(&server.url()).await.unwrap();
        let mut pipeline = Pipeline::new();
        for i in 0..10_000 {
            if i == 5_000 {
                pipeline.command(["HGET", "n", "field"]);
            } else {
                pipeline.command(["INCR", "n"]);
            }
        }
        let replies = client.pipeline(&pipeline).await.unwrap();
        assert_eq!(replies.len(), 10_000);
        assert!(replies[5_000].is_error());
        assert_eq!(replies[4_999], Frame::Integer(5_000));
        assert_eq!(replies[9_999], Frame::Integer(9_999));
    });
}

fn a_thousand_tasks_each_get_their_own_reply(through: Through) {
    let Some(server) = Target::start(through, &[]) else {
        return;
    };
    runtime().block_on(async {
        let client = Client::connect(&server.url()).await.unwrap();
        let tasks: Vec<_> = (0..1_000)
            .map(|task| {
                let client = client.clone();
                tokio::spawn(async move {
                    for round in 0..20 {
                        let key = format!("task:{task}");
                        let value = format!("{task}:{round}");
                        client
                            .call::<()>(("SET", key.as_str(), value.as_str()))
                            .await
                            .unwrap();
                        let back: String = client.call(["GET", key.as_str()]).await.unwrap();
                        assert_eq!(back, value);
                    }
                })
            })
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
    });
}

/// 10,000 calls whose futures are dropped at random points: every later
/// call still gets its own reply.
fn dropped_calls_never_desynchronise_the_connection(through: Through) {
    let Some(server) = Target::start(through, &[]) else {
        return;
    };
    runtime().block_on(async {
        let client = Client::connect(&server.url()).await.unwrap();
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        for i in 0..10_000u64 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let wait = Duration::from_micros(seed % 200);
            let key = format!("drop:{}", i % 50);
            let call = client.call::<()>(("SET", key.as_str(), i));
            let _ = tokio::time::timeout(wait, call).await;
        }
        for i in 0..200 {
            let key = format!("check:{i}");
            client.call::<()>(("SET", key.as_str(), i)).await.unwrap();
            let back: i64 = client.call(["GET", key.as_str()]).await.unwrap();
            assert_eq!(back, i);
        }
    });
}

/// A stalled server: the call fails with a timeout in bounded time, and a
/// reply that comes later is not given to anyone else.
#[test]
fn a_stalled_server_times_out() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let relay = Relay::start(server.port());
    runtime().block_on(async {
        let mut options = ClientOptions::default();
        options.response_timeout = Some(Duration::from_millis(300));
        options.max_queued_bytes = 4096;
        let config = url(relay.port()).parse().unwrap();
        let client = Client::connect_with(&config, options).await.unwrap();
        client.call::<()>(["SET", "k", "before"]).await.unwrap();
        relay.stall();
        let started = Instant::now();
        let error = client.call::<String>(["GET", "k"]).await.unwrap_err();
        assert!(error.is_timeout(), "{error}");
        assert!(started.elapsed() < Duration::from_secs(2));
        // Behind the stall the queue fills up; callers still time out
        // instead of waiting for room.
        let callers: Vec<_> = (0..200)
            .map(|_| {
                let client = client.clone();
                tokio::spawn(async move { client.call::<String>(["GET", "k"]).await })
            })
            .collect();
        let started = Instant::now();
        for caller in callers {
            assert!(caller.await.unwrap().is_err_and(|error| error.is_timeout()));
        }
        assert!(started.elapsed() < Duration::from_secs(3));
    });
}

/// A blocking command outlives a shorter response timeout by its own
/// timeout (or waits without limit for a timeout of 0), and the short one
/// still holds for everything else.
#[test]
fn blpop_waits_its_own_timeout_past_a_shorter_response_timeout() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    runtime().block_on(async {
        let mut options = ClientOptions::default();
        options.response_timeout = Some(Duration::from_millis(500));
        let config = url(server.port()).parse().unwrap();
        let client = Client::connect_with(&config, options.clone())
            .await
            .unwrap();
        let started = Instant::now();
        let popped: Option<Vec<String>> = client.call(["BLPOP", "empty-queue", "2"]).await.unwrap();
        let waited = started.elapsed();
        assert_eq!(popped, None);
        assert!(
            waited >= Duration::from_secs(2) && waited < Duration::from_secs(3),
            "{waited:?}"
        );

        // BLPOP … 0 waits for as long as it takes: here, a push 1 s later.
        let waiter = client.clone();
        let blocked =
            tokio::spawn(async move { waiter.call::<Vec<String>>(["BLPOP", "later", "0"]).await });
        tokio::time::sleep(Duration::from_millis(1000)).await;
        let pusher = Client::connect_with(&config, options).await.unwrap();
        pusher.call::<i64>(["RPUSH", "later", "job"]).await.unwrap();
        assert_eq!(blocked.await.unwrap().unwrap(), ["later", "job"]);

        let started = Instant::now();
        let slept = client.call::<()>(["DEBUG", "SLEEP", "1"]).await;
        assert!(
            slept.as_ref().is_err_and(ClientError::is_timeout),
            "{slept:?}"
        );
        assert!(started.elapsed() < Duration::from_millis(900));
    });
}

/// Options of a client that does not reconnect.
fn without_reconnects() -> ClientOptions {
    let mut options = ClientOptions::default();
    options.reconnect = None;
    options
}

/// Without reconnects, the connection cut mid-pipeline: every request in
/// flight fails at once with an error that says so, and later calls fail
/// fast.
#[test]
fn a_cut_connection_fails_every_request_in_flight() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let relay = Relay::start(server.port());
    runtime().block_on(async {
        let config = url(relay.port()).parse().unwrap();
        let client = Client::connect_with(&config, without_reconnects())
            .await
            .unwrap();
        client.call::<()>(["SET", "k", "v"]).await.unwrap();
        relay.stall();
        let calls: Vec<_> = (0..100)
            .map(|_| {
                let client = client.clone();
                tokio::spawn(async move { client.call::<String>(["GET", "k"]).await })
            })
            .collect();
        tokio::time::sleep(Duration::from_millis(100)).await;
        relay.cut();
        let started = Instant::now();
        for call in calls {
            let error = call.await.unwrap().unwrap_err();
            // Written before the cut: it may have run.
            assert!(matches!(error, ClientError::Connection(_)), "{error}");
            assert!(error.may_have_run() && error.breaks_connection(), "{error}");
        }
        assert!(started.elapsed() < Duration::from_secs(2));
        let after = client.call::<String>(["GET", "k"]).await.unwrap_err();
        // Never sent: it did not run.
        assert!(matches!(after, ClientError::Connection(_)) && !after.may_have_run());
        assert!(client.is_closed());
    });
}

/// Without reconnects, the server killed while a pipeline is in flight.
#[test]
fn the_server_killed_mid_pipeline() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    runtime().block_on(async {
        let config = url(server.port()).parse().unwrap();
        let client = Client::connect_with(&config, without_reconnects())
            .await
            .unwrap();
        let mut pipeline = Pipeline::new();
        for _ in 0..200_000 {
            pipeline.command(["INCR", "n"]);
        }
        let pending = {
            let client = client.clone();
            tokio::spawn(async move { client.pipeline(&pipeline).await })
        };
        tokio::time::sleep(Duration::from_millis(5)).await;
        drop(server);
        let started = Instant::now();
        match pending.await.unwrap() {
            Err(ClientError::Connection(_)) => {}
            // It may have finished before the kill landed; then it is whole.
            Ok(replies) => assert_eq!(replies.len(), 200_000),
            Err(other) => panic!("{other}"),
        }
        assert!(started.elapsed() < Duration::from_secs(5));
        assert!(client.call::<i64>(["GET", "n"]).await.is_err());
    });
}

/// The script helper runs by digest, and loads the script again after the
/// server forgot it.
fn scripts_survive_a_script_flush(through: Through) {
    let Some(server) = Target::start(through, &[]) else {
        return;
    };
    runtime().block_on(async {
        let client = Client::connect(&server.url()).await.unwrap();
        let add = Script::new("return redis.call('INCRBY', KEYS[1], ARGV[1])");
        // Keys a caller holds as owned strings, passed by reference.
        let keys = vec![String::from("total")];
        // The first run: EVALSHA, NOSCRIPT, then EVAL.
        assert_eq!(
            client
                .run_script::<i64>(&add.call(&keys, ["5"]))
                .await
                .unwrap(),
            5
        );
        // Integer arguments; now the server has it.
        assert_eq!(
            client
                .run_script::<i64>(&add.call(["total"], [2]))
                .await
                .unwrap(),
            7
        );
        client.call::<()>(["SCRIPT", "FLUSH"]).await.unwrap();
        // Forgotten, and run again; the call built argument by argument.
        assert_eq!(
            client
                .run_script::<i64>(&add.key("total").arg(1))
                .await
                .unwrap(),
            8
        );
        // The digest is the server's own.
        let digest: String = client.call(("SCRIPT", "LOAD", add.source())).await.unwrap();
        assert_eq!(digest, add.digest());
        // No keys at all: only arguments.
        let sum = Script::new("return ARGV[1] + ARGV[2]");
        assert_eq!(
            client.run_script::<i64>(&sum.arg(40).arg(2)).await.unwrap(),
            42
        );
        let broken = Script::new("return redis.call('NOSUCH')");
        assert!(matches!(
            client.run_script::<i64>(&broken.arg("unused")).await,
            Err(ClientError::Server(_))
        ));
    });
}

async fn next_push(subscription: &mut resp_tokio::Subscription) -> resp_tokio::Message {
    tokio::time::timeout(Duration::from_secs(5), subscription.next())
        .await
        .expect("a message in time")
        .expect("the subscription is open")
}

fn message(channel: &str, payload: &str) -> resp_tokio::Message {
    resp_tokio::Message::Push(resp_core::Push::Message {
        channel: channel.into(),
        payload: Frame::BulkString(payload.into()),
    })
}

/// Pub/sub in both protocols: RESP3 shares the connection, RESP2 gets one
/// of its own; messages never reach a caller waiting for a reply.
fn subscriptions_in_both_protocols(through: Through) {
    let Some(server) = Target::start(through, &[]) else {
        return;
    };
    runtime().block_on(async {
        for protocol in ["3", "2"] {
            let client = Client::connect(&server.url_speaking(protocol))
                .await
                .unwrap();
            let mut news = client.subscribe(&["news"]).await.unwrap();
            let mut sport = client.psubscribe(&["sport.*"]).await.unwrap();
            let receivers: i64 = client.call(["PUBLISH", "news", "hello"]).await.unwrap();
            assert_eq!(receivers, 1, "RESP{protocol}");
            // A call between messages gets its own reply, not a message.
            client.call::<()>(["SET", "k", "v"]).await.unwrap();
            let v: String = client.call(["GET", "k"]).await.unwrap();
            assert_eq!(v, "v");
            assert_eq!(next_push(&mut news).await, message("news", "hello"));
            client
                .call::<i64>(["PUBLISH", "sport.tennis", "ace"])
                .await
                .unwrap();
            let resp_tokio::Message::Push(resp_core::Push::PatternMessage {
                pattern,
                channel,
                payload,
            }) = next_push(&mut sport).await
            else {
                panic!("not a pattern message")
            };
            assert_eq!(
                (&pattern[..], &channel[..]),
                (&b"sport.*"[..], &b"sport.tennis"[..])
            );
            assert_eq!(payload, Frame::from("ace"));
        }
    });
}

/// A slow subscriber: messages past its buffer are dropped, and it is told
/// exactly how many and where.
fn a_slow_subscriber_is_told_what_it_lost(through: Through) {
    let Some(server) = Target::start(through, &[]) else {
        return;
    };
    runtime().block_on(async {
        let mut options = ClientOptions::default();
        options.push_buffer = 4;
        let config = server.url().parse().unwrap();
        let client = Client::connect_with(&config, options).await.unwrap();
        let mut slow = client.subscribe(&["firehose"]).await.unwrap();
        for i in 0..100 {
            client
                .call::<i64>(("PUBLISH", "firehose", i))
                .await
                .unwrap();
        }
        for i in 0..4 {
            assert_eq!(
                next_push(&mut slow).await,
                message("firehose", &i.to_string())
            );
        }
        client
            .call::<i64>(["PUBLISH", "firehose", "after"])
            .await
            .unwrap();
        assert_eq!(next_push(&mut slow).await, resp_tokio::Message::Lagged(96));
        assert_eq!(next_push(&mut slow).await, message("firehose", "after"));
    });
}

fn transactions_exec_abort_and_watch(through: Through) {
    let Some(server) = Target::start(through, &[]) else {
        return;
    };
    runtime().block_on(async {
        let client = Client::connect(&server.url()).await.unwrap();
        let mut body = Pipeline::new();
        body.command(["INCR", "t"])
            .command(["INCR", "t"])
            .command(["HGET", "t", "f"]);
        let results = client.transaction(&body).await.unwrap();
        assert_eq!(results[..2], [Frame::Integer(1), Frame::Integer(2)]);
        assert!(results[2].is_error(), "an error in its place");
        // A command refused while queuing: EXECABORT, nothing ran.
        let mut refused = Pipeline::new();
        refused.command(["INCR", "t"]).command(["GET"]);
        let error = client.transaction(&refused).await.unwrap_err();
        assert!(
            matches!(&error, ClientError::Server(text) if text.starts_with(b"EXECABORT")),
            "{error}"
        );
        assert_eq!(client.call::<i64>(["GET", "t"]).await.unwrap(), 2);

        // Another connection changes the watched key during the first
        // attempt: EXEC aborts, the second attempt runs.
        let other = Client::connect(&server.url()).await.unwrap();
        let attempts = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counted = attempts.clone();
        let results = client
            .watch_transaction(&["t"], 3, move |connection| {
                let other = other.clone();
                let attempts = counted.clone();
                async move {
                    let n: i64 = connection.call(["GET", "t"]).await?;
                    if attempts.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 0 {
                        other.call::<()>(("SET", "t", 100)).await?;
                    }
                    let mut commands = Pipeline::new();
                    commands.command(("SET", "t", n * 2));
                    Ok(commands)
                }
            })
            .await
            .unwrap();
        assert_eq!(results, [Frame::SimpleString("OK".into())]);
        assert_eq!(attempts.load(std::sync::atomic::Ordering::SeqCst), 2);
        assert_eq!(client.call::<i64>(["GET", "t"]).await.unwrap(), 200);
    });
}

/// Unsubscribing stops the server's messages, in both protocols.
fn unsubscribing_ends_the_messages(through: Through) {
    let Some(server) = Target::start(through, &[]) else {
        return;
    };
    runtime().block_on(async {
        for protocol in ["3", "2"] {
            let client = Client::connect(&server.url_speaking(protocol))
                .await
                .unwrap();
            let news = client.subscribe(&["news", "more"]).await.unwrap();
            assert_eq!(
                client.call::<i64>(["PUBLISH", "news", "x"]).await.unwrap(),
                1
            );
            news.unsubscribe().await.unwrap();
            assert_eq!(
                client.call::<i64>(["PUBLISH", "news", "x"]).await.unwrap(),
                0,
                "RESP{protocol}"
            );
            assert_eq!(
                client.call::<i64>(["PUBLISH", "more", "x"]).await.unwrap(),
                0
            );
        }
    });
}

/// A tracking invalidation arrives between replies and reaches the
/// tracking subscription, never a caller.
fn tracking_invalidations_arrive_between_replies(through: Through) {
    let Some(server) = Target::start(through, &[]) else {
        return;
    };
    runtime().block_on(async {
        let client = Client::connect(&server.url()).await.unwrap();
        let other = Client::connect(&server.url()).await.unwrap();
        let mut invalidations = client.tracking().await.unwrap();
        client.call::<()>(["SET", "cached", "1"]).await.unwrap();
        let _: i64 = client.call(["GET", "cached"]).await.unwrap();
        other.call::<()>(["SET", "cached", "2"]).await.unwrap();
        // Replies go on arriving in order while the invalidation comes in.
        let mut pipeline = Pipeline::new();
        for _ in 0..100 {
            pipeline.command(["GET", "cached"]);
        }
        let replies = client.pipeline(&pipeline).await.unwrap();
        assert!(replies.iter().all(|reply| *reply == Frame::from("2")));
        let resp_tokio::Message::Push(resp_core::Push::Invalidate(Some(keys))) =
            next_push(&mut invalidations).await
        else {
            panic!("not an invalidation")
        };
        assert_eq!(keys, [bytes::Bytes::from_static(b"cached")]);
        invalidations.unsubscribe().await.unwrap();
        let resp2 = Client::connect(&server.url_speaking("2")).await.unwrap();
        assert!(resp2.tracking().await.is_err());
    });
}

/// The setup through the client: a password, an ACL user, and a server
/// without HELLO (RESP2 then).
#[test]
fn the_client_sets_connections_up() {
    let Some(server) =
        RedisServer::start_with(&["--requirepass", "pw", "--rename-command", "HELLO", ""])
    else {
        return;
    };
    runtime().block_on(async {
        let port = server.port();
        // Without HELLO the server cannot say at setup that a password is
        // needed; the first command says it.
        let unauthenticated = Client::connect(&url(port)).await.unwrap();
        let error = unauthenticated.call::<()>(["PING"]).await.unwrap_err();
        assert!(
            matches!(&error, ClientError::Server(text) if text.starts_with(b"NOAUTH")),
            "{error}"
        );
        let client = Client::connect(&format!("redis://:pw@127.0.0.1:{port}/2?client_name=app"))
            .await
            .unwrap();
        assert_eq!(client.protocol(), resp_core::Protocol::Resp2);
        let name: String = client.call(["CLIENT", "GETNAME"]).await.unwrap();
        assert_eq!(name, "app");
        client
            .call::<()>(["ACL", "SETUSER", "u", "on", ">upw", "~*", "+@all"])
            .await
            .unwrap();
        let user = Client::connect(&format!("redis://u:upw@127.0.0.1:{port}"))
            .await
            .unwrap();
        let whoami: String = user.call(["ACL", "WHOAMI"]).await.unwrap();
        assert_eq!(whoami, "u");
    });
    let Some(guarded) = RedisServer::start_with(&["--requirepass", "pw"]) else {
        return;
    };
    runtime().block_on(async {
        // With HELLO, a missing password fails the setup itself.
        let error = Client::connect(&url(guarded.port())).await.unwrap_err();
        assert!(matches!(error, ClientError::Handshake(_)), "{error}");
        let client = Client::connect(&format!("redis://:pw@127.0.0.1:{}", guarded.port()))
            .await
            .unwrap();
        assert_eq!(client.protocol(), resp_core::Protocol::Resp3);
    });
}

fn a_100_mib_value_through_the_client(through: Through) {
    let Some(server) = Target::start(through, &["--proto-max-bulk-len", "200mb"]) else {
        return;
    };
    runtime().block_on(async {
        let client = Client::connect(&server.url()).await.unwrap();
        let value: Vec<u8> = (0..100 << 20).map(|i: u32| (i % 251) as u8).collect();
        client
            .call::<()>((&b"SET"[..], &b"big"[..], &value[..]))
            .await
            .unwrap();
        let back: bytes::Bytes = client.call(["GET", "big"]).await.unwrap();
        assert!(back[..] == value[..]);
    });
}

/// Shard channels, and a subscription read as a `Stream`.
fn shard_channels_and_the_stream_interface(through: Through) {
    use futures_util::StreamExt;
    let Some(server) = Target::start(through, &[]) else {
        return;
    };
    runtime().block_on(async {
        let client = Client::connect(&server.url()).await.unwrap();
        let mut shard = client.ssubscribe(&["orders"]).await.unwrap();
        assert_eq!(
            client
                .call::<i64>(["SPUBLISH", "orders", "o1"])
                .await
                .unwrap(),
            1
        );
        // Through the Stream impl, not the inherent next().
        let message = tokio::time::timeout(Duration::from_secs(5), StreamExt::next(&mut shard))
            .await
            .unwrap();
        let Some(resp_tokio::Message::Push(resp_core::Push::ShardMessage { channel, .. })) =
            message
        else {
            panic!("{message:?}")
        };
        assert_eq!(&channel[..], b"orders");
        shard.unsubscribe().await.unwrap();
        assert_eq!(
            client
                .call::<i64>(["SPUBLISH", "orders", "o2"])
                .await
                .unwrap(),
            0
        );
    });
}

#[test]
fn over_a_unix_socket() {
    let path = std::env::temp_dir().join(format!("resp-client-{}.sock", std::process::id()));
    let path_text = path.to_str().unwrap().to_owned();
    let Some(_server) =
        RedisServer::start_with(&["--unixsocket", &path_text, "--unixsocketperm", "700"])
    else {
        return;
    };
    runtime().block_on(async {
        let deadline = Instant::now() + Duration::from_secs(5);
        while !path.exists() {
            assert!(Instant::now() < deadline, "no socket at {path_text}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let client = Client::connect(&format!("unix://{path_text}?db=2"))
            .await
            .unwrap();
        client.call::<()>(["SET", "k", "over unix"]).await.unwrap();
        let back: String = client.call(["GET", "k"]).await.unwrap();
        assert_eq!(back, "over unix");
    });
}

/// Behind a stalled server, the queued-bytes bound holds: callers with
/// large requests wait for room and then time out, memory does not grow.
#[test]
fn the_queued_bytes_bound_holds() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let relay = Relay::start(server.port());
    runtime().block_on(async {
        let mut options = ClientOptions::default();
        options.response_timeout = Some(Duration::from_millis(300));
        options.max_queued_bytes = 1 << 20;
        let config = url(relay.port()).parse().unwrap();
        let client = Client::connect_with(&config, options).await.unwrap();
        client.call::<()>(["PING"]).await.unwrap();
        // A bare string is a command of one argument.
        assert_eq!(client.call::<String>("PING").await.unwrap(), "PONG");
        // A pipeline's replies convert as one, like a single call's.
        let mut pipeline = Pipeline::new();
        pipeline
            .command(("SET", "q", 1))
            .command(("INCR", "q"))
            .command(("GET", "q"));
        let ((), counter, text): ((), i64, String) = client.query(&pipeline).await.unwrap();
        assert_eq!((counter, text.as_str()), (2, "2"));
        relay.stall();
        // One value shared by every caller, so that what grows is the client.
        let value: &'static [u8] = Box::leak(vec![b'v'; 512 * 1024].into_boxed_slice());
        let before = resident_kib(std::process::id());
        let callers: Vec<_> = (0..50)
            .map(|_| {
                let client = client.clone();
                tokio::spawn(
                    async move { client.call::<()>((&b"SET"[..], &b"k"[..], value)).await },
                )
            })
            .collect();
        let started = Instant::now();
        tokio::time::sleep(Duration::from_millis(200)).await;
        // 50 requests of 512 KiB are 25 MiB; the client holds about 1 MiB
        // of them (the bound) and one write's worth.
        let grown = resident_kib(std::process::id()).saturating_sub(before);
        assert!(grown < 8 * 1024, "grew {grown} KiB");
        for caller in callers {
            assert!(caller.await.unwrap().is_err_and(|error| error.is_timeout()));
        }
        assert!(started.elapsed() < Duration::from_secs(3));
    });
}

/// A failed connect says where it tried.
#[test]
fn a_refused_connect_names_the_address() {
    let port = resp_test_support::free_port();
    runtime().block_on(async {
        let error = Client::connect(&url(port)).await.unwrap_err();
        let text = error.to_string();
        assert!(text.contains(&format!("127.0.0.1:{port}")), "{text}");
    });
}

/// A server's error reads as the server sent it, quotes unescaped.
#[test]
fn a_server_error_reads_as_the_server_sent_it() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    runtime().block_on(async {
        let client = Client::connect(&url(server.port())).await.unwrap();
        let error = client.call::<String>(["GET"]).await.unwrap_err();
        assert_eq!(
            error.to_string(),
            "ERR wrong number of arguments for 'get' command"
        );
        // A reply of another type than asked for names the command, what
        // was asked for and what came.
        let error = client.call::<i64>(("ECHO", "text")).await.unwrap_err();
        assert_eq!(
            error.to_string(),
            "the reply to ECHO: value is not a valid integer"
        );
        let error = client.call::<Vec<String>>(["PING"]).await.unwrap_err();
        assert!(
            matches!(&error, ClientError::Convert { command, .. } if command.as_bytes() == b"PING"),
            "{error:?}"
        );
        assert!(
            error
                .to_string()
                .starts_with("the reply to PING: expected "),
            "{error}"
        );
    });
}
