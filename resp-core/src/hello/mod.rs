//! `HELLO` ([`Hello`], [`ServerHello`]).

mod reply;
mod request;

pub use reply::{HelloReplyError, ServerHello};
pub use request::{Credentials, Hello, HelloError};
