//! proptest strategies for frames the decoder can produce.

use proptest::collection::vec;
use proptest::prelude::*;
use resp_core::{Frame, NullKind, Payload};

/// Payloads on both sides of the inline capacity, so that frames hold both
/// stored forms.
fn payload() -> impl Strategy<Value = Payload> {
    prop_oneof![
        vec(any::<u8>(), 0..16),
        vec(any::<u8>(), 20..40),
        vec(prop_oneof![Just(b'\r'), Just(b'\n'), any::<u8>()], 0..8),
    ]
    .prop_map(Payload::from)
}

fn line_text() -> impl Strategy<Value = Payload> {
    vec(
        any::<u8>().prop_filter("no line breaks", |b| *b != b'\r' && *b != b'\n'),
        0..30,
    )
    .prop_map(Payload::from)
}

fn double() -> impl Strategy<Value = f64> {
    prop_oneof![
        any::<f64>(),
        Just(f64::INFINITY),
        Just(f64::NEG_INFINITY),
        Just(f64::NAN),
        Just(-0.0),
        (-1000i32..1000).prop_map(f64::from),
    ]
}

pub(crate) fn arb_leaf() -> impl Strategy<Value = Frame> {
    prop_oneof![
        line_text().prop_map(Frame::SimpleString),
        line_text().prop_map(Frame::SimpleError),
        any::<i64>().prop_map(Frame::Integer),
        payload().prop_map(Frame::BulkString),
        payload().prop_map(Frame::BulkError),
        (any::<[u8; 3]>(), payload()).prop_map(|(format, text)| Frame::Verbatim { format, text }),
        double().prop_map(Frame::Double),
        any::<bool>().prop_map(Frame::Boolean),
        ("[-+]?[0-9]{1,40}").prop_map(|digits| Frame::BigNumber(Payload::from(digits))),
        prop_oneof![
            Just(NullKind::Null),
            Just(NullKind::Bulk),
            Just(NullKind::Array)
        ]
        .prop_map(Frame::Null),
        payload().prop_map(Frame::StreamedString),
    ]
}

pub(crate) use super::oracle::attach;

/// Any frame that may stand inside an aggregate (no pushes).
pub(crate) fn arb_nested() -> impl Strategy<Value = Frame> {
    arb_leaf().prop_recursive(4, 48, 5, |inner| {
        let pairs = vec((inner.clone(), inner.clone()), 0..4);
        prop_oneof![
            vec(inner.clone(), 0..5).prop_map(Frame::Array),
            pairs.clone().prop_map(Frame::Map),
            vec(inner.clone(), 0..5).prop_map(Frame::Set),
            vec(inner.clone(), 0..5).prop_map(Frame::StreamedArray),
            pairs.clone().prop_map(Frame::StreamedMap),
            vec(inner.clone(), 0..5).prop_map(Frame::StreamedSet),
            (vec(pairs, 1..3), inner).prop_map(|(attributes, value)| attach(attributes, value)),
        ]
    })
}

/// Any top-level frame, pushes included.
pub(crate) fn arb_frame() -> impl Strategy<Value = Frame> {
    let attribute = vec((arb_leaf(), arb_nested()), 0..3);
    prop_oneof![
        6 => arb_nested(),
        1 => vec(arb_nested(), 0..4).prop_map(Frame::Push),
        1 => (vec(attribute, 1..3), vec(arb_nested(), 0..3))
            .prop_map(|(attributes, items)| attach(attributes, Frame::Push(items))),
    ]
}

/// A stream of frames and its encoding.
pub(crate) fn arb_stream() -> impl Strategy<Value = (Vec<Frame>, Vec<u8>)> {
    vec(arb_frame(), 1..6).prop_map(|frames| {
        let mut wire = Vec::new();
        for frame in &frames {
            frame.encode(&mut wire).expect("generated frames are valid");
        }
        (frames, wire)
    })
}

/// Sorted cut points inside `0..=len`.
pub(crate) fn cuts(len: usize) -> impl Strategy<Value = Vec<usize>> {
    vec(0..=len, 0..12).prop_map(|mut cuts| {
        cuts.sort_unstable();
        cuts
    })
}
