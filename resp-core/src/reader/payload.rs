//! The resumable path's payload states: whole payloads awaited with their
//! CRLF, verbatim prefixes, and payloads handed out in chunks as they arrive.

use super::event::{BlobKind, Event};
use super::number::Fault;
use super::{Flow, PayloadKind, Reader, State};
use crate::error::DecodeErrorKind;

impl Reader {
    pub(super) fn payload<'a>(
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
    pub(super) fn payload_done<'a>(&mut self, kind: PayloadKind, payload: &'a [u8]) -> Event<'a> {
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

    pub(super) fn verbatim_prefix<'a>(
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

    pub(super) fn chunks<'a>(
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
