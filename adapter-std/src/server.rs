//! [`ServerConnection`]: the server's side of one connection on a blocking
//! stream, for a thread-per-connection server.

use crate::buffer::read_into;
use bytes::BytesMut;
use resp_core::{
    CommandDecoder, Protocol, ReplyWriter, Request, ServerDetails, ServerSession, SessionAnswer,
};
use std::io::{self, ErrorKind, Read, Write};

/// Reads client requests from a blocking stream and writes replies in the
/// client's protocol version, as a Redis server does.
///
/// Requests come out as owned [`Request`]s (multibulk and inline alike,
/// with Redis's limits). Replies are written with [`reply`](Self::reply)
/// into a buffer that goes out when the next read would block, so the
/// replies to a pipeline leave in one write. A malformed request gets
/// Redis's `-ERR Protocol error: …` (after the replies before it), and
/// then [`next_request`](Self::next_request) fails with
/// [`InvalidData`](io::ErrorKind::InvalidData): close the connection, as
/// Redis does.
///
/// The connection holds the client's [`ServerSession`], which answers
/// `HELLO`, `AUTH`, `CLIENT SETNAME`/`GETNAME`/`ID` and `QUIT` in Redis's
/// words ([`answer`](Self::answer)) and so decides the protocol and the
/// request limits.
///
/// ```
/// use resp_core::{Protocol, ServerDetails, ServerHello};
/// use resp_std::ServerConnection;
/// use std::io::{Read, Write};
///
/// /// A client's requests read from a slice; the replies kept.
/// struct Client { requests: &'static [u8], replies: Vec<u8> }
/// impl Read for Client {
///     fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> { self.requests.read(buf) }
/// }
/// impl Write for Client {
///     fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> { self.replies.write(buf) }
///     fn flush(&mut self) -> std::io::Result<()> { Ok(()) }
/// }
///
/// let hello = ServerHello::new(Protocol::Resp2);
/// let server = ServerDetails { password: None, hello: &hello };
/// let client = Client { requests: b"HELLO 3\r\nPING\r\n", replies: Vec::new() };
/// let mut connection = ServerConnection::new(client);
/// while let Some(request) = connection.next_request()? {
///     if connection.answer(&request, &server).is_none() {
///         connection.reply().simple("PONG")?;
///     }
/// }
/// let replies = &connection.get_ref().replies;
/// assert!(replies.starts_with(b"%3\r\n$5\r\nproto\r\n:3\r\n$2\r\nid\r\n:0\r\n"));
/// assert!(replies.ends_with(b"+PONG\r\n"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct ServerConnection<S> {
    stream: S,
    input: BytesMut,
    requests: CommandDecoder,
    replies: ReplyWriter<BytesMut>,
    session: ServerSession,
    /// Whether the decoder has the limits for an authenticated client.
    limits_authenticated: bool,
}

impl<S: Read + Write> ServerConnection<S> {
    /// The server side of `stream`, for a server without a password:
    /// Redis's limits, RESP2 replies until the client switches.
    pub fn new(stream: S) -> Self {
        Self::with_session(stream, ServerSession::new(0, false))
    }

    /// For a server with a password: Redis's pre-authentication limits (10
    /// arguments, 16 KiB bulks) until the client authenticates.
    pub fn requiring_auth(stream: S) -> Self {
        Self::with_session(stream, ServerSession::new(0, true))
    }

    /// The server side of `stream`, whose session is `session` (its id,
    /// and whether a password is required).
    pub fn with_session(stream: S, session: ServerSession) -> Self {
        Self {
            stream,
            input: BytesMut::new(),
            requests: CommandDecoder::with_limits(session.command_limits())
                .skipping_bulk_terminators(),
            replies: ReplyWriter::new(BytesMut::new(), session.protocol()),
            limits_authenticated: session.is_authenticated(),
            session,
        }
    }

    /// The connection's session.
    pub fn session(&self) -> &ServerSession {
        &self.session
    }

    /// Answers `request` if it is the session's to answer
    /// ([`ServerSession::answer`]); `None`, with nothing written, otherwise.
    pub fn answer(
        &mut self,
        request: &Request,
        server: &ServerDetails<'_>,
    ) -> Option<SessionAnswer> {
        let answer = self
            .session
            .answer(&request.command(), server, &mut self.replies);
        if self.limits_authenticated != self.session.is_authenticated() {
            self.limits_authenticated = self.session.is_authenticated();
            self.requests.set_limits(self.session.command_limits());
        }
        answer
    }

    /// The next request, or `None` once the client has closed the
    /// connection between requests. The replies written so far are sent
    /// before any read that would wait.
    ///
    /// A malformed request, or a stream that ends inside a request, is an
    /// error; Redis's error reply to a malformed one has been sent.
    pub fn next_request(&mut self) -> io::Result<Option<Request>> {
        loop {
            match self.requests.decode(&mut self.input) {
                Ok(Some(command)) => return Ok(Some(command.to_request())),
                Ok(None) => {}
                Err(error) => {
                    let _ = self.replies.error(format!("ERR {error}"));
                    self.flush()?;
                    return Err(error.into());
                }
            }
            self.flush()?;
            let needed = self.requests.bytes_needed();
            match read_into(&mut self.stream, &mut self.input, needed) {
                Ok(0) if self.input.is_empty() && self.requests.is_idle() => return Ok(None),
                Ok(0) => {
                    return Err(io::Error::new(
                        ErrorKind::UnexpectedEof,
                        "the client closed the connection inside a request",
                    ));
                }
                Ok(_) => {}
                Err(error) if error.kind() == ErrorKind::Interrupted => {}
                Err(error) => return Err(error),
            }
        }
    }

    /// Where replies are written, in the connection's protocol; they are
    /// sent by the next [`next_request`](Self::next_request) that would
    /// wait, or by [`flush`](Self::flush).
    pub fn reply(&mut self) -> &mut ReplyWriter<BytesMut> {
        &mut self.replies
    }

    /// Sends the replies written so far.
    pub fn flush(&mut self) -> io::Result<()> {
        let pending = self.replies.get_mut();
        if !pending.is_empty() {
            self.stream.write_all(pending)?;
            pending.clear();
        }
        self.stream.flush()
    }

    /// The protocol replies are written in.
    pub fn protocol(&self) -> Protocol {
        self.replies.protocol()
    }

    /// Whether the connection has authenticated (always, without a password).
    pub fn is_authenticated(&self) -> bool {
        self.session.is_authenticated()
    }

    /// The stream.
    pub fn get_ref(&self) -> &S {
        &self.stream
    }

    /// Gives the stream back; replies not yet sent are dropped.
    pub fn into_inner(self) -> S {
        self.stream
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Requests from a slice, read in pieces of `piece` bytes; every write
    /// kept apart.
    struct Client {
        requests: &'static [u8],
        piece: usize,
        writes: Vec<Vec<u8>>,
    }

    impl Read for Client {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = self.piece.min(buf.len()).min(self.requests.len());
            buf[..n].copy_from_slice(&self.requests[..n]);
            self.requests = &self.requests[n..];
            Ok(n)
        }
    }

    impl Write for Client {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.writes.push(buf.to_vec());
            Ok(buf.len())
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    fn serve(requests: &'static [u8], piece: usize) -> (io::Result<()>, Vec<Vec<u8>>) {
        let mut connection = ServerConnection::new(Client {
            requests,
            piece,
            writes: Vec::new(),
        });
        let result = loop {
            match connection.next_request() {
                Ok(Some(request)) => connection.reply().bulk(request.name()),
                Ok(None) => break Ok(()),
                Err(error) => break Err(error),
            }
        };
        (result, connection.into_inner().writes)
    }

    #[test]
    fn a_pipeline_read_at_once_is_answered_in_one_write() {
        let (result, writes) = serve(b"PING\r\nECHO a\r\n*1\r\n$3\r\nGET\r\n", 1024);
        assert!(result.is_ok());
        assert_eq!(
            writes,
            [b"$4\r\nPING\r\n$4\r\nECHO\r\n$3\r\nGET\r\n".to_vec()]
        );
    }

    #[test]
    fn requests_in_pieces_are_the_same_requests() {
        let (result, writes) = serve(b"PING\r\n*2\r\n$4\r\nECHO\r\n$1\r\na\r\n", 1);
        assert!(result.is_ok());
        assert_eq!(writes.concat(), b"$4\r\nPING\r\n$4\r\nECHO\r\n");
    }

    #[test]
    fn an_end_inside_a_request_is_an_error_after_the_replies_before_it() {
        let (result, writes) = serve(b"PING\r\n*2\r\n$4\r\nEC", 3);
        assert_eq!(result.unwrap_err().kind(), ErrorKind::UnexpectedEof);
        assert_eq!(writes.concat(), b"$4\r\nPING\r\n");
    }

    #[test]
    fn before_authentication_the_tighter_limits_hold() {
        let mut connection = ServerConnection::requiring_auth(Client {
            requests: b"*11\r\n",
            piece: 64,
            writes: Vec::new(),
        });
        let error = connection.next_request().unwrap_err();
        assert_eq!(error.kind(), ErrorKind::InvalidData);
        assert_eq!(
            connection.into_inner().writes.concat(),
            b"-ERR Protocol error: unauthenticated multibulk length\r\n"
        );
    }
}
