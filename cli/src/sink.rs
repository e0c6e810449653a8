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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Every reply a real Redis 7 sent, in both protocols, one after another.
    fn captured() -> Vec<u8> {
        let corpus = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata");
        let mut all = Vec::new();
        for folder in ["resp2", "resp3"] {
            let mut files: Vec<_> = std::fs::read_dir(corpus.join(folder))
                .unwrap()
                .map(|entry| entry.unwrap().path())
                .filter(|path| path.extension().is_some_and(|ext| ext == "bin"))
                .collect();
            files.sort();
            for file in files {
                all.extend(std::fs::read(file).unwrap());
            }
        }
        all
    }

    /// What the text sink prints for `input` fed in pieces of the sizes
    /// given (cycled), and how it ended.
    fn print(input: &[u8], pieces: &[usize]) -> (Vec<u8>, Option<DecodeError>) {
        let mut sink = Sink::new(false, Limits::client(), Protocol::Resp3);
        let (mut buffer, mut out) = (BytesMut::new(), Vec::new());
        let mut rest = input;
        for &piece in pieces.iter().cycle() {
            let (now, later) = rest.split_at(piece.min(rest.len()));
            buffer.extend_from_slice(now);
            rest = later;
            loop {
                match sink.next(&mut buffer, &mut out).unwrap() {
                    Ok(Some(_)) => {}
                    Ok(None) => break,
                    Err(error) => return (out, Some(error)),
                }
            }
            if rest.is_empty() {
                break;
            }
        }
        (out, None)
    }

    proptest! {
        // The corpus holds 1 MiB values, printed in 64 KiB pieces: few
        // cases cover those paths in every piece pattern drawn.
        #![proptest_config(ProptestConfig::with_cases(12))]

        #[test]
        fn pieces_do_not_change_the_text(pieces in proptest::collection::vec(1usize..4096, 1..16)) {
            let input = captured();
            let whole = print(&input, &[input.len()]);
            prop_assert_eq!(print(&input, &pieces), whole);
        }

    }

    proptest! {
        #[test]
        fn any_bytes_print_or_fail_cleanly_in_any_pieces(
            input in proptest::collection::vec(any::<u8>(), 0..512),
            pieces in proptest::collection::vec(1usize..16, 1..8),
        ) {
            let whole = print(&input, &[input.len().max(1)]);
            let (text, error) = print(&input, &pieces);
            prop_assert_eq!(&text, &whole.0);
            prop_assert_eq!(error.map(|e| e.offset()), whole.1.map(|e| e.offset()));
        }
    }

    #[test]
    fn every_captured_reply_prints() {
        let input = captured();
        let (text, error) = print(&input, &[input.len()]);
        assert!(error.is_none(), "{error:?}");
        assert!(text.len() > input.len() / 4);
    }
}
