//! [`decode_slice`]: one frame from a borrowed slice, statelessly, with
//! httparse's contract.

use super::FrameBuilder;
use super::drive::drive;
use super::source::SliceSource;
use crate::error::DecodeError;
use crate::frame::Frame;
use crate::limits::Limits;
use crate::reader::Reader;

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
/// a stream without copies use a [`Decoder`](super::Decoder).
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
