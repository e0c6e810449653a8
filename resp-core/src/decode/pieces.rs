//! Frames built straight from the Reader's pieces: a top-level scalar, or a
//! flat aggregate (every element a scalar, the shape of requests and of
//! most replies), split off the buffer once, its payloads sliced from that
//! one piece.

use super::source::Source;
use crate::frame::Frame;
use crate::reader::{AggregateKind, Piece};
use alloc::vec::Vec;
use bytes::{Buf, Bytes, BytesMut};
use core::ops::Range;

impl Piece {
    /// The frame it stands for; `payload` takes its payload's bytes, if it has one.
    ///
    /// Always inlined: as a call in the loop that builds a flat frame's
    /// elements, W4 takes 4 % more instructions.
    #[inline(always)]
    pub(crate) fn to_frame(&self, payload: impl FnOnce(&Range<usize>) -> Bytes) -> Frame {
        match self {
            Self::Ok => Frame::SimpleString(Bytes::from_static(b"OK")),
            Self::Simple(range) => Frame::SimpleString(payload(range)),
            Self::Error(range) => Frame::SimpleError(payload(range)),
            Self::Bulk(range) => Frame::BulkString(payload(range)),
            Self::BulkError(range) => Frame::BulkError(payload(range)),
            Self::Verbatim(format, range) => Frame::Verbatim {
                format: *format,
                text: payload(range),
            },
            Self::BigNumber(range) => Frame::BigNumber(payload(range)),
            Self::Integer(value) => Frame::Integer(*value),
            Self::Double(value) => Frame::Double(*value),
            Self::Null(kind) => Frame::Null(*kind),
            Self::Boolean(value) => Frame::Boolean(*value),
        }
    }
}

/// A scalar whose line takes `len` bytes: at most one payload, split off
/// without a second reference.
#[inline]
pub(super) fn take_scalar<S: Source>(src: &mut S, len: usize, piece: &Piece) -> Frame {
    if !piece.has_payload() {
        src.consume(len);
    }
    piece.to_frame(|range| src.take_payload(range.clone(), len))
}

/// Takes a flat aggregate of `len` bytes off `src`, its elements described by `pieces`.
pub(super) fn take_aggregate(
    src: &mut BytesMut,
    kind: AggregateKind,
    len: usize,
    pieces: &[Piece],
) -> Frame {
    let mut elements = elements(src.split_to(len).freeze(), pieces);
    match kind {
        AggregateKind::Map => {
            let mut pairs = Vec::with_capacity(pieces.len() / 2);
            while let (Some(key), Some(value)) = (elements.next(), elements.next()) {
                pairs.push((key, value));
            }
            Frame::Map(pairs)
        }
        AggregateKind::Set => Frame::Set(elements.collect()),
        AggregateKind::Push => Frame::Push(elements.collect()),
        _ => Frame::Array(elements.collect()),
    }
}

/// The elements `pieces` describe, their payloads taken from the first
/// `len` bytes of `src`, which leave it.
pub(super) fn take_elements<'a>(
    src: &mut BytesMut,
    len: usize,
    pieces: &'a [Piece],
) -> impl ExactSizeIterator<Item = Frame> + 'a {
    elements(src.split_to(len).freeze(), pieces)
}

/// The elements of a flat frame, built from its pieces and its bytes.
///
/// A plain `map` over the pieces, so collecting it allocates once and
/// writes without capacity checks.
fn elements(data: Bytes, pieces: &[Piece]) -> impl ExactSizeIterator<Item = Frame> + '_ {
    let mut payloads = Payloads::new(data, pieces);
    pieces
        .iter()
        .enumerate()
        .map(move |(index, piece)| payloads.element(index, piece))
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
        let last = pieces.iter().rposition(Piece::has_payload);
        Self {
            data: Some(data),
            last,
        }
    }

    #[inline]
    fn element(&mut self, index: usize, piece: &Piece) -> Frame {
        piece.to_frame(|range| self.take(index, range))
    }

    #[inline]
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
