//! Redis Cluster routing ([`key_slot`], [`Redirect`]).

mod redirect;
mod slot;

pub use redirect::{Redirect, RedirectKind};
pub use slot::{SLOT_COUNT, hash_tag, key_slot};
