//! The general path: the Reader's events built into a tree, for frames that
//! are not flat (nested aggregates, attributes, streamed values) and for
//! stateless slices.

use super::build::FrameBuilder;
use super::pieces::take_scalar;
use super::source::Source;
use crate::error::DecodeError;
use crate::frame::Frame;
use crate::payload::Payload;
use crate::reader::{AggregateKind, Event, MIN_ELEMENT_LEN, Piece, RESERVE_STEP, Reader};

/// Feeds reader events into the builder until a frame completes or input runs out.
pub(super) fn drive<S: Source>(
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
        let value = match Piece::from_event(&event, |payload| src.range_of(payload)) {
            Some(piece) => take_scalar(src, consumed, &piece),
            None => {
                let after = src.unconsumed().len() - consumed;
                let done = structure(builder, event, after);
                src.consume(consumed);
                match done {
                    Some(frame) => return Ok(Some(frame)),
                    None => continue,
                }
            }
        };
        // A top-level scalar with no attributes skips the builder.
        if builder.is_idle() {
            return Ok(Some(value));
        }
        if let Some(frame) = builder.value(value) {
            return Ok(Some(frame));
        }
    }
}

/// Builds one event into `builder`, copying its payload: for a caller that
/// reads events itself (the `reader_events` fuzz body). Returns the frame
/// the event completes, if any.
pub(crate) fn build_copied(builder: &mut FrameBuilder, event: Event<'_>) -> Option<Frame> {
    let mut payload: &[u8] = &[];
    let piece = Piece::from_event(&event, |bytes| {
        payload = bytes;
        0..bytes.len()
    });
    let Some(piece) = piece else {
        return structure(builder, event, 0);
    };
    let value = piece.to_frame(|range| Payload::copy_from_slice(&payload[range.clone()]));
    if builder.is_idle() {
        Some(value)
    } else {
        builder.value(value)
    }
}

/// Applies an event that is not a whole scalar: an aggregate or a payload in
/// pieces begins, goes on or ends. `after` is how many bytes follow the
/// event's, which bounds what an aggregate may reserve. Returns the frame
/// the event completes, if any.
pub(super) fn structure(
    builder: &mut FrameBuilder,
    event: Event<'_>,
    after: usize,
) -> Option<Frame> {
    match event {
        Event::AggregateStart { kind, len } => {
            builder.start(kind, len.is_none(), capacity(kind, len, after));
            None
        }
        Event::AggregateEnd(_) => builder.end(),
        Event::BlobStart { kind, len } => {
            builder.blob_start(kind, len.is_none());
            None
        }
        Event::BlobChunk(chunk) => {
            builder.blob_chunk(chunk);
            None
        }
        Event::BlobEnd => builder.blob_end(),
        // Whole scalars are built from pieces.
        scalar => {
            debug_assert!(false, "{scalar:?} is a piece");
            None
        }
    }
}

/// Room for an aggregate's elements: never more than the bytes already
/// here could hold, nor more than a bounded step, since they may be one
/// large payload.
pub(super) fn capacity(kind: AggregateKind, len: Option<u64>, here: usize) -> usize {
    let per_element = if matches!(kind, AggregateKind::Map | AggregateKind::Attribute) {
        2 * MIN_ELEMENT_LEN
    } else {
        MIN_ELEMENT_LEN
    };
    let fits = (here / per_element).min(RESERVE_STEP) as u64;
    len.unwrap_or(0).min(fits) as usize
}
