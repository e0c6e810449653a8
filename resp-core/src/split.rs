//! [`FrameSplitter`]: where each top-level frame ends, for proxies and
//! sniffers that forward the bytes they received instead of building values.

use crate::error::DecodeError;
use crate::limits::Limits;
use crate::protocol::Protocol;
use crate::reader::{AggregateKind, Event, Reader};

/// Finds frame boundaries in a byte stream without building anything.
///
/// Each [`split`](Self::split) looks at the caller's unconsumed bytes and
/// says either where the frame in progress ends, and whether it is a push
/// (attributes before a push included), or how many bytes it has seen of a
/// frame still arriving. Those bytes belong to the frame and may be
/// forwarded and dropped at once; only a header line cut short must be kept
/// and passed again. Payloads longer than the chunk threshold are passed
/// over as they arrive, so a 1 GiB reply crosses a proxy in constant memory.
///
/// ```
/// use resp_core::{FrameSplitter, Split};
///
/// let mut splitter = FrameSplitter::new();
/// let input = b"|1\r\n+ttl\r\n:9\r\n>2\r\n+message\r\n+hi\r\n:1\r\n";
/// assert_eq!(splitter.split(input), Ok(Split::Frame { end: 33, push: true }));
/// assert_eq!(splitter.split(&input[33..]), Ok(Split::Frame { end: 4, push: false }));
///
/// // A big payload: its bytes may be forwarded as they come.
/// let mut splitter = FrameSplitter::new().with_chunk_threshold(4);
/// assert_eq!(splitter.split(b"$10\r\nhello"), Ok(Split::Partial { consumed: 10 }));
/// assert_eq!(splitter.split(b"world\r\n"), Ok(Split::Frame { end: 7, push: false }));
/// ```
#[derive(Debug, Clone)]
pub struct FrameSplitter {
    reader: Reader,
    /// Whether the frame in progress is a push, once its value has begun.
    push: Option<bool>,
}

/// What one [`FrameSplitter::split`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Split {
    /// The frame in progress ends `end` bytes into the input given.
    Frame {
        /// Where it ends in the input given to this call.
        end: usize,
        /// Whether it is a push (`>`), attributes before it included.
        push: bool,
    },
    /// The input ends inside the frame; its first `consumed` bytes belong to
    /// it and need not be passed again. The rest, a header line cut short,
    /// must be, with more bytes after it.
    Partial {
        /// Bytes of the frame seen in this call.
        consumed: usize,
    },
}

/// Payloads up to this long are looked at whole by default: a proxy keeps at
/// most this much of one, plus a header line.
const DEFAULT_CHUNK_THRESHOLD: u64 = 16 * 1024;

impl Default for FrameSplitter {
    fn default() -> Self {
        Self::new()
    }
}

impl FrameSplitter {
    /// A splitter with the [`Limits::proxy`] bounds, passing over payloads
    /// longer than 16 KiB as they arrive.
    pub fn new() -> Self {
        Self::with_limits(Limits::proxy())
    }

    /// A splitter with the given bounds.
    pub fn with_limits(limits: Limits) -> Self {
        Self {
            reader: Reader::with_limits(limits).with_chunk_threshold(DEFAULT_CHUNK_THRESHOLD),
            push: None,
        }
    }

    /// Passes over payloads longer than `threshold` bytes as they arrive.
    pub fn with_chunk_threshold(mut self, threshold: u64) -> Self {
        self.reader = self.reader.with_chunk_threshold(threshold);
        self
    }

    /// Sets the protocol: [`Protocol::Resp2`] rejects RESP3-only type bytes.
    pub fn with_protocol(mut self, protocol: Protocol) -> Self {
        self.reader.set_protocol(protocol);
        self
    }

    /// Whether no frame is in progress.
    pub fn is_idle(&self) -> bool {
        self.reader.is_idle()
    }

    /// Bytes seen since creation or the last reset.
    pub fn position(&self) -> u64 {
        self.reader.position()
    }

    /// Forgets the frame in progress and any error.
    pub fn reset(&mut self) {
        self.reader.reset();
        self.push = None;
    }

    /// Looks for the end of the frame in progress in `input`, the caller's
    /// unconsumed bytes. An `Err` means the stream is corrupt; it is
    /// returned again until [`reset`](Self::reset).
    pub fn split(&mut self, input: &[u8]) -> Result<Split, DecodeError> {
        let mut at = 0;
        loop {
            let top_level = self.reader.depth() == 0;
            let step = self.reader.read(&input[at..])?;
            at += step.consumed;
            let Some(event) = step.event else {
                return Ok(Split::Partial { consumed: at });
            };
            if top_level && self.push.is_none() {
                match event {
                    Event::AggregateStart {
                        kind: AggregateKind::Attribute,
                        ..
                    } => {}
                    Event::AggregateStart { kind, .. } => {
                        self.push = Some(kind == AggregateKind::Push)
                    }
                    _ => self.push = Some(false),
                }
            }
            if self.reader.is_idle() {
                let push = self.push.take().unwrap_or(false);
                return Ok(Split::Frame { end: at, push });
            }
        }
    }
}
