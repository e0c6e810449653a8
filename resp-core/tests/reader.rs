//! Event-level vectors for the Reader: for each input the exact events it
//! gives, the same at every split point into two reads (payloads in chunks
//! are compared joined, since where a chunk ends follows the reads). Proxies
//! and the frame splitter rely on these sequences.

use resp_core::{AggregateKind as A, BlobKind, Event, FrameSplitter, NullKind, Reader, Split};

/// An owned event, so sequences can be compared across reads.
#[derive(Debug, Clone, PartialEq)]
enum E {
    Simple(Vec<u8>),
    Error(Vec<u8>),
    Int(i64),
    Double(f64),
    Bool(bool),
    Big(Vec<u8>),
    Null(NullKind),
    Bulk(Vec<u8>),
    BulkError(Vec<u8>),
    Verbatim([u8; 3], Vec<u8>),
    BlobStart(BlobKind, Option<u64>),
    Chunk(Vec<u8>),
    BlobEnd,
    Start(A, Option<u64>),
    End(A),
}

fn own(event: Event<'_>) -> E {
    match event {
        Event::SimpleString(t) => E::Simple(t.to_vec()),
        Event::SimpleError(t) => E::Error(t.to_vec()),
        Event::Integer(n) => E::Int(n),
        Event::Double(d) => E::Double(d),
        Event::Boolean(b) => E::Bool(b),
        Event::BigNumber(t) => E::Big(t.to_vec()),
        Event::Null(kind) => E::Null(kind),
        Event::BulkString(t) => E::Bulk(t.to_vec()),
        Event::BulkError(t) => E::BulkError(t.to_vec()),
        Event::Verbatim { format, text } => E::Verbatim(format, text.to_vec()),
        Event::BlobStart { kind, len } => E::BlobStart(kind, len),
        Event::BlobChunk(t) => E::Chunk(t.to_vec()),
        Event::BlobEnd => E::BlobEnd,
        Event::AggregateStart { kind, len } => E::Start(kind, len),
        Event::AggregateEnd(kind) => E::End(kind),
    }
}

/// Reads `input` in two pieces cut at `cut`, as a caller keeping the
/// unconsumed bytes would; adjacent chunks are joined.
fn events(input: &[u8], cut: usize, threshold: u64) -> Vec<E> {
    let mut reader = Reader::new().with_chunk_threshold(threshold);
    let mut held = Vec::new();
    let mut out: Vec<E> = Vec::new();
    for piece in [&input[..cut], &input[cut..]] {
        held.extend_from_slice(piece);
        loop {
            let step = reader.read(&held).expect("valid input");
            let event = step.event.map(own);
            held.drain(..step.consumed);
            match event {
                None => break,
                Some(E::Chunk(more)) => match out.last_mut() {
                    Some(E::Chunk(data)) => data.extend_from_slice(&more),
                    _ => out.push(E::Chunk(more)),
                },
                Some(event) => out.push(event),
            }
        }
    }
    assert!(
        reader.is_idle() && held.is_empty(),
        "{}",
        input.escape_ascii()
    );
    out
}

fn b(text: &str) -> Vec<u8> {
    text.as_bytes().to_vec()
}

fn vectors() -> Vec<(&'static str, &'static [u8], u64, Vec<E>)> {
    let whole = u64::MAX;
    vec![
        ("simple", b"+OK\r\n", whole, vec![E::Simple(b("OK"))]),
        ("error", b"-ERR x\r\n", whole, vec![E::Error(b("ERR x"))]),
        ("integer", b":-42\r\n", whole, vec![E::Int(-42)]),
        (
            "null bulk",
            b"$-1\r\n",
            whole,
            vec![E::Null(NullKind::Bulk)],
        ),
        (
            "null array",
            b"*-1\r\n",
            whole,
            vec![E::Null(NullKind::Array)],
        ),
        ("resp3 null", b"_\r\n", whole, vec![E::Null(NullKind::Null)]),
        ("bulk", b"$5\r\nhello\r\n", whole, vec![E::Bulk(b("hello"))]),
        ("empty bulk", b"$0\r\n\r\n", whole, vec![E::Bulk(vec![])]),
        ("double", b",1.5e3\r\n", whole, vec![E::Double(1500.0)]),
        ("boolean", b"#f\r\n", whole, vec![E::Bool(false)]),
        ("big number", b"(-123\r\n", whole, vec![E::Big(b("-123"))]),
        (
            "blob error",
            b"!3\r\nbad\r\n",
            whole,
            vec![E::BulkError(b("bad"))],
        ),
        (
            "verbatim",
            b"=7\r\ntxt:abc\r\n",
            whole,
            vec![E::Verbatim(*b"txt", b("abc"))],
        ),
        (
            "flat array",
            b"*2\r\n$1\r\na\r\n:1\r\n",
            whole,
            vec![
                E::Start(A::Array, Some(2)),
                E::Bulk(b("a")),
                E::Int(1),
                E::End(A::Array),
            ],
        ),
        (
            "empty array",
            b"*0\r\n",
            whole,
            vec![E::Start(A::Array, Some(0)), E::End(A::Array)],
        ),
        (
            "map counts pairs",
            b"%1\r\n+k\r\n#t\r\n",
            whole,
            vec![
                E::Start(A::Map, Some(1)),
                E::Simple(b("k")),
                E::Bool(true),
                E::End(A::Map),
            ],
        ),
        (
            "nested",
            b"*2\r\n~1\r\n_\r\n*0\r\n",
            whole,
            vec![
                E::Start(A::Array, Some(2)),
                E::Start(A::Set, Some(1)),
                E::Null(NullKind::Null),
                E::End(A::Set),
                E::Start(A::Array, Some(0)),
                E::End(A::Array),
                E::End(A::Array),
            ],
        ),
        (
            "attribute before a push",
            b"|1\r\n+ttl\r\n:9\r\n>2\r\n+message\r\n+hi\r\n",
            whole,
            vec![
                E::Start(A::Attribute, Some(1)),
                E::Simple(b("ttl")),
                E::Int(9),
                E::End(A::Attribute),
                E::Start(A::Push, Some(2)),
                E::Simple(b("message")),
                E::Simple(b("hi")),
                E::End(A::Push),
            ],
        ),
        (
            "attribute on an element",
            b"*1\r\n|1\r\n+a\r\n+b\r\n:1\r\n",
            whole,
            vec![
                E::Start(A::Array, Some(1)),
                E::Start(A::Attribute, Some(1)),
                E::Simple(b("a")),
                E::Simple(b("b")),
                E::End(A::Attribute),
                E::Int(1),
                E::End(A::Array),
            ],
        ),
        (
            "streamed string",
            b"$?\r\n;3\r\nabc\r\n;2\r\nde\r\n;0\r\n",
            whole,
            vec![
                E::BlobStart(BlobKind::BulkString, None),
                E::Chunk(b("abcde")),
                E::BlobEnd,
            ],
        ),
        (
            "streamed aggregate",
            b"*?\r\n:1\r\n%?\r\n+k\r\n+v\r\n.\r\n.\r\n",
            whole,
            vec![
                E::Start(A::Array, None),
                E::Int(1),
                E::Start(A::Map, None),
                E::Simple(b("k")),
                E::Simple(b("v")),
                E::End(A::Map),
                E::End(A::Array),
            ],
        ),
        (
            "bulk over the chunk threshold",
            b"*2\r\n$6\r\nabcdef\r\n$2\r\nok\r\n",
            4,
            vec![
                E::Start(A::Array, Some(2)),
                E::BlobStart(BlobKind::BulkString, Some(6)),
                E::Chunk(b("abcdef")),
                E::BlobEnd,
                E::Bulk(b("ok")),
                E::End(A::Array),
            ],
        ),
        (
            "verbatim over the chunk threshold",
            b"=9\r\nmkd:hello\r\n",
            4,
            vec![
                E::BlobStart(BlobKind::Verbatim(*b"mkd"), Some(5)),
                E::Chunk(b("hello")),
                E::BlobEnd,
            ],
        ),
        (
            "blob error over the chunk threshold",
            b"!5\r\noops!\r\n",
            0,
            vec![
                E::BlobStart(BlobKind::BulkError, Some(5)),
                E::Chunk(b("oops!")),
                E::BlobEnd,
            ],
        ),
    ]
}

#[test]
fn every_split_point_gives_the_same_events() {
    for (name, input, threshold, expected) in vectors() {
        for cut in 0..=input.len() {
            assert_eq!(
                events(input, cut, threshold),
                expected,
                "{name}, cut at {cut}"
            );
        }
    }
}

/// The splitter's boundaries and push flags, whatever the reads.
#[test]
fn the_splitter_finds_every_frame_end() {
    let frames: [(&[u8], bool); 6] = [
        (b"+OK\r\n", false),
        (b">3\r\n+message\r\n+ch\r\n$2\r\nhi\r\n", true),
        (b"|1\r\n+a\r\n+b\r\n>1\r\n+x\r\n", true),
        (b"|1\r\n+a\r\n+b\r\n*1\r\n+x\r\n", false),
        (b"*2\r\n$20\r\n01234567890123456789\r\n*1\r\n:1\r\n", false),
        (b"$?\r\n;1\r\na\r\n;0\r\n", false),
    ];
    let stream: Vec<u8> = frames
        .iter()
        .flat_map(|(bytes, _)| bytes.to_vec())
        .collect();
    let expected: Vec<(usize, bool)> = frames
        .iter()
        .map(|(bytes, push)| (bytes.len(), *push))
        .collect();
    for piece in 1..=stream.len() {
        let mut splitter = FrameSplitter::new().with_chunk_threshold(8);
        let (mut held, mut found, mut frame_len) = (Vec::new(), Vec::new(), 0);
        for chunk in stream.chunks(piece) {
            held.extend_from_slice(chunk);
            loop {
                match splitter.split(&held).unwrap() {
                    Split::Frame { end, push } => {
                        found.push((frame_len + end, push));
                        frame_len = 0;
                        held.drain(..end);
                    }
                    Split::Partial { consumed } => {
                        frame_len += consumed;
                        held.drain(..consumed);
                        break;
                    }
                }
            }
            // Only a header line cut short, or a payload under the threshold, is kept.
            assert!(held.len() <= 8 + 2 + 32, "{piece}: {} kept", held.len());
        }
        assert_eq!(found, expected, "pieces of {piece}");
        assert!(splitter.is_idle());
    }
}

#[test]
fn the_splitter_passes_a_big_payload_in_constant_memory() {
    let mut splitter = FrameSplitter::new();
    let mut kept = b"$100000000\r\n".to_vec();
    let mut seen = 0;
    let chunk = vec![b'x'; 64 * 1024];
    let mut sent = 0;
    while sent < 100_000_000 {
        let take = chunk.len().min(100_000_000 - sent);
        kept.extend_from_slice(&chunk[..take]);
        sent += take;
        let Split::Partial { consumed } = splitter.split(&kept).unwrap() else {
            panic!("ended early")
        };
        seen += consumed;
        kept.drain(..consumed);
        assert!(kept.is_empty());
    }
    kept.extend_from_slice(b"\r\n");
    assert_eq!(
        splitter.split(&kept),
        Ok(Split::Frame {
            end: 2,
            push: false
        })
    );
    assert_eq!(seen + 2, 12 + 100_000_000 + 2);
}
