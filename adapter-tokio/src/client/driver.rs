//! The task behind a [`Client`](super::Client): it owns the socket, writes
//! what is queued, reads replies and routes them through the session.

use super::pubsub::Subscriber;
use super::{ClientError, Queued};
use crate::RespCodec;
use bytes::BytesMut;
use resp_core::{Frame, Protocol, Push, RequestId, Routed, Session};
use std::collections::VecDeque;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::{mpsc, oneshot};
use tokio_util::codec::Decoder;

/// What the handles and the driver share.
#[derive(Debug)]
pub(super) struct Shared {
    pub(super) protocol: Protocol,
    /// Commands written but not answered at most; beyond it the driver
    /// takes nothing new from the queue until replies come.
    pub(super) max_in_flight: usize,
    /// The queued-bytes bound.
    pub(super) max_queued_bytes: usize,
}

impl Shared {
    pub(super) fn new(protocol: Protocol, max_in_flight: usize, max_queued_bytes: usize) -> Self {
        Self {
            protocol,
            max_in_flight,
            max_queued_bytes,
        }
    }
}

/// A request whose replies are still coming.
struct Waiting {
    /// The ids of its commands' replies, in order.
    ids: VecDeque<RequestId>,
    frames: Vec<Frame>,
    replies: oneshot::Sender<Result<Vec<Frame>, ClientError>>,
}

pub(super) async fn run<S>(
    mut stream: S,
    mut decoder: RespCodec,
    mut input: BytesMut,
    mut requests: mpsc::Receiver<Queued>,
    shared: std::sync::Arc<Shared>,
) where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let mut session = Session::new(shared.protocol);
    let mut waiting: VecDeque<Waiting> = VecDeque::new();
    let mut output = BytesMut::new();
    let mut in_flight = 0usize;
    let mut accepting = true;
    let mut subscribers: Vec<Subscriber> = Vec::new();
    loop {
        let taking = accepting && in_flight < shared.max_in_flight;
        tokio::select! {
            queued = requests.recv(), if taking => {
                let Some(first) = queued else {
                    // Every handle is gone: finish what is in flight, then stop.
                    accepting = false;
                    if waiting.is_empty() {
                        break;
                    }
                    continue;
                };
                // Everything queued goes out in one write; its share of the
                // queued-bytes bound is given back once written.
                let mut written = Vec::new();
                let mut next = Some(first);
                while let Some(mut queued) = next {
                    if let Some(subscriber) = queued.subscriber.take() {
                        subscribers.push(subscriber);
                    }
                    in_flight += queued.commands.len();
                    output.extend_from_slice(&queued.bytes);
                    let ids = queued
                        .commands
                        .iter()
                        .map(|(name, count)| session.sent_command(name, *count))
                        .collect();
                    waiting.push_back(Waiting { ids, frames: Vec::new(), replies: queued.replies });
                    written.push(queued.budget);
                    next = if in_flight < shared.max_in_flight { requests.try_recv().ok() } else { None };
                }
                if stream.write_all(&output).await.is_err() {
                    break;
                }
                output.clear();
                drop(written);
            }
            read = stream.read_buf(&mut input) => {
                match read {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {}
                }
                let mut replies = Replies {
                    session: &mut session,
                    waiting: &mut waiting,
                    in_flight: &mut in_flight,
                    subscribers: &mut subscribers,
                };
                if !replies.route(&mut decoder, &mut input) {
                    break;
                }
                if !accepting && waiting.is_empty() {
                    break;
                }
            }
        }
        if input.capacity() - input.len() < 1024 {
            input.reserve(16 * 1024);
        }
    }
    // The connection is gone: everything in flight fails now, and the
    // handles see a closed queue from here on.
    requests.close();
    for request in waiting.drain(..) {
        let _ = request.replies.send(Err(ClientError::Closed));
    }
    while let Ok(queued) = requests.try_recv() {
        let _ = queued.replies.send(Err(ClientError::Closed));
    }
}

/// Where decoded frames go: the callers waiting, and the subscribers.
struct Replies<'a> {
    session: &'a mut Session,
    waiting: &'a mut VecDeque<Waiting>,
    in_flight: &'a mut usize,
    subscribers: &'a mut Vec<Subscriber>,
}

impl Replies<'_> {
    /// Decodes every whole frame in `input` and hands each to its caller
    /// or its subscribers; returns false when the connection must close (a
    /// corrupt stream, or a reply nobody asked for).
    fn route(&mut self, decoder: &mut RespCodec, input: &mut BytesMut) -> bool {
        loop {
            // The codec reserves the rest of a big payload at once.
            let frame = match decoder.decode(input) {
                Ok(Some(frame)) => frame,
                Ok(None) => return true,
                Err(_) => return false,
            };
            let (id, frame) = match self.session.route(frame) {
                Routed::Reply(id, frame) => (id, frame),
                Routed::Confirmation { id, frame, last } => {
                    if !last {
                        continue;
                    }
                    (id, frame)
                }
                Routed::Push(frame) => {
                    self.publish(frame);
                    continue;
                }
                Routed::Unexpected(_) => return false,
            };
            if !self.answer(id, frame) {
                return false;
            }
        }
    }

    /// Gives a reply to the request it answers.
    fn answer(&mut self, id: RequestId, frame: Frame) -> bool {
        let Some(request) = self.waiting.front_mut() else {
            return false;
        };
        if request.ids.front() != Some(&id) {
            return false;
        }
        request.ids.pop_front();
        request.frames.push(frame);
        *self.in_flight -= 1;
        if request.ids.is_empty() {
            if let Some(done) = self.waiting.pop_front() {
                // A caller that gave up (dropped, timed out) is not there
                // any more; its reply is discarded.
                let _ = done.replies.send(Ok(done.frames));
            }
        }
        true
    }

    /// Offers a push to every subscriber, forgetting those whose reader is gone.
    fn publish(&mut self, frame: Frame) {
        let Ok(push) = Push::from_frame(frame) else {
            return;
        };
        self.subscribers
            .retain(|subscriber| !subscriber.is_closed());
        for subscriber in self.subscribers.iter_mut() {
            subscriber.offer(&push);
        }
    }
}
