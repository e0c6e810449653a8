//! What a [`ClientConnection`](super::ClientConnection) tells its adapter.

use super::error::ConnectionError;
use crate::frame::Frame;
use crate::hello::ServerHello;
use crate::protocol::Protocol;
use alloc::vec::Vec;
use bytes::Bytes;

/// Names a request given to a [`ClientConnection`](super::ClientConnection),
/// so that its reply (or failure) finds its caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Token(pub(super) u64);

/// Something the connection says, in the order it happened.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ConnectionEvent {
    /// The setup is done: requests go out from now on.
    Ready {
        /// The protocol the connection speaks.
        protocol: Protocol,
        /// The server's `HELLO` reply, when it gave one.
        server: Option<ServerHello>,
    },
    /// The replies to request `token`, one per command, error replies in
    /// their place. For a subscription command, its last confirmation.
    Replies {
        /// The request.
        token: Token,
        /// Its replies, in order.
        replies: Vec<Frame>,
    },
    /// The replies to raw request `token`, as the bytes that came.
    RawReplies {
        /// The request.
        token: Token,
        /// Every reply's bytes, in order.
        bytes: Bytes,
    },
    /// The first bytes of raw request `token`'s replies, handed on before
    /// the rest has come because they are many
    /// ([`raw_pass_on`](super::ConnectionOptions::raw_pass_on)). The rest
    /// follows as more parts and then [`RawReplies`](Self::RawReplies),
    /// or the request fails: then whoever received the parts holds a reply
    /// cut short, which nothing can complete.
    RawPart {
        /// The request.
        token: Token,
        /// The next bytes of its replies.
        bytes: Bytes,
    },
    /// The next bytes of the payload of request `token`'s bulk reply, sent
    /// with [`send_streamed`](super::ClientConnection::send_streamed);
    /// [`StreamedReply`](Self::StreamedReply) follows the last.
    ReplyPart {
        /// The request.
        token: Token,
        /// The next bytes of the payload.
        bytes: Bytes,
    },
    /// Request `token`'s streamed bulk reply is whole: its payload came in
    /// [`ReplyPart`](Self::ReplyPart)s, `len` bytes in all.
    StreamedReply {
        /// The request.
        token: Token,
        /// The payload's length.
        len: u64,
    },
    /// A push: a pub/sub message, an invalidation, a subscription's
    /// confirmation, or anything else the server sent on its own.
    Push(Frame),
    /// A push on a raw connection, as its bytes.
    RawPush(Bytes),
    /// Request `token` failed.
    Failed {
        /// The request.
        token: Token,
        /// Why, and whether it may have run.
        error: ConnectionError,
    },
    /// The connection broke and a new one takes its place
    /// ([`reconnect`](super::ClientConnection::reconnect)): pushes the
    /// server sent in between (messages, invalidations) are lost. The
    /// subscriptions are renewed; a reader of them, or a cache kept by
    /// invalidations, should know.
    PushesMissed,
    /// The connection is over; every request still pending failed before
    /// this.
    Closed(ConnectionError),
}
