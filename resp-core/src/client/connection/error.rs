//! [`ConnectionError`]: what can go wrong in a client connection's
//! conversation, whatever moves its bytes.

use crate::client::handshake::HandshakeError;
use crate::error::DecodeError;
use core::fmt;

/// Why a request failed, or the connection ended.
///
/// [`may_have_run`](Self::may_have_run) says whether the server may have
/// run the request: only a request that never reached the wire is known
/// not to have, and only such a request may be sent again without risk.
///
/// ```
/// use resp_core::{ConnectionError, ErrorCause};
///
/// let lost = ConnectionError::new(ErrorCause::ConnectionLost, true);
/// assert!(lost.may_have_run());
/// assert_eq!(lost.to_string(), "the connection broke before the reply came; the request may have run");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionError {
    cause: ErrorCause,
    written: bool,
}

/// What went wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorCause {
    /// The request's replies did not come in time. They are discarded
    /// when they come; the connection stays usable.
    Timeout,
    /// The setup did not finish in time.
    SetupTimeout,
    /// The server refused the setup (a wrong password, an unknown
    /// database), or answered it with something else than a setup reply.
    Setup(HandshakeError),
    /// The connection broke (the adapter said so: an IO error, or the
    /// server closed it) before the replies came.
    ConnectionLost,
    /// The server closed the connection in the middle of a reply.
    ClosedMidReply,
    /// The server sent bytes that are not RESP.
    Protocol(DecodeError),
    /// The server sent a reply when none was due: the conversation lost
    /// track, so the connection was closed.
    Unexpected,
    /// The connection was already closed when the request came.
    Closed,
    /// Nothing came from the server within the health check's deadline
    /// ([`ConnectionOptions::health_check`](super::ConnectionOptions::health_check)):
    /// the peer is taken for gone, and the connection is closed.
    Unresponsive,
    /// No connection is up (the client is reconnecting), and the requests
    /// queued for the next one are at their bound: this one was refused
    /// rather than let memory grow.
    Disconnected,
    /// The server is still loading its data set after a restart, and
    /// serves nothing yet; a reconnecting client tries again later.
    Loading,
}

impl ConnectionError {
    /// An error of `cause` for a request that was (`written`) or was not
    /// on the wire.
    pub fn new(cause: ErrorCause, written: bool) -> Self {
        Self { cause, written }
    }

    /// What went wrong.
    pub fn cause(&self) -> &ErrorCause {
        &self.cause
    }

    /// Whether the request may have run: it reached the wire, at least in
    /// part. A request that did not is safe to send again.
    pub fn may_have_run(&self) -> bool {
        self.written
    }

    /// Whether the request, or the setup, ran out of time.
    pub fn is_timeout(&self) -> bool {
        matches!(self.cause, ErrorCause::Timeout | ErrorCause::SetupTimeout)
    }

    /// Whether the connection is over (every cause but a request's own
    /// timeout).
    pub fn ends_connection(&self) -> bool {
        !matches!(self.cause, ErrorCause::Timeout)
    }
}

impl fmt::Display for ConnectionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.cause {
            ErrorCause::Timeout => {
                f.write_str("the reply did not come within the response timeout")?
            }
            ErrorCause::SetupTimeout => {
                f.write_str("the connection's setup (HELLO, AUTH, SELECT) did not finish in time")?
            }
            ErrorCause::Setup(error) => write!(f, "{error}")?,
            ErrorCause::ConnectionLost => {
                f.write_str("the connection broke before the reply came")?
            }
            ErrorCause::ClosedMidReply => {
                f.write_str("the server closed the connection in the middle of a reply")?
            }
            ErrorCause::Protocol(error) => {
                write!(f, "the server sent bytes that are not RESP: {error}")?
            }
            ErrorCause::Unexpected => f.write_str("the server sent a reply when none was due")?,
            ErrorCause::Closed => f.write_str("the connection is closed")?,
            ErrorCause::Disconnected => {
                f.write_str("no connection is up and the queue for the next one is full")?
            }
            ErrorCause::Loading => f.write_str("the server is still loading its data set")?,
            ErrorCause::Unresponsive => {
                f.write_str("the server did not answer the health check in time")?
            }
        }
        if self.written {
            f.write_str("; the request may have run")
        } else {
            f.write_str("; the request was not sent")
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for ConnectionError {}
