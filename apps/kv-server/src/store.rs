//! The keyspace: 16 databases, each split into shards behind their own
//! locks, so connections on different keys never wait for each other and no
//! lock is ever held across an await.
//!
//! Keys expire lazily, when a command finds them past their deadline, and
//! actively: a background task sweeps a few shards at a time, so memory is
//! given back even for keys nobody reads again.

use crate::values::Value;
use hashbrown::{DefaultHashBuilder, HashMap, HashTable};
use std::hash::BuildHasher;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::{SystemTime, UNIX_EPOCH};

/// How many databases `SELECT` can choose from, as Redis's default.
pub(crate) const DATABASES: usize = 16;
/// Shards per database: enough that two cores rarely meet on one lock.
const SHARDS: usize = 64;

pub(crate) type Key = Box<[u8]>;

/// A string's key and value in one allocation, `[key length: 4 bytes][key]
/// [value]`: one allocation per string key instead of two, and a table slot
/// of 16 bytes.
#[derive(Debug)]
struct Blob(Box<[u8]>);

impl Blob {
    fn new(key: &[u8], value: &[u8]) -> Self {
        let mut bytes = Vec::with_capacity(4 + key.len() + value.len());
        bytes.extend_from_slice(&(key.len() as u32).to_le_bytes());
        bytes.extend_from_slice(key);
        bytes.extend_from_slice(value);
        Self(bytes.into_boxed_slice())
    }

    fn key_len(&self) -> usize {
        let mut len = [0; 4];
        len.copy_from_slice(&self.0[..4]);
        u32::from_le_bytes(len) as usize
    }

    fn key(&self) -> &[u8] {
        &self.0[4..4 + self.key_len()]
    }

    fn value(&self) -> &[u8] {
        &self.0[4 + self.key_len()..]
    }
}

/// What a key holds, as [`Shard::get`] finds it.
#[derive(Debug)]
pub(crate) enum Found<'s> {
    Str(&'s [u8]),
    Other(&'s mut Value),
}

impl Found<'_> {
    pub(crate) fn type_name(&self) -> &'static str {
        match self {
            Self::Str(_) => "string",
            Self::Other(value) => value.type_name(),
        }
    }
}

/// One shard of a database. Strings, by far the most common values, sit in
/// a table of their own, key and value in one allocation; other types in a
/// map; deadlines beside them, for the keys that have one.
#[derive(Debug, Default)]
pub(crate) struct Shard {
    strings: HashTable<Blob>,
    others: HashMap<Key, Value>,
    /// Milliseconds since the epoch, for keys with a deadline.
    deadlines: HashMap<Key, u64>,
    hasher: DefaultHashBuilder,
}

impl Shard {
    fn expired(&self, key: &[u8], now: u64) -> bool {
        !self.deadlines.is_empty() && self.deadlines.get(key).is_some_and(|&at| at <= now)
    }

    /// The live value at `key`; an expired one is removed on the way.
    pub(crate) fn get(&mut self, key: &[u8], now: u64) -> Option<Found<'_>> {
        if self.expired(key, now) {
            self.remove(key);
            return None;
        }
        let hash = self.hasher.hash_one(key);
        if let Some(blob) = self.strings.find(hash, |blob| blob.key() == key) {
            return Some(Found::Str(blob.value()));
        }
        self.others.get_mut(key).map(Found::Other)
    }

    /// Whether a live value is at `key`.
    pub(crate) fn contains(&mut self, key: &[u8], now: u64) -> bool {
        self.get(key, now).is_some()
    }

    /// Stores a string, replacing whatever was at `key` (its deadline stays).
    pub(crate) fn put_string(&mut self, key: &[u8], value: &[u8]) {
        let hash = self.hasher.hash_one(key);
        let blob = Blob::new(key, value);
        match self.strings.find_mut(hash, |blob| blob.key() == key) {
            Some(slot) => *slot = blob,
            None => {
                self.others.remove(key);
                let hasher = &self.hasher;
                self.strings
                    .insert_unique(hash, blob, |blob| hasher.hash_one(blob.key()));
            }
        }
    }

    /// Stores a value of another type, replacing whatever was at `key`.
    pub(crate) fn put_other(&mut self, key: &[u8], value: Value) {
        self.remove_string(key);
        match self.others.get_mut(key) {
            Some(slot) => *slot = value,
            None => {
                self.others.insert(key.into(), value);
            }
        }
    }

    fn remove_string(&mut self, key: &[u8]) -> bool {
        let hash = self.hasher.hash_one(key);
        match self.strings.find_entry(hash, |blob| blob.key() == key) {
            Ok(entry) => {
                entry.remove();
                true
            }
            Err(_) => false,
        }
    }

    /// Removes the value at `key` and its deadline; returns whether there was one.
    pub(crate) fn remove(&mut self, key: &[u8]) -> bool {
        if !self.deadlines.is_empty() {
            self.deadlines.remove(key);
        }
        self.remove_string(key) || self.others.remove(key).is_some()
    }

    /// The deadline of a live key, 0 for none.
    pub(crate) fn deadline(&self, key: &[u8]) -> u64 {
        self.deadlines.get(key).copied().unwrap_or(0)
    }

    /// Sets (or with 0 clears) the deadline of the key, which must be live.
    pub(crate) fn set_deadline(&mut self, key: &[u8], expires_at: u64) {
        if expires_at == 0 {
            self.deadlines.remove(key);
        } else if let Some(at) = self.deadlines.get_mut(key) {
            *at = expires_at;
        } else {
            self.deadlines.insert(key.into(), expires_at);
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.strings.len() + self.others.len()
    }

    /// Keys with a deadline.
    fn expiring(&self) -> usize {
        self.deadlines.len()
    }

    pub(crate) fn clear(&mut self) {
        self.strings = HashTable::new();
        self.others = HashMap::default();
        self.deadlines = HashMap::default();
    }

    /// Live keys, for `KEYS` and `SCAN`.
    pub(crate) fn keys(&self, now: u64) -> impl Iterator<Item = &[u8]> {
        self.strings
            .iter()
            .map(Blob::key)
            .chain(self.others.keys().map(|key| &**key))
            .filter(move |key| !self.expired(key, now))
    }

    /// Drops every expired entry.
    fn sweep(&mut self, now: u64) {
        if self.deadlines.is_empty() {
            return;
        }
        let expired: Vec<Key> = self
            .deadlines
            .iter()
            .filter(|&(_, &at)| at <= now)
            .map(|(key, _)| key.clone())
            .collect();
        for key in &expired {
            self.remove(key);
        }
        if !expired.is_empty() && self.strings.capacity() > 4 * self.strings.len().max(16) {
            let hasher = &self.hasher;
            self.strings
                .shrink_to_fit(|blob| hasher.hash_one(blob.key()));
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
            .map(|shard| (shard.len(), shard.expiring()))
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
