//! [`Decoder`]: owned [`Frame`]s from a growing buffer.
//!
//! The Reader parses; the Decoder only builds. A top-level scalar, or an
//! aggregate whose elements are all scalars, is built straight from the
//! Reader's pieces while its bytes stay in the buffer, then split off once
//! (`pieces.rs`). Anything deeper goes through events and a tree builder
//! (`drive.rs`, `build.rs`).

mod build;
mod drive;
mod pieces;
mod slice;
mod source;

pub use slice::{Status, decode_slice};

pub(crate) use build::FrameBuilder;
pub(crate) use drive::build_copied;

use crate::error::DecodeError;
use crate::frame::Frame;
use crate::limits::Limits;
use crate::protocol::Protocol;
use crate::reader::{AggregateKind, MIN_ELEMENT_LEN, Piece, Reader, Run, Start};
use alloc::vec::Vec;
use bytes::{Buf, BytesMut};
use drive::{drive, structure};

/// Builds owned [`Frame`]s from a [`BytesMut`] the caller appends to.
///
/// The contract is `tokio_util::codec::Decoder`'s, so a codec only delegates:
///
/// * `Ok(Some(frame))`: the frame is complete and its bytes are gone from the buffer;
/// * `Ok(None)`: more bytes are needed. This is never an error. The bytes
///   of an unfinished frame may stay in the buffer or leave it; either way
///   the decoder remembers how far it read them and never reads them again,
///   and [`bytes_needed`](Self::bytes_needed) says how much a payload still
///   arriving needs;
/// * `Err(_)`: the stream is corrupt. Frames completed before the error were
///   returned first. The same error is returned until [`reset`](Self::reset).
///
/// Payloads are [`Bytes`](bytes::Bytes) slices of the buffer: nothing is copied.
/// Nothing is reserved from a declared size, so memory follows the bytes
/// actually received, and nesting is bounded by [`Limits::max_depth`] without
/// recursion.
///
/// ```
/// use bytes::BytesMut;
/// use resp_core::{Decoder, Frame};
///
/// let mut decoder = Decoder::new();
/// let mut buf = BytesMut::from(&b"*2\r\n$5\r\nhel"[..]);
/// assert_eq!(decoder.decode(&mut buf), Ok(None));
/// buf.extend_from_slice(b"lo\r\n:7\r\n+OK\r\n");
/// let frame = decoder.decode(&mut buf).unwrap().unwrap();
/// assert_eq!(frame, Frame::Array(vec![Frame::BulkString("hello".into()), Frame::Integer(7)]));
/// assert_eq!(decoder.decode(&mut buf), Ok(Some(Frame::SimpleString("OK".into()))));
/// assert!(decoder.is_idle() && buf.is_empty());
/// ```
///
/// After an error, frames before it are kept and the decoder refuses the
/// rest until it is reset, for example on a new connection:
///
/// ```
/// use bytes::BytesMut;
/// use resp_core::{DecodeErrorKind, Decoder, Frame};
///
/// let mut decoder = Decoder::new();
/// let mut buf = BytesMut::from(&b":1\r\n:x\r\n"[..]);
/// assert_eq!(decoder.decode(&mut buf), Ok(Some(Frame::Integer(1))));
/// let error = decoder.decode(&mut buf).unwrap_err();
/// assert_eq!((error.kind(), error.offset()), (DecodeErrorKind::BadInteger, 5));
/// assert_eq!(decoder.decode(&mut buf), Err(error)); // until reset
///
/// decoder.reset();
/// let mut buf = BytesMut::from(&b":2\r\n"[..]);
/// assert_eq!(decoder.decode(&mut buf), Ok(Some(Frame::Integer(2))));
/// ```
#[derive(Debug, Default)]
pub struct Decoder {
    reader: Reader,
    builder: FrameBuilder,
    /// The flat aggregate whose elements are being collected as pieces.
    flat: Option<AggregateKind>,
    /// Its elements so far; their ranges index the buffer. Empty between
    /// frames, and reused.
    pieces: Vec<Piece>,
    /// Bytes of it at the front of the buffer, read but not yet taken.
    held: usize,
    /// The buffer's length when the last call returned `Ok(None)`.
    buffered: usize,
}

impl Decoder {
    /// A RESP3 decoder (which accepts RESP2 too) with the [`Limits::client`] bounds.
    pub fn new() -> Self {
        Self::with_limits(Limits::default())
    }

    /// A RESP3 decoder with the given bounds.
    pub fn with_limits(limits: Limits) -> Self {
        Self {
            reader: Reader::with_limits(limits),
            ..Self::default()
        }
    }

    /// Sets the protocol: [`Protocol::Resp2`] rejects RESP3-only type bytes.
    ///
    /// ```
    /// use bytes::BytesMut;
    /// use resp_core::{DecodeErrorKind, Decoder, Protocol};
    ///
    /// let mut decoder = Decoder::new().with_protocol(Protocol::Resp2);
    /// let err = decoder.decode(&mut BytesMut::from(&b"#t\r\n"[..])).unwrap_err();
    /// assert_eq!(err.kind(), DecodeErrorKind::Resp3OnlyType(b'#'));
    /// ```
    pub fn with_protocol(mut self, protocol: Protocol) -> Self {
        self.reader.set_protocol(protocol);
        self
    }

    /// The bounds in force.
    pub fn limits(&self) -> &Limits {
        self.reader.limits()
    }

    /// Replaces the bounds from the next header on.
    pub fn set_limits(&mut self, limits: Limits) {
        self.reader.set_limits(limits);
    }

    /// The protocol in force.
    pub fn protocol(&self) -> Protocol {
        self.reader.protocol()
    }

    /// Switches the protocol, for example after `HELLO 3`.
    pub fn set_protocol(&mut self, protocol: Protocol) {
        self.reader.set_protocol(protocol);
    }

    /// Whether no frame is in progress. With an empty buffer this tells a clean
    /// end of stream from one that cut a frame short.
    pub fn is_idle(&self) -> bool {
        self.reader.is_idle() && self.builder.is_idle() && self.flat.is_none()
    }

    /// Bytes read from buffers since creation or the last reset (some of
    /// them may still be in the buffer, as part of an unfinished frame).
    pub fn position(&self) -> u64 {
        self.reader.position()
    }

    /// After `Ok(None)`: how many bytes beyond those in the buffer the
    /// payload in progress still needs (its CRLF included), wherever it sits
    /// in the frame, or `None` when no payload is in progress. A codec
    /// reserves them once, so a large value is read without the buffer
    /// growing step by step.
    ///
    /// ```
    /// use bytes::BytesMut;
    /// use resp_core::Decoder;
    ///
    /// let mut decoder = Decoder::new();
    /// let mut buf = BytesMut::from(&b"*2\r\n:1\r\n$1000\r\nabc"[..]);
    /// assert_eq!(decoder.decode(&mut buf), Ok(None));
    /// assert_eq!(decoder.bytes_needed(), Some(999));
    /// buf.reserve(decoder.bytes_needed().unwrap());
    /// ```
    pub fn bytes_needed(&self) -> Option<usize> {
        let left = self.reader.payload_left()?;
        Some((self.held + left).saturating_sub(self.buffered))
    }

    /// Forgets any frame in progress and any error; offsets restart at 0.
    pub fn reset(&mut self) {
        self.reader.reset();
        self.builder.clear();
        self.flat = None;
        self.pieces.clear();
        self.held = 0;
    }

    /// Decodes the next frame from `src`. See the type's docs for the contract.
    pub fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Frame>, DecodeError> {
        if self.reader.awaits_payload(src.len() - self.held) {
            return Ok(self.need_more(src));
        }
        if let Some(kind) = self.flat {
            return self.continue_flat(src, kind);
        }
        if self.builder.is_idle() {
            if let Some((start, next)) = self.reader.read_frame_start(src, &mut self.pieces) {
                return match start {
                    Start::Scalar(piece) => Ok(Some(pieces::take_scalar(src, next, &piece))),
                    Start::Aggregate(kind, Run::Closed) => {
                        let frame = pieces::take_aggregate(src, kind, next, &self.pieces);
                        self.pieces.clear();
                        Ok(Some(frame))
                    }
                    Start::Aggregate(kind, run) => {
                        self.flat = Some(kind);
                        self.held = next;
                        if run == Run::Payload {
                            return Ok(self.need_more(src));
                        }
                        self.continue_flat(src, kind)
                    }
                    Start::Payload => {
                        src.advance(next);
                        Ok(self.need_more(src))
                    }
                };
            }
        }
        self.general(src)
    }

    /// Goes on with the flat aggregate at the front of `src`.
    fn continue_flat(
        &mut self,
        src: &mut BytesMut,
        kind: AggregateKind,
    ) -> Result<Option<Frame>, DecodeError> {
        loop {
            let mut at = self.held;
            let run = self.reader.read_run(src, &mut at, &mut self.pieces);
            self.held = at;
            match run {
                Run::Closed => {
                    self.flat = None;
                    self.held = 0;
                    let frame = pieces::take_aggregate(src, kind, at, &self.pieces);
                    self.pieces.clear();
                    return Ok(Some(frame));
                }
                Run::Payload => return Ok(self.need_more(src)),
                Run::Stopped => {}
            }
            // Not a complete canonical scalar: the resumable path reads it.
            let step = self.reader.read(&src[at..])?;
            let consumed = step.consumed;
            let Some(event) = step.event else {
                self.held += consumed;
                return Ok(self.need_more(src));
            };
            let base = src.as_ptr() as usize;
            let range_of = |payload: &[u8]| {
                let start = payload.as_ptr() as usize - base;
                start..start + payload.len()
            };
            if let Some(piece) = Piece::from_event(&event, range_of) {
                self.pieces.push(piece);
                self.held += consumed;
                continue;
            }
            // A nested aggregate or a payload in pieces: the frame is a tree
            // after all. Its elements so far go to the builder, then the event.
            let event = event.without_payload();
            self.unflatten(src, kind);
            let after = src.len() - consumed;
            let done = event.and_then(|event| structure(&mut self.builder, event, after));
            src.advance(consumed);
            if done.is_some() {
                return Ok(done);
            }
            return self.general(src);
        }
    }

    /// Moves the flat aggregate's elements so far into the tree builder.
    fn unflatten(&mut self, src: &mut BytesMut, kind: AggregateKind) {
        // Room for what is here, and at most as many again as were read:
        // the vector doubles as more elements come.
        let parsed = self.pieces.len();
        let here = (src.len() - self.held) / MIN_ELEMENT_LEN;
        let left = self.reader.innermost_remaining().unwrap_or(0);
        let elements = parsed
            + here
                .min(parsed)
                .min(usize::try_from(left).unwrap_or(usize::MAX));
        let room = if kind == AggregateKind::Map {
            elements / 2
        } else {
            elements
        };
        self.builder.start(kind, false, room);
        let builder = &mut self.builder;
        pieces::take_elements(src, self.held, &self.pieces, |element| {
            // The aggregate stays open: the event that ended the run is in it.
            let finished = builder.value(element);
            debug_assert!(finished.is_none());
        });
        self.pieces.clear();
        self.flat = None;
        self.held = 0;
    }

    /// The general path, through events and the tree builder.
    fn general(&mut self, src: &mut BytesMut) -> Result<Option<Frame>, DecodeError> {
        let frame = drive(&mut self.reader, &mut self.builder, src)?;
        if frame.is_none() {
            self.buffered = src.len();
        }
        Ok(frame)
    }

    /// Records what a `None` leaves in the buffer, for [`bytes_needed`](Self::bytes_needed).
    fn need_more(&mut self, src: &BytesMut) -> Option<Frame> {
        self.buffered = src.len();
        None
    }
}
