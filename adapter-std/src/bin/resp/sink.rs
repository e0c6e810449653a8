//! Printing frames as their bytes arrive, in either output form: the
//! redis-cli text (from the reader's events, so doubles show as sent and
//! a huge value is printed in pieces) or one JSON line per frame.

use crate::json;
use crate::printer::{Printer, Top};
use bytes::{Buf, BytesMut};
use resp_core::{DecodeError, Decoder, Limits, Protocol, Reader};
use std::io::{self, Write};

/// Payloads larger than this are printed in pieces as they arrive.
const PIECE: u64 = 64 * 1024;

/// The text of a frame is held back until the frame is complete (so a
/// frame cut short or malformed prints nothing), unless it grows past this.
const HELD_TEXT: usize = 1 << 20;

/// Prints frames from the front of a buffer, consuming what it printed.
pub(crate) enum Sink {
    Text {
        reader: Reader,
        printer: Printer,
        /// The text of the frame in progress.
        held: Vec<u8>,
    },
    Json {
        decoder: Decoder,
    },
}

impl Sink {
    pub(crate) fn new(json: bool, limits: Limits, protocol: Protocol) -> Self {
        if json {
            Self::Json {
                decoder: Decoder::with_limits(limits).with_protocol(protocol),
            }
        } else {
            Self::Text {
                reader: Reader::with_limits(limits)
                    .with_protocol(protocol)
                    .with_chunk_threshold(PIECE),
                printer: Printer::default(),
                held: Vec::new(),
            }
        }
    }

    /// Prints from `input` until a top-level frame is complete (and says
    /// what it was) or more input is needed (`None`). A stream error comes
    /// after everything before it has been printed.
    pub(crate) fn next(
        &mut self,
        input: &mut BytesMut,
        out: &mut impl Write,
    ) -> io::Result<Result<Option<Top>, DecodeError>> {
        match self {
            Self::Json { decoder } => match decoder.decode(input) {
                Ok(Some(frame)) => {
                    writeln!(out, "{}", json::frame_json(&frame))?;
                    Ok(Ok(Some(if frame.is_push() {
                        Top::Push
                    } else if frame.is_error() {
                        Top::Error
                    } else {
                        Top::Other
                    })))
                }
                Ok(None) => Ok(Ok(None)),
                Err(error) => Ok(Err(error)),
            },
            Self::Text {
                reader,
                printer,
                held,
            } => loop {
                let step = match reader.read(input) {
                    Ok(step) => step,
                    Err(error) => return Ok(Err(error)),
                };
                let consumed = step.consumed;
                let done = match step.event {
                    Some(event) => printer.event(held, event, &input[..consumed])?,
                    None => {
                        input.advance(consumed);
                        return Ok(Ok(None));
                    }
                };
                input.advance(consumed);
                if done.is_some() || held.len() > HELD_TEXT {
                    out.write_all(held)?;
                    held.clear();
                }
                if let Some(top) = done {
                    return Ok(Ok(Some(top)));
                }
            },
        }
    }

    /// Whether the stream is between frames.
    pub(crate) fn is_idle(&self) -> bool {
        match self {
            Self::Json { decoder } => decoder.is_idle(),
            Self::Text {
                reader, printer, ..
            } => reader.is_idle() && printer.is_idle(),
        }
    }

    /// Bytes consumed so far: where the next frame starts, between frames.
    pub(crate) fn position(&self) -> u64 {
        match self {
            Self::Json { decoder } => decoder.position(),
            Self::Text { reader, .. } => reader.position(),
        }
    }

    /// Prints the next frame's top-level strings bare, as redis-cli does
    /// for `INFO` and the like.
    pub(crate) fn set_raw(&mut self, raw: bool) {
        if let Self::Text { printer, .. } = self {
            printer.raw = raw;
        }
    }
}
