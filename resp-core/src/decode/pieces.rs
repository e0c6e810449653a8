//! Frames built straight from the Reader's pieces: a top-level scalar, or a
//! flat aggregate (every element a scalar, the shape of requests and of
//! most replies), taken off the buffer once.
//!
//! Short payloads are copied into their frames and the buffer only
//! advances. Only a frame with a long payload is split off the buffer, and
//! its long payloads are slices of that one piece.

use super::source::Source;
use crate::frame::Frame;
use crate::payload::{INLINE_CAPACITY, Payload};
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
    pub(crate) fn to_frame(&self, payload: impl FnOnce(&Range<usize>) -> Payload) -> Frame {
        match self {
            Self::Ok => Frame::SimpleString(Payload::from_static(b"OK")),
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

    /// Whether its payload is too long to be stored inline.
    fn has_long_payload(&self) -> bool {
        self.payload()
            .is_some_and(|range| range.len() > INLINE_CAPACITY)
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
    if pieces.iter().any(Piece::has_long_payload) {
        let payloads = Payloads::shared(src.split_to(len).freeze(), pieces);
        build(kind, payloads, pieces)
    } else {
        let frame = build(kind, Payloads::Inline(&src[..len]), pieces);
        src.advance(len);
        frame
    }
}

/// Hands each element `pieces` describe to `place`, their payloads taken
/// from the first `len` bytes of `src`, which then leave it.
pub(super) fn take_elements(
    src: &mut BytesMut,
    len: usize,
    pieces: &[Piece],
    mut place: impl FnMut(Frame),
) {
    let mut each = |mut payloads: Payloads<'_>| {
        for (index, piece) in pieces.iter().enumerate() {
            place(payloads.element(index, piece));
        }
    };
    if pieces.iter().any(Piece::has_long_payload) {
        each(Payloads::shared(src.split_to(len).freeze(), pieces));
    } else {
        each(Payloads::Inline(&src[..len]));
        src.advance(len);
    }
}

/// A flat aggregate built from its pieces, its vector sized once.
fn build(kind: AggregateKind, mut payloads: Payloads<'_>, pieces: &[Piece]) -> Frame {
    if kind == AggregateKind::Map {
        let mut pairs = Vec::with_capacity(pieces.len() / 2);
        for (index, pair) in pieces.chunks_exact(2).enumerate() {
            let key = payloads.element(2 * index, &pair[0]);
            let value = payloads.element(2 * index + 1, &pair[1]);
            pairs.push((key, value));
        }
        return Frame::Map(pairs);
    }
    let mut items = Vec::with_capacity(pieces.len());
    for (index, piece) in pieces.iter().enumerate() {
        // Bulk strings, the commonest element, are pushed on a path of their
        // own: built through the general `to_frame`, every element took a
        // detour through the stack that cost W2 and W4 about 15 %.
        if let Piece::Bulk(range) = piece {
            items.push(Frame::BulkString(payloads.take(index, range)));
        } else {
            items.push(payloads.element(index, piece));
        }
    }
    match kind {
        AggregateKind::Set => Frame::Set(items),
        AggregateKind::Push => Frame::Push(items),
        _ => Frame::Array(items),
    }
}

/// Where a flat frame's payloads come from.
enum Payloads<'a> {
    /// Every payload is short: each is copied from the frame's bytes, which
    /// are still in the buffer.
    Inline(&'a [u8]),
    /// Some are long: the frame's bytes, split off. Long payloads are new
    /// references to them except the last payload of all, which takes over
    /// the frame's own reference (one reference-count increment and
    /// decrement fewer per frame).
    Shared { data: Option<Bytes>, last: usize },
}

impl Payloads<'_> {
    #[inline(always)]
    fn element(&mut self, index: usize, piece: &Piece) -> Frame {
        piece.to_frame(
            #[inline(always)]
            |range| self.take(index, range),
        )
    }

    fn shared(data: Bytes, pieces: &[Piece]) -> Self {
        Self::Shared {
            data: Some(data),
            last: pieces.iter().rposition(Piece::has_payload).unwrap_or(0),
        }
    }

    #[inline(always)]
    fn take(&mut self, index: usize, range: &Range<usize>) -> Payload {
        let (data, last) = match self {
            Self::Inline(bytes) => {
                return Payload::inline_from(bytes, range.clone())
                    .unwrap_or_else(|| Payload::copy_from_slice(&bytes[range.clone()]));
            }
            Self::Shared { data, last } => (data, *last),
        };
        let Some(bytes) = data.as_ref() else {
            return Payload::new();
        };
        let inline = Payload::inline_from(bytes, range.clone());
        if index != last {
            return inline.unwrap_or_else(|| bytes.slice(range.clone()).into());
        }
        let mut bytes = data.take().unwrap_or_default();
        if let Some(inline) = inline {
            return inline;
        }
        bytes.truncate(range.end);
        bytes.advance(range.start);
        bytes.into()
    }
}
