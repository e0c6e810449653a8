//! Numbers, booleans, text and bytes.
//!
//! Replies carry numbers as integers, doubles or text (`GET` of a counter
//! is a bulk string), so numbers are read from any of them.

use super::{ConvertError, FromFrame};
use crate::frame::Frame;
use crate::payload::Payload;
use alloc::string::String;
use alloc::vec::Vec;
use bytes::Bytes;

/// The payload of any text frame.
fn text(frame: Frame, expected: &'static str) -> Result<Payload, ConvertError> {
    if frame.is_error() {
        return Err(ConvertError::unexpected(frame, expected));
    }
    frame
        .into_payload()
        .map_err(|frame| ConvertError::unexpected(frame, expected))
}

/// Text parsed with `str::parse`.
fn parse_text<T: core::str::FromStr>(
    frame: Frame,
    expected: &'static str,
) -> Result<T, ConvertError> {
    let text = text(frame, expected)?;
    core::str::from_utf8(&text)
        .ok()
        .and_then(|text| text.parse().ok())
        .ok_or(ConvertError::Value { expected })
}

macro_rules! integer {
    ($($ty:ty $({ $($extra:item)* })?),+ $(,)?) => {$(
        /// From an integer, or a big number or text holding one.
        impl FromFrame for $ty {
            fn from_frame(frame: Frame) -> Result<Self, ConvertError> {
                const EXPECTED: &str = "integer";
                match frame.value() {
                    Frame::Integer(n) => {
                        <$ty>::try_from(*n).map_err(|_| ConvertError::Value { expected: EXPECTED })
                    }
                    _ => parse_text(frame, EXPECTED),
                }
            }
            $($($extra)*)?
        }
    )+};
}

integer!(
    i8,
    i16,
    i32,
    i64,
    i128,
    isize,
    // A `Vec<u8>` reads a bulk or simple string's bytes as they are.
    u8 {
        fn from_byte_string(bytes: &[u8]) -> Option<Vec<Self>> {
            Some(bytes.to_vec())
        }
    },
    u16,
    u32,
    u64,
    u128,
    usize,
);

/// From a double, an integer, or text (`inf`, `-inf` and `nan` included).
impl FromFrame for f64 {
    fn from_frame(frame: Frame) -> Result<Self, ConvertError> {
        match frame.value() {
            Frame::Double(d) => Ok(*d),
            Frame::Integer(n) => Ok(*n as f64),
            _ => parse_text(frame, "double"),
        }
    }
}

/// From a boolean, or the integer or text `0` or `1` (RESP2's booleans).
impl FromFrame for bool {
    fn from_frame(frame: Frame) -> Result<Self, ConvertError> {
        const EXPECTED: &str = "boolean";
        match frame.value() {
            Frame::Boolean(b) => Ok(*b),
            Frame::Integer(0) => Ok(false),
            Frame::Integer(1) => Ok(true),
            Frame::Integer(_) => Err(ConvertError::Value { expected: EXPECTED }),
            _ => match &text(frame, EXPECTED)?[..] {
                b"0" => Ok(false),
                b"1" => Ok(true),
                _ => Err(ConvertError::Value { expected: EXPECTED }),
            },
        }
    }
}

/// The payload of any text frame, as it is stored.
impl FromFrame for Payload {
    fn from_frame(frame: Frame) -> Result<Self, ConvertError> {
        text(frame, "string")
    }
}

/// The payload of any text frame: without a copy when it is long, copied
/// when it was short enough to be stored inline.
impl FromFrame for Bytes {
    fn from_frame(frame: Frame) -> Result<Self, ConvertError> {
        text(frame, "string").map(Bytes::from)
    }
}

/// The payload of any text frame, which must be UTF-8, or an integer's
/// decimal text.
impl FromFrame for String {
    fn from_frame(frame: Frame) -> Result<Self, ConvertError> {
        const EXPECTED: &str = "UTF-8 string";
        if let Frame::Integer(n) = frame.value() {
            return Ok(alloc::format!("{n}"));
        }
        let text = text(frame, EXPECTED)?;
        String::from_utf8(text.into()).map_err(|_| ConvertError::Value { expected: EXPECTED })
    }
}

/// Any reply but an error, such as the `OK` of `SET`.
impl FromFrame for () {
    fn from_frame(frame: Frame) -> Result<Self, ConvertError> {
        if frame.is_error() {
            return Err(ConvertError::unexpected(frame, "any reply"));
        }
        Ok(())
    }
}
