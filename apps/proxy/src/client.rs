//! One client connection: requests parsed only as far as routing needs,
//! sent upstream as their exact bytes, replies written back in order.
//!
//! Order is kept by never having requests in flight on two connections at
//! once: a request that must go over another connection than the ones
//! before it waits until they are answered (and so does one the proxy
//! answers itself).
//!
//! Nothing here waits on anything but this client and its own upstream
//! connection, so no client can hold up another; what it may make the
//! proxy hold is bounded ([`Bounds`]).

use crate::Proxy;
use crate::local::{self, Answer};
use crate::route::{self, Effect, Hold};
use crate::upstream::{self, Backlog, Job, LOST, Out, Outbox};
use bytes::{Buf, BytesMut};
use resp_core::{
    Command, CommandDecoder, CommandLimits, CommandSpec, ConnectionEvent, FrameSplitter, Protocol,
    ReplyWriter, Request, ServerSession, Split, Token,
};
use resp_tokio::Connection;
use std::future::poll_fn;
use std::sync::Arc;
use std::task::Poll;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::net::tcp::OwnedReadHalf;
use tokio::sync::mpsc;

/// How much one read from the client asks for.
const READ_SIZE: usize = 16 * 1024;

/// A request still missing more than this many bytes is passed through as
/// it arrives, over the client's own connection, instead of being held
/// whole and queued behind other clients' requests.
const STREAM_FROM: usize = 64 * 1024;

/// The answer to an administrative command while the proxy holds
/// upstream credentials.
const ADMIN_REFUSED: &[u8] = b"-ERR this proxy does not forward administrative (@admin) commands, which would run with its own upstream credentials\r\n";

/// What one client may make the proxy hold, in bytes.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Bounds {
    /// Replies not yet read by the client: past it, the client is
    /// disconnected, as Redis's output-buffer limits do.
    pub(crate) output: usize,
    /// Replies not yet read past which the client's requests are not read
    /// either, until it catches up.
    pub(crate) output_pause: usize,
    /// Its requests handed to a shared connection and not yet answered;
    /// past it, the client is not read until replies come.
    pub(crate) queued: usize,
    /// Every client's requests on one shared connection; past it, a client
    /// with requests of its own there is not read.
    pub(crate) upstream_queued: usize,
    /// A large request's bytes not yet written upstream.
    pub(crate) streaming: usize,
}

/// A client's state, as the proxy sees it.
pub(crate) struct Client {
    proxy: Arc<Proxy>,
    peer: String,
    /// Protocol, authentication, name and id, as the proxy's client sees them.
    session: ServerSession,
    hold: Hold,
    last_effect: route::LastEffect,
    /// Requests sent over shared connections (or queued for one) and not
    /// yet fully answered, and their bytes.
    shared_in_flight: usize,
    shared_bytes: usize,
    own: Option<Own>,
    /// Requests for the shared connection, waiting to go in one job.
    batch: BytesMut,
    batch_count: usize,
    /// A request read but waiting for others to be answered first.
    waiting: Option<Request>,
    /// A large request being passed through as it arrives.
    streaming: Option<(FrameSplitter, Token)>,
    outbox: Outbox,
    backlog: Arc<Backlog>,
    /// Bytes to write to the client.
    output: BytesMut,
    /// The connection ends once `output` is written.
    closing: bool,
    /// Part of a reply went out and the rest never will: nothing more may
    /// follow it.
    cut_short: bool,
    /// A reply that ends the connection once the replies in flight are in
    /// (Redis's answer to a malformed request).
    last_word: Option<Vec<u8>>,
}

/// The client's own upstream connection, driven by the client's task: its
/// stateful traffic (transactions, subscriptions, blocking commands, large
/// requests), pushes included, in the order they come. Dropping it closes
/// it, which ends whatever state it had upstream.
struct Own {
    connection: Connection<TcpStream>,
    protocol: Protocol,
    /// Requests sent on it, one command each, in order.
    requests: usize,
    /// Part of the front request's replies went out.
    cut: bool,
}

/// What the client's task woke for.
enum Wake {
    Read(std::io::Result<usize>),
    Wrote(std::io::Result<usize>),
    Shared(Out),
    Own(Option<ConnectionEvent>),
    /// A large request's bytes went out upstream: reading may go on.
    OwnRoom,
}

/// Serves one client until it disconnects or the proxy must close it.
pub(crate) async fn serve(stream: TcpStream, peer: String, proxy: Arc<Proxy>) {
    let _ = stream.set_nodelay(true);
    let (mut reader, mut writer) = stream.into_split();
    let (outbox, mut inbox) = mpsc::unbounded_channel();
    let mut client = Client::new(proxy, peer, outbox);
    let mut decoder = client.decoder();
    let mut input = BytesMut::with_capacity(READ_SIZE);
    loop {
        client.run(&mut decoder, &mut input).await;
        client.flush_batch();
        if client.output.len() > client.proxy.bounds.output {
            eprintln!(
                "proxy: {} disconnected: {} bytes of replies unread",
                client.peer,
                client.output.len()
            );
            break;
        }
        // Replies go out at once when the socket takes them, before
        // waiting on anything.
        if !client.output.is_empty() {
            match writer.try_write(&client.output) {
                Ok(n) => {
                    client.output.advance(n);
                    client.backlog.read(client.output.len());
                }
                Err(error) if error.kind() == std::io::ErrorKind::WouldBlock => {}
                Err(_) => break,
            }
        }
        if client.closing && client.output.is_empty() {
            break;
        }
        if input.capacity() - input.len() < READ_SIZE / 4 {
            input.reserve(READ_SIZE);
        }
        let reads = client.reads();
        let streaming = client.streaming.is_some();
        let paused = client.output.len() > client.proxy.bounds.output_pause;
        let bound = client.proxy.bounds.streaming;
        let wake = tokio::select! {
            read = read_more(&mut reader, &mut input), if reads => Wake::Read(read),
            wrote = writer.write(&client.output), if !client.output.is_empty() => Wake::Wrote(wrote),
            Some(out) = inbox.recv() => Wake::Shared(out),
            wake = own_wake(&mut client.own, streaming, paused, bound), if client.own.is_some() => wake,
        };
        match wake {
            Wake::Read(Ok(0) | Err(_)) | Wake::Wrote(Ok(0) | Err(_)) => break,
            Wake::Read(Ok(_)) => {}
            Wake::Wrote(Ok(n)) => {
                client.output.advance(n);
                client.backlog.read(client.output.len());
            }
            Wake::Shared(out) => {
                client.receive(out);
                while let Ok(out) = inbox.try_recv() {
                    client.receive(out);
                }
            }
            Wake::Own(Some(event)) => client.own_event(event),
            Wake::Own(None) => client.own_closed(),
            Wake::OwnRoom => {}
        }
    }
    client.backlog.gone();
    let _ = writer.shutdown().await;
}

/// The next thing the client's own connection says, or room for more of
/// a large request (`streaming`) once its unwritten bytes drop under
/// `bound`. Nothing while `paused`, so that a client that does not read
/// holds its own connection back.
async fn own_wake(own: &mut Option<Own>, streaming: bool, paused: bool, bound: usize) -> Wake {
    let Some(own) = own.as_mut() else {
        return std::future::pending().await;
    };
    let was_full = own.connection.core().transmit().len() >= bound;
    poll_fn(|cx| {
        if paused {
            return Poll::Pending;
        }
        if let Poll::Ready(event) = own.connection.poll_event(cx) {
            return Poll::Ready(Wake::Own(event));
        }
        if streaming && was_full && own.connection.core().transmit().len() < bound {
            return Poll::Ready(Wake::OwnRoom);
        }
        Poll::Pending
    })
    .await
}

async fn read_more(reader: &mut OwnedReadHalf, input: &mut BytesMut) -> std::io::Result<usize> {
    reader.read_buf(input).await
}

impl Client {
    fn new(proxy: Arc<Proxy>, peer: String, outbox: Outbox) -> Self {
        Self {
            session: ServerSession::new(proxy.next_client_id(), proxy.password.is_some()),
            proxy,
            peer,
            hold: Hold::None,
            last_effect: route::LastEffect::default(),
            shared_in_flight: 0,
            shared_bytes: 0,
            own: None,
            batch: BytesMut::new(),
            batch_count: 0,
            waiting: None,
            streaming: None,
            outbox,
            backlog: Arc::new(Backlog::new()),
            output: BytesMut::new(),
            closing: false,
            cut_short: false,
            last_word: None,
        }
    }

    /// A request decoder with Redis's rules and limits: those before
    /// authentication while a password is wanted.
    fn decoder(&self) -> CommandDecoder {
        CommandDecoder::with_limits(self.limits()).skipping_bulk_terminators()
    }

    fn limits(&self) -> CommandLimits {
        if self.session.is_authenticated() {
            // Large arguments pass through as they arrive, so the bound
            // on their size is the upstream's to enforce, as configured there.
            let mut limits = CommandLimits::redis();
            limits.max_bulk_len = u64::MAX;
            limits
        } else {
            CommandLimits::unauthenticated()
        }
    }

    /// Whether to read more from the client: not while a request waits
    /// for others to be answered, nor while it has more than its share
    /// waiting upstream or unread by it.
    fn reads(&mut self) -> bool {
        if self.waiting.is_some() || self.closing || self.last_word.is_some() {
            return false;
        }
        let bounds = self.proxy.bounds;
        if self.output.len() > bounds.output_pause {
            return false;
        }
        if self.streaming.is_some() {
            return self
                .own
                .as_mut()
                .is_some_and(|own| own.connection.core().transmit().len() < bounds.streaming);
        }
        if self.shared_bytes == 0 {
            return true;
        }
        self.shared_bytes < bounds.queued
            && self
                .proxy
                .pool(self.session.protocol(), self.session.id())
                .queued()
                < bounds.upstream_queued
    }

    /// Handles what `input` holds, as far as the order of replies allows.
    async fn run(&mut self, decoder: &mut CommandDecoder, input: &mut BytesMut) {
        if self.closing {
            return;
        }
        if let Some(request) = self.waiting.take() {
            if !self.handle(&request.command()).await {
                self.waiting = Some(request);
                return;
            }
        }
        self.say_last_word();
        while !self.closing && self.waiting.is_none() && self.last_word.is_none() {
            if self.streaming.is_some() {
                if !self.pass_through(input) {
                    return;
                }
                decoder.reset();
                continue;
            }
            let was_authenticated = self.session.is_authenticated();
            match decoder.decode(input) {
                Ok(Some(command)) => {
                    if self.proxy.log {
                        eprintln!("{} > {}", self.peer, crate::log::command(&command));
                    }
                    if !self.handle(&command).await {
                        self.waiting = Some(command.to_request());
                    }
                }
                Ok(None) => {
                    let large = decoder.bytes_needed().is_some_and(|n| n > STREAM_FROM);
                    if !large {
                        return;
                    }
                    let args: Vec<Vec<u8>> =
                        decoder.args_so_far(input).map(<[u8]>::to_vec).collect();
                    if !self.start_stream(&args, input).await {
                        return;
                    }
                }
                Err(error) => {
                    self.last_word = Some(format!("-ERR {error}\r\n").into_bytes());
                    return self.say_last_word();
                }
            }
            if self.session.is_authenticated() != was_authenticated {
                decoder.set_limits(self.limits());
            }
        }
    }

    /// Writes the reply that ends the connection, once nothing before it
    /// is still to come.
    fn say_last_word(&mut self) {
        if self.in_flight() == 0 {
            if let Some(reply) = self.last_word.take() {
                self.output.extend_from_slice(&reply);
                self.closing = true;
            }
        }
    }

    /// The refusal of a command the proxy will not run with its own
    /// credentials, if `args` is one.
    fn refusal(&self, args: &(impl resp_core::ArgList + ?Sized)) -> Option<&'static [u8]> {
        (self.proxy.settings.password.is_some() && route::administers(args))
            .then_some(ADMIN_REFUSED)
    }

    /// Routes one request; `false` when it must wait for the replies in
    /// flight first.
    async fn handle(&mut self, command: &Command<'_>) -> bool {
        let (effect, administers) = self.last_effect.of(command);
        if !self.session.admits(command) {
            if self.in_flight() > 0 {
                return false;
            }
            let mut refusal = ReplyWriter::new(&mut self.output, self.session.protocol());
            self.session.refuse(&mut refusal);
            return true;
        }
        if administers && self.proxy.settings.password.is_some() {
            if self.in_flight() > 0 {
                return false;
            }
            self.output.extend_from_slice(ADMIN_REFUSED);
            return true;
        }
        if let Effect::Local(kind) = effect {
            // HELLO inside a transaction or a subscription is the
            // upstream's to answer, on the connection holding that state.
            let forward = kind == route::Local::Hello && self.hold != Hold::None;
            if !forward {
                if self.in_flight() > 0 {
                    return false;
                }
                return self.answer(kind, command);
            }
        }
        if self.hold.needs_own(effect) {
            if self.shared_in_flight > 0 || self.batch_count > 0 {
                self.flush_batch();
                return false;
            }
            let Some(own) = self.own().await else {
                return true;
            };
            let now = own.connection.now();
            own.connection
                .core()
                .send_raw(command.raw(), &[command], now);
            own.requests += 1;
            self.hold = self.hold.after(effect);
        } else {
            if self.own_in_flight() > 0 {
                return false;
            }
            self.batch.extend_from_slice(command.raw());
            self.batch_count += 1;
            self.shared_in_flight += 1;
        }
        true
    }

    fn own_in_flight(&self) -> usize {
        self.own.as_ref().map_or(0, |own| own.requests)
    }

    fn in_flight(&self) -> usize {
        self.shared_in_flight + self.own_in_flight()
    }

    /// Answers a command the proxy handles itself.
    fn answer(&mut self, kind: route::Local, command: &Command<'_>) -> bool {
        let answer = local::answer(
            kind,
            command,
            &mut self.session,
            self.proxy.password.as_deref(),
            self.proxy.settings.hello.get(),
        );
        let (Answer::Reply(bytes) | Answer::Close(bytes)) = &answer;
        if self.proxy.log {
            eprintln!("{} < {}", self.peer, crate::log::reply(bytes));
        }
        self.output.extend_from_slice(bytes);
        self.closing |= matches!(answer, Answer::Close(_));
        if kind == route::Local::Reset {
            // Whatever state its own connection held upstream goes with it.
            self.own = None;
            self.hold = Hold::None;
        }
        // A protocol switch applies to the client's own connection too: it
        // is opened again in the new protocol when next needed.
        if self
            .own
            .as_ref()
            .is_some_and(|own| own.protocol != self.session.protocol())
        {
            self.own = None;
        }
        true
    }

    /// The client's own connection, opened first if needed. When it
    /// cannot be opened, the request that needed it fails and the client
    /// is closed: its stateful commands must not run anywhere else.
    async fn own(&mut self) -> Option<&mut Own> {
        if self.own.is_none() {
            match self.proxy.settings.open(self.session.protocol()).await {
                Some(connection) => {
                    self.own = Some(Own {
                        connection,
                        protocol: self.session.protocol(),
                        requests: 0,
                        cut: false,
                    });
                }
                None => {
                    self.output.extend_from_slice(LOST);
                    self.closing = true;
                    return None;
                }
            }
        }
        self.own.as_mut()
    }

    /// Starts passing a large request through as it arrives, once its
    /// command (from `args`, the arguments already whole) has been checked
    /// as any other; `false` when it must wait for replies in flight first.
    async fn start_stream(&mut self, args: &[Vec<u8>], input: &mut BytesMut) -> bool {
        if self.shared_in_flight > 0 || self.batch_count > 0 {
            self.flush_batch();
            return false;
        }
        let effect = route::effect(args);
        // A request the proxy answers, or one it cannot tell is not an
        // administrative command, is refused; its bytes are still coming,
        // so the connection ends after the refusal.
        let unknown = self.proxy.settings.password.is_some() && CommandSpec::of(args).is_none();
        let refusal = match self.refusal(args) {
            Some(refusal) => Some(refusal),
            None if unknown || matches!(effect, Effect::Local(_)) => Some(
                &b"-ERR Protocol error: this request is too large for the proxy to read\r\n"[..],
            ),
            None => None,
        };
        if let Some(refusal) = refusal {
            if self.in_flight() > 0 {
                return false;
            }
            self.output.extend_from_slice(refusal);
            self.closing = true;
            return false;
        }
        let mut splitter = FrameSplitter::with_limits(upstream::pass_through_limits());
        let head = match splitter.split(input) {
            Ok(Split::Partial { consumed }) => input.split_to(consumed),
            // The decoder wants more; the splitter cannot have found it whole.
            Ok(Split::Frame { .. }) | Err(_) => {
                self.output
                    .extend_from_slice(b"-ERR Protocol error: invalid request\r\n");
                self.closing = true;
                return false;
            }
        };
        let Some(own) = self.own().await else {
            return false;
        };
        let now = own.connection.now();
        let token = own.connection.core().send_raw(&head, &[args], now);
        own.requests += 1;
        self.hold = self.hold.after(effect).max(Hold::UntilReplied);
        self.streaming = Some((splitter, token));
        self.pass_through(input)
    }

    /// Passes on what has arrived of the large request; `false` once the
    /// input is used up and more must be read.
    fn pass_through(&mut self, input: &mut BytesMut) -> bool {
        let Some((splitter, token)) = self.streaming.as_mut() else {
            return true;
        };
        let token = *token;
        let (passed, done) = match splitter.split(input) {
            Ok(Split::Frame { end, .. }) => (end, true),
            Ok(Split::Partial { consumed }) => (consumed, false),
            Err(_) => {
                self.output
                    .extend_from_slice(b"-ERR Protocol error: invalid request\r\n");
                self.closing = true;
                return false;
            }
        };
        if done {
            self.streaming = None;
        }
        if passed > 0 {
            let bytes = input.split_to(passed);
            let appended = self
                .own
                .as_mut()
                .is_some_and(|own| own.connection.core().append_raw(token, &bytes));
            if !appended {
                // The connection carrying it is gone mid-request: nothing
                // after it could be read as the client meant.
                self.streaming = None;
                self.closing = true;
                return false;
            }
        }
        done
    }

    /// Hands the shared requests gathered so far to the client's shared connection.
    fn flush_batch(&mut self) {
        if self.batch_count == 0 {
            return;
        }
        let bytes = self.batch.split().freeze();
        self.shared_bytes += bytes.len();
        let pool = self.proxy.pool(self.session.protocol(), self.session.id());
        pool.send(Job {
            bytes,
            count: self.batch_count,
            outbox: self.outbox.clone(),
            backlog: self.backlog.clone(),
        });
        self.batch_count = 0;
    }

    /// Applies a message from the shared connection.
    fn receive(&mut self, out: Out) {
        if self.cut_short {
            return;
        }
        match out {
            Out::Replies {
                bytes,
                count,
                request_len,
            } => {
                if self.proxy.log {
                    eprintln!("{} < {}", self.peer, crate::log::reply(&bytes));
                }
                self.output.extend_from_slice(&bytes);
                self.shared_answered(count, request_len);
            }
            Out::Part(bytes) => self.output.extend_from_slice(&bytes),
            Out::Failed {
                count,
                request_len,
                cut,
            } => {
                if cut {
                    // Part of a reply went out: the stream cannot be mended.
                    self.closing = true;
                    self.cut_short = true;
                } else {
                    for _ in 0..count {
                        self.output.extend_from_slice(LOST);
                    }
                }
                self.shared_answered(count, request_len);
            }
        }
    }

    fn shared_answered(&mut self, count: usize, request_len: usize) {
        self.shared_in_flight = self.shared_in_flight.saturating_sub(count);
        self.shared_bytes = self.shared_bytes.saturating_sub(request_len);
    }

    /// Applies an event of the client's own connection.
    fn own_event(&mut self, event: ConnectionEvent) {
        if self.cut_short {
            return;
        }
        match event {
            ConnectionEvent::RawReplies { bytes, .. } => {
                if self.proxy.log {
                    eprintln!("{} < {}", self.peer, crate::log::reply(&bytes));
                }
                self.output.extend_from_slice(&bytes);
                self.own_answered();
            }
            ConnectionEvent::RawPart { bytes, .. } => {
                self.output.extend_from_slice(&bytes);
                if let Some(own) = self.own.as_mut() {
                    own.cut = true;
                }
            }
            ConnectionEvent::RawPush(bytes) => self.output.extend_from_slice(&bytes),
            ConnectionEvent::Failed { .. } => {
                // Whatever state the connection held is in doubt (a
                // transaction, subscriptions), or a reply was cut short:
                // the client goes, told first unless part of a reply went.
                if self.own.as_ref().is_some_and(|own| own.cut) {
                    self.cut_short = true;
                } else {
                    self.output.extend_from_slice(LOST);
                }
                self.closing = true;
                self.own_answered();
            }
            ConnectionEvent::Closed(_) => self.own_closed(),
            _ => {}
        }
    }

    fn own_answered(&mut self) {
        if let Some(own) = self.own.as_mut() {
            own.cut = false;
            own.requests = own.requests.saturating_sub(1);
            if own.requests == 0 && self.hold == Hold::UntilReplied {
                self.hold = Hold::None;
            }
        }
    }

    /// The own connection is over: dropped quietly when it held nothing,
    /// else the client goes with it.
    fn own_closed(&mut self) {
        if self.own_in_flight() > 0 || self.hold != Hold::None || self.streaming.is_some() {
            self.closing = true;
        }
        self.own = None;
        self.hold = Hold::None;
    }
}
