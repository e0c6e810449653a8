//! [`ExecReply`]: what the reply to `EXEC` says about a transaction.

use crate::convert::FromFrame;
use crate::frame::Frame;
use alloc::vec::Vec;
use bytes::Bytes;

/// The outcome of a `MULTI` … `EXEC` transaction, from `EXEC`'s reply.
///
/// ```
/// use resp_core::{ExecReply, Frame, NullKind};
///
/// let ran = Frame::Array(vec![Frame::Integer(1), Frame::SimpleString("OK".into())]);
/// assert_eq!(ExecReply::from_reply(ran), ExecReply::Committed(vec![Frame::Integer(1), Frame::SimpleString("OK".into())]));
/// // A watched key changed: nothing ran.
/// assert_eq!(ExecReply::from_reply(Frame::Null(NullKind::Array)), ExecReply::Aborted);
/// // A command was refused while queuing: nothing ran either.
/// let refused = Frame::SimpleError("EXECABORT Transaction discarded because of previous errors.".into());
/// assert!(matches!(ExecReply::from_reply(refused), ExecReply::Refused(_)));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum ExecReply {
    /// It ran: each queued command's reply, an error reply in its place.
    Committed(Vec<Frame>),
    /// A watched key changed (or expired), so nothing ran. Trying again is
    /// safe.
    Aborted,
    /// The server refused it (`EXECABORT` after a command refused while
    /// queuing, `EXEC without MULTI`, …); nothing ran. The error text.
    Refused(Bytes),
}

impl ExecReply {
    /// The outcome of a transaction sent with
    /// [`Pipeline::in_transaction`](crate::Pipeline::in_transaction), from
    /// all its replies (`EXEC`'s is the last; `None` without one).
    ///
    /// ```
    /// use resp_core::{ExecReply, Frame};
    ///
    /// let replies = vec![
    ///     Frame::SimpleString("OK".into()),
    ///     Frame::SimpleString("QUEUED".into()),
    ///     Frame::Array(vec![Frame::Integer(1)]),
    /// ];
    /// assert_eq!(ExecReply::of_transaction(replies), Some(ExecReply::Committed(vec![Frame::Integer(1)])));
    /// ```
    pub fn of_transaction(mut replies: Vec<Frame>) -> Option<Self> {
        replies.pop().map(Self::from_reply)
    }

    /// Reads `EXEC`'s reply, in RESP2's or RESP3's form.
    pub fn from_reply(frame: Frame) -> Self {
        if frame.is_null() {
            return Self::Aborted;
        }
        if frame.is_error() {
            return Self::Refused(
                frame
                    .as_bytes()
                    .map(Bytes::copy_from_slice)
                    .unwrap_or_default(),
            );
        }
        match Vec::<Frame>::from_frame(frame) {
            Ok(replies) => Self::Committed(replies),
            Err(_) => Self::Refused(Bytes::from_static(
                b"ERR EXEC answered neither an array nor a null",
            )),
        }
    }
}
