//! [`Error`]: why a connection or a call failed.

use bytes::Bytes;
use resp_core::{ConvertError, DecodeError, HandshakeError, UrlError};
use std::{fmt, io};

/// Why a [`Connection`](crate::Connection) call failed.
///
/// Errors from the wire (`Io`, `Closed`, `Protocol`, `Unexpected`) leave
/// the connection broken: every later call fails with [`Error::Broken`].
/// A call's `Timeout` fails that call only: its reply is read and dropped
/// when it comes, and the next call gets its own. Errors about one reply
/// (`Server`, `Convert`, `TransactionAborted`) leave it usable too.
///
/// ```
/// use resp_std::Error;
///
/// let wrong_type = Error::Server("WRONGTYPE Operation against a key".into());
/// assert!(!wrong_type.breaks_connection());
/// assert!(!Error::Timeout.breaks_connection());
/// assert!(Error::Closed { mid_frame: false }.breaks_connection());
/// assert_eq!(
///     Error::Closed { mid_frame: true }.to_string(),
///     "the server closed the connection in the middle of a reply"
/// );
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The URL does not describe a connection.
    Url(UrlError),
    /// Connecting, reading or writing failed.
    Io(io::Error),
    /// The deadline passed: the setup's, or the call's (its response
    /// timeout, or a blocking command's own timeout plus the margin).
    Timeout,
    /// The server closed the connection; `mid_frame` when it did so inside
    /// a reply.
    Closed {
        /// Whether part of a reply had arrived.
        mid_frame: bool,
    },
    /// The server sent bytes that are not RESP, at the offset given.
    Protocol(DecodeError),
    /// The server sent a reply when none was due.
    Unexpected,
    /// The server refused the connection's setup.
    Handshake(HandshakeError),
    /// The server answered with an error reply.
    Server(Bytes),
    /// The reply is not of the type asked for.
    Convert(ConvertError),
    /// An earlier error broke the connection; open a new one.
    Broken,
    /// A watched key changed, so `EXEC` ran nothing (after every attempt,
    /// for [`watch_transaction`](crate::Connection::watch_transaction)).
    TransactionAborted,
    /// The TLS setup failed: no usable root certificate, a bad CA file, or
    /// a server name that is not a valid DNS name or address.
    #[cfg(feature = "tls")]
    Tls(rustls::Error),
}

impl Error {
    /// Whether the error left the connection unusable.
    pub fn breaks_connection(&self) -> bool {
        matches!(
            self,
            Self::Io(_) | Self::Closed { .. } | Self::Protocol(_) | Self::Unexpected | Self::Broken
        )
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Url(error) => error.fmt(f),
            Self::Io(error) => error.fmt(f),
            Self::Timeout => f.write_str("no reply before the deadline"),
            Self::Closed { mid_frame: true } => {
                f.write_str("the server closed the connection in the middle of a reply")
            }
            Self::Closed { mid_frame: false } => f.write_str("the server closed the connection"),
            Self::Protocol(error) => write!(f, "the server sent invalid RESP: {error}"),
            Self::Unexpected => f.write_str("the server sent a reply to nothing"),
            Self::Handshake(error) => error.fmt(f),
            Self::Server(text) => write_reply_text(f, text),
            Self::Convert(error) => error.fmt(f),
            Self::Broken => f.write_str("the connection broke earlier and cannot be used"),
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
            Self::Protocol(error) => Some(error),
            Self::Handshake(error) => Some(error),
            Self::Convert(error) => Some(error),
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
