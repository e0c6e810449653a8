//! Helpers shared by the integration tests.
#![allow(dead_code)] // each test binary uses a different subset

use bytes::BytesMut;
use resp_core::{DecodeError, Decoder, Frame, Limits, Protocol};
use std::path::PathBuf;

/// `testdata/`, captured from a real Redis 7.
pub(crate) fn corpus_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../testdata")
}

/// What decoding a whole stream gives: the frames, then how it ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Outcome {
    pub(crate) frames: Vec<Frame>,
    pub(crate) end: End,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum End {
    /// Input ended on a frame boundary.
    Clean,
    /// Input ended inside a frame.
    Incomplete,
    Error(DecodeError),
}

/// Decodes `input` fed in pieces that end at each of `cuts` (sorted).
pub(crate) fn decode_cut(
    input: &[u8],
    cuts: &[usize],
    limits: Limits,
    protocol: Protocol,
) -> Outcome {
    let mut decoder = Decoder::with_limits(limits).with_protocol(protocol);
    let mut buf = BytesMut::new();
    let mut frames = Vec::new();
    let mut from = 0;
    for &cut in cuts.iter().chain(std::iter::once(&input.len())) {
        let cut = cut.clamp(from, input.len());
        buf.extend_from_slice(&input[from..cut]);
        from = cut;
        loop {
            match decoder.decode(&mut buf) {
                Ok(Some(frame)) => frames.push(frame),
                Ok(None) => break,
                Err(error) => {
                    return Outcome {
                        frames,
                        end: End::Error(error),
                    };
                }
            }
        }
    }
    let end = if decoder.is_idle() && buf.is_empty() {
        End::Clean
    } else {
        End::Incomplete
    };
    Outcome { frames, end }
}

/// Decodes `input` in one piece.
pub(crate) fn decode_whole(input: &[u8]) -> Outcome {
    decode_cut(input, &[], Limits::default(), Protocol::Resp3)
}

/// Decodes `input` in pieces of `size` bytes.
pub(crate) fn decode_chunked(
    input: &[u8],
    size: usize,
    limits: Limits,
    protocol: Protocol,
) -> Outcome {
    let cuts: Vec<usize> = (size..input.len()).step_by(size.max(1)).collect();
    decode_cut(input, &cuts, limits, protocol)
}

pub(crate) mod arb;
pub(crate) mod oracle;
