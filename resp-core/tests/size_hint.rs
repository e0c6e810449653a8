//! `Decoder::bytes_needed`: wherever a payload sits in a frame, after a read
//! that ends inside it the decoder says how many more bytes it needs, so a
//! codec reserves a big value's buffer once.

use bytes::BytesMut;
use resp_core::{Decoder, Frame};

/// A payload of `len` bytes of `x` at every position worth telling apart,
/// with the bytes before it and after it.
fn cases(len: usize) -> Vec<(&'static str, Vec<u8>, Vec<u8>)> {
    let bulk = |before: &str, after: &str| {
        (
            before.replace("{len}", &len.to_string()).into_bytes(),
            after.as_bytes().to_vec(),
        )
    };
    [
        ("top level", "$@\r\n", "\r\n"),
        ("first in a flat array", "*2\r\n$@\r\n", "\r\n:1\r\n"),
        ("last in a flat array", "*2\r\n:1\r\n$@\r\n", "\r\n"),
        ("a map's value", "%2\r\n+k\r\n$@\r\n", "\r\n+k2\r\n:2\r\n"),
        ("a map's key", "%1\r\n$@\r\n", "\r\n:1\r\n"),
        ("nested", "*2\r\n*1\r\n*1\r\n$@\r\n", "\r\n_\r\n"),
        ("after an attribute", "|1\r\n+ttl\r\n:5\r\n$@\r\n", "\r\n"),
        ("in a set in a push", ">2\r\n+m\r\n~1\r\n$@\r\n", "\r\n"),
        ("a blob error", "*1\r\n!@\r\n", "\r\n"),
        ("a verbatim string", "=@\r\ntxt:", "\r\n"),
        ("a streamed string's chunk", "$?\r\n;@\r\n", "\r\n;0\r\n"),
    ]
    .into_iter()
    .map(|(name, before, after)| {
        let (before, after) = bulk(&before.replace('@', "{len}"), after);
        (name, before, after)
    })
    .collect()
}

#[test]
fn the_hint_is_there_at_every_position() {
    let len = 100_000;
    for (name, before, after) in cases(len) {
        // The verbatim prefix counts towards the declared length.
        let body = if name == "a verbatim string" {
            len - 4
        } else {
            len
        };
        for arrived in [0, 1, body / 2, body - 1, body] {
            let mut decoder = Decoder::new();
            let mut buf = BytesMut::from(&before[..]);
            buf.extend_from_slice(&vec![b'x'; arrived]);
            assert_eq!(decoder.decode(&mut buf), Ok(None), "{name}");
            let needed = body - arrived + 2;
            assert_eq!(
                decoder.bytes_needed(),
                Some(needed),
                "{name} with {arrived} bytes here"
            );
            buf.reserve(needed);
            let capacity = buf.capacity();
            buf.extend_from_slice(&vec![b'x'; body - arrived]);
            buf.extend_from_slice(b"\r\n");
            assert_eq!(buf.capacity(), capacity, "{name}: sized once");
            buf.extend_from_slice(&after[2..]);
            let frame = decoder.decode(&mut buf).unwrap().expect(name);
            assert!(decoder.is_idle() && buf.is_empty(), "{name}");
            assert!(longest_payload(&frame) >= body, "{name}: {frame:?}");
            assert_eq!(decoder.bytes_needed(), None, "{name}");
        }
    }
}

#[test]
fn no_hint_without_a_payload_in_progress() {
    for partial in [
        &b""[..],
        b"*2\r\n:1\r\n",
        b"+OK",
        b"*3\r\n$3\r\nSET\r\n$",
        b"%1\r\n+k\r\n",
    ] {
        let mut decoder = Decoder::new();
        let mut buf = BytesMut::from(partial);
        assert_eq!(decoder.decode(&mut buf), Ok(None));
        assert_eq!(decoder.bytes_needed(), None, "{}", partial.escape_ascii());
    }
}

fn longest_payload(frame: &Frame) -> usize {
    match frame {
        Frame::BulkString(data) | Frame::BulkError(data) | Frame::StreamedString(data) => {
            data.len()
        }
        Frame::Verbatim { text, .. } => text.len() + 4,
        Frame::Array(items) | Frame::Set(items) | Frame::Push(items) => {
            items.iter().map(longest_payload).max().unwrap_or(0)
        }
        Frame::Map(pairs) => pairs
            .iter()
            .map(|(k, v)| longest_payload(k).max(longest_payload(v)))
            .max()
            .unwrap_or(0),
        Frame::Attributed(attributed) => longest_payload(&attributed.value),
        _ => 0,
    }
}
