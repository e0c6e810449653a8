//! [`Subscription`]: the messages of subscribed channels and patterns, in
//! a bounded queue that says exactly where its reader fell behind.

use bytes::Bytes;
use resp_core::Push;
use std::collections::HashSet;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use tokio::sync::mpsc;

/// What a [`Subscription`] yields.
#[derive(Debug, Clone, PartialEq)]
pub enum Message {
    /// A message published on a subscribed channel (`Push::Message`), on
    /// one matching a subscribed pattern (`Push::PatternMessage`), on a
    /// shard channel (`Push::ShardMessage`), or a client-side caching
    /// invalidation (`Push::Invalidate`).
    Push(Push),
    /// The reader fell behind and this many messages were dropped here,
    /// between the message before and the one after. Nothing is ever
    /// dropped without this marker.
    Lagged(u64),
    /// The connection broke and the client reconnected: messages published
    /// in between were lost. The subscription itself was renewed (no need
    /// to subscribe again); messages after this marker are new. A reader
    /// keeping state from invalidations drops it here.
    Reconnected,
}

/// The messages of the channels and patterns one `subscribe` or
/// `psubscribe` asked for.
///
/// Messages wait in a bounded queue (`ClientOptions::push_buffer`). When a
/// reader falls behind and the queue is full, newer messages are dropped
/// rather than stalling the connection for everyone, and the reader is
/// told: a [`Message::Lagged`] with the number lost comes exactly where
/// they would have been, before the next message that did arrive.
#[derive(Debug)]
pub struct Subscription {
    messages: mpsc::Receiver<(u64, Delivery)>,
    /// The sequence number the next message should have.
    expected: u64,
    /// A message held back while its lag marker is read first.
    held: Option<Delivery>,
    /// The connection it was made on (in RESP2, one of its own), and what
    /// undoes it.
    connection: super::Client,
    leave: Option<(&'static str, Vec<Bytes>)>,
}

impl Subscription {
    pub(super) fn new(
        messages: mpsc::Receiver<(u64, Delivery)>,
        connection: super::Client,
        leave: Option<(&'static str, Vec<Bytes>)>,
    ) -> Self {
        Self {
            messages,
            expected: 0,
            held: None,
            connection,
            leave,
        }
    }

    /// Leaves the channels (or patterns, or tracking) and waits for the
    /// server to confirm. Dropping a subscription instead only stops its
    /// messages here; the server goes on sending them until the connection
    /// closes.
    pub async fn unsubscribe(mut self) -> Result<(), super::ClientError> {
        self.messages.close();
        let Some((command, names)) = self.leave.take() else {
            return Ok(());
        };
        let mut args: Vec<&[u8]> = vec![command.as_bytes()];
        args.extend(names.iter().map(|name| &name[..]));
        if command == "CLIENT" {
            self.connection.call::<()>(args).await
        } else {
            self.connection.call_frame(args).await.map(drop)
        }
    }

    /// The next message, or `None` once the connection is gone.
    pub async fn next(&mut self) -> Option<Message> {
        std::future::poll_fn(|cx| self.poll_message(cx)).await
    }

    fn poll_message(&mut self, cx: &mut Context<'_>) -> Poll<Option<Message>> {
        if let Some(delivery) = self.held.take() {
            return Poll::Ready(Some(delivery.into_message()));
        }
        let Some((sequence, delivery)) = ready!(self.messages.poll_recv(cx)) else {
            return Poll::Ready(None);
        };
        let lost = sequence - self.expected;
        self.expected = sequence + 1;
        if lost > 0 {
            self.held = Some(delivery);
            return Poll::Ready(Some(Message::Lagged(lost)));
        }
        Poll::Ready(Some(delivery.into_message()))
    }
}

/// A subscription is a `Stream` of its messages, for `StreamExt` and friends.
impl futures_core::Stream for Subscription {
    type Item = Message;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Message>> {
        self.get_mut().poll_message(cx)
    }
}

/// What the driver hands a subscription: a push, or the marker of a
/// reconnect.
#[derive(Debug)]
pub(super) enum Delivery {
    Push(Push),
    Reconnected,
}

impl Delivery {
    fn into_message(self) -> Message {
        match self {
            Self::Push(push) => Message::Push(push),
            Self::Reconnected => Message::Reconnected,
        }
    }
}

/// The driver's end of a subscription.
#[derive(Debug)]
pub(super) struct Subscriber {
    pub(super) channels: HashSet<Bytes>,
    pub(super) patterns: HashSet<Bytes>,
    pub(super) shard_channels: HashSet<Bytes>,
    /// Whether it wants client-side caching invalidations.
    pub(super) invalidations: bool,
    pub(super) messages: mpsc::Sender<(u64, Delivery)>,
    /// Messages offered so far, delivered or dropped.
    pub(super) offered: u64,
}

impl Subscriber {
    /// Hands `push` over if it is for this subscriber; a full queue drops
    /// it, and the gap in sequence numbers tells the reader.
    pub(super) fn offer(&mut self, push: &Push) {
        let wanted = match push {
            Push::Message { channel, .. } => self.channels.contains(&channel[..]),
            Push::PatternMessage { pattern, .. } => self.patterns.contains(&pattern[..]),
            Push::ShardMessage { channel, .. } => self.shard_channels.contains(&channel[..]),
            Push::Invalidate(_) => self.invalidations,
            _ => false,
        };
        if wanted {
            self.deliver(Delivery::Push(push.clone()));
        }
    }

    /// Tells the reader that the connection was replaced and messages may
    /// have been lost in between; with a full queue the gap in sequence
    /// numbers says so instead.
    pub(super) fn missed(&mut self) {
        self.deliver(Delivery::Reconnected);
    }

    fn deliver(&mut self, delivery: Delivery) {
        let _ = self.messages.try_send((self.offered, delivery));
        self.offered += 1;
    }

    /// Whether its reader is gone.
    pub(super) fn is_closed(&self) -> bool {
        self.messages.is_closed()
    }
}
