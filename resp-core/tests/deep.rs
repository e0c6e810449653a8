//! Deep nesting never overflows the stack: not while decoding, and not while
//! dropping, printing, comparing or encoding a hand-built deep frame.

mod common;

use bytes::BytesMut;
use resp_core::{Attributed, DecodeError, DecodeErrorKind, Decoder, Frame, Limit, Limits};

#[test]
fn a_million_nested_arrays_is_a_clean_depth_error() {
    let input = b"*1\r\n".repeat(1_000_000);
    let mut buf = BytesMut::from(&input[..]);
    let error = Decoder::new().decode(&mut buf).unwrap_err();
    // The 1025th opening, with the default max_depth of 1024.
    assert_eq!(
        error,
        DecodeError::new(DecodeErrorKind::LimitExceeded(Limit::Depth), 1024 * 4)
    );
}

#[test]
fn a_million_nested_arrays_decode_iteratively_when_allowed() {
    let depth = 1_000_000;
    let mut input = b"*1\r\n".repeat(depth);
    input.extend_from_slice(b":1\r\n");
    let mut decoder = Decoder::with_limits(Limits::unlimited());
    let frame = decoder
        .decode(&mut BytesMut::from(&input[..]))
        .unwrap()
        .unwrap();
    assert_eq!(frame.encoded_len(), input.len());
    assert_eq!(frame.encode_to_vec().unwrap(), input);
    drop(frame);
}

fn nested(depth: usize, leaf: i64) -> Frame {
    let mut frame = Frame::Integer(leaf);
    for level in 0..depth {
        frame = match level % 4 {
            0 => Frame::Array(vec![frame]),
            1 => Frame::Map(vec![(Frame::Integer(0), frame)]),
            2 => Frame::Attributed(Box::new(Attributed {
                attributes: vec![vec![]],
                value: frame,
            })),
            _ => Frame::Set(vec![frame, Frame::Null(resp_core::NullKind::Null)]),
        };
    }
    frame
}

#[test]
fn a_100k_deep_frame_drops_prints_compares_and_encodes() {
    let a = nested(100_000, 1);
    let b = nested(100_000, 1);
    let c = nested(100_000, 2);
    assert_eq!(a, b);
    assert_ne!(a, c);
    let printed = format!("{a:?}");
    assert!(
        printed.starts_with("Set([Attributed { attributes: [[]], value: Map([(Integer(0), Array([")
    );
    assert!(printed.contains("Integer(1)"));
    assert_eq!(a.encode_to_vec().unwrap().len(), a.encoded_len());
    let cloned = a.clone();
    assert_eq!(cloned, b);
    drop(a);
    drop(cloned);
    drop(b);
    drop(c);
}

#[test]
fn a_100k_chain_of_attributed_wrappers_is_as_safe() {
    let mut frame = Frame::Integer(1);
    for _ in 0..100_000 {
        frame = Frame::Attributed(Box::new(Attributed {
            attributes: vec![],
            value: frame,
        }));
    }
    assert_eq!(frame.value(), &Frame::Integer(1));
    let copy = frame.clone();
    assert_eq!(copy, frame);
    assert!(format!("{copy:?}").contains("value: Integer(1) } }"));
    assert_eq!(frame.encode_to_vec().unwrap(), b":1\r\n");
    let not_an_array = frame.into_items().unwrap_err();
    assert_eq!(not_an_array, copy);
}
