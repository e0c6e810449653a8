//! [`TrackingCache`]: client-side caching kept right by the server's
//! invalidations, with the race between a read and an invalidation of its
//! key closed by reservations.

use crate::client::packed::packed_commands;
use crate::frame::Frame;
use crate::table::{ArgList, CommandFlags, CommandSpec};
use alloc::collections::{BTreeMap, BTreeSet, VecDeque};
use alloc::vec::Vec;

use super::Token;

/// How much a client-side cache may hold.
///
/// ```
/// use resp_core::CacheLimits;
///
/// let mut limits = CacheLimits::default();
/// limits.max_entries = 100;
/// assert_eq!(limits.max_bytes, 64 << 20);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct CacheLimits {
    /// Replies kept at most; past it the oldest go.
    pub max_entries: usize,
    /// Bytes kept at most (each entry counted as its request's and its
    /// reply's encoded size); past it the oldest go.
    pub max_bytes: usize,
}

impl Default for CacheLimits {
    fn default() -> Self {
        Self {
            max_entries: 10_000,
            max_bytes: 64 << 20,
        }
    }
}

/// What a cache has done, for a caller to watch.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct CacheStats {
    /// Reads answered from the cache.
    pub hits: u64,
    /// Reads that went to the server.
    pub misses: u64,
    /// Replies held now.
    pub entries: usize,
    /// Their bytes, as counted against [`CacheLimits::max_bytes`].
    pub bytes: usize,
}

/// A reply kept, and the keys whose change ends it.
#[derive(Debug)]
struct Entry {
    reply: Frame,
    keys: Vec<Vec<u8>>,
    size: usize,
}

/// A read on its way, whose reply may fill the cache if no invalidation of
/// its keys came in between.
#[derive(Debug)]
struct Reservation {
    request: Vec<u8>,
    keys: Vec<Vec<u8>>,
}

/// Replies of reads, by their request's bytes, dropped when the server
/// says a key they read changed.
///
/// Everything happens in the connection's wire order: a reservation is
/// made when the read is queued, before it is written; an invalidation of
/// one of its keys that arrives before its reply removes it, so the reply
/// is passed on but not kept; a reply whose reservation survived fills the
/// cache. A reply and an invalidation can thus never cross into a stale
/// entry. A write queued by this client evicts the entries of its keys at
/// once (read-your-writes), before its own reply comes.
#[derive(Debug)]
pub(super) struct TrackingCache {
    limits: CacheLimits,
    entries: BTreeMap<Vec<u8>, Entry>,
    /// For each key, the requests whose entries read it.
    readers: BTreeMap<Vec<u8>, BTreeSet<Vec<u8>>>,
    reservations: BTreeMap<Token, Reservation>,
    /// Entries in the order they came, for eviction; some may be gone.
    order: VecDeque<Vec<u8>>,
    bytes: usize,
    hits: u64,
    misses: u64,
}

impl TrackingCache {
    pub(super) fn new(limits: CacheLimits) -> Self {
        Self {
            limits,
            entries: BTreeMap::new(),
            readers: BTreeMap::new(),
            reservations: BTreeMap::new(),
            order: VecDeque::new(),
            bytes: 0,
            hits: 0,
            misses: 0,
        }
    }

    pub(super) fn stats(&self) -> CacheStats {
        CacheStats {
            hits: self.hits,
            misses: self.misses,
            entries: self.entries.len(),
            bytes: self.bytes,
        }
    }

    /// The kept reply to `request` (packed bytes of one command), counted
    /// as a hit; a miss is counted otherwise.
    pub(super) fn lookup(&mut self, request: &[u8]) -> Option<Frame> {
        match self.entries.get(request) {
            Some(entry) => {
                self.hits += 1;
                Some(entry.reply.clone())
            }
            None => {
                self.misses += 1;
                None
            }
        }
    }

    /// Reserves a place for the reply to `token`, a read of one command
    /// whose keys the table knows; commands that do not only read, or read
    /// no key, are never kept.
    pub(super) fn reserve(&mut self, token: Token, request: &[u8]) {
        let Some(command) = packed_commands(request).next() else {
            return;
        };
        let Some(spec) = CommandSpec::of(&command) else {
            return;
        };
        if !spec.is_read_only() {
            return;
        }
        let keys: Vec<Vec<u8>> = spec
            .keys(&command)
            .filter_map(|key| command.arg(key.position).map(<[u8]>::to_vec))
            .collect();
        if keys.is_empty() {
            return;
        }
        self.reservations.insert(
            token,
            Reservation {
                request: request.to_vec(),
                keys,
            },
        );
    }

    /// Request `token` is over: its reply (if it came and is not an error)
    /// fills the cache when its reservation still stands.
    pub(super) fn complete(&mut self, token: Token, reply: Option<&Frame>) {
        let Some(reservation) = self.reservations.remove(&token) else {
            return;
        };
        let Some(reply) = reply.filter(|reply| !reply.is_error()) else {
            return;
        };
        self.insert(reservation, reply.clone());
    }

    /// A request that was never answered: its reservation goes.
    pub(super) fn forget(&mut self, token: Token) {
        self.reservations.remove(&token);
    }

    /// Every write in `packed` (this client's own) evicts the entries and
    /// reservations of the keys it writes.
    pub(super) fn writes_queued(&mut self, packed: &[u8]) {
        for command in packed_commands(packed) {
            let Some(spec) = CommandSpec::of(&command) else {
                continue;
            };
            if !spec.flags.contains(CommandFlags::WRITE) {
                continue;
            }
            if spec.name == "flushall" || spec.name == "flushdb" {
                self.clear();
                continue;
            }
            let keys: Vec<&[u8]> = spec
                .keys(&command)
                .filter_map(|key| command.arg(key.position))
                .collect();
            for key in keys {
                self.invalidate(key);
            }
        }
    }

    /// The server's invalidation: `None` for a flush (every key).
    pub(super) fn invalidated<'k>(&mut self, keys: Option<impl Iterator<Item = &'k [u8]>>) {
        match keys {
            None => self.clear(),
            Some(keys) => keys.for_each(|key| self.invalidate(key)),
        }
    }

    /// Drops everything: entries and reservations (a flush, a reconnect).
    pub(super) fn clear(&mut self) {
        self.entries.clear();
        self.readers.clear();
        self.reservations.clear();
        self.order.clear();
        self.bytes = 0;
    }

    fn invalidate(&mut self, key: &[u8]) {
        self.reservations
            .retain(|_, reservation| !reservation.keys.iter().any(|read| read == key));
        if let Some(requests) = self.readers.remove(key) {
            for request in requests {
                self.remove(&request);
            }
        }
    }

    fn insert(&mut self, reservation: Reservation, reply: Frame) {
        let size = reservation.request.len() + reply.encoded_len();
        if size > self.limits.max_bytes || self.limits.max_entries == 0 {
            return;
        }
        self.remove(&reservation.request);
        for key in &reservation.keys {
            self.readers
                .entry(key.clone())
                .or_default()
                .insert(reservation.request.clone());
        }
        self.order.push_back(reservation.request.clone());
        self.entries.insert(
            reservation.request,
            Entry {
                reply,
                keys: reservation.keys,
                size,
            },
        );
        self.bytes += size;
        while self.entries.len() > self.limits.max_entries || self.bytes > self.limits.max_bytes {
            let Some(oldest) = self.order.pop_front() else {
                break;
            };
            self.remove(&oldest);
        }
        // Entries invalidated leave their place in the order behind; it
        // is compacted before it grows past twice what it tracks.
        if self.order.len() > 2 * self.entries.len() + 16 {
            let entries = &self.entries;
            self.order.retain(|request| entries.contains_key(request));
        }
    }

    fn remove(&mut self, request: &[u8]) {
        let Some(entry) = self.entries.remove(request) else {
            return;
        };
        self.bytes -= entry.size;
        for key in &entry.keys {
            if let Some(requests) = self.readers.get_mut(key) {
                requests.remove(request);
                if requests.is_empty() {
                    self.readers.remove(key);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encode::pack_command;

    fn get(key: &str) -> Vec<u8> {
        let mut out = Vec::new();
        pack_command(&mut out, ["GET", key]);
        out
    }

    #[test]
    fn a_reply_whose_key_was_invalidated_first_is_not_kept() {
        let mut cache = TrackingCache::new(CacheLimits::default());
        // The invalidation crosses the reply: it comes first.
        cache.reserve(Token(1), &get("k"));
        cache.invalidated(Some([&b"k"[..]].into_iter()));
        cache.complete(Token(1), Some(&Frame::from("old")));
        assert_eq!(cache.lookup(&get("k")), None);
        // In the other order the entry is made, then dropped.
        cache.reserve(Token(2), &get("k"));
        cache.complete(Token(2), Some(&Frame::from("v")));
        assert_eq!(cache.lookup(&get("k")), Some(Frame::from("v")));
        cache.invalidated(Some([&b"k"[..]].into_iter()));
        assert_eq!(cache.lookup(&get("k")), None);
        assert_eq!(cache.stats().hits, 1);
    }

    #[test]
    fn writes_flushes_and_bounds_evict() {
        let limits = CacheLimits {
            max_entries: 2,
            ..CacheLimits::default()
        };
        let mut cache = TrackingCache::new(limits);
        for (token, key) in [(1, "a"), (2, "b"), (3, "c")] {
            cache.reserve(Token(token), &get(key));
            cache.complete(Token(token), Some(&Frame::from("v")));
        }
        assert_eq!(cache.stats().entries, 2, "the oldest went");
        assert_eq!(cache.lookup(&get("a")), None);
        let mut set = Vec::new();
        pack_command(&mut set, ["SET", "b", "new"]);
        cache.writes_queued(&set);
        assert_eq!(cache.lookup(&get("b")), None, "read-your-writes");
        assert!(cache.lookup(&get("c")).is_some());
        cache.invalidated(None::<core::iter::Empty<&[u8]>>);
        assert_eq!(cache.stats().entries, 0);
        // Writes and keyless reads are never kept.
        cache.reserve(Token(4), &set);
        let mut ping = Vec::new();
        pack_command(&mut ping, ["PING"]);
        cache.reserve(Token(5), &ping);
        cache.complete(Token(4), Some(&Frame::from("OK")));
        cache.complete(Token(5), Some(&Frame::from("PONG")));
        assert_eq!(cache.stats().entries, 0);
    }
}
