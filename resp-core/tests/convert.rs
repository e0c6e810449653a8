//! Typed conversion from frames: every target type, its errors, and that
//! payloads move without a copy.

use bytes::Bytes;
use resp_core::{Attributed, ConvertError, Frame, NullKind, Payload};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

fn bulk(text: &str) -> Frame {
    Frame::BulkString(Payload::copy_from_slice(text.as_bytes()))
}

fn error(text: &'static str) -> Frame {
    Frame::SimpleError(Payload::from_static(text.as_bytes()))
}

#[test]
fn integers_from_integers_and_text() {
    assert_eq!(Frame::Integer(-5).convert::<i64>(), Ok(-5));
    assert_eq!(bulk("12345").convert::<u32>(), Ok(12345));
    assert_eq!(Frame::SimpleString("7".into()).convert::<u8>(), Ok(7));
    assert_eq!(
        Frame::BigNumber("170141183460469231731687303715884105727".into()).convert::<i128>(),
        Ok(i128::MAX)
    );
    let out_of_range = ConvertError::Value {
        expected: "integer",
    };
    assert_eq!(
        Frame::Integer(256).convert::<u8>(),
        Err(out_of_range.clone())
    );
    assert_eq!(
        Frame::Integer(-1).convert::<u64>(),
        Err(out_of_range.clone())
    );
    assert_eq!(bulk("12a").convert::<i64>(), Err(out_of_range));
    assert_eq!(
        Frame::Double(1.0).convert::<i64>(),
        Err(ConvertError::Type {
            expected: "integer",
            found: "double"
        })
    );
}

#[test]
fn doubles_booleans_and_unit() {
    assert_eq!(Frame::Double(0.5).convert::<f64>(), Ok(0.5));
    assert_eq!(Frame::Integer(3).convert::<f64>(), Ok(3.0));
    assert_eq!(bulk("-inf").convert::<f64>(), Ok(f64::NEG_INFINITY));
    assert!(bulk("nan").convert::<f64>().unwrap().is_nan());
    assert_eq!(bulk("1e3").convert::<f64>(), Ok(1000.0));

    assert_eq!(Frame::Boolean(true).convert::<bool>(), Ok(true));
    assert_eq!(Frame::Integer(0).convert::<bool>(), Ok(false));
    assert_eq!(bulk("1").convert::<bool>(), Ok(true));
    for not_a_boolean in [Frame::Integer(2), bulk("yes")] {
        assert_eq!(
            not_a_boolean.convert::<bool>(),
            Err(ConvertError::Value {
                expected: "boolean"
            })
        );
    }

    assert_eq!(Frame::SimpleString("OK".into()).convert::<()>(), Ok(()));
    assert!(matches!(
        error("ERR no").convert::<()>(),
        Err(ConvertError::Server(_))
    ));
}

#[test]
fn strings_and_bytes() {
    assert_eq!(bulk("héllo").convert::<String>(), Ok("héllo".to_owned()));
    assert_eq!(Frame::Integer(42).convert::<String>(), Ok("42".to_owned()));
    let verbatim = Frame::Verbatim {
        format: *b"txt",
        text: "text".into(),
    };
    assert_eq!(verbatim.convert::<String>(), Ok("text".to_owned()));
    assert_eq!(
        Frame::BulkString(Payload::from_static(b"\xff")).convert::<String>(),
        Err(ConvertError::Value {
            expected: "UTF-8 string"
        })
    );

    // Long payloads move out of the frame: the same memory, no copy.
    let payload = Bytes::from(vec![7; 100]);
    let address = payload.as_ptr();
    let converted = Frame::BulkString(payload.into())
        .convert::<Bytes>()
        .unwrap();
    assert_eq!(converted.as_ptr(), address);
    // Short ones come out as they were stored, or copied into `Bytes`.
    let short = Frame::BulkString(Payload::from(&[1, 2, 3]));
    assert_eq!(short.clone().convert::<Payload>().unwrap(), [1, 2, 3]);
    assert_eq!(short.convert::<Bytes>().unwrap(), &[1, 2, 3][..]);
    assert_eq!(
        Frame::Integer(1).convert::<Bytes>(),
        Err(ConvertError::Type {
            expected: "string",
            found: "integer"
        })
    );
}

#[test]
fn error_replies_become_server_errors_for_every_type() {
    let text = Payload::from_static(b"WRONGTYPE Operation against a key");
    let server = ConvertError::Server(text.to_bytes());
    assert_eq!(
        Frame::SimpleError(text.clone()).convert::<i64>(),
        Err(server.clone())
    );
    assert_eq!(
        Frame::BulkError(text.clone()).convert::<String>(),
        Err(server.clone())
    );
    assert_eq!(
        Frame::SimpleError(text.clone()).convert::<Bytes>(),
        Err(server.clone())
    );
    assert_eq!(
        Frame::SimpleError(text.clone()).convert::<Option<i64>>(),
        Err(server.clone())
    );
    assert_eq!(
        Frame::SimpleError(text.clone()).convert::<Vec<i64>>(),
        Err(server.clone())
    );
    assert_eq!(
        Frame::SimpleError(text.clone()).convert::<BTreeMap<String, i64>>(),
        Err(server)
    );
    // Only a frame takes an error as it is.
    assert_eq!(
        Frame::SimpleError(text.clone()).convert::<Frame>(),
        Ok(Frame::SimpleError(text))
    );
}

#[test]
fn options_are_none_for_every_null() {
    for kind in [NullKind::Null, NullKind::Bulk, NullKind::Array] {
        assert_eq!(Frame::Null(kind).convert::<Option<String>>(), Ok(None));
        assert_eq!(Frame::Null(kind).convert::<Option<Vec<i64>>>(), Ok(None));
    }
    assert_eq!(Frame::Integer(1).convert::<Option<i64>>(), Ok(Some(1)));
    assert_eq!(
        Frame::Null(NullKind::Bulk).convert::<String>(),
        Err(ConvertError::Type {
            expected: "UTF-8 string",
            found: "null"
        })
    );
}

#[test]
fn sequences_from_every_aggregate() {
    let items = || vec![bulk("1"), Frame::Integer(2), bulk("3")];
    for frame in [
        Frame::Array(items()),
        Frame::Set(items()),
        Frame::Push(items()),
        Frame::StreamedArray(items()),
    ] {
        assert_eq!(frame.convert::<Vec<i64>>(), Ok(vec![1, 2, 3]));
    }
    assert_eq!(
        Frame::Set(vec![bulk("b"), bulk("a"), bulk("b")]).convert::<BTreeSet<String>>(),
        Ok(BTreeSet::from(["a".to_owned(), "b".to_owned()]))
    );
    assert_eq!(
        Frame::Array(vec![bulk("x")]).convert::<HashSet<String>>(),
        Ok(HashSet::from(["x".to_owned()]))
    );
    assert_eq!(
        Frame::Integer(1).convert::<Vec<i64>>(),
        Err(ConvertError::Type {
            expected: "array",
            found: "integer"
        })
    );
    // Nested conversion reaches as deep as the type asks.
    let nested = Frame::Array(vec![
        Frame::Array(vec![Frame::Integer(1)]),
        Frame::Array(vec![]),
    ]);
    assert_eq!(nested.convert::<Vec<Vec<i64>>>(), Ok(vec![vec![1], vec![]]));
}

#[test]
fn maps_from_resp3_maps_and_resp2_flat_arrays() {
    let pairs = vec![(bulk("a"), Frame::Integer(1)), (bulk("b"), bulk("2"))];
    let expected = BTreeMap::from([("a".to_owned(), 1), ("b".to_owned(), 2)]);
    assert_eq!(Frame::Map(pairs.clone()).convert(), Ok(expected.clone()));
    let flat = pairs.iter().cloned().flat_map(|(k, v)| [k, v]).collect();
    assert_eq!(Frame::Array(flat).convert(), Ok(expected));
    let hashed: HashMap<String, i64> = Frame::Map(pairs).convert().unwrap();
    assert_eq!(hashed.len(), 2);
    assert_eq!(hashed["b"], 2);

    // Pairs in wire order, duplicates kept.
    let repeated = vec![
        (bulk("k"), Frame::Integer(1)),
        (bulk("k"), Frame::Integer(2)),
    ];
    assert_eq!(
        Frame::Map(repeated.clone()).convert::<Vec<(String, i64)>>(),
        Ok(vec![("k".to_owned(), 1), ("k".to_owned(), 2)])
    );
    // In a map type the last value wins.
    assert_eq!(
        Frame::Map(repeated).convert::<BTreeMap<String, i64>>(),
        Ok(BTreeMap::from([("k".to_owned(), 2)]))
    );
    assert_eq!(
        Frame::Array(vec![bulk("a")]).convert::<BTreeMap<String, i64>>(),
        Err(ConvertError::Length {
            expected: 2,
            found: 1
        })
    );
}

#[test]
fn tuples_take_exactly_their_length() {
    let reply = Frame::Array(vec![bulk("member"), Frame::Double(1.5)]);
    assert_eq!(
        reply.clone().convert::<(String, f64)>(),
        Ok(("member".to_owned(), 1.5))
    );
    assert_eq!(
        reply.clone().convert::<(String, f64, i64)>(),
        Err(ConvertError::Length {
            expected: 3,
            found: 2
        })
    );
    assert_eq!(
        reply.convert::<(String,)>(),
        Err(ConvertError::Length {
            expected: 1,
            found: 2
        })
    );
    let six = Frame::Array((1..=6).map(Frame::Integer).collect());
    assert_eq!(
        six.convert::<(u8, u16, u32, u64, i8, i16)>(),
        Ok((1, 2, 3, 4, 5, 6))
    );
}

#[test]
fn attributes_are_looked_through() {
    let attributed = Frame::Attributed(Box::new(Attributed {
        attributes: vec![vec![(bulk("ttl"), Frame::Integer(5))]],
        value: Frame::Array(vec![Frame::Integer(9)]),
    }));
    assert_eq!(attributed.convert::<Vec<i64>>(), Ok(vec![9]));
}

#[test]
fn errors_print_what_went_wrong() {
    let printed = |error: ConvertError| error.to_string();
    assert_eq!(
        printed(ConvertError::Server(Bytes::from_static(b"ERR x"))),
        "error reply: ERR x"
    );
    assert_eq!(
        printed(ConvertError::Type {
            expected: "integer",
            found: "map"
        }),
        "expected integer, got map"
    );
    assert_eq!(
        printed(ConvertError::Length {
            expected: 2,
            found: 3
        }),
        "expected 2 elements, got 3"
    );
}
