//! The task behind a [`Client`](super::Client): it moves the core
//! connection's bytes and runs its one timer. The conversation itself (which
//! reply answers which call, pushes, deadlines) is the core's
//! [`ClientConnection`]; callers put their requests straight into it.

use super::pubsub::Subscriber;
use super::{ClientError, ClientOptions};
use bytes::{Buf, Bytes, BytesMut};
use resp_core::{
    ClientConnection, ConnectionConfig, ConnectionError, ConnectionEvent, ErrorCause, Frame,
    Protocol, Push, Token,
};
use std::collections::HashMap;
use std::collections::VecDeque;
use std::hash::{BuildHasherDefault, Hasher};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::Waker;
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::Notify;
use tokio::time::Sleep;

/// Any stream the client runs over, boxed so that a reconnect may bring
/// another kind (a TLS stream after a plain one is refused, say).
pub(super) type Stream = Box<dyn ReadWrite>;

/// What a boxed [`Stream`] can do.
pub(super) trait ReadWrite: AsyncRead + AsyncWrite + Send + Unpin {}
impl<T: AsyncRead + AsyncWrite + Send + Unpin> ReadWrite for T {}

/// The most bytes of streamed replies ([`Client::call_into`](super::Client::call_into))
/// held for callers that have not taken them; past it the driver stops
/// reading until they do, so a slow sink bounds memory, not the reply.
const STREAMED_BACKLOG: usize = 1 << 20;

/// What [`Shared::poll_streamed`] hands a streaming caller.
#[derive(Debug)]
pub(super) enum Streamed {
    /// The next bytes of the payload.
    Part(Bytes),
    /// The call is over: the payload's length, or the reply if it was not
    /// a bulk string (a null, an error).
    Done(Result<StreamEnd, ClientError>),
}

/// How a streamed call ended.
#[derive(Debug)]
pub(super) enum StreamEnd {
    /// The payload came in parts; this many bytes.
    Streamed(u64),
    /// The reply was not a bulk string.
    Reply(Vec<Frame>),
}

/// How to open another connection when one breaks.
#[derive(Debug)]
pub(super) struct Redial {
    pub(super) config: ConnectionConfig,
    pub(super) options: ClientOptions,
}

/// What the handles and the driver share.
#[derive(Debug)]
pub(super) struct Shared {
    state: Mutex<State>,
    /// Wakes the driver: bytes to write, a call given up, the last handle gone.
    wake: Notify,
    closed: AtomicBool,
    pub(super) protocol: Protocol,
    /// Where the core's clock starts.
    epoch: Instant,
    /// The most bytes of requests not yet written; a caller beyond waits.
    max_queued_bytes: usize,
}

#[derive(Debug)]
struct State {
    core: ClientConnection,
    calls: HashMap<Token, Slot, BuildHasherDefault<TokenHasher>>,
    subscribers: Vec<Subscriber>,
    /// Callers waiting for room under the queued-bytes bound.
    room: Vec<Waker>,
    /// Every handle is gone: finish what is in flight, then stop.
    detached: bool,
    /// No connection is up: the client is reconnecting.
    down: bool,
    /// [`Client::close`](super::Client::close) was called.
    closing: bool,
    /// Parts of streamed replies not yet taken by their callers, and their
    /// bytes in all.
    streams: HashMap<Token, VecDeque<Bytes>, BuildHasherDefault<TokenHasher>>,
    streamed_held: usize,
}

/// Hashes tokens, which are counted from 0, by one multiplication: they
/// need no protection from chosen collisions.
#[derive(Debug, Default)]
struct TokenHasher(u64);

impl Hasher for TokenHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 = (self.0 ^ u64::from(byte)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }
    fn write_u64(&mut self, value: u64) {
        self.0 = value.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

/// Where a call's outcome waits for its caller.
#[derive(Debug)]
enum Slot {
    Waiting(Option<Waker>),
    Done(Result<Vec<Frame>, ClientError>),
    /// A streamed reply's payload all came, this many bytes.
    Streamed(u64),
}

impl Shared {
    pub(super) fn new(core: ClientConnection, epoch: Instant, max_queued_bytes: usize) -> Self {
        Self {
            protocol: core.protocol(),
            state: Mutex::new(State {
                core,
                calls: HashMap::default(),
                subscribers: Vec::new(),
                room: Vec::new(),
                detached: false,
                down: false,
                closing: false,
                streams: HashMap::default(),
                streamed_held: 0,
            }),
            wake: Notify::new(),
            closed: AtomicBool::new(false),
            epoch,
            max_queued_bytes: max_queued_bytes.max(1),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn now(&self) -> Duration {
        self.epoch.elapsed()
    }

    pub(super) fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Acquire)
    }

    /// Whether a connection is up (not broken and being replaced).
    pub(super) fn is_connected(&self) -> bool {
        let state = self.lock();
        !state.down && !state.core.is_closed()
    }

    /// Hands a request of `len` bytes to the core (`send` packs it there),
    /// with a subscriber to register before any reply can arrive; `None`
    /// while the queued bytes are over the bound, with `waker` (if any)
    /// kept for when there is room.
    pub(super) fn submit(
        &self,
        len: usize,
        send: &mut Option<impl FnOnce(&mut ClientConnection, Duration) -> Token>,
        subscriber: &mut Option<Subscriber>,
        waker: Option<&Waker>,
    ) -> Option<Result<Token, ClientError>> {
        let mut state = self.lock();
        if state.core.is_closed() || state.closing {
            return Some(Err(ClientError::closed()));
        }
        let queued = state.core.queued_bytes();
        if queued > 0 && queued + len > self.max_queued_bytes {
            if state.down {
                // Nothing will make room until a connection is up: fail
                // now rather than wait.
                let error = ConnectionError::new(ErrorCause::Disconnected, false);
                return Some(Err(ClientError::Connection(error)));
            }
            state.room.extend(waker.cloned());
            return None;
        }
        let send = send.take()?;
        if let Some(subscriber) = subscriber.take() {
            state.subscribers.push(subscriber);
        }
        let token = send(&mut state.core, self.now());
        state.calls.insert(token, Slot::Waiting(None));
        drop(state);
        if queued == 0 {
            self.wake.notify_one();
        }
        Some(Ok(token))
    }

    /// The outcome of `token`, or `None` with `waker` kept for when it comes.
    pub(super) fn poll_outcome(
        &self,
        token: Token,
        waker: &Waker,
    ) -> Option<Result<Vec<Frame>, ClientError>> {
        match self.lock().poll_outcome(token, waker)? {
            Slot::Done(outcome) => Some(outcome),
            // Only a streamed call gets this, by poll_streamed.
            Slot::Streamed(_) | Slot::Waiting(_) => None,
        }
    }

    /// The next part of streamed call `token`'s payload, or how it ended;
    /// `None` with `waker` kept for when either comes. Taking parts lets
    /// the driver read again once it had stopped for them.
    pub(super) fn poll_streamed(&self, token: Token, waker: &Waker) -> Option<Streamed> {
        let mut state = self.lock();
        if let Some(part) = state.streams.get_mut(&token).and_then(VecDeque::pop_front) {
            let was_full = state.streamed_held >= STREAMED_BACKLOG;
            state.streamed_held -= part.len();
            if was_full && state.streamed_held < STREAMED_BACKLOG {
                self.wake.notify_one();
            }
            return Some(Streamed::Part(part));
        }
        let end = match state.poll_outcome(token, waker)? {
            Slot::Streamed(len) => Ok(StreamEnd::Streamed(len)),
            Slot::Done(outcome) => outcome.map(StreamEnd::Reply),
            Slot::Waiting(_) => return None,
        };
        state.streams.remove(&token);
        Some(Streamed::Done(end))
    }

    /// The caller of `token` gave up: the core drops its reply, or never
    /// sends it if it is not written yet.
    pub(super) fn abandon(&self, token: Token) {
        let mut state = self.lock();
        if let Some(Slot::Waiting(_)) = state.calls.remove(&token) {
            state.core.abandon(token);
        }
        if let Some(parts) = state.streams.remove(&token) {
            let held: usize = parts.iter().map(Bytes::len).sum();
            state.streamed_held -= held;
            if held > 0 {
                self.wake.notify_one();
            }
        }
    }

    /// Closes the connection now: the driver fails what is in flight and
    /// stops, without reconnecting.
    pub(super) fn close(&self) {
        self.lock().closing = true;
        self.wake.notify_one();
    }

    /// The client-side cache's reply to `request`, if it keeps one.
    pub(super) fn cached_reply(&self, request: &[u8]) -> Option<Frame> {
        self.lock().core.cached_reply(request)
    }

    pub(super) fn cache_stats(&self) -> Option<resp_core::CacheStats> {
        self.lock().core.cache_stats()
    }

    /// Names the connection the server sends this one's invalidations to
    /// (RESP2), or says there is none now.
    pub(super) fn track_redirected(&self, redirect: Option<i64>) {
        let mut state = self.lock();
        let now = self.now();
        state.core.track_redirected(redirect, now);
        drop(state);
        self.wake.notify_one();
    }

    /// An invalidation's keys, or `None` for a flush.
    pub(super) fn invalidate(&self, keys: Option<&[resp_core::Payload]>) {
        self.lock().core.invalidate(keys);
    }

    /// The last handle is gone.
    pub(super) fn detach(&self) {
        self.lock().detached = true;
        self.wake.notify_one();
    }
}

impl State {
    /// The outcome of `token` if it came (taken out), or `Waiting` with
    /// `waker` kept; `None` for a call unknown (the connection closed).
    fn poll_outcome(&mut self, token: Token, waker: &Waker) -> Option<Slot> {
        match self.calls.get_mut(&token) {
            Some(Slot::Waiting(kept)) => {
                if !kept.as_ref().is_some_and(|kept| kept.will_wake(waker)) {
                    *kept = Some(waker.clone());
                }
                Some(Slot::Waiting(None))
            }
            Some(_) => self.calls.remove(&token),
            None => Some(Slot::Done(Err(ClientError::closed()))),
        }
    }

    /// Gives every event of the core to whom it concerns.
    fn dispatch(&mut self, shared: &Shared) {
        while let Some(event) = self.core.poll_event() {
            match event {
                ConnectionEvent::Replies { token, replies } => self.finish(token, Ok(replies)),
                ConnectionEvent::Failed { token, error } => {
                    self.finish(token, Err(client_error(&error)));
                }
                ConnectionEvent::ReplyPart { token, bytes } => self.part(token, bytes),
                ConnectionEvent::StreamedReply { token, len } => {
                    self.settle(token, Slot::Streamed(len));
                }
                ConnectionEvent::Push(frame) => self.publish(frame),
                ConnectionEvent::PushesMissed => {
                    for subscriber in &mut self.subscribers {
                        subscriber.missed();
                    }
                }
                ConnectionEvent::Closed(_) => {
                    shared.closed.store(true, Ordering::Release);
                    // Callers waiting for room see the close.
                    self.room.drain(..).for_each(Waker::wake);
                }
                _ => {}
            }
        }
    }

    fn finish(&mut self, token: Token, outcome: Result<Vec<Frame>, ClientError>) {
        self.settle(token, Slot::Done(outcome));
    }

    fn settle(&mut self, token: Token, outcome: Slot) {
        if let Some(slot) = self.calls.get_mut(&token) {
            if let Slot::Waiting(Some(waker)) = std::mem::replace(slot, outcome) {
                waker.wake();
            }
        }
    }

    /// Keeps a part of a streamed reply for its caller, if it still waits.
    fn part(&mut self, token: Token, bytes: Bytes) {
        let Some(Slot::Waiting(waker)) = self.calls.get(&token) else {
            return;
        };
        if let Some(waker) = waker {
            waker.wake_by_ref();
        }
        self.streamed_held += bytes.len();
        self.streams.entry(token).or_default().push_back(bytes);
    }

    /// Offers a push to every subscriber, forgetting those whose reader is gone.
    fn publish(&mut self, frame: Frame) {
        let Ok(push) = Push::from_frame(frame) else {
            return;
        };
        self.subscribers
            .retain(|subscriber| !subscriber.is_closed());
        for subscriber in &mut self.subscribers {
            subscriber.offer(&push);
        }
    }
}

/// The client's error for what the core said.
fn client_error(error: &ConnectionError) -> ClientError {
    match error.cause() {
        ErrorCause::Setup(refused) => ClientError::Handshake(refused.clone()),
        _ => ClientError::Connection(error.clone()),
    }
}

/// Sets the core connection up over `stream`: its setup requests out,
/// replies in, until it is ready.
pub(super) async fn set_up<S>(
    stream: &mut S,
    core: &mut ClientConnection,
) -> Result<(), ClientError>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    loop {
        while let Some(event) = core.poll_event() {
            match event {
                ConnectionEvent::Ready { .. } => return Ok(()),
                ConnectionEvent::Closed(error) => return Err(client_error(&error)),
                _ => {}
            }
        }
        if !core.transmit().is_empty() {
            let bytes = core.transmit().to_vec();
            stream.write_all(&bytes).await?;
            core.written(bytes.len());
            continue;
        }
        if stream.read_buf(core.read_buffer()).await? == 0 {
            core.connection_lost();
            continue;
        }
        core.handle_input();
    }
}

/// Runs the connection: writes what callers queued, reads replies and
/// hands them over, fails what runs out of time. When the connection
/// breaks and `redial` says how, opens another after a backoff and goes
/// on, with what the core says is safe to send again; otherwise, or once
/// the attempts are used up, every call still waiting fails. Stops when
/// every handle is gone and nothing is left in flight.
pub(super) async fn run<S>(stream: S, shared: Arc<Shared>, redial: Option<Redial>)
where
    S: AsyncRead + AsyncWrite + Send + Unpin + 'static,
{
    let mut timer = Timer::default();
    let mut stream: Stream = Box::new(stream);
    let mut attempt = 0;
    loop {
        let (ended, worked) = connected(stream, &shared, &mut timer).await;
        if worked {
            attempt = 0;
        }
        let Some(redial) = redial.as_ref().filter(|_| ended == Ended::Broken) else {
            break;
        };
        {
            let mut state = shared.lock();
            let next = state.core.reconnect(&redial.config);
            state.core = next;
            state.down = true;
            state.dispatch(&shared);
            // Callers waiting for room fail fast now, or find it.
            state.room.drain(..).for_each(Waker::wake);
        }
        let Some(next) = reconnect(&shared, redial, &mut attempt, &mut timer).await else {
            break;
        };
        stream = next;
        let mut state = shared.lock();
        state.down = false;
        let now = shared.now();
        state.core.stream_opened(now);
    }
    // The connection is gone for good: every call still waiting fails now.
    let mut state = shared.lock();
    if state.closing {
        state.core.close();
    } else if !state.core.is_closed() {
        state.core.connection_lost();
    }
    state.dispatch(&shared);
    shared.closed.store(true, Ordering::Release);
    state.room.drain(..).for_each(Waker::wake);
}

/// How [`connected`] ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ended {
    /// The stream broke (or the health check found the server gone).
    Broken,
    /// The core closed, or every handle is gone and nothing is in flight.
    Finished,
}

/// Drives the core over one stream until it breaks or the client is done;
/// also says whether the connection got through its setup.
async fn connected(stream: Stream, shared: &Shared, timer: &mut Timer) -> (Ended, bool) {
    let (mut reader, mut writer) = tokio::io::split(stream);
    let mut output = BytesMut::new();
    // The driver keeps the read buffer; bytes read during the setup come first.
    let mut input = std::mem::take(shared.lock().core.read_buffer());
    // Whether to read: not while callers have not taken enough of the
    // streamed replies already read.
    let mut reading;
    loop {
        // Take everything queued, and see when the next deadline is.
        let deadline = {
            let mut state = shared.lock();
            if state.core.is_broken() {
                return (Ended::Broken, state.core.is_ready());
            }
            // What the last write left goes first; until it has, new
            // requests wait in the core, under the queued-bytes bound.
            if output.is_empty() && !state.core.transmit().is_empty() {
                output.extend_from_slice(state.core.transmit());
                let taken = state.core.transmit().len();
                state.core.written(taken);
                state.room.drain(..).for_each(Waker::wake);
            }
            if state.core.is_closed()
                || state.closing
                || (state.detached && state.core.in_flight() == 0)
            {
                return (Ended::Finished, state.core.is_ready());
            }
            reading = state.streamed_held < STREAMED_BACKLOG;
            state.core.next_deadline()
        };
        timer.set(deadline, shared.epoch);
        tokio::select! {
            () = shared.wake.notified() => {}
            written = writer.write(&output), if !output.is_empty() => match written {
                Ok(0) | Err(_) => return (Ended::Broken, shared.lock().core.is_ready()),
                Ok(n) => {
                    output.advance(n);
                    if output.is_empty() && writer.flush().await.is_err() {
                        return (Ended::Broken, shared.lock().core.is_ready());
                    }
                }
            },
            read = reader.read_buf(&mut input), if reading => {
                let mut state = shared.lock();
                match read {
                    Ok(0) | Err(_) => return (Ended::Broken, state.core.is_ready()),
                    Ok(_) => {
                        state.core.handle_input_from(&mut input);
                        // Room for what the reply in progress still needs.
                        let wanted = state.core.size_hint();
                        if input.capacity() - input.len() < wanted {
                            input.reserve(wanted);
                        }
                    }
                }
                state.dispatch(shared);
            }
            () = timer.fired() => timer.run(shared),
        }
    }
}

/// Waits out the backoff and opens a new stream, attempt after attempt,
/// running the core's deadlines meanwhile (requests queued while no
/// connection is up still time out). `None` once the attempts are used
/// up, or every handle is gone with nothing in flight.
async fn reconnect(
    shared: &Shared,
    redial: &Redial,
    attempt: &mut u32,
    timer: &mut Timer,
) -> Option<Stream> {
    let backoff = redial.options.reconnect?;
    loop {
        let delay = backoff.jittered_delay(*attempt)?;
        *attempt = attempt.saturating_add(1);
        let dialed = async {
            tokio::time::sleep(delay).await;
            let dial = super::dial(&redial.config, &redial.options);
            tokio::time::timeout(redial.options.connect_timeout, dial).await
        };
        tokio::pin!(dialed);
        let stream = loop {
            let deadline = {
                let mut state = shared.lock();
                if state.closing || (state.detached && state.core.in_flight() == 0) {
                    return None;
                }
                state.core.next_deadline()
            };
            timer.set(deadline, shared.epoch);
            tokio::select! {
                dialed = &mut dialed => break dialed,
                () = shared.wake.notified() => {}
                () = timer.fired() => timer.run(shared),
            }
        };
        if let Ok(Ok(stream)) = stream {
            return Some(stream);
        }
    }
}

/// The one timer of a connection, for the core's next deadline. Made only
/// when a deadline exists, so that a client without deadlines runs on any
/// executor (tokio's timer needs its runtime).
#[derive(Default)]
struct Timer(Option<Pin<Box<Sleep>>>);

impl Timer {
    fn set(&mut self, deadline: Option<Duration>, epoch: Instant) {
        match (deadline, self.0.as_mut()) {
            (None, _) => self.0 = None,
            (Some(deadline), Some(sleep)) => {
                // Only ever moved earlier: a timer that fires before the
                // next deadline finds nothing due and is set again, which
                // costs far less than moving it on every call.
                let at = (epoch + deadline).into();
                if at < sleep.deadline() || sleep.is_elapsed() {
                    sleep.as_mut().reset(at);
                }
            }
            (Some(deadline), None) => {
                self.0 = Some(Box::pin(tokio::time::sleep_until(
                    (epoch + deadline).into(),
                )));
            }
        }
    }

    /// Fires at the deadline set; never without one.
    async fn fired(&mut self) {
        match self.0.as_mut() {
            Some(sleep) => sleep.await,
            None => std::future::pending().await,
        }
    }

    /// Runs the core's deadlines.
    fn run(&mut self, shared: &Shared) {
        let mut state = shared.lock();
        let now = shared.now();
        state.core.handle_timeout(now);
        state.dispatch(shared);
    }
}
