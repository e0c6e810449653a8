//! `HELLO`, the command that negotiates the protocol version: what a client
//! sends and reads back, and what a server parses and answers.
//!
//! A client packs a [`Hello`], sends it, and reads the reply into a
//! [`ServerHello`], whose [`protocol`](ServerHello::protocol) is what the
//! connection speaks from then on. A server parses the command with
//! [`Hello::parse`], which refuses what Redis refuses with Redis's error
//! texts ([`HelloError`]), and answers with [`ServerHello::write`].

mod reply;
mod request;

pub use reply::{HelloReplyError, ServerHello};
pub use request::{Credentials, Hello, HelloError};
