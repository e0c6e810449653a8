//! [`Session`]: which incoming frame answers which request in flight, and
//! which frames are pushes.

use crate::frame::Frame;
use crate::payload::Payload;
use crate::protocol::Protocol;
use crate::push::{Push, SubscriptionKind};
use crate::table::{CommandFlags, CommandSpec};
use alloc::collections::{BTreeSet, VecDeque};

/// Names a request in flight on a [`Session`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RequestId(u64);

/// Where an incoming frame goes.
#[derive(Debug, Clone, PartialEq)]
pub enum Routed {
    /// The reply to request `id`, which is now complete.
    Reply(RequestId, Frame),
    /// A push: a pub/sub message, a tracking invalidation, or anything else
    /// the server sent on its own. It answers no request.
    Push(Frame),
    /// A subscription confirmation. It is a push, and it also answers
    /// request `id` (a `SUBSCRIBE` of several channels gets one per
    /// channel); `last` says whether the request is now complete.
    Confirmation {
        /// The (un)subscribe request it answers.
        id: RequestId,
        /// The confirmation.
        frame: Frame,
        /// Whether it was the request's last confirmation.
        last: bool,
    },
    /// A frame that answers nothing in flight: the connection has lost
    /// track of its replies and must be closed.
    Unexpected(Frame),
}

/// What a request in flight waits for.
#[derive(Debug, Clone)]
struct InFlight {
    id: RequestId,
    /// For (un)subscribes: the confirmations' kind, and how many are
    /// still to come (`None` until known, for a bare `UNSUBSCRIBE` sent
    /// before earlier confirmations arrived).
    subscription: Option<(SubscriptionKind, usize)>,
    /// `MONITOR` (`Some(true)`): once it is answered, the server streams
    /// every command it runs to this connection; `RESET` (`Some(false)`)
    /// ends that.
    monitor: Option<bool>,
}

/// The request-reply bookkeeping of one connection, with no IO: record
/// each request as it is written ([`sent`](Self::sent)), then hand every
/// decoded frame to [`route`](Self::route), which says whether it answers a
/// request (which one) or is a push.
///
/// Replies come in the order requests were sent. Pushes can come between
/// them: in RESP3 they are `>` frames (attributes before them or not); in
/// RESP2 they are arrays on a connection in subscribed mode. Subscription
/// confirmations are pushes that also answer the command that asked for
/// them, one per channel or pattern.
///
/// ```
/// use resp_core::{Frame, Protocol, Routed, Session};
///
/// let mut session = Session::new(Protocol::Resp3);
/// let get = session.sent(&["GET", "k"]);
/// let subscribe = session.sent(&["SUBSCRIBE", "news"]);
/// let invalidation = Frame::Push(vec!["invalidate".into(), Frame::Array(vec!["k".into()])]);
/// assert_eq!(session.route(invalidation.clone()), Routed::Push(invalidation));
/// assert_eq!(session.route(Frame::from("v")), Routed::Reply(get, Frame::from("v")));
/// let confirmation = Frame::Push(vec!["subscribe".into(), "news".into(), Frame::Integer(1)]);
/// assert_eq!(
///     session.route(confirmation.clone()),
///     Routed::Confirmation { id: subscribe, frame: confirmation, last: true }
/// );
/// assert!(session.is_idle());
/// ```
#[derive(Debug, Clone)]
pub struct Session {
    protocol: Protocol,
    in_flight: VecDeque<InFlight>,
    next_id: u64,
    /// What the server confirmed this connection is subscribed to.
    channels: BTreeSet<Payload>,
    patterns: BTreeSet<Payload>,
    shard_channels: BTreeSet<Payload>,
    /// `MONITOR` was accepted: its lines are pushes from now on.
    monitoring: bool,
}

impl Session {
    /// A session on a connection speaking `protocol`.
    pub fn new(protocol: Protocol) -> Self {
        Self {
            protocol,
            in_flight: VecDeque::new(),
            next_id: 0,
            channels: BTreeSet::new(),
            patterns: BTreeSet::new(),
            shard_channels: BTreeSet::new(),
            monitoring: false,
        }
    }

    /// The protocol replies are read in.
    pub fn protocol(&self) -> Protocol {
        self.protocol
    }

    /// Switches the protocol, after a `HELLO` the server accepted.
    pub fn set_protocol(&mut self, protocol: Protocol) {
        self.protocol = protocol;
    }

    /// Records a request just written; its reply will be routed to the id
    /// returned. `args` are the command's arguments, the name first.
    pub fn sent<A: AsRef<[u8]>>(&mut self, args: &[A]) -> RequestId {
        let name = args.first().map_or(&b""[..], AsRef::as_ref);
        self.sent_command(name, args.len())
    }

    /// [`sent`](Self::sent) for a caller that kept only the command's name
    /// and how many arguments it had (the name included).
    pub fn sent_command(&mut self, name: &[u8], arg_count: usize) -> RequestId {
        let id = RequestId(self.next_id);
        self.next_id += 1;
        let named = arg_count.saturating_sub(1);
        let subscription = subscription_kind(name).map(|kind| {
            let expected = match kind {
                // Without names: one per current subscription of the
                // kind, or one saying there were none.
                _ if named == 0 && !kind.is_subscribe() => self.joined(kind).max(1),
                _ => named,
            };
            (kind, expected)
        });
        let monitor = if name.eq_ignore_ascii_case(b"MONITOR") {
            Some(true)
        } else if name.eq_ignore_ascii_case(b"RESET") {
            Some(false)
        } else {
            None
        };
        self.in_flight.push_back(InFlight {
            id,
            subscription,
            monitor,
        });
        id
    }

    /// Records `count` requests just written, none of which (un)subscribes:
    /// [`sent_command`](Self::sent_command) without reading their names.
    pub(crate) fn sent_plain(&mut self, count: usize) {
        for _ in 0..count {
            let id = RequestId(self.next_id);
            self.next_id += 1;
            self.in_flight.push_back(InFlight {
                id,
                subscription: None,
                monitor: None,
            });
        }
    }

    /// Whether a command of this name (un)subscribes, so that
    /// [`sent_command`](Self::sent_command) must see it by name.
    pub(crate) fn is_subscription_command(name: &[u8]) -> bool {
        subscription_kind(name).is_some()
    }

    /// Requests in flight.
    pub fn in_flight(&self) -> usize {
        self.in_flight.len()
    }

    /// Whether no request is in flight.
    pub fn is_idle(&self) -> bool {
        self.in_flight.is_empty()
    }

    /// Whether the server has confirmed subscriptions (in RESP2 the
    /// connection is then in subscribed mode).
    pub fn is_subscribed(&self) -> bool {
        !(self.channels.is_empty() && self.patterns.is_empty() && self.shard_channels.is_empty())
    }

    /// What the server confirmed this connection is subscribed to, by the
    /// command that subscribes to each: channels, patterns, shard channels.
    pub(crate) fn subscriptions(&self) -> [(&'static str, &BTreeSet<Payload>); 3] {
        [
            ("SUBSCRIBE", &self.channels),
            ("PSUBSCRIBE", &self.patterns),
            ("SSUBSCRIBE", &self.shard_channels),
        ]
    }

    /// Forgets every request in flight, for a connection that broke; their
    /// ids are returned so each can fail with an error.
    pub fn fail_all(&mut self) -> impl Iterator<Item = RequestId> + '_ {
        self.in_flight.drain(..).map(|request| request.id)
    }

    /// Whether the connection is in `MONITOR` mode, every command the
    /// server runs streamed to it.
    pub fn is_monitoring(&self) -> bool {
        self.monitoring
    }

    /// Says where `frame`, the next frame decoded, goes.
    pub fn route(&mut self, frame: Frame) -> Routed {
        if self.is_push(&frame) {
            return self.route_push(frame);
        }
        match self.in_flight.pop_front() {
            Some(request) => {
                if let Some(monitoring) = request.monitor.filter(|_| !frame.is_error()) {
                    self.monitoring = monitoring;
                }
                Routed::Reply(request.id, frame)
            }
            None => Routed::Unexpected(frame),
        }
    }

    /// Whether the next frame due answers a (un)subscribe: in RESP2 its
    /// confirmations look like any array until read.
    pub(crate) fn awaits_confirmation(&self) -> bool {
        self.in_flight
            .front()
            .is_some_and(|request| request.subscription.is_some())
    }

    fn is_push(&self, frame: &Frame) -> bool {
        if frame.is_push() {
            return true;
        }
        // A monitored command's line starts with its time; a reply (to
        // `RESET` or `QUIT`, all a monitoring connection may send) never does.
        if self.monitoring {
            if let Frame::SimpleString(line) = frame {
                if line.first().is_some_and(u8::is_ascii_digit) {
                    return true;
                }
            }
        }
        // RESP2 has no push type: in subscribed mode (or when a
        // subscription's confirmation is due) pub/sub arrays are pushes.
        let awaiting_confirmation = self.awaits_confirmation();
        self.protocol == Protocol::Resp2
            && (self.is_subscribed() || awaiting_confirmation)
            && frame
                .items()
                .and_then(<[Frame]>::first)
                .and_then(Frame::as_bytes)
                .is_some_and(is_pubsub_kind)
    }

    fn route_push(&mut self, frame: Frame) -> Routed {
        let Ok(Push::Subscription { kind, channel, .. }) = Push::from_frame(frame.clone()) else {
            return Routed::Push(frame);
        };
        self.record(kind, channel);
        let Some(request) = self.in_flight.front_mut() else {
            return Routed::Push(frame);
        };
        match &mut request.subscription {
            Some((expected_kind, left)) if *expected_kind == kind && *left > 0 => {
                *left -= 1;
                let (id, last) = (request.id, *left == 0);
                if last {
                    self.in_flight.pop_front();
                }
                Routed::Confirmation { id, frame, last }
            }
            _ => Routed::Push(frame),
        }
    }

    /// Keeps the set of subscriptions in step with a confirmation.
    fn record(&mut self, kind: SubscriptionKind, name: Option<Payload>) {
        let Some(name) = name else { return };
        let set = match kind {
            SubscriptionKind::Subscribe | SubscriptionKind::Unsubscribe => &mut self.channels,
            SubscriptionKind::PatternSubscribe | SubscriptionKind::PatternUnsubscribe => {
                &mut self.patterns
            }
            _ => &mut self.shard_channels,
        };
        if !kind.is_subscribe() {
            set.remove(&name);
        } else {
            set.insert(name);
        }
    }

    fn joined(&self, kind: SubscriptionKind) -> usize {
        match kind {
            SubscriptionKind::Subscribe | SubscriptionKind::Unsubscribe => self.channels.len(),
            SubscriptionKind::PatternSubscribe | SubscriptionKind::PatternUnsubscribe => {
                self.patterns.len()
            }
            _ => self.shard_channels.len(),
        }
    }
}

/// The confirmations a (un)subscribe command is answered with: a pub/sub
/// command by the table whose name is a confirmation's.
fn subscription_kind(name: &[u8]) -> Option<SubscriptionKind> {
    let command = CommandSpec::find(name)?;
    if !command.flags.contains(CommandFlags::PUBSUB) {
        return None;
    }
    SubscriptionKind::from_name(command.name.as_bytes())
}

/// The first element of a pub/sub array in RESP2's subscribed mode.
fn is_pubsub_kind(kind: &[u8]) -> bool {
    matches!(kind, b"message" | b"pmessage" | b"smessage")
        || SubscriptionKind::from_name(kind).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;
    use alloc::vec::Vec;

    fn confirmation(protocol: Protocol, kind: &str, name: Option<&str>, count: i64) -> Frame {
        let items = vec![
            Frame::from(kind),
            name.map_or(Frame::Null(crate::NullKind::Bulk), Frame::from),
            Frame::Integer(count),
        ];
        match protocol {
            Protocol::Resp3 => Frame::Push(items),
            Protocol::Resp2 => Frame::Array(items),
        }
    }

    #[test]
    fn monitored_commands_are_pushes_until_reset() {
        let mut session = Session::new(Protocol::Resp2);
        let monitor = session.sent(&["MONITOR"]);
        let line =
            Frame::SimpleString("1339518083.107412 [0 127.0.0.1:60866] \"keys\" \"*\"".into());
        assert_eq!(
            session.route(Frame::SimpleString("OK".into())),
            Routed::Reply(monitor, Frame::SimpleString("OK".into()))
        );
        assert!(session.is_monitoring());
        assert_eq!(session.route(line.clone()), Routed::Push(line.clone()));
        let reset = session.sent(&["RESET"]);
        assert_eq!(session.route(line.clone()), Routed::Push(line.clone()));
        let reply = Frame::SimpleString("RESET".into());
        assert_eq!(session.route(reply.clone()), Routed::Reply(reset, reply));
        assert!(!session.is_monitoring());
        assert!(matches!(session.route(line), Routed::Unexpected(_)));
    }

    #[test]
    fn replies_come_in_order_around_pushes() {
        let mut session = Session::new(Protocol::Resp3);
        let ids: Vec<RequestId> = (0..3)
            .map(|i| session.sent(&["GET", &alloc::format!("k{i}")]))
            .collect();
        let push = Frame::Push(vec!["message".into(), "c".into(), "m".into()]);
        assert_eq!(
            session.route(Frame::Integer(0)),
            Routed::Reply(ids[0], Frame::Integer(0))
        );
        assert_eq!(session.route(push.clone()), Routed::Push(push));
        assert_eq!(
            session.route(Frame::Integer(1)),
            Routed::Reply(ids[1], Frame::Integer(1))
        );
        assert_eq!(
            session.route(Frame::Integer(2)),
            Routed::Reply(ids[2], Frame::Integer(2))
        );
        assert_eq!(
            session.route(Frame::Integer(3)),
            Routed::Unexpected(Frame::Integer(3))
        );
    }

    #[test]
    fn an_attributed_push_is_a_push() {
        let mut session = Session::new(Protocol::Resp3);
        let get = session.sent(&["GET", "k"]);
        let pushed = Frame::Attributed(alloc::boxed::Box::new(crate::Attributed {
            attributes: vec![vec![(Frame::from("a"), Frame::Integer(1))]],
            value: Frame::Push(vec!["invalidate".into(), Frame::Array(vec!["k".into()])]),
        }));
        assert_eq!(session.route(pushed.clone()), Routed::Push(pushed));
        assert_eq!(
            session.route(Frame::from("v")),
            Routed::Reply(get, Frame::from("v"))
        );
    }

    #[test]
    fn confirmations_answer_their_request_in_both_protocols() {
        for protocol in [Protocol::Resp2, Protocol::Resp3] {
            let mut session = Session::new(protocol);
            let subscribe = session.sent(&["SUBSCRIBE", "a", "b"]);
            let first = confirmation(protocol, "subscribe", Some("a"), 1);
            assert_eq!(
                session.route(first.clone()),
                Routed::Confirmation {
                    id: subscribe,
                    frame: first,
                    last: false
                }
            );
            let second = confirmation(protocol, "subscribe", Some("b"), 2);
            assert_eq!(
                session.route(second.clone()),
                Routed::Confirmation {
                    id: subscribe,
                    frame: second,
                    last: true
                }
            );
            assert!(session.is_subscribed() && session.is_idle());
            // RESP2 subscribed mode: messages are arrays, and pushes.
            let message = match protocol {
                Protocol::Resp2 => Frame::Array(vec!["message".into(), "a".into(), "hi".into()]),
                Protocol::Resp3 => Frame::Push(vec!["message".into(), "a".into(), "hi".into()]),
            };
            assert_eq!(session.route(message.clone()), Routed::Push(message));
            // PING in RESP2's subscribed mode answers ["pong", ""]: a reply.
            let ping = session.sent(&["PING"]);
            let pong = Frame::Array(vec!["pong".into(), "".into()]);
            assert_eq!(session.route(pong.clone()), Routed::Reply(ping, pong));
            // A bare UNSUBSCRIBE is answered once per channel.
            let unsubscribe = session.sent(&["UNSUBSCRIBE"]);
            let one = confirmation(protocol, "unsubscribe", Some("a"), 1);
            assert!(matches!(
                session.route(one),
                Routed::Confirmation { last: false, .. }
            ));
            let two = confirmation(protocol, "unsubscribe", Some("b"), 0);
            assert_eq!(
                session.route(two.clone()),
                Routed::Confirmation {
                    id: unsubscribe,
                    frame: two,
                    last: true
                }
            );
            assert!(!session.is_subscribed());
            // Out of subscribed mode, RESP2 arrays are replies again.
            let lrange = session.sent(&["LRANGE", "l", "0", "-1"]);
            let looks_like_a_message = Frame::Array(vec!["message".into(), "x".into(), "y".into()]);
            assert_eq!(
                session.route(looks_like_a_message.clone()),
                Routed::Reply(lrange, looks_like_a_message)
            );
        }
    }

    #[test]
    fn an_unsubscribe_with_nothing_joined_gets_one_confirmation() {
        let mut session = Session::new(Protocol::Resp2);
        let id = session.sent(&["PUNSUBSCRIBE"]);
        let none = confirmation(Protocol::Resp2, "punsubscribe", None, 0);
        assert_eq!(
            session.route(none.clone()),
            Routed::Confirmation {
                id,
                frame: none,
                last: true
            }
        );
    }

    #[test]
    fn a_broken_connection_fails_every_request() {
        let mut session = Session::new(Protocol::Resp3);
        let ids: Vec<RequestId> = (0..3).map(|_| session.sent(&["PING"])).collect();
        assert_eq!(session.fail_all().collect::<Vec<_>>(), ids);
        assert!(session.is_idle());
    }
}
