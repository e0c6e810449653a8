//! The reply writer's RESP2 output is what Redis 7 sends a RESP2 client for
//! the same reply it sends a RESP3 client.

mod common;

use common::{corpus_dir, decode_whole};
use resp_core::{DoubleFormat, Frame, NullKind, Protocol, ReplyWriter};
use std::fs;

/// Cases whose RESP2 and RESP3 replies differ for reasons other than the
/// protocol's value mapping, so no writer could turn one into the other.
const NOT_A_DOWNGRADE: &[(&str, &str)] = &[
    ("client_info", "content varies between the two captures"),
    ("client_list", "content varies between the two captures"),
    ("info", "content varies between the two captures"),
    ("info_server", "content varies between the two captures"),
    (
        "latency_histogram_set",
        "content varies between the two captures",
    ),
    ("memory_stats", "content varies between the two captures"),
    ("monitor", "content varies between the two captures"),
    ("time", "content varies between the two captures"),
    ("hello", "HELLO reports the protocol and a fresh client id"),
    (
        "hello_noargs",
        "HELLO reports the protocol and a fresh client id",
    ),
    (
        "zrange_withscores",
        "the command nests pairs only for RESP3 clients",
    ),
    (
        "zpopmin_hrandfield",
        "the command nests pairs only for RESP3 clients",
    ),
    (
        "xadd_xrange",
        "XREAD answers a map to RESP3 and nested arrays to RESP2",
    ),
    (
        "debug_protocol_push",
        "RESP2 clients get an error instead of a push",
    ),
    (
        "subscribe_publish",
        "RESP2 subscribers get different replies (PING)",
    ),
    ("subscribed_get", "RESP2 subscribers may not run GET"),
    (
        "tracking_invalidate",
        "RESP2 receives invalidations on another connection",
    ),
];

/// Cases where Redis answers a null *array* (`addReplyNullArray`); a server
/// writes these with `null_array()`.
const NULL_ARRAY: &[&str] = &["blpop_timeout", "exec_watch_abort", "xread_block_timeout"];

fn resp2_of(frames: &[Frame], null_is_array: bool) -> Vec<u8> {
    let mut out = Vec::new();
    let mut writer =
        ReplyWriter::new(&mut out, Protocol::Resp2).with_double_format(DoubleFormat::Significant17);
    for frame in frames {
        if null_is_array && *frame == Frame::Null(NullKind::Null) {
            writer.null_array();
        } else {
            writer.frame(frame).unwrap();
        }
    }
    out
}

#[test]
fn resp3_replies_downgrade_to_what_redis_sends_resp2_clients() {
    let mut names: Vec<String> = fs::read_dir(corpus_dir().join("resp3"))
        .unwrap()
        .filter_map(|entry| {
            let path = entry.ok()?.path();
            (path.extension()? == "bin")
                .then(|| path.file_stem().unwrap().to_string_lossy().into_owned())
        })
        .collect();
    names.sort();
    let mut matched = Vec::new();
    for name in &names {
        let Ok(resp2) = fs::read(corpus_dir().join("resp2").join(format!("{name}.bin"))) else {
            continue;
        };
        if NOT_A_DOWNGRADE.iter().any(|(skip, _)| skip == name) {
            continue;
        }
        let resp3 = fs::read(corpus_dir().join("resp3").join(format!("{name}.bin"))).unwrap();
        let frames = decode_whole(&resp3).frames;
        let written = resp2_of(&frames, NULL_ARRAY.contains(&name.as_str()));
        assert_eq!(
            String::from_utf8_lossy(&written),
            String::from_utf8_lossy(&resp2),
            "{name}"
        );
        matched.push(name.as_str());
    }
    assert!(matched.len() >= 40, "only {} cases compared", matched.len());
    for must in [
        "hgetall",
        "debug_protocol_double",
        "debug_protocol_map",
        "debug_protocol_set",
        "debug_protocol_true",
        "debug_protocol_false",
        "debug_protocol_bignum",
        "debug_protocol_verbatim",
        "debug_protocol_attrib",
        "debug_protocol_null",
        "blpop_timeout",
    ] {
        assert!(matched.contains(&must), "{must} was not compared");
    }
}

#[test]
fn resp3_output_is_the_frame_itself() {
    for name in [
        "debug_protocol_map",
        "debug_protocol_attrib",
        "hgetall",
        "debug_protocol_verbatim",
    ] {
        let resp3 = fs::read(corpus_dir().join("resp3").join(format!("{name}.bin"))).unwrap();
        let mut out = Vec::new();
        let mut writer = ReplyWriter::new(&mut out, Protocol::Resp3);
        for frame in decode_whole(&resp3).frames {
            writer.frame(&frame).unwrap();
        }
        assert_eq!(out, resp3, "{name}");
    }
}

#[test]
fn downgrades_follow_the_documented_table() {
    let cases: Vec<(Frame, &[u8])> = vec![
        (Frame::Boolean(false), b":0\r\n"),
        (Frame::Double(f64::INFINITY), b"$3\r\ninf\r\n"),
        (Frame::BigNumber("-12".into()), b"$3\r\n-12\r\n"),
        (
            Frame::Verbatim {
                format: *b"mkd",
                text: "# hi".into(),
            },
            b"$4\r\n# hi\r\n",
        ),
        (Frame::BulkError("ERR a\r\nb".into()), b"-ERR a  b\r\n"),
        (Frame::Null(NullKind::Null), b"$-1\r\n"),
        (Frame::Null(NullKind::Array), b"*-1\r\n"),
        (Frame::StreamedString("ab".into()), b"$2\r\nab\r\n"),
        (
            Frame::StreamedMap(vec![(Frame::Integer(1), Frame::Boolean(true))]),
            b"*2\r\n:1\r\n:1\r\n",
        ),
        (Frame::Set(vec![Frame::Integer(1)]), b"*1\r\n:1\r\n"),
        (
            Frame::Push(vec![Frame::SimpleString("m".into())]),
            b"*1\r\n+m\r\n",
        ),
        (Frame::StreamedSet(vec![]), b"*0\r\n"),
    ];
    for (frame, expected) in cases {
        let mut out = Vec::new();
        ReplyWriter::new(&mut out, Protocol::Resp2)
            .frame(&frame)
            .unwrap();
        assert_eq!(out, expected, "{frame:?}");
    }
}

#[test]
fn streamed_replies_are_resp3_only() {
    let mut out = Vec::new();
    let mut writer = ReplyWriter::new(&mut out, Protocol::Resp3);
    writer.streamed_map().unwrap();
    writer.simple("k").unwrap();
    writer.streamed_array().unwrap();
    writer.integer(1);
    writer.streamed_end();
    writer.streamed_end();
    writer.streamed_set().unwrap();
    writer.streamed_end();
    writer.streamed_string().unwrap();
    writer.streamed_chunk("");
    writer.streamed_string_end();
    let decoded = decode_whole(&out);
    assert_eq!(
        decoded.frames,
        vec![
            Frame::StreamedMap(vec![(
                Frame::SimpleString("k".into()),
                Frame::StreamedArray(vec![Frame::Integer(1)])
            )]),
            Frame::StreamedSet(vec![]),
            Frame::StreamedString("".into()),
        ]
    );
    let mut resp2 = ReplyWriter::new(Vec::new(), Protocol::Resp2);
    assert_eq!(
        resp2.streamed_string(),
        Err(resp_core::EncodeError::Resp3Only)
    );
    assert_eq!(
        resp2.streamed_array(),
        Err(resp_core::EncodeError::Resp3Only)
    );
    assert!(resp2.into_inner().is_empty());
}
