//! Typed values from decoded frames ([`FromFrame`]).

mod collections;

pub(crate) use collections::pairs;
mod scalars;

use crate::frame::Frame;
use alloc::vec::Vec;
use bytes::Bytes;
use core::fmt;

/// A type that can be built from a decoded frame.
///
/// Typed values from decoded frames: `i64`, `String`, `Vec<T>`, maps,
/// `Option<T>`, tuples, as a client reads the reply to a command it knows.
///
/// Conversion consumes the frame, so payloads move out as they are (a
/// [`Bytes`] stays a slice of the received buffer). Attributes are dropped.
/// An error reply becomes [`ConvertError::Server`] whatever the target type,
/// except for [`Frame`] itself, which takes anything.
///
/// ```
/// use resp_core::{ConvertError, Frame};
///
/// let reply = Frame::Array(vec![Frame::BulkString("7".into()), Frame::Null(resp_core::NullKind::Bulk)]);
/// let values: Vec<Option<i64>> = reply.convert()?;
/// assert_eq!(values, [Some(7), None]);
///
/// let refused = Frame::SimpleError("WRONGTYPE Operation against a key".into());
/// assert!(matches!(refused.convert::<i64>(), Err(ConvertError::Server(_))));
/// # Ok::<(), ConvertError>(())
/// ```
///
/// Implement it for your own reply types to use them with
/// [`Frame::convert`] and inside `Vec`, `Option` and tuples:
///
/// ```
/// use resp_core::{ConvertError, Frame, FromFrame};
///
/// /// A slot range from `CLUSTER SLOTS`, read as a struct.
/// #[derive(Debug, PartialEq)]
/// struct Slot { start: u16, end: u16 }
///
/// impl FromFrame for Slot {
///     fn from_frame(frame: Frame) -> Result<Self, ConvertError> {
///         let (start, end) = frame.convert()?;
///         Ok(Slot { start, end })
///     }
/// }
///
/// let reply = Frame::Array(vec![Frame::Array(vec![Frame::Integer(0), Frame::Integer(5460)])]);
/// assert_eq!(reply.convert::<Vec<Slot>>()?, [Slot { start: 0, end: 5460 }]);
/// # Ok::<(), ConvertError>(())
/// ```
pub trait FromFrame: Sized {
    /// Builds the value, consuming the frame.
    fn from_frame(frame: Frame) -> Result<Self, ConvertError>;

    /// A whole sequence of these from one string's bytes, which only bytes
    /// (`u8`) give, so that `Vec<u8>` reads a bulk string.
    #[doc(hidden)]
    fn from_byte_string(bytes: &[u8]) -> Option<Vec<Self>> {
        let _ = bytes;
        None
    }

    /// Whether the type is a key and a value (a two-element tuple), so
    /// that a `Vec` of it also reads RESP2's flat array of pairs.
    #[doc(hidden)]
    const IS_PAIR: bool = false;
}

impl Frame {
    /// Converts this frame into `T`; see [`FromFrame`].
    pub fn convert<T: FromFrame>(self) -> Result<T, ConvertError> {
        T::from_frame(self)
    }
}

/// Why a frame did not convert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConvertError {
    /// The reply is an error; this is its text.
    Server(Bytes),
    /// The frame's type cannot become the requested one.
    Type {
        /// What the requested type reads, such as `integer`.
        expected: &'static str,
        /// What the frame is, such as `bulk string` or `null`.
        found: &'static str,
    },
    /// The frame has the right type but its value does not fit: text that
    /// is not a number or not UTF-8, an integer out of range.
    Value {
        /// What the requested type reads.
        expected: &'static str,
    },
    /// An aggregate with the wrong number of elements for a tuple, or an
    /// odd number for key-value pairs.
    Length {
        /// How many elements the requested type takes.
        expected: usize,
        /// How many the frame has.
        found: usize,
    },
}

impl fmt::Display for ConvertError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Server(text) => write!(f, "error reply: {}", text.escape_ascii()),
            Self::Type { expected, found } => write!(f, "expected {expected}, got {found}"),
            Self::Value { expected } => write!(f, "value is not a valid {expected}"),
            Self::Length { expected, found } => {
                write!(f, "expected {expected} elements, got {found}")
            }
        }
    }
}

impl core::error::Error for ConvertError {}

impl ConvertError {
    /// The error for `frame` not being `expected`, or the server's error
    /// when `frame` is an error reply.
    pub(crate) fn unexpected(frame: Frame, expected: &'static str) -> Self {
        if frame.is_error() {
            return Self::Server(frame.into_bytes().unwrap_or_default());
        }
        Self::Type {
            expected,
            found: type_name(frame.value()),
        }
    }
}

/// What a frame is, in words, for errors.
fn type_name(frame: &Frame) -> &'static str {
    match frame {
        Frame::SimpleString(_) => "simple string",
        Frame::SimpleError(_) => "simple error",
        Frame::Integer(_) => "integer",
        Frame::BulkString(_) => "bulk string",
        Frame::BulkError(_) => "bulk error",
        Frame::Verbatim { .. } => "verbatim string",
        Frame::Double(_) => "double",
        Frame::Boolean(_) => "boolean",
        Frame::BigNumber(_) => "big number",
        Frame::Null(_) => "null",
        Frame::Array(_) | Frame::StreamedArray(_) => "array",
        Frame::Map(_) | Frame::StreamedMap(_) => "map",
        Frame::Set(_) | Frame::StreamedSet(_) => "set",
        Frame::Push(_) => "push",
        Frame::StreamedString(_) => "streamed string",
        Frame::Attributed(_) => "attributed value",
    }
}

/// Any frame, errors included: the identity.
impl FromFrame for Frame {
    fn from_frame(frame: Frame) -> Result<Self, ConvertError> {
        Ok(frame)
    }
}
