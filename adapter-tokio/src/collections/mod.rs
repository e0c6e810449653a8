//! Redis as a dictionary and as queues, over the [`Client`](crate::Client),
//! for users who would rather not write Redis commands: [`RedisCache`], a
//! dictionary of typed values in one hash, [`RedisQueue`], whose waiting
//! `get` has a connection of its own so it never stalls other callers, and
//! [`RedisTaskQueue`], whose tasks survive a consumer's crash.
//!
//! Each lives under a namespace, the key (or key prefix) everything it
//! stores goes under, given explicitly: Rust has no owning type and field
//! name to derive one from at run time, so two of them are apart exactly
//! when their names are. A cache's values keep their type
//! ([`CacheValue`]); the queues' items go in as any argument ([`Arg`](resp_core::Arg):
//! strings, bytes, numbers) and come out as any type a reply converts to
//! ([`FromFrame`](resp_core::FromFrame)), as with [`Client::call`](crate::Client::call).

mod cache;
mod queue;
mod task_queue;
mod value;

pub use cache::{Items, RedisCache};
pub use queue::RedisQueue;
pub use task_queue::RedisTaskQueue;
pub use value::CacheValue;
