//! What the [`Reader`](super::Reader) hands out.

use core::ops::Range;

/// The result of one [`Reader::read`](super::Reader::read).
///
/// The caller drops `consumed` bytes, whatever `event` is, and calls again
/// with the rest and anything new:
///
/// ```
/// use resp_core::{Event, Reader, Step};
///
/// let mut reader = Reader::new();
/// // Part of a header line: nothing consumed, nothing yet.
/// assert_eq!(reader.read(b":12"), Ok(Step { consumed: 0, event: None }));
/// // The same bytes again, and more: the line is not scanned twice.
/// assert_eq!(reader.read(b":123\r\n+OK"), Ok(Step { consumed: 6, event: Some(Event::Integer(123)) }));
/// // A bulk header whose payload is still arriving is consumed on its own.
/// assert_eq!(reader.read(b"$5\r\nhe"), Ok(Step { consumed: 4, event: None }));
/// assert_eq!(reader.read(b"hello\r\n"), Ok(Step { consumed: 7, event: Some(Event::BulkString(b"hello")) }));
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Step<'a> {
    /// Bytes the reader is done with: drop them from the front of the buffer
    /// before the next call. Can be non-zero even when `event` is `None`.
    pub consumed: usize,
    /// The next event, or `None` when more input is needed.
    pub event: Option<Event<'a>>,
}

/// One piece of a RESP stream, borrowing payloads from the caller's buffer.
///
/// Aggregates come as `AggregateStart`, their elements (a map's alternate
/// key, value), then `AggregateEnd`. An attribute is an aggregate of kind
/// [`AggregateKind::Attribute`]; the value it describes follows its
/// `AggregateEnd` and is not an element of the enclosing aggregate.
///
/// ```
/// use resp_core::{AggregateKind, Event, Reader};
///
/// let mut reader = Reader::new();
/// let mut input: &[u8] = b"|1\r\n+ttl\r\n:9\r\n%1\r\n+k\r\n#t\r\n";
/// let mut events = Vec::new();
/// while let Some(event) = {
///     let step = reader.read(input).unwrap();
///     input = &input[step.consumed..];
///     step.event
/// } {
///     events.push(event);
/// }
/// assert_eq!(events, [
///     Event::AggregateStart { kind: AggregateKind::Attribute, len: Some(1) },
///     Event::SimpleString(b"ttl"),
///     Event::Integer(9),
///     Event::AggregateEnd(AggregateKind::Attribute),
///     // The value the attribute describes.
///     Event::AggregateStart { kind: AggregateKind::Map, len: Some(1) },
///     Event::SimpleString(b"k"),
///     Event::Boolean(true),
///     Event::AggregateEnd(AggregateKind::Map),
/// ]);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Event<'a> {
    /// `+` line.
    SimpleString(&'a [u8]),
    /// `-` line.
    SimpleError(&'a [u8]),
    /// `:` line.
    Integer(i64),
    /// `,` line.
    Double(f64),
    /// `#` line.
    Boolean(bool),
    /// `(` line: the digits as sent.
    BigNumber(&'a [u8]),
    /// `_`, `$-1` or `*-1`.
    Null(NullKind),
    /// A whole `$` payload.
    BulkString(&'a [u8]),
    /// A whole `!` payload.
    BulkError(&'a [u8]),
    /// A whole `=` payload, split at its colon.
    Verbatim {
        /// The three bytes before the colon.
        format: [u8; 3],
        /// The text after the colon.
        text: &'a [u8],
    },
    /// A payload that comes in pieces: a streamed string (`len: None`) or one
    /// longer than the chunk threshold.
    BlobStart {
        /// What the pieces make up.
        kind: BlobKind,
        /// Payload bytes to come (after a verbatim prefix), or `None` when streamed.
        len: Option<u64>,
    },
    /// The next piece of the payload begun by `BlobStart`; never empty.
    BlobChunk(&'a [u8]),
    /// The payload begun by `BlobStart` is complete.
    BlobEnd,
    /// An aggregate begins.
    AggregateStart {
        /// Which aggregate.
        kind: AggregateKind,
        /// The count on the wire (pairs for maps and attributes), or `None` when streamed.
        len: Option<u64>,
    },
    /// The innermost open aggregate is complete.
    AggregateEnd(AggregateKind),
}

impl Event<'_> {
    /// The same event, when it borrows nothing: the markers of aggregates
    /// and of payloads in pieces.
    pub(crate) fn without_payload(&self) -> Option<Event<'static>> {
        Some(match *self {
            Event::AggregateStart { kind, len } => Event::AggregateStart { kind, len },
            Event::AggregateEnd(kind) => Event::AggregateEnd(kind),
            Event::BlobStart { kind, len } => Event::BlobStart { kind, len },
            Event::BlobEnd => Event::BlobEnd,
            _ => return None,
        })
    }
}

/// What a chunked payload is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BlobKind {
    /// `$` (or `$?` when streamed).
    BulkString,
    /// `!`.
    BulkError,
    /// `=`, with its format.
    Verbatim([u8; 3]),
}

/// Which aggregate an [`Event::AggregateStart`] opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AggregateKind {
    /// `*`.
    Array,
    /// `%`.
    Map,
    /// `~`.
    Set,
    /// `>`.
    Push,
    /// `|`.
    Attribute,
}

/// The wire form a null arrived in.
///
/// ```
/// use resp_core::{Decoder, Frame, NullKind};
/// use bytes::BytesMut;
///
/// let mut buf = BytesMut::from(&b"$-1\r\n_\r\n"[..]);
/// let mut decoder = Decoder::new();
/// assert_eq!(decoder.decode(&mut buf), Ok(Some(Frame::Null(NullKind::Bulk))));
/// assert_eq!(decoder.decode(&mut buf), Ok(Some(Frame::Null(NullKind::Null))));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NullKind {
    /// RESP3 `_`.
    Null,
    /// RESP2 `$-1`, the null bulk string.
    Bulk,
    /// RESP2 `*-1`, the null array.
    Array,
}

/// A complete scalar found by the fast path, its payload given as a range
/// of the input it was read from. The Decoder builds frames from these
/// without going through [`Event`]s; [`Piece::event`] gives the event.
#[derive(Debug, Clone)]
pub(crate) enum Piece {
    /// `+OK`, the most common reply of all, built without touching the
    /// buffer's reference count.
    Ok,
    Simple(Range<usize>),
    Error(Range<usize>),
    Bulk(Range<usize>),
    BulkError(Range<usize>),
    Verbatim([u8; 3], Range<usize>),
    BigNumber(Range<usize>),
    Integer(i64),
    Double(f64),
    Null(NullKind),
    Boolean(bool),
}

impl Piece {
    /// The event this piece stands for, its payload borrowed from `input`.
    #[inline(always)]
    pub(crate) fn event(self, input: &[u8]) -> Event<'_> {
        match self {
            Self::Ok => Event::SimpleString(b"OK"),
            Self::Simple(range) => Event::SimpleString(&input[range]),
            Self::Error(range) => Event::SimpleError(&input[range]),
            Self::Bulk(range) => Event::BulkString(&input[range]),
            Self::BulkError(range) => Event::BulkError(&input[range]),
            Self::Verbatim(format, range) => Event::Verbatim {
                format,
                text: &input[range],
            },
            Self::BigNumber(range) => Event::BigNumber(&input[range]),
            Self::Integer(value) => Event::Integer(value),
            Self::Double(value) => Event::Double(value),
            Self::Null(kind) => Event::Null(kind),
            Self::Boolean(value) => Event::Boolean(value),
        }
    }

    /// The piece a whole scalar event stands for (`None` for the others);
    /// `range_of` places its payload in the input.
    #[inline]
    pub(crate) fn from_event<'a>(
        event: &Event<'a>,
        mut range_of: impl FnMut(&'a [u8]) -> Range<usize>,
    ) -> Option<Self> {
        Some(match *event {
            Event::SimpleString(b"OK") => Self::Ok,
            Event::SimpleString(text) => Self::Simple(range_of(text)),
            Event::SimpleError(text) => Self::Error(range_of(text)),
            Event::BulkString(data) => Self::Bulk(range_of(data)),
            Event::BulkError(data) => Self::BulkError(range_of(data)),
            Event::Verbatim { format, text } => Self::Verbatim(format, range_of(text)),
            Event::BigNumber(text) => Self::BigNumber(range_of(text)),
            Event::Integer(value) => Self::Integer(value),
            Event::Double(value) => Self::Double(value),
            Event::Null(kind) => Self::Null(kind),
            Event::Boolean(value) => Self::Boolean(value),
            _ => return None,
        })
    }

    /// Where its payload lies in the input, if it has one.
    #[inline]
    pub(crate) fn payload(&self) -> Option<&Range<usize>> {
        match self {
            Self::Simple(range)
            | Self::Error(range)
            | Self::Bulk(range)
            | Self::BulkError(range)
            | Self::Verbatim(_, range)
            | Self::BigNumber(range) => Some(range),
            _ => None,
        }
    }

    /// Whether it has a payload in the input.
    pub(crate) fn has_payload(&self) -> bool {
        self.payload().is_some()
    }
}
