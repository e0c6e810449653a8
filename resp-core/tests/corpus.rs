//! Every reply captured from a real Redis 7 decodes to the frames its `.json`
//! describes, whole and fed one byte at a time.

mod common;

use common::{End, corpus_dir, decode_chunked, decode_whole};
use resp_core::{Frame, Limits, NullKind, Protocol};
use serde_json::Value;
use std::fs;

fn text_matches(actual: &[u8], expected: &Value) -> Result<(), String> {
    let ok = match expected {
        Value::String(s) => actual == s.as_bytes(),
        Value::Object(o) if o.contains_key("hex") => {
            actual == hex(o["hex"].as_str().unwrap_or_default()).as_slice()
        }
        Value::Object(o) if o.contains_key("len") => {
            // Large values are described by length and head; the 1 MiB one
            // is byte i = i % 256 throughout.
            let len = o["len"].as_u64().unwrap_or_default() as usize;
            let head = hex(o["head_hex"].as_str().unwrap_or_default());
            let pattern = len != 1 << 20 || actual.iter().enumerate().all(|(i, &b)| b == i as u8);
            actual.len() == len && actual.starts_with(&head) && pattern
        }
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(format!(
            "payload {:?} != {expected}",
            String::from_utf8_lossy(&actual[..actual.len().min(80)])
        ))
    }
}

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn items_match(actual: &[Frame], expected: &Value) -> Result<(), String> {
    let expected = expected.as_array().ok_or("expected a list")?;
    if actual.len() != expected.len() {
        return Err(format!(
            "{} elements, expected {}",
            actual.len(),
            expected.len()
        ));
    }
    actual
        .iter()
        .zip(expected)
        .try_for_each(|(a, e)| frame_matches(a, e))
}

fn pairs_match(actual: &[(Frame, Frame)], expected: &Value) -> Result<(), String> {
    let expected = expected.as_array().ok_or("expected a list of pairs")?;
    if actual.len() != expected.len() {
        return Err(format!(
            "{} pairs, expected {}",
            actual.len(),
            expected.len()
        ));
    }
    for ((key, value), pair) in actual.iter().zip(expected) {
        frame_matches(key, &pair[0])?;
        frame_matches(value, &pair[1])?;
    }
    Ok(())
}

fn frame_matches(frame: &Frame, expected: &Value) -> Result<(), String> {
    let v = &expected["v"];
    match (expected["t"].as_str().unwrap_or_default(), frame) {
        ("simple", Frame::SimpleString(s)) | ("error", Frame::SimpleError(s)) => text_matches(s, v),
        ("bulk", Frame::BulkString(s)) | ("bignum", Frame::BigNumber(s)) => text_matches(s, v),
        ("int", Frame::Integer(n)) if v.as_i64() == Some(*n) => Ok(()),
        ("bool", Frame::Boolean(b)) if v.as_bool() == Some(*b) => Ok(()),
        ("null", Frame::Null(NullKind::Null))
        | ("null_bulk", Frame::Null(NullKind::Bulk))
        | ("null_array", Frame::Null(NullKind::Array)) => Ok(()),
        ("double", Frame::Double(d)) => {
            let raw: f64 = expected["raw"]
                .as_str()
                .unwrap_or_default()
                .parse()
                .map_err(|_| "raw")?;
            if raw == *d || raw.is_nan() && d.is_nan() {
                Ok(())
            } else {
                Err(format!("double {d} != {raw}"))
            }
        }
        ("verbatim", Frame::Verbatim { format, text }) => {
            if expected["fmt"].as_str().map(str::as_bytes) != Some(&format[..]) {
                return Err("verbatim format".into());
            }
            text_matches(text, v)
        }
        ("array", Frame::Array(items))
        | ("set", Frame::Set(items))
        | ("push", Frame::Push(items)) => items_match(items, v),
        ("map", Frame::Map(pairs)) => pairs_match(pairs, v),
        ("attr", Frame::Attributed(attributed)) => {
            if attributed.attributes.len() != 1 {
                return Err("one attribute expected".into());
            }
            pairs_match(&attributed.attributes[0], v)?;
            frame_matches(&attributed.value, &expected["then"])
        }
        (t, frame) => Err(format!("{frame:?} is not {t} {v}")),
    }
}

fn check_folder(folder: &str) -> usize {
    let mut checked = 0;
    let dir = corpus_dir().join(folder);
    let mut names: Vec<_> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{} is missing: {e}", dir.display()))
        .filter_map(|entry| {
            let path = entry.ok()?.path();
            (path.extension()? == "json").then_some(path)
        })
        .collect();
    names.sort();
    for json_path in names {
        let case: Value = serde_json::from_slice(&fs::read(&json_path).unwrap()).unwrap();
        let reply = fs::read(json_path.with_extension("bin")).unwrap();
        let name = json_path.display();
        let whole = decode_whole(&reply);
        assert_eq!(whole.end, End::Clean, "{name}: {:?}", whole.end);
        assert_eq!(
            whole.frames.len() as u64,
            case["frames"].as_u64().unwrap(),
            "{name}"
        );
        let expected = case["decoded_frames"].as_array().unwrap();
        assert_eq!(whole.frames.len(), expected.len(), "{name}");
        for (frame, expected) in whole.frames.iter().zip(expected) {
            if let Err(why) = frame_matches(frame, expected) {
                panic!("{name}: {why}");
            }
        }
        let one_byte = decode_chunked(&reply, 1, Limits::default(), Protocol::Resp3);
        assert_eq!(one_byte, whole, "{name}: one byte at a time");
        if case["resp"] == 2 {
            let strict = decode_chunked(&reply, 7, Limits::default(), Protocol::Resp2);
            assert_eq!(strict, whole, "{name}: strict RESP2");
        }
        checked += 1;
    }
    checked
}

#[test]
fn resp2_replies_decode_as_captured() {
    assert!(check_folder("resp2") > 60);
}

#[test]
fn resp3_replies_decode_as_captured() {
    assert!(check_folder("resp3") > 60);
}
