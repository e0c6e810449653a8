//! [`Decoder`]: owned [`Frame`]s from a growing buffer.

mod build;
mod flat;
mod prefix;
mod source;

use crate::reader::{AggregateKind, Event, Reader};
use crate::{DecodeError, Frame, Limits, Protocol};
pub(crate) use build::FrameBuilder;
use bytes::BytesMut;
use flat::{Flat, FlatParser};
use source::{SliceSource, Source};

/// Builds owned [`Frame`]s from a [`BytesMut`] the caller appends to.
///
/// The contract is `tokio_util::codec::Decoder`'s, so a codec only delegates:
///
/// * `Ok(Some(frame))`: the frame is complete and its bytes are gone from the buffer;
/// * `Ok(None)`: more bytes are needed. This is never an error. Bytes of an
///   unfinished frame are either already taken from the buffer (the decoder
///   keeps what it built from them) or left in it (the decoder remembers how
///   far it parsed them); either way they are never parsed again;
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
#[derive(Debug, Default)]
pub struct Decoder {
    reader: Reader,
    builder: FrameBuilder,
    /// The fast path for flat frames, which the general path takes over from.
    flat: FlatParser,
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
            builder: FrameBuilder::default(),
            flat: FlatParser::default(),
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
        self.reader.is_idle() && self.flat.is_idle()
    }

    /// Bytes taken from buffers since creation or the last reset.
    pub fn position(&self) -> u64 {
        self.reader.position()
    }

    /// Forgets any frame in progress and any error; offsets restart at 0.
    pub fn reset(&mut self) {
        self.reader.reset();
        self.builder.clear();
        self.flat.clear();
    }

    /// Decodes the next frame from `src`. See the type's docs for the contract.
    pub fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Frame>, DecodeError> {
        if self.reader.awaits_payload(src.len()) {
            return Ok(None);
        }
        let at_frame_start = self.reader.at_fresh_frame() && self.builder.is_idle();
        let limits = self.reader.limits();
        let resp3 = self.reader.protocol().allows_resp3_types();
        if at_frame_start && self.flat.is_idle() {
            if let Some((piece, len)) = flat::scalar(src, 0, limits, resp3) {
                self.reader.skip_frame(len);
                return Ok(Some(flat::take_scalar(src, len, &piece)));
            }
        }
        if at_frame_start || !self.flat.is_idle() {
            match self.flat.parse(src, limits, resp3) {
                Flat::Aggregate(kind, len) => {
                    self.reader.skip_frame(len);
                    return Ok(Some(self.flat.take(src, kind, len)));
                }
                Flat::NeedMore => return Ok(None),
                Flat::Unsuitable => self.hand_over_flat(src),
            }
        }
        drive(&mut self.reader, &mut self.builder, src)
    }

    /// Gives the general path the aggregate the fast path parsed in part: its
    /// bytes so far are taken off `src` and its elements built, and the
    /// reader goes on from the next element as if it had read them itself.
    fn hand_over_flat(&mut self, src: &mut BytesMut) {
        let here = src.len();
        let Some((kind, remaining, parsed, elements)) = self.flat.hand_over(src) else {
            return;
        };
        self.reader.take_over_aggregate(kind, remaining, parsed);
        // Room for what the bytes here can hold, but at most as many again as
        // were parsed: the vector doubles as more elements come.
        let room = usize::try_from(remaining).map_or(0, |left| {
            left.min((here - parsed) / MIN_ELEMENT_LEN)
                .min(elements.len())
        });
        self.builder.start(kind, false, elements.len() + room);
        for element in elements {
            // The aggregate stays open: at least one element is still to come.
            let finished = self.builder.value(element);
            debug_assert!(finished.is_none());
        }
    }
}

/// The outcome of decoding from a slice that may hold only part of a frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status<T> {
    /// A whole frame was there.
    Complete(T),
    /// The slice ends inside a frame (or is empty).
    Partial,
}

impl<T> Status<T> {
    /// Whether this is `Complete`.
    pub fn is_complete(&self) -> bool {
        matches!(self, Self::Complete(_))
    }

    /// Whether this is `Partial`.
    pub fn is_partial(&self) -> bool {
        matches!(self, Self::Partial)
    }
}

/// Decodes the first frame of a slice, statelessly, returning it and the
/// number of bytes it took. Payloads are copied out of the slice; to decode
/// a stream without copies use a [`Decoder`].
///
/// ```
/// use resp_core::{decode_slice, Frame, Limits, Status};
///
/// let input = b":1\r\n:2\r\n";
/// assert_eq!(decode_slice(input, Limits::default()), Ok(Status::Complete((Frame::Integer(1), 4))));
/// assert_eq!(decode_slice(b"$5\r\nhel", Limits::default()), Ok(Status::Partial));
/// ```
pub fn decode_slice(input: &[u8], limits: Limits) -> Result<Status<(Frame, usize)>, DecodeError> {
    let mut reader = Reader::with_limits(limits);
    let mut source = SliceSource::new(input);
    match drive(&mut reader, &mut FrameBuilder::default(), &mut source)? {
        Some(frame) => Ok(Status::Complete((frame, source.used()))),
        None => Ok(Status::Partial),
    }
}

/// Feeds reader events into the builder until a frame completes or input runs out.
fn drive<S: Source>(
    reader: &mut Reader,
    builder: &mut FrameBuilder,
    src: &mut S,
) -> Result<Option<Frame>, DecodeError> {
    loop {
        let step = reader.read(src.unconsumed())?;
        let consumed = step.consumed;
        let Some(event) = step.event else {
            src.consume(consumed);
            return Ok(None);
        };
        let done = match event {
            // The most common reply of all, without touching the buffer's refcount.
            Event::SimpleString(b"OK") => {
                src.consume(consumed);
                Frame::SimpleString(bytes::Bytes::from_static(b"OK"))
            }
            Event::SimpleString(text) => {
                let range = src.range_of(text);
                Frame::SimpleString(src.take_payload(range, consumed))
            }
            Event::SimpleError(text) => {
                let range = src.range_of(text);
                Frame::SimpleError(src.take_payload(range, consumed))
            }
            Event::BigNumber(text) => {
                let range = src.range_of(text);
                Frame::BigNumber(src.take_payload(range, consumed))
            }
            Event::BulkString(data) => {
                let range = src.range_of(data);
                Frame::BulkString(src.take_payload(range, consumed))
            }
            Event::BulkError(data) => {
                let range = src.range_of(data);
                Frame::BulkError(src.take_payload(range, consumed))
            }
            Event::Verbatim { format, text } => {
                let range = src.range_of(text);
                Frame::Verbatim {
                    format,
                    text: src.take_payload(range, consumed),
                }
            }
            Event::Integer(n) => {
                src.consume(consumed);
                Frame::Integer(n)
            }
            Event::Double(d) => {
                src.consume(consumed);
                Frame::Double(d)
            }
            Event::Boolean(b) => {
                src.consume(consumed);
                Frame::Boolean(b)
            }
            Event::Null(kind) => {
                src.consume(consumed);
                Frame::Null(kind)
            }
            Event::AggregateStart { kind, len } => {
                src.consume(consumed);
                let per_element = if matches!(kind, AggregateKind::Map | AggregateKind::Attribute) {
                    2 * MIN_ELEMENT_LEN
                } else {
                    MIN_ELEMENT_LEN
                };
                // Never more than the bytes already here could hold, nor more
                // than a bounded step: they may be one large payload.
                let here = (src.unconsumed().len() / per_element).min(flat::RESERVE_STEP) as u64;
                let capacity = len.unwrap_or(0).min(here) as usize;
                builder.start(kind, len.is_none(), capacity);
                continue;
            }
            Event::AggregateEnd(_) => {
                src.consume(consumed);
                match builder.end() {
                    Some(frame) => return Ok(Some(frame)),
                    None => continue,
                }
            }
            Event::BlobStart { kind, len } => {
                builder.blob_start(kind, len.is_none());
                src.consume(consumed);
                continue;
            }
            Event::BlobChunk(chunk) => {
                builder.blob_chunk(chunk);
                src.consume(consumed);
                continue;
            }
            Event::BlobEnd => {
                src.consume(consumed);
                match builder.blob_end() {
                    Some(frame) => return Ok(Some(frame)),
                    None => continue,
                }
            }
        };
        // A top-level scalar with no attributes skips the builder.
        if builder.is_idle() {
            return Ok(Some(done));
        }
        if let Some(frame) = builder.value(done) {
            return Ok(Some(frame));
        }
    }
}

/// The shortest encoded element, `_\r\n`.
const MIN_ELEMENT_LEN: usize = 3;
