//! [`ServerCodec`]: the server side of a RESP connection, for
//! `Framed<TcpStream, ServerCodec>` or a connection loop of one's own.

use bytes::BytesMut;
use resp_core::{
    CommandDecoder, CommandError, EncodeError, Frame, Protocol, ReplyWriter, Request,
    ServerDetails, ServerSession, SessionAnswer,
};
use std::{fmt, io};
use tokio_util::codec::{Decoder, Encoder};

/// Reads client requests and writes replies, as a Redis server does.
///
/// Requests come out as owned [`Request`]s (multibulk and inline alike,
/// with Redis's limits and error texts), each sharing the read buffer. As
/// in Redis, the two bytes after a bulk argument are skipped unchecked, so
/// every malformed request gets the answer Redis gives it. The
/// codec reserves a big argument's buffer once, from the core's size hint,
/// so a 512 MiB `SET` is read without the buffer growing step by step.
///
/// Replies are written for the connection's protocol version: a RESP2
/// client gets maps as flat arrays, booleans as integers, doubles as bulk
/// strings. The codec holds the connection's [`ServerSession`], which
/// answers `HELLO`, `AUTH`, `CLIENT SETNAME`/`GETNAME`/`ID` and `QUIT` in
/// Redis's words ([`answer`](Self::answer)) and so decides the protocol
/// and whether the client has authenticated; until it has, a codec made
/// with [`requiring_auth`](Self::requiring_auth) applies Redis's tighter
/// pre-authentication limits.
///
/// Encoding only appends to the write buffer, so the replies to a pipeline
/// go out in one write when the caller flushes after the last request it
/// has buffered.
///
/// ```
/// use bytes::BytesMut;
/// use resp_core::{Protocol, ServerDetails, ServerHello};
/// use resp_tokio::{Reply, ServerCodec};
/// use tokio_util::codec::{Decoder, Encoder};
///
/// let hello = ServerHello::new(Protocol::Resp2);
/// let server = ServerDetails { password: None, hello: &hello };
/// let mut codec = ServerCodec::new();
/// let mut input = BytesMut::from(&b"HELLO 3\r\n*1\r\n$4\r\nPING\r\n"[..]);
/// let mut output = BytesMut::new();
/// while let Some(request) = codec.decode(&mut input)? {
///     if codec.answer(&request, &server, &mut output).is_none() {
///         codec.encode(Reply::new(|reply| reply.simple("PONG")), &mut output)?;
///     }
/// }
/// assert_eq!(codec.protocol(), Protocol::Resp3);
/// assert!(output.starts_with(b"%3\r\n$5\r\nproto\r\n:3\r\n$2\r\nid\r\n:0\r\n"));
/// assert!(output.ends_with(b"+PONG\r\n"));
/// # Ok::<(), std::io::Error>(())
/// ```
///
/// With `Framed`, feed each reply and flush only when no further request
/// is already buffered, so a pipeline's replies leave in one write; on a
/// malformed request, flush, send Redis's answer and close:
///
/// ```no_run
/// use futures_util::{FutureExt, SinkExt, StreamExt};
/// use resp_core::Frame;
/// use resp_tokio::{Reply, ServerCodec};
/// use tokio::io::AsyncWriteExt;
/// use tokio::net::TcpStream;
/// use tokio_util::codec::Framed;
///
/// async fn serve(stream: TcpStream) -> std::io::Result<()> {
///     let mut framed = Framed::new(stream, ServerCodec::new());
///     loop {
///         let next = match framed.next().now_or_never() {
///             Some(next) => next,
///             None => {
///                 SinkExt::<Frame>::flush(&mut framed).await?;
///                 framed.next().await
///             }
///         };
///         match next {
///             Some(Ok(_request)) => framed.feed(Reply::new(|reply| reply.simple("PONG"))).await?,
///             Some(Err(error)) => {
///                 SinkExt::<Frame>::flush(&mut framed).await?;
///                 if let Some(reply) = error.protocol_error_reply() {
///                     framed.get_mut().write_all(&reply).await?;
///                 }
///                 return Ok(());
///             }
///             None => return Ok(()),
///         }
///     }
/// }
/// ```
#[derive(Debug)]
pub struct ServerCodec {
    requests: CommandDecoder,
    session: ServerSession,
    /// Whether the decoder has the limits for an authenticated client.
    limits_authenticated: bool,
}

impl Default for ServerCodec {
    fn default() -> Self {
        Self::new()
    }
}

impl ServerCodec {
    /// A codec for a server without a password: Redis's limits, RESP2
    /// replies until the client switches.
    pub fn new() -> Self {
        Self::with_session(ServerSession::new(0, false))
    }

    /// A codec for a server with a password: Redis's pre-authentication
    /// limits (10 arguments, 16 KiB bulks) until the client authenticates.
    pub fn requiring_auth() -> Self {
        Self::with_session(ServerSession::new(0, true))
    }

    /// A codec for the connection whose session is `session` (its id,
    /// and whether a password is required).
    pub fn with_session(session: ServerSession) -> Self {
        Self {
            requests: CommandDecoder::with_limits(session.command_limits())
                .skipping_bulk_terminators(),
            limits_authenticated: session.is_authenticated(),
            session,
        }
    }

    /// The connection's session.
    pub fn session(&self) -> &ServerSession {
        &self.session
    }

    /// The connection's session, for a server that answers its commands
    /// itself; the request limits follow it from the next request on.
    pub fn session_mut(&mut self) -> &mut ServerSession {
        &mut self.session
    }

    /// The protocol replies are written in.
    pub fn protocol(&self) -> Protocol {
        self.session.protocol()
    }

    /// Whether the connection has authenticated (always, without a password).
    pub fn is_authenticated(&self) -> bool {
        self.session.is_authenticated()
    }

    /// Answers `request` into `dst` if it is the session's to answer
    /// ([`ServerSession::answer`]); `None`, with nothing written, otherwise.
    pub fn answer(
        &mut self,
        request: &Request,
        server: &ServerDetails<'_>,
        dst: &mut BytesMut,
    ) -> Option<SessionAnswer> {
        let mut writer = ReplyWriter::new(dst, self.session.protocol());
        self.session.answer(&request.command(), server, &mut writer)
    }

    /// A writer for one reply into `dst`, in the connection's protocol, for
    /// a connection loop that writes replies itself.
    pub fn writer<'a>(&self, dst: &'a mut BytesMut) -> ReplyWriter<&'a mut BytesMut> {
        ReplyWriter::new(dst, self.session.protocol())
    }
}

impl Decoder for ServerCodec {
    type Item = Request;
    type Error = ServerError;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Request>, ServerError> {
        if self.limits_authenticated != self.session.is_authenticated() {
            self.limits_authenticated = self.session.is_authenticated();
            self.requests.set_limits(self.session.command_limits());
        }
        match self.requests.decode(src) {
            Ok(Some(command)) => Ok(Some(command.to_request())),
            Ok(None) => {
                if let Some(needed) = self.requests.bytes_needed() {
                    src.reserve(needed);
                }
                Ok(None)
            }
            Err(error) => Err(ServerError::Protocol(error)),
        }
    }
}

/// A reply written straight into the write buffer by a closure, with no
/// value built first.
///
/// ```
/// use resp_tokio::Reply;
///
/// let reply = Reply::new(|reply| {
///     reply.array(2);
///     reply.bulk("a");
///     reply.integer(1);
///     Ok(())
/// });
/// # let _ = reply;
/// ```
pub struct Reply<F>(F);

impl<F> Reply<F>
where
    F: for<'a> FnOnce(&mut ReplyWriter<&'a mut BytesMut>) -> Result<(), EncodeError>,
{
    /// A reply that `write` writes.
    pub fn new(write: F) -> Self {
        Self(write)
    }
}

impl<F> fmt::Debug for Reply<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Reply(..)")
    }
}

impl<F> Encoder<Reply<F>> for ServerCodec
where
    F: for<'a> FnOnce(&mut ReplyWriter<&'a mut BytesMut>) -> Result<(), EncodeError>,
{
    type Error = ServerError;

    fn encode(&mut self, reply: Reply<F>, dst: &mut BytesMut) -> Result<(), ServerError> {
        let mut writer = ReplyWriter::new(dst, self.session.protocol());
        (reply.0)(&mut writer).map_err(ServerError::Encode)
    }
}

impl Encoder<&Frame> for ServerCodec {
    type Error = ServerError;

    fn encode(&mut self, frame: &Frame, dst: &mut BytesMut) -> Result<(), ServerError> {
        ReplyWriter::new(dst, self.session.protocol())
            .frame(frame)
            .map_err(ServerError::Encode)
    }
}

impl Encoder<Frame> for ServerCodec {
    type Error = ServerError;

    fn encode(&mut self, frame: Frame, dst: &mut BytesMut) -> Result<(), ServerError> {
        self.encode(&frame, dst)
    }
}

/// What can go wrong on a server connection.
#[derive(Debug)]
#[non_exhaustive]
pub enum ServerError {
    /// The client sent a malformed request. Redis answers
    /// [`protocol_error_reply`](Self::protocol_error_reply) and closes the
    /// connection.
    Protocol(CommandError),
    /// A reply could not be encoded (a simple string with a line break).
    Encode(EncodeError),
    /// Reading or writing failed.
    Io(io::Error),
}

impl ServerError {
    /// For a malformed request, the reply Redis sends before it closes the
    /// connection: `-ERR Protocol error: …`.
    ///
    /// ```
    /// use bytes::BytesMut;
    /// use resp_tokio::ServerCodec;
    /// use tokio_util::codec::Decoder;
    ///
    /// let mut input = BytesMut::from(&b"*1\r\n$x\r\n"[..]);
    /// let error = ServerCodec::new().decode(&mut input).unwrap_err();
    /// assert_eq!(error.protocol_error_reply().unwrap(), b"-ERR Protocol error: invalid bulk length\r\n");
    /// ```
    pub fn protocol_error_reply(&self) -> Option<Vec<u8>> {
        match self {
            Self::Protocol(error) => Some(format!("-ERR {error}\r\n").into_bytes()),
            _ => None,
        }
    }
}

impl fmt::Display for ServerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Protocol(error) => error.fmt(f),
            Self::Encode(error) => error.fmt(f),
            Self::Io(error) => error.fmt(f),
        }
    }
}

impl std::error::Error for ServerError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Protocol(error) => Some(error),
            Self::Encode(error) => Some(error),
            Self::Io(error) => Some(error),
        }
    }
}

impl From<io::Error> for ServerError {
    fn from(error: io::Error) -> Self {
        Self::Io(error)
    }
}

impl From<ServerError> for io::Error {
    fn from(error: ServerError) -> Self {
        match error {
            ServerError::Protocol(error) => error.into(),
            ServerError::Encode(error) => io::Error::new(io::ErrorKind::InvalidInput, error),
            ServerError::Io(error) => error,
        }
    }
}
