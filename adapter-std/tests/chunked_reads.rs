//! A connection over a `Read` that hands out one to k bytes per call, with
//! `Interrupted` between, gives the same replies as over whole reads, and
//! an end of stream inside a reply is an error that breaks it.

use bytes::BytesMut;
use proptest::prelude::*;
use resp_core::{ConnectionConfig, Decoder, ErrorCause, Frame, Pipeline, Protocol};
use resp_std::{ClientOptions, Connection, Error};
use serde_json::Value;
use std::io::{self, Read, Write};
use std::path::PathBuf;

/// Replies scripted in advance, handed out in the pieces given, with an
/// `Interrupted` before each piece marked so.
struct Scripted {
    replies: Vec<u8>,
    at: usize,
    pieces: Vec<(usize, bool)>,
    next: usize,
    interrupted: bool,
}

impl Read for Scripted {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let (piece, interrupt) = self.pieces[self.next % self.pieces.len()];
        if interrupt && !self.interrupted {
            self.interrupted = true;
            return Err(io::ErrorKind::Interrupted.into());
        }
        self.interrupted = false;
        self.next += 1;
        let n = piece.min(buf.len()).min(self.replies.len() - self.at);
        buf[..n].copy_from_slice(&self.replies[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

impl Write for Scripted {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

const HELLO_REPLY: &[u8] = b"%2\r\n$6\r\nserver\r\n$5\r\nredis\r\n$5\r\nproto\r\n:3\r\n";

/// Replies a real Redis 7 sent in RESP3 (pushes left out: they answer no
/// request), and the frames they decode to when read whole.
fn captured_replies() -> (Vec<u8>, Vec<Frame>) {
    let corpus = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../testdata");
    let index: Value =
        serde_json::from_slice(&std::fs::read(corpus.join("index.json")).unwrap()).unwrap();
    let (mut bytes, mut frames) = (Vec::new(), Vec::new());
    for case in index["cases"].as_array().unwrap() {
        if case["resp"] != 3 || case["trailing_incomplete"] == true || case["server_closed"] == true
        {
            continue;
        }
        let name = case["name"].as_str().unwrap();
        let reply = std::fs::read(corpus.join("resp3").join(format!("{name}.bin"))).unwrap();
        let mut whole = BytesMut::from(&reply[..]);
        let mut decoder = Decoder::new();
        let mut decoded = Vec::new();
        while let Some(frame) = decoder.decode(&mut whole).unwrap() {
            decoded.push(frame);
        }
        if decoded.iter().any(Frame::is_push) || !whole.is_empty() {
            continue;
        }
        bytes.extend_from_slice(&reply);
        frames.extend(decoded);
    }
    assert!(frames.len() > 50, "{}", frames.len());
    (bytes, frames)
}

fn connection(replies: Vec<u8>, pieces: Vec<(usize, bool)>) -> Connection<Scripted> {
    let mut script = HELLO_REPLY.to_vec();
    script.extend_from_slice(&replies);
    let stream = Scripted {
        replies: script,
        at: 0,
        pieces,
        next: 0,
        interrupted: false,
    };
    let connection = Connection::over(
        stream,
        &ConnectionConfig::tcp("scripted", 0),
        ClientOptions::default(),
    )
    .unwrap();
    assert_eq!(connection.protocol(), Protocol::Resp3);
    connection
}

fn pings(n: usize) -> Pipeline {
    let mut pipeline = Pipeline::new();
    for _ in 0..n {
        pipeline.command(["PING"]);
    }
    pipeline
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn pieces_and_interruptions_change_nothing(
        pieces in proptest::collection::vec((1usize..64, proptest::bool::weighted(0.2)), 1..32),
        cut in 1usize..9,
    ) {
        let (mut replies, frames) = captured_replies();
        let mut redis = connection(replies.clone(), pieces.clone());
        prop_assert_eq!(&redis.pipeline(&pings(frames.len())).unwrap(), &frames);

        // The same, then the stream ends `cut` bytes into one more reply.
        replies.extend_from_slice(&b"$10\r\n0123456789\r\n"[..cut]);
        let mut redis = connection(replies, pieces);
        prop_assert_eq!(redis.pipeline(&pings(frames.len())).unwrap(), frames);
        let result = redis.call::<String>(["PING"]);
        prop_assert!(
            matches!(&result, Err(Error::Connection(error)) if *error.cause() == ErrorCause::ClosedMidReply),
            "{:?}",
            result
        );
        prop_assert!(redis.is_closed());
        let later = redis.call::<String>(["PING"]).unwrap_err();
        prop_assert!(later.breaks_connection() && !later.may_have_run());
    }
}

#[test]
fn whole_reads_give_the_frames_a_whole_decode_gives() {
    let (replies, frames) = captured_replies();
    let mut redis = connection(replies, vec![(usize::MAX, false)]);
    assert_eq!(redis.pipeline(&pings(frames.len())).unwrap(), frames);
    let result = redis.call::<String>(["PING"]);
    assert!(
        matches!(&result, Err(Error::Connection(error)) if *error.cause() == ErrorCause::ConnectionLost),
        "{result:?}"
    );
}
