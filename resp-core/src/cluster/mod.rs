//! Redis Cluster support for clients and proxies: the hash slot a key
//! belongs to, and where a `MOVED` or `ASK` redirection points.
//!
//! Both are pure functions of bytes, so a proxy can route a request it has
//! just decoded, and a client can follow a redirection it has just read,
//! without this crate knowing anything about connections.

mod redirect;
mod slot;

pub use redirect::{Redirect, RedirectKind};
pub use slot::{SLOT_COUNT, hash_tag, key_slot};
