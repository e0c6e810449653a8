//! [`ServerCodec`]: the server side of a RESP connection, for
//! `Framed<TcpStream, ServerCodec>` or a connection loop of one's own.

use bytes::BytesMut;
use resp_core::{
    CommandDecoder, CommandError, CommandLimits, EncodeError, Frame, Protocol, ReplyWriter, Request,
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
/// strings. The server decides when that version changes (a `HELLO 3` it
/// accepted) and when the connection has authenticated, and tells the
/// codec with [`set_protocol`](Self::set_protocol) and
/// [`set_authenticated`](Self::set_authenticated); until then a codec made
/// with [`requiring_auth`](Self::requiring_auth) applies Redis's tighter
/// pre-authentication limits.
///
/// Encoding only appends to the write buffer, so the replies to a pipeline
/// go out in one write when the caller flushes after the last request it
/// has buffered.
///
/// ```
/// use bytes::BytesMut;
/// use resp_core::Protocol;
/// use resp_tokio::{Reply, ServerCodec};
/// use tokio_util::codec::{Decoder, Encoder};
///
/// let mut codec = ServerCodec::new();
/// let mut input = BytesMut::from(&b"HELLO 3\r\n*1\r\n$4\r\nPING\r\n"[..]);
/// let mut output = BytesMut::new();
/// while let Some(request) = codec.decode(&mut input)? {
///     if request.name().eq_ignore_ascii_case(b"HELLO") {
///         codec.set_protocol(Protocol::Resp3);
///         codec.encode(Reply::new(|reply| {
///             reply.map(1);
///             reply.bulk("proto");
///             reply.integer(3);
///             Ok(())
///         }), &mut output)?;
///     } else {
///         codec.encode(Reply::new(|reply| reply.simple("PONG")), &mut output)?;
///     }
/// }
/// assert_eq!(&output[..], b"%1\r\n$5\r\nproto\r\n:3\r\n+PONG\r\n");
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
    protocol: Protocol,
    authenticated: bool,
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
        Self {
            requests: CommandDecoder::with_limits(CommandLimits::redis())
                .skipping_bulk_terminators(),
            protocol: Protocol::Resp2,
            authenticated: true,
        }
    }

    /// A codec for a server with a password: Redis's pre-authentication
    /// limits (10 arguments, 16 KiB bulks) until
    /// [`set_authenticated`](Self::set_authenticated).
    pub fn requiring_auth() -> Self {
        let mut codec = Self::new();
        codec.set_authenticated(false);
        codec
    }

    /// The protocol replies are written in.
    pub fn protocol(&self) -> Protocol {
        self.protocol
    }

    /// Switches the replies' protocol, once the server has accepted a
    /// `HELLO 2` or `HELLO 3`. The reply to that `HELLO` is already in the
    /// new protocol.
    pub fn set_protocol(&mut self, protocol: Protocol) {
        self.protocol = protocol;
    }

    /// Whether the connection has authenticated (always, without a password).
    pub fn is_authenticated(&self) -> bool {
        self.authenticated
    }

    /// Records the outcome of `AUTH` or `HELLO … AUTH`: the full limits
    /// apply from the next request on, or the pre-authentication ones again.
    pub fn set_authenticated(&mut self, authenticated: bool) {
        self.authenticated = authenticated;
        self.requests
            .set_limits(CommandLimits::redis_for(authenticated));
    }

    /// A writer for one reply into `dst`, in the connection's protocol, for
    /// a connection loop that writes replies itself.
    pub fn writer<'a>(&self, dst: &'a mut BytesMut) -> ReplyWriter<&'a mut BytesMut> {
        ReplyWriter::new(dst, self.protocol)
    }
}

impl Decoder for ServerCodec {
    type Item = Request;
    type Error = ServerError;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Request>, ServerError> {
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
        let mut writer = ReplyWriter::new(dst, self.protocol);
        (reply.0)(&mut writer).map_err(ServerError::Encode)
    }
}

impl Encoder<&Frame> for ServerCodec {
    type Error = ServerError;

    fn encode(&mut self, frame: &Frame, dst: &mut BytesMut) -> Result<(), ServerError> {
        ReplyWriter::new(dst, self.protocol)
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
