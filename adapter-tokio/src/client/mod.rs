//! [`Client`]: cloneable handles on one multiplexed connection. Callers
//! put their requests straight into the core's [`ClientConnection`]
//! (resp_core::ClientConnection), which owns the conversation; one task
//! moves its bytes and runs its one timer.

mod commands;
mod driver;
mod error;
mod invalidations;
mod pool;
mod pubsub;
mod script;
#[cfg(feature = "tls")]
pub mod tls;
mod transaction;

pub use commands::Commands;
pub use error::ClientError;
pub use pubsub::{Message, Subscription};

use bytes::Bytes;
use resp_core::{
    Address, Args, Backoff, CacheLimits, CacheStats, ClientConnection, CommandName,
    ConnectionConfig, ConnectionError, ConnectionOptions, ErrorCause, Frame, FromFrame, Pipeline,
    Protocol, Token, pack_command, packed_commands, waits_for_data,
};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpStream, UnixStream};
use tokio::sync::mpsc;

/// How a [`Client`] behaves; the defaults suit most applications.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ClientOptions {
    /// How long connecting and the whole setup (HELLO, AUTH, SELECT) may take.
    pub connect_timeout: Duration,
    /// How long a call waits for its reply before failing with
    /// a timeout ([`ClientError::is_timeout`]); the reply, if it comes
    /// later, is discarded.
    /// Each blocking command of a call or pipeline (`BLPOP q 2`, `XREAD
    /// BLOCK 500 …`) adds its own timeout plus `blocking_margin`, and one
    /// with a timeout of 0 lifts the limit (the core's
    /// [`ConnectionOptions`] rule). Blocking commands run on pooled
    /// connections of their own ([`blocking_connections`](Self::blocking_connections)),
    /// so they never hold the shared one up.
    pub response_timeout: Option<Duration>,
    /// What a blocking command may take beyond its own timeout.
    pub blocking_margin: Duration,
    /// The most bytes of requests queued but not yet written; a caller
    /// beyond waits (within its response timeout). A single larger request
    /// waits for the queue to be empty.
    pub max_queued_bytes: usize,
    /// Messages a [`Subscription`] holds for a slow reader before it drops
    /// newer ones (and says so with [`Message::Lagged`]).
    pub push_buffer: usize,
    /// Bounds on replies, against a hostile or broken server.
    pub limits: resp_core::Limits,
    /// TCP keepalive: probes after this long without traffic (and then
    /// every third of it), so that a server gone without a word is found
    /// in about twice this; `None` leaves the system's default (hours).
    pub keepalive: Option<Duration>,
    /// A `PING` after this long without a byte from the server, which
    /// must be answered within `health_check_timeout`, or the connection
    /// is taken for dead and replaced: a server gone without a word is
    /// found in seconds ([`ConnectionOptions::health_check`]). `None` turns
    /// it off.
    pub health_check: Option<Duration>,
    /// How long the health check's `PING` may go unanswered.
    pub health_check_timeout: Duration,
    /// How the client reconnects after its connection breaks, with
    /// exponential backoff and full jitter; `None`: it stays closed, and
    /// calls fail. A client made with [`Client::over`] never reconnects.
    pub reconnect: Option<Backoff>,
    /// Connections kept for blocking commands (`BLPOP`, `XREAD … BLOCK`,
    /// by the command table) and `WATCH` transactions, opened on demand
    /// and reused, so that such work never stalls the shared connection's
    /// other callers. At most this many are in use at once; a caller
    /// beyond waits for one within its response timeout. 0 runs blocking
    /// commands on the shared connection.
    pub blocking_connections: usize,
    /// Client-side caching for [`Client::call_cached`]: the connection turns
    /// `CLIENT TRACKING on` and keeps read replies within these bounds
    /// until the server invalidates them. In RESP3 the invalidations come
    /// on the connection itself; in RESP2 the client keeps a second
    /// connection subscribed to them (`CLIENT TRACKING on REDIRECT id`),
    /// and the cache is off whenever that one is down. `None` (the
    /// default): off.
    pub cache: Option<CacheLimits>,
    /// Whether a read already written when the connection broke goes again
    /// on the new one ([`ConnectionOptions::retry_reads`]); requests never
    /// written always do, and nothing else ever runs twice.
    pub retry_reads: bool,
    /// The TLS setup for `rediss://` ([`tls::client_config`]); `None`
    /// trusts the system's roots.
    #[cfg(feature = "tls")]
    pub tls: Option<Arc<rustls::ClientConfig>>,
}

impl Default for ClientOptions {
    /// The core's [`ConnectionOptions`] defaults, which the blocking
    /// connection shares, and the queue's own bounds.
    fn default() -> Self {
        let core = ConnectionOptions::default();
        Self {
            connect_timeout: core.setup_timeout,
            response_timeout: core.response_timeout,
            blocking_margin: core.blocking_margin,
            max_queued_bytes: 64 << 20,
            push_buffer: core.push_buffer,
            limits: core.limits,
            keepalive: core.keepalive,
            health_check: core.health_check,
            health_check_timeout: core.health_check_timeout,
            reconnect: core.reconnect,
            retry_reads: core.retry_reads,
            blocking_connections: 4,
            cache: None,
            #[cfg(feature = "tls")]
            tls: None,
        }
    }
}

/// A connection to a Redis server, shared by every clone.
///
/// All clones write to one connection: the driver task writes whatever is
/// queued in one go and reads replies into one buffer, so concurrent
/// callers pipeline for free. Replies are matched to callers in order, with
/// pushes kept apart.
///
/// A call whose future is dropped, or that times out, never desynchronises
/// the connection: its reply is read and discarded.
///
/// When the connection breaks, the client reconnects in the background
/// ([`ClientOptions::reconnect`]: exponential backoff with full jitter),
/// redoing the setup and renewing every subscription. Requests never
/// written go out on the new connection; written ones go again only when
/// the command table says they only read and do not block; every other
/// request in flight fails at once with [`ClientError::Connection`], which
/// says it may have run. Nothing else ever runs twice. A half-open
/// connection is found by a health check ([`ClientOptions::health_check`]).
///
/// Blocking commands (`BLPOP`, `XREAD … BLOCK`) and `WATCH` transactions
/// run on a small pool of connections of their own, opened on demand, so
/// they never stall the other callers; a blocking call given up closes its
/// connection, so the server pops nothing for it.
///
/// ```no_run
/// # async fn demo() -> Result<(), resp_tokio::ClientError> {
/// use resp_core::Pipeline;
/// use resp_tokio::Client;
///
/// let client = Client::connect("redis://127.0.0.1:6379").await?;
/// client.call::<()>(("SET", "counter", 1)).await?;
/// let n: i64 = client.call(["INCR", "counter"]).await?;
/// assert_eq!(n, 2);
///
/// let mut pipeline = Pipeline::new();
/// pipeline.command(["GET", "counter"]).command(["HGET", "counter", "f"]);
/// let replies = client.pipeline(&pipeline).await?;
/// assert!(replies[1].is_error()); // WRONGTYPE, in place; the rest is fine
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    shared: Arc<driver::Shared>,
    /// Counts the handles: the last one dropped lets the driver stop.
    _handle: Arc<Handle>,
    /// What it was connected with, for a RESP2 subscription's own connection.
    setup: Arc<(ConnectionConfig, ClientOptions)>,
    /// Connections for blocking work; `None` on a pooled connection itself,
    /// and on one over a stream it cannot open again.
    pool: Option<Arc<pool::Pool>>,
}

/// How a client came to be, which decides what it can open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Origin {
    /// Over a stream the caller opened: nothing more can be opened.
    Given,
    /// Dialled from its config: it reconnects and keeps a pool.
    Dialled,
    /// A pooled connection of another client.
    Pooled,
}

/// Tells the driver when the last handle is gone.
struct Handle(Arc<driver::Shared>);

impl Drop for Handle {
    fn drop(&mut self) {
        self.0.detach();
    }
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("protocol", &self.shared.protocol)
            .field("closed", &self.is_closed())
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Connects to `url` (`redis://`, `rediss://`, `unix://`) with the
    /// default options.
    pub async fn connect(url: &str) -> Result<Self, ClientError> {
        let config: ConnectionConfig = url.parse().map_err(ClientError::Url)?;
        Self::connect_with(&config, ClientOptions::default()).await
    }

    /// Connects as `config` says, within `options.connect_timeout` for the
    /// whole setup.
    pub async fn connect_with(
        config: &ConnectionConfig,
        options: ClientOptions,
    ) -> Result<Self, ClientError> {
        let client = Self::dial_and_set_up(config, options, Origin::Dialled).await?;
        let (config, options) = &*client.setup;
        if options.cache.is_some() && client.protocol() == Protocol::Resp2 {
            // RESP2 caching: invalidations come on a connection of their own.
            let main = Arc::downgrade(&client.shared);
            tokio::spawn(invalidations::redirect(
                main,
                config.clone(),
                options.clone(),
            ));
        }
        Ok(client)
    }

    /// A pooled connection: no pool of its own, no reconnects.
    async fn connect_pooled(
        config: &ConnectionConfig,
        options: ClientOptions,
    ) -> Result<Self, ClientError> {
        Self::dial_and_set_up(config, options, Origin::Pooled).await
    }

    async fn dial_and_set_up(
        config: &ConnectionConfig,
        options: ClientOptions,
        origin: Origin,
    ) -> Result<Self, ClientError> {
        let connect_timeout = options.connect_timeout;
        let setup = async {
            let stream = dial(config, &options).await?;
            let redial = driver::Redial {
                config: config.clone(),
                options: options.clone(),
            };
            let (client, driver) =
                Self::set_up(stream, config, options, Some(redial), origin).await?;
            tokio::spawn(driver);
            Ok(client)
        };
        tokio::time::timeout(connect_timeout, setup)
            .await
            .map_err(|_| ClientError::setup_timeout())?
    }

    /// A client over a stream already connected, of any runtime (a smol or
    /// async-std stream through `tokio_util::compat`): sets it up and
    /// returns the client and the driver future, which the caller spawns
    /// on its own executor; the connection lives as long as the driver runs.
    ///
    /// Response timeouts use tokio's timer: away from a tokio runtime, set
    /// `response_timeout` to `None` and time calls with the runtime's own
    /// timer (the health check, which needs the timer too, is then left
    /// off by itself). RESP2 subscriptions and `watch_transaction` open connections
    /// of their own over TCP, and need tokio too.
    ///
    /// ```no_run
    /// use resp_tokio::{Client, ClientOptions};
    /// use tokio_util::compat::FuturesAsyncReadCompatExt;
    ///
    /// smol::block_on(async {
    ///     let stream = smol::net::TcpStream::connect("127.0.0.1:6379").await?;
    ///     let mut options = ClientOptions::default();
    ///     options.response_timeout = None;
    ///     let config = "redis://127.0.0.1:6379".parse().unwrap();
    ///     let (client, driver) = Client::over(stream.compat(), &config, options).await?;
    ///     smol::spawn(driver).detach();
    ///     let n: i64 = client.call(["INCR", "counter"]).await?;
    ///     # let _ = n;
    ///     Ok::<(), resp_tokio::ClientError>(())
    /// })
    /// # .unwrap();
    /// ```
    ///
    /// Over an in-memory stream, with a server scripted by hand:
    ///
    /// ```
    /// use tokio::io::{AsyncReadExt, AsyncWriteExt};
    ///
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// let (ours, mut server) = tokio::io::duplex(4096);
    /// tokio::spawn(async move {
    ///     let mut request = [0; 64];
    ///     // HELLO 3, answered with the server's details; then PING.
    ///     let _ = server.read(&mut request).await;
    ///     server.write_all(b"%1\r\n$5\r\nproto\r\n:3\r\n").await.unwrap();
    ///     let n = server.read(&mut request).await.unwrap();
    ///     assert_eq!(&request[..n], b"*1\r\n$4\r\nPING\r\n");
    ///     server.write_all(b"+PONG\r\n").await.unwrap();
    /// });
    /// let config = "redis://in-memory".parse().unwrap();
    /// let (client, driver) =
    ///     resp_tokio::Client::over(ours, &config, resp_tokio::ClientOptions::default()).await?;
    /// tokio::spawn(driver);
    /// assert_eq!(client.call::<String>("PING").await?, "PONG");
    /// # Ok::<(), resp_tokio::ClientError>(())
    /// # }).unwrap();
    /// ```
    pub async fn over<S>(
        stream: S,
        config: &ConnectionConfig,
        options: ClientOptions,
    ) -> Result<(Self, impl Future<Output = ()> + Send + 'static), ClientError>
    where
        S: AsyncRead + AsyncWrite + Send + Unpin + 'static,
    {
        Self::set_up(stream, config, options, None, Origin::Given).await
    }

    /// Sets the connection up over `stream`; the driver reconnects as
    /// `redial` says when it breaks.
    async fn set_up<S>(
        mut stream: S,
        config: &ConnectionConfig,
        options: ClientOptions,
        redial: Option<driver::Redial>,
        origin: Origin,
    ) -> Result<(Self, impl Future<Output = ()> + Send + 'static), ClientError>
    where
        S: AsyncRead + AsyncWrite + Send + Unpin + 'static,
    {
        let epoch = std::time::Instant::now();
        let mut core_options = ConnectionOptions::default();
        core_options.setup_timeout = options.connect_timeout;
        core_options.response_timeout = options.response_timeout;
        core_options.blocking_margin = options.blocking_margin;
        core_options.limits = options.limits;
        // The health check needs a timer, which is tokio's: away from a
        // tokio runtime (a stream of smol's, say) it is left off.
        core_options.health_check = options
            .health_check
            .filter(|_| tokio::runtime::Handle::try_current().is_ok());
        core_options.health_check_timeout = options.health_check_timeout;
        core_options.retry_reads = options.retry_reads;
        core_options.cache = options.cache;
        let redial = redial.filter(|_| options.reconnect.is_some());
        core_options.reconnect = redial.as_ref().and(options.reconnect);
        let mut core = ClientConnection::new(config, core_options, Duration::ZERO);
        driver::set_up(&mut stream, &mut core).await?;
        let shared = Arc::new(driver::Shared::new(core, epoch, options.max_queued_bytes));
        let driver = driver::run(stream, shared.clone(), redial);
        let pool = (origin == Origin::Dialled && options.blocking_connections > 0)
            .then(|| Arc::new(pool::Pool::new(options.blocking_connections)));

        let client = Self {
            _handle: Arc::new(Handle(shared.clone())),
            shared,
            setup: Arc::new((config.clone(), options)),
            pool,
        };
        Ok((client, driver))
    }

    /// The protocol the connection speaks.
    pub fn protocol(&self) -> Protocol {
        self.shared.protocol
    }

    /// Whether the client is closed for good: its connection broke and it
    /// does not reconnect (or gave up), or it was closed; calls then fail.
    pub fn is_closed(&self) -> bool {
        self.shared.is_closed()
    }

    /// Closes the connection now, for every clone: calls in flight fail
    /// ([`ClientError::may_have_run`] says which were sent), later ones
    /// fail at once, and the client does not reconnect.
    pub fn close(&self) {
        self.shared.close();
    }

    /// Whether a connection is up now; `false` while the client
    /// reconnects, when calls queue (up to `max_queued_bytes`, then fail
    /// at once) for the next connection.
    pub fn is_connected(&self) -> bool {
        self.shared.is_connected()
    }

    /// Sends one command and converts its reply; an error reply becomes
    /// [`ClientError::Server`].
    pub async fn call<T: FromFrame>(&self, args: impl Args) -> Result<T, ClientError> {
        // The name is read once: for the error, and for the pool's check.
        let command = CommandName::of(&args);
        let timeout = self.setup.1.response_timeout;
        convert(
            self.call_frame_named(args, command, timeout).await?,
            command,
        )
    }

    /// Sends one command and returns its reply as it came, error replies
    /// included.
    pub async fn call_frame(&self, args: impl Args) -> Result<Frame, ClientError> {
        self.call_frame_within(args, self.setup.1.response_timeout)
            .await
    }

    /// [`call_frame`](Self::call_frame) with a timeout of its own.
    pub async fn call_frame_within(
        &self,
        args: impl Args,
        timeout: Option<Duration>,
    ) -> Result<Frame, ClientError> {
        let command = CommandName::of(&args);
        self.call_frame_named(args, command, timeout).await
    }

    /// [`call_frame_within`](Self::call_frame_within) for a command whose
    /// name was read already: a blocking one goes to the pool.
    async fn call_frame_named(
        &self,
        args: impl Args,
        command: CommandName,
        timeout: Option<Duration>,
    ) -> Result<Frame, ClientError> {
        if let Some(pool) = &self.pool {
            if waits_for_data(command.as_bytes()) {
                let mut packed = Vec::with_capacity(args.command_len());
                pack_command(&mut packed, args);
                let blocks = packed_commands(&packed)
                    .next()
                    .is_some_and(|command| command.blocking_wait().is_some());
                let mut replies = if blocks {
                    self.call_pooled(pool, &packed, timeout).await?
                } else {
                    self.submit_packed(&packed, timeout, None).await?
                };
                return replies
                    .pop()
                    .ok_or(ClientError::Connection(ConnectionError::new(
                        ErrorCause::Unexpected,
                        true,
                    )));
            }
        }
        let len = args.command_len();
        let send = move |core: &mut ClientConnection, now| core.send_within(args, timeout, now);
        let mut replies = self.submit(len, send, timeout, None).await?;
        replies
            .pop()
            .ok_or(ClientError::Connection(ConnectionError::new(
                ErrorCause::Unexpected,
                true,
            )))
    }

    /// A read through the client-side cache ([`ClientOptions::cache`]): a
    /// kept reply comes back at once, with nothing sent; otherwise the
    /// command goes to the server and its reply is kept, unless a key it
    /// read was invalidated while it was on its way, so a stale value is
    /// never kept. Entries go when the server invalidates their keys
    /// (another client wrote them, a flush), when this client writes them
    /// (before that write's reply is returned), and on a reconnect.
    ///
    /// ```no_run
    /// # async fn demo() -> Result<(), resp_tokio::ClientError> {
    /// use resp_core::CacheLimits;
    /// use resp_tokio::{Client, ClientOptions};
    ///
    /// let mut options = ClientOptions::default();
    /// options.cache = Some(CacheLimits::default());
    /// let config = "redis://127.0.0.1".parse().unwrap();
    /// let client = Client::connect_with(&config, options).await?;
    /// let first: Option<String> = client.call_cached(["GET", "greeting"]).await?; // from the server
    /// let again: Option<String> = client.call_cached(["GET", "greeting"]).await?; // from the cache
    /// assert_eq!(client.cache_stats().map(|stats| stats.hits), Some(1));
    /// # Ok(()) }
    /// ```
    pub async fn call_cached<T: FromFrame>(&self, args: impl Args) -> Result<T, ClientError> {
        let command = CommandName::of(&args);
        let mut request = Vec::with_capacity(args.command_len());
        pack_command(&mut request, args);
        if let Some(reply) = self.shared.cached_reply(&request) {
            return convert(reply, command);
        }
        let timeout = self.setup.1.response_timeout;
        let send = |core: &mut ClientConnection, now| core.send_reserved(&request, timeout, now);
        let mut replies = self.submit(request.len(), send, timeout, None).await?;
        let reply = replies
            .pop()
            .ok_or(ClientError::Connection(ConnectionError::new(
                ErrorCause::Unexpected,
                true,
            )))?;
        convert(reply, command)
    }

    /// What the client-side cache has done (hits, misses, what it holds);
    /// `None` without one.
    pub fn cache_stats(&self) -> Option<CacheStats> {
        self.shared.cache_stats()
    }

    /// Sends every command of `pipeline` in one write and returns every
    /// reply in order; an error reply stays in its place and fails nothing
    /// else. A pipeline runs whole on the shared connection, blocking
    /// commands in it included: send those alone, which puts them on a
    /// pooled connection.
    pub async fn pipeline(&self, pipeline: &Pipeline) -> Result<Vec<Frame>, ClientError> {
        self.submit_packed(pipeline.as_bytes(), self.setup.1.response_timeout, None)
            .await
    }

    /// [`pipeline`](Self::pipeline) with the replies converted as one,
    /// into a tuple (an element per command) or a vector, as a single call
    /// converts its reply. The first error reply fails it as
    /// [`ClientError::Server`]; [`pipeline`](Self::pipeline) shows each.
    ///
    /// ```no_run
    /// # async fn demo(client: resp_tokio::Client) -> Result<(), resp_tokio::ClientError> {
    /// let mut pipeline = resp_core::Pipeline::new();
    /// pipeline.command(("SET", "k", 1)).command(("INCR", "k")).command(("GET", "k"));
    /// let ((), counter, text): ((), i64, String) = client.query(&pipeline).await?;
    /// assert_eq!((counter, text.as_str()), (2, "2"));
    /// # Ok(()) }
    /// ```
    pub async fn query<T: FromFrame>(&self, pipeline: &Pipeline) -> Result<T, ClientError> {
        let replies = self.pipeline(pipeline).await?;
        if let Some(error) = replies.iter().find(|reply| reply.is_error()) {
            return Err(server_error(error));
        }
        convert(Frame::Array(replies), CommandName::of("a pipeline"))
    }

    /// Subscribes to `channels`. In RESP3 the subscription shares the
    /// connection; in RESP2, whose subscribed mode allows nothing else, it
    /// gets a connection of its own. Its messages never reach a caller
    /// waiting for a reply.
    ///
    /// ```no_run
    /// # async fn demo(client: resp_tokio::Client) -> Result<(), resp_tokio::ClientError> {
    /// use resp_tokio::Message;
    ///
    /// let mut news = client.subscribe(&["news"]).await?;
    /// while let Some(message) = news.next().await {
    ///     match message {
    ///         Message::Push(push) => println!("{push:?}"),
    ///         Message::Lagged(lost) => eprintln!("{lost} messages lost: reading too slowly"),
    ///         Message::Reconnected => eprintln!("reconnected: messages in between were lost"),
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn subscribe(&self, channels: &[&str]) -> Result<Subscription, ClientError> {
        self.join("SUBSCRIBE", channels).await
    }

    /// Subscribes to channels matching `patterns`; see [`subscribe`](Self::subscribe).
    pub async fn psubscribe(&self, patterns: &[&str]) -> Result<Subscription, ClientError> {
        self.join("PSUBSCRIBE", patterns).await
    }

    /// Subscribes to shard channels (`SSUBSCRIBE`, Redis 7); see
    /// [`subscribe`](Self::subscribe).
    pub async fn ssubscribe(&self, channels: &[&str]) -> Result<Subscription, ClientError> {
        self.join("SSUBSCRIBE", channels).await
    }

    async fn join(&self, command: &str, names: &[&str]) -> Result<Subscription, ClientError> {
        if names.is_empty() {
            return Err(ClientError::Server(Bytes::from_static(
                b"ERR wrong number of arguments: subscribe to at least one name",
            )));
        }
        match self.protocol() {
            Protocol::Resp3 => self.join_here(command, names, None).await,
            Protocol::Resp2 => {
                let (config, options) = &*self.setup;
                let mut options = options.clone();
                options.cache = None;
                let own = Self::connect_with(config, options).await?;
                own.join_here(command, names, Some(own.clone())).await
            }
        }
    }

    /// Subscribes on this very connection; `dedicated`, when given, is
    /// kept by the subscription (a connection of its own).
    async fn join_here(
        &self,
        command: &str,
        names: &[&str],
        dedicated: Option<Client>,
    ) -> Result<Subscription, ClientError> {
        let connection = self.clone();
        let (sender, receiver) = mpsc::channel(self.setup.1.push_buffer.max(1));
        let mut args = vec![command];
        args.extend_from_slice(names);
        let names: Vec<Bytes> = names
            .iter()
            .map(|name| Bytes::copy_from_slice(name.as_bytes()))
            .collect();
        let set: std::collections::HashSet<Bytes> = names.iter().cloned().collect();
        let (mut channels, mut patterns, mut shard_channels) = Default::default();
        let leave = match command {
            "SUBSCRIBE" => {
                channels = set;
                "UNSUBSCRIBE"
            }
            "PSUBSCRIBE" => {
                patterns = set;
                "PUNSUBSCRIBE"
            }
            _ => {
                shard_channels = set;
                "SUNSUBSCRIBE"
            }
        };
        let subscriber = pubsub::Subscriber {
            channels,
            patterns,
            shard_channels,
            // RESP2's invalidations come as messages on this channel.
            invalidations: names
                .iter()
                .any(|name| &name[..] == b"__redis__:invalidate"),
            messages: sender,
            offered: 0,
        };
        let mut packed = Vec::new();
        pack_command(&mut packed, &args[..]);
        connection
            .submit_packed(&packed, self.setup.1.response_timeout, Some(subscriber))
            .await?;
        let connection = dedicated.unwrap_or(connection);
        Ok(Subscription::new(
            receiver,
            connection,
            Some((leave, names)),
        ))
    }

    /// Turns on client-side caching (`CLIENT TRACKING on`) and returns the
    /// invalidations the server sends for keys this connection read, as
    /// [`Message::Push`]`(Push::Invalidate(..))`. RESP3 only: RESP2 needs a
    /// second connection to redirect them to. After a reconnect
    /// ([`Message::Reconnected`]) the new connection is not tracked: call
    /// this again, or use [`ClientOptions::cache`] and
    /// [`call_cached`](Self::call_cached), which keep a cache and renew
    /// tracking themselves.
    pub async fn tracking(&self) -> Result<Subscription, ClientError> {
        if self.protocol() != Protocol::Resp3 {
            return Err(ClientError::Server(Bytes::from_static(
                b"ERR client-side caching here needs RESP3 (HELLO 3)",
            )));
        }
        let (sender, receiver) = mpsc::channel(self.setup.1.push_buffer.max(1));
        let subscriber = pubsub::Subscriber {
            channels: Default::default(),
            patterns: Default::default(),
            shard_channels: Default::default(),
            invalidations: true,
            messages: sender,
            offered: 0,
        };
        let mut packed = Vec::new();
        pack_command(&mut packed, ["CLIENT", "TRACKING", "on"]);
        let reply = self
            .submit_packed(&packed, self.setup.1.response_timeout, Some(subscriber))
            .await?;
        if let Some(error) = reply.iter().find(|frame| frame.is_error()) {
            return Err(server_error(error));
        }
        let off = vec![Bytes::from_static(b"TRACKING"), Bytes::from_static(b"off")];
        Ok(Subscription::new(
            receiver,
            self.clone(),
            Some(("CLIENT", off)),
        ))
    }

    /// Runs a blocking command on a pooled connection of its own. Kept for
    /// reuse only when it was answered; otherwise (the caller gave up, it
    /// timed out) the connection is closed, so that the server unblocks
    /// the command and takes nothing for a caller who is gone.
    async fn call_pooled(
        &self,
        pool: &Arc<pool::Pool>,
        packed: &[u8],
        timeout: Option<Duration>,
    ) -> Result<Vec<Frame>, ClientError> {
        let lease = pool
            .lease(&self.setup, self.setup.1.response_timeout)
            .await?;
        let replies = lease.client().submit_packed(packed, timeout, None).await?;
        lease.done();
        Ok(replies)
    }

    /// [`submit`](Self::submit) for commands packed already.
    async fn submit_packed(
        &self,
        packed: &[u8],
        timeout: Option<Duration>,
        subscriber: Option<pubsub::Subscriber>,
    ) -> Result<Vec<Frame>, ClientError> {
        let send = |core: &mut ClientConnection, now| core.send_packed_within(packed, timeout, now);
        self.submit(packed.len(), send, timeout, subscriber).await
    }

    /// Has `send` pack a request of `len` bytes into the core connection
    /// and waits for its replies; a subscriber is registered before any
    /// reply can arrive.
    async fn submit(
        &self,
        len: usize,
        send: impl FnOnce(&mut ClientConnection, Duration) -> Token,
        timeout: Option<Duration>,
        subscriber: Option<pubsub::Subscriber>,
    ) -> Result<Vec<Frame>, ClientError> {
        let token = self.enqueue(len, send, timeout, subscriber).await?;
        Reply {
            shared: &self.shared,
            token,
            done: false,
        }
        .await
    }

    /// Sends one command and writes its bulk reply's payload into `sink`
    /// as it arrives, in constant memory: a `GET` of a value of any size
    /// into a file or a socket costs about the read buffer, never the
    /// value. Returns the payload's length, or `None` for a nil reply; an
    /// error reply is [`ClientError::Server`]. Other calls keep their
    /// order around it. The whole transfer runs within the response
    /// timeout; when the sink cannot keep up, the connection stops reading
    /// (its other callers wait, as they would behind any large reply).
    /// Once part of the payload went into the sink, the call is never sent
    /// again after a reconnect.
    ///
    /// ```no_run
    /// # async fn demo(client: resp_tokio::Client) -> Result<(), resp_tokio::ClientError> {
    /// let mut file = tokio::fs::File::create("backup.bin").await?;
    /// let written = client.call_into(["GET", "big-value"], &mut file).await?;
    /// println!("{written:?} bytes");
    /// # Ok(()) }
    /// ```
    pub async fn call_into<W>(
        &self,
        args: impl Args,
        sink: &mut W,
    ) -> Result<Option<u64>, ClientError>
    where
        W: AsyncWrite + Unpin + ?Sized,
    {
        use tokio::io::AsyncWriteExt;
        let command = CommandName::of(&args);
        let timeout = self.setup.1.response_timeout;
        let len = args.command_len();
        let send = move |core: &mut ClientConnection, now| core.send_streamed(args, timeout, now);
        let token = self.enqueue(len, send, timeout, None).await?;
        // Gives the call up if this future is dropped or the sink fails.
        let mut reply = Reply {
            shared: &self.shared,
            token,
            done: false,
        };
        loop {
            let next =
                std::future::poll_fn(|cx| match self.shared.poll_streamed(token, cx.waker()) {
                    Some(next) => std::task::Poll::Ready(next),
                    None => std::task::Poll::Pending,
                })
                .await;
            match next {
                driver::Streamed::Part(bytes) => sink.write_all(&bytes).await?,
                driver::Streamed::Done(end) => {
                    reply.done = true;
                    return match end? {
                        driver::StreamEnd::Streamed(len) => {
                            sink.flush().await?;
                            Ok(Some(len))
                        }
                        driver::StreamEnd::Reply(mut frames) => {
                            let frame = frames.pop().unwrap_or(Frame::Integer(0));
                            if frame.is_null() {
                                return Ok(None);
                            }
                            // A reply of another kind: its text, if it has one.
                            let value: Bytes = convert(frame, command)?;
                            sink.write_all(&value).await?;
                            sink.flush().await?;
                            Ok(Some(value.len() as u64))
                        }
                    };
                }
            }
        }
    }

    /// Has `send` queue a request of `len` bytes in the core connection,
    /// waiting for room within `timeout`; a subscriber is registered first.
    async fn enqueue(
        &self,
        len: usize,
        send: impl FnOnce(&mut ClientConnection, Duration) -> Token,
        timeout: Option<Duration>,
        subscriber: Option<pubsub::Subscriber>,
    ) -> Result<Token, ClientError> {
        let (mut send, mut subscriber) = (Some(send), subscriber);
        // Most calls find room at once and need no timer; one that does
        // not waits for room within its own timeout. The reply's deadline
        // is the core's.
        let token = match self.shared.submit(len, &mut send, &mut subscriber, None) {
            Some(submitted) => submitted?,
            None => {
                let submitted = std::future::poll_fn(|cx| {
                    match self
                        .shared
                        .submit(len, &mut send, &mut subscriber, Some(cx.waker()))
                    {
                        Some(result) => std::task::Poll::Ready(result),
                        None => std::task::Poll::Pending,
                    }
                });
                match timeout {
                    Some(timeout) => {
                        tokio::time::timeout(timeout, submitted)
                            .await
                            .map_err(|_| {
                                // Still waiting for room: never queued, never sent.
                                ClientError::Connection(ConnectionError::new(
                                    ErrorCause::Timeout,
                                    false,
                                ))
                            })??
                    }
                    None => submitted.await?,
                }
            }
        };
        Ok(token)
    }
}

/// A call's replies, from the core; dropped before they come, the call is
/// given up and its replies are read and discarded.
struct Reply<'a> {
    shared: &'a driver::Shared,
    token: Token,
    done: bool,
}

impl Future for Reply<'_> {
    type Output = Result<Vec<Frame>, ClientError>;

    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Self::Output> {
        match self.shared.poll_outcome(self.token, cx.waker()) {
            Some(outcome) => {
                self.done = true;
                std::task::Poll::Ready(outcome)
            }
            None => std::task::Poll::Pending,
        }
    }
}

impl Drop for Reply<'_> {
    fn drop(&mut self) {
        if !self.done {
            self.shared.abandon(self.token);
        }
    }
}

/// Opens a stream to `config`'s address, set up for TCP (no delay,
/// keepalive) and TLS as the options say.
async fn dial(
    config: &ConnectionConfig,
    options: &ClientOptions,
) -> Result<driver::Stream, ClientError> {
    #[cfg(not(feature = "tls"))]
    if config.tls {
        return Err(ClientError::TlsUnsupported);
    }
    match &config.address {
        Address::Tcp { host, port } => {
            let stream = TcpStream::connect((host.as_str(), *port))
                .await
                .map_err(|error| at_address(error, &format!("{host}:{port}")))?;
            stream.set_nodelay(true)?;
            if let Some(idle) = options.keepalive {
                crate::connection::set_keepalive(&stream, idle)?;
            }
            #[cfg(feature = "tls")]
            if config.tls {
                let stream = tls::connect(host, stream, options.tls.as_ref()).await?;
                return Ok(Box::new(stream));
            }
            Ok(Box::new(stream))
        }
        Address::Unix { path } => {
            let stream = UnixStream::connect(path)
                .await
                .map_err(|error| at_address(error, path))?;
            Ok(Box::new(stream))
        }
        _ => Err(ClientError::Io(std::io::Error::new(
            std::io::ErrorKind::Unsupported,
            "this build connects over TCP and Unix sockets only",
        ))),
    }
}

/// A connect error that names the address it was for.
pub(crate) fn at_address(error: std::io::Error, address: &str) -> std::io::Error {
    std::io::Error::new(error.kind(), format!("{address}: {error}"))
}

/// An error reply as [`ClientError::Server`], anything else converted.
fn convert<T: FromFrame>(frame: Frame, command: CommandName) -> Result<T, ClientError> {
    if frame.is_error() {
        return Err(server_error(&frame));
    }
    frame
        .convert()
        .map_err(|error| ClientError::Convert { command, error })
}

/// The error a server's error reply becomes.
fn server_error(reply: &Frame) -> ClientError {
    ClientError::Server(
        reply
            .as_bytes()
            .map(Bytes::copy_from_slice)
            .unwrap_or_default(),
    )
}
