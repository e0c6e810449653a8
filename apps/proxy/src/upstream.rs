//! Connections to the upstream server: core connections in raw mode,
//! driven by [`resp_tokio::Connection`], set up with the proxy's own
//! credentials. The conversation (setup, which reply answers which request,
//! timeouts, what a cut means) is the core's; this module only says where
//! each outcome goes.
//!
//! A shared connection carries many clients' stateless requests,
//! pipelined, on a task of its own that hands each reply to the client whose
//! request it answers. A client's own connection is driven by the client's
//! task itself (see `client.rs`).

use bytes::Bytes;
use resp_core::{
    ConnectionConfig, ConnectionEvent, ConnectionOptions, ErrorCause, Limits, Protocol,
    ServerHello, Token,
};
use resp_tokio::Connection;
use std::collections::VecDeque;
use std::future::poll_fn;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::task::Poll;
use std::time::Duration;
use tokio::net::TcpStream;
use tokio::sync::{Notify, mpsc};

/// The reply a client gets for each request the upstream lost.
pub(crate) const LOST: &[u8] = b"-ERR upstream connection lost\r\n";

/// Bytes queued on a connection but not yet written, past which it takes
/// no more requests until the upstream reads: a stalled upstream makes the
/// proxy hold at most this much per connection, plus what waits for it.
const UNWRITTEN_BOUND: usize = 4 << 20;

/// Where the upstream is, who the proxy is there, and how long it waits.
#[derive(Debug)]
pub(crate) struct Settings {
    pub(crate) host: String,
    pub(crate) port: u16,
    pub(crate) user: Option<String>,
    pub(crate) password: Option<String>,
    /// How long the setup, and then each request, may take upstream.
    pub(crate) timeout: Duration,
    /// TCP keepalive on upstream connections.
    pub(crate) keepalive: Option<Duration>,
    /// The upstream's `HELLO` details, from the first connection set up.
    pub(crate) hello: OnceLock<ServerHello>,
}

impl Settings {
    /// Opens a raw connection speaking `protocol`; its setup runs as its
    /// events are awaited, with requests queued meanwhile held until it is
    /// done (and failed, never sent, if it fails).
    pub(crate) async fn open(&self, protocol: Protocol) -> Option<Connection<TcpStream>> {
        let mut config = ConnectionConfig::tcp(self.host.clone(), self.port);
        config.protocol = protocol;
        config.username = self.user.clone();
        config.password = self.password.clone();
        let mut options = ConnectionOptions::default();
        options.setup_timeout = self.timeout;
        options.response_timeout = Some(self.timeout);
        options.limits = pass_through_limits();
        // Clients' requests are never sent twice by the proxy: the bytes
        // of written ones need not be kept.
        options.retry_reads = false;
        options.keepalive = self.keepalive;
        match Connection::connect(&config, options, true).await {
            Ok(connection) => Some(connection),
            Err(error) => {
                eprintln!("proxy: upstream {}:{}: {error}", self.host, self.port);
                None
            }
        }
    }
}

/// Bounds for traffic through the proxy. Payloads pass through in parts,
/// so their size is bounded only upstream, as configured there; nesting
/// and line lengths keep the proxy's bounds.
pub(crate) fn pass_through_limits() -> Limits {
    let mut limits = Limits::proxy();
    limits.max_bulk_len = u64::MAX;
    limits
}

/// What a client's task receives from the connections carrying its requests.
#[derive(Debug)]
pub(crate) enum Out {
    /// The whole replies to a request of `count` commands and
    /// `request_len` bytes.
    Replies {
        bytes: Bytes,
        count: usize,
        request_len: usize,
    },
    /// The first bytes of replies still coming, handed on because they are many.
    Part(Bytes),
    /// A request of `count` commands and `request_len` bytes failed; `cut`
    /// when part of its replies went out already.
    Failed {
        count: usize,
        request_len: usize,
        cut: bool,
    },
}

/// A client's end for what its shared connection says.
pub(crate) type Outbox = mpsc::UnboundedSender<Out>;

/// How far behind a client is in reading its replies, kept by its task
/// and read by its shared connection's, which holds a huge reply back
/// for a client that is reading it, rather than taking it all in.
#[derive(Debug)]
pub(crate) struct Backlog {
    /// Bytes of replies the client has not read.
    bytes: AtomicUsize,
    /// The client read some (or its connection ended).
    drained: Notify,
    /// How many times it has read: whether it reads while waited for.
    reads: AtomicU64,
    /// How long its shared connection has waited for it since it was last
    /// caught up, in milliseconds.
    waited: AtomicU64,
    /// Its connection ended.
    gone: AtomicBool,
}

/// How far behind a client may fall on a huge reply before its shared
/// connection waits for it to read.
const BACKLOG_PAUSE: usize = 4 << 20;

/// The longest a shared connection waits, in all, for one client to
/// catch up: others' replies are behind its reply, so a client reading
/// slowly cannot hold them for long; beyond it, its replies are taken in
/// up to its output limit.
const BACKLOG_PATIENCE: Duration = Duration::from_secs(1);

/// A client that reads nothing for this long while waited for is taken as
/// not reading.
const READING_RECENTLY: Duration = Duration::from_millis(100);

impl Backlog {
    pub(crate) fn new() -> Self {
        Self {
            bytes: AtomicUsize::new(0),
            drained: Notify::new(),
            reads: AtomicU64::new(0),
            waited: AtomicU64::new(0),
            gone: AtomicBool::new(false),
        }
    }

    /// The client has `unread` bytes of replies left after a write.
    pub(crate) fn read(&self, unread: usize) {
        self.bytes.store(unread, Ordering::Relaxed);
        self.reads.fetch_add(1, Ordering::Relaxed);
        if unread < BACKLOG_PAUSE {
            self.waited.store(0, Ordering::Relaxed);
        }
        self.drained.notify_one();
    }

    /// The client's connection ended: nothing waits for it.
    pub(crate) fn gone(&self) {
        self.gone.store(true, Ordering::Relaxed);
        self.drained.notify_one();
    }

    fn handed(&self, bytes: usize) {
        self.bytes.fetch_add(bytes, Ordering::Relaxed);
    }

    /// Waits while the client is behind on a huge reply but reading it,
    /// within its patience. A client that reads nothing while waited for
    /// is not waited for again until it reads.
    async fn keep_pace(&self) {
        loop {
            let behind = self.bytes.load(Ordering::Relaxed) > BACKLOG_PAUSE;
            let waited = self.waited.load(Ordering::Relaxed);
            if !behind
                || waited > BACKLOG_PATIENCE.as_millis() as u64
                || self.gone.load(Ordering::Relaxed)
            {
                return;
            }
            let (started, read_before) = (millis(), self.reads.load(Ordering::Relaxed));
            let until = tokio::time::Instant::now() + READING_RECENTLY;
            // A notice left from an earlier read wakes this at once: it
            // waits on until the client reads anew.
            while self.reads.load(Ordering::Relaxed) == read_before
                && !self.gone.load(Ordering::Relaxed)
                && tokio::time::timeout_at(until, self.drained.notified())
                    .await
                    .is_ok()
            {}
            let spent = millis().saturating_sub(started);
            if self.reads.load(Ordering::Relaxed) == read_before {
                // It read nothing: give up on it until it reads again.
                self.waited.store(u64::MAX / 2, Ordering::Relaxed);
                return;
            }
            self.waited.fetch_add(spent, Ordering::Relaxed);
        }
    }
}

/// Milliseconds since the proxy started.
fn millis() -> u64 {
    static START: OnceLock<std::time::Instant> = OnceLock::new();
    START
        .get_or_init(std::time::Instant::now)
        .elapsed()
        .as_millis() as u64
}

/// Requests of one client, whole, for a shared connection.
#[derive(Debug)]
pub(crate) struct Job {
    pub(crate) bytes: Bytes,
    pub(crate) count: usize,
    pub(crate) outbox: Outbox,
    pub(crate) backlog: Arc<Backlog>,
}

/// A shared connection: a handle to queue requests on, and a task that
/// keeps a connection up, reconnecting when it fails.
#[derive(Debug, Clone)]
pub(crate) struct SharedUpstream {
    jobs: mpsc::UnboundedSender<Job>,
    /// Bytes of requests handed to it and not yet answered.
    queued: Arc<AtomicUsize>,
}

impl SharedUpstream {
    pub(crate) fn spawn(settings: Arc<Settings>, protocol: Protocol) -> Self {
        let (jobs, queue) = mpsc::unbounded_channel();
        let queued = Arc::new(AtomicUsize::new(0));
        tokio::spawn(keep_up(settings, protocol, queue, queued.clone()));
        Self { jobs, queued }
    }

    /// Queues requests. Their replies, or their failure, arrive in the outbox.
    pub(crate) fn send(&self, job: Job) {
        self.queued.fetch_add(job.bytes.len(), Ordering::Relaxed);
        if let Err(mpsc::error::SendError(job)) = self.jobs.send(job) {
            self.queued.fetch_sub(job.bytes.len(), Ordering::Relaxed);
            fail(&job, false);
        }
    }

    /// Bytes of requests handed to it and not yet answered, every client's.
    pub(crate) fn queued(&self) -> usize {
        self.queued.load(Ordering::Relaxed)
    }
}

/// Tells a client its requests in `job` went unanswered.
fn fail(job: &Job, cut: bool) {
    let _ = job.outbox.send(Out::Failed {
        count: job.count,
        request_len: job.bytes.len(),
        cut,
    });
}

/// Connects, serves until the connection fails, and again: at once after
/// a connection that worked, so that requests queued meanwhile go out on
/// the new one (none of them was written, so none runs twice); then with a
/// delay that grows to a second while the upstream stays away, during
/// which requests fail at once.
async fn keep_up(
    settings: Arc<Settings>,
    protocol: Protocol,
    mut jobs: mpsc::UnboundedReceiver<Job>,
    queued: Arc<AtomicUsize>,
) {
    let mut delay = Duration::from_millis(25);
    loop {
        if let Some(connection) = settings.open(protocol).await {
            let mut serving = Serving {
                connection,
                waiting: VecDeque::new(),
                queued: &queued,
                settings: &settings,
            };
            match serving.serve(&mut jobs).await {
                Ended::Unused => return,
                Ended::Failed { was_ready: true } => {
                    delay = Duration::from_millis(25);
                    continue;
                }
                Ended::Failed { was_ready: false } => {}
            }
        }
        let retry = tokio::time::sleep(delay);
        tokio::pin!(retry);
        loop {
            tokio::select! {
                job = jobs.recv() => match job {
                    Some(job) => {
                        queued.fetch_sub(job.bytes.len(), Ordering::Relaxed);
                        fail(&job, false);
                    }
                    None => return,
                },
                () = &mut retry => break,
            }
        }
        delay = (delay * 2).min(Duration::from_secs(1));
    }
}

/// Why a shared connection stopped serving.
enum Ended {
    /// The connection failed (after its setup, or during it); another is opened.
    Failed { was_ready: bool },
    /// No handle is left to queue requests with.
    Unused,
}

/// A request on a shared connection, and whose it is.
struct Waiter {
    token: Token,
    job: Job,
    /// Part of its replies went out.
    cut: bool,
}

/// One shared connection while it is up.
struct Serving<'a> {
    connection: Connection<TcpStream>,
    /// Requests handed to the core, in order.
    waiting: VecDeque<Waiter>,
    queued: &'a AtomicUsize,
    settings: &'a Settings,
}

/// What woke a shared connection's task.
enum Step {
    Event(Option<ConnectionEvent>),
    /// Requests were queued: let the other clients woken with them queue
    /// theirs too, so that one write carries them all.
    Queued,
    /// No handle is left to queue requests with.
    Unused,
}

impl Serving<'_> {
    /// Serves until the connection fails or is no longer used; by then
    /// every request it took has its outcome in its client's outbox.
    async fn serve(&mut self, jobs: &mut mpsc::UnboundedReceiver<Job>) -> Ended {
        let mut was_ready = false;
        let mut yielded = false;
        loop {
            let step = poll_fn(|cx| {
                // Requests are taken only while the upstream keeps up.
                let mut queued = false;
                while self.connection.core().transmit().len() < UNWRITTEN_BOUND {
                    match jobs.poll_recv(cx) {
                        Poll::Ready(Some(job)) => {
                            self.queue(job);
                            queued = true;
                        }
                        Poll::Ready(None) => return Poll::Ready(Step::Unused),
                        Poll::Pending => break,
                    }
                }
                if queued && !yielded {
                    return Poll::Ready(Step::Queued);
                }
                self.connection.poll_event(cx).map(Step::Event)
            })
            .await;
            yielded = false;
            match step {
                Step::Queued => {
                    tokio::task::yield_now().await;
                    yielded = true;
                }
                Step::Unused => {
                    self.connection.core().close();
                    self.drain();
                    return Ended::Unused;
                }
                Step::Event(None) => return Ended::Failed { was_ready },
                Step::Event(Some(event)) => {
                    if let ConnectionEvent::Ready { server, .. } = &event {
                        was_ready = true;
                        if let Some(server) = server {
                            let _ = self.settings.hello.set(server.clone());
                        }
                    }
                    let pacing = match &event {
                        ConnectionEvent::RawPart { token, .. } => self
                            .waiting
                            .iter()
                            .find(|w| w.token == *token)
                            .map(|w| w.job.backlog.clone()),
                        _ => None,
                    };
                    self.handle(event);
                    if let Some(backlog) = pacing {
                        backlog.keep_pace().await;
                    }
                }
            }
        }
    }

    fn queue(&mut self, job: Job) {
        let now = self.connection.now();
        let token = self
            .connection
            .core()
            .send_raw_counted(&job.bytes, job.count, now);
        self.waiting.push_back(Waiter {
            token,
            job,
            cut: false,
        });
    }

    /// Takes the waiter of `token`: the front one, as replies come in order.
    fn take(&mut self, token: Token) -> Option<Waiter> {
        let index = self.waiting.iter().position(|w| w.token == token)?;
        let waiter = self.waiting.remove(index)?;
        self.queued
            .fetch_sub(waiter.job.bytes.len(), Ordering::Relaxed);
        Some(waiter)
    }

    fn handle(&mut self, event: ConnectionEvent) {
        match event {
            ConnectionEvent::RawReplies { token, bytes } => {
                if let Some(waiter) = self.take(token) {
                    waiter.job.backlog.handed(bytes.len());
                    let _ = waiter.job.outbox.send(Out::Replies {
                        bytes,
                        count: waiter.job.count,
                        request_len: waiter.job.bytes.len(),
                    });
                }
            }
            ConnectionEvent::RawPart { token, bytes } => {
                if let Some(waiter) = self.waiting.iter_mut().find(|w| w.token == token) {
                    waiter.cut = true;
                    waiter.job.backlog.handed(bytes.len());
                    let _ = waiter.job.outbox.send(Out::Part(bytes));
                }
            }
            ConnectionEvent::Failed { token, error } => {
                if let Some(waiter) = self.take(token) {
                    fail(&waiter.job, waiter.cut);
                }
                // A request that ran out of time leaves the upstream's
                // replies in doubt: everyone behind it fails now, rather
                // than each after its own wait, and a new connection starts.
                if matches!(error.cause(), ErrorCause::Timeout) {
                    eprintln!(
                        "proxy: upstream {}:{} did not answer in time",
                        self.settings.host, self.settings.port
                    );
                    self.connection.core().close();
                }
            }
            // Pushes on a shared connection belong to no client (tracking
            // and subscriptions use the client's own connection).
            ConnectionEvent::RawPush(_) | ConnectionEvent::Push(_) => {}
            ConnectionEvent::Closed(error) => {
                eprintln!(
                    "proxy: upstream {}:{}: {error}",
                    self.settings.host, self.settings.port
                );
                self.drain();
            }
            _ => {}
        }
    }

    /// Fails whatever is still waiting (the core has said so for each
    /// request it had; this is for any it did not name).
    fn drain(&mut self) {
        while let Some(event) = self.connection.core().poll_event() {
            if !matches!(event, ConnectionEvent::Closed(_)) {
                self.handle(event);
            }
        }
        for waiter in std::mem::take(&mut self.waiting) {
            self.queued
                .fetch_sub(waiter.job.bytes.len(), Ordering::Relaxed);
            fail(&waiter.job, waiter.cut);
        }
    }
}
