//! What the server knows about one connection.

use crate::commands::{Backlog, Message};
use resp_core::{Protocol, Request};
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

#[derive(Debug)]
pub(crate) struct Session {
    pub(crate) id: u64,
    pub(crate) db: usize,
    pub(crate) protocol: Protocol,
    pub(crate) authenticated: bool,
    pub(crate) name: Option<Box<[u8]>>,
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
    pub(crate) fn new(id: u64, authenticated: bool, inbox: mpsc::Sender<Message>) -> Self {
        Self {
            id,
            db: 0,
            protocol: Protocol::Resp2,
            authenticated,
            name: None,
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
