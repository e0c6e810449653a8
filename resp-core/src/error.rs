//! The decoder's and encoder's error types.

use core::fmt;

/// Why a byte stream is not valid RESP, and where.
///
/// `offset` is the absolute position of the offending byte in the stream the
/// decoder has been fed since it was created or [`reset`](crate::Decoder::reset),
/// whatever the chunking was. Frames completed before the error have already
/// been returned.
///
/// ```
/// use resp_core::{Decoder, DecodeErrorKind};
/// use bytes::BytesMut;
///
/// let mut buf = BytesMut::from(&b"+OK\r\n:12x\r\n"[..]);
/// let mut decoder = Decoder::new();
/// assert!(decoder.decode(&mut buf).unwrap().is_some()); // +OK comes first
/// let err = decoder.decode(&mut buf).unwrap_err();
/// assert_eq!(err.kind(), DecodeErrorKind::BadInteger);
/// assert_eq!(err.offset(), 8); // the 'x'
/// assert_eq!(err.to_string(), "invalid integer at byte 8");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DecodeError {
    kind: DecodeErrorKind,
    offset: u64,
}

impl DecodeError {
    /// An error of `kind` at absolute stream `offset`.
    pub const fn new(kind: DecodeErrorKind, offset: u64) -> Self {
        Self { kind, offset }
    }

    /// What went wrong.
    pub const fn kind(&self) -> DecodeErrorKind {
        self.kind
    }

    /// The absolute stream offset of the offending byte.
    pub const fn offset(&self) -> u64 {
        self.offset
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at byte {}", self.kind.message(), self.offset)
    }
}

impl core::error::Error for DecodeError {}

/// Which bound of [`Limits`](crate::Limits) a stream exceeded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Limit {
    /// [`Limits::max_depth`](crate::Limits::max_depth).
    Depth,
    /// [`Limits::max_bulk_len`](crate::Limits::max_bulk_len).
    BulkLen,
    /// [`Limits::max_aggregate_len`](crate::Limits::max_aggregate_len).
    AggregateLen,
    /// [`Limits::max_line_len`](crate::Limits::max_line_len).
    LineLen,
}

/// What made a stream invalid. See [`DecodeError`] for where.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DecodeErrorKind {
    /// A byte that starts no RESP type where a value must start (this includes
    /// the first byte of an inline command or an empty line).
    BadTypeByte(u8),
    /// A RESP3-only type byte while decoding strict RESP2.
    Resp3OnlyType(u8),
    /// A length or count that is not `0`, a positive decimal without leading
    /// zeros, or (where a null is allowed) `-1`.
    BadLength,
    /// An integer or length that does not fit in an `i64`.
    Overflow,
    /// A declared size or the nesting went past a bound of [`Limits`](crate::Limits).
    LimitExceeded(Limit),
    /// A CR not followed by LF, an LF without CR, or payload not followed by CRLF.
    BadCrlf,
    /// An integer line (`:`) that is not an optionally signed decimal.
    BadInteger,
    /// A double line (`,`) that is not a number, `inf` or `nan`.
    BadDouble,
    /// A boolean line that is not `#t` or `#f`.
    BadBoolean,
    /// A null line (`_`) with content.
    BadNull,
    /// A big number line (`(`) that is not an optionally signed decimal.
    BadBigNumber,
    /// A verbatim string shorter than its `xxx:` format prefix, or without the colon.
    BadVerbatim,
    /// Streaming misused: `;` outside a streamed string, `.` outside a streamed
    /// aggregate, a streamed map ending after a key, or `!?`, `=?`, `>?`, `|?`.
    BadStream,
    /// An attribute not followed by a value (followed by `.` instead).
    BadAttribute,
    /// A push (`>`) anywhere but at the top level.
    BadPush,
}

impl DecodeErrorKind {
    /// A short stable kebab-case name, as `resp decode --json` prints it.
    pub const fn name(self) -> &'static str {
        match self {
            Self::BadTypeByte(_) => "bad-type-byte",
            Self::Resp3OnlyType(_) => "resp3-only-type",
            Self::BadLength => "bad-length",
            Self::Overflow => "overflow",
            Self::LimitExceeded(Limit::Depth) => "depth-limit",
            Self::LimitExceeded(_) => "size-limit",
            Self::BadCrlf => "bad-crlf",
            Self::BadInteger => "bad-integer",
            Self::BadDouble => "bad-double",
            Self::BadBoolean => "bad-boolean",
            Self::BadNull => "bad-null",
            Self::BadBigNumber => "bad-bignum",
            Self::BadVerbatim => "bad-verbatim",
            Self::BadStream => "bad-stream",
            Self::BadAttribute => "bad-attribute",
            Self::BadPush => "bad-push",
        }
    }

    /// A one-line human description.
    pub const fn message(self) -> &'static str {
        match self {
            Self::BadTypeByte(_) => "invalid type byte",
            Self::Resp3OnlyType(_) => "RESP3 type byte in a RESP2 stream",
            Self::BadLength => "invalid length",
            Self::Overflow => "number does not fit in 64 bits",
            Self::LimitExceeded(Limit::Depth) => "nesting deeper than max_depth",
            Self::LimitExceeded(Limit::BulkLen) => "payload longer than max_bulk_len",
            Self::LimitExceeded(Limit::AggregateLen) => "aggregate longer than max_aggregate_len",
            Self::LimitExceeded(Limit::LineLen) => "line longer than max_line_len",
            Self::BadCrlf => "expected CRLF",
            Self::BadInteger => "invalid integer",
            Self::BadDouble => "invalid double",
            Self::BadBoolean => "invalid boolean",
            Self::BadNull => "invalid null",
            Self::BadBigNumber => "invalid big number",
            Self::BadVerbatim => "invalid verbatim string",
            Self::BadStream => "misplaced streaming marker",
            Self::BadAttribute => "attribute not followed by a value",
            Self::BadPush => "push inside an aggregate",
        }
    }
}

/// Why a value cannot be encoded. Nothing was written when this is returned.
///
/// ```
/// use resp_core::{EncodeError, Frame};
///
/// let mut out = Vec::new();
/// let bad = Frame::SimpleString("two\r\nlines".into());
/// assert_eq!(bad.encode(&mut out), Err(EncodeError::LineBreakInSimple));
/// assert!(out.is_empty());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EncodeError {
    /// A CR or LF inside a simple string or simple error, which would end its line early.
    LineBreakInSimple,
    /// A big number that is not an optionally signed, non-empty decimal.
    InvalidBigNumber,
    /// A RESP3-only value written for a strict RESP2 peer.
    Resp3Only,
}

impl fmt::Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::LineBreakInSimple => "CR or LF inside a simple string or error",
            Self::InvalidBigNumber => "big number is not a decimal integer",
            Self::Resp3Only => "RESP3-only value in a RESP2 stream",
        })
    }
}

impl core::error::Error for EncodeError {}

/// A corrupt stream as an IO error, for codecs and blocking readers: kind
/// [`InvalidData`](std::io::ErrorKind::InvalidData), with the decode error
/// (kind and offset) as its source.
///
/// ```
/// use resp_core::{DecodeError, DecodeErrorKind};
///
/// let error = std::io::Error::from(DecodeError::new(DecodeErrorKind::BadInteger, 8));
/// assert_eq!(error.kind(), std::io::ErrorKind::InvalidData);
/// assert_eq!(error.to_string(), "invalid integer at byte 8");
/// assert!(error.get_ref().unwrap().is::<DecodeError>());
/// ```
#[cfg(feature = "std")]
impl From<DecodeError> for std::io::Error {
    fn from(error: DecodeError) -> Self {
        std::io::Error::new(std::io::ErrorKind::InvalidData, error)
    }
}
