//! [`Frame`]: one owned value type for every RESP2 and RESP3 value.

mod clone;
mod debug;
mod drop;
mod eq;
mod walk;

pub use crate::reader::NullKind;
pub use walk::{Visit, Walk};

use crate::payload::Payload;
use alloc::boxed::Box;
use alloc::vec::Vec;
use bytes::Bytes;

/// One RESP2 or RESP3 value, owned.
///
/// Payloads are [`Payload`]s: short ones are stored in the frame itself,
/// longer ones are [`Bytes`] slices of the buffer they were received in, so
/// decoding never copies a large payload (joining a streamed string's chunks
/// is the one copy). Maps, sets and attributes are ordered vectors: wire order and
/// duplicate keys survive, and re-encoding gives back the same bytes.
///
/// Cloning, dropping, printing with `{:?}`, comparing and encoding are iterative, so a
/// frame nested 100,000 deep, built by hand, is as safe as a flat one.
/// Because `Frame` implements `Drop`, take an aggregate's elements out with
/// [`into_items`](Self::into_items) or [`into_pairs`](Self::into_pairs)
/// instead of moving them out in a `match`.
///
/// ```
/// use resp_core::Frame;
///
/// let reply = Frame::Array(vec![Frame::BulkString("a".into()), Frame::Integer(7)]);
/// assert_eq!(reply.items().map(<[Frame]>::len), Some(2));
/// assert_eq!(reply.encode_to_vec().unwrap(), b"*2\r\n$1\r\na\r\n:7\r\n");
/// ```
pub enum Frame {
    /// `+OK`: a line of text without CR or LF.
    SimpleString(Payload),
    /// `-ERR message`: an error as a line of text.
    SimpleError(Payload),
    /// `:42`.
    Integer(i64),
    /// `$5\r\nhello`: binary-safe bytes.
    BulkString(Payload),
    /// `!21\r\nSYNTAX invalid syntax`: a binary-safe error (RESP3).
    BulkError(Payload),
    /// `=15\r\ntxt:Some string`: text with a 3-byte format such as `txt` or
    /// `mkd` (RESP3). Any 3 bytes are kept.
    Verbatim {
        /// The format, the three bytes before the colon.
        format: [u8; 3],
        /// The text after the colon.
        text: Payload,
    },
    /// `,3.14` (RESP3). Decoding accepts `inf`, `-inf`, `nan`, `-nan` and exponents.
    Double(f64),
    /// `#t` or `#f` (RESP3).
    Boolean(bool),
    /// `(3492890328409238509324850943850943825024385` (RESP3): the digits as sent.
    BigNumber(Payload),
    /// A null, remembering its wire form so a proxy can re-encode it exactly.
    Null(NullKind),
    /// `*N`: ordered elements.
    Array(Vec<Frame>),
    /// `%N`: ordered key-value pairs; keys may be any frame and may repeat (RESP3).
    Map(Vec<(Frame, Frame)>),
    /// `~N`: ordered elements, duplicates kept (RESP3).
    Set(Vec<Frame>),
    /// `>N`: an out-of-band message such as a pub/sub message or an
    /// invalidation (RESP3). Only valid at the top level.
    Push(Vec<Frame>),
    /// `$?` followed by `;N` chunks and `;0`: the chunks joined (RESP3).
    StreamedString(Payload),
    /// `*?` … `.`: an array whose length was not announced (RESP3).
    StreamedArray(Vec<Frame>),
    /// `%?` … `.`: a map whose length was not announced (RESP3).
    StreamedMap(Vec<(Frame, Frame)>),
    /// `~?` … `.`: a set whose length was not announced (RESP3).
    StreamedSet(Vec<Frame>),
    /// A value preceded by one or more attributes (`|N`, RESP3).
    Attributed(Box<Attributed>),
}

/// A value together with the attributes sent before it.
///
/// Attributes describe the value that follows them (for example key
/// popularity); they are never an element of the enclosing aggregate.
///
/// ```
/// use resp_core::{Attributed, Frame};
///
/// let ttl = (Frame::SimpleString("ttl".into()), Frame::Integer(3600));
/// let frame = Frame::Attributed(Box::new(Attributed {
///     attributes: vec![vec![ttl]],
///     value: Frame::BulkString("v".into()),
/// }));
/// assert_eq!(frame.encode_to_vec().unwrap(), b"|1\r\n+ttl\r\n:3600\r\n$1\r\nv\r\n");
/// assert_eq!(frame.value().as_bytes(), Some(&b"v"[..]));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attributed {
    /// One entry per attribute frame, in wire order, each its ordered pairs.
    pub attributes: Vec<Vec<(Frame, Frame)>>,
    /// The value the attributes describe. Never itself `Attributed` when decoded.
    pub value: Frame,
}

impl Frame {
    /// The value without its attributes: `self` unless it is [`Frame::Attributed`].
    pub fn value(&self) -> &Self {
        let mut frame = self;
        while let Self::Attributed(attributed) = frame {
            frame = &attributed.value;
        }
        frame
    }

    /// The payload of a simple string, simple error, bulk string, bulk error,
    /// verbatim string (its text), big number or streamed string.
    pub fn as_bytes(&self) -> Option<&[u8]> {
        match self.value() {
            Self::SimpleString(b)
            | Self::SimpleError(b)
            | Self::BulkString(b)
            | Self::BulkError(b)
            | Self::BigNumber(b)
            | Self::StreamedString(b)
            | Self::Verbatim { text: b, .. } => Some(b),
            _ => None,
        }
    }

    /// The elements of an array, set or push, streamed or not.
    pub fn items(&self) -> Option<&[Self]> {
        match self.value() {
            Self::Array(items)
            | Self::Set(items)
            | Self::Push(items)
            | Self::StreamedArray(items)
            | Self::StreamedSet(items) => Some(items),
            _ => None,
        }
    }

    /// The pairs of a map, streamed or not.
    pub fn pairs(&self) -> Option<&[(Self, Self)]> {
        match self.value() {
            Self::Map(pairs) | Self::StreamedMap(pairs) => Some(pairs),
            _ => None,
        }
    }

    /// Takes the elements out of an array, set or push (streamed or not),
    /// dropping any attributes.
    ///
    /// ```
    /// use resp_core::Frame;
    ///
    /// let set = Frame::Set(vec![Frame::Integer(1)]);
    /// assert_eq!(set.into_items(), Ok(vec![Frame::Integer(1)]));
    /// assert!(Frame::Integer(1).into_items().is_err());
    /// ```
    pub fn into_items(mut self) -> Result<Vec<Self>, Self> {
        match self.value_mut() {
            Self::Array(items)
            | Self::Set(items)
            | Self::Push(items)
            | Self::StreamedArray(items)
            | Self::StreamedSet(items) => Ok(core::mem::take(items)),
            _ => Err(self),
        }
    }

    /// Takes the pairs out of a map (streamed or not), dropping any attributes.
    pub fn into_pairs(mut self) -> Result<Vec<(Self, Self)>, Self> {
        match self.value_mut() {
            Self::Map(pairs) | Self::StreamedMap(pairs) => Ok(core::mem::take(pairs)),
            _ => Err(self),
        }
    }

    /// Takes the payload out of any frame [`as_bytes`](Self::as_bytes) accepts.
    ///
    /// ```
    /// use resp_core::Frame;
    ///
    /// assert_eq!(Frame::BulkString("v".into()).into_payload(), Ok("v".into()));
    /// assert!(Frame::Integer(1).into_payload().is_err());
    /// ```
    pub fn into_payload(mut self) -> Result<Payload, Self> {
        match self.value_mut() {
            Self::SimpleString(b)
            | Self::SimpleError(b)
            | Self::BulkString(b)
            | Self::BulkError(b)
            | Self::BigNumber(b)
            | Self::StreamedString(b)
            | Self::Verbatim { text: b, .. } => Ok(core::mem::take(b)),
            _ => Err(self),
        }
    }

    /// The payload as [`Bytes`], for code that keeps it: shared without a
    /// copy when it is long, copied when it is stored inline.
    pub fn into_bytes(self) -> Result<Bytes, Self> {
        self.into_payload().map(Bytes::from)
    }

    fn value_mut(&mut self) -> &mut Self {
        let mut frame = self;
        loop {
            match frame {
                Self::Attributed(attributed) => frame = &mut attributed.value,
                other => return other,
            }
        }
    }

    /// Whether this is a null of any wire form.
    pub fn is_null(&self) -> bool {
        matches!(self.value(), Self::Null(_))
    }

    /// Whether this is a simple or bulk error.
    pub fn is_error(&self) -> bool {
        matches!(self.value(), Self::SimpleError(_) | Self::BulkError(_))
    }

    /// Whether this is an out-of-band push message (attributes allowed before it).
    pub fn is_push(&self) -> bool {
        matches!(self.value(), Self::Push(_))
    }

    /// The number of elements (pairs for maps) if this is an aggregate.
    pub(crate) fn aggregate_len(&self) -> Option<usize> {
        match self {
            Self::Array(items)
            | Self::Set(items)
            | Self::Push(items)
            | Self::StreamedArray(items)
            | Self::StreamedSet(items) => Some(items.len()),
            Self::Map(pairs) | Self::StreamedMap(pairs) => Some(pairs.len()),
            _ => None,
        }
    }

    /// Whether this frame has children ([`Walk`] opens and closes it).
    #[inline]
    pub(crate) fn is_container(&self) -> bool {
        matches!(self, Self::Attributed(_)) || self.aggregate_len().is_some()
    }
}

impl From<&str> for Frame {
    /// A bulk string.
    fn from(s: &str) -> Self {
        Self::BulkString(Payload::from(s))
    }
}

impl From<i64> for Frame {
    fn from(n: i64) -> Self {
        Self::Integer(n)
    }
}
