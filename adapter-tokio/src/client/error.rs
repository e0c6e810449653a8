//! [`ClientError`]: why a call failed.

use bytes::Bytes;
use resp_core::{ConvertError, HandshakeError, UrlError};
use std::{fmt, io};

/// Why a [`Client`](super::Client) call failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum ClientError {
    /// The URL does not describe a connection.
    Url(UrlError),
    /// Connecting failed.
    Io(io::Error),
    /// The server refused the connection's setup.
    Handshake(HandshakeError),
    /// The connection broke, or was closed, before the reply came. The
    /// request may or may not have run; it is not sent again.
    Closed,
    /// The reply did not come in time. It is discarded when it comes.
    Timeout,
    /// The server answered with an error.
    Server(Bytes),
    /// The reply is not of the type asked for.
    Convert(ConvertError),
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

impl fmt::Display for ClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Url(error) => error.fmt(f),
            Self::Io(error) => write!(f, "connecting failed: {error}"),
            Self::Handshake(error) => error.fmt(f),
            Self::Closed => f.write_str("the connection closed before the reply came"),
            Self::Timeout => f.write_str("the reply did not come in time"),
            Self::Server(text) => write_reply_text(f, text),
            Self::Convert(error) => error.fmt(f),
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
            Self::Convert(error) => Some(error),
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
