//! The keyspace: 16 databases, each split into shards behind their own
//! locks, so connections on different keys never wait for each other and no
//! lock is ever held across an await.
//!
//! Keys expire lazily, when a command finds them past their deadline, and
//! actively: a background task sweeps a few shards at a time, so memory is
//! given back even for keys nobody reads again.

use crate::values::Value;
use hashbrown::{DefaultHashBuilder, HashMap};
use std::hash::BuildHasher;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::{SystemTime, UNIX_EPOCH};

/// How many databases `SELECT` can choose from, as Redis's default.
pub(crate) const DATABASES: usize = 16;
/// Shards per database: enough that two cores rarely meet on one lock.
const SHARDS: usize = 64;

pub(crate) type Key = Box<[u8]>;

/// A stored value and its deadline (milliseconds since the epoch, 0 for none).
#[derive(Debug)]
pub(crate) struct Entry {
    pub(crate) value: Value,
    pub(crate) expires_at: u64,
}

impl Entry {
    pub(crate) fn new(value: Value) -> Self {
        Self {
            value,
            expires_at: 0,
        }
    }

    fn is_expired(&self, now: u64) -> bool {
        self.expires_at != 0 && self.expires_at <= now
    }
}

/// One shard of a database.
#[derive(Debug, Default)]
pub(crate) struct Shard {
    map: HashMap<Key, Entry>,
    /// Entries with a deadline, so sweeps skip shards without any.
    expiring: usize,
}

impl Shard {
    /// The live entry for `key`; an expired one is removed on the way.
    pub(crate) fn get_mut(&mut self, key: &[u8], now: u64) -> Option<&mut Entry> {
        if self.map.get(key).is_some_and(|entry| entry.is_expired(now)) {
            self.remove(key);
            return None;
        }
        self.map.get_mut(key)
    }

    pub(crate) fn get(&mut self, key: &[u8], now: u64) -> Option<&Entry> {
        self.get_mut(key, now).map(|entry| &*entry)
    }

    /// Stores `entry` under `key`, replacing what was there (and keeping
    /// its key's allocation).
    pub(crate) fn insert(&mut self, key: &[u8], entry: Entry) {
        if entry.expires_at != 0 {
            self.expiring += 1;
        }
        match self.map.get_mut(key) {
            Some(slot) => {
                if slot.expires_at != 0 {
                    self.expiring -= 1;
                }
                *slot = entry;
            }
            None => {
                self.map.insert(key.into(), entry);
            }
        }
    }

    pub(crate) fn remove(&mut self, key: &[u8]) -> Option<Entry> {
        let old = self.map.remove(key)?;
        if old.expires_at != 0 {
            self.expiring -= 1;
        }
        Some(old)
    }

    /// Sets or clears a live entry's deadline.
    pub(crate) fn set_deadline(&mut self, key: &[u8], expires_at: u64) {
        if let Some(entry) = self.map.get_mut(key) {
            match (entry.expires_at != 0, expires_at != 0) {
                (false, true) => self.expiring += 1,
                (true, false) => self.expiring -= 1,
                _ => {}
            }
            entry.expires_at = expires_at;
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.map.len()
    }

    pub(crate) fn clear(&mut self) {
        self.map.clear();
        self.expiring = 0;
    }

    /// Live keys, for `KEYS` and `SCAN`.
    pub(crate) fn keys(&self, now: u64) -> impl Iterator<Item = &Key> {
        self.map
            .iter()
            .filter(move |(_, entry)| !entry.is_expired(now))
            .map(|(key, _)| key)
    }

    /// Drops every expired entry.
    fn sweep(&mut self, now: u64) {
        if self.expiring == 0 {
            return;
        }
        let before = self.map.len();
        self.map.retain(|_, entry| !entry.is_expired(now));
        let removed = before - self.map.len();
        self.expiring -= removed;
        if removed > 0 && self.map.capacity() > 4 * self.map.len().max(16) {
            self.map.shrink_to_fit();
        }
    }
}

/// Clients watching keys of a database, flagged when a key changes.
#[derive(Debug, Default)]
struct Watches {
    count: AtomicUsize,
    keys: Mutex<HashMap<Key, Vec<Arc<AtomicBool>>>>,
}

/// One database.
#[derive(Debug)]
pub(crate) struct Db {
    shards: Box<[Mutex<Shard>]>,
    /// Picks a key's shard; the shards' own tables hash with other seeds.
    hasher: DefaultHashBuilder,
    watches: Watches,
}

impl Db {
    fn new() -> Self {
        Self {
            shards: (0..SHARDS).map(|_| Mutex::default()).collect(),
            hasher: DefaultHashBuilder::default(),
            watches: Watches::default(),
        }
    }

    /// The shard `key` lives in, locked.
    pub(crate) fn shard(&self, key: &[u8]) -> MutexGuard<'_, Shard> {
        // Bits the tables themselves do not index by, should their seed be the same.
        let index = (self.hasher.hash_one(key) >> 32) as usize % SHARDS;
        lock(&self.shards[index])
    }

    /// Shard `index`, locked, for a scan's cursor.
    pub(crate) fn shard_at(&self, index: usize) -> Option<MutexGuard<'_, Shard>> {
        self.shards.get(index).map(lock)
    }

    pub(crate) fn shard_count(&self) -> usize {
        self.shards.len()
    }

    /// Every shard in turn, locked one at a time.
    pub(crate) fn shards(&self) -> impl Iterator<Item = MutexGuard<'_, Shard>> {
        self.shards.iter().map(lock)
    }

    pub(crate) fn len(&self) -> usize {
        self.shards().map(|shard| shard.len()).sum()
    }

    /// Keys, and keys with a deadline, for `INFO keyspace`.
    pub(crate) fn counts(&self) -> (usize, usize) {
        self.shards()
            .map(|shard| (shard.len(), shard.expiring))
            .fold((0, 0), |(keys, expires), (k, e)| (keys + k, expires + e))
    }

    /// Tells every client watching `key` that it changed.
    pub(crate) fn touch(&self, key: &[u8]) {
        if self.watches.count.load(Ordering::Relaxed) == 0 {
            return;
        }
        if let Some(flags) = lock(&self.watches.keys).get(key) {
            for flag in flags {
                flag.store(true, Ordering::Relaxed);
            }
        }
    }

    /// Tells every watching client that its keys changed (`FLUSHDB`).
    pub(crate) fn touch_all(&self) {
        if self.watches.count.load(Ordering::Relaxed) == 0 {
            return;
        }
        for flags in lock(&self.watches.keys).values() {
            for flag in flags {
                flag.store(true, Ordering::Relaxed);
            }
        }
    }

    pub(crate) fn watch(&self, key: &[u8], flag: &Arc<AtomicBool>) {
        let mut keys = lock(&self.watches.keys);
        let flags = keys.entry(key.into()).or_default();
        if !flags.iter().any(|other| Arc::ptr_eq(other, flag)) {
            flags.push(flag.clone());
            self.watches.count.fetch_add(1, Ordering::Relaxed);
        }
    }

    pub(crate) fn unwatch(&self, key: &[u8], flag: &Arc<AtomicBool>) {
        let mut keys = lock(&self.watches.keys);
        if let Some(flags) = keys.get_mut(key) {
            let before = flags.len();
            flags.retain(|other| !Arc::ptr_eq(other, flag));
            self.watches
                .count
                .fetch_sub(before - flags.len(), Ordering::Relaxed);
            if flags.is_empty() {
                keys.remove(key);
            }
        }
    }

    pub(crate) fn flush(&self) {
        self.touch_all();
        for mut shard in self.shards() {
            shard.clear();
            shard.map.shrink_to_fit();
        }
    }
}

/// Every database, and the gate that makes `EXEC` atomic: commands pass it
/// shared, a transaction alone.
#[derive(Debug)]
pub(crate) struct Store {
    dbs: Vec<Db>,
    gate: RwLock<()>,
    /// Where the active sweep goes on from.
    sweep_cursor: AtomicUsize,
}

impl Store {
    pub(crate) fn new() -> Self {
        Self {
            dbs: (0..DATABASES).map(|_| Db::new()).collect(),
            gate: RwLock::new(()),
            sweep_cursor: AtomicUsize::new(0),
        }
    }

    pub(crate) fn db(&self, index: usize) -> &Db {
        &self.dbs[index]
    }

    pub(crate) fn dbs(&self) -> &[Db] {
        &self.dbs
    }

    /// For one command.
    pub(crate) fn shared(&self) -> RwLockReadGuard<'_, ()> {
        self.gate
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// For a transaction, which no other command may interleave with.
    pub(crate) fn exclusive(&self) -> RwLockWriteGuard<'_, ()> {
        self.gate
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Sweeps the next `count` shards of expired keys.
    pub(crate) fn sweep(&self, count: usize) {
        let total = DATABASES * SHARDS;
        let start = self.sweep_cursor.fetch_add(count, Ordering::Relaxed);
        let now = now_ms();
        for step in 0..count {
            let at = (start + step) % total;
            let _gate = self.shared();
            lock(&self.dbs[at / SHARDS].shards[at % SHARDS]).sweep(now);
        }
    }
}

/// Milliseconds since the epoch, the clock deadlines are kept in.
pub(crate) fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_millis() as u64)
}

/// A poisoned lock only means another connection's task panicked; the data
/// is still consistent at the granularity of one command.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
