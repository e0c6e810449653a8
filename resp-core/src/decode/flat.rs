//! The flat-frame fast path: a top-level scalar, or an aggregate whose
//! elements are all simple scalars (the shape of requests and of most
//! replies), is parsed in one tight pass, then split off the buffer once, its
//! payloads sliced from that one piece.
//!
//! Like the Reader's fast path it accepts only canonical, in-bounds input and
//! hands anything else to the general path, which decides every error and
//! edge case. An aggregate cut off by the end of the input keeps its progress
//! between calls, so a frame split across reads is parsed once; if it turns
//! out not to be flat, what was parsed is handed over (see
//! [`FlatParser::hand_over`]) and the general path goes on from there.

use super::prefix;
use super::source::Source;
use crate::reader::AggregateKind;
use crate::reader::fast;
use crate::reader::scalar as reader_scalar;
use crate::{Frame, Limits, NullKind};
use alloc::vec::Vec;
use bytes::{Buf, Bytes, BytesMut};
use core::ops::Range;

/// The most elements reserved at once; beyond it a vector grows as they come.
pub(super) const RESERVE_STEP: usize = 1 << 16;

/// Parses flat frames, keeping an unfinished aggregate between calls.
#[derive(Debug, Default)]
pub(crate) struct FlatParser {
    /// The elements of the aggregate in progress; reused between frames.
    pieces: Vec<Piece>,
    open: Option<OpenAggregate>,
}

/// An aggregate whose header and first elements are parsed.
#[derive(Debug, Clone, Copy)]
struct OpenAggregate {
    kind: AggregateKind,
    /// Elements still to parse (a map counts keys and values).
    remaining: u64,
    /// Bytes of the frame parsed so far: its header and the elements in `pieces`.
    parsed: usize,
}

/// One element of a flat frame: a value, or where its payload lies.
#[derive(Debug, Clone)]
pub(crate) enum Piece {
    /// `+OK`, the most common reply of all, built without touching the
    /// buffer's reference count.
    Ok,
    Simple(Range<usize>),
    Error(Range<usize>),
    Bulk(Range<usize>),
    BigNumber(Range<usize>),
    Integer(i64),
    Double(f64),
    Null(NullKind),
    Boolean(bool),
}

impl Piece {
    /// Whether it has a payload in the buffer.
    fn has_payload(&self) -> bool {
        matches!(
            self,
            Self::Simple(_) | Self::Error(_) | Self::Bulk(_) | Self::BigNumber(_)
        )
    }

    /// The frame it stands for; `payload` takes its payload's bytes, if it has one.
    #[inline]
    fn to_frame(&self, payload: impl FnOnce(&Range<usize>) -> Bytes) -> Frame {
        match self {
            Self::Ok => Frame::SimpleString(Bytes::from_static(b"OK")),
            Self::Simple(range) => Frame::SimpleString(payload(range)),
            Self::Error(range) => Frame::SimpleError(payload(range)),
            Self::Bulk(range) => Frame::BulkString(payload(range)),
            Self::BigNumber(range) => Frame::BigNumber(payload(range)),
            Self::Integer(value) => Frame::Integer(*value),
            Self::Double(value) => Frame::Double(*value),
            Self::Null(kind) => Frame::Null(*kind),
            Self::Boolean(value) => Frame::Boolean(*value),
        }
    }
}

/// What one call of [`FlatParser::parse`] found.
#[derive(Debug, Clone)]
pub(crate) enum Flat {
    /// An aggregate of this many bytes, its elements parsed.
    Aggregate(AggregateKind, usize),
    /// A canonical beginning; the rest has not arrived yet.
    NeedMore,
    /// Not for the fast path: the general path takes over (after
    /// [`FlatParser::hand_over`] when part of an aggregate was parsed).
    Unsuitable,
}

impl FlatParser {
    /// Whether no aggregate is in progress.
    pub(crate) fn is_idle(&self) -> bool {
        self.open.is_none()
    }

    /// Forgets any aggregate in progress.
    pub(crate) fn clear(&mut self) {
        self.open = None;
        self.pieces.clear();
    }

    /// Parses the aggregate at the start of `input`, or goes on with the
    /// one in progress. Nothing is consumed: `input` must hold the
    /// same bytes as before, and more.
    pub(crate) fn parse(&mut self, input: &[u8], limits: &Limits, resp3: bool) -> Flat {
        let mut open = match self.open.take() {
            Some(open) => open,
            None => match self.begin(input, limits, resp3) {
                Ok(open) => open,
                Err(outcome) => return outcome,
            },
        };
        // Room for what the bytes here can hold (an element takes at least 3),
        // never for what the header merely claims, and in bounded steps, so a
        // large payload still arriving reserves nothing for itself.
        let here = ((input.len() - open.parsed) / 3).min(RESERVE_STEP);
        self.pieces
            .reserve(usize::try_from(open.remaining).map_or(here, |left| left.min(here)));
        while open.remaining > 0 {
            match scalar(input, open.parsed, limits, resp3) {
                Some((piece, next)) => {
                    self.pieces.push(piece);
                    open.parsed = next;
                    open.remaining -= 1;
                }
                None => {
                    let waits = prefix::awaits_more(&input[open.parsed..], limits, resp3);
                    self.open = Some(open);
                    return if waits {
                        Flat::NeedMore
                    } else {
                        Flat::Unsuitable
                    };
                }
            }
        }
        Flat::Aggregate(open.kind, open.parsed)
    }

    /// A new frame's aggregate header.
    fn begin(&mut self, input: &[u8], limits: &Limits, resp3: bool) -> Result<OpenAggregate, Flat> {
        self.pieces.clear();
        let Some((&type_byte, content)) = input.split_first() else {
            return Err(Flat::NeedMore);
        };
        let (kind, scale) = match type_byte {
            b'*' => (AggregateKind::Array, 1),
            b'%' | b'~' | b'>' if !resp3 => return Err(Flat::Unsuitable),
            b'%' => (AggregateKind::Map, 2),
            b'~' => (AggregateKind::Set, 1),
            b'>' => (AggregateKind::Push, 1),
            // Scalars were tried first; `*-1` among them.
            _ => return Err(Flat::Unsuitable),
        };
        if limits.max_depth == 0 {
            return Err(Flat::Unsuitable);
        }
        let Some((len, line)) = fast::length(content, limits.max_line_len) else {
            return Err(if prefix::header_awaits_more(content, scale, limits) {
                Flat::NeedMore
            } else {
                Flat::Unsuitable
            });
        };
        match len.checked_mul(scale) {
            Some(elements) if elements <= limits.max_aggregate_len => Ok(OpenAggregate {
                kind,
                remaining: elements,
                parsed: line + 3,
            }),
            _ => Err(Flat::Unsuitable),
        }
    }

    /// Takes a parsed aggregate of `len` bytes off `src` and builds it.
    /// Payloads are slices of that one piece of the buffer.
    pub(crate) fn take(&mut self, src: &mut BytesMut, kind: AggregateKind, len: usize) -> Frame {
        let mut elements = elements(src.split_to(len).freeze(), &self.pieces);
        match kind {
            AggregateKind::Map => {
                let mut pairs = Vec::with_capacity(self.pieces.len() / 2);
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

    /// Gives up the aggregate in progress: takes the bytes parsed so far off
    /// `src` and returns its kind, the elements still to come, and the
    /// elements parsed, built; or `None` when nothing was parsed.
    pub(crate) fn hand_over<'a>(
        &'a mut self,
        src: &mut BytesMut,
    ) -> Option<(
        AggregateKind,
        u64,
        usize,
        impl ExactSizeIterator<Item = Frame> + 'a,
    )> {
        let open = self.open.take()?;
        let elements = elements(src.split_to(open.parsed).freeze(), &self.pieces);
        Some((open.kind, open.remaining, open.parsed, elements))
    }
}

/// One whole scalar at `input[at..]` (a top-level frame or an element), and
/// where the next one starts.
#[inline]
pub(crate) fn scalar(
    input: &[u8],
    at: usize,
    limits: &Limits,
    resp3: bool,
) -> Option<(Piece, usize)> {
    let rest = input.get(at..)?;
    let (&type_byte, content) = rest.split_first()?;
    let start = at + 1;
    Some(match type_byte {
        b'$' if content.starts_with(b"-1\r\n") => (Piece::Null(NullKind::Bulk), at + 5),
        b'*' if content.starts_with(b"-1\r\n") => (Piece::Null(NullKind::Array), at + 5),
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
            let piece = match (type_byte, &content[..len]) {
                (b'+', b"OK") => Piece::Ok,
                (b'+', _) => Piece::Simple(range),
                _ => Piece::Error(range),
            };
            (piece, start + len + 2)
        }
        b',' | b'(' if resp3 => {
            let len = fast::text_line(content, limits.max_line_len)?;
            let text = &content[..len];
            let piece = if type_byte == b',' {
                Piece::Double(reader_scalar::double(text).ok()?)
            } else {
                reader_scalar::big_number(text).ok()?;
                Piece::BigNumber(start..start + len)
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

/// A top-level scalar: at most one payload, split off without a second reference.
pub(crate) fn take_scalar(src: &mut BytesMut, len: usize, piece: &Piece) -> Frame {
    if !piece.has_payload() {
        src.advance(len);
    }
    piece.to_frame(|range| src.take_payload(range.clone(), len))
}
