//! Encoding [`Frame`]s: exact length first, then one pass of writes.

use super::number::{DoubleText, decimal_len, header_len, put_header, unsigned_decimal_len};
use crate::error::EncodeError;
use crate::frame::{Frame, Visit};
use crate::lex::has_line_break;
use crate::lex::scalar::is_big_number;
use crate::protocol::Protocol;
use crate::reader::NullKind;
use alloc::vec::Vec;
use bytes::BufMut;

impl Frame {
    /// The exact number of bytes [`encode`](Self::encode) writes.
    pub fn encoded_len(&self) -> usize {
        self.walk().map(visit_len).sum()
    }

    /// Writes this frame as RESP3 (RESP2 frames stay RESP2). Invalid values fail
    /// before anything is written. Reserve [`encoded_len`](Self::encoded_len)
    /// bytes first to grow the buffer once.
    ///
    /// ```
    /// use resp_core::Frame;
    ///
    /// let frame = Frame::Map(vec![(Frame::SimpleString("a".into()), Frame::Double(1.5))]);
    /// let mut out = Vec::with_capacity(frame.encoded_len());
    /// frame.encode(&mut out).unwrap();
    /// assert_eq!(out, b"%1\r\n+a\r\n,1.5\r\n");
    /// ```
    pub fn encode(&self, dst: &mut impl BufMut) -> Result<(), EncodeError> {
        self.encode_for(Protocol::Resp3, dst)
    }

    /// Like [`encode`](Self::encode), but for a strict [`Protocol::Resp2`]
    /// peer any RESP3-only value is an error. To downgrade RESP3 values the way
    /// Redis does for RESP2 clients, use the reply writer instead.
    ///
    /// ```
    /// use resp_core::{EncodeError, Frame, Protocol};
    ///
    /// let mut out = Vec::new();
    /// assert_eq!(Frame::Boolean(true).encode_for(Protocol::Resp2, &mut out), Err(EncodeError::Resp3Only));
    /// ```
    pub fn encode_for(&self, protocol: Protocol, dst: &mut impl BufMut) -> Result<(), EncodeError> {
        self.validate(protocol)?;
        for visit in self.walk() {
            put_visit(dst, visit);
        }
        Ok(())
    }

    /// The RESP3 encoding in a new vector.
    ///
    /// ```
    /// use resp_core::Frame;
    ///
    /// assert_eq!(Frame::Integer(-7).encode_to_vec().unwrap(), b":-7\r\n");
    /// ```
    pub fn encode_to_vec(&self) -> Result<Vec<u8>, EncodeError> {
        self.validate(Protocol::Resp3)?;
        let mut out = Vec::with_capacity(self.encoded_len());
        for visit in self.walk() {
            put_visit(&mut out, visit);
        }
        Ok(out)
    }

    pub(crate) fn validate(&self, protocol: Protocol) -> Result<(), EncodeError> {
        for visit in self.walk() {
            let frame = match visit {
                Visit::Leaf(frame) | Visit::Open(frame) => frame,
                Visit::OpenAttribute(_) if !protocol.allows_resp3_types() => {
                    return Err(EncodeError::Resp3Only);
                }
                _ => continue,
            };
            if !protocol.allows_resp3_types() && frame.is_resp3_only() {
                return Err(EncodeError::Resp3Only);
            }
            match frame {
                Self::SimpleString(text) | Self::SimpleError(text) if has_line_break(text) => {
                    return Err(EncodeError::LineBreakInSimple);
                }
                Self::BigNumber(digits) if !is_big_number(digits) => {
                    return Err(EncodeError::InvalidBigNumber);
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// Whether RESP2 has no form for this value (its children aside).
    pub(crate) fn is_resp3_only(&self) -> bool {
        !matches!(
            self,
            Self::SimpleString(_)
                | Self::SimpleError(_)
                | Self::Integer(_)
                | Self::BulkString(_)
                | Self::Array(_)
                | Self::Null(NullKind::Bulk | NullKind::Array)
        )
    }
}

fn visit_len(visit: Visit<'_>) -> usize {
    match visit {
        Visit::Leaf(frame) => leaf_len(frame),
        Visit::Open(frame) => match frame {
            Frame::StreamedArray(_) | Frame::StreamedMap(_) | Frame::StreamedSet(_) => 4,
            Frame::Attributed(_) => 0,
            other => header_len(other.aggregate_len().unwrap_or(0)),
        },
        Visit::Close(frame) => match frame {
            Frame::StreamedArray(_) | Frame::StreamedMap(_) | Frame::StreamedSet(_) => 3,
            _ => 0,
        },
        Visit::OpenAttribute(pairs) => header_len(pairs.len()),
        Visit::CloseAttribute => 0,
    }
}

fn leaf_len(frame: &Frame) -> usize {
    match frame {
        Frame::SimpleString(text) | Frame::SimpleError(text) | Frame::BigNumber(text) => {
            text.len() + 3
        }
        Frame::Integer(n) => decimal_len(*n) + 3,
        Frame::BulkString(data) | Frame::BulkError(data) => header_len(data.len()) + data.len() + 2,
        Frame::Verbatim { text, .. } => header_len(text.len() + 4) + text.len() + 6,
        Frame::Double(d) => DoubleText::new(*d).as_bytes().len() + 3,
        Frame::Boolean(_) => 4,
        Frame::Null(NullKind::Null) => 3,
        Frame::Null(_) => 5,
        Frame::StreamedString(data) if data.is_empty() => 8,
        Frame::StreamedString(data) => {
            8 + 3 + unsigned_decimal_len(data.len() as u64) + data.len() + 2
        }
        _ => 0,
    }
}

pub(crate) fn put_visit(dst: &mut impl BufMut, visit: Visit<'_>) {
    match visit {
        Visit::Leaf(frame) => put_leaf(dst, frame),
        Visit::Open(frame) => match frame {
            Frame::Array(items) => put_header(dst, b'*', items.len()),
            Frame::Set(items) => put_header(dst, b'~', items.len()),
            Frame::Push(items) => put_header(dst, b'>', items.len()),
            Frame::Map(pairs) => put_header(dst, b'%', pairs.len()),
            Frame::StreamedArray(_) => dst.put_slice(b"*?\r\n"),
            Frame::StreamedMap(_) => dst.put_slice(b"%?\r\n"),
            Frame::StreamedSet(_) => dst.put_slice(b"~?\r\n"),
            _ => {}
        },
        Visit::Close(frame) => {
            if matches!(
                frame,
                Frame::StreamedArray(_) | Frame::StreamedMap(_) | Frame::StreamedSet(_)
            ) {
                dst.put_slice(b".\r\n");
            }
        }
        Visit::OpenAttribute(pairs) => put_header(dst, b'|', pairs.len()),
        Visit::CloseAttribute => {}
    }
}

fn put_leaf(dst: &mut impl BufMut, frame: &Frame) {
    match frame {
        Frame::SimpleString(text) => put_line(dst, b'+', text),
        Frame::SimpleError(text) => put_line(dst, b'-', text),
        Frame::BigNumber(text) => put_line(dst, b'(', text),
        Frame::Integer(n) => put_header(dst, b':', *n),
        Frame::BulkString(data) => put_blob(dst, b'$', data),
        Frame::BulkError(data) => put_blob(dst, b'!', data),
        Frame::Verbatim { format, text } => {
            put_header(dst, b'=', text.len() + 4);
            dst.put_slice(format);
            dst.put_u8(b':');
            dst.put_slice(text);
            dst.put_slice(b"\r\n");
        }
        Frame::Double(d) => put_line(dst, b',', DoubleText::new(*d).as_bytes()),
        Frame::Boolean(b) => dst.put_slice(if *b { b"#t\r\n" } else { b"#f\r\n" }),
        Frame::Null(NullKind::Null) => dst.put_slice(b"_\r\n"),
        Frame::Null(NullKind::Bulk) => dst.put_slice(b"$-1\r\n"),
        Frame::Null(NullKind::Array) => dst.put_slice(b"*-1\r\n"),
        Frame::StreamedString(data) => {
            dst.put_slice(b"$?\r\n");
            if !data.is_empty() {
                put_blob(dst, b';', data);
            }
            dst.put_slice(b";0\r\n");
        }
        _ => {}
    }
}

pub(crate) fn put_line(dst: &mut impl BufMut, type_byte: u8, text: &[u8]) {
    dst.put_u8(type_byte);
    dst.put_slice(text);
    dst.put_slice(b"\r\n");
}

pub(crate) fn put_blob(dst: &mut impl BufMut, type_byte: u8, data: &[u8]) {
    put_header(dst, type_byte, data.len());
    dst.put_slice(data);
    dst.put_slice(b"\r\n");
}
