//! [`Reader`]: the resumable pull parser under every other layer.

mod canonical;
mod event;
mod fast;
mod header;
mod line;
mod number;
mod open;
mod payload;

use canonical::Rules;
pub(crate) use event::Piece;
pub use event::{AggregateKind, BlobKind, Event, NullKind, Step};
use fast::Fast;
pub(crate) use fast::{MIN_ELEMENT_LEN, RESERVE_STEP, Run, Start};

use crate::error::DecodeError;
use crate::limits::Limits;
use crate::protocol::Protocol;
use alloc::vec::Vec;
use number::NumberScan;
use open::OpenAggregate;

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
    /// What the fast path needs of the bounds and the protocol, kept in
    /// step with them.
    rules: Rules,
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
            rules: Rules::new(&limits, limits.max_bulk_len, true),
        }
    }

    /// Sets the protocol: in [`Protocol::Resp2`] RESP3-only type bytes are errors.
    pub fn with_protocol(mut self, protocol: Protocol) -> Self {
        self.set_protocol(protocol);
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
        self.update_rules();
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
        self.update_rules();
    }

    /// The protocol in force.
    pub fn protocol(&self) -> Protocol {
        self.protocol
    }

    /// Switches the protocol, for example after `HELLO 3` succeeded.
    pub fn set_protocol(&mut self, protocol: Protocol) {
        self.protocol = protocol;
        self.update_rules();
    }

    fn update_rules(&mut self) {
        // The longest payload handed out whole.
        let max_whole_payload = self.limits.max_bulk_len.min(self.chunk_threshold);
        self.rules = Rules::new(
            &self.limits,
            max_whole_payload,
            self.protocol.allows_resp3_types(),
        );
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

    /// How many bytes beyond the `unconsumed` ones the caller holds the
    /// payload in progress still needs, its CRLF included: `Some` while a
    /// payload handed out whole is awaited, or a chunked one is being handed
    /// out, so an IO layer can size its buffer once for a large value.
    ///
    /// ```
    /// use resp_core::Reader;
    ///
    /// let mut reader = Reader::new();
    /// let step = reader.read(b"$10\r\nhel").unwrap();
    /// assert_eq!((step.consumed, step.event), (5, None));
    /// // The caller keeps the 3 payload bytes; 7 more and the CRLF are missing.
    /// assert_eq!(reader.bytes_needed(3), Some(9));
    /// ```
    pub fn bytes_needed(&self, unconsumed: usize) -> Option<usize> {
        self.payload_left()
            .map(|left| left.saturating_sub(unconsumed))
    }

    /// input, its CRLF included.
    pub(crate) fn payload_left(&self) -> Option<usize> {
        match self.state {
            State::Payload { len, .. } => Some(len.saturating_add(2)),
            State::Chunks { remaining, .. } => {
                Some(usize::try_from(remaining).map_or(usize::MAX, |n| n.saturating_add(2)))
            }
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
                if let Some((fast, consumed)) = self.fast(input, 0) {
                    let event = match fast {
                        Fast::Scalar(piece) => Some(piece.event(input)),
                        Fast::Open(kind, len) => Some(Event::AggregateStart {
                            kind,
                            len: Some(len),
                        }),
                        Fast::Close(kind) => Some(Event::AggregateEnd(kind)),
                        Fast::Payload => None,
                    };
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

    fn step<'a>(&mut self, consumed: usize, event: Option<Event<'a>>) -> Step<'a> {
        self.position += consumed as u64;
        Step { consumed, event }
    }
}
