//! A sans-IO RESP2/RESP3 toolkit: a resumable pull parser, a zero-copy frame
//! decoder and an exact-length encoder.
//!
//! This crate contains no networking code. It never touches a socket, a
//! runtime or a thread: bytes go in, frames and events come out, and encoded
//! bytes are written into any [`bytes::BufMut`]. The same core serves a tokio
//! codec, a blocking client, a proxy or a fuzzer, and it behaves exactly the
//! same under each of them because it never sees how its input arrived.
//!
//! The layers, bottom up:
//!
//! * [`Reader`]: a pull parser over a buffer the caller owns, yielding borrowed
//!   [`Event`]s in [`Step`]s. It resumes where it stopped (a header line half
//!   scanned, payload bytes owed, aggregates open), never recurses, and
//!   allocates only its bounded stack of open aggregates. It is the only
//!   parser of the reply grammar; everything below builds on it.
//! * [`FrameSplitter`]: where each frame ends and whether it is a push,
//!   building nothing, for proxies and sniffers that forward bytes.
//! * [`Decoder`]: owned [`Frame`]s from a `BytesMut`, with the
//!   `tokio_util::codec::Decoder` contract, a size hint for big payloads
//!   ([`Decoder::bytes_needed`]), and [`decode_slice`] for a one-off slice.
//!   Payloads are `Bytes` slices of the received buffer.
//! * [`CommandDecoder`]: client requests as a server reads them (multibulk
//!   and inline, Redis's limits and error texts), handed out as a borrowed
//!   [`Command`] or an owned [`Request`] whose [`raw`](Request::raw) bytes a
//!   proxy forwards untouched.
//! * The encoder: [`Frame::encode`] writes exactly [`Frame::encoded_len`]
//!   bytes; [`pack_command`], [`write_command`], [`pack_pipeline`] and
//!   [`pack_transaction`] pack commands straight from their arguments
//!   ([`Args`]); [`ChunkedEncoder`] queues large payloads by reference for
//!   vectored writes; [`ReplyWriter`] writes a server's replies for the
//!   client's protocol version.
//! * Typed replies: [`Frame::convert`] turns a reply into `i64`, `String`,
//!   `Vec<T>`, maps, `Option<T>` or tuples ([`FromFrame`]), reading RESP2's
//!   and RESP3's forms of the same reply alike.
//! * Push messages: [`Push`] reads pub/sub deliveries, subscription
//!   confirmations and client-side caching invalidations, in RESP3's push
//!   form and RESP2's array form alike.
//! * Protocol negotiation: [`Hello`] is the `HELLO` a client sends and a
//!   server parses (refusing what Redis refuses, in Redis's words), and
//!   [`ServerHello`] the reply a client reads and a server writes.
//! * Redis Cluster routing: [`key_slot`] (hash tags included) tells a proxy
//!   or client which node a key lives on, and [`Redirect`] reads the `MOVED`
//!   and `ASK` errors a node answers with when it is the wrong one.
//! * Errors: [`DecodeError`] and [`CommandError`] carry a kind and the
//!   absolute byte offset, and convert into `std::io::Error` (kind
//!   `InvalidData`) for codecs.
//!
//! # Example: decoding from a growing buffer
//!
//! ```
//! use bytes::BytesMut;
//! use resp_core::Decoder;
//!
//! let mut decoder = Decoder::new();
//! let mut buf = BytesMut::new();
//! let mut frames = Vec::new();
//! for piece in [&b"+OK\r\n$3\r"[..], b"\nfoo\r\n", b"_\r\n"] {
//!     buf.extend_from_slice(piece);
//!     while let Some(frame) = decoder.decode(&mut buf)? {
//!         frames.push(frame);
//!     }
//! }
//! assert_eq!(frames.len(), 3);
//! assert_eq!(frames[1].as_bytes(), Some(&b"foo"[..]));
//! assert!(frames[2].is_null());
//! # Ok::<(), resp_core::DecodeError>(())
//! ```
//!
//! # Limits and untrusted input
//!
//! Every declared size is checked against [`Limits`] at the byte that decides
//! it, nothing is ever reserved from a declared size, and nesting is bounded by
//! an explicit stack. No input makes the decoder panic, loop, overflow the
//! stack or allocate more than a constant factor of what it received. Errors
//! carry the absolute stream offset of the offending byte ([`DecodeError`]).
//! [`Limits::default`] is the client preset; servers reading requests should
//! start from [`Limits::server`] or [`Limits::server_unauthenticated`].
//!
//! # Protocol versions
//!
//! Decoding accepts RESP2 and RESP3 alike unless [`Protocol::Resp2`] is
//! chosen, which rejects RESP3-only type bytes. RESP2's `$-1` and `*-1` and
//! RESP3's `_` stay distinguishable ([`NullKind`]) so a proxy re-encodes the
//! exact bytes it received.
//!
//! # Crate features
//!
//! * `std` (default): forwards `std` to `bytes` and `memchr`. Without it the
//!   crate needs only `core` and `alloc`.
#![no_std]
#![forbid(unsafe_code)]
#![doc(test(attr(deny(warnings))))]
#![warn(missing_debug_implementations)]
// Keeps the no_std build honest: `alloc` only for what `core` lacks.
#![warn(clippy::alloc_instead_of_core)]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

mod client;
mod cluster;
mod command;
pub mod commands;
mod convert;
mod decode;
mod encode;
mod error;
mod frame;
#[doc(hidden)]
pub mod fuzzing;
mod hello;
mod lex;
mod limits;
mod payload;
mod protocol;
mod push;
mod reader;
mod server;
mod split;
mod table;

pub use client::{
    Address, Backoff, BlockingWait, CacheLimits, CacheStats, Cached, ClientConnection,
    ConnectionConfig, ConnectionEffect, ConnectionError, ConnectionEvent, ConnectionOptions,
    ErrorCause, ExecReply, Handshake, HandshakeError, PackedCommand, PackedCommands, RequestId,
    Routed, Script, ScriptCall, ScriptRun, ScriptStep, Session, Token, UrlError, blocking_wait,
    packed_commands, waits_for_data,
};
pub use cluster::{Redirect, RedirectKind, SLOT_COUNT, hash_tag, key_slot};
pub use command::{
    Command, CommandArgs, CommandDecoder, CommandError, CommandErrorKind, CommandLimits,
    PreAuthLimits, Request,
};
pub use convert::{ConvertError, FromFrame};
pub use decode::{Decoder, Status, decode_slice};
pub use encode::{
    Arg, Args, ChunkedEncoder, Cmd, CommandName, DoubleFormat, Pipeline, ReplyWriter, Reserve,
    pack_command, pack_pipeline, pack_transaction, write_command,
};
pub use error::{DecodeError, DecodeErrorKind, EncodeError, Limit};
pub use frame::{Attributed, Frame, NullKind, Visit, Walk};
pub use hello::{Credentials, Hello, HelloError, HelloReplyError, ServerHello};
pub use lex::parse_integer;
pub use limits::Limits;
pub use payload::{INLINE_CAPACITY, Payload};
pub use protocol::Protocol;
pub use push::{INVALIDATE_CHANNEL, Push, SubscriptionKind};
pub use reader::{AggregateKind, BlobKind, Event, Reader, Step};
pub use server::{NOAUTH, ServerDetails, ServerSession, SessionAnswer, is_valid_name};
pub use split::{FrameSplitter, Split};
pub use table::{
    AclCategories, ArgFlags, ArgKind, ArgList, ArgSpec, BeginSearch, CommandFlags, CommandSpec,
    FindKeys, Key, KeyFlags, KeySpec, Keys, TABLE_SERVER_VERSION,
};

/// The workspace README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
struct ReadmeDoctests;
