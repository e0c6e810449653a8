//! The flat-frame fast path: a complete top-level aggregate whose elements
//! are all simple scalars (the shape of requests and of most replies) is
//! parsed in one tight pass, then split off the buffer once, its payloads
//! sliced from that one piece.
//!
//! Like the Reader's fast path it accepts only complete, canonical, in-bounds
//! input and hands anything else to the general path, which decides every
//! error and edge case; it only runs at a frame boundary, so a frame is never
//! attempted twice.

use crate::reader::AggregateKind;
use crate::reader::fast;
use crate::{Frame, Limits, NullKind};
use alloc::vec::Vec;
use bytes::Bytes;
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

/// Parses a complete flat aggregate at the start of `input` into `pieces`.
/// Returns its kind and length in bytes.
pub(crate) fn parse(
    input: &[u8],
    limits: &Limits,
    resp3: bool,
    pieces: &mut Vec<Piece>,
) -> Option<(AggregateKind, usize)> {
    pieces.clear();
    let (&type_byte, content) = input.split_first()?;
    let (kind, scale) = match type_byte {
        b'*' => (AggregateKind::Array, 1),
        _ if !resp3 => return None,
        b'%' => (AggregateKind::Map, 2),
        b'~' => (AggregateKind::Set, 1),
        b'>' => (AggregateKind::Push, 1),
        _ => return None,
    };
    let (len, line) = fast::length(content, limits.max_line_len)?;
    let elements = len.checked_mul(scale)?;
    if elements > limits.max_aggregate_len || limits.max_depth == 0 {
        return None;
    }
    let mut at = line + 3;
    for _ in 0..elements {
        let (piece, next) = scalar(input, at, limits, resp3)?;
        pieces.push(piece);
        at = next;
    }
    Some((kind, at))
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

/// Builds the frame from its pieces; payloads are slices of `data`.
pub(crate) fn build(kind: AggregateKind, pieces: &[Piece], data: &Bytes) -> Frame {
    let element = |piece: &Piece| match piece {
        Piece::Simple(range) => Frame::SimpleString(data.slice(range.clone())),
        Piece::Error(range) => Frame::SimpleError(data.slice(range.clone())),
        Piece::Bulk(range) => Frame::BulkString(data.slice(range.clone())),
        Piece::Integer(value) => Frame::Integer(*value),
        Piece::Null(kind) => Frame::Null(*kind),
        Piece::Boolean(value) => Frame::Boolean(*value),
    };
    match kind {
        AggregateKind::Map => Frame::Map(
            pieces
                .chunks_exact(2)
                .map(|pair| (element(&pair[0]), element(&pair[1])))
                .collect(),
        ),
        AggregateKind::Set => Frame::Set(pieces.iter().map(element).collect()),
        AggregateKind::Push => Frame::Push(pieces.iter().map(element).collect()),
        _ => Frame::Array(pieces.iter().map(element).collect()),
    }
}
