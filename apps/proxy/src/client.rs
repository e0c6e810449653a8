//! One client connection: requests parsed only as far as routing needs,
//! sent upstream as their exact bytes, replies written back in order.
//!
//! Order is kept by never having requests in flight on two connections at
//! once: a request that must go over another connection than the ones
//! before it waits until they are answered (and so does one the proxy
//! answers itself).

use crate::Proxy;
use crate::local::{self, Answer};
use crate::route::{self, Effect, Hold};
use crate::upstream::{self, Carrier, Job, LOST, Out, Outbox};
use bytes::BytesMut;
use resp_core::{Command, CommandDecoder, CommandLimits, FrameSplitter, Protocol, Request, Split};
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::sync::mpsc;

/// How much one read from the client asks for.
const READ_SIZE: usize = 16 * 1024;

/// A request still missing more than this many bytes is passed through as
/// it arrives, over the client's own connection, instead of being held
/// whole and queued behind other clients' requests.
const STREAM_FROM: usize = 64 * 1024;

/// Messages from upstream connections a client may have waiting: the bound
/// on what a slow reader of large replies makes the proxy hold for it.
const OUTBOX: usize = 32;

/// A client's state, as the proxy sees it.
pub(crate) struct Client {
    proxy: Arc<Proxy>,
    id: u64,
    peer: String,
    authenticated: bool,
    protocol: Protocol,
    name: Option<Vec<u8>>,
    hold: Hold,
    /// Requests sent over shared connections (or queued for one) and not
    /// yet fully answered.
    shared_in_flight: usize,
    /// The same over the client's own connection.
    own_in_flight: usize,
    own: Option<Own>,
    /// Requests for the shared connection, waiting to go in one job.
    batch: BytesMut,
    batch_count: usize,
    /// A request read but waiting for others to be answered first.
    waiting: Option<Request>,
    /// A large request being passed through as it arrives.
    streaming: Option<FrameSplitter>,
    outbox: Outbox,
    /// Bytes to write to the client.
    output: BytesMut,
    /// The connection ends once `output` is written.
    closing: bool,
    /// A reply that ends the connection once the replies in flight are in
    /// (Redis's answer to a malformed request).
    last_word: Option<Vec<u8>>,
}

/// The client's own upstream connection.
struct Own {
    writer: OwnedWriteHalf,
    protocol: Protocol,
    reader: tokio::task::JoinHandle<()>,
}

impl Drop for Own {
    /// Closing the connection ends whatever state it had upstream
    /// (a transaction, subscriptions, a blocked command).
    fn drop(&mut self) {
        self.reader.abort();
    }
}

/// Serves one client until it disconnects or the proxy must close it.
pub(crate) async fn serve(stream: TcpStream, peer: String, proxy: Arc<Proxy>) {
    let _ = stream.set_nodelay(true);
    let (mut reader, mut writer) = stream.into_split();
    let (outbox, mut inbox) = mpsc::channel(OUTBOX);
    let mut client = Client::new(proxy, peer, outbox);
    let mut decoder = client.decoder();
    let mut input = BytesMut::with_capacity(READ_SIZE);
    loop {
        client.run(&mut decoder, &mut input).await;
        client.flush_batch();
        if !client.output.is_empty() {
            if writer.write_all(&client.output).await.is_err() {
                break;
            }
            client.output.clear();
        }
        if client.closing {
            break;
        }
        if input.capacity() - input.len() < READ_SIZE / 4 {
            input.reserve(READ_SIZE);
        }
        tokio::select! {
            read = read_more(&mut reader, &mut input), if client.reads() => match read {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            },
            Some((carrier, out)) = inbox.recv() => {
                client.receive(carrier, out);
                while let Ok((carrier, out)) = inbox.try_recv() {
                    client.receive(carrier, out);
                }
            }
        }
    }
    let _ = writer.shutdown().await;
}

async fn read_more(reader: &mut OwnedReadHalf, input: &mut BytesMut) -> std::io::Result<usize> {
    reader.read_buf(input).await
}

impl Client {
    fn new(proxy: Arc<Proxy>, peer: String, outbox: Outbox) -> Self {
        Self {
            id: proxy.next_client_id(),
            authenticated: proxy.password.is_none(),
            proxy,
            peer,
            protocol: Protocol::Resp2,
            name: None,
            hold: Hold::None,
            shared_in_flight: 0,
            own_in_flight: 0,
            own: None,
            batch: BytesMut::new(),
            batch_count: 0,
            waiting: None,
            streaming: None,
            outbox,
            output: BytesMut::new(),
            closing: false,
            last_word: None,
        }
    }

    /// A request decoder with Redis's rules and limits: those before
    /// authentication while a password is wanted.
    fn decoder(&self) -> CommandDecoder {
        CommandDecoder::with_limits(self.limits()).skipping_bulk_terminators()
    }

    fn limits(&self) -> CommandLimits {
        if self.authenticated {
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
    /// for others to be answered, which also bounds what one client can
    /// make the proxy hold.
    fn reads(&self) -> bool {
        self.waiting.is_none() && !self.closing && self.last_word.is_none()
    }

    /// Handles what `input` holds, as far as the order of replies allows.
    async fn run(&mut self, decoder: &mut CommandDecoder, input: &mut BytesMut) {
        if let Some(request) = self.waiting.take() {
            if !self.handle(&request.command()).await {
                self.waiting = Some(request);
                return;
            }
        }
        self.say_last_word();
        while !self.closing && self.waiting.is_none() && self.last_word.is_none() {
            if self.streaming.is_some() {
                if !self.pass_through(input).await {
                    return;
                }
                decoder.reset();
                continue;
            }
            let was_authenticated = self.authenticated;
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
                    if !large || !self.start_stream(input).await {
                        return;
                    }
                }
                Err(error) => {
                    self.last_word = Some(format!("-ERR {error}\r\n").into_bytes());
                    return self.say_last_word();
                }
            }
            if self.authenticated != was_authenticated {
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

    /// Routes one request; `false` when it must wait for the replies in
    /// flight first.
    async fn handle(&mut self, command: &Command<'_>) -> bool {
        let effect = route::effect(command);
        let before_auth = matches!(
            effect,
            Effect::Local(route::Local::Auth | route::Local::Hello | route::Local::Quit)
        );
        if !self.authenticated && !before_auth {
            if self.in_flight() > 0 {
                return false;
            }
            self.output
                .extend_from_slice(b"-NOAUTH Authentication required.\r\n");
            return true;
        }
        if self.proxy.settings.password.is_some() && route::administers(command) {
            if self.in_flight() > 0 {
                return false;
            }
            self.output.extend_from_slice(
                b"-ERR this proxy does not forward administrative (@admin) commands, which would run with its own upstream credentials\r\n",
            );
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
            if !self.send_own(command.raw()).await {
                return true;
            }
            self.own_in_flight += 1;
            self.hold = self.hold.after(effect);
        } else {
            if self.own_in_flight > 0 {
                return false;
            }
            self.batch.extend_from_slice(command.raw());
            self.batch_count += 1;
            self.shared_in_flight += 1;
        }
        true
    }

    fn in_flight(&self) -> usize {
        self.shared_in_flight + self.own_in_flight
    }

    /// Answers a command the proxy handles itself.
    fn answer(&mut self, kind: route::Local, command: &Command<'_>) -> bool {
        let answer = local::answer(
            kind,
            command,
            &mut local::State {
                password: self.proxy.password.as_deref(),
                authenticated: &mut self.authenticated,
                protocol: &mut self.protocol,
                name: &mut self.name,
                id: self.id,
                hello: self.proxy.settings.hello.get(),
            },
        );
        let (Answer::Reply(bytes) | Answer::Close(bytes)) = &answer;
        if self.proxy.log {
            eprintln!("{} < {}", self.peer, crate::log::reply(bytes));
        }
        self.output.extend_from_slice(bytes);
        self.closing |= matches!(answer, Answer::Close(_));
        // A protocol switch applies to the client's own connection too: it
        // is opened again in the new protocol when next needed.
        if self
            .own
            .as_ref()
            .is_some_and(|own| own.protocol != self.protocol)
        {
            self.own = None;
        }
        true
    }

    /// Writes `bytes` to the client's own connection, opening it first if
    /// needed. `false` (and an error reply) when the upstream is away.
    async fn send_own(&mut self, bytes: &[u8]) -> bool {
        if self.own.is_none() {
            match upstream::open(&self.proxy.settings, self.protocol).await {
                Ok(stream) => {
                    let (reader, writer) = stream.into_split();
                    let reader = tokio::spawn(upstream::read_own(reader, self.outbox.clone()));
                    self.own = Some(Own {
                        writer,
                        protocol: self.protocol,
                        reader,
                    });
                }
                Err(_) => {
                    self.output.extend_from_slice(LOST);
                    return false;
                }
            }
        }
        let Some(own) = self.own.as_mut() else {
            return false;
        };
        if own.writer.write_all(bytes).await.is_err() {
            // The reader reports the loss; this request is among those lost.
            return true;
        }
        true
    }

    /// Starts passing a large request through as it arrives; `false` when
    /// it must wait for replies in flight first.
    async fn start_stream(&mut self, input: &mut BytesMut) -> bool {
        if self.shared_in_flight > 0 || self.batch_count > 0 {
            self.flush_batch();
            return false;
        }
        self.streaming = Some(upstream::splitter());
        self.own_in_flight += 1;
        self.hold = self.hold.after(Effect::Blocks);
        self.pass_through(input).await
    }

    /// Passes on what has arrived of the large request; `false` once the
    /// input is used up and more must be read.
    async fn pass_through(&mut self, input: &mut BytesMut) -> bool {
        let Some(splitter) = self.streaming.as_mut() else {
            return true;
        };
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
            if !self.send_own(&bytes).await {
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
        let pool = self.proxy.pool(self.protocol, self.id);
        pool.send(Job {
            bytes,
            count: self.batch_count,
            outbox: self.outbox.clone(),
        });
        self.batch_count = 0;
    }

    /// Applies a message from an upstream connection.
    fn receive(&mut self, carrier: Carrier, out: Out) {
        match out {
            Out::Replies { bytes, complete } => {
                if self.proxy.log {
                    eprintln!("{} < {}", self.peer, crate::log::reply(&bytes));
                }
                self.output.extend_from_slice(&bytes);
                self.answered(carrier, complete);
            }
            Out::Lost { count, partial } => {
                let count = match carrier {
                    Carrier::Shared => count,
                    Carrier::Own => {
                        self.own = None;
                        // Whatever state the connection held is gone.
                        if self.hold != Hold::None || partial {
                            self.closing = true;
                        }
                        self.hold = Hold::None;
                        self.own_in_flight
                    }
                };
                if partial {
                    // Part of a reply went out: the stream cannot be mended.
                    self.closing = true;
                } else {
                    for _ in 0..count {
                        self.output.extend_from_slice(LOST);
                    }
                }
                self.answered(carrier, count);
            }
        }
    }

    fn answered(&mut self, carrier: Carrier, complete: usize) {
        match carrier {
            Carrier::Shared => {
                self.shared_in_flight = self.shared_in_flight.saturating_sub(complete)
            }
            Carrier::Own => {
                self.own_in_flight = self.own_in_flight.saturating_sub(complete);
                if self.own_in_flight == 0 && self.hold == Hold::UntilReplied {
                    self.hold = Hold::None;
                }
            }
        }
    }
}
