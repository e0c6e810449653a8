//! Blocking RESP over `std::io`: a client [`Connection`] with real
//! deadlines, the server side of a connection for thread-per-connection
//! servers ([`ServerConnection`]), and the `resp` command-line tool.
//!
//! Both drive the sans-IO core, [`resp_core`]: the connection runs the same
//! client [`Session`](resp_core::Session) and setup
//! ([`Handshake`](resp_core::Handshake)) as the tokio client, and this
//! crate only moves bytes and keeps time.
//!
//! ```no_run
//! use resp_std::Connection;
//!
//! let mut redis = Connection::connect("redis://127.0.0.1:6379")?;
//! redis.call::<()>(["SET", "greeting", "hello"])?;
//! let greeting: String = redis.call(["GET", "greeting"])?;
//! # Ok::<(), resp_std::Error>(())
//! ```

mod buffer;
mod connection;
mod error;
mod options;
mod script;
mod server;
mod stream;
#[cfg(feature = "tls")]
pub mod tls;

pub use connection::{Commands, Connection, Message, Messages};
pub use error::Error;
pub use options::ClientOptions;
pub use resp_core;
/// Scripts are the core's, run with [`Connection::run_script`].
pub use resp_core::{Script, ScriptCall};
pub use server::ServerConnection;
#[cfg(feature = "tls")]
pub use stream::TlsStream;
pub use stream::{NetStream, Timeouts};
