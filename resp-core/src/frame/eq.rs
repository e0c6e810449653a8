//! Iterative structural equality. Doubles compare by value, with every NaN
//! equal to every other NaN, so `Frame` is `Eq` and round trips can be checked.

use super::{Frame, Visit};
use core::mem::discriminant;

impl PartialEq for Frame {
    fn eq(&self, other: &Self) -> bool {
        if !self.is_container() && !other.is_container() {
            return leaf_eq(self, other);
        }
        let (mut left, mut right) = (self.walk(), other.walk());
        loop {
            match (left.next(), right.next()) {
                (None, None) => return true,
                (Some(a), Some(b)) if visit_eq(a, b) => {}
                _ => return false,
            }
        }
    }
}

impl Eq for Frame {}

fn visit_eq(a: Visit<'_>, b: Visit<'_>) -> bool {
    match (a, b) {
        (Visit::Leaf(a), Visit::Leaf(b)) => leaf_eq(a, b),
        (Visit::Open(a), Visit::Open(b)) | (Visit::Close(a), Visit::Close(b)) => same_shape(a, b),
        (Visit::OpenAttribute(a), Visit::OpenAttribute(b)) => a.len() == b.len(),
        (Visit::CloseAttribute, Visit::CloseAttribute) => true,
        _ => false,
    }
}

/// Same variant and same number of children; the children are compared by the walk.
fn same_shape(a: &Frame, b: &Frame) -> bool {
    if discriminant(a) != discriminant(b) {
        return false;
    }
    match (a, b) {
        (Frame::Attributed(a), Frame::Attributed(b)) => a.attributes.len() == b.attributes.len(),
        _ => a.aggregate_len() == b.aggregate_len(),
    }
}

fn leaf_eq(a: &Frame, b: &Frame) -> bool {
    match (a, b) {
        (Frame::SimpleString(a), Frame::SimpleString(b))
        | (Frame::SimpleError(a), Frame::SimpleError(b))
        | (Frame::BulkString(a), Frame::BulkString(b))
        | (Frame::BulkError(a), Frame::BulkError(b))
        | (Frame::BigNumber(a), Frame::BigNumber(b))
        | (Frame::StreamedString(a), Frame::StreamedString(b)) => a == b,
        (
            Frame::Verbatim { format, text },
            Frame::Verbatim {
                format: other_format,
                text: other_text,
            },
        ) => format == other_format && text == other_text,
        (Frame::Integer(a), Frame::Integer(b)) => a == b,
        (Frame::Double(a), Frame::Double(b)) => {
            a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
        }
        (Frame::Boolean(a), Frame::Boolean(b)) => a == b,
        (Frame::Null(a), Frame::Null(b)) => a == b,
        _ => false,
    }
}
