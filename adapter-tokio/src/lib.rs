//! tokio integration for [`resp_core`]: codecs for `tokio_util::codec::Framed`
//! and connection loops of one's own.
//!
//! * [`ServerCodec`]: requests in (owned [`Request`](resp_core::Request)s,
//!   Redis's limits and error texts), replies out in the connection's
//!   protocol version. `apps/kv-server` (package `kv-server`) is a Redis-compatible server on it.
//! * [`RespCodec`]: the client side, replies in as [`Frame`](resp_core::Frame)s
//!   (a big payload's buffer reserved once), commands out straight from
//!   their arguments ([`AsCommand`]).
//! * [`compat`] (feature `futures-io`, on by default): the same codecs over
//!   smol's or async-std's streams.
//!
//! The logic of a connection lives in the sans-IO core; this crate only
//! moves bytes between it and tokio.
//!
//! ```
//! use resp_tokio::resp_core::Frame;
//!
//! assert_eq!(Frame::Integer(1).encode_to_vec().unwrap(), b":1\r\n");
//! ```

mod client;
mod client_codec;
pub mod collections;
#[cfg(feature = "futures-io")]
pub mod compat;
mod connection;
mod server;

#[cfg(feature = "tls")]
pub use client::tls;
pub use client::{Client, ClientError, ClientOptions, Commands, Message, Subscription};
pub use client_codec::{AsCommand, RespCodec};
pub use connection::Connection;
pub use resp_core;
/// Scripts are the core's, run with [`Client::run_script`].
pub use resp_core::{Script, ScriptCall};
pub use server::{Reply, ServerCodec, ServerError};
