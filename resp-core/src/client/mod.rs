//! The client side of a connection, with no IO: what a client is told to
//! connect to ([`ConnectionConfig`]), how the connection is set up
//! ([`Handshake`]), which incoming frame answers which request
//! ([`Session`]), and what a transaction's `EXEC` said ([`ExecReply`]). The tokio client and the blocking connection both drive
//! these; they only move bytes and run timers.

mod blocking;
mod config;
mod connection;
mod effect;
mod exec;
mod handshake;
mod packed;
mod script;
mod session;

pub use blocking::{BlockingWait, blocking_wait, waits_for_data};
pub use config::{Address, ConnectionConfig, UrlError};
pub use connection::{
    Backoff, CacheLimits, CacheStats, Cached, ClientConnection, ConnectionError, ConnectionEvent,
    ConnectionOptions, ErrorCause, Token,
};
pub use effect::ConnectionEffect;
pub use exec::ExecReply;
pub use handshake::{Handshake, HandshakeError};
pub use packed::{PackedCommand, PackedCommands, packed_commands};
pub use script::{Script, ScriptCall, ScriptRun, ScriptStep};
pub use session::{RequestId, Routed, Session};
