//! [`ClientConnection`]: one client connection's whole conversation, with
//! no IO and no clock.

mod backoff;
mod cache;
mod error;
mod event;
mod health;
mod options;
mod streamed;

pub use backoff::Backoff;
pub use cache::{CacheLimits, CacheStats};
pub use error::{ConnectionError, ErrorCause};
pub use event::{ConnectionEvent, Token};
pub use options::ConnectionOptions;

use super::blocking::{BlockingWait, blocking_wait};
use super::config::ConnectionConfig;
use super::handshake::Handshake;
use super::packed::packed_commands;
use super::session::{Routed, Session};
use crate::decode::Decoder;
use crate::encode::{Args, Pipeline, pack_command};
use crate::frame::Frame;
use crate::hello::ServerHello;
use crate::protocol::Protocol;
use crate::split::{FrameSplitter, Split};
use crate::table::{ArgList, CommandFlags, CommandSpec};
use alloc::collections::{BinaryHeap, VecDeque};
use alloc::vec::Vec;
use bytes::{Buf, BytesMut};
use cache::TrackingCache;
use core::cmp::Reverse;
use core::time::Duration;
use health::{Check, Health};
use streamed::{Step, StreamedBulk};

/// The most bytes of written requests kept so that reads can go again on
/// a new connection ([`ClientConnection::reconnect`]); requests written
/// beyond it are not sent again. A server that stops answering must not
/// make the client hold everything written to it since.
const KEPT_FOR_RETRY: usize = 1 << 20;

/// A client connection's conversation, sans IO: the setup (`HELLO 3` with
/// its RESP2 fallback, `AUTH`, `SELECT`, the name), the requests in flight
/// and which reply answers which, pushes and subscriptions, timeouts,
/// callers that gave up, and what a broken connection means for each
/// request.
///
/// The adapter moves bytes and counts time; everything else is decided
/// here. Requests go in ([`send`](Self::send), [`send_pipeline`](Self::send_pipeline),
/// [`send_raw`](Self::send_raw)) and get a [`Token`]; bytes to write come
/// out of [`transmit`](Self::transmit), and the adapter says how many it
/// wrote ([`written`](Self::written)), so the connection knows which
/// requests reached the wire. Bytes read go in ([`receive`](Self::receive)),
/// [`handle_timeout`](Self::handle_timeout) runs at
/// [`next_deadline`](Self::next_deadline), and [`ConnectionEvent`]s come out of
/// [`poll_event`](Self::poll_event). `now` is whatever monotonic clock the
/// adapter keeps, as a `Duration` since any fixed point.
///
/// ```
/// use core::time::Duration;
/// use resp_core::{ClientConnection, ConnectionConfig, ConnectionEvent, ConnectionOptions, Frame};
///
/// let config: ConnectionConfig = "redis://127.0.0.1?protocol=2".parse().unwrap();
/// let now = Duration::ZERO;
/// let mut connection = ClientConnection::new(&config, ConnectionOptions::default(), now);
/// assert!(matches!(connection.poll_event(), Some(ConnectionEvent::Ready { .. })));
///
/// let get = connection.send(("GET", "k"), now);
/// assert_eq!(connection.transmit(), b"*2\r\n$3\r\nGET\r\n$1\r\nk\r\n");
/// connection.written(connection.transmit().len());
///
/// connection.receive(b"$5\r\nhello\r\n");
/// assert_eq!(
///     connection.poll_event(),
///     Some(ConnectionEvent::Replies { token: get, replies: vec![Frame::from("hello")] })
/// );
/// ```
#[derive(Debug)]
pub struct ClientConnection {
    options: ConnectionOptions,
    /// The setup still running, and when it must be done by (no deadline
    /// while a reconnecting adapter has no stream yet).
    setup: Option<(Handshake, Option<Duration>)>,
    health: Health,
    /// How many bytes of `input` were there when the last reply was read:
    /// more means the server said something.
    input_seen: usize,
    /// The health check found the server gone; the adapter replaces the
    /// connection ([`reconnect`](Self::reconnect)).
    broken: Option<ErrorCause>,
    /// Made by [`reconnect`](Self::reconnect): a setup that runs out of
    /// time breaks it (the adapter tries again) rather than closing it.
    renewed: bool,
    /// Where the setup's readiness `PING` stands (only on a renewed
    /// connection: a restarted server accepts connections while it loads
    /// its data, and answers every command but the setup's with `LOADING`).
    ready_probe: SetupStep,
    /// Client-side caching ([`ConnectionOptions::cache`]), and where its
    /// `CLIENT TRACKING on` stands in the setup.
    cache: Option<TrackingCache>,
    tracking: SetupStep,
    /// On RESP2: the id of the connection the server sends this one's
    /// invalidations to ([`track_redirected`](Self::track_redirected)).
    redirect: Option<i64>,
    server: Option<ServerHello>,
    session: Session,
    decoder: Decoder,
    /// For a raw connection: where each reply's bytes end.
    splitter: Option<FrameSplitter>,
    /// A raw connection's frame in progress (what is left of it once its
    /// first bytes were handed on).
    raw_frame: BytesMut,
    /// The type byte the frame in progress began with.
    raw_frame_type: Option<u8>,
    /// How many bytes at the front of `input` are whole replies to the
    /// front request, left there until it is done so that a pipeline's
    /// replies leave the buffer in one piece.
    raw_run: usize,
    input: BytesMut,
    /// The front request's bulk reply on its way out in parts, for a
    /// request sent with [`send_streamed`](ClientConnection::send_streamed).
    streamed: StreamedBulk,
    /// Bytes not yet written; the first is at stream offset `transmit_start`.
    transmit: BytesMut,
    transmit_start: u64,
    /// Bytes written whose requests are not yet answered, from stream
    /// offset `sent_start` to `transmit_start`: what a new connection may
    /// send again ([`ConnectionOptions::retry_reads`]).
    sent: BytesMut,
    sent_start: u64,
    /// Requests on their way or on the wire, in order.
    pending: VecDeque<Pending>,
    /// How many of `pending`, from the front, have their commands recorded
    /// with the session (those whose first byte was written).
    recorded: usize,
    /// Requests queued before the setup finished, to go out after it.
    held: VecDeque<(Pending, BytesMut)>,
    /// The deadlines of requests on the wire's queue, soonest first; those
    /// of requests since answered or given up are dropped when they surface.
    deadlines: BinaryHeap<Reverse<(Duration, Token)>>,
    events: VecDeque<ConnectionEvent>,
    closed: bool,
    next_token: u64,
}

/// A step the connection adds to the handshake's setup: `CLIENT TRACKING`
/// for the cache, and the readiness `PING` of a renewed connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SetupStep {
    /// Not part of this setup, or answered.
    None,
    /// To send once the handshake (and any step before it) is done.
    Due,
    /// Sent; its answer decides.
    Sent,
}

/// A request whose replies are still due.
#[derive(Debug)]
struct Pending {
    token: Token,
    /// Where its bytes start and end in the outgoing stream.
    start: u64,
    end: u64,
    /// For a raw request, each command's name and argument count, since its
    /// bytes may be in any request form.
    raw_commands: Option<Vec<(BytesMut, usize)>>,
    /// Whether a command of it (un)subscribes, so the session must see
    /// each by name; otherwise only their count.
    by_name: bool,
    /// Replies still due.
    due: usize,
    /// Its commands: the replies due when it is sent.
    commands: usize,
    replies: Vec<Frame>,
    raw_replies: BytesMut,
    deadline: Option<Duration>,
    /// Its caller gave up, or it failed: its replies are read and dropped.
    gone: bool,
    /// A command of it blocks: the server may rightly say nothing for long.
    blocks: bool,
    /// It was written on a connection that broke, and goes again: it may
    /// have run whatever happens to it here.
    written_before: bool,
    /// Its bulk reply is handed on in parts ([`ConnectionEvent::ReplyPart`]).
    streamed: bool,
    /// Parts of its reply were handed on: it cannot go again.
    parts_given: bool,
    /// The connection's own `CLIENT TRACKING … REDIRECT id`: an OK turns
    /// the cache on while `id` is still the one named, and nobody else
    /// hears of it.
    starts_cache: Option<i64>,
}

impl ClientConnection {
    /// A connection set up as `config` says, its setup's first request
    /// ready to write. `now` starts the setup's clock.
    pub fn new(config: &ConnectionConfig, options: ConnectionOptions, now: Duration) -> Self {
        Self::starting(config, options, now, SetupStep::None, None)
    }

    /// A connection whose setup starts now: with a readiness `PING` at its
    /// end (a renewed connection), and its RESP2 tracking redirected to
    /// `redirect`.
    fn starting(
        config: &ConnectionConfig,
        options: ConnectionOptions,
        now: Duration,
        ready_probe: SetupStep,
        redirect: Option<i64>,
    ) -> Self {
        let handshake = Handshake::new(config);
        let mut connection = Self {
            decoder: Decoder::with_limits(options.limits),
            setup: Some((handshake, now.checked_add(options.setup_timeout))),
            health: Health::new(
                options.health_check,
                options.health_check_timeout,
                Some(now),
            ),
            input_seen: 0,
            broken: None,
            renewed: false,
            ready_probe,
            cache: options.cache.map(TrackingCache::new),
            tracking: if options.cache.is_some() {
                SetupStep::Due
            } else {
                SetupStep::None
            },
            redirect,
            options,
            server: None,
            session: Session::new(Protocol::Resp2),
            splitter: None,
            raw_frame: BytesMut::new(),
            raw_frame_type: None,
            raw_run: 0,
            input: BytesMut::new(),
            streamed: StreamedBulk::default(),
            transmit: BytesMut::new(),
            transmit_start: 0,
            sent: BytesMut::new(),
            sent_start: 0,
            pending: VecDeque::new(),
            recorded: 0,
            held: VecDeque::new(),
            deadlines: BinaryHeap::new(),
            events: VecDeque::new(),
            closed: false,
            next_token: 0,
        };
        connection.next_setup_step();
        connection
    }

    /// [`new`](Self::new) for a proxy's upstream connection: replies come
    /// back as their bytes ([`ConnectionEvent::RawReplies`], [`ConnectionEvent::RawPush`]),
    /// never built into frames beyond what routing needs.
    pub fn new_raw(config: &ConnectionConfig, options: ConnectionOptions, now: Duration) -> Self {
        let mut connection = Self::starting(config, options, now, SetupStep::None, None);
        connection.make_raw();
        connection
    }

    fn make_raw(&mut self) {
        // Payloads over the pass-on size are taken as they arrive, so
        // their bytes can be handed on before they are whole.
        let threshold = self.options.raw_pass_on as u64;
        self.splitter =
            Some(FrameSplitter::with_limits(self.options.limits).with_chunk_threshold(threshold));
    }

    /// Queues one command, packed straight into the transmit buffer; its
    /// reply comes as [`ConnectionEvent::Replies`] with one frame.
    pub fn send(&mut self, args: impl Args, now: Duration) -> Token {
        let timeout = self.options.response_timeout;
        self.send_within(args, timeout, now)
    }

    /// [`send`](Self::send) with a response timeout of its own (`None`: no
    /// limit) in place of the options', for a request known to be slow;
    /// blocking commands still add their waits.
    pub fn send_within(
        &mut self,
        args: impl Args,
        timeout: Option<Duration>,
        now: Duration,
    ) -> Token {
        self.queue(|out| pack_command(out, args), timeout, now)
    }

    /// Queues one command whose bulk reply is handed on in parts as it
    /// arrives ([`ConnectionEvent::ReplyPart`]), never held whole: a `GET`
    /// of a value of any size, streamed into a file or a socket in constant
    /// memory. The request then ends with
    /// [`ConnectionEvent::StreamedReply`] with the payload's length. A
    /// reply that is not a bulk string (a null, an error) comes as it is,
    /// in [`ConnectionEvent::Replies`], with no parts. Once parts were handed on, the request never goes again
    /// after a reconnect.
    ///
    /// ```
    /// use core::time::Duration;
    /// use resp_core::{ClientConnection, ConnectionConfig, ConnectionEvent, ConnectionOptions, Frame};
    ///
    /// let config: ConnectionConfig = "redis://127.0.0.1?protocol=2".parse().unwrap();
    /// let now = Duration::ZERO;
    /// let mut connection = ClientConnection::new(&config, ConnectionOptions::default(), now);
    /// connection.poll_event(); // Ready
    /// let get = connection.send_streamed(("GET", "big"), None, now);
    /// connection.written(connection.transmit().len());
    /// connection.receive(b"$11\r\nhello ");
    /// connection.receive(b"world\r\n");
    /// let events: Vec<_> = std::iter::from_fn(|| connection.poll_event()).collect();
    /// assert_eq!(events, [
    ///     ConnectionEvent::ReplyPart { token: get, bytes: b"hello "[..].into() },
    ///     ConnectionEvent::ReplyPart { token: get, bytes: b"world"[..].into() },
    ///     ConnectionEvent::StreamedReply { token: get, len: 11 },
    /// ]);
    /// let none = connection.send_streamed(("GET", "nothing"), None, now);
    /// connection.written(connection.transmit().len());
    /// connection.receive(b"$-1\r\n");
    /// assert_eq!(
    ///     connection.poll_event(),
    ///     Some(ConnectionEvent::Replies { token: none, replies: vec![Frame::Null(resp_core::NullKind::Bulk)] })
    /// );
    /// ```
    pub fn send_streamed(
        &mut self,
        args: impl Args,
        timeout: Option<Duration>,
        now: Duration,
    ) -> Token {
        let token = self.send_within(args, timeout, now);
        if let Some(pending) = self.last_queued(token) {
            pending.streamed = pending.commands == 1;
        }
        token
    }

    /// The request just queued as `token`, to mark it; `None` if it is not
    /// waiting (it failed or was answered at once).
    fn last_queued(&mut self, token: Token) -> Option<&mut Pending> {
        let on_the_wire = self
            .pending
            .back_mut()
            .filter(|pending| pending.token == token);
        on_the_wire.or_else(|| {
            self.held
                .back_mut()
                .map(|(pending, _)| pending)
                .filter(|pending| pending.token == token)
        })
    }

    /// Queues every command of `pipeline`, to go out in one write; their
    /// replies come as one [`ConnectionEvent::Replies`].
    pub fn send_pipeline(&mut self, pipeline: &Pipeline, now: Duration) -> Token {
        self.send_packed(pipeline.as_bytes(), now)
    }

    /// Queues packed commands as the encoder writes them
    /// ([`pack_command`](crate::pack_command), a [`Pipeline`]'s bytes).
    pub fn send_packed(&mut self, packed: &[u8], now: Duration) -> Token {
        let timeout = self.options.response_timeout;
        self.send_packed_within(packed, timeout, now)
    }

    /// [`send_packed`](Self::send_packed) with a response timeout of its
    /// own, as [`send_within`](Self::send_within).
    pub fn send_packed_within(
        &mut self,
        packed: &[u8],
        timeout: Option<Duration>,
        now: Duration,
    ) -> Token {
        self.queue(|out| out.extend_from_slice(packed), timeout, now)
    }

    /// Queues requests as their exact bytes, in any request form (a
    /// proxy's clients may send inline commands), with each command's
    /// arguments (`commands`) so that subscriptions and blocking commands
    /// are known. Their replies come as [`ConnectionEvent::RawReplies`].
    pub fn send_raw<L: ArgList + ?Sized>(
        &mut self,
        bytes: &[u8],
        commands: &[&L],
        now: Duration,
    ) -> Token {
        let named = commands
            .iter()
            .map(|command| {
                let name = BytesMut::from(command.arg(0).unwrap_or_default());
                (name, command.arg_count())
            })
            .collect();
        let waits: Vec<_> = commands
            .iter()
            .map(|command| blocking_wait(*command))
            .collect();
        let blocks = waits.iter().any(Option::is_some);
        let margin = self.options.blocking_margin;
        let deadline = deadline_for(
            waits.into_iter(),
            self.options.response_timeout,
            margin,
            now,
        );
        let start = self.transmit.len();
        self.transmit.extend_from_slice(bytes);
        let mut pending = self.new_pending(commands.len(), deadline);
        pending.raw_commands = Some(named);
        pending.blocks = blocks;
        self.enqueue(pending, start)
    }

    /// Queues requests as their exact bytes, `count` commands that neither
    /// block nor (un)subscribe: a proxy's stateless traffic, which needs
    /// no look at each command. Their replies come as
    /// [`ConnectionEvent::RawReplies`].
    ///
    /// ```
    /// use core::time::Duration;
    /// use resp_core::{ClientConnection, ConnectionConfig, ConnectionEvent, ConnectionOptions};
    ///
    /// let config: ConnectionConfig = "redis://127.0.0.1?protocol=2".parse().unwrap();
    /// let now = Duration::ZERO;
    /// let mut connection = ClientConnection::new_raw(&config, ConnectionOptions::default(), now);
    /// connection.poll_event(); // Ready
    /// let token = connection.send_raw_counted(b"PING\r\nPING\r\n", 2, now);
    /// connection.written(connection.transmit().len());
    /// connection.receive(b"+PONG\r\n+PONG\r\n");
    /// assert_eq!(
    ///     connection.poll_event(),
    ///     Some(ConnectionEvent::RawReplies { token, bytes: b"+PONG\r\n+PONG\r\n"[..].into() })
    /// );
    /// ```
    pub fn send_raw_counted(&mut self, bytes: &[u8], count: usize, now: Duration) -> Token {
        let deadline = self
            .options
            .response_timeout
            .and_then(|timeout| now.checked_add(timeout));
        let start = self.transmit.len();
        self.transmit.extend_from_slice(bytes);
        let mut pending = self.new_pending(count, deadline);
        pending.by_name = false;
        self.enqueue(pending, start)
    }

    /// More bytes of raw request `token`, the last one queued: a proxy
    /// passes a large request on as it arrives, its command known from
    /// the first bytes given to [`send_raw`](Self::send_raw). `false` (and
    /// nothing queued) when `token` is not the last request still due, or
    /// the connection is closed.
    pub fn append_raw(&mut self, token: Token, bytes: &[u8]) -> bool {
        if self.closed {
            return false;
        }
        if let Some((pending, held)) = self.held.back_mut() {
            if pending.token != token {
                return false;
            }
            held.extend_from_slice(bytes);
            return true;
        }
        let end = self.queued_end();
        match self.pending.back_mut() {
            Some(pending) if pending.token == token && pending.end == end => {
                self.transmit.extend_from_slice(bytes);
                pending.end += bytes.len() as u64;
                true
            }
            _ => false,
        }
    }

    /// Packs a request with `write` at the end of the transmit buffer and
    /// queues it, its commands and their blocking waits read back from
    /// what was packed.
    fn queue(
        &mut self,
        write: impl FnOnce(&mut BytesMut),
        timeout: Option<Duration>,
        now: Duration,
    ) -> Token {
        let start = self.transmit.len();
        write(&mut self.transmit);
        let pending = self.pending_for_packed(start, timeout, now);
        if let Some(cache) = self.cache.as_mut() {
            // Read-your-writes: a write's keys leave the cache now.
            cache.writes_queued(&self.transmit[start..]);
        }
        self.enqueue(pending, start)
    }

    /// Sends one read command through the client-side cache
    /// ([`ConnectionOptions::cache`]): its reply, if one is kept, comes
    /// back at once; otherwise the command is queued as
    /// [`send_within`](Self::send_within) does, and its reply is kept when
    /// it comes, unless a key it read was invalidated in between (or it is
    /// not a read the table knows the keys of). Without a cache (not
    /// asked for, or the connection speaks RESP2), it is a plain send.
    ///
    /// ```
    /// use core::time::Duration;
    /// use resp_core::{CacheLimits, Cached, ClientConnection, ConnectionConfig, ConnectionOptions, Frame};
    ///
    /// let mut options = ConnectionOptions::default();
    /// options.cache = Some(CacheLimits::default());
    /// let config: ConnectionConfig = "redis://127.0.0.1".parse().unwrap();
    /// let now = Duration::ZERO;
    /// let mut connection = ClientConnection::new(&config, options, now);
    /// connection.written(connection.transmit().len()); // HELLO 3
    /// connection.receive(b"%1\r\n$5\r\nproto\r\n:3\r\n");
    /// connection.written(connection.transmit().len()); // CLIENT TRACKING on
    /// connection.receive(b"+OK\r\n");
    /// connection.poll_event(); // Ready
    ///
    /// assert!(matches!(connection.send_cached(("GET", "k"), None, now), Cached::Sent(_)));
    /// connection.written(connection.transmit().len());
    /// connection.receive(b"$1\r\nv\r\n");
    /// connection.poll_event(); // its reply
    /// assert_eq!(connection.send_cached(("GET", "k"), None, now), Cached::Hit(Frame::from("v")));
    /// // Another client changes k: the server says so, and the entry goes.
    /// connection.receive(b">2\r\n$10\r\ninvalidate\r\n*1\r\n$1\r\nk\r\n");
    /// assert!(matches!(connection.send_cached(("GET", "k"), None, now), Cached::Sent(_)));
    /// ```
    pub fn send_cached(
        &mut self,
        args: impl Args,
        timeout: Option<Duration>,
        now: Duration,
    ) -> Cached {
        if self.cache.is_none() {
            return Cached::Sent(self.send_within(args, timeout, now));
        }
        let mut request = Vec::with_capacity(args.command_len());
        pack_command(&mut request, args);
        match self.cached_reply(&request) {
            Some(reply) => Cached::Hit(reply),
            None => Cached::Sent(self.send_reserved(&request, timeout, now)),
        }
    }

    /// The kept reply to `request`, one packed command, counted as a hit
    /// (a miss otherwise): the first half of
    /// [`send_cached`](Self::send_cached), for an adapter that looks before
    /// it queues.
    pub fn cached_reply(&mut self, request: &[u8]) -> Option<Frame> {
        self.cache.as_mut()?.lookup(request)
    }

    /// Queues `request`, one packed read, reserving its reply's place in
    /// the cache: the second half of [`send_cached`](Self::send_cached).
    pub fn send_reserved(
        &mut self,
        request: &[u8],
        timeout: Option<Duration>,
        now: Duration,
    ) -> Token {
        let token = self.send_packed_within(request, timeout, now);
        if let Some(cache) = self.cache.as_mut() {
            cache.reserve(token, request);
        }
        token
    }

    /// Client-side caching over RESP2, whose invalidations cannot share the
    /// connection: the adapter keeps a second connection subscribed to
    /// `__redis__:invalidate` and names it here by its client id, and hands
    /// its messages to [`invalidate`](Self::invalidate). The cache is
    /// emptied and stays off until the server confirms
    /// `CLIENT TRACKING on REDIRECT id` (which a reconnect's setup sends
    /// again); `None` (that connection is gone, so invalidations would be
    /// missed) turns it off. Only with [`ConnectionOptions::cache`] on a
    /// RESP2 connection; otherwise it does nothing.
    ///
    /// The invalidations then come on another connection than the replies,
    /// so one may arrive just after the reply it concerns: the entry is
    /// then dropped when it comes, as in RESP3 when the change comes after
    /// the read.
    pub fn track_redirected(&mut self, redirect: Option<i64>, now: Duration) {
        if self.options.cache.is_none() || self.protocol() != Protocol::Resp2 || self.closed {
            return;
        }
        self.redirect = redirect;
        self.cache = None;
        let Some(id) = redirect else {
            return;
        };
        let token = self.send_within(("CLIENT", "TRACKING", "on", "REDIRECT", id), None, now);
        if let Some(pending) = self.last_queued(token) {
            pending.starts_cache = Some(id);
        }
    }

    /// An invalidation from the connection named by
    /// [`track_redirected`](Self::track_redirected): `keys`, or `None` for
    /// every key (a flush).
    pub fn invalidate<K: AsRef<[u8]>>(&mut self, keys: Option<&[K]>) {
        if let Some(cache) = self.cache.as_mut() {
            cache.invalidated(keys.map(|keys| keys.iter().map(AsRef::as_ref)));
        }
    }

    /// What the client-side cache has done, when there is one.
    pub fn cache_stats(&self) -> Option<CacheStats> {
        self.cache.as_ref().map(TrackingCache::stats)
    }

    /// Queues a request of the connection's own (the health check's
    /// `PING`, subscriptions renewed), whose replies are read and dropped.
    fn queue_unanswered(&mut self, write: impl FnOnce(&mut BytesMut)) {
        let start = self.transmit.len();
        write(&mut self.transmit);
        let mut pending = self.pending_for_packed(start, None, Duration::ZERO);
        pending.gone = true;
        self.enqueue(pending, start);
    }

    /// The request packed at `start..` of the transmit buffer.
    fn pending_for_packed(
        &mut self,
        start: usize,
        timeout: Option<Duration>,
        now: Duration,
    ) -> Pending {
        // One pass over what was packed: how many commands, their blocking
        // waits, and whether any (un)subscribes.
        let (mut due, mut subscribes) = (0, false);
        let mut waits = Vec::new();
        for command in packed_commands(&self.transmit[start..]) {
            due += 1;
            let name = command.name().unwrap_or_default();
            subscribes |= Session::is_subscription_command(name);
            if let Some(wait) = command.blocking_wait() {
                waits.push(Some(wait));
            }
        }
        let blocks = !waits.is_empty();
        let deadline = deadline_for(
            waits.into_iter(),
            timeout,
            self.options.blocking_margin,
            now,
        );
        let mut pending = self.new_pending(due, deadline);
        pending.by_name = subscribes;
        pending.blocks = blocks;
        pending
    }

    fn new_pending(&mut self, due: usize, deadline: Option<Duration>) -> Pending {
        let token = Token(self.next_token);
        self.next_token += 1;
        Pending {
            token,
            start: 0,
            end: 0,
            raw_commands: None,
            by_name: true,
            due,
            commands: due,
            replies: if self.splitter.is_some() {
                Vec::new()
            } else {
                Vec::with_capacity(due)
            },
            raw_replies: BytesMut::new(),
            deadline,
            gone: false,
            blocks: false,
            written_before: false,
            streamed: false,
            parts_given: false,
            starts_cache: None,
        }
    }

    /// Puts a request whose bytes were just appended to the transmit
    /// buffer (from `start`) on its way: failed at once on a closed
    /// connection, answered at once if it holds no command, held aside
    /// while the setup runs, else left on the wire's queue.
    fn enqueue(&mut self, mut pending: Pending, start: usize) -> Token {
        let token = pending.token;
        if self.closed {
            self.transmit.truncate(start);
            let error = ConnectionError::new(ErrorCause::Closed, false);
            self.events
                .push_back(ConnectionEvent::Failed { token, error });
        } else if pending.due == 0 {
            self.transmit.truncate(start);
            self.complete(pending);
        } else if self.setup.is_some() {
            let bytes = self.transmit.split_off(start);
            self.held.push_back((pending, bytes));
        } else {
            pending.start = self.transmit_start + start as u64;
            pending.end = self.queued_end();
            self.track(pending);
        }
        token
    }

    /// Keeps a request on the wire's queue, its deadline in the heap.
    fn track(&mut self, pending: Pending) {
        if let Some(deadline) = pending.deadline {
            self.deadlines.push(Reverse((deadline, pending.token)));
        }
        self.pending.push_back(pending);
    }

    /// The stream offset after the last byte queued.
    fn queued_end(&self) -> u64 {
        self.transmit_start + self.transmit.len() as u64
    }

    /// Bytes to write, in order; say how many went with
    /// [`written`](Self::written).
    pub fn transmit(&self) -> &[u8] {
        &self.transmit
    }

    /// `n` bytes of [`transmit`](Self::transmit) reached the wire. The
    /// requests they belong to are now known to (perhaps) have run.
    pub fn written(&mut self, n: usize) {
        let n = n.min(self.transmit.len());
        let written_end = self.transmit_start + n as u64;
        while let Some(pending) = self.pending.get(self.recorded) {
            if pending.start >= written_end {
                break;
            }
            // Its first byte is out: the server will answer its commands.
            self.recorded += 1;
            let offset = (pending.start - self.transmit_start) as usize;
            let len = (pending.end - pending.start) as usize;
            match &pending.raw_commands {
                Some(commands) => {
                    for (name, count) in commands {
                        self.session.sent_command(name, *count);
                    }
                }
                None if !pending.by_name => self.session.sent_plain(pending.due),
                None => {
                    for command in packed_commands(&self.transmit[offset..offset + len]) {
                        self.session
                            .sent_command(command.name().unwrap_or_default(), command.len());
                    }
                }
            }
        }
        if self.options.retry_reads && self.sent.len() + n <= KEPT_FOR_RETRY {
            self.sent.extend_from_slice(&self.transmit[..n]);
        } else {
            // Past the bound the written bytes are let go: the requests
            // they belong to are not sent again.
            self.sent.clear();
            self.sent_start = written_end;
        }
        self.transmit.advance(n);
        self.transmit_start = written_end;
    }

    /// Lets go of written bytes no request still waits on.
    fn trim_sent(&mut self) {
        let keep_from = self.pending.front().map_or(self.transmit_start, |pending| {
            pending.start.min(self.transmit_start)
        });
        if keep_from > self.sent_start {
            let drop = ((keep_from - self.sent_start) as usize).min(self.sent.len());
            self.sent.advance(drop);
            self.sent_start = keep_from;
        }
    }

    /// How many bytes to read next: what the reply in progress still
    /// needs when that is known, else a buffer's worth.
    pub fn size_hint(&self) -> usize {
        if self.splitter.is_some() || self.streamed.is_started() {
            // Replies pass through whatever their size: a buffer's worth.
            return 64 * 1024;
        }
        self.decoder
            .bytes_needed()
            .unwrap_or(16 * 1024)
            .clamp(1, 64 << 20)
    }

    /// Takes bytes read from the server.
    pub fn receive(&mut self, bytes: &[u8]) {
        self.input.extend_from_slice(bytes);
        self.handle_input();
    }

    /// The buffer to read into directly, with room for
    /// [`size_hint`](Self::size_hint) bytes; call
    /// [`handle_input`](Self::handle_input) after.
    pub fn read_buffer(&mut self) -> &mut BytesMut {
        let room = self.size_hint();
        if self.input.capacity() - self.input.len() < room {
            self.input.reserve(room);
        }
        &mut self.input
    }

    /// [`handle_input`](Self::handle_input) from a buffer the adapter
    /// keeps (an async adapter reads into it without holding the
    /// connection); what is left of a reply in progress stays in it.
    pub fn handle_input_from(&mut self, input: &mut BytesMut) {
        core::mem::swap(&mut self.input, input);
        self.handle_input();
        core::mem::swap(&mut self.input, input);
    }

    /// Reads every whole reply in the input (stopping where the setup
    /// ends, so that bytes after it wait for the requests they answer).
    pub fn handle_input(&mut self) {
        if self.input.len() > self.input_seen {
            self.health.heard();
        }
        self.read_replies();
        self.input_seen = self.input.len();
    }

    fn read_replies(&mut self) {
        while !self.closed {
            if self.front_is_streamed() {
                let offset = self.decoder.position();
                match self.streamed.step(&mut self.input, offset) {
                    Ok(Step::Wait) => return,
                    Ok(Step::Part(bytes)) => {
                        if let Some(pending) = self.pending.front_mut() {
                            pending.parts_given = true;
                            if !pending.gone {
                                let token = pending.token;
                                self.events
                                    .push_back(ConnectionEvent::ReplyPart { token, bytes });
                            }
                        }
                        continue;
                    }
                    Ok(Step::Done(len)) => {
                        self.complete_streamed(len);
                        continue;
                    }
                    Ok(Step::NotBulk) => {}
                    Err(error) => {
                        self.close_with(ErrorCause::Protocol(error));
                        return;
                    }
                }
            }
            let next = if self.splitter.is_some() {
                self.next_raw_frame()
            } else {
                self.decoder
                    .decode(&mut self.input)
                    .map(|frame| frame.map(|frame| (frame, BytesMut::new())))
            };
            match next {
                Ok(Some((frame, raw))) => {
                    let setting_up = self.setup.is_some();
                    self.route(frame, raw);
                    if setting_up && self.setup.is_none() {
                        // Ready: what follows answers requests not yet
                        // queued; it waits for the next call.
                        return;
                    }
                }
                Ok(None) => return,
                Err(error) => {
                    self.close_with(ErrorCause::Protocol(error));
                    return;
                }
            }
        }
    }

    /// The front request's streamed bulk reply is whole.
    fn complete_streamed(&mut self, len: u64) {
        // The session sees a reply in its place; its value is not kept.
        if !matches!(self.session.route(Frame::Integer(0)), Routed::Reply(..)) {
            self.close_with(ErrorCause::Unexpected);
            return;
        }
        let Some(done) = self.pending.pop_front() else {
            self.close_with(ErrorCause::Unexpected);
            return;
        };
        self.recorded -= 1;
        self.trim_sent();
        if !done.gone {
            self.events.push_back(ConnectionEvent::StreamedReply {
                token: done.token,
                len,
            });
        }
    }

    /// Whether the next reply is the front request's streamed bulk (or may
    /// be: a push can still come first, which the decoder then takes).
    fn front_is_streamed(&self) -> bool {
        self.setup.is_none()
            && self.splitter.is_none()
            && (self.streamed.is_started()
                || (self.decoder.is_idle()
                    && self.pending.front().is_some_and(|pending| pending.streamed)))
    }

    /// The next whole frame of a raw connection, its bytes, and the frame
    /// itself only where routing needs it (a push, or a reply while
    /// subscribed in RESP2); otherwise a stand-in.
    fn next_raw_frame(&mut self) -> Result<Option<(Frame, BytesMut)>, crate::error::DecodeError> {
        let Some(splitter) = self.splitter.as_mut() else {
            return Ok(None);
        };
        match splitter.split(&self.input[self.raw_run..])? {
            Split::Partial { consumed } => {
                self.take_raw_run();
                let part = self.input.split_to(consumed);
                if self.raw_frame_type.is_none() {
                    self.raw_frame_type = part.first().copied();
                }
                self.raw_frame.extend_from_slice(&part);
                self.pass_on_raw_part();
                Ok(None)
            }
            Split::Frame { end, push } => {
                self.raw_frame_type = None;
                let needs_frame = push || self.routing_reads_frames();
                if !needs_frame && self.raw_frame.is_empty() {
                    // A reply routing needs only the place in line of: its
                    // bytes stay in the read buffer, with the front
                    // request's other replies, until that request is done.
                    self.raw_run += end;
                    return Ok(Some((Frame::Integer(0), BytesMut::new())));
                }
                self.take_raw_run();
                let rest = self.input.split_to(end);
                // A frame that came in one read is its bytes in the read
                // buffer, not copied.
                let bytes = if self.raw_frame.is_empty() {
                    rest
                } else {
                    let mut bytes = core::mem::take(&mut self.raw_frame);
                    bytes.extend_from_slice(&rest);
                    bytes
                };
                let frame = if needs_frame {
                    match crate::decode::decode_slice(&bytes, self.options.limits)? {
                        crate::decode::Status::Complete((frame, _)) => frame,
                        // The splitter found the frame whole; this cannot be.
                        crate::decode::Status::Partial => Frame::Integer(0),
                    }
                } else {
                    Frame::Integer(0)
                };
                Ok(Some((frame, bytes)))
            }
        }
    }

    /// Whether a raw connection's next reply must be read whole to be
    /// routed (the setup, subscriptions and `MONITOR`, where pushes and
    /// replies look alike), rather than only counted.
    fn routing_reads_frames(&self) -> bool {
        self.setup.is_some()
            || self.session.is_subscribed()
            || self.session.is_monitoring()
            || self.session.awaits_confirmation()
    }

    /// Moves the whole replies left in the read buffer (`raw_run`) to the
    /// front request they answer.
    fn take_raw_run(&mut self) {
        if self.raw_run == 0 {
            return;
        }
        let run = self.input.split_to(self.raw_run);
        self.raw_run = 0;
        if let Some(pending) = self.pending.front_mut() {
            append_raw(&mut pending.raw_replies, run);
        }
    }

    /// Hands on what has come of the front request's replies, once it is
    /// over [`raw_pass_on`](ConnectionOptions::raw_pass_on) bytes, so that
    /// a huge reply passes through in constant memory. Not for a push, nor
    /// where routing must read the whole frame (the setup, subscriptions).
    fn pass_on_raw_part(&mut self) {
        if self.routing_reads_frames()
            // A push, or an attribute that may come before one.
            || matches!(self.raw_frame_type, Some(b'>' | b'|'))
        {
            return;
        }
        let Some(pending) = self.pending.front_mut() else {
            return;
        };
        if pending.raw_replies.len() + self.raw_frame.len() < self.options.raw_pass_on {
            return;
        }
        let mut bytes = core::mem::take(&mut pending.raw_replies);
        bytes.extend_from_slice(&self.raw_frame);
        self.raw_frame.clear();
        if !pending.gone {
            self.events.push_back(ConnectionEvent::RawPart {
                token: pending.token,
                bytes: bytes.freeze(),
            });
        }
    }

    fn route(&mut self, frame: Frame, raw: BytesMut) {
        if self.tracking == SetupStep::Sent {
            self.tracking = SetupStep::None;
            if frame.is_error() {
                // A server that refuses tracking leaves the cache off.
                self.cache = None;
            }
            self.next_setup_step();
            return;
        }
        if self.ready_probe == SetupStep::Sent {
            self.ready_probe = SetupStep::None;
            if frame.is_error()
                && frame
                    .as_bytes()
                    .is_some_and(|text| text.starts_with(b"LOADING"))
            {
                if self.options.reconnect.is_some() {
                    self.broken = Some(ErrorCause::Loading);
                } else {
                    self.close_with(ErrorCause::Loading);
                }
            } else {
                self.next_setup_step();
            }
            return;
        }
        if let Some((handshake, _)) = self.setup.as_mut() {
            match handshake.reply(frame) {
                Ok(()) => self.next_setup_step(),
                Err(error) => self.close_with(ErrorCause::Setup(error)),
            }
            return;
        }
        let (frame, last) = match self.session.route(frame) {
            Routed::Reply(_, frame) => (frame, true),
            Routed::Confirmation { frame, last, .. } => (frame, last),
            Routed::Push(frame) => {
                if let Some(cache) = self.cache.as_mut() {
                    if let Some(keys) = invalidation(&frame) {
                        cache.invalidated(keys.map(|keys| keys.iter().filter_map(Frame::as_bytes)));
                    }
                }
                let event = if self.splitter.is_some() {
                    ConnectionEvent::RawPush(raw.freeze())
                } else {
                    ConnectionEvent::Push(frame)
                };
                self.events.push_back(event);
                return;
            }
            Routed::Unexpected(_) => {
                self.close_with(ErrorCause::Unexpected);
                return;
            }
        };
        let Some(pending) = self.pending.front_mut() else {
            self.close_with(ErrorCause::Unexpected);
            return;
        };
        if self.splitter.is_some() && !raw.is_empty() {
            append_raw(&mut pending.raw_replies, raw);
        }
        if !last {
            return;
        }
        if !pending.gone && self.splitter.is_none() {
            pending.replies.push(frame);
        }
        pending.due -= 1;
        if pending.due == 0 {
            if self.raw_run > 0 {
                let run = self.input.split_to(self.raw_run);
                self.raw_run = 0;
                append_raw(&mut pending.raw_replies, run);
            }
            if let Some(done) = self.pending.pop_front() {
                // Only a recorded request gets replies.
                self.recorded -= 1;
                self.trim_sent();
                if let Some(id) = done.starts_cache {
                    let confirmed = done.replies.first().is_some_and(|reply| !reply.is_error());
                    if confirmed && self.redirect == Some(id) {
                        self.cache = self.options.cache.map(TrackingCache::new);
                    }
                    return;
                }
                if let Some(cache) = self.cache.as_mut() {
                    let reply = done.replies.first().filter(|_| !done.gone);
                    cache.complete(done.token, reply);
                }
                self.complete(done);
            }
        }
    }

    /// Gives a finished request's replies to its caller, unless it is gone.
    fn complete(&mut self, pending: Pending) {
        if pending.gone {
            return;
        }
        let event = if self.splitter.is_some() {
            ConnectionEvent::RawReplies {
                token: pending.token,
                bytes: pending.raw_replies.freeze(),
            }
        } else {
            ConnectionEvent::Replies {
                token: pending.token,
                replies: pending.replies,
            }
        };
        self.events.push_back(event);
    }

    /// Sends the setup's next request, or finishes it: the requests held
    /// back go out, and [`ConnectionEvent::Ready`] says so.
    fn next_setup_step(&mut self) {
        let Some((handshake, _)) = self.setup.as_ref() else {
            return;
        };
        if let Some(request) = handshake.request() {
            self.transmit.extend_from_slice(&request);
            return;
        }
        if self.tracking == SetupStep::Due {
            if handshake.protocol() == Protocol::Resp3 {
                pack_command(&mut self.transmit, ["CLIENT", "TRACKING", "on"]);
                self.tracking = SetupStep::Sent;
                return;
            }
            if let Some(redirect) = self.redirect {
                pack_command(
                    &mut self.transmit,
                    ("CLIENT", "TRACKING", "on", "REDIRECT", redirect),
                );
                self.tracking = SetupStep::Sent;
                return;
            }
            // RESP2 needs a second connection for the invalidations,
            // which the adapter names with track_redirected.
            self.tracking = SetupStep::None;
            self.cache = None;
        }
        if self.ready_probe == SetupStep::Due {
            pack_command(&mut self.transmit, ["PING"]);
            self.ready_probe = SetupStep::Sent;
            return;
        }
        let Some((handshake, _)) = self.setup.take() else {
            return;
        };
        let protocol = handshake.protocol();
        self.server = handshake.server().cloned();
        self.session.set_protocol(protocol);
        self.decoder.set_protocol(protocol);
        self.events.push_back(ConnectionEvent::Ready {
            protocol,
            server: self.server.clone(),
        });
        self.flush_held_if_ready();
    }

    /// Puts the requests held back during the setup on the wire's queue,
    /// once the setup is done.
    fn flush_held_if_ready(&mut self) {
        if self.setup.is_some() {
            return;
        }
        while let Some((mut pending, bytes)) = self.held.pop_front() {
            pending.start = self.queued_end();
            self.transmit.extend_from_slice(&bytes);
            pending.end = self.queued_end();
            self.track(pending);
        }
    }

    /// The caller of `token` gave up: no event will name it. A request not
    /// yet on the wire is never sent; one that is has its replies read and
    /// dropped.
    pub fn abandon(&mut self, token: Token) {
        if let Some(cache) = self.cache.as_mut() {
            cache.forget(token);
        }
        if let Some(index) = self.held.iter().position(|(p, _)| p.token == token) {
            self.held.remove(index);
            return;
        }
        let Some(index) = self.pending.iter().position(|p| p.token == token) else {
            return;
        };
        if !self.unqueue(index) {
            let pending = &mut self.pending[index];
            pending.gone = true;
            pending.replies = Vec::new();
        }
    }

    /// Takes request `index` back if none of its bytes was written: its
    /// bytes leave the transmit buffer, and no reply is due for it.
    fn unqueue(&mut self, index: usize) -> bool {
        let pending = &self.pending[index];
        if pending.start < self.transmit_start {
            return false;
        }
        let from = (pending.start - self.transmit_start) as usize;
        let len = (pending.end - pending.start) as usize;
        let tail = self.transmit.split_off(from);
        self.transmit.extend_from_slice(&tail[len..]);
        if let Some(removed) = self.pending.remove(index) {
            if let Some(cache) = self.cache.as_mut() {
                cache.forget(removed.token);
            }
        }
        for later in self.pending.iter_mut().skip(index) {
            later.start -= len as u64;
            later.end -= len as u64;
        }
        true
    }

    /// When [`handle_timeout`](Self::handle_timeout) must run next.
    pub fn next_deadline(&mut self) -> Option<Duration> {
        let queued = self.soonest_live_deadline();
        let setup = self.setup.as_ref().and_then(|(_, deadline)| *deadline);
        let held = self.held.iter().filter_map(|(pending, _)| pending.deadline);
        let health = self
            .health
            .next_deadline()
            .filter(|_| self.broken.is_none());
        setup
            .into_iter()
            .chain(held)
            .chain(queued)
            .chain(health)
            .min()
    }

    /// The soonest deadline of a request still waited for, dropping those
    /// of requests done or given up.
    fn soonest_live_deadline(&mut self) -> Option<Duration> {
        while let Some(Reverse((deadline, token))) = self.deadlines.peek().copied() {
            if self.live_index(token).is_some() {
                return Some(deadline);
            }
            self.deadlines.pop();
        }
        None
    }

    /// Where request `token` is in the wire's queue, if a caller still
    /// waits for it.
    fn live_index(&self, token: Token) -> Option<usize> {
        let index = self
            .pending
            .binary_search_by_key(&token, |pending| pending.token)
            .ok()?;
        (!self.pending[index].gone).then_some(index)
    }

    /// Fails what ran out of time by `now`: the setup (which ends the
    /// connection), and each request past its deadline (whose replies are
    /// then dropped when they come; the connection carries on). A request
    /// none of whose bytes was written yet is never sent.
    pub fn handle_timeout(&mut self, now: Duration) {
        if self.closed || self.broken.is_some() {
            return;
        }
        if self
            .setup
            .as_ref()
            .and_then(|(_, deadline)| *deadline)
            .is_some_and(|deadline| deadline <= now)
        {
            if self.renewed && self.options.reconnect.is_some() {
                self.broken = Some(ErrorCause::SetupTimeout);
            } else {
                self.close_with(ErrorCause::SetupTimeout);
            }
            return;
        }
        while let Some(Reverse((deadline, token))) = self.deadlines.peek().copied() {
            if deadline > now {
                break;
            }
            self.deadlines.pop();
            let Some(index) = self.live_index(token) else {
                continue;
            };
            let written_before = self.pending[index].written_before;
            let written = !self.unqueue(index);
            if written {
                let pending = &mut self.pending[index];
                pending.gone = true;
                pending.replies = Vec::new();
            }
            self.events.push_back(ConnectionEvent::Failed {
                token,
                error: ConnectionError::new(ErrorCause::Timeout, written || written_before),
            });
        }
        let mut index = 0;
        while index < self.held.len() {
            if self.held[index]
                .0
                .deadline
                .is_some_and(|deadline| deadline <= now)
            {
                if let Some((pending, _)) = self.held.remove(index) {
                    self.events.push_back(ConnectionEvent::Failed {
                        token: pending.token,
                        error: ConnectionError::new(ErrorCause::Timeout, pending.written_before),
                    });
                }
            } else {
                index += 1;
            }
        }
        self.check_health(now);
    }

    /// Probes a connection gone quiet, and gives up on one whose probe
    /// went unanswered ([`ConnectionOptions::health_check`]).
    fn check_health(&mut self, now: Duration) {
        if self.closed || self.broken.is_some() {
            return;
        }
        let silence_expected = self.setup.is_some()
            || self.session.is_monitoring()
            || self.pending.iter().any(|pending| pending.blocks);
        match self.health.check(now, !silence_expected) {
            Some(Check::Probe) => self.queue_unanswered(|out| pack_command(out, ["PING"])),
            Some(Check::Dead) if self.options.reconnect.is_some() => {
                self.broken = Some(ErrorCause::Unresponsive);
            }
            Some(Check::Dead) => self.close_with(ErrorCause::Unresponsive),
            None => {}
        }
    }

    /// The connection broke, and the adapter opens another: returns the
    /// core connection for it, set up as `config` says, carrying every
    /// request that is safe to send again, under the tokens they had. Those
    /// are the requests never written, and, with
    /// [`ConnectionOptions::retry_reads`], written ones whose every command
    /// only reads and none blocks, by the command table (a transaction
    /// never: `MULTI` writes). Every other request fails, saying it may
    /// have run; those events, and any this connection had not yet given,
    /// come first from the new one, then
    /// [`ConnectionEvent::PushesMissed`]. Raw requests given by count are
    /// not looked into, so only unwritten ones go again.
    ///
    /// The new connection subscribes again to every channel, pattern and
    /// shard channel the server had confirmed on this one, after its setup
    /// and before anything else. Its setup ends with a `PING`: a restarted
    /// server accepts connections while it loads its data and answers
    /// `LOADING` to everything but the setup, and then the new connection
    /// breaks ([`is_broken`](Self::is_broken)) with nothing sent, for the
    /// adapter to try again after its backoff. Its setup's clock starts
    /// when the adapter has a stream for it
    /// ([`stream_opened`](Self::stream_opened)), so that requests can queue
    /// while the adapter waits to reconnect.
    ///
    /// ```
    /// use core::time::Duration;
    /// use resp_core::{ClientConnection, ConnectionConfig, ConnectionEvent, ConnectionOptions};
    ///
    /// let config: ConnectionConfig = "redis://127.0.0.1?protocol=2".parse().unwrap();
    /// let now = Duration::ZERO;
    /// let mut old = ClientConnection::new(&config, ConnectionOptions::default(), now);
    /// old.poll_event(); // Ready
    /// let get = old.send(("GET", "k"), now);
    /// let incr = old.send(("INCR", "n"), now);
    /// old.written(old.transmit().len());
    /// // The server vanishes before answering either.
    /// let mut new = old.reconnect(&config);
    /// new.stream_opened(now);
    /// assert!(matches!(
    ///     new.poll_event(),
    ///     Some(ConnectionEvent::Failed { token, error }) if token == incr && error.may_have_run()
    /// ));
    /// assert_eq!(new.poll_event(), Some(ConnectionEvent::PushesMissed));
    /// // The setup ends with a PING: a restarted server may still be loading.
    /// assert_eq!(new.transmit(), b"*1\r\n$4\r\nPING\r\n");
    /// new.written(new.transmit().len());
    /// new.receive(b"+PONG\r\n");
    /// new.poll_event(); // Ready
    /// assert_eq!(new.transmit(), b"*2\r\n$3\r\nGET\r\n$1\r\nk\r\n");
    /// new.written(new.transmit().len());
    /// new.receive(b"$1\r\nv\r\n");
    /// assert!(matches!(new.poll_event(), Some(ConnectionEvent::Replies { token, .. }) if token == get));
    /// ```
    pub fn reconnect(&mut self, config: &ConnectionConfig) -> ClientConnection {
        let mut next = Self::starting(
            config,
            self.options.clone(),
            Duration::ZERO,
            SetupStep::Due,
            self.redirect,
        );
        if self.splitter.is_some() {
            next.make_raw();
        }
        // No stream yet: no clock.
        if let Some((_, deadline)) = next.setup.as_mut() {
            *deadline = None;
        }
        next.health = Health::new(
            self.options.health_check,
            self.options.health_check_timeout,
            None,
        );
        next.next_token = self.next_token;
        next.renewed = true;
        if let (Some(mut cache), Some(_)) = (self.cache.take(), next.cache.as_ref()) {
            // Invalidations sent while no connection was up are lost:
            // nothing kept can be trusted. The counters carry on.
            cache.clear();
            next.cache = Some(cache);
        }
        let cause = self.broken.take().unwrap_or(ErrorCause::ConnectionLost);
        // What the new connection says first: what this one still had to.
        let mut first: VecDeque<ConnectionEvent> = core::mem::take(&mut self.events);
        let mut again = VecDeque::new();
        for pending in core::mem::take(&mut self.pending) {
            if pending.gone {
                continue;
            }
            match self.bytes_to_send_again(&pending) {
                Some(bytes) => {
                    let written = pending.start < self.transmit_start;
                    again.push_back((pending, bytes, written));
                }
                None => first.push_back(ConnectionEvent::Failed {
                    token: pending.token,
                    error: ConnectionError::new(cause.clone(), true),
                }),
            }
        }
        first.push_back(ConnectionEvent::PushesMissed);
        for (kind, names) in self.session.subscriptions() {
            if names.is_empty() {
                continue;
            }
            if kind == "SSUBSCRIBE" {
                // One each: in a cluster, shard channels of one command
                // must share a slot.
                for name in names {
                    next.queue_unanswered(|out| pack_command(out, (kind, name.as_ref())));
                }
            } else {
                let mut args: Vec<&[u8]> = Vec::with_capacity(names.len() + 1);
                args.push(kind.as_bytes());
                args.extend(names.iter().map(AsRef::as_ref));
                next.queue_unanswered(|out| pack_command(out, args));
            }
        }
        let held = self
            .held
            .drain(..)
            .map(|(pending, bytes)| (pending, bytes, false));
        for (mut pending, bytes, written) in again.into_iter().chain(held) {
            pending.written_before |= written;
            pending.due = pending.commands;
            pending.replies.clear();
            pending.raw_replies.clear();
            next.held.push_back((pending, bytes));
        }
        // Events the new connection made while starting (its `Ready`, for
        // a setup that sends nothing) come after those of this one.
        first.extend(next.events.drain(..));
        next.events = first;
        self.closed = true;
        let _ = self.session.fail_all().count();
        self.transmit.clear();
        self.sent.clear();
        next.flush_held_if_ready();
        next
    }

    /// The adapter has a stream for this connection, open at `now`: the
    /// setup's clock and the health check start. Only a connection from
    /// [`reconnect`](Self::reconnect) waits for this; [`new`](Self::new)
    /// starts both at once.
    pub fn stream_opened(&mut self, now: Duration) {
        let setup_timeout = self.options.setup_timeout;
        if let Some((_, deadline)) = self.setup.as_mut() {
            *deadline = now.checked_add(setup_timeout);
        }
        self.health.start(now);
    }

    /// Whether the health check found the server gone
    /// ([`ConnectionOptions::health_check`]): the adapter gives the stream
    /// up and calls [`reconnect`](Self::reconnect) (or
    /// [`connection_lost`](Self::connection_lost), which fails every
    /// request). Only with [`ConnectionOptions::reconnect`] set; without
    /// it the connection closes itself.
    pub fn is_broken(&self) -> bool {
        self.broken.is_some()
    }

    /// Bytes of requests queued and not yet written, those waiting for the
    /// setup included: what an adapter bounds while no connection is up.
    pub fn queued_bytes(&self) -> usize {
        let held: usize = self.held.iter().map(|(_, bytes)| bytes.len()).sum();
        // During the setup, what is to transmit is the setup's own.
        if self.setup.is_some() {
            held
        } else {
            self.transmit.len() + held
        }
    }

    /// The bytes of `pending` to send on a new connection, if it may go
    /// again: all of it unwritten, or written and only reading.
    fn bytes_to_send_again(&self, pending: &Pending) -> Option<BytesMut> {
        if pending.parts_given {
            // Its caller has part of a reply; a second would follow it.
            return None;
        }
        if pending.start >= self.transmit_start {
            return in_stream(
                pending.start,
                pending.end,
                &self.transmit,
                self.transmit_start,
            )
            .map(BytesMut::from);
        }
        if !self.options.retry_reads || pending.start < self.sent_start {
            return None;
        }
        let written_end = pending.end.min(self.transmit_start);
        let mut bytes = BytesMut::from(in_stream(
            pending.start,
            written_end,
            &self.sent,
            self.sent_start,
        )?);
        if pending.end > written_end {
            bytes.extend_from_slice(in_stream(
                written_end,
                pending.end,
                &self.transmit,
                self.transmit_start,
            )?);
        }
        let only_reads = match &pending.raw_commands {
            Some(commands) => commands
                .iter()
                .all(|(name, _)| CommandSpec::find(name).is_some_and(only_reads)),
            // Given by count: not looked into.
            None if !pending.by_name && self.splitter.is_some() => false,
            None => packed_commands(&bytes).all(|command| {
                CommandSpec::of(&command).is_some_and(only_reads)
                    && command.blocking_wait().is_none()
            }),
        };
        only_reads.then_some(bytes)
    }

    /// The connection broke: the adapter's read or write failed, or the
    /// server closed it. Every request still due fails, saying whether it
    /// reached the wire.
    pub fn connection_lost(&mut self) {
        if let Some(cause) = self.broken.take() {
            self.close_with(cause);
            return;
        }
        let mid_reply = self.input.len() > self.raw_run
            || self.streamed.is_started()
            || !self.decoder.is_idle()
            || !self.raw_frame.is_empty()
            || self.splitter.as_ref().is_some_and(|s| !s.is_idle());
        let cause = if mid_reply {
            ErrorCause::ClosedMidReply
        } else {
            ErrorCause::ConnectionLost
        };
        self.close_with(cause);
    }

    /// Closes the connection from this side: every request still due
    /// fails; nothing more goes out.
    pub fn close(&mut self) {
        self.close_with(ErrorCause::Closed);
    }

    fn close_with(&mut self, cause: ErrorCause) {
        if self.closed {
            return;
        }
        self.closed = true;
        let written_end = self.transmit_start;
        self.recorded = 0;
        if let Some(cache) = self.cache.as_mut() {
            // No invalidation can come any more: nothing kept holds.
            cache.clear();
        }
        for pending in self.pending.drain(..) {
            if !pending.gone {
                let written = pending.start < written_end || pending.written_before;
                self.events.push_back(ConnectionEvent::Failed {
                    token: pending.token,
                    error: ConnectionError::new(cause.clone(), written),
                });
            }
        }
        for (pending, _) in self.held.drain(..) {
            self.events.push_back(ConnectionEvent::Failed {
                token: pending.token,
                error: ConnectionError::new(cause.clone(), pending.written_before),
            });
        }
        let _ = self.session.fail_all().count();
        self.transmit.clear();
        let written_anything = written_end > 0;
        self.events
            .push_back(ConnectionEvent::Closed(ConnectionError::new(
                cause,
                written_anything,
            )));
    }

    /// The next thing to tell the caller.
    pub fn poll_event(&mut self) -> Option<ConnectionEvent> {
        self.events.pop_front()
    }

    /// Whether the connection is over.
    pub fn is_closed(&self) -> bool {
        self.closed
    }

    /// Whether the setup is done.
    pub fn is_ready(&self) -> bool {
        self.setup.is_none() && !self.closed
    }

    /// The protocol replies are read in (RESP2 until the setup says).
    pub fn protocol(&self) -> Protocol {
        self.session.protocol()
    }

    /// The server's `HELLO` reply, once the setup got one.
    pub fn server(&self) -> Option<&ServerHello> {
        self.server.as_ref()
    }

    /// The bytes read but not yet taken as replies, for a caller that goes
    /// on reading the wire itself (a tool that prints replies as they come).
    pub fn into_unread(self) -> BytesMut {
        self.input
    }

    /// Requests whose replies are still due, those of callers that gave up
    /// included.
    pub fn in_flight(&self) -> usize {
        self.pending.len() + self.held.len()
    }
}

/// What [`ClientConnection::send_cached`] did.
#[derive(Debug, Clone, PartialEq)]
pub enum Cached {
    /// The reply was kept: here it is, and nothing was sent.
    Hit(Frame),
    /// The command was sent; its reply comes as for any request.
    Sent(Token),
}

/// The keys of a client-side caching invalidation push, `Some(None)` for
/// all of them (a flush); `None` for any other push.
fn invalidation(frame: &Frame) -> Option<Option<&[Frame]>> {
    let items = frame.items()?;
    if items.first()?.as_bytes()? != b"invalidate" {
        return None;
    }
    Some(items.get(1).and_then(Frame::items))
}

/// The bytes at stream offsets `from..to` of `buffer`, whose first byte is
/// at stream offset `start`.
fn in_stream(from: u64, to: u64, buffer: &BytesMut, start: u64) -> Option<&[u8]> {
    buffer.get((from - start) as usize..(to - start) as usize)
}

/// Whether a command may run twice without harm: it only reads, and does
/// not block (a blocking read can consume, as `BLPOP` does, and is
/// flagged as a write).
fn only_reads(spec: &CommandSpec) -> bool {
    spec.flags.contains(CommandFlags::READONLY) && !spec.is_blocking()
}

/// Joins `more` to `replies`: without a copy when both were cut one after
/// the other from the same read buffer.
fn append_raw(replies: &mut BytesMut, more: BytesMut) {
    if replies.is_empty() {
        *replies = more;
    } else {
        replies.unsplit(more);
    }
}

/// The timeout rule ([`ConnectionOptions`]): the response timeout, plus
/// each blocking command's own wait and the margin; a blocking command
/// without a limit lifts the deadline.
fn deadline_for(
    waits: impl Iterator<Item = Option<BlockingWait>>,
    timeout: Option<Duration>,
    margin: Duration,
    now: Duration,
) -> Option<Duration> {
    let mut deadline = now.checked_add(timeout?)?;
    for wait in waits.flatten() {
        match wait {
            BlockingWait::Forever => return None,
            BlockingWait::For(wait) => {
                deadline = deadline.checked_add(wait)?.checked_add(margin)?;
            }
        }
    }
    Some(deadline)
}
