//! [`Connection`]: one blocking connection to a Redis server, with
//! deadlines, driving the core's [`ClientConnection`] over any
//! `Read + Write`.

mod commands;
mod open;
mod pubsub;
mod transaction;
mod wire;

pub use commands::Commands;
pub use pubsub::{Message, Messages};

use crate::error::Error;
use crate::options::ClientOptions;
use crate::stream::Timeouts;
use bytes::{Bytes, BytesMut};
use resp_core::{
    Args, ClientConnection, CommandName, ConnectionConfig, ConnectionOptions, Frame, FromFrame,
    Pipeline, Protocol, ServerHello, pack_command,
};
use std::collections::VecDeque;
use std::io::{self, Read, Write};
use std::time::{Duration, Instant};
use wire::{Outcome, Wait};

/// Sets a stream's read and write timeouts, for streams that have them.
type SetTimeouts<S> = fn(&S, Option<Duration>, Option<Duration>) -> io::Result<()>;

/// Opens a new stream to the address of a config, by a deadline.
type Dial<S> = fn(&ConnectionConfig, &ClientOptions, Instant) -> Result<S, Error>;

/// How a broken connection opens another, and where it stands.
struct Redial<S> {
    config: ConnectionConfig,
    dial: Dial<S>,
    /// Whether the peer closed the stream, asked before writing after a
    /// silence ([`Timeouts::peer_closed`]).
    peer_closed: fn(&S) -> bool,
    /// Attempts since the last connection that got through its setup.
    attempts: u32,
    /// While no connection is up: when the next attempt is due.
    next_try: Option<Instant>,
}

/// A blocking connection to a Redis server.
///
/// Every call has a deadline: [`ClientOptions::response_timeout`] for its write
/// and its reply, or, for a blocking command such as `BLPOP key 2`, that
/// command's own timeout plus [`ClientOptions::blocking_margin`]. The setup
/// (connect, TLS, `HELLO 3` with its fallback to RESP2, `AUTH`, `SELECT`,
/// the client name) has one deadline of its own,
/// [`ClientOptions::connect_timeout`].
///
/// A call never returns half a reply, and never another call's. A call
/// that runs out of time fails with a timeout ([`Error::is_timeout`]) and
/// leaves the connection usable: its reply is read and dropped when it
/// comes, and the next call gets its own. When the connection breaks, a
/// connection from [`open`](Self::open) (or `connect`) opens another
/// within the call that found it broken ([`ClientOptions::reconnect`]),
/// sending again only what is safe: requests never written, and reads.
/// Everything else fails with [`Error::Connection`] (or [`Error::Io`]),
/// saying it may have run. Without reconnects, or once the attempts are
/// used up, the connection is closed ([`is_closed`](Self::is_closed)) and
/// every later call fails at once. When the server sends bytes that are
/// not RESP, the connection is closed. An error reply from the server
/// ([`Error::Server`]) breaks nothing.
///
/// A blocking command (`BLPOP`) runs on the connection itself: its caller
/// waits for it anyway, so there is no pool of connections as the async
/// client keeps; a timed-out blocking call leaves its reply to be read and
/// dropped, as any call does.
///
/// The conversation itself (the setup, which reply answers which request,
/// pushes, timeouts) is the core's [`ClientConnection`]; this type moves
/// its bytes. Replies are read into one buffer that is reused; their
/// payloads are slices of it, not copies.
///
/// ```no_run
/// use resp_core::Pipeline;
/// use resp_std::Connection;
///
/// let mut redis = Connection::connect("redis://127.0.0.1:6379")?;
/// redis.call::<()>(("SET", "counter", 1))?;
/// let n: i64 = redis.call(["INCR", "counter"])?;
/// assert_eq!(n, 2);
///
/// let mut pipeline = Pipeline::new();
/// pipeline.command(["GET", "counter"]).command(["HGET", "counter", "f"]);
/// let replies = redis.pipeline(&pipeline)?;
/// assert!(replies[1].is_error()); // WRONGTYPE, in its place; the rest is fine
/// # Ok::<(), resp_std::Error>(())
/// ```
pub struct Connection<S> {
    stream: S,
    timeouts: Option<SetTimeouts<S>>,
    /// The timeout last given to the stream, to skip setting it again.
    applied: Option<Option<Duration>>,
    core: ClientConnection,
    /// Where the core's clock starts.
    epoch: Instant,
    /// The IO error that broke the connection, for the call it fails.
    last_io: Option<io::Error>,
    /// When the stream last gave bytes (or was opened).
    last_read: Instant,
    /// Requests are packed here, one call at a time.
    output: BytesMut,
    options: ClientOptions,
    pushes: VecDeque<Message>,
    pushes_dropped: u64,
    redial: Option<Redial<S>>,
}

impl<S> std::fmt::Debug for Connection<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("protocol", &self.protocol())
            .field("broken", &self.core.is_closed())
            .field("pushes", &self.pushes.len())
            .finish_non_exhaustive()
    }
}

impl<S> Connection<S> {
    /// The protocol the connection speaks: RESP3 unless the server has
    /// none, or the configuration asked for RESP2.
    pub fn protocol(&self) -> Protocol {
        self.core.protocol()
    }

    /// The server's `HELLO` reply (its version, mode, role, the connection's
    /// id), when it gave one.
    pub fn server(&self) -> Option<&ServerHello> {
        self.core.server()
    }

    /// Whether an earlier error closed the connection; calls then fail at
    /// once, as they do on a closed `resp_tokio::Client`.
    pub fn is_closed(&self) -> bool {
        self.core.is_closed()
    }

    /// Pushes dropped because [`ClientOptions::push_buffer`] were waiting unread.
    pub fn pushes_dropped(&self) -> u64 {
        self.pushes_dropped
    }

    /// The stream.
    pub fn get_ref(&self) -> &S {
        &self.stream
    }

    /// Gives the stream back.
    pub fn into_inner(self) -> S {
        self.stream
    }

    /// Gives the stream back with the bytes already read from it but not
    /// yet decoded, for a caller that goes on reading the wire itself (as
    /// the `resp` tool does after the setup).
    pub fn into_parts(self) -> (S, BytesMut) {
        (self.stream, self.core.into_unread())
    }
}

impl<S: Read + Write> Connection<S> {
    /// Sets up a connection over `stream`, which is already connected.
    ///
    /// The deadlines are kept between reads, but a read that blocks is not
    /// cut short: use [`over_timed`](Self::over_timed) for a stream with
    /// timeouts, or give this one its own.
    ///
    /// ```
    /// use resp_core::{ConnectionConfig, Protocol};
    /// use resp_std::{Connection, ClientOptions};
    /// use std::io::{Cursor, Read, Write};
    ///
    /// /// Replies scripted in advance; what is written is kept.
    /// struct Scripted { replies: Cursor<Vec<u8>>, sent: Vec<u8> }
    /// impl Read for Scripted {
    ///     fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> { self.replies.read(buf) }
    /// }
    /// impl Write for Scripted {
    ///     fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> { self.sent.write(buf) }
    ///     fn flush(&mut self) -> std::io::Result<()> { Ok(()) }
    /// }
    ///
    /// // The server's HELLO reply, then its PONG.
    /// let replies = b"%1\r\n$5\r\nproto\r\n:3\r\n+PONG\r\n".to_vec();
    /// let stream = Scripted { replies: Cursor::new(replies), sent: Vec::new() };
    /// let config = ConnectionConfig::tcp("ignored", 0);
    /// let mut redis = Connection::over(stream, &config, ClientOptions::default())?;
    /// assert_eq!(redis.protocol(), Protocol::Resp3);
    /// assert_eq!(redis.call::<String>(["PING"])?, "PONG");
    /// assert!(redis.get_ref().sent.ends_with(b"*1\r\n$4\r\nPING\r\n"));
    /// # Ok::<(), resp_std::Error>(())
    /// ```
    pub fn over(
        stream: S,
        config: &ConnectionConfig,
        options: ClientOptions,
    ) -> Result<Self, Error> {
        Self::set_up(stream, None, config, options)
    }

    /// [`over`](Self::over) for a stream that can time its reads and
    /// writes out, so every deadline holds even against a server that
    /// stops answering.
    ///
    /// ```no_run
    /// use resp_core::ConnectionConfig;
    /// use resp_std::{Connection, ClientOptions};
    /// use std::net::TcpStream;
    ///
    /// // A socket set up by hand (through a SOCKS proxy, say), then handed over.
    /// let socket = TcpStream::connect("127.0.0.1:6379")?;
    /// let config = ConnectionConfig::tcp("127.0.0.1", 6379);
    /// let mut redis = Connection::over_timed(socket, &config, ClientOptions::default())?;
    /// # Ok::<(), resp_std::Error>(())
    /// ```
    pub fn over_timed(
        stream: S,
        config: &ConnectionConfig,
        options: ClientOptions,
    ) -> Result<Self, Error>
    where
        S: Timeouts,
    {
        Self::set_up(stream, Some(Timeouts::set_timeouts), config, options)
    }

    fn set_up(
        stream: S,
        timeouts: Option<SetTimeouts<S>>,
        config: &ConnectionConfig,
        options: ClientOptions,
    ) -> Result<Self, Error> {
        let deadline = Instant::now() + options.connect_timeout;
        Self::set_up_by(stream, timeouts, config, options, deadline)
    }

    pub(crate) fn set_up_by(
        stream: S,
        timeouts: Option<SetTimeouts<S>>,
        config: &ConnectionConfig,
        options: ClientOptions,
        deadline: Instant,
    ) -> Result<Self, Error> {
        let epoch = Instant::now();
        let mut core_options = ConnectionOptions::default();
        core_options.setup_timeout = deadline.saturating_duration_since(epoch);
        core_options.response_timeout = options.response_timeout;
        core_options.blocking_margin = options.blocking_margin;
        core_options.limits = options.limits;
        core_options.health_check = options.health_check;
        core_options.health_check_timeout = options.health_check_timeout;
        core_options.retry_reads = options.retry_reads;
        core_options.reconnect = options.reconnect;
        core_options.cache = options.cache;
        let mut connection = Self {
            stream,
            timeouts,
            applied: None,
            core: ClientConnection::new(config, core_options, Duration::ZERO),
            epoch,
            last_io: None,
            last_read: Instant::now(),
            output: BytesMut::new(),
            options,
            pushes: VecDeque::new(),
            pushes_dropped: 0,
            redial: None,
        };
        connection.drive(Wait::Ready, None)?;
        Ok(connection)
    }

    /// Sends one command and converts its reply; an error reply becomes
    /// [`Error::Server`].
    ///
    /// ```no_run
    /// let mut redis = resp_std::Connection::connect("redis://127.0.0.1")?;
    /// redis.call::<()>(("SET", "visits", 0))?;
    /// let visits: i64 = redis.call(["INCR", "visits"])?;
    /// let name: Option<String> = redis.call(["GET", "nobody"])?; // nil is None
    /// # Ok::<(), resp_std::Error>(())
    /// ```
    pub fn call<T: FromFrame>(&mut self, args: impl Args) -> Result<T, Error> {
        let command = CommandName::of(&args);
        convert(self.call_frame(args)?, command)
    }

    /// Sends one command and returns its reply as it came, error replies
    /// included.
    pub fn call_frame(&mut self, args: impl Args) -> Result<Frame, Error> {
        self.call_frame_within(args, self.options.response_timeout)
    }

    /// [`call_frame`](Self::call_frame) with a response timeout of its own
    /// (`None`: no limit), for a call known to be slow. A blocking command
    /// still gets at least its own timeout plus the margin.
    ///
    /// ```no_run
    /// use std::time::Duration;
    ///
    /// let mut redis = resp_std::Connection::connect("redis://127.0.0.1")?;
    /// let saved = redis.call_frame_within(["SAVE"], Some(Duration::from_secs(300)))?;
    /// # Ok::<(), resp_std::Error>(())
    /// ```
    pub fn call_frame_within(
        &mut self,
        args: impl Args,
        timeout: Option<Duration>,
    ) -> Result<Frame, Error> {
        // Packed into the connection's own buffer, kept for the next call.
        let mut packed = std::mem::take(&mut self.output);
        packed.clear();
        pack_command(&mut packed, args);
        let replies = self.round_trip(&packed, timeout);
        self.output = packed;
        replies?.pop().ok_or_else(Error::unexpected)
    }

    /// Sends every command of `pipeline` in one write and returns every
    /// reply in order. An error reply stays in its place and fails nothing
    /// else; check each with [`Frame::is_error`].
    ///
    /// The whole pipeline is written before its replies are read, which
    /// suits Redis (it buffers replies for a normal client without limit);
    /// against a server that stops reading until its replies are taken,
    /// send a very large pipeline in parts.
    pub fn pipeline(&mut self, pipeline: &Pipeline) -> Result<Vec<Frame>, Error> {
        self.round_trip(pipeline.as_bytes(), self.options.response_timeout)
    }

    /// [`pipeline`](Self::pipeline) with the replies converted as one,
    /// into a tuple (an element per command) or a vector, as a single call
    /// converts its reply. The first error reply fails it as
    /// [`Error::Server`]; [`pipeline`](Self::pipeline) shows each.
    ///
    /// ```no_run
    /// let mut redis = resp_std::Connection::connect("redis://127.0.0.1")?;
    /// let mut pipeline = resp_core::Pipeline::new();
    /// pipeline.command(("SET", "k", 1)).command(("INCR", "k")).command(("GET", "k"));
    /// let ((), counter, text): ((), i64, String) = redis.query(&pipeline)?;
    /// assert_eq!((counter, text.as_str()), (2, "2"));
    /// # Ok::<(), resp_std::Error>(())
    /// ```
    pub fn query<T: FromFrame>(&mut self, pipeline: &Pipeline) -> Result<T, Error> {
        let replies = self.pipeline(pipeline)?;
        if let Some(error) = replies.iter().find(|reply| reply.is_error()) {
            return Err(server_error(error));
        }
        convert(Frame::Array(replies), CommandName::of("a pipeline"))
    }

    /// Hands `packed` to the core and waits for its replies.
    fn round_trip(
        &mut self,
        packed: &[u8],
        timeout: Option<Duration>,
    ) -> Result<Vec<Frame>, Error> {
        if self.core.is_closed() {
            return Err(Error::closed());
        }
        self.check_idle_peer();
        let now = self.now();
        let token = self.core.send_packed_within(packed, timeout, now);
        self.wait_for(token)
    }

    /// Waits for the replies of request `token`.
    fn wait_for(&mut self, token: resp_core::Token) -> Result<Vec<Frame>, Error> {
        match self.drive(Wait::Replies(token), None)? {
            Outcome::Done(replies) => Ok(replies),
            Outcome::Push(_) | Outcome::TimedOut | Outcome::Streamed(_) => Err(Error::unexpected()),
        }
    }

    /// A read through the client-side cache ([`ClientOptions::cache`]): a
    /// kept reply comes back at once, with nothing sent; otherwise the
    /// command goes to the server and its reply is kept, unless a key it
    /// read was invalidated while it was on its way. This client's own
    /// writes evict their keys at once, before their replies.
    ///
    /// A blocking connection reads only while a call waits, so an
    /// invalidation the server sent since is read by the next call that
    /// goes to the server, not by a hit: a hit is as fresh as the
    /// connection's last read. Where that matters, use the async client,
    /// whose driver reads invalidations as they arrive.
    ///
    /// ```no_run
    /// use resp_core::CacheLimits;
    /// use resp_std::{ClientOptions, Connection};
    ///
    /// let mut options = ClientOptions::default();
    /// options.cache = Some(CacheLimits::default());
    /// let mut redis = Connection::open(&"redis://127.0.0.1".parse().unwrap(), options)?;
    /// let first: Option<String> = redis.call_cached(["GET", "greeting"])?; // from the server
    /// let again: Option<String> = redis.call_cached(["GET", "greeting"])?; // from the cache
    /// # Ok::<(), resp_std::Error>(())
    /// ```
    pub fn call_cached<T: FromFrame>(&mut self, args: impl Args) -> Result<T, Error> {
        let command = CommandName::of(&args);
        let mut request = std::mem::take(&mut self.output);
        request.clear();
        pack_command(&mut request, args);
        let replies = match self.core.cached_reply(&request) {
            Some(reply) => Ok(vec![reply]),
            None => {
                self.check_idle_peer();
                let now = self.now();
                let timeout = self.options.response_timeout;
                let token = self.core.send_reserved(&request, timeout, now);
                self.wait_for(token)
            }
        };
        self.output = request;
        convert(replies?.pop().ok_or_else(Error::unexpected)?, command)
    }

    /// What the client-side cache has done (hits, misses, what it holds);
    /// `None` without one.
    pub fn cache_stats(&self) -> Option<resp_core::CacheStats> {
        self.core.cache_stats()
    }

    /// Sends one command and writes its bulk reply's payload into `sink`
    /// as it arrives, in constant memory: a `GET` of a value of any size
    /// into a file costs about the read buffer, never the value. Returns
    /// the payload's length, or `None` for a nil reply; an error reply is
    /// [`Error::Server`]. The whole transfer runs within the response
    /// timeout. When the sink fails, the call fails with its error and the
    /// rest of the reply is read and dropped; the connection goes on.
    ///
    /// ```no_run
    /// let mut redis = resp_std::Connection::connect("redis://127.0.0.1")?;
    /// let mut file = std::fs::File::create("backup.bin")?;
    /// let written = redis.call_into(["GET", "big-value"], &mut file)?;
    /// println!("{written:?} bytes");
    /// # Ok::<(), resp_std::Error>(())
    /// ```
    pub fn call_into(
        &mut self,
        args: impl Args,
        sink: &mut dyn Write,
    ) -> Result<Option<u64>, Error> {
        if self.core.is_closed() {
            return Err(Error::closed());
        }
        let command = CommandName::of(&args);
        self.check_idle_peer();
        let now = self.now();
        let timeout = self.options.response_timeout;
        let token = self.core.send_streamed(args, timeout, now);
        match self.drive(Wait::Streamed(token), Some(&mut *sink))? {
            Outcome::Streamed(len) => {
                sink.flush()?;
                Ok(Some(len))
            }
            Outcome::Done(mut replies) => {
                let frame = replies.pop().ok_or_else(Error::unexpected)?;
                if frame.is_null() {
                    return Ok(None);
                }
                // A reply of another kind: its text, if it has one.
                let value: Bytes = convert(frame, command)?;
                sink.write_all(&value)?;
                sink.flush()?;
                Ok(Some(value.len() as u64))
            }
            Outcome::Push(_) | Outcome::TimedOut => Err(Error::unexpected()),
        }
    }

    /// Keeps a push that came while a call waited, for
    /// [`next_message`](Self::next_message).
    fn keep_push(&mut self, push: Message) {
        if self.pushes.len() >= self.options.push_buffer {
            self.pushes_dropped += 1;
        } else {
            self.pushes.push_back(push);
        }
    }
}

/// An error reply as [`Error::Server`], anything else converted.
pub(crate) fn convert<T: FromFrame>(frame: Frame, command: CommandName) -> Result<T, Error> {
    if frame.is_error() {
        return Err(server_error(&frame));
    }
    frame
        .convert()
        .map_err(|error| Error::Convert { command, error })
}

fn server_error(frame: &Frame) -> Error {
    Error::Server(
        frame
            .as_bytes()
            .map(Bytes::copy_from_slice)
            .unwrap_or_default(),
    )
}
