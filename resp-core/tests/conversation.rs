//! The client connection's conversation, scripted with bytes alone: the
//! setup and its RESP2 fallback, pipelines, pushes between replies,
//! subscriptions, callers that gave up, timeouts, transactions, and a cut
//! with written and unwritten requests in flight. Server bytes come from
//! the corpus captured from a real Redis 7 where one fits.

use proptest::prelude::*;
use resp_core::{
    ClientConnection, ConnectionConfig, ConnectionError, ConnectionEvent, ConnectionOptions,
    ErrorCause, Frame, Pipeline, Protocol, Token,
};
use std::path::PathBuf;
use std::time::Duration;

fn corpus(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../testdata")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

fn packed(args: &[&str]) -> Vec<u8> {
    let mut out = Vec::new();
    resp_core::pack_command(&mut out, args);
    out
}

/// The default options without the health check, whose deadline would
/// come first in tests of other deadlines.
fn unprobed() -> ConnectionOptions {
    let mut options = ConnectionOptions::default();
    options.health_check = None;
    options
}

/// A connection and the test's clock.
struct Script {
    connection: ClientConnection,
    now: Duration,
}

impl Script {
    fn new(url: &str, options: ConnectionOptions) -> Self {
        let config: ConnectionConfig = url.parse().unwrap();
        Self {
            connection: ClientConnection::new(&config, options, Duration::ZERO),
            now: Duration::ZERO,
        }
    }

    /// A RESP3 connection past its setup, with the `HELLO 3` reply Redis 7 gave.
    fn resp3() -> Self {
        let mut script = Self::new("redis://127.0.0.1", unprobed());
        assert_eq!(script.write_all(), packed(&["HELLO", "3"]));
        script.connection.receive(&corpus("resp3/hello.bin"));
        match script.events().as_slice() {
            [
                ConnectionEvent::Ready {
                    protocol: Protocol::Resp3,
                    server: Some(server),
                },
            ] => {
                assert_eq!(server.version.as_deref(), Some(&b"7.0.15"[..]));
            }
            other => panic!("{other:?}"),
        }
        script
    }

    /// A RESP2 connection, ready at once (no setup to send).
    fn resp2() -> Self {
        let mut script = Self::new("redis://127.0.0.1?protocol=2", unprobed());
        assert!(matches!(
            script.events().as_slice(),
            [ConnectionEvent::Ready {
                protocol: Protocol::Resp2,
                server: None
            }]
        ));
        script
    }

    fn send(&mut self, args: &[&str]) -> Token {
        self.connection.send(args, self.now)
    }

    /// Everything to transmit, written whole.
    fn write_all(&mut self) -> Vec<u8> {
        let bytes = self.connection.transmit().to_vec();
        self.connection.written(bytes.len());
        bytes
    }

    fn events(&mut self) -> Vec<ConnectionEvent> {
        std::iter::from_fn(|| self.connection.poll_event()).collect()
    }
}

fn replies(token: Token, frames: Vec<Frame>) -> ConnectionEvent {
    ConnectionEvent::Replies {
        token,
        replies: frames,
    }
}

fn failed_with(event: &ConnectionEvent) -> (Token, ErrorCause, bool) {
    match event {
        ConnectionEvent::Failed { token, error } => {
            (*token, error.cause().clone(), error.may_have_run())
        }
        other => panic!("expected a failure, got {other:?}"),
    }
}

#[test]
fn requests_queued_during_the_setup_go_out_after_it() {
    let mut script = Script::new("redis://:secret@127.0.0.1/2", ConnectionOptions::default());
    let early = script.send(&["GET", "k"]);
    // Only the setup goes out while it runs.
    let hello = script.write_all();
    assert!(hello.starts_with(b"*5\r\n$5\r\nHELLO\r\n$1\r\n3\r\n$4\r\nAUTH\r\n"));
    script.connection.receive(&corpus("resp3/hello.bin"));
    assert_eq!(script.write_all(), packed(&["SELECT", "2"]));
    assert!(script.events().is_empty());
    script.connection.receive(b"+OK\r\n");
    assert!(matches!(
        script.events()[..],
        [ConnectionEvent::Ready {
            protocol: Protocol::Resp3,
            ..
        }]
    ));
    assert_eq!(script.write_all(), packed(&["GET", "k"]));
    script.connection.receive(b"$1\r\nv\r\n");
    assert_eq!(script.events(), [replies(early, vec![Frame::from("v")])]);
}

#[test]
fn a_server_without_resp3_is_set_up_the_resp2_way() {
    let mut script = Script::new(
        "redis://user:pw@127.0.0.1?client_name=app",
        ConnectionOptions::default(),
    );
    let early = script.send(&["PING"]);
    script.write_all();
    script
        .connection
        .receive(b"-ERR unknown command 'HELLO', with args beginning with: '3' \r\n");
    assert_eq!(script.write_all(), packed(&["AUTH", "user", "pw"]));
    script.connection.receive(b"+OK\r\n");
    assert_eq!(script.write_all(), packed(&["CLIENT", "SETNAME", "app"]));
    script.connection.receive(b"+OK\r\n");
    assert!(matches!(
        script.events()[..],
        [ConnectionEvent::Ready {
            protocol: Protocol::Resp2,
            server: None
        }]
    ));
    assert_eq!(script.connection.protocol(), Protocol::Resp2);
    assert_eq!(script.write_all(), packed(&["PING"]));
    script.connection.receive(b"+PONG\r\n");
    assert_eq!(
        script.events(),
        [replies(early, vec![Frame::SimpleString("PONG".into())])]
    );
}

#[test]
fn a_refused_setup_fails_what_waits_and_closes() {
    let mut script = Script::new("redis://:wrong@127.0.0.1", ConnectionOptions::default());
    let early = script.send(&["GET", "k"]);
    script.write_all();
    script
        .connection
        .receive(b"-WRONGPASS invalid username-password pair or user is disabled.\r\n");
    let events = script.events();
    assert_eq!(failed_with(&events[0]).0, early);
    assert!(!failed_with(&events[0]).2, "never sent");
    match &events[1] {
        ConnectionEvent::Closed(error) => {
            assert!(matches!(error.cause(), ErrorCause::Setup(_)));
            assert!(error.to_string().contains("WRONGPASS"), "{error}");
        }
        other => panic!("{other:?}"),
    }
    assert!(script.connection.is_closed());
    // A request after the end fails at once, unsent.
    let late = script.send(&["PING"]);
    assert_eq!(
        failed_with(&script.events()[0]),
        (late, ErrorCause::Closed, false)
    );
    assert!(script.connection.transmit().is_empty());
}

#[test]
fn a_setup_that_runs_out_of_time_says_so() {
    let mut script = Script::new("redis://127.0.0.1", ConnectionOptions::default());
    script.write_all();
    assert_eq!(
        script.connection.next_deadline(),
        Some(Duration::from_secs(10))
    );
    script.connection.handle_timeout(Duration::from_secs(9));
    assert!(script.events().is_empty());
    script.connection.handle_timeout(Duration::from_secs(10));
    match &script.events()[..] {
        [ConnectionEvent::Closed(error)] => {
            assert_eq!(error.cause(), &ErrorCause::SetupTimeout);
            assert!(error.to_string().contains("setup"), "{error}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_pipeline_gets_every_reply_in_place_in_one_event() {
    let mut script = Script::resp3();
    let mut pipeline = Pipeline::new();
    pipeline
        .command(["SET", "k", "v"])
        .command(["INCR", "k"])
        .command(["GET", "k"]);
    let token = script.connection.send_pipeline(&pipeline, script.now);
    assert_eq!(script.write_all(), pipeline.as_bytes());
    script
        .connection
        .receive(b"+OK\r\n-ERR value is not an integer or out of range\r\n");
    assert!(script.events().is_empty(), "the pipeline is not complete");
    script.connection.receive(b"$1\r\nv\r\n");
    assert_eq!(
        script.events(),
        [replies(
            token,
            vec![
                Frame::SimpleString("OK".into()),
                Frame::SimpleError("ERR value is not an integer or out of range".into()),
                Frame::from("v"),
            ]
        )]
    );
}

#[test]
fn pushes_between_replies_are_told_apart() {
    let mut script = Script::resp3();
    let first = script.send(&["GET", "a"]);
    let second = script.send(&["GET", "b"]);
    script.write_all();
    let invalidate = b">2\r\n$10\r\ninvalidate\r\n*1\r\n$1\r\na\r\n";
    let mut server = b"$1\r\n1\r\n".to_vec();
    server.extend_from_slice(invalidate);
    server.extend_from_slice(b"$1\r\n2\r\n");
    script.connection.receive(&server);
    let events = script.events();
    assert_eq!(events[0], replies(first, vec![Frame::from("1")]));
    assert!(matches!(&events[1], ConnectionEvent::Push(frame) if frame.is_push()));
    assert_eq!(events[2], replies(second, vec![Frame::from("2")]));
}

#[test]
fn a_subscription_is_answered_by_its_confirmation_and_messages_are_pushes() {
    for (protocol, mut script) in [("resp3", Script::resp3()), ("resp2", Script::resp2())] {
        // The captured session: SUBSCRIBE ch, a message, PING, UNSUBSCRIBE.
        let subscribe = script.send(&["SUBSCRIBE", "ch"]);
        let ping = script.send(&["PING"]);
        let unsubscribe = script.send(&["UNSUBSCRIBE"]);
        assert_eq!(
            script.write_all(),
            corpus(&format!("{protocol}/subscribe_publish.req"))
        );
        script
            .connection
            .receive(&corpus(&format!("{protocol}/subscribe_publish.bin")));
        let events = script.events();
        assert_eq!(events.len(), 4, "{protocol}: {events:?}");
        assert!(
            matches!(&events[0], ConnectionEvent::Replies { token, .. } if *token == subscribe)
        );
        assert!(
            matches!(&events[1], ConnectionEvent::Push(_)),
            "{protocol}: {events:?}"
        );
        assert!(matches!(&events[2], ConnectionEvent::Replies { token, .. } if *token == ping));
        assert!(
            matches!(&events[3], ConnectionEvent::Replies { token, .. } if *token == unsubscribe)
        );
    }
}

#[test]
fn a_subscription_of_several_channels_completes_with_its_last_confirmation() {
    let mut script = Script::resp2();
    let subscribe = script.send(&["SUBSCRIBE", "a", "b"]);
    script.write_all();
    script
        .connection
        .receive(b"*3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n");
    assert!(script.events().is_empty());
    script
        .connection
        .receive(b"*3\r\n$9\r\nsubscribe\r\n$1\r\nb\r\n:2\r\n");
    match &script.events()[..] {
        [ConnectionEvent::Replies { token, replies }] => {
            assert_eq!(*token, subscribe);
            assert_eq!(replies[0].items().unwrap()[1], Frame::from("b"));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_caller_that_gave_up_never_gets_another_reply() {
    let mut script = Script::resp3();
    let dropped = script.send(&["GET", "slow"]);
    let next = script.send(&["GET", "next"]);
    script.write_all();
    script.connection.abandon(dropped);
    script.connection.receive(b"$4\r\nslow\r\n$4\r\nnext\r\n");
    assert_eq!(script.events(), [replies(next, vec![Frame::from("next")])]);
    // Abandoned before it went out: it never does.
    let never = script.send(&["GET", "never"]);
    script.connection.abandon(never);
    let after = script.send(&["GET", "after"]);
    let written = script.write_all();
    assert!(
        !written.windows(5).any(|w| w == b"never"),
        "{}",
        written.escape_ascii()
    );
    assert_eq!(written, packed(&["GET", "after"]));
    script.connection.receive(b"$5\r\nafter\r\n");
    assert_eq!(
        script.events(),
        [replies(after, vec![Frame::from("after")])]
    );
}

#[test]
fn a_request_past_its_deadline_fails_and_its_late_reply_is_dropped() {
    let mut options = ConnectionOptions::default();
    options.response_timeout = Some(Duration::from_millis(500));
    let mut script = Script::new("redis://127.0.0.1?protocol=2", options);
    script.events();
    let slow = script.send(&["GET", "slow"]);
    script.write_all();
    script.now = Duration::from_millis(300);
    let next = script.send(&["GET", "next"]);
    script.write_all();
    // Queued behind a stalled write: it times out unsent, and is never sent.
    script.now = Duration::from_millis(400);
    let stuck = script.send(&["INCR", "never"]);
    assert_eq!(
        script.connection.next_deadline(),
        Some(Duration::from_millis(500))
    );
    script.connection.handle_timeout(Duration::from_millis(500));
    let events = script.events();
    assert_eq!(failed_with(&events[0]), (slow, ErrorCause::Timeout, true));
    assert!(
        !script.connection.is_closed(),
        "a timeout ends only its request"
    );
    assert_eq!(
        script.connection.next_deadline(),
        Some(Duration::from_millis(800))
    );
    script.connection.handle_timeout(Duration::from_millis(900));
    let events = script.events();
    assert_eq!(failed_with(&events[0]), (next, ErrorCause::Timeout, true));
    assert_eq!(failed_with(&events[1]), (stuck, ErrorCause::Timeout, false));
    assert!(
        script.connection.transmit().is_empty(),
        "the unsent request left the buffer"
    );
    // The late replies are read and dropped; the connection carries on.
    script.connection.receive(b"$4\r\nslow\r\n$4\r\nnext\r\n");
    assert!(script.events().is_empty());
    let later = script.send(&["GET", "later"]);
    assert_eq!(script.write_all(), packed(&["GET", "later"]));
    script.connection.receive(b"$5\r\nlater\r\n");
    assert_eq!(
        script.events(),
        [replies(later, vec![Frame::from("later")])]
    );
}

#[test]
fn blocking_commands_add_their_own_wait_to_the_deadline() {
    let mut script = Script::resp2();
    // 30 s response timeout + 2 s of BLPOP + 1 s margin.
    script.send(&["BLPOP", "q", "2"]);
    assert_eq!(
        script.connection.next_deadline(),
        Some(Duration::from_secs(33))
    );
    // In a pipeline, each blocking command adds its wait: they run in turn.
    let mut script = Script::resp2();
    let mut pipeline = Pipeline::new();
    pipeline
        .command(["BLPOP", "q", "2"])
        .command(["GET", "k"])
        .command(["XREAD", "BLOCK", "500", "STREAMS", "s", "$"]);
    script.connection.send_pipeline(&pipeline, Duration::ZERO);
    assert_eq!(
        script.connection.next_deadline(),
        Some(Duration::from_millis(30_000 + 2_000 + 1_000 + 500 + 1_000))
    );
    // Without a limit: no deadline at all.
    let mut script = Script::resp2();
    script.send(&["BLPOP", "q", "0"]);
    assert_eq!(script.connection.next_deadline(), None);
}

#[test]
fn a_transaction_is_a_pipeline_whose_exec_holds_the_replies() {
    let mut script = Script::resp3();
    let mut pipeline = Pipeline::new();
    pipeline
        .multi()
        .command(["SET", "k", "1"])
        .command(["INCR", "k"])
        .exec();
    let token = script.connection.send_pipeline(&pipeline, script.now);
    script.write_all();
    script
        .connection
        .receive(b"+OK\r\n+QUEUED\r\n+QUEUED\r\n*2\r\n+OK\r\n:2\r\n");
    match &script.events()[..] {
        [
            ConnectionEvent::Replies {
                token: got,
                replies,
            },
        ] => {
            assert_eq!(*got, token);
            assert_eq!(replies.len(), 4);
            assert_eq!(replies[3].items().unwrap()[1], Frame::Integer(2));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_cut_fails_written_requests_as_maybe_run_and_unwritten_ones_as_not_sent() {
    let mut script = Script::resp3();
    let answered = script.send(&["INCR", "a"]);
    let written = script.send(&["INCR", "b"]);
    let partly = script.send(&["INCR", "c"]);
    let unwritten = script.send(&["INCR", "d"]);
    let one = packed(&["INCR", "a"]).len();
    // Two whole requests and part of the third reach the wire.
    script.connection.written(2 * one + 3);
    script.connection.receive(b":1\r\n");
    assert_eq!(
        script.events(),
        [replies(answered, vec![Frame::Integer(1)])]
    );
    script.connection.connection_lost();
    let events = script.events();
    assert_eq!(
        failed_with(&events[0]),
        (written, ErrorCause::ConnectionLost, true)
    );
    assert_eq!(
        failed_with(&events[1]),
        (partly, ErrorCause::ConnectionLost, true)
    );
    assert_eq!(
        failed_with(&events[2]),
        (unwritten, ErrorCause::ConnectionLost, false)
    );
    assert!(matches!(&events[3], ConnectionEvent::Closed(_)));
    assert_eq!(events.len(), 4);
}

#[test]
fn a_server_gone_mid_reply_says_so() {
    let mut script = Script::resp3();
    let token = script.send(&["GET", "big"]);
    script.write_all();
    script.connection.receive(b"$1000\r\nonly part");
    assert!(script.connection.size_hint() >= 990);
    script.connection.connection_lost();
    let events = script.events();
    assert_eq!(
        failed_with(&events[0]),
        (token, ErrorCause::ClosedMidReply, true)
    );
    assert!(failed_with(&events[0]).1 == ErrorCause::ClosedMidReply);
}

#[test]
fn a_reply_nobody_asked_for_or_bytes_that_are_not_resp_end_the_connection() {
    let mut script = Script::resp3();
    script.connection.receive(b"+surprise\r\n");
    assert!(
        matches!(&script.events()[..], [ConnectionEvent::Closed(error)] if error.cause() == &ErrorCause::Unexpected)
    );

    let mut script = Script::resp3();
    let token = script.send(&["GET", "k"]);
    script.write_all();
    script.connection.receive(b"?what\r\n");
    let events = script.events();
    let (failed, cause, may_have_run) = failed_with(&events[0]);
    assert_eq!(failed, token);
    assert!(matches!(cause, ErrorCause::Protocol(_)), "{cause:?}");
    assert!(may_have_run);
}

#[test]
fn raw_requests_get_their_replies_as_the_bytes_that_came() {
    let config: ConnectionConfig = "redis://127.0.0.1?protocol=2".parse().unwrap();
    let mut connection =
        ClientConnection::new_raw(&config, ConnectionOptions::default(), Duration::ZERO);
    assert!(matches!(
        connection.poll_event(),
        Some(ConnectionEvent::Ready { .. })
    ));
    // An inline command, as a proxy's client may send it.
    let inline = b"GET k\r\n";
    let token = connection.send_raw(inline, &[&["GET", "k"][..]], Duration::ZERO);
    assert_eq!(connection.transmit(), inline);
    connection.written(inline.len());
    let reply = b"$5\r\nhello\r\n";
    // Split anywhere, the bytes come back whole and unchanged.
    connection.receive(&reply[..3]);
    assert_eq!(connection.poll_event(), None);
    connection.receive(&reply[3..]);
    assert_eq!(
        connection.poll_event(),
        Some(ConnectionEvent::RawReplies {
            token,
            bytes: reply[..].into()
        })
    );
    // A subscription on a raw RESP2 connection: confirmations answer it,
    // messages are raw pushes.
    let subscribe = b"*2\r\n$9\r\nSUBSCRIBE\r\n$2\r\nch\r\n";
    let token = connection.send_raw(subscribe, &[&["SUBSCRIBE", "ch"][..]], Duration::ZERO);
    connection.written(subscribe.len());
    let confirmation = b"*3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n";
    let message = b"*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n";
    connection.receive(confirmation);
    connection.receive(message);
    assert_eq!(
        connection.poll_event(),
        Some(ConnectionEvent::RawReplies {
            token,
            bytes: confirmation[..].into()
        })
    );
    assert_eq!(
        connection.poll_event(),
        Some(ConnectionEvent::RawPush(message[..].into()))
    );
}

/// A raw RESP2 connection past its setup.
fn raw_resp2(options: ConnectionOptions) -> ClientConnection {
    let config: ConnectionConfig = "redis://127.0.0.1?protocol=2".parse().unwrap();
    let mut connection = ClientConnection::new_raw(&config, options, Duration::ZERO);
    assert!(matches!(
        connection.poll_event(),
        Some(ConnectionEvent::Ready { .. })
    ));
    connection
}

#[test]
fn a_huge_raw_reply_is_handed_on_in_parts_and_a_cut_after_a_part_fails_its_request() {
    let mut options = ConnectionOptions::default();
    options.raw_pass_on = 1000;
    let mut connection = raw_resp2(options);
    let get = b"*2\r\n$3\r\nGET\r\n$3\r\nbig\r\n";
    let token = connection.send_raw_counted(get, 1, Duration::ZERO);
    connection.written(get.len());
    // A 5,000-byte value arriving 700 bytes at a time: never more than
    // about one threshold and one read held, every byte handed on once.
    // Its bytes include `>`, which only starts a push at a frame's start.
    let mut reply = b"$5000\r\n".to_vec();
    reply.extend((0..5000).map(|i| b">v|"[i % 3]));
    reply.extend_from_slice(b"\r\n");
    let mut handed = Vec::new();
    let mut parts = 0;
    for piece in reply.chunks(700) {
        connection.receive(piece);
        while let Some(event) = connection.poll_event() {
            match event {
                ConnectionEvent::RawPart { token: of, bytes } => {
                    assert_eq!(of, token);
                    assert!(bytes.len() < 1000 + 700, "{}", bytes.len());
                    parts += 1;
                    handed.extend_from_slice(&bytes);
                }
                ConnectionEvent::RawReplies { token: of, bytes } => {
                    assert_eq!(of, token);
                    handed.extend_from_slice(&bytes);
                }
                other => panic!("{other:?}"),
            }
        }
    }
    assert!(parts >= 3, "{parts} parts");
    assert_eq!(handed, reply);

    // The next one is cut after its first part: it fails, and says it ran.
    let token = connection.send_raw_counted(get, 1, Duration::ZERO);
    connection.written(get.len());
    connection.receive(&reply[..2000]);
    assert!(matches!(
        connection.poll_event(),
        Some(ConnectionEvent::RawPart { .. })
    ));
    connection.connection_lost();
    match connection.poll_event() {
        Some(ConnectionEvent::Failed { token: of, error }) => {
            assert_eq!(of, token);
            assert!(error.may_have_run());
            assert!(matches!(error.cause(), ErrorCause::ClosedMidReply));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_raw_request_passed_on_as_it_arrives_is_one_request() {
    let mut connection = raw_resp2(ConnectionOptions::default());
    let head = b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$6\r\nab";
    let token = connection.send_raw(head, &[&["SET", "k"][..]], Duration::ZERO);
    connection.written(13);
    assert!(connection.append_raw(token, b"cd"));
    assert!(connection.append_raw(token, b"ef\r\n"));
    assert_eq!(connection.transmit(), &b"$1\r\nk\r\n$6\r\nabcdef\r\n"[..]);
    // Only the last request can grow.
    let ping = connection.send_raw_counted(b"PING\r\n", 1, Duration::ZERO);
    assert!(!connection.append_raw(token, b"more"));
    connection.written(connection.transmit().len());
    connection.receive(b"+OK\r\n+PONG\r\n");
    assert_eq!(
        connection.poll_event(),
        Some(ConnectionEvent::RawReplies {
            token,
            bytes: b"+OK\r\n"[..].into()
        })
    );
    assert_eq!(
        connection.poll_event(),
        Some(ConnectionEvent::RawReplies {
            token: ping,
            bytes: b"+PONG\r\n"[..].into()
        })
    );
}

/// Answers the readiness `PING` that ends a renewed connection's setup.
fn answer_ready_probe(next: &mut ClientConnection) {
    assert_eq!(next.transmit(), packed(&["PING"]), "the readiness probe");
    next.written(next.transmit().len());
    next.receive(b"+PONG\r\n");
}

/// What a cut leaves to a new connection: reads go again, under their own
/// tokens and in their order; writes, transactions and blocking reads fail
/// saying they may have run; nothing unwritten is lost.
fn cut_and_reconnect(retry_reads: bool) -> (Vec<ConnectionEvent>, Vec<u8>, Vec<Token>, Vec<Token>) {
    let mut options = ConnectionOptions::default();
    options.retry_reads = retry_reads;
    let config: ConnectionConfig = "redis://127.0.0.1".parse().unwrap();
    let mut script = Script {
        connection: ClientConnection::new(&config, options, Duration::ZERO),
        now: Duration::ZERO,
    };
    script.write_all();
    script.connection.receive(&corpus("resp3/hello.bin"));
    script.events();
    let answered = script.send(&["GET", "a"]);
    let read = script.send(&["GET", "b"]);
    let write = script.send(&["SET", "c", "v"]);
    let mut transaction = Pipeline::new();
    transaction
        .command(["MULTI"])
        .command(["GET", "x"])
        .command(["EXEC"]);
    let multi = script.connection.send_pipeline(&transaction, script.now);
    let blocking = script.send(&["BLPOP", "q", "1"]);
    let half = script.send(&["GET", "p"]);
    let half_len = packed(&["GET", "p"]).len();
    let all = script.connection.transmit().len();
    // Everything up to the middle of GET p goes out.
    script.connection.written(all - half_len / 2);
    let unwritten = script.send(&["GET", "d"]);
    script.connection.receive(b"$1\r\n1\r\n");
    assert_eq!(script.events(), [replies(answered, vec![Frame::from("1")])]);

    let mut next = script.connection.reconnect(&config);
    next.stream_opened(script.now);
    let mut events: Vec<ConnectionEvent> = std::iter::from_fn(|| next.poll_event()).collect();
    let setup = next.transmit().to_vec();
    assert_eq!(setup, packed(&["HELLO", "3"]));
    next.written(setup.len());
    next.receive(&corpus("resp3/hello.bin"));
    answer_ready_probe(&mut next);
    events.extend(std::iter::from_fn(|| next.poll_event()));
    let resent = next.transmit().to_vec();
    let again: Vec<Token> = if retry_reads {
        vec![read, half, unwritten]
    } else {
        vec![unwritten]
    };
    let failed: Vec<Token> = if retry_reads {
        vec![write, multi, blocking]
    } else {
        vec![read, write, multi, blocking, half]
    };
    // The requests sent again get their replies under their own tokens.
    next.written(resent.len());
    for token in &again {
        next.receive(b"+again\r\n");
        assert_eq!(
            next.poll_event(),
            Some(replies(*token, vec![Frame::SimpleString("again".into())]))
        );
    }
    // A new request gets a token of its own.
    let later = next.send(("GET", "later"), script.now);
    assert!(!again.contains(&later) && !failed.contains(&later) && later != answered);
    (events, resent, again, failed)
}

#[test]
fn after_a_cut_only_what_is_safe_goes_again() {
    for retry_reads in [true, false] {
        let (events, resent, again, failed) = cut_and_reconnect(retry_reads);
        let failures: Vec<Token> = events
            .iter()
            .filter_map(|event| match event {
                ConnectionEvent::Failed { token, error } => {
                    assert!(error.may_have_run(), "{error}");
                    Some(*token)
                }
                _ => None,
            })
            .collect();
        assert_eq!(failures, failed, "retry_reads {retry_reads}");
        assert!(
            events
                .iter()
                .any(|event| matches!(event, ConnectionEvent::Ready { .. }))
        );
        let mut expected = Vec::new();
        if retry_reads {
            expected.extend(packed(&["GET", "b"]));
            expected.extend(packed(&["GET", "p"]));
        }
        expected.extend(packed(&["GET", "d"]));
        assert_eq!(resent, expected, "retry_reads {retry_reads}");
        assert_eq!(again.len(), if retry_reads { 3 } else { 1 });
    }
}

#[test]
fn written_reads_are_kept_for_a_retry_only_up_to_a_bound() {
    let config: ConnectionConfig = "redis://127.0.0.1?protocol=2".parse().unwrap();
    let mut connection =
        ClientConnection::new(&config, ConnectionOptions::default(), Duration::ZERO);
    connection.poll_event();
    let key = "k".repeat(100_000);
    // Twelve reads of 100 KB keys, written in one go: past the 1 MiB kept.
    let reads: Vec<Token> = (0..12)
        .map(|_| connection.send(("GET", key.as_str()), Duration::ZERO))
        .collect();
    connection.written(connection.transmit().len());
    let small = connection.send(("GET", "small"), Duration::ZERO);
    connection.written(connection.transmit().len());
    let mut next = connection.reconnect(&config);
    let failed: Vec<Token> = std::iter::from_fn(|| next.poll_event())
        .filter_map(|event| match event {
            ConnectionEvent::Failed { token, .. } => Some(token),
            _ => None,
        })
        .collect();
    // The big ones were let go; the small one written after is kept.
    assert_eq!(failed, reads);
    answer_ready_probe(&mut next);
    assert_eq!(next.transmit(), packed(&["GET", "small"]));
    let _ = small;
}

/// A connection subscribed to channels, a pattern and shard channels, cut:
/// the new one says pushes were missed, then renews every subscription
/// after its setup and before the requests that go again, its
/// confirmations answering nobody; messages flow again.
#[test]
fn a_new_connection_renews_the_subscriptions_the_server_confirmed() {
    for (url, protocol) in [
        ("redis://127.0.0.1", Protocol::Resp3),
        ("redis://127.0.0.1?protocol=2", Protocol::Resp2),
    ] {
        let config: ConnectionConfig = url.parse().unwrap();
        let mut script = match protocol {
            Protocol::Resp3 => Script::resp3(),
            _ => Script::resp2(),
        };
        let confirm = |kind: &str, name: &str, count: i64| -> Vec<u8> {
            let frame = Frame::Array(vec![kind.into(), name.into(), Frame::Integer(count)]);
            let frame = match protocol {
                Protocol::Resp3 => Frame::Push(frame.into_items().unwrap()),
                _ => frame,
            };
            frame.encode_to_vec().unwrap()
        };
        script.send(&["SUBSCRIBE", "a", "b"]);
        script.send(&["PSUBSCRIBE", "p*"]);
        script.send(&["SSUBSCRIBE", "s1", "s2"]);
        script.write_all();
        for (kind, name, count) in [
            ("subscribe", "a", 1),
            ("subscribe", "b", 2),
            ("psubscribe", "p*", 3),
            ("ssubscribe", "s1", 1),
        ] {
            script.connection.receive(&confirm(kind, name, count));
        }
        // s2's confirmation never came: it is not renewed.
        script.events();
        let get = script.send(&["GET", "k"]);
        script.write_all();

        let mut next = script.connection.reconnect(&config);
        next.stream_opened(script.now);
        let mut events: Vec<ConnectionEvent> = std::iter::from_fn(|| next.poll_event()).collect();
        if protocol == Protocol::Resp3 {
            assert_eq!(next.transmit(), packed(&["HELLO", "3"]));
            next.written(next.transmit().len());
            next.receive(&corpus("resp3/hello.bin"));
        }
        answer_ready_probe(&mut next);
        events.extend(std::iter::from_fn(|| next.poll_event()));
        // SSUBSCRIBE s2 was still waiting: it may have run, and fails.
        assert!(
            matches!(&events[0], ConnectionEvent::Failed { error, .. } if error.may_have_run())
        );
        assert_eq!(events[1], ConnectionEvent::PushesMissed, "{protocol:?}");
        assert!(matches!(events[2], ConnectionEvent::Ready { .. }));
        let mut expected = packed(&["SUBSCRIBE", "a", "b"]);
        expected.extend(packed(&["PSUBSCRIBE", "p*"]));
        expected.extend(packed(&["SSUBSCRIBE", "s1"]));
        expected.extend(packed(&["GET", "k"]));
        assert_eq!(next.transmit(), expected, "{protocol:?}");
        next.written(expected.len());
        for (kind, name, count) in [
            ("subscribe", "a", 1),
            ("subscribe", "b", 2),
            ("psubscribe", "p*", 3),
            ("ssubscribe", "s1", 1),
        ] {
            next.receive(&confirm(kind, name, count));
        }
        next.receive(b"$1\r\nv\r\n");
        let message = Frame::Array(vec!["message".into(), "a".into(), "hi".into()]);
        let message = match protocol {
            Protocol::Resp3 => Frame::Push(message.into_items().unwrap()),
            _ => message,
        };
        next.receive(&message.encode_to_vec().unwrap());
        let events: Vec<ConnectionEvent> = std::iter::from_fn(|| next.poll_event()).collect();
        assert_eq!(
            events,
            [
                replies(get, vec![Frame::from("v")]),
                ConnectionEvent::Push(message)
            ],
            "{protocol:?}"
        );
    }
}

/// Silence past the idle time brings a `PING`; its reply is dropped and
/// the next probe comes an idle time later. Silence past the probe's
/// deadline breaks the connection: a reconnecting adapter is told, and the
/// requests in flight go again or fail as after any cut.
#[test]
fn the_health_check_probes_a_quiet_connection_and_gives_up_on_a_silent_one() {
    let second = Duration::from_secs(1);
    let mut options = ConnectionOptions::default();
    options.health_check = Some(5 * second);
    options.health_check_timeout = 2 * second;
    options.response_timeout = None;
    let config: ConnectionConfig = "redis://127.0.0.1?protocol=2".parse().unwrap();
    let mut connection = ClientConnection::new(&config, options.clone(), Duration::ZERO);
    connection.poll_event();
    assert_eq!(connection.next_deadline(), Some(5 * second));
    connection.handle_timeout(5 * second);
    assert_eq!(connection.transmit(), packed(&["PING"]));
    connection.written(connection.transmit().len());
    assert_eq!(connection.next_deadline(), Some(7 * second));
    connection.receive(b"+PONG\r\n");
    assert_eq!(
        connection.poll_event(),
        None,
        "the probe's reply is nobody's"
    );
    connection.handle_timeout(7 * second);
    assert!(!connection.is_broken());
    assert_eq!(connection.next_deadline(), Some(12 * second));

    // Requests in flight, and not a byte back.
    let read = connection.send(("GET", "k"), 8 * second);
    let write = connection.send(("INCR", "n"), 8 * second);
    connection.written(connection.transmit().len());
    connection.handle_timeout(12 * second);
    assert_eq!(
        connection.transmit(),
        packed(&["PING"]),
        "probed behind them"
    );
    connection.written(connection.transmit().len());
    connection.handle_timeout(14 * second);
    assert!(connection.is_broken());
    assert_eq!(connection.next_deadline(), None);
    let mut next = connection.reconnect(&config);
    next.stream_opened(14 * second);
    assert_eq!(
        next.poll_event(),
        Some(ConnectionEvent::Failed {
            token: write,
            error: ConnectionError::new(ErrorCause::Unresponsive, true)
        })
    );
    answer_ready_probe(&mut next);
    assert_eq!(next.transmit(), packed(&["GET", "k"]));
    let _ = read;

    // Without reconnects the connection closes itself.
    options.reconnect = None;
    let mut connection = ClientConnection::new(&config, options, Duration::ZERO);
    connection.poll_event();
    let waiting = connection.send(("GET", "k"), Duration::ZERO);
    connection.written(connection.transmit().len());
    connection.handle_timeout(5 * second);
    connection.handle_timeout(7 * second);
    assert!(connection.is_closed());
    assert_eq!(
        connection.poll_event(),
        Some(ConnectionEvent::Failed {
            token: waiting,
            error: ConnectionError::new(ErrorCause::Unresponsive, true)
        })
    );
}

/// A restarted server accepts connections while it loads its data, and
/// answers all but the setup with `LOADING`: the renewed connection's
/// readiness `PING` finds that, the connection breaks (the adapter tries
/// again after its backoff), and nothing held is sent or failed.
#[test]
fn a_server_still_loading_is_tried_again_with_nothing_lost() {
    let config: ConnectionConfig = "redis://127.0.0.1?protocol=2".parse().unwrap();
    let mut connection = ClientConnection::new(&config, unprobed(), Duration::ZERO);
    connection.poll_event();
    let incr = connection.send(("INCR", "n"), Duration::ZERO);
    let mut next = connection.reconnect(&config);
    next.stream_opened(Duration::ZERO);
    // The setup's own bytes are not the callers': they count no queue.
    assert_eq!(next.queued_bytes(), packed(&["INCR", "n"]).len());
    assert_eq!(next.transmit(), packed(&["PING"]));
    next.written(next.transmit().len());
    next.receive(b"-LOADING Redis is loading the dataset in memory\r\n");
    assert!(next.is_broken());
    assert_eq!(next.poll_event(), Some(ConnectionEvent::PushesMissed));
    assert_eq!(next.poll_event(), None, "nothing failed");
    let mut after = next.reconnect(&config);
    after.stream_opened(Duration::ZERO);
    answer_ready_probe(&mut after);
    let events: Vec<ConnectionEvent> = std::iter::from_fn(|| after.poll_event()).collect();
    assert!(
        matches!(events.last(), Some(ConnectionEvent::Ready { .. })),
        "{events:?}"
    );
    assert_eq!(after.transmit(), packed(&["INCR", "n"]));
    after.written(after.transmit().len());
    after.receive(b":1\r\n");
    assert_eq!(
        after.poll_event(),
        Some(replies(incr, vec![Frame::Integer(1)]))
    );
}

/// A blocking command may keep the server silent as long as it likes:
/// no probe goes out behind it.
#[test]
fn a_blocking_command_is_never_taken_for_a_dead_server() {
    let second = Duration::from_secs(1);
    let mut options = ConnectionOptions::default();
    options.health_check = Some(5 * second);
    let config: ConnectionConfig = "redis://127.0.0.1?protocol=2".parse().unwrap();
    let mut connection = ClientConnection::new(&config, options, Duration::ZERO);
    connection.poll_event();
    connection.send(("BLPOP", "q", 0), Duration::ZERO);
    connection.written(connection.transmit().len());
    for at in [5, 10, 60, 600] {
        connection.handle_timeout(at * second);
        assert!(connection.transmit().is_empty() && !connection.is_broken());
    }
}

/// A streamed bulk reply comes in parts, in order around pushes and the
/// replies of other requests; a null comes as it is; and once parts were
/// handed on, a cut fails the request rather than sending it again.
#[test]
fn a_streamed_reply_comes_in_parts_in_its_place() {
    let mut script = Script::resp3();
    let before = script.send(&["GET", "a"]);
    let streamed = script
        .connection
        .send_streamed(("GET", "big"), None, script.now);
    let missing = script
        .connection
        .send_streamed(("GET", "none"), None, script.now);
    let after = script.send(&["GET", "b"]);
    script.write_all();
    let mut bytes =
        b"$1\r\n1\r\n>2\r\n$10\r\ninvalidate\r\n_\r\n$6\r\nabcdef\r\n_\r\n$1\r\n2\r\n".to_vec();
    // Byte by byte: nothing depends on how the bytes are cut.
    let mut events = Vec::new();
    for byte in bytes.drain(..) {
        script.connection.receive(&[byte]);
        events.extend(script.events());
    }
    let mut payload = Vec::new();
    let mut rest = Vec::new();
    for event in events {
        match event {
            ConnectionEvent::ReplyPart { token, bytes } => {
                assert_eq!(token, streamed);
                assert!(
                    rest.len() == 2,
                    "parts come after the push, in the reply's place"
                );
                payload.extend_from_slice(&bytes);
            }
            other => rest.push(other),
        }
    }
    assert_eq!(payload, b"abcdef");
    assert_eq!(
        rest,
        [
            replies(before, vec![Frame::from("1")]),
            ConnectionEvent::Push(Frame::Push(vec![
                "invalidate".into(),
                Frame::Null(resp_core::NullKind::Null)
            ])),
            ConnectionEvent::StreamedReply {
                token: streamed,
                len: 6
            },
            replies(missing, vec![Frame::Null(resp_core::NullKind::Null)]),
            replies(after, vec![Frame::from("2")]),
        ]
    );

    // Cut after a part: the read is not sent again.
    let config: ConnectionConfig = "redis://127.0.0.1?protocol=2".parse().unwrap();
    let mut connection = ClientConnection::new(&config, unprobed(), Duration::ZERO);
    connection.poll_event();
    let big = connection.send_streamed(("GET", "big"), None, Duration::ZERO);
    connection.written(connection.transmit().len());
    connection.receive(b"$100\r\nsome of it");
    assert!(matches!(
        connection.poll_event(),
        Some(ConnectionEvent::ReplyPart { .. })
    ));
    let mut next = connection.reconnect(&config);
    assert_eq!(
        next.poll_event(),
        Some(ConnectionEvent::Failed {
            token: big,
            error: ConnectionError::new(ErrorCause::ConnectionLost, true)
        })
    );
}

/// Client-side caching by bytes alone: the setup turns tracking on; a
/// reply and an invalidation of its key cross in both orders and no stale
/// entry is ever kept; this client's own write evicts before its reply; a
/// flush and a reconnect empty the cache.
#[test]
fn the_cache_never_keeps_a_stale_reply() {
    use resp_core::{CacheLimits, Cached};
    let mut options = unprobed();
    options.cache = Some(CacheLimits::default());
    let config: ConnectionConfig = "redis://127.0.0.1".parse().unwrap();
    let mut connection = ClientConnection::new(&config, options, Duration::ZERO);
    let now = Duration::ZERO;
    let write = |connection: &mut ClientConnection| {
        let bytes = connection.transmit().to_vec();
        connection.written(bytes.len());
        bytes
    };
    assert_eq!(write(&mut connection), packed(&["HELLO", "3"]));
    connection.receive(&corpus("resp3/hello.bin"));
    assert_eq!(
        write(&mut connection),
        packed(&["CLIENT", "TRACKING", "on"])
    );
    connection.receive(b"+OK\r\n");
    assert!(matches!(
        connection.poll_event(),
        Some(ConnectionEvent::Ready { .. })
    ));
    let invalidate_k = b">2\r\n$10\r\ninvalidate\r\n*1\r\n$1\r\nk\r\n";
    let get = |connection: &mut ClientConnection| connection.send_cached(("GET", "k"), None, now);

    // The invalidation first, then the reply it crossed: not kept.
    assert!(matches!(get(&mut connection), Cached::Sent(_)));
    write(&mut connection);
    connection.receive(invalidate_k);
    connection.receive(b"$3\r\nold\r\n");
    while connection.poll_event().is_some() {}
    assert!(
        matches!(get(&mut connection), Cached::Sent(_)),
        "a crossed reply was kept"
    );
    write(&mut connection);
    // The reply first: kept, then dropped by the invalidation after it.
    connection.receive(b"$3\r\nnew\r\n");
    while connection.poll_event().is_some() {}
    assert_eq!(get(&mut connection), Cached::Hit(Frame::from("new")));
    connection.receive(invalidate_k);
    while connection.poll_event().is_some() {}
    assert!(matches!(get(&mut connection), Cached::Sent(_)));
    write(&mut connection);
    connection.receive(b"$1\r\nv\r\n");
    while connection.poll_event().is_some() {}
    assert_eq!(get(&mut connection), Cached::Hit(Frame::from("v")));

    // Read-your-writes: queued, not yet answered, already evicted.
    connection.send(("SET", "k", "mine"), now);
    assert!(matches!(get(&mut connection), Cached::Sent(_)));
    write(&mut connection);
    connection.receive(b"+OK\r\n$4\r\nmine\r\n");
    while connection.poll_event().is_some() {}
    assert_eq!(get(&mut connection), Cached::Hit(Frame::from("mine")));

    // A flush (an invalidation with a null) empties the cache.
    connection.receive(b">2\r\n$10\r\ninvalidate\r\n_\r\n");
    while connection.poll_event().is_some() {}
    assert!(matches!(get(&mut connection), Cached::Sent(_)));
    write(&mut connection);
    connection.receive(b"$1\r\nv\r\n");
    while connection.poll_event().is_some() {}
    assert!(connection.cache_stats().unwrap().entries == 1);

    // A reconnect empties it too, and turns tracking on again.
    let mut next = connection.reconnect(&config);
    next.stream_opened(now);
    assert_eq!(next.cache_stats().unwrap().entries, 0);
    assert_eq!(write(&mut next), packed(&["HELLO", "3"]));
    next.receive(&corpus("resp3/hello.bin"));
    assert_eq!(write(&mut next), packed(&["CLIENT", "TRACKING", "on"]));
    let stats = next.cache_stats().unwrap();
    assert_eq!((stats.hits, stats.misses), (3, 5));
}

/// RESP2 caching: off until the adapter names the connection that gets
/// the invalidations and the server confirms the redirect (no event for
/// it); invalidations handed in drop entries; a reconnect's setup redirects
/// again; losing that connection turns the cache off.
#[test]
fn resp2_caching_waits_for_its_redirect() {
    use resp_core::{CacheLimits, Cached};
    let mut options = unprobed();
    options.cache = Some(CacheLimits::default());
    let config: ConnectionConfig = "redis://127.0.0.1?protocol=2".parse().unwrap();
    let now = Duration::ZERO;
    let mut connection = ClientConnection::new(&config, options, now);
    assert!(matches!(
        connection.poll_event(),
        Some(ConnectionEvent::Ready { .. })
    ));
    assert_eq!(connection.cache_stats(), None);
    connection.track_redirected(Some(7), now);
    assert_eq!(
        connection.transmit(),
        packed(&["CLIENT", "TRACKING", "on", "REDIRECT", "7"])
    );
    connection.written(connection.transmit().len());
    connection.receive(b"+OK\r\n");
    assert_eq!(
        connection.poll_event(),
        None,
        "the redirect's reply is the connection's own"
    );
    assert!(connection.cache_stats().is_some());
    let Cached::Sent(_) = connection.send_cached(("GET", "k"), None, now) else {
        panic!("nothing kept yet")
    };
    connection.written(connection.transmit().len());
    connection.receive(b"$1\r\nv\r\n");
    connection.poll_event();
    assert_eq!(
        connection.send_cached(("GET", "k"), None, now),
        Cached::Hit(Frame::from("v"))
    );
    connection.invalidate(Some(&["k"]));
    assert!(matches!(
        connection.send_cached(("GET", "k"), None, now),
        Cached::Sent(_)
    ));
    connection.written(connection.transmit().len());

    let mut next = connection.reconnect(&config);
    next.stream_opened(now);
    assert_eq!(
        next.transmit(),
        packed(&["CLIENT", "TRACKING", "on", "REDIRECT", "7"])
    );
    next.written(next.transmit().len());
    next.receive(b"+OK\r\n");
    assert!(next.cache_stats().is_some());
    next.track_redirected(None, now);
    assert_eq!(next.cache_stats(), None);
}

proptest! {
    /// The same server bytes in any pieces give the same events.
    #[test]
    fn chunking_does_not_change_the_conversation(cuts in proptest::collection::vec(1usize..40, 1..20)) {
        let run = |pieces: &[usize]| {
            let mut script = Script::resp3();
            let tokens: Vec<Token> = ["a", "b", "c"].iter().map(|key| script.send(&["GET", key])).collect();
            script.write_all();
            let mut server = b"$1\r\n1\r\n>2\r\n$10\r\ninvalidate\r\n*1\r\n$1\r\na\r\n".to_vec();
            server.extend_from_slice(b"-ERR no\r\n*2\r\n:1\r\n%1\r\n+k\r\n+v\r\n");
            let mut rest = &server[..];
            for &piece in pieces.iter().cycle() {
                if rest.is_empty() {
                    break;
                }
                let take = piece.min(rest.len());
                script.connection.receive(&rest[..take]);
                rest = &rest[take..];
            }
            (tokens, script.events())
        };
        let (tokens, whole) = run(&[usize::MAX]);
        prop_assert_eq!(whole.len(), 4);
        prop_assert_eq!(&whole[0], &replies(tokens[0], vec![Frame::from("1")]));
        let (_, pieces) = run(&cuts);
        prop_assert_eq!(whole, pieces);
    }
}

#[test]
fn bytes_after_the_setup_wait_for_the_requests_they_answer() {
    let mut script = Script::new("redis://127.0.0.1", ConnectionOptions::default());
    script.write_all();
    // A scripted stream may hold replies before their requests are sent.
    script
        .connection
        .receive(b"%2\r\n$6\r\nserver\r\n$5\r\nredis\r\n$5\r\nproto\r\n:3\r\n+PONG\r\n");
    assert!(matches!(
        script.events()[..],
        [ConnectionEvent::Ready { .. }]
    ));
    assert!(!script.connection.is_closed());
    let ping = script.send(&["PING"]);
    script.write_all();
    script.connection.handle_input();
    assert_eq!(
        script.events(),
        [replies(ping, vec![Frame::SimpleString("PONG".into())])]
    );
}

/// One step of a random conversation.
#[derive(Debug, Clone)]
enum Step {
    Send(u8),
    Pipeline(u8),
    Write(usize),
    Receive(Vec<u8>),
    Reply(u8),
    Abandon(usize),
    Timeout(u64),
    Lost,
    Reconnect,
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        any::<u8>().prop_map(Step::Send),
        (1u8..5).prop_map(Step::Pipeline),
        (0usize..64).prop_map(Step::Write),
        proptest::collection::vec(any::<u8>(), 0..24).prop_map(Step::Receive),
        any::<u8>().prop_map(Step::Reply),
        (0usize..8).prop_map(Step::Abandon),
        (0u64..40_000).prop_map(Step::Timeout),
        Just(Step::Lost),
        Just(Step::Reconnect),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Whatever the server sends and whatever the caller does, reconnects
    /// included, nothing panics, every request not given up gets exactly
    /// one outcome (its replies or its failure), and none is told anything
    /// after it.
    #[test]
    fn every_request_gets_one_outcome_whatever_happens(steps in proptest::collection::vec(step(), 1..60)) {
        let config: ConnectionConfig = "redis://127.0.0.1?protocol=2".parse().unwrap();
        let mut options = ConnectionOptions::default();
        options.response_timeout = Some(Duration::from_secs(10));
        let mut connection = ClientConnection::new(&config, options, Duration::ZERO);
        let mut tokens: Vec<Token> = Vec::new();
        let mut abandoned = std::collections::HashSet::new();
        let mut outcomes: std::collections::HashMap<Token, usize> = Default::default();
        let mut now = Duration::ZERO;
        let replies: [&[u8]; 4] = [b"+OK\r\n", b":1\r\n", b"$1\r\nv\r\n", b"-ERR e\r\n"];
        for step in steps {
            match step {
                Step::Send(n) => tokens.push(connection.send(("GET", n), now)),
                Step::Pipeline(n) => {
                    let mut pipeline = Pipeline::new();
                    for i in 0..n {
                        pipeline.command(("INCR", i));
                    }
                    tokens.push(connection.send_pipeline(&pipeline, now));
                }
                Step::Write(n) => {
                    let n = n.min(connection.transmit().len());
                    connection.written(n);
                }
                Step::Receive(bytes) => connection.receive(&bytes),
                Step::Reply(which) => connection.receive(replies[usize::from(which) % 4]),
                Step::Abandon(back) => {
                    if let Some(&token) = tokens.iter().rev().nth(back) {
                        connection.abandon(token);
                        abandoned.insert(token);
                    }
                }
                Step::Timeout(ms) => {
                    now += Duration::from_millis(ms);
                    connection.handle_timeout(now);
                }
                Step::Lost => connection.connection_lost(),
                // A new connection: what is safe goes again on it, under
                // the same tokens; the rest fails. (RESP2 asks no setup.)
                Step::Reconnect => {
                    connection = connection.reconnect(&config);
                    connection.stream_opened(now);
                }
            }
            let _ = connection.next_deadline();
            let _ = connection.size_hint();
            while let Some(event) = connection.poll_event() {
                let (ConnectionEvent::Replies { token, .. } | ConnectionEvent::Failed { token, .. }) = event else {
                    continue;
                };
                prop_assert!(!abandoned.contains(&token), "told of {token:?} after it was given up");
                *outcomes.entry(token).or_default() += 1;
            }
        }
        // The end: whatever is still due fails now.
        connection.close();
        while let Some(event) = connection.poll_event() {
            if let ConnectionEvent::Replies { token, .. } | ConnectionEvent::Failed { token, .. } = event {
                prop_assert!(!abandoned.contains(&token));
                *outcomes.entry(token).or_default() += 1;
            }
        }
        for token in tokens {
            let told = outcomes.get(&token).copied().unwrap_or(0);
            if abandoned.contains(&token) {
                prop_assert!(told <= 1, "{token:?} told {told} times");
            } else {
                prop_assert_eq!(told, 1, "{:?}", token);
            }
        }
    }
}
