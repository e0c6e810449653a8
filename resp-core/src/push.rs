//! Out-of-band messages ([`Push`]).

use crate::frame::Frame;
use crate::payload::Payload;
use crate::reader::NullKind;
use alloc::vec::Vec;

/// The channel RESP2 connections receive invalidations on (with `CLIENT
/// TRACKING on REDIRECT <id>`).
pub const INVALIDATE_CHANNEL: &[u8] = b"__redis__:invalidate";

/// A push message, by kind.
///
/// Out-of-band messages: pub/sub deliveries, subscription confirmations and
/// client-side caching invalidations, read from the frames that carry them.
///
/// RESP3 sends them as push frames (`>`), which [`Frame::is_push`] tells
/// from replies. RESP2 sends the pub/sub ones as arrays on a connection in
/// subscribed mode, and invalidations as messages on the
/// `__redis__:invalidate` channel; [`Push::from_frame`] reads both forms
/// into the same values, so a client handles them once.
///
/// ```
/// use resp_core::{Frame, Push, SubscriptionKind};
///
/// let frame = Frame::Push(vec!["message".into(), "news".into(), "hello".into()]);
/// assert_eq!(
///     Push::from_frame(frame),
///     Ok(Push::Message { channel: "news".into(), payload: "hello".into() })
/// );
///
/// // RESP2's form of a subscription confirmation reads the same way.
/// let frame = Frame::Array(vec!["subscribe".into(), "news".into(), Frame::Integer(1)]);
/// let Ok(Push::Subscription { kind, count, .. }) = Push::from_frame(frame) else { panic!() };
/// assert_eq!((kind, count), (SubscriptionKind::Subscribe, 1));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum Push {
    /// `message`: a publication on a subscribed channel.
    Message {
        /// The channel it was published on.
        channel: Payload,
        /// What was published.
        payload: Frame,
    },
    /// `pmessage`: a publication on a channel matching a subscribed pattern.
    PatternMessage {
        /// The pattern that matched.
        pattern: Payload,
        /// The channel it was published on.
        channel: Payload,
        /// What was published.
        payload: Frame,
    },
    /// `smessage`: a publication on a subscribed shard channel.
    ShardMessage {
        /// The shard channel it was published on.
        channel: Payload,
        /// What was published.
        payload: Frame,
    },
    /// A confirmation of `SUBSCRIBE`, `UNSUBSCRIBE` and their pattern and
    /// shard forms, one per channel.
    Subscription {
        /// Which command it confirms.
        kind: SubscriptionKind,
        /// The channel or pattern; `None` when unsubscribing from nothing.
        channel: Option<Payload>,
        /// Subscriptions the connection still has afterwards; at zero a
        /// RESP2 connection leaves subscribed mode.
        count: i64,
    },
    /// `invalidate`: keys whose cached values are stale. `None` means all
    /// of them (after `FLUSHALL` or `FLUSHDB`).
    Invalidate(Option<Vec<Payload>>),
    /// A kind this crate does not know, kept whole.
    Other {
        /// The first element, naming the kind.
        kind: Payload,
        /// The elements after it.
        data: Vec<Frame>,
    },
}

/// Which subscription command a [`Push::Subscription`] confirms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SubscriptionKind {
    /// `subscribe`.
    Subscribe,
    /// `unsubscribe`.
    Unsubscribe,
    /// `psubscribe`.
    PatternSubscribe,
    /// `punsubscribe`.
    PatternUnsubscribe,
    /// `ssubscribe`.
    ShardSubscribe,
    /// `sunsubscribe`.
    ShardUnsubscribe,
}

impl SubscriptionKind {
    /// Whether it starts a subscription (rather than ending one).
    pub fn is_subscribe(self) -> bool {
        matches!(
            self,
            Self::Subscribe | Self::PatternSubscribe | Self::ShardSubscribe
        )
    }

    /// The kind a confirmation (or the lower-case command) is named.
    pub(crate) fn from_name(name: &[u8]) -> Option<Self> {
        Some(match name {
            b"subscribe" => Self::Subscribe,
            b"unsubscribe" => Self::Unsubscribe,
            b"psubscribe" => Self::PatternSubscribe,
            b"punsubscribe" => Self::PatternUnsubscribe,
            b"ssubscribe" => Self::ShardSubscribe,
            b"sunsubscribe" => Self::ShardUnsubscribe,
            _ => return None,
        })
    }
}

impl Push {
    /// Reads a push frame (RESP3, attributes looked through), or an array of
    /// RESP2's pub/sub form. Gives the frame back, untouched, when it is
    /// neither, or when an array's known kind has the wrong shape; a push
    /// frame of an unknown kind or shape is [`Push::Other`]. Payloads move
    /// out of the frame without a copy.
    ///
    /// On a RESP2 connection, call this only while it is subscribed: a reply
    /// to `LRANGE` may also be an array starting with `"message"`.
    pub fn from_frame(frame: Frame) -> Result<Self, Frame> {
        let shape = match frame.value() {
            Frame::Push(items) | Frame::Array(items) => Shape::of(items),
            _ => return Err(frame),
        };
        if shape.is_none() && !frame.is_push() {
            return Err(frame);
        }
        let items = frame.into_items()?;
        Ok(match shape {
            Some(shape) => shape.build(items),
            None => {
                let mut items = items.into_iter();
                let kind = items.next().map(bytes_of);
                Self::Other {
                    kind: kind.unwrap_or_default(),
                    data: items.collect(),
                }
            }
        })
    }
}

/// A known kind whose elements have the right types, checked before any
/// element is moved.
enum Shape {
    Message,
    PatternMessage,
    ShardMessage,
    /// The keys, or a null for all of them, are the last element.
    Invalidate,
    Subscription(SubscriptionKind),
}

impl Shape {
    fn of(items: &[Frame]) -> Option<Self> {
        let is_text = |index: usize| items.get(index).and_then(Frame::as_bytes).is_some();
        let shape = match (items.first()?.as_bytes()?, items.len()) {
            (b"message", 3) if items[1].as_bytes() == Some(INVALIDATE_CHANNEL) => Self::Invalidate,
            (b"message", 3) => Self::Message,
            (b"pmessage", 4) if is_text(2) => Self::PatternMessage,
            (b"smessage", 3) => Self::ShardMessage,
            (b"invalidate", 2) => Self::Invalidate,
            (name, 3) if matches!(items[2].value(), Frame::Integer(_)) => {
                if !(is_text(1) || items[1].is_null()) {
                    return None;
                }
                Self::Subscription(SubscriptionKind::from_name(name)?)
            }
            _ => return None,
        };
        let keys_are_texts = |keys: &Frame| {
            keys.is_null()
                || keys
                    .items()
                    .is_some_and(|keys| keys.iter().all(|key| key.as_bytes().is_some()))
        };
        let fits = match shape {
            Self::Invalidate => items.last().is_some_and(keys_are_texts),
            // Its channel was checked with its count.
            Self::Subscription(_) => true,
            _ => is_text(1),
        };
        fits.then_some(shape)
    }

    /// Moves the checked elements into their places.
    fn build(self, items: Vec<Frame>) -> Push {
        // After the kind, in order; `Shape::of` checked that they are there.
        let mut rest = items.into_iter().skip(1);
        let mut next = || rest.next().unwrap_or(Frame::Null(NullKind::Null));
        match self {
            Self::Invalidate => {
                let keys = rest.last().and_then(|keys| keys.into_items().ok());
                Push::Invalidate(keys.map(|keys| keys.into_iter().map(bytes_of).collect()))
            }
            Self::Message => Push::Message {
                channel: bytes_of(next()),
                payload: next(),
            },
            Self::PatternMessage => Push::PatternMessage {
                pattern: bytes_of(next()),
                channel: bytes_of(next()),
                payload: next(),
            },
            Self::ShardMessage => Push::ShardMessage {
                channel: bytes_of(next()),
                payload: next(),
            },
            Self::Subscription(kind) => {
                let channel = next();
                let count = match next().value() {
                    Frame::Integer(count) => *count,
                    _ => 0,
                };
                Push::Subscription {
                    kind,
                    channel: (!channel.is_null()).then(|| bytes_of(channel)),
                    count,
                }
            }
        }
    }
}

/// The payload of a frame already checked to be text.
fn bytes_of(frame: Frame) -> Payload {
    frame.into_payload().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frame::Attributed;
    use alloc::boxed::Box;
    use alloc::vec;
    use bytes::Bytes;

    fn text(s: &'static str) -> Frame {
        Frame::BulkString(Payload::from_static(s.as_bytes()))
    }

    fn both_forms(items: Vec<Frame>) -> [Frame; 2] {
        [Frame::Push(items.clone()), Frame::Array(items)]
    }

    #[test]
    fn pubsub_kinds_in_both_forms() {
        let cases = [
            (
                vec![text("message"), text("ch"), text("hi")],
                Push::Message {
                    channel: "ch".into(),
                    payload: text("hi"),
                },
            ),
            (
                vec![text("pmessage"), text("c*"), text("ch"), text("hi")],
                Push::PatternMessage {
                    pattern: "c*".into(),
                    channel: "ch".into(),
                    payload: text("hi"),
                },
            ),
            (
                vec![text("smessage"), text("ch"), text("hi")],
                Push::ShardMessage {
                    channel: "ch".into(),
                    payload: text("hi"),
                },
            ),
            (
                vec![text("psubscribe"), text("c*"), Frame::Integer(2)],
                Push::Subscription {
                    kind: SubscriptionKind::PatternSubscribe,
                    channel: Some("c*".into()),
                    count: 2,
                },
            ),
            (
                vec![
                    text("unsubscribe"),
                    Frame::Null(NullKind::Bulk),
                    Frame::Integer(0),
                ],
                Push::Subscription {
                    kind: SubscriptionKind::Unsubscribe,
                    channel: None,
                    count: 0,
                },
            ),
        ];
        for (items, expected) in cases {
            for frame in both_forms(items.clone()) {
                assert_eq!(Push::from_frame(frame), Ok(expected.clone()), "{items:?}");
            }
        }
    }

    #[test]
    fn invalidations_in_resp3_and_on_the_resp2_channel() {
        let keys = Frame::Array(vec![text("a"), text("b")]);
        let expected = Push::Invalidate(Some(vec!["a".into(), "b".into()]));
        let resp3 = Frame::Push(vec![text("invalidate"), keys.clone()]);
        assert_eq!(Push::from_frame(resp3), Ok(expected.clone()));
        let resp2 = Frame::Array(vec![text("message"), text("__redis__:invalidate"), keys]);
        assert_eq!(Push::from_frame(resp2), Ok(expected));

        let flush = Frame::Push(vec![text("invalidate"), Frame::Null(NullKind::Null)]);
        assert_eq!(Push::from_frame(flush), Ok(Push::Invalidate(None)));
        let flush = Frame::Array(vec![
            text("message"),
            text("__redis__:invalidate"),
            Frame::Null(NullKind::Array),
        ]);
        assert_eq!(Push::from_frame(flush), Ok(Push::Invalidate(None)));
    }

    #[test]
    fn wrong_shapes_are_not_known_kinds() {
        for items in [
            vec![],
            vec![text("message"), text("ch")],
            vec![text("message"), Frame::Integer(1), text("hi")],
            vec![text("pmessage"), text("p"), Frame::Integer(1), text("hi")],
            vec![text("subscribe"), text("ch"), text("1")],
            vec![text("subscribe"), Frame::Integer(5), Frame::Integer(1)],
            vec![text("invalidate"), Frame::Array(vec![Frame::Integer(1)])],
            vec![text("invalidate"), text("k")],
            vec![Frame::Integer(1), text("x")],
        ] {
            // An array gives itself back: it may be an ordinary reply.
            let array = Frame::Array(items.clone());
            assert_eq!(Push::from_frame(array.clone()), Err(array));
            // A push frame is a push all the same, of a kind kept whole.
            let Ok(Push::Other { data, .. }) = Push::from_frame(Frame::Push(items.clone())) else {
                panic!("{items:?}");
            };
            assert_eq!(data.len(), items.len().saturating_sub(1));
        }
        let unknown = Frame::Push(vec![text("tracking-redir-broken"), text("x")]);
        assert_eq!(
            Push::from_frame(unknown),
            Ok(Push::Other {
                kind: "tracking-redir-broken".into(),
                data: vec![text("x")]
            })
        );
        assert_eq!(Push::from_frame(Frame::Integer(1)), Err(Frame::Integer(1)));
        // Only arrays carry RESP2's form; other frames come back as they were.
        let set = Frame::Set(vec![text("message"), text("ch"), text("hi")]);
        assert_eq!(Push::from_frame(set.clone()), Err(set));
    }

    #[test]
    fn attributes_before_a_push_are_looked_through() {
        let push = Frame::Push(vec![text("message"), text("ch"), text("hi")]);
        let attributed = Frame::Attributed(Box::new(Attributed {
            attributes: vec![vec![(text("k"), text("v"))]],
            value: push.clone(),
        }));
        assert_eq!(Push::from_frame(attributed), Push::from_frame(push));
    }

    #[test]
    fn payloads_move_without_a_copy() {
        let channel = Bytes::from(vec![b'c'; 64]);
        let address = channel.as_ptr();
        let frame = Frame::Push(vec![
            text("message"),
            Frame::BulkString(channel.into()),
            text("x"),
        ]);
        let Ok(Push::Message { channel, .. }) = Push::from_frame(frame) else {
            panic!();
        };
        assert_eq!(channel.as_ptr(), address);
    }
}
