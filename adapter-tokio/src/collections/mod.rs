//! Redis as a queue, over the [`Client`](crate::Client), for users who
//! would rather not write Redis commands: [`RedisQueue`], whose waiting
//! `get` has a connection of its own so it never stalls other callers, and
//! [`RedisTaskQueue`], whose tasks survive a consumer's crash.
//!
//! Each lives under a namespace, the key (or key prefix) everything it
//! stores goes under, given explicitly: Rust has no owning type and field
//! name to derive one from at run time, so two queues are apart exactly
//! when their names are. Items go in as any argument ([`Arg`](resp_core::Arg):
//! strings, bytes, numbers) and come out as any type a reply converts to
//! ([`FromFrame`](resp_core::FromFrame)), as with [`Client::call`](crate::Client::call).

mod queue;
mod task_queue;

pub use queue::RedisQueue;
pub use task_queue::RedisTaskQueue;
