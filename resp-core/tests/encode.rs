//! The packer: byte-exact against real clients, exact lengths, typed errors.

mod common;

use bytes::{Buf, Bytes, BytesMut};
use common::arb::arb_frame;
use common::{corpus_dir, decode_whole};
use proptest::prelude::*;
use resp_core::{
    Args, ChunkedEncoder, Decoder, EncodeError, Frame, NullKind, Pipeline, Protocol, pack_command,
    pack_pipeline, pack_transaction,
};
use std::fs;

/// Every multibulk request that redis-cli, redis-benchmark and redis-py sent
/// is what `pack_command` writes for the same arguments.
#[test]
fn pack_command_writes_what_real_clients_send() {
    let mut compared = 0;
    for client in ["redis-cli", "redis-benchmark", "redis-py"] {
        let dir = corpus_dir().join("clients").join(client);
        for entry in fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|ext| ext != "c2s") {
                continue;
            }
            let sent = fs::read(&path).unwrap();
            let mut decoder = Decoder::new();
            let mut buf = BytesMut::from(&sent[..]);
            let mut start = 0;
            // Inline commands (redis-benchmark's PING) end what frames can describe.
            while let Ok(Some(request)) = decoder.decode(&mut buf) {
                let end = decoder.position() as usize;
                let args: Vec<Bytes> = request
                    .into_items()
                    .unwrap()
                    .into_iter()
                    .map(|arg| arg.into_bytes().unwrap())
                    .collect();
                let mut packed = Vec::new();
                pack_command(&mut packed, &args);
                assert_eq!(packed, &sent[start..end], "{}", path.display());
                assert_eq!(packed.len(), args.command_len());
                start = end;
                compared += 1;
            }
        }
    }
    assert!(compared >= 20, "{compared}");
}

#[test]
fn arguments_of_every_kind() {
    let mut out = BytesMut::new();
    let owned = String::from("s");
    pack_command(
        &mut out,
        (
            "str",
            &b"bytes"[..],
            owned,
            vec![0u8, 255],
            Bytes::from_static(b"B"),
            -42i64,
            7u8,
            usize::MAX,
            1.5f64,
            f64::NEG_INFINITY,
            0.1f32,
            *b"arr",
        ),
    );
    let frames = decode_whole(&out).frames;
    let args: Vec<Bytes> = frames[0]
        .items()
        .unwrap()
        .iter()
        .map(|f| Bytes::copy_from_slice(f.as_bytes().unwrap()))
        .collect();
    let expected: [&[u8]; 12] = [
        b"str",
        b"bytes",
        b"s",
        &[0, 255],
        b"B",
        b"-42",
        b"7",
        b"18446744073709551615",
        b"1.5",
        b"-inf",
        b"0.1",
        b"arr",
    ];
    assert_eq!(args, expected);
    let mut empty = Vec::new();
    pack_command(&mut empty, Vec::<&str>::new());
    assert_eq!(empty, b"*0\r\n");
    pack_command(&mut empty, [""]);
    assert_eq!(empty, b"*0\r\n*1\r\n$0\r\n\r\n");
}

#[test]
fn pipelines_and_transactions() {
    let mut pipeline = Pipeline::new();
    pipeline
        .command(("SET", "k", 1))
        .multi()
        .command(["INCR", "k"])
        .command(["GET", "k"])
        .exec();
    assert_eq!(pipeline.len(), 5);
    let bytes = pipeline.take();
    let frames = decode_whole(&bytes).frames;
    let names: Vec<&[u8]> = frames
        .iter()
        .map(|f| f.items().unwrap()[0].as_bytes().unwrap())
        .collect();
    assert_eq!(names, [&b"SET"[..], b"MULTI", b"INCR", b"GET", b"EXEC"]);
    assert!(pipeline.is_empty() && pipeline.as_bytes().is_empty());

    let commands = [["INCR", "a"], ["INCR", "b"]];
    let mut out = Vec::new();
    pack_transaction(&mut out, &commands);
    let mut plain = Vec::new();
    pack_pipeline(&mut plain, &commands);
    assert_eq!(out.len(), plain.len() + 15 + 14);
    assert!(out.ends_with(b"*1\r\n$4\r\nEXEC\r\n") && out.starts_with(b"*1\r\n$5\r\nMULTI\r\n"));
    assert_eq!(&out[15..15 + plain.len()], &plain[..]);
}

#[test]
fn invalid_values_fail_and_write_nothing() {
    let invalid = [
        (
            Frame::SimpleString("a\rb".into()),
            EncodeError::LineBreakInSimple,
        ),
        (
            Frame::SimpleError("a\nb".into()),
            EncodeError::LineBreakInSimple,
        ),
        (
            Frame::BigNumber("12a".into()),
            EncodeError::InvalidBigNumber,
        ),
        (Frame::BigNumber("".into()), EncodeError::InvalidBigNumber),
        (Frame::BigNumber("-".into()), EncodeError::InvalidBigNumber),
        // Deep inside an aggregate: still nothing written.
        (
            Frame::Array(vec![
                Frame::Integer(1),
                Frame::Map(vec![(
                    Frame::SimpleString("\r\n".into()),
                    Frame::Integer(1),
                )]),
            ]),
            EncodeError::LineBreakInSimple,
        ),
    ];
    for (frame, error) in invalid {
        let mut out = Vec::new();
        assert_eq!(frame.encode(&mut out), Err(error), "{frame:?}");
        assert!(out.is_empty());
        assert_eq!(frame.encode_to_vec(), Err(error));
    }
    let resp3_only = [
        Frame::Boolean(true),
        Frame::Double(1.0),
        Frame::Null(NullKind::Null),
        Frame::Map(vec![]),
        Frame::Array(vec![Frame::Set(vec![])]),
        Frame::BulkError("e".into()),
        Frame::StreamedString("s".into()),
    ];
    for frame in resp3_only {
        let mut out = Vec::new();
        assert_eq!(
            frame.encode_for(Protocol::Resp2, &mut out),
            Err(EncodeError::Resp3Only),
            "{frame:?}"
        );
        assert!(out.is_empty());
    }
    let resp2 = Frame::Array(vec![
        Frame::Null(NullKind::Bulk),
        Frame::Null(NullKind::Array),
        Frame::Integer(1),
    ]);
    let mut out = Vec::new();
    resp2.encode_for(Protocol::Resp2, &mut out).unwrap();
    assert_eq!(out, b"*3\r\n$-1\r\n*-1\r\n:1\r\n");
}

#[test]
fn doubles_are_canonical() {
    for (value, wire) in [
        (1.0, ",1\r\n"),
        (-0.0, ",-0\r\n"),
        (f64::NAN, ",nan\r\n"),
        (1e300, ",1e300\r\n"),
        (0.1, ",0.1\r\n"),
    ] {
        assert_eq!(
            Frame::Double(value).encode_to_vec().unwrap(),
            wire.as_bytes()
        );
    }
}

proptest! {
    #[test]
    fn chunked_encoder_yields_the_same_bytes(frame in arb_frame(), threshold in 1usize..8) {
        let mut chunked = ChunkedEncoder::new(threshold);
        chunked.frame(&frame).unwrap();
        chunked.frame(&frame).unwrap();
        let mut expected = frame.encode_to_vec().unwrap();
        expected.extend_from_within(..);
        prop_assert_eq!(chunked.remaining(), expected.len());
        let mut slices = [std::io::IoSlice::new(&[]); 64];
        let filled = chunked.chunks_vectored(&mut slices);
        let vectored: Vec<u8> = slices[..filled].iter().flat_map(|s| s.iter().copied()).collect();
        prop_assert!(expected.starts_with(&vectored));
        prop_assert_eq!(chunked.copy_to_bytes(expected.len()), Bytes::from(expected));
    }

    #[test]
    fn encoded_len_is_exact(frame in arb_frame()) {
        let mut out = BytesMut::with_capacity(frame.encoded_len());
        let capacity = out.capacity();
        frame.encode(&mut out).unwrap();
        prop_assert_eq!(out.len(), frame.encoded_len());
        prop_assert_eq!(out.capacity(), capacity);
    }
}
