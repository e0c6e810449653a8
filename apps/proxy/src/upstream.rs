//! Connections to the upstream server.
//!
//! Every connection is set up with the proxy's own credentials. A shared
//! one carries many clients' requests, pipelined, and hands each reply to
//! the client whose request it answers, in order. A client's own one
//! carries only that client's traffic, pushes included.
//!
//! Replies are cut at frame boundaries by the core's [`FrameSplitter`] and
//! passed on as the bytes that arrived: nothing is decoded or re-encoded.

use bytes::{Bytes, BytesMut};
use resp_core::{
    Decoder, Frame, FrameSplitter, Hello, Limits, Protocol, ServerHello, Split, pack_command,
};
use std::io;
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::sync::mpsc;

/// How much one read from the upstream asks for.
const READ_SIZE: usize = 64 * 1024;

/// Bytes of a reply still arriving that are passed on before it is whole.
/// Below this a reply is passed on whole, which keeps the messages few.
const PASS_ON_PARTIAL: usize = 64 * 1024;

/// A splitter for traffic through the proxy. Payloads pass through in
/// pieces as they arrive, so their size is bounded only upstream, as
/// configured there; nesting and line lengths keep the proxy's bounds.
pub(crate) fn splitter() -> FrameSplitter {
    let mut limits = Limits::proxy();
    limits.max_bulk_len = u64::MAX;
    FrameSplitter::with_limits(limits)
}

/// The reply a client gets for each request the upstream lost.
pub(crate) const LOST: &[u8] = b"-ERR upstream connection lost\r\n";

/// Where the upstream is and who the proxy is there.
#[derive(Debug)]
pub(crate) struct Settings {
    pub(crate) address: String,
    pub(crate) user: Option<String>,
    pub(crate) password: Option<String>,
    /// The upstream's `HELLO` details, from the first connection set up.
    pub(crate) hello: OnceLock<ServerHello>,
}

/// What a client's task receives from the connections carrying its requests.
#[derive(Debug)]
pub(crate) enum Out {
    /// Reply bytes as they arrived; `complete` replies end in them.
    Replies { bytes: Bytes, complete: usize },
    /// The connection failed with `count` of the client's requests
    /// unanswered; `partial` when part of a reply was passed on already.
    Lost { count: usize, partial: bool },
}

/// A client's end for replies.
pub(crate) type Outbox = mpsc::Sender<(Carrier, Out)>;

/// Which connection a message comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Carrier {
    Shared,
    Own,
}

/// Opens a connection speaking `protocol` and sets it up.
pub(crate) async fn open(settings: &Settings, protocol: Protocol) -> io::Result<TcpStream> {
    let mut stream = TcpStream::connect(&settings.address).await?;
    stream.set_nodelay(true)?;
    let mut hello = Hello::new(protocol);
    let (user, password) = (
        settings.user.as_deref().unwrap_or("default"),
        settings.password.as_deref(),
    );
    if let Some(password) = password {
        hello = hello.with_auth(user.as_bytes(), password.as_bytes());
    }
    let mut request = Vec::new();
    pack_command(&mut request, hello);
    stream.write_all(&request).await?;
    let reply = read_one(&mut stream).await?;
    match ServerHello::from_frame(reply) {
        Ok(details) => {
            let _ = settings.hello.set(details);
            Ok(stream)
        }
        // A server without HELLO speaks RESP2 only; AUTH alone sets it up.
        Err(_) if protocol == Protocol::Resp2 => {
            if let Some(password) = password {
                let mut auth = Vec::new();
                match &settings.user {
                    Some(user) => pack_command(&mut auth, ["AUTH", user.as_str(), password]),
                    None => pack_command(&mut auth, ["AUTH", password]),
                }
                stream.write_all(&auth).await?;
                let reply = read_one(&mut stream).await?;
                if reply.is_error() {
                    return Err(refused(&reply));
                }
            }
            Ok(stream)
        }
        Err(error) => Err(io::Error::other(format!("upstream refused HELLO: {error}"))),
    }
}

fn refused(reply: &Frame) -> io::Error {
    let text = reply.as_bytes().unwrap_or_default();
    io::Error::other(format!(
        "upstream refused the proxy's credentials: {}",
        String::from_utf8_lossy(text)
    ))
}

/// Reads exactly one reply, during setup, before anything else is sent.
async fn read_one(stream: &mut TcpStream) -> io::Result<Frame> {
    let mut decoder = Decoder::new();
    let mut buf = BytesMut::with_capacity(1024);
    loop {
        if let Some(frame) = decoder.decode(&mut buf)? {
            return Ok(frame);
        }
        if stream.read_buf(&mut buf).await? == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
    }
}

/// Requests of one client, whole, for a shared connection.
#[derive(Debug)]
pub(crate) struct Job {
    pub(crate) bytes: Bytes,
    pub(crate) count: usize,
    pub(crate) outbox: Outbox,
}

/// A shared connection: a handle to queue requests on, and a task that
/// keeps a connection up, reconnecting when it fails.
#[derive(Debug, Clone)]
pub(crate) struct SharedUpstream {
    jobs: mpsc::UnboundedSender<Job>,
}

impl SharedUpstream {
    pub(crate) fn spawn(settings: Arc<Settings>, protocol: Protocol) -> Self {
        let (jobs, queue) = mpsc::unbounded_channel();
        tokio::spawn(keep_up(settings, protocol, queue));
        Self { jobs }
    }

    /// Queues requests. Their replies, or a `Lost`, arrive in the outbox.
    pub(crate) fn send(&self, job: Job) {
        if let Err(mpsc::error::SendError(job)) = self.jobs.send(job) {
            fail(job.outbox, job.count, false);
        }
    }
}

/// Tells a client that `count` of its requests went unanswered.
fn fail(outbox: Outbox, count: usize, partial: bool) {
    if count > 0 {
        // A full outbox belongs to a client too slow to matter; it is
        // closed by the same failure soon after.
        let _ = outbox.try_send((Carrier::Shared, Out::Lost { count, partial }));
    }
}

/// Connects, serves until the connection fails, and again, with a delay
/// that grows to a second while the upstream stays away. Requests queued
/// while there is no connection fail at once: nothing is sent twice.
async fn keep_up(
    settings: Arc<Settings>,
    protocol: Protocol,
    mut jobs: mpsc::UnboundedReceiver<Job>,
) {
    let mut delay = Duration::from_millis(25);
    loop {
        match open(&settings, protocol).await {
            Ok(stream) => {
                delay = Duration::from_millis(25);
                if let Ended::Unused = serve(stream, &mut jobs).await {
                    return;
                }
            }
            Err(error) => eprintln!("proxy: upstream {}: {error}", settings.address),
        }
        let retry = tokio::time::sleep(delay);
        tokio::pin!(retry);
        loop {
            tokio::select! {
                job = jobs.recv() => match job {
                    Some(job) => fail(job.outbox, job.count, false),
                    None => return,
                },
                () = &mut retry => break,
            }
        }
        delay = (delay * 2).min(Duration::from_secs(1));
    }
}

/// The requests a shared connection has sent and not yet fully answered.
#[derive(Debug)]
struct Waiting {
    outbox: Outbox,
    /// Replies still owed.
    count: usize,
    /// Whether part of the next reply was passed on.
    partial: bool,
}

/// Why a shared connection stopped serving.
enum Ended {
    /// The connection failed; another is opened.
    Failed,
    /// No handle is left to queue requests with.
    Unused,
}

/// Serves one shared connection until it fails or is no longer used.
/// Everything in flight then fails.
async fn serve(stream: TcpStream, jobs: &mut mpsc::UnboundedReceiver<Job>) -> Ended {
    let (reader, writer) = stream.into_split();
    let (sent, mut waiting) = mpsc::unbounded_channel::<Waiting>();
    let ended = tokio::select! {
        written = write_jobs(writer, jobs, sent) => match written {
            Ok(()) => Ended::Unused,
            Err(_) => Ended::Failed,
        },
        _ = read_replies(reader, &mut waiting) => Ended::Failed,
    };
    waiting.close();
    while let Some(entry) = waiting.recv().await {
        fail(entry.outbox, entry.count, entry.partial);
    }
    ended
}

/// Writes queued requests, each registered with the reader first so that
/// its replies always find their client. Jobs waiting together go out in
/// one write.
async fn write_jobs(
    mut writer: OwnedWriteHalf,
    jobs: &mut mpsc::UnboundedReceiver<Job>,
    sent: mpsc::UnboundedSender<Waiting>,
) -> io::Result<()> {
    let mut batch = BytesMut::new();
    while let Some(job) = jobs.recv().await {
        // Clients woken by the same readiness event queue their requests
        // first, so one write carries them all, as an event loop would.
        tokio::task::yield_now().await;
        let mut next = Some(job);
        while let Some(job) = next.take() {
            batch.extend_from_slice(&job.bytes);
            let entry = Waiting {
                outbox: job.outbox,
                count: job.count,
                partial: false,
            };
            if sent.send(entry).is_err() {
                return Ok(());
            }
            if batch.len() < READ_SIZE {
                next = jobs.try_recv().ok();
            }
        }
        writer.write_all(&batch).await?;
        batch.clear();
    }
    Ok(())
}

/// Cuts replies at frame boundaries and hands each run of them to the
/// client it belongs to. Returns when the connection fails.
async fn read_replies(
    mut reader: OwnedReadHalf,
    waiting: &mut mpsc::UnboundedReceiver<Waiting>,
) -> io::Result<()> {
    let mut splitter = splitter();
    let mut buf = BytesMut::with_capacity(READ_SIZE);
    let mut current: Option<Waiting> = None;
    // Bytes at the front of `buf` that belong to `current`'s replies, and
    // how many replies end in them.
    let (mut run, mut complete) = (0, 0);
    let result = loop {
        if buf.capacity() - buf.len() < READ_SIZE / 4 {
            buf.reserve(READ_SIZE);
        }
        match reader.read_buf(&mut buf).await {
            Ok(0) => break Err(io::ErrorKind::UnexpectedEof.into()),
            Ok(_) => {}
            Err(error) => break Err(error),
        }
        loop {
            let split = match splitter.split(&buf[run..]) {
                Ok(split) => split,
                Err(error) => return Err(error.into()),
            };
            match split {
                Split::Frame { end, push: true } => {
                    // Pushes on a shared connection belong to no client
                    // (tracking and subscriptions use the client's own
                    // connection); they are dropped where they stand.
                    let after = buf.split_off(run + end);
                    buf.truncate(run);
                    buf.unsplit(after);
                }
                Split::Frame { end, push: false } => {
                    if current.is_none() {
                        current = waiting.try_recv().ok();
                    }
                    let Some(entry) = current.as_mut() else {
                        return Err(io::Error::other("a reply to no request"));
                    };
                    run += end;
                    complete += 1;
                    if complete == entry.count {
                        let bytes = buf.split_to(run).freeze();
                        if let Some(entry) = current.take() {
                            let _ = entry
                                .outbox
                                .send((Carrier::Shared, Out::Replies { bytes, complete }))
                                .await;
                        }
                        (run, complete) = (0, 0);
                    }
                }
                Split::Partial { consumed } => {
                    run += consumed;
                    if run > 0 && (complete > 0 || run >= PASS_ON_PARTIAL) {
                        let mid = !splitter.is_idle();
                        hand_on(&mut buf, &mut current, waiting, (run, complete, mid)).await;
                        (run, complete) = (0, 0);
                    }
                    break;
                }
            }
        }
    };
    if let Some(entry) = current {
        fail(entry.outbox, entry.count, entry.partial);
    }
    result
}

/// Passes on the first `run` bytes of `buf`, in which `complete` replies
/// end, to the client they belong to, before the rest has arrived; `mid`
/// when they end inside a reply.
async fn hand_on(
    buf: &mut BytesMut,
    current: &mut Option<Waiting>,
    waiting: &mut mpsc::UnboundedReceiver<Waiting>,
    (run, complete, mid): (usize, usize, bool),
) {
    if current.is_none() {
        *current = waiting.try_recv().ok();
    }
    let bytes = buf.split_to(run).freeze();
    let Some(entry) = current.as_mut() else {
        return;
    };
    entry.count -= complete;
    entry.partial = mid;
    let _ = entry
        .outbox
        .send((Carrier::Shared, Out::Replies { bytes, complete }))
        .await;
}

/// Reads a client's own connection: everything on it is that client's,
/// pushes included, and is passed on as it arrives. Counts the replies
/// (frames other than pushes) so the client knows when its requests are
/// answered.
pub(crate) async fn read_own(mut reader: OwnedReadHalf, outbox: Outbox) {
    let mut splitter = splitter();
    let mut buf = BytesMut::with_capacity(READ_SIZE);
    loop {
        if buf.capacity() - buf.len() < READ_SIZE / 4 {
            buf.reserve(READ_SIZE);
        }
        match reader.read_buf(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
        let (mut at, mut complete) = (0, 0);
        loop {
            match splitter.split(&buf[at..]) {
                Ok(Split::Frame { end, push }) => {
                    at += end;
                    complete += usize::from(!push);
                }
                Ok(Split::Partial { consumed }) => {
                    at += consumed;
                    break;
                }
                Err(_) => {
                    let lost = Out::Lost {
                        count: 0,
                        partial: true,
                    };
                    let _ = outbox.send((Carrier::Own, lost)).await;
                    return;
                }
            }
        }
        if at == 0 {
            continue;
        }
        // A header line cut short stays for the next read.
        let bytes = buf.split_to(at).freeze();
        let message = Out::Replies { bytes, complete };
        if outbox.send((Carrier::Own, message)).await.is_err() {
            return;
        }
    }
    let lost = Out::Lost {
        count: 0,
        partial: !splitter.is_idle(),
    };
    let _ = outbox.send((Carrier::Own, lost)).await;
}
