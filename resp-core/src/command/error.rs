//! [`CommandError`]: why a client's request stream is invalid, in Redis's words.

use core::fmt;

/// A request the server must refuse, with the absolute stream offset where
/// the problem was found. Display prints Redis's exact reply text (send it
/// as `-ERR <text>`), so a server built on this answers as Redis would.
///
/// ```
/// use bytes::BytesMut;
/// use resp_core::{CommandDecoder, CommandErrorKind};
///
/// let mut decoder = CommandDecoder::new();
/// let err = decoder.decode(&mut BytesMut::from(&b"*1\r\n:5\r\n"[..])).unwrap_err();
/// assert_eq!(err.kind(), CommandErrorKind::ExpectedDollar(b':'));
/// assert_eq!(err.to_string(), "Protocol error: expected '$', got ':'");
/// assert_eq!(err.offset(), 4);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CommandError {
    kind: CommandErrorKind,
    offset: u64,
}

impl CommandError {
    pub(crate) const fn new(kind: CommandErrorKind, offset: u64) -> Self {
        Self { kind, offset }
    }

    /// What went wrong.
    pub const fn kind(&self) -> CommandErrorKind {
        self.kind
    }

    /// The absolute stream offset of the offending byte or line.
    pub const fn offset(&self) -> u64 {
        self.offset
    }
}

impl fmt::Display for CommandError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.kind.fmt(f)
    }
}

impl core::error::Error for CommandError {}

/// The kinds of request errors. Display gives Redis's reply text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CommandErrorKind {
    /// `*` count that is not a number, or above the argument limit.
    InvalidMultibulkLength,
    /// `$` length that is not a non-negative number, or above the bulk limit.
    InvalidBulkLength,
    /// An element of a multibulk request that is not a `$` bulk string.
    ExpectedDollar(u8),
    /// An inline request longer than the line limit.
    TooBigInlineRequest,
    /// A `*` line longer than the line limit.
    TooBigMbulkCount,
    /// A `$` line longer than the line limit.
    TooBigBulkCount,
    /// An inline request whose quotes do not close, or close before a non-space.
    UnbalancedQuotes,
    /// More arguments than a connection may send before authenticating.
    UnauthenticatedMultibulkLength,
    /// A bulk longer than a connection may send before authenticating.
    UnauthenticatedBulkLength,
    /// A header CR without LF, or bulk data not followed by CRLF. Redis lets
    /// these pass; rejecting them is stricter on purpose.
    ExpectedCrlf,
}

impl CommandErrorKind {
    /// A short stable kebab-case name, as `resp decode --commands --json` prints it.
    pub const fn name(self) -> &'static str {
        match self {
            Self::InvalidMultibulkLength => "invalid-multibulk-length",
            Self::InvalidBulkLength => "invalid-bulk-length",
            Self::ExpectedDollar(_) => "expected-dollar",
            Self::TooBigInlineRequest => "too-big-inline-request",
            Self::TooBigMbulkCount => "too-big-mbulk-count",
            Self::TooBigBulkCount => "too-big-bulk-count",
            Self::UnbalancedQuotes => "unbalanced-quotes",
            Self::UnauthenticatedMultibulkLength => "unauthenticated-multibulk-length",
            Self::UnauthenticatedBulkLength => "unauthenticated-bulk-length",
            Self::ExpectedCrlf => "expected-crlf",
        }
    }
}

impl fmt::Display for CommandErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = match self {
            Self::ExpectedDollar(got) => {
                return write!(
                    f,
                    "Protocol error: expected '$', got '{}'",
                    char::from(*got)
                );
            }
            Self::InvalidMultibulkLength => "invalid multibulk length",
            Self::InvalidBulkLength => "invalid bulk length",
            Self::TooBigInlineRequest => "too big inline request",
            Self::TooBigMbulkCount => "too big mbulk count string",
            Self::TooBigBulkCount => "too big bulk count string",
            Self::UnbalancedQuotes => "unbalanced quotes in request",
            Self::UnauthenticatedMultibulkLength => "unauthenticated multibulk length",
            Self::UnauthenticatedBulkLength => "unauthenticated bulk length",
            Self::ExpectedCrlf => "expected CRLF",
        };
        write!(f, "Protocol error: {text}")
    }
}

/// A malformed request as an IO error, for codecs and blocking servers:
/// kind [`InvalidData`](std::io::ErrorKind::InvalidData), with the command
/// error as its source (its `Display` is Redis's text, for the
/// `-ERR` reply a server sends before closing).
///
/// ```
/// use bytes::BytesMut;
/// use resp_core::{CommandDecoder, CommandError};
///
/// let mut buf = BytesMut::from(&b"*x\r\n"[..]);
/// let error = CommandDecoder::new().decode(&mut buf).unwrap_err();
/// let io = std::io::Error::from(error);
/// assert_eq!(io.kind(), std::io::ErrorKind::InvalidData);
/// assert_eq!(io.to_string(), "Protocol error: invalid multibulk length");
/// assert!(io.get_ref().unwrap().is::<CommandError>());
/// ```
#[cfg(feature = "std")]
impl From<CommandError> for std::io::Error {
    fn from(error: CommandError) -> Self {
        std::io::Error::new(std::io::ErrorKind::InvalidData, error)
    }
}
