//! What the server knows about one connection.

use crate::commands::{Backlog, Message};
use resp_core::Request;
use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Instant;
use tokio::sync::mpsc;

/// A `MULTI` in progress.
#[derive(Debug, Default)]
pub(crate) struct Multi {
    pub(crate) queued: Vec<Request>,
    /// A command was refused while queuing: `EXEC` answers `EXECABORT`.
    pub(crate) dirty: bool,
}

/// What the server keeps of one connection beyond its
/// [`ServerSession`](resp_core::ServerSession) (protocol, authentication,
/// name and id), which the connection's codec holds.
#[derive(Debug)]
pub(crate) struct Session {
    pub(crate) db: usize,
    pub(crate) lib_name: Option<Box<[u8]>>,
    pub(crate) lib_version: Option<Box<[u8]>>,
    pub(crate) multi: Option<Multi>,
    /// Keys under `WATCH`: database, key, and whether it existed then.
    pub(crate) watched: Vec<(usize, Box<[u8]>, bool)>,
    /// Set by the store when a watched key changes.
    pub(crate) watch_dirty: Arc<AtomicBool>,
    pub(crate) channels: BTreeSet<Box<[u8]>>,
    pub(crate) patterns: BTreeSet<Box<[u8]>>,
    /// Where published messages for this connection go.
    pub(crate) inbox: mpsc::Sender<Message>,
    /// The bytes of messages waiting for this connection, bounded.
    pub(crate) backlog: Arc<Backlog>,
    pub(crate) quit: bool,
    pub(crate) peer: String,
    pub(crate) local: String,
    pub(crate) created: Instant,
}

impl Session {
    pub(crate) fn new(inbox: mpsc::Sender<Message>) -> Self {
        Self {
            db: 0,
            lib_name: None,
            lib_version: None,
            multi: None,
            watched: Vec::new(),
            watch_dirty: Arc::default(),
            channels: BTreeSet::new(),
            patterns: BTreeSet::new(),
            inbox,
            backlog: Arc::default(),
            quit: false,
            peer: String::new(),
            local: String::new(),
            created: Instant::now(),
        }
    }

    /// Subscriptions, as the counts in confirmations give them.
    pub(crate) fn subscriptions(&self) -> usize {
        self.channels.len() + self.patterns.len()
    }

    /// Whether RESP2's subscribed mode is on.
    pub(crate) fn subscribed(&self) -> bool {
        self.subscriptions() > 0
    }
}
