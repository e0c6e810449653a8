//! Pub/sub: SUBSCRIBE, UNSUBSCRIBE, PSUBSCRIBE, PUNSUBSCRIBE, PUBLISH.
//!
//! Each connection has a backlog bounded in bytes ([`BACKLOG_LIMIT`], Redis's
//! default pub/sub output limit). A subscriber that lets it fill up is
//! disconnected at once, even while a write to it is stuck, as Redis
//! disconnects one past its output buffer limit, so a slow reader never
//! grows the server's memory without bound.

use super::{Ctx, Out, Res, arg};
use bytes::Bytes;
use resp_core::Command;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::{Notify, mpsc};

/// The most bytes of messages one connection may have waiting: Redis's
/// default `client-output-buffer-limit pubsub` hard limit.
pub(crate) const BACKLOG_LIMIT: usize = 32 << 20;

/// The messages waiting for one connection, in bytes, and whether it fell
/// past the limit.
#[derive(Debug, Default)]
pub(crate) struct Backlog {
    bytes: AtomicUsize,
    overflowed: AtomicBool,
    /// Wakes the connection's task, even in the middle of a stuck write.
    kicked: Notify,
}

impl Backlog {
    /// Takes `size` more bytes, or marks the connection for disconnecting
    /// when they would pass the limit.
    fn admit(&self, size: usize) -> bool {
        if self.is_overflowed() {
            return false;
        }
        if self.bytes.fetch_add(size, Ordering::AcqRel) + size > BACKLOG_LIMIT {
            self.bytes.fetch_sub(size, Ordering::AcqRel);
            self.overflow();
            return false;
        }
        true
    }

    fn overflow(&self) {
        self.overflowed.store(true, Ordering::Release);
        self.kicked.notify_one();
    }

    /// A message of `size` bytes was written out.
    pub(crate) fn written(&self, size: usize) {
        self.bytes.fetch_sub(size, Ordering::AcqRel);
    }

    pub(crate) fn is_overflowed(&self) -> bool {
        self.overflowed.load(Ordering::Acquire)
    }

    /// Completes once the connection fell past the limit.
    pub(crate) async fn kicked(&self) {
        self.kicked.notified().await;
    }
}

/// A published message, on its way to one subscriber.
#[derive(Debug, Clone)]
pub(crate) enum Message {
    Message {
        channel: Bytes,
        payload: Bytes,
    },
    PMessage {
        pattern: Bytes,
        channel: Bytes,
        payload: Bytes,
    },
}

impl Message {
    /// What it costs the backlog: its payloads and some framing.
    pub(crate) fn size(&self) -> usize {
        match self {
            Self::Message { channel, payload } => channel.len() + payload.len() + 32,
            Self::PMessage {
                pattern,
                channel,
                payload,
            } => pattern.len() + channel.len() + payload.len() + 40,
        }
    }

    /// Writes it as Redis does: a push in RESP3, an array in RESP2.
    pub(crate) fn write(&self, out: &mut Out<'_>) {
        match self {
            Self::Message { channel, payload } => {
                out.push(3);
                out.bulk("message");
                out.bulk(channel);
                out.bulk(payload);
            }
            Self::PMessage {
                pattern,
                channel,
                payload,
            } => {
                out.push(4);
                out.bulk("pmessage");
                out.bulk(pattern);
                out.bulk(channel);
                out.bulk(payload);
            }
        }
    }
}

#[derive(Debug, Clone)]
struct Subscriber {
    id: u64,
    inbox: mpsc::Sender<Message>,
    backlog: Arc<Backlog>,
}

impl Subscriber {
    /// Queues `message` for the connection; false when it was not (the
    /// connection fell past its limit, or is gone).
    fn deliver(&self, message: Message) -> bool {
        if !self.backlog.admit(message.size()) {
            return false;
        }
        let size = message.size();
        if self.inbox.try_send(message).is_err() {
            self.backlog.written(size);
            self.backlog.overflow();
            return false;
        }
        true
    }
}

/// Who listens on which channel and pattern.
#[derive(Debug, Default)]
pub(crate) struct PubSub {
    channels: Mutex<HashMap<Bytes, Vec<Subscriber>>>,
    patterns: Mutex<Vec<(Bytes, Subscriber)>>,
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn subscriber(ctx: &Ctx<'_>) -> Subscriber {
    Subscriber {
        id: ctx.conn.id(),
        inbox: ctx.session.inbox.clone(),
        backlog: ctx.session.backlog.clone(),
    }
}

fn confirm(out: &mut Out<'_>, kind: &str, name: Option<&[u8]>, count: usize) {
    out.push(3);
    out.bulk(kind);
    match name {
        Some(name) => out.bulk(name),
        None => out.null(),
    }
    out.integer(count as i64);
}

/// Channels, or patterns.
#[derive(Clone, Copy)]
enum Kind {
    Channels,
    Patterns,
}

/// Joins the channels, or patterns, named from argument 1 on, confirming each.
fn join(ctx: &mut Ctx<'_>, command: &Command<'_>, out: &mut Out<'_>, kind: Kind) -> Res {
    let me = subscriber(ctx);
    for name in command.args().skip(1) {
        let (joined, confirmation) = match kind {
            Kind::Channels => (ctx.session.channels.insert(name.into()), "subscribe"),
            Kind::Patterns => (ctx.session.patterns.insert(name.into()), "psubscribe"),
        };
        if joined {
            let name = Bytes::copy_from_slice(name);
            match kind {
                Kind::Channels => lock(&ctx.shared.pubsub.channels)
                    .entry(name)
                    .or_default()
                    .push(me.clone()),
                Kind::Patterns => lock(&ctx.shared.pubsub.patterns).push((name, me.clone())),
            }
        }
        confirm(out, confirmation, Some(name), ctx.session.subscriptions());
    }
    Ok(())
}

pub(crate) fn subscribe(ctx: &mut Ctx<'_>, command: &Command<'_>, out: &mut Out<'_>) -> Res {
    join(ctx, command, out, Kind::Channels)
}

pub(crate) fn psubscribe(ctx: &mut Ctx<'_>, command: &Command<'_>, out: &mut Out<'_>) -> Res {
    join(ctx, command, out, Kind::Patterns)
}

fn drop_channel(ctx: &Ctx<'_>, channel: &[u8]) {
    let mut channels = lock(&ctx.shared.pubsub.channels);
    if let Some(subscribers) = channels.get_mut(channel) {
        subscribers.retain(|s| s.id != ctx.conn.id());
        if subscribers.is_empty() {
            channels.remove(channel);
        }
    }
}

fn drop_pattern(ctx: &Ctx<'_>, pattern: &[u8]) {
    lock(&ctx.shared.pubsub.patterns)
        .retain(|(p, s)| !(s.id == ctx.conn.id() && &p[..] == pattern));
}

/// Leaves the channels, or patterns, named from argument 1 on (all of them
/// without names, with a confirmation even when there were none).
fn leave(ctx: &mut Ctx<'_>, command: &Command<'_>, out: &mut Out<'_>, kind: Kind) -> Res {
    let (confirmation, joined) = match kind {
        Kind::Channels => ("unsubscribe", &ctx.session.channels),
        Kind::Patterns => ("punsubscribe", &ctx.session.patterns),
    };
    let names: Vec<Box<[u8]>> = if command.len() > 1 {
        command.args().skip(1).map(Into::into).collect()
    } else {
        joined.iter().cloned().collect()
    };
    if names.is_empty() {
        confirm(out, confirmation, None, ctx.session.subscriptions());
    }
    for name in names {
        match kind {
            Kind::Channels if ctx.session.channels.remove(&name) => drop_channel(ctx, &name),
            Kind::Patterns if ctx.session.patterns.remove(&name) => drop_pattern(ctx, &name),
            _ => {}
        }
        confirm(out, confirmation, Some(&name), ctx.session.subscriptions());
    }
    Ok(())
}

pub(crate) fn unsubscribe(ctx: &mut Ctx<'_>, command: &Command<'_>, out: &mut Out<'_>) -> Res {
    leave(ctx, command, out, Kind::Channels)
}

pub(crate) fn punsubscribe(ctx: &mut Ctx<'_>, command: &Command<'_>, out: &mut Out<'_>) -> Res {
    leave(ctx, command, out, Kind::Patterns)
}

/// Leaves every channel and pattern without confirming (RESET, disconnect).
pub(crate) fn leave_all(ctx: &mut Ctx<'_>) {
    for channel in std::mem::take(&mut ctx.session.channels) {
        drop_channel(ctx, &channel);
    }
    for pattern in std::mem::take(&mut ctx.session.patterns) {
        drop_pattern(ctx, &pattern);
    }
}

pub(crate) fn publish(ctx: &mut Ctx<'_>, command: &Command<'_>, out: &mut Out<'_>) -> Res {
    let channel = Bytes::copy_from_slice(arg(command, 1));
    let payload = Bytes::copy_from_slice(arg(command, 2));
    let mut receivers = 0;
    if let Some(subscribers) = lock(&ctx.shared.pubsub.channels).get(&channel) {
        for subscriber in subscribers {
            let delivered = subscriber.deliver(Message::Message {
                channel: channel.clone(),
                payload: payload.clone(),
            });
            receivers += i64::from(delivered);
        }
    }
    for (pattern, subscriber) in lock(&ctx.shared.pubsub.patterns).iter() {
        if crate::glob::matches(pattern, &channel, false) {
            let delivered = subscriber.deliver(Message::PMessage {
                pattern: pattern.clone(),
                channel: channel.clone(),
                payload: payload.clone(),
            });
            receivers += i64::from(delivered);
        }
    }
    out.integer(receivers);
    Ok(())
}
