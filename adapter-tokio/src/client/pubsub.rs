//! [`Subscription`]: the messages of subscribed channels and patterns, in
//! a bounded queue that says exactly where its reader fell behind.

use bytes::Bytes;
use resp_core::Push;
use std::collections::HashSet;
use tokio::sync::mpsc;

/// What a [`Subscription`] yields.
#[derive(Debug, Clone, PartialEq)]
pub enum Message {
    /// A message published on a subscribed channel (`Push::Message`), or
    /// on one matching a subscribed pattern (`Push::PatternMessage`).
    Push(Push),
    /// The reader fell behind and this many messages were dropped here,
    /// between the message before and the one after. Nothing is ever
    /// dropped without this marker.
    Lagged(u64),
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
    messages: mpsc::Receiver<(u64, Push)>,
    /// The sequence number the next message should have.
    expected: u64,
    /// A message held back while its lag marker is read first.
    held: Option<Push>,
    /// For RESP2, the connection this subscription has to itself.
    _connection: Option<super::Client>,
}

impl Subscription {
    pub(super) fn new(
        messages: mpsc::Receiver<(u64, Push)>,
        connection: Option<super::Client>,
    ) -> Self {
        Self {
            messages,
            expected: 0,
            held: None,
            _connection: connection,
        }
    }

    /// The next message, or `None` once the connection is gone.
    pub async fn next(&mut self) -> Option<Message> {
        if let Some(push) = self.held.take() {
            return Some(Message::Push(push));
        }
        let (sequence, push) = self.messages.recv().await?;
        let lost = sequence - self.expected;
        self.expected = sequence + 1;
        if lost > 0 {
            self.held = Some(push);
            return Some(Message::Lagged(lost));
        }
        Some(Message::Push(push))
    }
}

/// The driver's end of a subscription.
#[derive(Debug)]
pub(super) struct Subscriber {
    pub(super) channels: HashSet<Bytes>,
    pub(super) patterns: HashSet<Bytes>,
    pub(super) messages: mpsc::Sender<(u64, Push)>,
    /// Messages offered so far, delivered or dropped.
    pub(super) offered: u64,
}

impl Subscriber {
    /// Hands `push` over if it is for this subscriber; a full queue drops
    /// it, and the gap in sequence numbers tells the reader.
    pub(super) fn offer(&mut self, push: &Push) {
        let wanted = match push {
            Push::Message { channel, .. } => self.channels.contains(channel),
            Push::PatternMessage { pattern, .. } => self.patterns.contains(pattern),
            _ => false,
        };
        if wanted {
            let _ = self.messages.try_send((self.offered, push.clone()));
            self.offered += 1;
        }
    }

    /// Whether its reader is gone.
    pub(super) fn is_closed(&self) -> bool {
        self.messages.is_closed()
    }
}
