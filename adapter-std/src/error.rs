//! [`Error`]: why a connection or a call failed.

use bytes::Bytes;
use resp_core::{CommandName, ConnectionError, ConvertError, ErrorCause, HandshakeError, UrlError};
use std::{fmt, io};

/// Why a [`Connection`](crate::Connection) call failed.
///
/// The same shape as `resp_tokio::ClientError`: what went wrong in the
/// conversation is the core's [`ConnectionError`], which says whether the
/// request may have run. A call's timeout fails that call only: its reply
/// is read and dropped when it comes, and the next call gets its own. Any
/// other conversation error, and `Io`, leave the connection broken: every
/// later call fails too. Errors about one reply (`Server`, `Convert`,
/// `TransactionAborted`) leave it usable.
///
/// ```
/// use resp_core::{ConnectionError, ErrorCause};
/// use resp_std::Error;
///
/// let wrong_type = Error::Server("WRONGTYPE Operation against a key".into());
/// assert!(!wrong_type.breaks_connection());
/// let late = Error::Connection(ConnectionError::new(ErrorCause::Timeout, true));
/// assert!(late.is_timeout() && !late.breaks_connection());
/// let cut = Error::Connection(ConnectionError::new(ErrorCause::ClosedMidReply, true));
/// assert!(cut.breaks_connection() && cut.may_have_run());
/// assert_eq!(
///     cut.to_string(),
///     "the server closed the connection in the middle of a reply; the request may have run"
/// );
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The URL does not describe a connection.
    Url(UrlError),
    /// Connecting, reading or writing failed.
    Io(io::Error),
    /// The server refused the connection's setup.
    Handshake(HandshakeError),
    /// The conversation failed: the connection broke or was closed before
    /// the reply came, the server sent something that is not RESP or a
    /// reply to nothing, or the reply did not come in time.
    Connection(ConnectionError),
    /// The server answered with an error reply.
    Server(Bytes),
    /// The reply to `command` is not of the type asked for.
    Convert {
        /// The command it answered.
        command: CommandName,
        /// What was asked for and what came.
        error: ConvertError,
    },
    /// A watched key changed, so `EXEC` ran nothing (after every attempt,
    /// for [`watch_transaction`](crate::Connection::watch_transaction)).
    TransactionAborted,
    /// The TLS setup failed: no usable root certificate, a bad CA file, or
    /// a server name that is not a valid DNS name or address.
    #[cfg(feature = "tls")]
    Tls(rustls::Error),
}

impl Error {
    /// The error for a call on a connection that broke earlier.
    pub(crate) fn closed() -> Self {
        Self::Connection(ConnectionError::new(ErrorCause::Closed, false))
    }

    /// The error for a reply where none fits.
    pub(crate) fn unexpected() -> Self {
        Self::Connection(ConnectionError::new(ErrorCause::Unexpected, true))
    }

    /// The error for a setup that ran out of time.
    pub(crate) fn setup_timeout() -> Self {
        Self::Connection(ConnectionError::new(ErrorCause::SetupTimeout, false))
    }

    /// Whether the call or the setup ran out of time.
    pub fn is_timeout(&self) -> bool {
        matches!(self, Self::Connection(error) if error.is_timeout())
    }

    /// Whether the request may have run: it reached the server, or the
    /// server answered it.
    pub fn may_have_run(&self) -> bool {
        match self {
            Self::Connection(error) => error.may_have_run(),
            Self::Server(_) | Self::Convert { .. } | Self::TransactionAborted => true,
            _ => false,
        }
    }

    /// Whether the error left the connection unusable.
    pub fn breaks_connection(&self) -> bool {
        match self {
            Self::Connection(error) => error.ends_connection(),
            Self::Io(_) => true,
            _ => false,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Url(error) => error.fmt(f),
            Self::Io(error) => error.fmt(f),
            Self::Handshake(error) => error.fmt(f),
            Self::Server(text) => write_reply_text(f, text),
            Self::Convert { command, error } => write!(f, "the reply to {command}: {error}"),
            Self::Connection(error) => error.fmt(f),
            Self::TransactionAborted => {
                f.write_str("a watched key changed: the transaction ran nothing")
            }
            #[cfg(feature = "tls")]
            Self::Tls(error) => write!(f, "TLS setup: {error}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Url(error) => Some(error),
            Self::Io(error) => Some(error),
            Self::Connection(error) => Some(error),
            Self::Handshake(error) => Some(error),
            Self::Convert { error, .. } => Some(error),
            #[cfg(feature = "tls")]
            Self::Tls(error) => Some(error),
            _ => None,
        }
    }
}

impl From<io::Error> for Error {
    fn from(error: io::Error) -> Self {
        Self::Io(error)
    }
}

/// A server's error as it sent it: text as text (quotes and all), with
/// only control characters escaped so that one error stays one line.
fn write_reply_text(f: &mut fmt::Formatter<'_>, text: &[u8]) -> fmt::Result {
    for c in String::from_utf8_lossy(text).chars() {
        if c.is_control() {
            write!(f, "{}", c.escape_default())?;
        } else {
            write!(f, "{c}")?;
        }
    }
    Ok(())
}
