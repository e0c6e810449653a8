//! [`ClientError`]: why a call failed.

use bytes::Bytes;
use resp_core::{CommandName, ConnectionError, ConvertError, ErrorCause, HandshakeError, UrlError};
use std::{fmt, io};

/// Why a [`Client`](super::Client) call failed.
///
/// The same shape as `resp_std::Error`: what went wrong in the
/// conversation is the core's [`ConnectionError`], which says whether the
/// request may have run.
///
/// ```
/// use resp_core::{ConnectionError, ErrorCause};
/// use resp_tokio::ClientError;
///
/// let lost = ClientError::Connection(ConnectionError::new(ErrorCause::ConnectionLost, true));
/// assert!(lost.may_have_run() && lost.breaks_connection() && !lost.is_timeout());
/// let late = ClientError::Connection(ConnectionError::new(ErrorCause::Timeout, true));
/// assert!(late.is_timeout() && !late.breaks_connection());
/// assert!(!ClientError::Server("ERR no".into()).breaks_connection());
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum ClientError {
    /// The URL does not describe a connection.
    Url(UrlError),
    /// Connecting failed.
    Io(io::Error),
    /// The server refused the connection's setup.
    Handshake(HandshakeError),
    /// The conversation failed: the connection broke or was closed before
    /// the reply came, or the reply did not come in time (then it is
    /// discarded when it comes). Nothing is sent again.
    Connection(ConnectionError),
    /// The server answered with an error.
    Server(Bytes),
    /// The reply to `command` is not of the type asked for.
    Convert {
        /// The command it answered.
        command: CommandName,
        /// What was asked for and what came.
        error: ConvertError,
    },
    /// `rediss://` asks for TLS, which this build leaves out (the `tls`
    /// feature).
    TlsUnsupported,
    /// The TLS setup failed: no usable root certificate, a bad CA file, or
    /// a server name that is not a valid DNS name or address.
    #[cfg(feature = "tls")]
    Tls(rustls::Error),
    /// A watched key changed, so `EXEC` ran nothing (after every attempt,
    /// for [`watch_transaction`](super::Client::watch_transaction)).
    TransactionAborted,
}

impl ClientError {
    /// The error for a request on a connection already closed.
    pub(crate) fn closed() -> Self {
        Self::Connection(ConnectionError::new(ErrorCause::Closed, false))
    }

    /// The error for a setup that ran out of time.
    pub(crate) fn setup_timeout() -> Self {
        Self::Connection(ConnectionError::new(ErrorCause::SetupTimeout, false))
    }

    /// Whether the request or the setup ran out of time.
    pub fn is_timeout(&self) -> bool {
        matches!(self, Self::Connection(error) if error.is_timeout())
    }

    /// Whether the request may have run: it reached the server, or the
    /// server answered it (an error reply, a reply of another type).
    pub fn may_have_run(&self) -> bool {
        match self {
            Self::Connection(error) => error.may_have_run(),
            Self::Server(_) | Self::Convert { .. } | Self::TransactionAborted => true,
            _ => false,
        }
    }

    /// Whether the connection is over: every later call fails too.
    pub fn breaks_connection(&self) -> bool {
        match self {
            Self::Connection(error) => error.ends_connection(),
            Self::Io(_) | Self::Handshake(_) | Self::Url(_) | Self::TlsUnsupported => true,
            #[cfg(feature = "tls")]
            Self::Tls(_) => true,
            _ => false,
        }
    }
}

impl fmt::Display for ClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Url(error) => error.fmt(f),
            Self::Io(error) => write!(f, "connecting failed: {error}"),
            Self::Handshake(error) => error.fmt(f),
            Self::Connection(error) => error.fmt(f),
            Self::Server(text) => write_reply_text(f, text),
            Self::Convert { command, error } => write!(f, "the reply to {command}: {error}"),
            Self::TlsUnsupported => f.write_str("rediss:// needs resp-tokio's `tls` feature"),
            #[cfg(feature = "tls")]
            Self::Tls(error) => write!(f, "TLS setup: {error}"),
            Self::TransactionAborted => {
                f.write_str("a watched key changed: the transaction ran nothing")
            }
        }
    }
}

impl std::error::Error for ClientError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Url(error) => Some(error),
            Self::Io(error) => Some(error),
            Self::Handshake(error) => Some(error),
            Self::Connection(error) => Some(error),
            Self::Convert { error, .. } => Some(error),
            #[cfg(feature = "tls")]
            Self::Tls(error) => Some(error),
            _ => None,
        }
    }
}

impl From<io::Error> for ClientError {
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
