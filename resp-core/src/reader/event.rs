//! What the [`Reader`](super::Reader) hands out.

use crate::NullKind;

/// The result of one [`Reader::read`](super::Reader::read).
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
