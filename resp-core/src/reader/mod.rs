//! [`Reader`]: the resumable pull parser under every other layer.

mod event;
pub(crate) mod fast;
mod line;
mod number;
pub(crate) mod scalar;

pub use event::{AggregateKind, BlobKind, Event, Step};

use crate::error::{DecodeError, DecodeErrorKind, Limit};
use crate::{Limits, NullKind, Protocol};
use alloc::vec::Vec;
use number::{Fault, LengthRule, Number, NumberRule, NumberScan};

/// A resumable, iterative RESP pull parser over a buffer the caller owns.
///
/// Each [`read`](Self::read) looks at the caller's unconsumed bytes and
/// returns a [`Step`]: how many bytes it consumed and, unless it needs more
/// input, one [`Event`] borrowing from those bytes. The caller drops exactly
/// `consumed` bytes from the front of its buffer before the next call, and
/// passes the rest unchanged, with new bytes appended.
///
/// The reader remembers how far it scanned an unfinished header line, how many
/// payload bytes it still owes and which aggregates are open, so no byte is
/// looked at twice however the input is split: work is linear in the input,
/// even when it arrives one byte at a time. It allocates only to grow its
/// stack of open aggregates, which [`Limits::max_depth`] bounds, and never
/// recurses.
///
/// ```
/// use resp_core::{AggregateKind, Event, Reader};
///
/// let mut reader = Reader::new();
/// let mut input: &[u8] = b"*2\r\n$5\r\nhello\r\n:7\r\n";
/// let mut events = Vec::new();
/// loop {
///     let step = reader.read(input).unwrap();
///     let Some(event) = step.event else { break };
///     events.push(event);
///     input = &input[step.consumed..];
/// }
/// assert_eq!(events, [
///     Event::AggregateStart { kind: AggregateKind::Array, len: Some(2) },
///     Event::BulkString(b"hello"),
///     Event::Integer(7),
///     Event::AggregateEnd(AggregateKind::Array),
/// ]);
/// assert!(reader.is_idle());
/// ```
#[derive(Debug, Clone)]
pub struct Reader {
    limits: Limits,
    protocol: Protocol,
    chunk_threshold: u64,
    position: u64,
    state: State,
    line: LineProgress,
    open: Vec<OpenAggregate>,
    /// An attribute just ended, so a value must follow before anything else.
    after_attribute: bool,
    /// Payload bytes announced so far by the current streamed string's chunks.
    streamed_total: u64,
    /// `min(max_bulk_len, chunk_threshold)`: the longest payload handed out whole.
    max_whole_payload: u64,
}

#[derive(Debug, Clone, Copy)]
enum State {
    /// Expecting a type byte, or closing aggregates whose elements are all in.
    Header,
    /// Part of a header line has been scanned (progress in `line`).
    HeaderPartial,
    /// The stream is corrupt; this error is returned until reset.
    Failed(DecodeError),
    /// Inside `$?`: expecting a `;N` chunk header.
    StreamedChunkHeader,
    /// A whole payload of `len` bytes plus CRLF is awaited.
    Payload { kind: PayloadKind, len: usize },
    /// A chunked verbatim string: waiting for its `xxx:` prefix.
    VerbatimPrefix { len: u64 },
    /// Payload bytes are handed out as they arrive; then a CRLF.
    Chunks { remaining: u64, streamed: bool },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PayloadKind {
    Bulk,
    Error,
    Verbatim,
}

/// Progress through the header line being read.
#[derive(Debug, Clone, Copy, Default)]
struct LineProgress {
    text_scanned: usize,
    number: NumberScan,
}

impl LineProgress {
    /// Whether no byte of the current line has been looked at yet.
    fn is_fresh(&self) -> bool {
        self.text_scanned == 0 && self.number.is_fresh()
    }
}

#[derive(Debug, Clone, Copy)]
struct OpenAggregate {
    kind: AggregateKind,
    /// Elements still expected, or `None` when streamed.
    remaining: Option<u64>,
    /// Elements completed so far (for streamed bounds and odd maps).
    seen: u64,
}

/// What a state handler did.
enum Flow<'a> {
    Emit(Event<'a>),
    NeedMore,
    /// Consumed bytes silently; keep going.
    Continue,
}

impl Default for Reader {
    fn default() -> Self {
        Self::new()
    }
}

impl Reader {
    /// A RESP3 reader with the [`Limits::client`] bounds and whole payloads.
    pub fn new() -> Self {
        Self::with_limits(Limits::default())
    }

    /// A RESP3 reader with the given bounds.
    pub fn with_limits(limits: Limits) -> Self {
        Self {
            limits,
            protocol: Protocol::Resp3,
            chunk_threshold: u64::MAX,
            position: 0,
            state: State::Header,
            line: LineProgress::default(),
            open: Vec::new(),
            after_attribute: false,
            streamed_total: 0,
            max_whole_payload: limits.max_bulk_len,
        }
    }

    /// Sets the protocol: in [`Protocol::Resp2`] RESP3-only type bytes are errors.
    pub fn with_protocol(mut self, protocol: Protocol) -> Self {
        self.protocol = protocol;
        self
    }

    /// Hands out `$`, `!` and `=` payloads longer than `threshold` bytes as
    /// [`Event::BlobStart`], [`Event::BlobChunk`]s as bytes arrive, and
    /// [`Event::BlobEnd`], so a proxy can forward a huge value in constant
    /// memory. By default payloads always come whole.
    ///
    /// ```
    /// use resp_core::{BlobKind, Event, Reader};
    ///
    /// let mut reader = Reader::new().with_chunk_threshold(4);
    /// let step = reader.read(b"$10\r\nhello").unwrap();
    /// assert!(matches!(step.event, Some(Event::BlobStart { kind: BlobKind::BulkString, len: Some(10) })));
    /// let step = reader.read(b"hello").unwrap();
    /// assert!(matches!(step.event, Some(Event::BlobChunk(b"hello"))));
    /// ```
    pub fn with_chunk_threshold(mut self, threshold: u64) -> Self {
        self.chunk_threshold = threshold;
        self.max_whole_payload = self.limits.max_bulk_len.min(threshold);
        self
    }

    /// The bounds in force.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Replaces the bounds, for example after a client authenticates. They
    /// apply from the next header on.
    pub fn set_limits(&mut self, limits: Limits) {
        self.limits = limits;
        self.max_whole_payload = limits.max_bulk_len.min(self.chunk_threshold);
    }

    /// The protocol in force.
    pub fn protocol(&self) -> Protocol {
        self.protocol
    }

    /// Switches the protocol, for example after `HELLO 3` succeeded.
    pub fn set_protocol(&mut self, protocol: Protocol) {
        self.protocol = protocol;
    }

    /// Bytes consumed since creation or the last [`reset`](Self::reset): the
    /// absolute stream offset of the next unconsumed byte.
    pub fn position(&self) -> u64 {
        self.position
    }

    /// Aggregates (attributes included) open now.
    pub fn depth(&self) -> usize {
        self.open.len()
    }

    /// Whether the reader stands between two top-level frames: nothing open,
    /// no payload owed, no attribute waiting for its value. Unconsumed bytes
    /// of a header line the caller still holds are not counted here.
    pub fn is_idle(&self) -> bool {
        matches!(self.state, State::Header | State::HeaderPartial)
            && self.open.is_empty()
            && !self.after_attribute
    }

    /// Idle, with no part of the next header line scanned yet.
    pub(crate) fn at_fresh_frame(&self) -> bool {
        matches!(self.state, State::Header) && self.open.is_empty() && !self.after_attribute
    }

    /// Accounts for a whole frame that a fast path consumed on the reader's behalf.
    pub(crate) fn skip_frame(&mut self, len: usize) {
        self.position += len as u64;
    }

    /// Takes over an aggregate whose header and first elements a fast path
    /// consumed on the reader's behalf: `consumed` bytes, with `remaining`
    /// elements still to come. The reader must be at a fresh frame.
    pub(crate) fn take_over_aggregate(
        &mut self,
        kind: AggregateKind,
        remaining: u64,
        consumed: usize,
    ) {
        debug_assert!(self.at_fresh_frame() && remaining > 0);
        self.position += consumed as u64;
        self.open.push(OpenAggregate {
            kind,
            remaining: Some(remaining),
            seen: 0,
        });
    }

    /// When a whole payload is awaited: the bytes it needs from the start of
    /// the unconsumed input, CRLF included, so an IO layer can size its
    /// buffer once for a large value.
    pub fn payload_needed(&self) -> Option<usize> {
        match self.state {
            State::Payload { len, .. } => Some(len.saturating_add(2)),
            _ => None,
        }
    }

    /// Forgets all progress and any error: the next byte starts a new stream at offset 0.
    pub fn reset(&mut self) {
        self.position = 0;
        self.state = State::Header;
        self.line = LineProgress::default();
        self.open.clear();
        self.after_attribute = false;
        self.streamed_total = 0;
    }

    /// Reads the next event from `input`, the caller's unconsumed bytes.
    ///
    /// Returns `Ok` with `event: None` when more input is needed; that is never
    /// an error. An `Err` means the stream is corrupt: it is returned again on
    /// every later call until [`reset`](Self::reset).
    #[inline]
    pub fn read<'a>(&mut self, input: &'a [u8]) -> Result<Step<'a>, DecodeError> {
        match self.state {
            State::Header => {
                if let Some((event, consumed)) = self.fast_header(input) {
                    return Ok(self.step(consumed, event));
                }
            }
            _ if self.awaits_payload(input.len()) => {
                return Ok(Step {
                    consumed: 0,
                    event: None,
                });
            }
            // A verbatim payload's colon is checked on the resumable path.
            State::Payload { kind, len }
                if kind != PayloadKind::Verbatim && input.get(len..len + 2) == Some(b"\r\n") =>
            {
                let event = self.payload_done(kind, &input[..len]);
                return Ok(self.step(len + 2, Some(event)));
            }
            _ => {}
        }
        self.read_resumable(input)
    }

    /// Whether a payload is still short of its CRLF with `available` bytes
    /// unconsumed: there is nothing to check or emit yet, so a large value
    /// arriving in small reads costs one compare per read.
    #[inline]
    pub(crate) fn awaits_payload(&self, available: usize) -> bool {
        matches!(self.state, State::Payload { kind, len } if available <= len && kind != PayloadKind::Verbatim)
    }

    /// Every state, every edge case, every error; resumes partial lines.
    #[inline(never)]
    fn read_resumable<'a>(&mut self, input: &'a [u8]) -> Result<Step<'a>, DecodeError> {
        let mut at = 0;
        loop {
            let flow = match self.state {
                State::Failed(error) => return Err(error),
                State::Header | State::HeaderPartial => self.header(input, &mut at),
                State::StreamedChunkHeader => self.streamed_chunk_header(input, &mut at),
                State::Payload { kind, len } => self.payload(input, &mut at, kind, len),
                State::VerbatimPrefix { len } => self.verbatim_prefix(input, &mut at, len),
                State::Chunks {
                    remaining,
                    streamed,
                } => self.chunks(input, &mut at, remaining, streamed),
            };
            match flow {
                Ok(Flow::Continue) => {}
                Ok(Flow::Emit(event)) => return Ok(self.step(at, Some(event))),
                Ok(Flow::NeedMore) => {
                    if matches!(self.state, State::Header) && !self.line.is_fresh() {
                        self.state = State::HeaderPartial;
                    }
                    return Ok(self.step(at, None));
                }
                Err((kind, index)) => {
                    let error = DecodeError::new(kind, self.position + index as u64);
                    self.state = State::Failed(error);
                    return Err(error);
                }
            }
        }
    }

    /// The common header lines, complete in `input`, in one tight pass: the
    /// event (none while a bulk payload is still arriving) and the bytes
    /// consumed. `None` hands the input to the resumable path (see `fast.rs`).
    #[inline]
    fn fast_header<'a>(&mut self, input: &'a [u8]) -> Option<(Option<Event<'a>>, usize)> {
        if let Some(top) = self.open.last() {
            match top.remaining {
                Some(0) => return Some((Some(self.close_top()), 0)),
                Some(_) => {}
                // Streamed parents bound their growth: the resumable path checks.
                None => return None,
            }
        }
        let (&type_byte, content) = input.split_first()?;
        let max_line = self.limits.max_line_len;
        let (event, consumed) = match type_byte {
            b'+' | b'-' => {
                let len = fast::text_line(content, max_line)?;
                let text = &content[..len];
                let event = if type_byte == b'+' {
                    Event::SimpleString(text)
                } else {
                    Event::SimpleError(text)
                };
                (event, len + 3)
            }
            b':' => {
                let (value, len) = fast::integer(content, max_line)?;
                (Event::Integer(value), len + 3)
            }
            b'$' if content.starts_with(b"-1\r\n") => (Event::Null(NullKind::Bulk), 5),
            b'*' if content.starts_with(b"-1\r\n") => (Event::Null(NullKind::Array), 5),
            b'$' => {
                let (len, line) = fast::length(content, max_line)?;
                if len > self.max_whole_payload {
                    return None;
                }
                let start = line + 3;
                let len = usize::try_from(len).ok()?;
                let end = start.checked_add(len)?;
                match input.get(end..end.checked_add(2)?) {
                    Some(b"\r\n") => (Event::BulkString(&input[start..end]), end + 2),
                    // Only the payload is missing: the header is read once,
                    // and the payload state waits for the rest.
                    None if input.len() <= end => {
                        self.after_attribute = false;
                        self.state = State::Payload {
                            kind: PayloadKind::Bulk,
                            len,
                        };
                        return Some((None, start));
                    }
                    _ => return None,
                }
            }
            b'*' | b'%' | b'~' | b'>' => {
                let (event, consumed) = self.fast_aggregate(type_byte, content)?;
                return Some((Some(event), consumed));
            }
            b'#' if self.protocol.allows_resp3_types() => match content.get(..3)? {
                b"t\r\n" => (Event::Boolean(true), 4),
                b"f\r\n" => (Event::Boolean(false), 4),
                _ => return None,
            },
            b'_' if self.protocol.allows_resp3_types() && content.starts_with(b"\r\n") => {
                (Event::Null(NullKind::Null), 3)
            }
            _ => return None,
        };
        self.after_attribute = false;
        self.complete_value();
        Some((Some(event), consumed))
    }

    #[inline]
    fn fast_aggregate<'a>(&mut self, type_byte: u8, content: &[u8]) -> Option<(Event<'a>, usize)> {
        let (kind, scale) = match type_byte {
            b'*' => (AggregateKind::Array, 1),
            _ if !self.protocol.allows_resp3_types() => return None,
            b'%' => (AggregateKind::Map, 2),
            b'~' => (AggregateKind::Set, 1),
            _ if !self.open.is_empty() => return None,
            _ => (AggregateKind::Push, 1),
        };
        let (len, line) = fast::length(content, self.limits.max_line_len)?;
        let elements = len.checked_mul(scale)?;
        if elements > self.limits.max_aggregate_len || self.open.len() >= self.limits.max_depth {
            return None;
        }
        self.after_attribute = false;
        self.open.push(OpenAggregate {
            kind,
            remaining: Some(elements),
            seen: 0,
        });
        Some((
            Event::AggregateStart {
                kind,
                len: Some(len),
            },
            line + 3,
        ))
    }

    fn step<'a>(&mut self, consumed: usize, event: Option<Event<'a>>) -> Step<'a> {
        self.position += consumed as u64;
        Step { consumed, event }
    }

    fn header<'a>(&mut self, input: &'a [u8], at: &mut usize) -> Result<Flow<'a>, Fault> {
        if let Some(top) = self.open.last() {
            if top.remaining == Some(0) {
                return Ok(Flow::Emit(self.close_top()));
            }
        }
        let start = *at;
        let Some(&type_byte) = input.get(start) else {
            return Ok(Flow::NeedMore);
        };
        // The line either completes here or is still partial when this
        // returns, which `read_resumable` then records.
        self.state = State::Header;
        self.check_type_byte(type_byte)
            .map_err(|kind| (kind, start))?;
        let content = &input[start + 1..];
        let max_line_len = self.limits.max_line_len;
        let text = match type_byte {
            b'+' | b'-' | b',' | b'(' | b'_' | b'#' | b'.' => {
                match line::scan_text_line(content, &mut self.line.text_scanned, max_line_len) {
                    Ok(Some(len)) => &content[..len],
                    Ok(None) => return Ok(Flow::NeedMore),
                    Err((kind, index)) => return Err((kind, start + 1 + index)),
                }
            }
            _ => return self.number_header(input, at, type_byte),
        };
        *at = start + 1 + text.len() + 2;
        let located = |(kind, index): Fault| (kind, start + 1 + index);
        let event = match type_byte {
            b'+' => Event::SimpleString(text),
            b'-' => Event::SimpleError(text),
            b',' => Event::Double(scalar::double(text).map_err(located)?),
            b'(' => {
                scalar::big_number(text).map_err(located)?;
                Event::BigNumber(text)
            }
            b'_' => {
                scalar::null(text).map_err(located)?;
                Event::Null(NullKind::Null)
            }
            b'#' => Event::Boolean(scalar::boolean(text).map_err(located)?),
            _ => {
                if !text.is_empty() {
                    return Err((DecodeErrorKind::BadStream, start + 1));
                }
                return Ok(Flow::Emit(self.close_top()));
            }
        };
        self.complete_value();
        Ok(Flow::Emit(event))
    }

    /// Everything the type byte alone decides.
    fn check_type_byte(&mut self, type_byte: u8) -> Result<(), DecodeErrorKind> {
        let resp3_only = match type_byte {
            b'+' | b'-' | b':' | b'$' | b'*' => false,
            b'_' | b',' | b'#' | b'!' | b'=' | b'(' | b'%' | b'~' | b'>' | b'|' | b'.' => true,
            b';' if self.protocol.allows_resp3_types() => return Err(DecodeErrorKind::BadStream),
            other => return Err(DecodeErrorKind::BadTypeByte(other)),
        };
        if resp3_only && !self.protocol.allows_resp3_types() {
            return Err(if type_byte == b'.' {
                DecodeErrorKind::BadTypeByte(type_byte)
            } else {
                DecodeErrorKind::Resp3OnlyType(type_byte)
            });
        }
        if type_byte == b'.' {
            if self.after_attribute {
                return Err(DecodeErrorKind::BadAttribute);
            }
            return match self.open.last() {
                Some(top) if top.remaining.is_none() => {
                    if top.kind == AggregateKind::Map && top.seen % 2 == 1 {
                        Err(DecodeErrorKind::BadStream)
                    } else {
                        Ok(())
                    }
                }
                _ => Err(DecodeErrorKind::BadStream),
            };
        }
        self.after_attribute = false;
        if type_byte == b'>' && !self.open.is_empty() {
            return Err(DecodeErrorKind::BadPush);
        }
        if type_byte != b'|' {
            if let Some(top) = self.open.last() {
                if top.remaining.is_none() && top.seen >= self.limits.max_aggregate_len {
                    return Err(DecodeErrorKind::LimitExceeded(Limit::AggregateLen));
                }
            }
        }
        Ok(())
    }

    fn number_header<'a>(
        &mut self,
        input: &'a [u8],
        at: &mut usize,
        type_byte: u8,
    ) -> Result<Flow<'a>, Fault> {
        let start = *at;
        let rule = self.number_rule(type_byte);
        let Some(number) = self.number_line(input, at, rule)? else {
            return Ok(Flow::NeedMore);
        };
        let event = match (type_byte, number) {
            (b':', Number::Value(n)) => Event::Integer(n),
            (b'$', Number::Null) => Event::Null(NullKind::Bulk),
            (b'*', Number::Null) => Event::Null(NullKind::Array),
            (b'$', Number::Streamed) => {
                self.streamed_total = 0;
                self.state = State::StreamedChunkHeader;
                return Ok(Flow::Emit(Event::BlobStart {
                    kind: BlobKind::BulkString,
                    len: None,
                }));
            }
            (b'$' | b'!' | b'=', Number::Value(len)) => {
                return self.payload_header(type_byte, len as u64, start);
            }
            (_, number) => return self.open_aggregate(type_byte, number, start),
        };
        self.complete_value();
        Ok(Flow::Emit(event))
    }

    /// Continues the number line whose type byte is at `input[*at]`; once its
    /// CRLF is in, moves `at` past it and returns the number.
    fn number_line(
        &mut self,
        input: &[u8],
        at: &mut usize,
        rule: NumberRule,
    ) -> Result<Option<Number>, Fault> {
        let start = *at;
        let content = &input[start + 1..];
        match self
            .line
            .number
            .scan(content, rule, self.limits.max_line_len)
        {
            Ok(Some((number, len))) => {
                *at = start + 1 + len + 2;
                Ok(Some(number))
            }
            Ok(None) => Ok(None),
            Err((kind, index)) => Err((kind, start + 1 + index)),
        }
    }

    fn number_rule(&self, type_byte: u8) -> NumberRule {
        // A `?` on a type that cannot stream: in RESP2 it is just a bad length.
        let cannot_stream = Some(if self.protocol.allows_resp3_types() {
            DecodeErrorKind::BadStream
        } else {
            DecodeErrorKind::BadLength
        });
        let can_stream = if self.protocol.allows_resp3_types() {
            None
        } else {
            cannot_stream
        };
        let bulk = LengthRule {
            null: false,
            question: cannot_stream,
            limit: self.limits.max_bulk_len,
            scale: 1,
            limit_kind: Limit::BulkLen,
        };
        let aggregate = LengthRule {
            limit: self.limits.max_aggregate_len,
            limit_kind: Limit::AggregateLen,
            ..bulk
        };
        NumberRule::Length(match type_byte {
            b':' => return NumberRule::Integer,
            b'$' => LengthRule {
                null: true,
                question: can_stream,
                ..bulk
            },
            b'!' | b'=' => bulk,
            b'*' => LengthRule {
                null: true,
                question: can_stream,
                ..aggregate
            },
            b'~' => LengthRule {
                question: can_stream,
                ..aggregate
            },
            b'%' => LengthRule {
                question: can_stream,
                scale: 2,
                ..aggregate
            },
            b'|' => LengthRule {
                scale: 2,
                ..aggregate
            },
            _ => aggregate, // `>`
        })
    }

    fn payload_header<'a>(
        &mut self,
        type_byte: u8,
        len: u64,
        start: usize,
    ) -> Result<Flow<'a>, Fault> {
        let kind = match type_byte {
            b'$' => PayloadKind::Bulk,
            b'!' => PayloadKind::Error,
            _ => PayloadKind::Verbatim,
        };
        if kind == PayloadKind::Verbatim && len < 4 {
            return Err((DecodeErrorKind::BadVerbatim, start + 1));
        }
        let whole = usize::try_from(len)
            .ok()
            .filter(|_| len <= self.chunk_threshold);
        if let Some(len) = whole {
            self.state = State::Payload { kind, len };
            return Ok(Flow::Continue);
        }
        let blob_kind = match kind {
            PayloadKind::Verbatim => {
                self.state = State::VerbatimPrefix { len };
                return Ok(Flow::Continue);
            }
            PayloadKind::Bulk => BlobKind::BulkString,
            PayloadKind::Error => BlobKind::BulkError,
        };
        self.state = State::Chunks {
            remaining: len,
            streamed: false,
        };
        Ok(Flow::Emit(Event::BlobStart {
            kind: blob_kind,
            len: Some(len),
        }))
    }

    fn open_aggregate<'a>(
        &mut self,
        type_byte: u8,
        number: Number,
        start: usize,
    ) -> Result<Flow<'a>, Fault> {
        let kind = match type_byte {
            b'*' => AggregateKind::Array,
            b'%' => AggregateKind::Map,
            b'~' => AggregateKind::Set,
            b'>' => AggregateKind::Push,
            _ => AggregateKind::Attribute,
        };
        if self.open.len() >= self.limits.max_depth {
            return Err((DecodeErrorKind::LimitExceeded(Limit::Depth), start));
        }
        let len = match number {
            Number::Value(n) => Some(n as u64),
            _ => None,
        };
        let scale = if matches!(kind, AggregateKind::Map | AggregateKind::Attribute) {
            2
        } else {
            1
        };
        self.open.push(OpenAggregate {
            kind,
            // Bounded by max_aggregate_len, so the product was checked not to overflow.
            remaining: len.map(|n| n * scale),
            seen: 0,
        });
        Ok(Flow::Emit(Event::AggregateStart { kind, len }))
    }

    fn streamed_chunk_header<'a>(
        &mut self,
        input: &'a [u8],
        at: &mut usize,
    ) -> Result<Flow<'a>, Fault> {
        let start = *at;
        let Some(&type_byte) = input.get(start) else {
            return Ok(Flow::NeedMore);
        };
        if type_byte != b';' {
            return Err((DecodeErrorKind::BadStream, start));
        }
        let rule = NumberRule::Length(LengthRule {
            null: false,
            question: Some(DecodeErrorKind::BadStream),
            limit: self.limits.max_bulk_len.saturating_sub(self.streamed_total),
            scale: 1,
            limit_kind: Limit::BulkLen,
        });
        let Some(number) = self.number_line(input, at, rule)? else {
            return Ok(Flow::NeedMore);
        };
        match number {
            Number::Value(0) => {
                self.state = State::Header;
                self.complete_value();
                Ok(Flow::Emit(Event::BlobEnd))
            }
            Number::Value(n) => {
                self.streamed_total += n as u64;
                self.state = State::Chunks {
                    remaining: n as u64,
                    streamed: true,
                };
                Ok(Flow::Continue)
            }
            // The rule admits neither `-1` nor `?`.
            Number::Null | Number::Streamed => Err((DecodeErrorKind::BadLength, start + 1)),
        }
    }

    fn payload<'a>(
        &mut self,
        input: &'a [u8],
        at: &mut usize,
        kind: PayloadKind,
        len: usize,
    ) -> Result<Flow<'a>, Fault> {
        let start = *at;
        let rest = &input[start..];
        // Checked as soon as the bytes are here, in stream order, so the
        // same error comes out however the input is split.
        if kind == PayloadKind::Verbatim && rest.len() > 3 && rest[3] != b':' {
            return Err((DecodeErrorKind::BadVerbatim, start + 3));
        }
        check_crlf(rest, len).map_err(|index| (DecodeErrorKind::BadCrlf, start + index))?;
        if rest.len().saturating_sub(len) < 2 {
            return Ok(Flow::NeedMore);
        }
        *at = start + len + 2;
        Ok(Flow::Emit(self.payload_done(kind, &rest[..len])))
    }

    /// A whole payload, its CRLF checked: the value is complete.
    #[inline]
    fn payload_done<'a>(&mut self, kind: PayloadKind, payload: &'a [u8]) -> Event<'a> {
        self.state = State::Header;
        self.complete_value();
        match kind {
            PayloadKind::Bulk => Event::BulkString(payload),
            PayloadKind::Error => Event::BulkError(payload),
            PayloadKind::Verbatim => Event::Verbatim {
                format: [payload[0], payload[1], payload[2]],
                text: &payload[4..],
            },
        }
    }

    fn verbatim_prefix<'a>(
        &mut self,
        input: &'a [u8],
        at: &mut usize,
        len: u64,
    ) -> Result<Flow<'a>, Fault> {
        let start = *at;
        let rest = &input[start..];
        if rest.len() > 3 && rest[3] != b':' {
            return Err((DecodeErrorKind::BadVerbatim, start + 3));
        }
        let Some(prefix) = rest.get(..4) else {
            return Ok(Flow::NeedMore);
        };
        *at = start + 4;
        self.state = State::Chunks {
            remaining: len - 4,
            streamed: false,
        };
        Ok(Flow::Emit(Event::BlobStart {
            kind: BlobKind::Verbatim([prefix[0], prefix[1], prefix[2]]),
            len: Some(len - 4),
        }))
    }

    fn chunks<'a>(
        &mut self,
        input: &'a [u8],
        at: &mut usize,
        remaining: u64,
        streamed: bool,
    ) -> Result<Flow<'a>, Fault> {
        let start = *at;
        let rest = &input[start..];
        if remaining > 0 {
            if rest.is_empty() {
                return Ok(Flow::NeedMore);
            }
            let take = rest
                .len()
                .min(usize::try_from(remaining).unwrap_or(usize::MAX));
            *at = start + take;
            self.state = State::Chunks {
                remaining: remaining - take as u64,
                streamed,
            };
            return Ok(Flow::Emit(Event::BlobChunk(&rest[..take])));
        }
        check_crlf(rest, 0).map_err(|index| (DecodeErrorKind::BadCrlf, start + index))?;
        if rest.len() < 2 {
            return Ok(Flow::NeedMore);
        }
        *at = start + 2;
        if streamed {
            self.state = State::StreamedChunkHeader;
            return Ok(Flow::Continue);
        }
        self.state = State::Header;
        self.complete_value();
        Ok(Flow::Emit(Event::BlobEnd))
    }

    /// Pops the innermost aggregate, whose elements are all in.
    fn close_top(&mut self) -> Event<'static> {
        let closed = self.open.pop().map_or(AggregateKind::Array, |top| top.kind);
        if closed == AggregateKind::Attribute {
            self.after_attribute = true;
        } else {
            self.complete_value();
        }
        Event::AggregateEnd(closed)
    }

    /// Counts a finished value towards the aggregate it belongs to.
    fn complete_value(&mut self) {
        if let Some(top) = self.open.last_mut() {
            match &mut top.remaining {
                Some(remaining) => *remaining -= 1,
                None => top.seen += 1,
            }
        }
    }
}

/// Checks whatever of the CRLF expected at `rest[at..at + 2]` has arrived;
/// on a wrong byte returns its index.
fn check_crlf(rest: &[u8], at: usize) -> Result<(), usize> {
    if rest.get(at).is_some_and(|&b| b != b'\r') {
        return Err(at);
    }
    if rest.get(at + 1).is_some_and(|&b| b != b'\n') {
        return Err(at + 1);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// After a header line split across reads, the next line takes the fast
    /// path again (a stream cut once must not stay on the slow path).
    #[test]
    fn a_split_line_returns_to_the_fast_path() {
        let mut reader = Reader::new();
        let step = reader.read(b"+O").unwrap();
        assert_eq!(
            step,
            Step {
                consumed: 0,
                event: None
            }
        );
        assert!(matches!(reader.state, State::HeaderPartial));
        let step = reader.read(b"+OK\r\n").unwrap();
        assert_eq!(step.event, Some(Event::SimpleString(b"OK")));
        assert!(matches!(reader.state, State::Header));
        assert!(reader.at_fresh_frame());
    }
}
