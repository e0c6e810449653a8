//! Spec vectors: every type, every malformed class, with exact error kinds and
//! offsets; and every single split point of every vector decodes the same.

mod common;

use common::{End, Outcome, decode_cut, decode_whole};
use resp_core::{
    Attributed, DecodeError, DecodeErrorKind as K, Frame, Limits, NullKind, Payload, Protocol,
};

fn b(s: &'static str) -> Payload {
    Payload::from_static(s.as_bytes())
}

fn simple(s: &'static str) -> Frame {
    Frame::SimpleString(b(s))
}

fn bulk(s: &'static str) -> Frame {
    Frame::BulkString(b(s))
}

fn attributed(attributes: Vec<Vec<(Frame, Frame)>>, value: Frame) -> Frame {
    Frame::Attributed(Box::new(Attributed { attributes, value }))
}

/// Valid input and the frames it holds.
fn valid() -> Vec<(&'static str, &'static [u8], Vec<Frame>)> {
    vec![
        ("simple", b"+OK\r\n", vec![simple("OK")]),
        ("empty simple", b"+\r\n", vec![simple("")]),
        (
            "simple error",
            b"-ERR no\r\n",
            vec![Frame::SimpleError(b("ERR no"))],
        ),
        (
            "integer",
            b":0\r\n:-42\r\n:+7\r\n",
            vec![Frame::Integer(0), Frame::Integer(-42), Frame::Integer(7)],
        ),
        (
            "integer extremes",
            b":-9223372036854775808\r\n:9223372036854775807\r\n",
            vec![Frame::Integer(i64::MIN), Frame::Integer(i64::MAX)],
        ),
        ("bulk", b"$5\r\nhello\r\n", vec![bulk("hello")]),
        ("empty bulk", b"$0\r\n\r\n", vec![bulk("")]),
        ("binary bulk", b"$4\r\n\r\n\n\r\r\n", vec![bulk("\r\n\n\r")]),
        ("null bulk", b"$-1\r\n", vec![Frame::Null(NullKind::Bulk)]),
        ("null array", b"*-1\r\n", vec![Frame::Null(NullKind::Array)]),
        ("null", b"_\r\n", vec![Frame::Null(NullKind::Null)]),
        ("empty array", b"*0\r\n", vec![Frame::Array(vec![])]),
        // The fast path parses the flat elements, then hands the rest over.
        (
            "flat elements, then a nested aggregate",
            b"*4\r\n:1\r\n$2\r\nhi\r\n*1\r\n+x\r\n#t\r\n",
            vec![Frame::Array(vec![
                Frame::Integer(1),
                bulk("hi"),
                Frame::Array(vec![simple("x")]),
                Frame::Boolean(true),
            ])],
        ),
        (
            "flat elements, then a double",
            b"~2\r\n:1\r\n,1.5\r\n",
            vec![Frame::Set(vec![Frame::Integer(1), Frame::Double(1.5)])],
        ),
        (
            "map handed over after a whole pair",
            b"%2\r\n+a\r\n:1\r\n+b\r\n*0\r\n",
            vec![Frame::Map(vec![
                (simple("a"), Frame::Integer(1)),
                (simple("b"), Frame::Array(vec![])),
            ])],
        ),
        (
            "map handed over after a key",
            b"%1\r\n+a\r\n*1\r\n:2\r\n",
            vec![Frame::Map(vec![(
                simple("a"),
                Frame::Array(vec![Frame::Integer(2)]),
            )])],
        ),
        (
            "nested array",
            b"*2\r\n*1\r\n:1\r\n$-1\r\n",
            vec![Frame::Array(vec![
                Frame::Array(vec![Frame::Integer(1)]),
                Frame::Null(NullKind::Bulk),
            ])],
        ),
        (
            "doubles",
            b",1.5\r\n,inf\r\n,-inf\r\n,1e10\r\n,-0\r\n,+0.5E-1\r\n,-nan\r\n",
            vec![
                Frame::Double(1.5),
                Frame::Double(f64::INFINITY),
                Frame::Double(f64::NEG_INFINITY),
                Frame::Double(1e10),
                Frame::Double(-0.0),
                Frame::Double(0.05),
                Frame::Double(f64::NAN),
            ],
        ),
        (
            "nan",
            b",nan\r\n,-nan\r\n",
            vec![Frame::Double(f64::NAN), Frame::Double(f64::NAN)],
        ),
        (
            "booleans",
            b"#t\r\n#f\r\n",
            vec![Frame::Boolean(true), Frame::Boolean(false)],
        ),
        (
            "big numbers",
            b"(3492890328409238509324850943850943825024385\r\n(-1\r\n",
            vec![
                Frame::BigNumber(b("3492890328409238509324850943850943825024385")),
                Frame::BigNumber(b("-1")),
            ],
        ),
        (
            "blob error",
            b"!21\r\nSYNTAX invalid syntax\r\n",
            vec![Frame::BulkError(b("SYNTAX invalid syntax"))],
        ),
        (
            "verbatim",
            b"=15\r\ntxt:Some string\r\n",
            vec![Frame::Verbatim {
                format: *b"txt",
                text: b("Some string"),
            }],
        ),
        (
            "verbatim unknown format",
            b"=4\r\nabc:\r\n",
            vec![Frame::Verbatim {
                format: *b"abc",
                text: b(""),
            }],
        ),
        (
            "map keeps order and duplicates",
            b"%2\r\n+a\r\n:1\r\n+a\r\n:2\r\n",
            vec![Frame::Map(vec![
                (simple("a"), Frame::Integer(1)),
                (simple("a"), Frame::Integer(2)),
            ])],
        ),
        (
            "map with aggregate key",
            b"%1\r\n*1\r\n:1\r\n#t\r\n",
            vec![Frame::Map(vec![(
                Frame::Array(vec![Frame::Integer(1)]),
                Frame::Boolean(true),
            )])],
        ),
        (
            "set",
            b"~2\r\n:1\r\n:1\r\n",
            vec![Frame::Set(vec![Frame::Integer(1), Frame::Integer(1)])],
        ),
        (
            "push",
            b">2\r\n+message\r\n+x\r\n",
            vec![Frame::Push(vec![simple("message"), simple("x")])],
        ),
        (
            "attribute",
            b"|1\r\n+k\r\n+v\r\n:5\r\n",
            vec![attributed(
                vec![vec![(simple("k"), simple("v"))]],
                Frame::Integer(5),
            )],
        ),
        (
            "two attributes",
            b"|1\r\n+a\r\n:1\r\n|0\r\n:5\r\n",
            vec![attributed(
                vec![vec![(simple("a"), Frame::Integer(1))], vec![]],
                Frame::Integer(5),
            )],
        ),
        (
            "attribute inside array is not an element",
            b"*2\r\n|1\r\n+k\r\n+v\r\n:1\r\n:2\r\n",
            vec![Frame::Array(vec![
                attributed(vec![vec![(simple("k"), simple("v"))]], Frame::Integer(1)),
                Frame::Integer(2),
            ])],
        ),
        (
            "attribute before push",
            b"|1\r\n+k\r\n+v\r\n>1\r\n+p\r\n",
            vec![attributed(
                vec![vec![(simple("k"), simple("v"))]],
                Frame::Push(vec![simple("p")]),
            )],
        ),
        (
            "attribute on a map key and an aggregate",
            b"%1\r\n|0\r\n+k\r\n|0\r\n*0\r\n",
            vec![Frame::Map(vec![(
                attributed(vec![vec![]], simple("k")),
                attributed(vec![vec![]], Frame::Array(vec![])),
            )])],
        ),
        (
            "attribute with aggregate value",
            b"|1\r\n*1\r\n:1\r\n%0\r\n:5\r\n",
            vec![attributed(
                vec![vec![(
                    Frame::Array(vec![Frame::Integer(1)]),
                    Frame::Map(vec![]),
                )]],
                Frame::Integer(5),
            )],
        ),
        (
            "streamed string",
            b"$?\r\n;4\r\nHell\r\n;5\r\no wor\r\n;2\r\nld\r\n;0\r\n",
            vec![Frame::StreamedString(b("Hello world"))],
        ),
        (
            "empty streamed string",
            b"$?\r\n;0\r\n",
            vec![Frame::StreamedString(b(""))],
        ),
        (
            "streamed array",
            b"*?\r\n:1\r\n:2\r\n.\r\n*?\r\n.\r\n",
            vec![
                Frame::StreamedArray(vec![Frame::Integer(1), Frame::Integer(2)]),
                Frame::StreamedArray(vec![]),
            ],
        ),
        (
            "streamed map and set",
            b"%?\r\n+a\r\n:1\r\n.\r\n~?\r\n#f\r\n.\r\n",
            vec![
                Frame::StreamedMap(vec![(simple("a"), Frame::Integer(1))]),
                Frame::StreamedSet(vec![Frame::Boolean(false)]),
            ],
        ),
        (
            "streamed inside streamed",
            b"*?\r\n%?\r\n$?\r\n;1\r\nk\r\n;0\r\n*?\r\n.\r\n.\r\n*1\r\n:1\r\n.\r\n",
            vec![Frame::StreamedArray(vec![
                Frame::StreamedMap(vec![(
                    Frame::StreamedString(b("k")),
                    Frame::StreamedArray(vec![]),
                )]),
                Frame::Array(vec![Frame::Integer(1)]),
            ])],
        ),
        (
            "pipeline",
            b"+OK\r\n:1\r\n$-1\r\n*1\r\n$1\r\nx\r\n",
            vec![
                simple("OK"),
                Frame::Integer(1),
                Frame::Null(NullKind::Bulk),
                Frame::Array(vec![bulk("x")]),
            ],
        ),
    ]
}

/// Invalid input: the frames before the error, the error kind and its offset.
fn invalid() -> Vec<(&'static str, &'static [u8], usize, K, u64)> {
    vec![
        ("bad type byte", b"x\r\n", 0, K::BadTypeByte(b'x'), 0),
        (
            "bad integer after flat elements",
            b"*3\r\n:1\r\n$2\r\nhi\r\n:x\r\n",
            0,
            K::BadInteger,
            17,
        ),
        (
            "bad bulk end after flat elements",
            b"+OK\r\n*2\r\n$2\r\nhi\r\n$1\r\nab\r\n",
            1,
            K::BadCrlf,
            22,
        ),
        (
            "lone LF in a flat element",
            b"*2\r\n+a\r\n+b\nc\r\n",
            0,
            K::BadCrlf,
            10,
        ),
        ("inline command", b"PING\r\n", 0, K::BadTypeByte(b'P'), 0),
        ("empty line", b"\r\n", 0, K::BadTypeByte(b'\r'), 0),
        (
            "frames before the error survive",
            b"+OK\r\n:1\r\n?",
            2,
            K::BadTypeByte(b'?'),
            9,
        ),
        (
            "length with plus sign",
            b"$+5\r\nhello\r\n",
            0,
            K::BadLength,
            1,
        ),
        ("length with space", b"$ 5\r\nhello\r\n", 0, K::BadLength, 1),
        ("length with trailing space", b"*1 \r\n", 0, K::BadLength, 2),
        ("length without digits", b"$\r\n", 0, K::BadLength, 1),
        (
            "length with leading zero",
            b"$05\r\nhello\r\n",
            0,
            K::BadLength,
            2,
        ),
        ("zero with leading zero", b"*00\r\n", 0, K::BadLength, 2),
        ("negative bulk length", b"$-2\r\n", 0, K::BadLength, 2),
        ("negative array count", b"*-5\r\n", 0, K::BadLength, 2),
        (
            "minus one where no null exists",
            b"%-1\r\n",
            0,
            K::BadLength,
            1,
        ),
        ("minus zero", b"$-0\r\n", 0, K::BadLength, 2),
        ("minus alone", b"$-\r\n", 0, K::BadLength, 2),
        (
            "integer overflow",
            b":9223372036854775808\r\n",
            0,
            K::Overflow,
            19,
        ),
        (
            "negative integer overflow",
            b":-9223372036854775809\r\n",
            0,
            K::Overflow,
            20,
        ),
        ("integer with letters", b":12a\r\n", 0, K::BadInteger, 3),
        ("integer without digits", b":-\r\n", 0, K::BadInteger, 2),
        ("lone CR in a line", b"+OK\rX\r\n", 0, K::BadCrlf, 4),
        ("lone LF in a line", b"+OK\n", 0, K::BadCrlf, 3),
        ("lone LF after a number", b":1\n", 0, K::BadCrlf, 2),
        ("lone CR after a length", b"$1\rx", 0, K::BadCrlf, 3),
        ("payload without CRLF", b"$3\r\nfooXY", 0, K::BadCrlf, 7),
        ("payload with CR only", b"$3\r\nfoo\rX", 0, K::BadCrlf, 8),
        ("bad double", b",abc\r\n", 0, K::BadDouble, 1),
        ("empty double", b",\r\n", 0, K::BadDouble, 1),
        (
            "double without integral digits",
            b",.5\r\n",
            0,
            K::BadDouble,
            1,
        ),
        (
            "double with a bare dot",
            b":1\r\n,1.\r\n",
            1,
            K::BadDouble,
            7,
        ),
        (
            "double with a bare exponent",
            b",1e+\r\n",
            0,
            K::BadDouble,
            4,
        ),
        ("double spelled out", b",infinity\r\n", 0, K::BadDouble, 1),
        ("double in capitals", b",INF\r\n", 0, K::BadDouble, 1),
        ("bad boolean", b"#x\r\n", 0, K::BadBoolean, 1),
        ("long boolean", b"#tt\r\n", 0, K::BadBoolean, 2),
        ("empty boolean", b"#\r\n", 0, K::BadBoolean, 1),
        ("null with content", b"_x\r\n", 0, K::BadNull, 1),
        ("bad big number", b"(12a\r\n", 0, K::BadBigNumber, 3),
        ("empty big number", b"(\r\n", 0, K::BadBigNumber, 1),
        ("verbatim too short", b"=3\r\nabc\r\n", 0, K::BadVerbatim, 1),
        (
            "verbatim without colon",
            b"=5\r\ntxtxy\r\n",
            0,
            K::BadVerbatim,
            7,
        ),
        ("semicolon at top", b";1\r\n", 0, K::BadStream, 0),
        ("end at top", b".\r\n", 0, K::BadStream, 0),
        ("end in counted array", b"*1\r\n.\r\n", 0, K::BadStream, 4),
        ("end with content", b"*?\r\n.x\r\n", 0, K::BadStream, 5),
        ("odd streamed map", b"%?\r\n+a\r\n.\r\n", 0, K::BadStream, 8),
        ("streamed blob error", b"!?\r\n", 0, K::BadStream, 1),
        ("streamed verbatim", b"=?\r\n", 0, K::BadStream, 1),
        ("streamed push", b">?\r\n", 0, K::BadStream, 1),
        ("streamed attribute", b"|?\r\n", 0, K::BadStream, 1),
        (
            "streamed string chunk of wrong type",
            b"$?\r\n:1\r\n",
            0,
            K::BadStream,
            4,
        ),
        (
            "streamed string chunk with null length",
            b"$?\r\n;-1\r\n",
            0,
            K::BadLength,
            5,
        ),
        (
            "attribute before end",
            b"*?\r\n|1\r\n+a\r\n+b\r\n.\r\n",
            0,
            K::BadAttribute,
            16,
        ),
        ("push inside array", b"*1\r\n>0\r\n", 0, K::BadPush, 4),
        ("push inside attribute", b"|1\r\n>0\r\n", 0, K::BadPush, 4),
    ]
}

fn expected_outcome(frames: Vec<Frame>, end: End) -> Outcome {
    Outcome { frames, end }
}

#[test]
fn valid_vectors_decode() {
    for (name, input, frames) in valid() {
        assert_eq!(
            decode_whole(input),
            expected_outcome(frames, End::Clean),
            "{name}"
        );
    }
}

#[test]
fn invalid_vectors_fail_at_the_offending_byte() {
    for (name, input, before, kind, offset) in invalid() {
        let outcome = decode_whole(input);
        assert_eq!(outcome.frames.len(), before, "{name}: {outcome:?}");
        assert_eq!(
            outcome.end,
            End::Error(DecodeError::new(kind, offset)),
            "{name}"
        );
    }
}

#[test]
fn every_split_point_gives_the_whole_input_result() {
    let inputs = valid().into_iter().map(|(name, input, _)| (name, input));
    let inputs = inputs.chain(invalid().into_iter().map(|(name, input, ..)| (name, input)));
    for (name, input) in inputs {
        let whole = decode_whole(input);
        for cut in 0..=input.len() {
            let split = decode_cut(input, &[cut], Limits::default(), Protocol::Resp3);
            assert_eq!(split, whole, "{name} split at {cut}");
        }
        let cuts: Vec<usize> = (1..input.len()).collect();
        assert_eq!(
            decode_cut(input, &cuts, Limits::default(), Protocol::Resp3),
            whole,
            "{name} byte by byte"
        );
    }
}

#[test]
fn prefixes_are_incomplete_not_errors() {
    for (name, input, frames) in valid() {
        // Where each frame ends in the input.
        let mut decoder = resp_core::Decoder::new();
        let mut buf = bytes::BytesMut::from(input);
        let mut boundaries = vec![0];
        while decoder.decode(&mut buf).unwrap().is_some() {
            boundaries.push(decoder.position() as usize);
        }
        assert_eq!(boundaries.len(), frames.len() + 1, "{name}");
        for end in 0..input.len() {
            let outcome = decode_whole(&input[..end]);
            let complete = boundaries.iter().filter(|&&b| b > 0 && b <= end).count();
            assert_eq!(outcome.frames, frames[..complete], "{name} prefix {end}");
            let expected = if boundaries.contains(&end) {
                End::Clean
            } else {
                End::Incomplete
            };
            assert_eq!(outcome.end, expected, "{name} prefix {end}");
        }
    }
}

#[test]
fn strict_resp2_rejects_resp3_types() {
    for type_byte in *b"_,#!=(%~>|" {
        let input = [type_byte, b'1', b'\r', b'\n'];
        let outcome = decode_cut(&input, &[], Limits::default(), Protocol::Resp2);
        assert_eq!(
            outcome.end,
            End::Error(DecodeError::new(K::Resp3OnlyType(type_byte), 0))
        );
    }
    let streamed = decode_cut(b"*?\r\n", &[], Limits::default(), Protocol::Resp2);
    assert_eq!(streamed.end, End::Error(DecodeError::new(K::BadLength, 1)));
    let resp2 = b"*2\r\n$1\r\na\r\n:1\r\n-ERR\r\n+OK\r\n$-1\r\n*-1\r\n";
    assert_eq!(
        decode_cut(resp2, &[], Limits::default(), Protocol::Resp2),
        decode_whole(resp2)
    );
}

#[test]
fn errors_are_sticky_until_reset() {
    let mut decoder = resp_core::Decoder::new();
    let mut buf = bytes::BytesMut::from(&b"x"[..]);
    let error = decoder.decode(&mut buf).unwrap_err();
    buf.extend_from_slice(b"+OK\r\n");
    assert_eq!(decoder.decode(&mut buf), Err(error));
    decoder.reset();
    let mut fresh = bytes::BytesMut::from(&b"+OK\r\n"[..]);
    assert_eq!(decoder.decode(&mut fresh), Ok(Some(simple("OK"))));
    assert_eq!(decoder.position(), 5);
}
