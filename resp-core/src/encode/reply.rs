//! [`ReplyWriter`]: a server's replies, written for the connection's protocol.

use super::frame::{put_blob, put_line, put_visit};
use super::number::{DoubleText, put_header};
use crate::error::EncodeError;
use crate::frame::{Frame, Visit};
use crate::lex::has_line_break;
use crate::lex::scalar::is_big_number;
use crate::protocol::Protocol;
use crate::reader::NullKind;
use bytes::BufMut;

/// How doubles are written as text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum DoubleFormat {
    /// The shortest text that reads back to the same value (`0.1`), as Redis
    /// 7.2 and later send.
    #[default]
    Shortest,
    /// C's `%.17g` (`0.10000000000000001`), as Redis 7.0 and older send, for
    /// servers that must match those byte for byte.
    Significant17,
}

/// Writes a server's replies as RESP3 values, downgrading them for RESP2
/// clients the way Redis does.
///
/// | RESP3 | sent to a RESP2 client as |
/// |---|---|
/// | map of N pairs | array of 2N: key, value, key, value… |
/// | set, push | array |
/// | boolean | `:1` or `:0` |
/// | double, big number, verbatim string | bulk string of its text |
/// | blob error | simple error (CR and LF become spaces) |
/// | null | `$-1`, or `*-1` from [`null_array`](Self::null_array) |
/// | attribute | dropped; the value it describes is written |
///
/// Aggregate headers are written on their own, so a long reply can be
/// streamed element by element without building it. In RESP3 the streamed
/// forms (`$?`, `*?` …) are available too; a RESP2 client cannot receive them.
///
/// ```
/// use resp_core::{Protocol, ReplyWriter};
///
/// for (protocol, expected) in [
///     (Protocol::Resp3, &b"%1\r\n+ok\r\n#t\r\n"[..]),
///     (Protocol::Resp2, &b"*2\r\n+ok\r\n:1\r\n"[..]),
/// ] {
///     let mut out = Vec::new();
///     let mut reply = ReplyWriter::new(&mut out, protocol);
///     reply.map(1);
///     reply.simple("ok").unwrap();
///     reply.boolean(true);
///     assert_eq!(out, expected);
/// }
/// ```
#[derive(Debug)]
pub struct ReplyWriter<B> {
    dst: B,
    protocol: Protocol,
    doubles: DoubleFormat,
}

impl<B: BufMut> ReplyWriter<B> {
    /// A writer for a connection speaking `protocol`.
    pub fn new(dst: B, protocol: Protocol) -> Self {
        Self {
            dst,
            protocol,
            doubles: DoubleFormat::default(),
        }
    }

    /// Chooses how doubles are written.
    pub fn with_double_format(mut self, doubles: DoubleFormat) -> Self {
        self.doubles = doubles;
        self
    }

    /// The protocol replies are written for.
    pub fn protocol(&self) -> Protocol {
        self.protocol
    }

    /// Switches the protocol, as `HELLO` does mid-connection.
    pub fn set_protocol(&mut self, protocol: Protocol) {
        self.protocol = protocol;
    }

    /// The output.
    pub fn get_mut(&mut self) -> &mut B {
        &mut self.dst
    }

    /// Gives the output back.
    pub fn into_inner(self) -> B {
        self.dst
    }

    fn resp3(&self) -> bool {
        self.protocol.allows_resp3_types()
    }

    /// `+text`. Fails on CR or LF, writing nothing.
    pub fn simple(&mut self, text: impl AsRef<[u8]>) -> Result<(), EncodeError> {
        let text = text.as_ref();
        check_line(text)?;
        put_line(&mut self.dst, b'+', text);
        Ok(())
    }

    /// `-text`, for example `ERR unknown command`. Fails on CR or LF.
    pub fn error(&mut self, text: impl AsRef<[u8]>) -> Result<(), EncodeError> {
        let text = text.as_ref();
        check_line(text)?;
        put_line(&mut self.dst, b'-', text);
        Ok(())
    }

    /// `:n`.
    pub fn integer(&mut self, n: i64) {
        put_header(&mut self.dst, b':', n);
    }

    /// `$len` and the bytes.
    pub fn bulk(&mut self, data: impl AsRef<[u8]>) {
        put_blob(&mut self.dst, b'$', data.as_ref());
    }

    /// A missing value: `_`, or `$-1` in RESP2.
    pub fn null(&mut self) {
        self.dst
            .put_slice(if self.resp3() { b"_\r\n" } else { b"$-1\r\n" });
    }

    /// A missing aggregate (a timed-out `BLPOP`): `_`, or `*-1` in RESP2.
    pub fn null_array(&mut self) {
        self.dst
            .put_slice(if self.resp3() { b"_\r\n" } else { b"*-1\r\n" });
    }

    /// `#t`/`#f`, or `:1`/`:0` in RESP2.
    pub fn boolean(&mut self, b: bool) {
        match (self.resp3(), b) {
            (true, true) => self.dst.put_slice(b"#t\r\n"),
            (true, false) => self.dst.put_slice(b"#f\r\n"),
            (false, b) => self.integer(i64::from(b)),
        }
    }

    /// `,d`, or a bulk string of the same text in RESP2.
    pub fn double(&mut self, d: f64) {
        let text = match self.doubles {
            DoubleFormat::Shortest => DoubleText::new(d),
            DoubleFormat::Significant17 => DoubleText::significant17(d),
        };
        if self.resp3() {
            put_line(&mut self.dst, b',', text.as_bytes());
        } else {
            put_blob(&mut self.dst, b'$', text.as_bytes());
        }
    }

    /// `(digits`, or a bulk string in RESP2. Fails unless an optionally
    /// signed decimal.
    pub fn big_number(&mut self, digits: impl AsRef<[u8]>) -> Result<(), EncodeError> {
        let digits = digits.as_ref();
        if !is_big_number(digits) {
            return Err(EncodeError::InvalidBigNumber);
        }
        if self.resp3() {
            put_line(&mut self.dst, b'(', digits);
        } else {
            put_blob(&mut self.dst, b'$', digits);
        }
        Ok(())
    }

    /// `=len` with a format such as `txt`, or a bulk string of the text in RESP2.
    pub fn verbatim(&mut self, format: [u8; 3], text: impl AsRef<[u8]>) {
        let text = text.as_ref();
        if self.resp3() {
            put_header(&mut self.dst, b'=', text.len() + 4);
            self.dst.put_slice(&format);
            self.dst.put_u8(b':');
            self.dst.put_slice(text);
            self.dst.put_slice(b"\r\n");
        } else {
            put_blob(&mut self.dst, b'$', text);
        }
    }

    /// `!len` and the text, or a simple error in RESP2 (CR and LF become spaces).
    pub fn bulk_error(&mut self, text: impl AsRef<[u8]>) {
        let text = text.as_ref();
        if self.resp3() {
            put_blob(&mut self.dst, b'!', text);
        } else {
            self.dst.put_u8(b'-');
            for &byte in text {
                self.dst.put_u8(if byte == b'\r' || byte == b'\n' {
                    b' '
                } else {
                    byte
                });
            }
            self.dst.put_slice(b"\r\n");
        }
    }

    /// The header of an array of `len` elements; write them next.
    pub fn array(&mut self, len: usize) {
        put_header(&mut self.dst, b'*', len);
    }

    /// The header of a map of `pairs` pairs; write key, value, key, value… next.
    pub fn map(&mut self, pairs: usize) {
        if self.resp3() {
            put_header(&mut self.dst, b'%', pairs);
        } else {
            put_header(&mut self.dst, b'*', pairs.saturating_mul(2));
        }
    }

    /// The header of a set of `len` elements.
    pub fn set(&mut self, len: usize) {
        let type_byte = if self.resp3() { b'~' } else { b'*' };
        put_header(&mut self.dst, type_byte, len);
    }

    /// The header of a push message of `len` elements.
    pub fn push(&mut self, len: usize) {
        let type_byte = if self.resp3() { b'>' } else { b'*' };
        put_header(&mut self.dst, type_byte, len);
    }

    /// An attribute describing the value written next; dropped in RESP2.
    pub fn attribute(&mut self, pairs: &[(Frame, Frame)]) -> Result<(), EncodeError> {
        if !self.resp3() {
            return Ok(());
        }
        for (key, value) in pairs {
            key.validate(Protocol::Resp3)?;
            value.validate(Protocol::Resp3)?;
        }
        put_header(&mut self.dst, b'|', pairs.len());
        for (key, value) in pairs {
            self.frame(key)?;
            self.frame(value)?;
        }
        Ok(())
    }

    fn resp3_only(&self) -> Result<(), EncodeError> {
        if self.resp3() {
            Ok(())
        } else {
            Err(EncodeError::Resp3Only)
        }
    }

    /// Starts a string of unknown length (`$?`); continue with
    /// [`streamed_chunk`](Self::streamed_chunk) and end with
    /// [`streamed_string_end`](Self::streamed_string_end). RESP3 only.
    ///
    /// ```
    /// use resp_core::{Protocol, ReplyWriter};
    ///
    /// let mut out = Vec::new();
    /// let mut reply = ReplyWriter::new(&mut out, Protocol::Resp3);
    /// reply.streamed_string().unwrap();
    /// reply.streamed_chunk("Hello ");
    /// reply.streamed_chunk("world");
    /// reply.streamed_string_end();
    /// assert_eq!(out, b"$?\r\n;6\r\nHello \r\n;5\r\nworld\r\n;0\r\n");
    /// ```
    pub fn streamed_string(&mut self) -> Result<(), EncodeError> {
        self.resp3_only()?;
        self.dst.put_slice(b"$?\r\n");
        Ok(())
    }

    /// One piece of a streamed string. An empty piece writes nothing, since
    /// `;0` ends the string.
    pub fn streamed_chunk(&mut self, chunk: impl AsRef<[u8]>) {
        let chunk = chunk.as_ref();
        if !chunk.is_empty() {
            put_blob(&mut self.dst, b';', chunk);
        }
    }

    /// Ends a streamed string.
    pub fn streamed_string_end(&mut self) {
        self.dst.put_slice(b";0\r\n");
    }

    /// Starts an array of unknown length (`*?`); end it with
    /// [`streamed_end`](Self::streamed_end). RESP3 only.
    pub fn streamed_array(&mut self) -> Result<(), EncodeError> {
        self.resp3_only()?;
        self.dst.put_slice(b"*?\r\n");
        Ok(())
    }

    /// Starts a map of unknown length (`%?`). RESP3 only.
    pub fn streamed_map(&mut self) -> Result<(), EncodeError> {
        self.resp3_only()?;
        self.dst.put_slice(b"%?\r\n");
        Ok(())
    }

    /// Starts a set of unknown length (`~?`). RESP3 only.
    pub fn streamed_set(&mut self) -> Result<(), EncodeError> {
        self.resp3_only()?;
        self.dst.put_slice(b"~?\r\n");
        Ok(())
    }

    /// Ends the innermost streamed aggregate (`.`).
    pub fn streamed_end(&mut self) {
        self.dst.put_slice(b".\r\n");
    }

    /// Writes a whole frame, downgraded for RESP2 as the table above says.
    /// Fails before writing anything on an invalid value.
    ///
    /// ```
    /// use resp_core::{Frame, Protocol, ReplyWriter};
    ///
    /// let scores = Frame::Map(vec![(Frame::BulkString("a".into()), Frame::Double(1.5))]);
    /// let mut out = Vec::new();
    /// ReplyWriter::new(&mut out, Protocol::Resp2).frame(&scores).unwrap();
    /// assert_eq!(out, b"*2\r\n$1\r\na\r\n$3\r\n1.5\r\n");
    /// ```
    pub fn frame(&mut self, frame: &Frame) -> Result<(), EncodeError> {
        frame.validate(Protocol::Resp3)?;
        if self.resp3() && self.doubles == DoubleFormat::Shortest {
            for visit in frame.walk() {
                put_visit(&mut self.dst, visit);
            }
            return Ok(());
        }
        // Depth inside attributes being dropped.
        let mut dropping = 0usize;
        for visit in frame.walk() {
            match visit {
                Visit::OpenAttribute(pairs) if self.resp3() => {
                    put_header(&mut self.dst, b'|', pairs.len())
                }
                Visit::OpenAttribute(_) => dropping += 1,
                Visit::CloseAttribute if !self.resp3() => dropping -= 1,
                _ if dropping > 0 => {}
                Visit::Leaf(leaf) => self.leaf(leaf),
                // A RESP2 array is counted, so a streamed aggregate has no end marker.
                Visit::Close(_) if !self.resp3() => {}
                Visit::Open(aggregate) if !self.resp3() => match aggregate {
                    Frame::Attributed(_) => {}
                    Frame::Map(pairs) | Frame::StreamedMap(pairs) => self.map(pairs.len()),
                    other => self.array(other.aggregate_len().unwrap_or(0)),
                },
                other => put_visit(&mut self.dst, other),
            }
        }
        Ok(())
    }

    /// A validated leaf, in the writer's protocol and double format.
    fn leaf(&mut self, frame: &Frame) {
        match frame {
            Frame::Double(d) => self.double(*d),
            _ if self.resp3() => put_visit(&mut self.dst, Visit::Leaf(frame)),
            Frame::Boolean(b) => self.boolean(*b),
            Frame::BulkError(text) => self.bulk_error(text),
            Frame::Verbatim { text, .. } | Frame::BigNumber(text) | Frame::StreamedString(text) => {
                self.bulk(text);
            }
            Frame::Null(NullKind::Array) => self.dst.put_slice(b"*-1\r\n"),
            Frame::Null(_) => self.dst.put_slice(b"$-1\r\n"),
            other => put_visit(&mut self.dst, Visit::Leaf(other)),
        }
    }
}

fn check_line(text: &[u8]) -> Result<(), EncodeError> {
    if has_line_break(text) {
        Err(EncodeError::LineBreakInSimple)
    } else {
        Ok(())
    }
}
