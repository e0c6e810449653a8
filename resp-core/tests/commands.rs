//! Server-side request decoding: real clients, Redis's answers to malformed
//! requests, inline quoting, limits and chunking.

mod common;

use bytes::{Bytes, BytesMut};
use common::{corpus_dir, decode_whole};
use proptest::prelude::*;
use resp_core::{CommandDecoder, CommandError, CommandErrorKind as K, CommandLimits, Frame};
use std::fs;

/// How decoding a request stream ended, and the argument vectors before that.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Requests {
    commands: Vec<Vec<Bytes>>,
    wire_lens: Vec<usize>,
    end: End,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum End {
    Clean,
    Incomplete,
    Error(CommandError),
}

fn decode_requests(input: &[u8], cuts: &[usize], limits: CommandLimits) -> Requests {
    let mut decoder = CommandDecoder::with_limits(limits);
    let mut buf = BytesMut::new();
    let (mut commands, mut wire_lens) = (Vec::new(), Vec::new());
    let mut from = 0;
    for &cut in cuts.iter().chain(std::iter::once(&input.len())) {
        let cut = cut.clamp(from, input.len());
        buf.extend_from_slice(&input[from..cut]);
        from = cut;
        loop {
            match decoder.decode(&mut buf) {
                Ok(Some(command)) => {
                    commands.push(command.to_vec());
                    wire_lens.push(command.wire_len());
                }
                Ok(None) => break,
                Err(error) => {
                    return Requests {
                        commands,
                        wire_lens,
                        end: End::Error(error),
                    };
                }
            }
        }
    }
    let end = if decoder.is_idle() && buf.is_empty() {
        End::Clean
    } else {
        End::Incomplete
    };
    Requests {
        commands,
        wire_lens,
        end,
    }
}

fn whole(input: &[u8]) -> Requests {
    decode_requests(input, &[], CommandLimits::default())
}

fn one_byte_at_a_time(input: &[u8], limits: CommandLimits) -> Requests {
    let cuts: Vec<usize> = (1..input.len()).collect();
    decode_requests(input, &cuts, limits)
}

fn args(words: &[&str]) -> Vec<Bytes> {
    words
        .iter()
        .map(|w| Bytes::copy_from_slice(w.as_bytes()))
        .collect()
}

/// How many replies a command gets: SUBSCRIBE one per channel, CLIENT REPLY OFF none.
fn replies_for(command: &[Bytes]) -> usize {
    let name = command[0].to_ascii_uppercase();
    match name.as_slice() {
        b"SUBSCRIBE" | b"PSUBSCRIBE" | b"SSUBSCRIBE" => command.len() - 1,
        b"CLIENT" if command.len() > 2 && command[1].eq_ignore_ascii_case(b"REPLY") => {
            usize::from(command[2].eq_ignore_ascii_case(b"ON"))
        }
        _ => 1,
    }
}

#[test]
fn real_client_connections_parse_into_one_command_per_reply() {
    let mut connections = 0;
    for client in ["redis-cli", "redis-benchmark", "redis-py"] {
        for entry in fs::read_dir(corpus_dir().join("clients").join(client)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|ext| ext != "c2s") {
                continue;
            }
            let sent = fs::read(&path).unwrap();
            let requests = whole(&sent);
            assert_eq!(requests.end, End::Clean, "{}", path.display());
            assert_eq!(
                one_byte_at_a_time(&sent, CommandLimits::default()),
                requests
            );
            assert_eq!(requests.wire_lens.iter().sum::<usize>(), sent.len());
            let replies = decode_whole(&fs::read(path.with_extension("s2c")).unwrap()).frames;
            let answered = replies.iter().filter(|reply| !reply.is_push()).count();
            let expected: usize = requests.commands.iter().map(|c| replies_for(c)).sum();
            assert_eq!(
                expected,
                answered,
                "{}: {:?}",
                path.display(),
                requests.commands
            );
            connections += 1;
        }
    }
    assert_eq!(connections, 7);
    let benchmark =
        whole(&fs::read(corpus_dir().join("clients/redis-benchmark/conn002.c2s")).unwrap());
    assert_eq!(
        benchmark.commands[1],
        args(&["PING"]),
        "redis-benchmark's inline PING"
    );
}

/// Redis's own reply to each malformed request, decided from the capture.
#[test]
fn malformed_requests_get_redis_error_texts() {
    let dir = corpus_dir().join("malformed");
    let mut protocol_errors = 0;
    let mut names: Vec<_> = fs::read_dir(&dir)
        .unwrap()
        .filter_map(|entry| {
            let path = entry.ok()?.path();
            (path.extension()? == "req").then_some(path)
        })
        .collect();
    names.sort();
    for path in names {
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let request = fs::read(&path).unwrap();
        let reply = fs::read(path.with_extension("bin")).unwrap();
        let outcome = whole(&request);
        assert_eq!(
            one_byte_at_a_time(&request, CommandLimits::default()),
            outcome,
            "{name}"
        );
        let reply_text = String::from_utf8_lossy(&reply).into_owned();
        if let Some(text) = reply_text.strip_prefix("-ERR Protocol error: ") {
            let End::Error(error) = outcome.end else {
                panic!("{name}: Redis answered a protocol error, we got {outcome:?}");
            };
            assert_eq!(
                format!("{error}\r\n"),
                format!("Protocol error: {text}"),
                "{name}"
            );
            protocol_errors += 1;
            continue;
        }
        // No protocol error: every request parsed is one Redis answered (or
        // will answer, for a request still incomplete).
        match name.as_str() {
            "bulk_bad_terminator" => {
                // Redis skips the two bytes after bulk data unseen; we insist on CRLF.
                assert_eq!(
                    outcome.end,
                    End::Error(CommandError::clone(&expected_crlf(12))),
                    "{name}"
                );
            }
            // `\0` ends Redis's search for the line end: it waits for more,
            // and refuses the line once it passes the inline limit.
            "truncated_array" | "array_1m_plus" | "inline_binary" => {
                assert_eq!(outcome.end, End::Incomplete, "{name}")
            }
            _ => {
                assert_eq!(outcome.end, End::Clean, "{name}");
                let replies = decode_whole(&reply).frames.len();
                let closed = fs::read_to_string(path.with_extension("json"))
                    .unwrap()
                    .contains("\"server_closed\": true");
                let silent = reply.is_empty();
                assert!(
                    outcome.commands.len() == replies || closed || silent,
                    "{name}: {outcome:?}"
                );
            }
        }
    }
    assert_eq!(protocol_errors, 11);
    assert_eq!(
        whole(b"$4\r\nPING\r\n").commands,
        [args(&["$4"]), args(&["PING"])]
    );
    assert_eq!(whole(b"\r\n\r\nPING\r\n").commands, [args(&["PING"])]);
    assert_eq!(whole(b"*0\r\n*-1\r\nPING\n").commands, [args(&["PING"])]);
}

fn expected_crlf(offset: u64) -> CommandError {
    let mut decoder = CommandDecoder::new();
    let mut buf = BytesMut::from(&b"*1\r\n$4\r\nPINGxx"[..]);
    let error = decoder.decode(&mut buf).unwrap_err();
    assert_eq!((error.kind(), error.offset()), (K::ExpectedCrlf, offset));
    error
}

#[test]
fn error_kinds_and_offsets() {
    let cases: Vec<(&[u8], K, u64)> = vec![
        (b"*abc\r\n", K::InvalidMultibulkLength, 0),
        (b"*01\r\n", K::InvalidMultibulkLength, 0),
        (b"*+1\r\n", K::InvalidMultibulkLength, 0),
        (b"*2147483648\r\n", K::InvalidMultibulkLength, 0),
        (b"PING\r\n*1\r\n$x\r\n", K::InvalidBulkLength, 10),
        (b"*1\r\n$-1\r\n", K::InvalidBulkLength, 4),
        (b"*1\r\n$536870913\r\n", K::InvalidBulkLength, 4),
        (b"*1\r\n+OK\r\n", K::ExpectedDollar(b'+'), 4),
        (b"*1\r\n$2\r\nabc\r\n", K::ExpectedCrlf, 10),
        (b"*1\rX", K::ExpectedCrlf, 3),
        (b"SET a \"b\r\n", K::UnbalancedQuotes, 0),
        (b"GET x\r\nSET 'a'b\r\n", K::UnbalancedQuotes, 7),
    ];
    for (input, kind, offset) in cases {
        let outcome = whole(input);
        let End::Error(error) = outcome.end else {
            panic!("{input:?}: {outcome:?}")
        };
        assert_eq!(
            (error.kind(), error.offset()),
            (kind, offset),
            "{}",
            input.escape_ascii()
        );
    }
}

#[test]
fn line_limits_bound_inline_and_header_lines() {
    let mut limits = CommandLimits::default();
    limits.max_line_len = 8;
    let ok = decode_requests(b"12345678\r\n*1\r\n$8\r\n12345678\r\n", &[], limits);
    assert_eq!(ok.commands.len(), 2);
    for (input, kind) in [
        (&b"123456789\r\n"[..], K::TooBigInlineRequest),
        (b"123456789", K::TooBigInlineRequest),
        (b"*123456789", K::TooBigMbulkCount),
        (b"*1\r\n$123456789", K::TooBigBulkCount),
    ] {
        let whole = decode_requests(input, &[], limits);
        assert!(
            matches!(whole.end, End::Error(e) if e.kind() == kind),
            "{input:?}: {whole:?}"
        );
        assert_eq!(one_byte_at_a_time(input, limits), whole);
    }
}

fn error_kind(input: &[u8], limits: CommandLimits) -> Option<K> {
    match decode_requests(input, &[], limits).end {
        End::Error(error) => Some(error.kind()),
        _ => None,
    }
}

#[test]
fn unauthenticated_connections_are_bounded_until_switched() {
    let before_auth = CommandLimits::unauthenticated();
    assert_eq!(
        error_kind(
            b"*10
",
            before_auth
        ),
        None
    );
    assert_eq!(
        error_kind(b"*11\r\n", before_auth),
        Some(K::UnauthenticatedMultibulkLength)
    );
    assert_eq!(error_kind(b"*1\r\n$16384\r\n", before_auth), None);
    assert_eq!(
        error_kind(b"*1\r\n$16385\r\n", before_auth),
        Some(K::UnauthenticatedBulkLength)
    );
    // Beyond what any connection may send, the error is "invalid", as in Redis.
    assert_eq!(
        error_kind(b"*99999999999\r\n", before_auth),
        Some(K::InvalidMultibulkLength)
    );
    assert_eq!(
        error_kind(b"*1\r\n$99999999999\r\n", before_auth),
        Some(K::InvalidBulkLength)
    );

    let mut decoder = CommandDecoder::with_limits(before_auth);
    let mut buf = BytesMut::from(&b"AUTH secret\r\n"[..]);
    assert_eq!(
        decoder.decode(&mut buf).unwrap().unwrap().to_vec(),
        args(&["AUTH", "secret"])
    );
    decoder.set_limits(CommandLimits::default());
    let big = vec![b'x'; 20_000];
    let mut request = Vec::new();
    resp_core::pack_command(&mut request, ("SET", "k", &big[..]));
    buf.extend_from_slice(&request);
    assert_eq!(
        decoder
            .decode(&mut buf)
            .unwrap()
            .unwrap()
            .arg(2)
            .unwrap()
            .len(),
        20_000
    );
}

#[test]
fn bytes_needed_says_what_a_big_argument_still_needs() {
    let mut decoder = CommandDecoder::new();
    let mut buf = BytesMut::from(&b"*2\r\n$3\r\nSET\r\n$1000000\r\nabc"[..]);
    assert!(decoder.decode(&mut buf).unwrap().is_none());
    assert_eq!(decoder.bytes_needed(), Some(1_000_000 - 3 + 2));
    buf.reserve(decoder.bytes_needed().unwrap());
    let capacity = buf.capacity();
    buf.extend_from_slice(&vec![b'v'; 1_000_000 - 3]);
    buf.extend_from_slice(b"\r\n");
    assert_eq!(buf.capacity(), capacity, "sized once");
    let command = decoder.decode(&mut buf).unwrap().unwrap();
    assert_eq!(command.arg(1).unwrap().len(), 1_000_000);
    assert_eq!(decoder.bytes_needed(), None);
}

/// Redis looks for an inline request's end with `strchr`, which stops at a
/// NUL: such a line waits (as `testdata/malformed/inline_binary`
/// shows) and is refused once it passes the inline limit.
#[test]
fn an_inline_nul_waits_then_passes_the_limit() {
    let limits = CommandLimits::default();
    for input in [
        &b"\x00\xff\r\n"[..],
        b"PING\x00\r\n",
        b"SET k v\x00\nPING\r\n",
    ] {
        assert_eq!(
            whole(input).end,
            End::Incomplete,
            "{}",
            input.escape_ascii()
        );
        assert_eq!(one_byte_at_a_time(input, limits), whole(input));
    }
    let mut long = b"PING \x00".to_vec();
    long.resize(64 * 1024, b'x');
    assert_eq!(whole(&long).end, End::Incomplete);
    long.push(b'\n');
    let End::Error(error) = whole(&long).end else {
        panic!("{:?}", whole(&long))
    };
    assert_eq!(
        (error.kind(), error.offset()),
        (K::TooBigInlineRequest, 64 * 1024)
    );
    assert_eq!(error.to_string(), "Protocol error: too big inline request");
    // A NUL after the line end is the next request's business.
    assert_eq!(whole(b"PING\r\n\x00").commands, [args(&["PING"])]);
}

/// `raw` is the request's wire bytes, for a proxy to forward untouched.
#[test]
fn raw_is_the_request_as_sent() {
    let input: &[u8] = b"\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\nSET 'a b' \"c\\x41\"\r\nPING\n";
    let mut decoder = CommandDecoder::new();
    let mut buf = BytesMut::from(input);
    let mut raws = Vec::new();
    let mut requests = Vec::new();
    while let Some(command) = decoder.decode(&mut buf).unwrap() {
        raws.push(command.raw().to_vec());
        requests.push(command.to_request());
    }
    assert_eq!(
        raws,
        [
            &b"*2\r\n$3\r\nGET\r\n$1\r\nk\r\n"[..],
            b"SET 'a b' \"c\\x41\"\r\n",
            b"PING\n"
        ]
    );
    assert!(requests[1].args().eq([&b"SET"[..], b"a b", b"cA"]));
    assert_eq!(requests[0].wire_len(), 2 + 20);
    assert_eq!(requests[1].raw_bytes(), raws[1]);
    assert_eq!(requests[2].name(), b"PING");
    assert_eq!(
        requests.iter().map(|r| r.len()).collect::<Vec<_>>(),
        [2, 3, 1]
    );
}

/// redis-cli's quoting (`sdscatrepr`): printable bytes as they are, the rest escaped.
fn cli_quote(arg: &[u8]) -> Vec<u8> {
    let mut out = vec![b'"'];
    for &byte in arg {
        match byte {
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'"' => out.extend_from_slice(b"\\\""),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            0x07 => out.extend_from_slice(b"\\a"),
            0x08 => out.extend_from_slice(b"\\b"),
            0x20..=0x7e => out.push(byte),
            _ => out.extend_from_slice(format!("\\x{byte:02x}").as_bytes()),
        }
    }
    out.push(b'"');
    out
}

fn argv_strategy() -> impl Strategy<Value = Vec<Vec<u8>>> {
    proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..12), 1..6)
}

/// An argv as a multibulk request, or (for inline) quoted as redis-cli does.
fn encode_request(argv: &[Vec<u8>], inline: bool) -> Vec<u8> {
    let mut out = Vec::new();
    if inline {
        let quoted: Vec<Vec<u8>> = argv.iter().map(|a| cli_quote(a)).collect();
        out.extend_from_slice(&quoted.join(&b' '));
        out.extend_from_slice(b"\r\n");
    } else {
        resp_core::pack_command(&mut out, argv);
    }
    out
}

proptest! {
    #[test]
    fn redis_cli_quoting_parses_back(argv in argv_strategy(), lf_only in any::<bool>()) {
        let mut line = encode_request(&argv, true);
        if lf_only {
            line.remove(line.len() - 2);
        }
        let outcome = whole(&line);
        let expected: Vec<Bytes> = argv.iter().map(|a| Bytes::copy_from_slice(a)).collect();
        prop_assert_eq!(outcome.commands, vec![expected]);
        prop_assert_eq!(outcome.end, End::Clean);
    }

    #[test]
    fn chunking_does_not_matter(
        requests in proptest::collection::vec((argv_strategy(), any::<bool>()), 1..5),
        cuts in common::arb::cuts(512),
        garbage in proptest::option::of((any::<prop::sample::Index>(), any::<u8>())),
    ) {
        let mut input = Vec::new();
        for (argv, inline) in &requests {
            input.extend_from_slice(&encode_request(argv, *inline));
        }
        if let Some((at, byte)) = garbage {
            let at = at.index(input.len());
            input[at] = byte;
        }
        let whole = whole(&input);
        prop_assert_eq!(&decode_requests(&input, &cuts, CommandLimits::default()), &whole);
        if garbage.is_none() {
            let expected: Vec<Vec<Bytes>> = requests
                .iter()
                .map(|(argv, _)| argv.iter().map(|a| Bytes::copy_from_slice(a)).collect())
                .collect();
            prop_assert_eq!(whole.commands, expected);
        }
    }
}

#[test]
fn every_split_point_of_fixed_streams() {
    let streams: [&[u8]; 6] = [
        b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\nPING\r\n",
        b"SET \"a b\" '\\'c' \"\\x41\"\n\r\n*0\r\nGET k\r\n",
        b"*1\r\n$4\r\nPINGxx",
        b"*2\r\n$3\r\nGET\r\n$-1\r\n",
        b"SET a \"unterminated\r\n",
        b"*1\r\n:5\r\n",
    ];
    for stream in streams {
        let expected = whole(stream);
        for cut in 0..=stream.len() {
            assert_eq!(
                decode_requests(stream, &[cut], CommandLimits::default()),
                expected,
                "{} at {cut}",
                stream.escape_ascii()
            );
        }
    }
}

#[test]
fn frames_and_commands_agree_on_multibulk_requests() {
    let mut input = Vec::new();
    resp_core::pack_command(&mut input, ("SET", "key", "value", 42));
    let frame = decode_whole(&input).frames.remove(0);
    let command = whole(&input).commands.remove(0);
    let from_frame: Vec<Bytes> = frame
        .into_items()
        .unwrap()
        .into_iter()
        .map(|f| Frame::into_bytes(f).unwrap())
        .collect();
    assert_eq!(from_frame, command);
}

#[test]
fn an_unfinished_request_stays_in_the_buffer_and_leaves_in_one_piece() {
    let mut decoder = CommandDecoder::new();
    let mut buf = BytesMut::from(&b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nval"[..]);
    assert!(decoder.decode(&mut buf).unwrap().is_none());
    assert_eq!(buf.len(), 27, "nothing taken before the request is whole");
    assert!(!decoder.is_idle());
    assert_eq!(decoder.position(), 0);
    buf.extend_from_slice(b"ue\r\n*1\r\n$4\r\nPING\r\n");
    let command = decoder.decode(&mut buf).unwrap().unwrap();
    assert_eq!(command.len(), 3);
    assert_eq!(command.name(), b"SET");
    assert_eq!(command.arg(2), Some(&b"value"[..]));
    assert_eq!(command.arg(3), None);
    assert!(command.args().rev().eq([&b"value"[..], b"k", b"SET"]));
    assert_eq!(command.wire_len(), 31);
    let value = command.arg_bytes(2).unwrap();
    assert_eq!(decoder.position(), 31);
    let command = decoder.decode(&mut buf).unwrap().unwrap();
    assert_eq!(command.to_vec(), args(&["PING"]));
    assert!(buf.is_empty());
    assert_eq!(value, "value", "a kept argument outlives the next call");
}
