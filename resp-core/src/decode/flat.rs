//! The flat-frame fast path: a complete top-level scalar, or aggregate whose
//! elements are all simple scalars (the shape of requests and of most
//! replies), is parsed in one tight pass, then split off the buffer once, its
//! payloads sliced from that one piece.
//!
//! Like the Reader's fast path it accepts only complete, canonical, in-bounds
//! input and hands anything else to the general path, which decides every
//! error and edge case; it only runs at a frame boundary, so a frame is never
//! attempted twice.

use super::source::Source;
use crate::reader::AggregateKind;
use crate::reader::fast;
use crate::{Frame, Limits, NullKind};
use alloc::vec::Vec;
use bytes::{Buf, Bytes, BytesMut};
use core::ops::Range;

/// One element of a flat frame: a value, or where its payload lies.
#[derive(Debug, Clone)]
pub(crate) enum Piece {
    Simple(Range<usize>),
    Error(Range<usize>),
    Bulk(Range<usize>),
    Integer(i64),
    Null(NullKind),
    Boolean(bool),
}

/// What [`parse`] found.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Shape {
    /// One scalar, the only piece.
    Scalar,
    /// An aggregate whose elements are the pieces.
    Aggregate(AggregateKind),
}

/// Parses a complete top-level scalar, or flat aggregate, at the start of
/// `input` into `pieces`. Returns its shape and length in bytes.
pub(crate) fn parse(
    input: &[u8],
    limits: &Limits,
    resp3: bool,
    pieces: &mut Vec<Piece>,
) -> Option<(Shape, usize)> {
    pieces.clear();
    let (&type_byte, content) = input.split_first()?;
    let (kind, scale) = match type_byte {
        b'*' if content.starts_with(b"-1\r\n") => {
            pieces.push(Piece::Null(NullKind::Array));
            return Some((Shape::Scalar, 5));
        }
        b'*' => (AggregateKind::Array, 1),
        b'%' | b'~' | b'>' if !resp3 => return None,
        b'%' => (AggregateKind::Map, 2),
        b'~' => (AggregateKind::Set, 1),
        b'>' => (AggregateKind::Push, 1),
        _ => {
            let (piece, len) = scalar(input, 0, limits, resp3)?;
            pieces.push(piece);
            return Some((Shape::Scalar, len));
        }
    };
    let (len, line) = fast::length(content, limits.max_line_len)?;
    let elements = len.checked_mul(scale)?;
    if elements > limits.max_aggregate_len || limits.max_depth == 0 {
        return None;
    }
    let mut at = line + 3;
    // Room for what the bytes here can hold (an element takes at least 3),
    // never for what the header merely claims.
    pieces.reserve(
        usize::try_from(elements)
            .unwrap_or(usize::MAX)
            .min(input.len() / 3),
    );
    for _ in 0..elements {
        let (piece, next) = scalar(input, at, limits, resp3)?;
        pieces.push(piece);
        at = next;
    }
    Some((Shape::Aggregate(kind), at))
}

/// One scalar element at `input[at..]`, and where the next one starts.
#[inline]
fn scalar(input: &[u8], at: usize, limits: &Limits, resp3: bool) -> Option<(Piece, usize)> {
    let rest = input.get(at..)?;
    let (&type_byte, content) = rest.split_first()?;
    let start = at + 1;
    Some(match type_byte {
        b'$' if content.starts_with(b"-1\r\n") => (Piece::Null(NullKind::Bulk), at + 5),
        b'$' => {
            let (len, line) = fast::length(content, limits.max_line_len)?;
            if len > limits.max_bulk_len {
                return None;
            }
            let from = start + line + 2;
            let to = from.checked_add(usize::try_from(len).ok()?)?;
            if input.get(to..to.checked_add(2)?) != Some(b"\r\n") {
                return None;
            }
            (Piece::Bulk(from..to), to + 2)
        }
        b':' => {
            let (value, line) = fast::integer(content, limits.max_line_len)?;
            (Piece::Integer(value), start + line + 2)
        }
        b'+' | b'-' => {
            let len = fast::text_line(content, limits.max_line_len)?;
            let range = start..start + len;
            let piece = if type_byte == b'+' {
                Piece::Simple(range)
            } else {
                Piece::Error(range)
            };
            (piece, start + len + 2)
        }
        b'#' if resp3 => match content.get(..3)? {
            b"t\r\n" => (Piece::Boolean(true), at + 4),
            b"f\r\n" => (Piece::Boolean(false), at + 4),
            _ => return None,
        },
        b'_' if resp3 && content.starts_with(b"\r\n") => (Piece::Null(NullKind::Null), at + 3),
        _ => return None,
    })
}

/// Takes a parsed frame of `len` bytes off `src` and builds it. Payloads are
/// slices of that one piece of the buffer.
pub(crate) fn take(src: &mut BytesMut, shape: Shape, len: usize, pieces: &[Piece]) -> Frame {
    let kind = match shape {
        Shape::Aggregate(kind) => kind,
        Shape::Scalar => return take_scalar(src, len, &pieces[0]),
    };
    let mut payloads = Payloads::new(src.split_to(len).freeze(), pieces);
    let mut element = |index: usize| match &pieces[index] {
        Piece::Simple(range) if payloads.peek(range) == b"OK" => {
            Frame::SimpleString(Bytes::from_static(b"OK"))
        }
        Piece::Simple(range) => Frame::SimpleString(payloads.take(index, range)),
        Piece::Error(range) => Frame::SimpleError(payloads.take(index, range)),
        Piece::Bulk(range) => Frame::BulkString(payloads.take(index, range)),
        Piece::Integer(value) => Frame::Integer(*value),
        Piece::Null(kind) => Frame::Null(*kind),
        Piece::Boolean(value) => Frame::Boolean(*value),
    };
    let count = pieces.len();
    match kind {
        AggregateKind::Map => Frame::Map(
            (0..count / 2)
                .map(|pair| (element(2 * pair), element(2 * pair + 1)))
                .collect(),
        ),
        AggregateKind::Set => Frame::Set((0..count).map(element).collect()),
        AggregateKind::Push => Frame::Push((0..count).map(element).collect()),
        _ => Frame::Array((0..count).map(element).collect()),
    }
}

/// Hands out a flat frame's payloads: each is a new reference to the frame's
/// bytes except the last, which takes over the frame's own reference (one
/// reference-count increment and decrement fewer per frame).
struct Payloads {
    data: Option<Bytes>,
    last: Option<usize>,
}

impl Payloads {
    fn new(data: Bytes, pieces: &[Piece]) -> Self {
        let last = pieces.iter().rposition(|piece| {
            matches!(piece, Piece::Simple(_) | Piece::Error(_) | Piece::Bulk(_))
        });
        Self {
            data: Some(data),
            last,
        }
    }

    fn peek(&self, range: &Range<usize>) -> &[u8] {
        self.data.as_ref().map_or(&[], |data| &data[range.clone()])
    }

    fn take(&mut self, index: usize, range: &Range<usize>) -> Bytes {
        if self.last == Some(index) {
            if let Some(mut data) = self.data.take() {
                data.truncate(range.end);
                data.advance(range.start);
                return data;
            }
        }
        self.data
            .as_ref()
            .map_or_else(Bytes::new, |data| data.slice(range.clone()))
    }
}

/// A top-level scalar: at most one payload, split off without a second reference.
fn take_scalar(src: &mut BytesMut, len: usize, piece: &Piece) -> Frame {
    let payload = |src: &mut BytesMut, range: &Range<usize>| src.take_payload(range.clone(), len);
    match piece {
        Piece::Simple(range) if &src[range.clone()] == b"OK" => {
            src.advance(len);
            Frame::SimpleString(Bytes::from_static(b"OK"))
        }
        Piece::Simple(range) => Frame::SimpleString(payload(src, range)),
        Piece::Error(range) => Frame::SimpleError(payload(src, range)),
        Piece::Bulk(range) => Frame::BulkString(payload(src, range)),
        Piece::Integer(value) => {
            src.advance(len);
            Frame::Integer(*value)
        }
        Piece::Null(kind) => {
            src.advance(len);
            Frame::Null(*kind)
        }
        Piece::Boolean(value) => {
            src.advance(len);
            Frame::Boolean(*value)
        }
    }
}
