//! [`RedisCache`]: a dictionary under a namespace, in one Redis hash.

use super::value::CacheValue;
use crate::{Client, ClientError};
use bytes::Bytes;
use resp_core::Script;
use std::collections::HashMap;
use std::sync::LazyLock;
use std::time::Duration;

/// Takes a field out and returns its value, in one step.
static POP: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        "local value = redis.call('HGET', KEYS[1], ARGV[1]) \
         if value then redis.call('HDEL', KEYS[1], ARGV[1]) end \
         return value",
    )
});

/// Adds to a field holding a number (a missing one counts as 0) and
/// returns what it then holds: an integer while both are integers, a
/// float once either is one. Refuses anything that is not a number, and
/// an integer past 2^53, which Lua's doubles cannot keep exact.
static INCREMENT: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        "local stored = redis.call('HGET', KEYS[1], ARGV[1]) or 'i|0' \
         local kind = string.sub(stored, 1, 2) \
         local current = tonumber(string.sub(stored, 3)) \
         if (kind ~= 'i|' and kind ~= 'f|') or not current then \
           return redis.error_reply('WRONGTYPE the value of ' .. ARGV[1] .. ' is not a number') end \
         local by = tonumber(string.sub(ARGV[2], 3)) \
         local result = current + by \
         local value \
         if kind == 'i|' and string.sub(ARGV[2], 1, 2) == 'i|' then \
           if math.abs(result) > 9007199254740992 then \
             return redis.error_reply('ERR the integer leaves the exact range of 2^53') end \
           value = 'i|' .. string.format('%d', result) \
         else value = 'f|' .. string.format('%.17g', result) end \
         redis.call('HSET', KEYS[1], ARGV[1], value) \
         return value",
    )
});

/// Fields read per page by [`RedisCache::items`].
const PAGE: usize = 1000;

/// A dictionary of typed values ([`CacheValue`]) under a namespace, shared
/// by every process that uses the same name.
///
/// The namespace is one Redis hash: everything it holds is one key, so
/// `length` is `HLEN`, `clear` one `DEL`, the expiry one `PEXPIRE` for the
/// whole namespace, and [`items`](Self::items) pages through it with
/// `HSCAN` rather than reading it whole. Two caches never see each other's
/// fields unless they share a name. Atomic steps that need more than one
/// command (`pop`, `increment`) are Lua scripts.
///
/// ```no_run
/// # async fn demo() -> Result<(), resp_tokio::ClientError> {
/// use resp_tokio::collections::{CacheValue, RedisCache};
/// use resp_tokio::Client;
///
/// let client = Client::connect("redis://127.0.0.1").await?;
/// let settings = RedisCache::new(client, "settings");
/// settings.set("theme", "dark").await?;
/// settings.set("retries", 3).await?;
/// assert_eq!(settings.get("theme").await?, Some(CacheValue::from("dark")));
/// assert_eq!(settings.increment("retries", 2).await?, CacheValue::Int(5));
/// let everything = settings.to_map().await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct RedisCache {
    client: Client,
    key: String,
}

impl RedisCache {
    /// The cache named `namespace` (the key of its hash), over `client`.
    pub fn new(client: Client, namespace: impl Into<String>) -> Self {
        Self {
            client,
            key: namespace.into(),
        }
    }

    /// Its namespace.
    pub fn namespace(&self) -> &str {
        &self.key
    }

    /// Sets `field` to `value`.
    pub async fn set(&self, field: &str, value: impl Into<CacheValue>) -> Result<(), ClientError> {
        let value = value.into().encode();
        self.client
            .call::<i64>(("HSET", self.key.as_str(), field, value))
            .await
            .map(drop)
    }

    /// The value of `field`, if set.
    pub async fn get(&self, field: &str) -> Result<Option<CacheValue>, ClientError> {
        let stored: Option<Bytes> = self.client.call(("HGET", self.key.as_str(), field)).await?;
        stored.map(|bytes| decode(&bytes)).transpose()
    }

    /// The value of `field`, or `default` when it is not set.
    pub async fn get_or(
        &self,
        field: &str,
        default: impl Into<CacheValue>,
    ) -> Result<CacheValue, ClientError> {
        Ok(self.get(field).await?.unwrap_or_else(|| default.into()))
    }

    /// Whether `field` is set.
    pub async fn contains(&self, field: &str) -> Result<bool, ClientError> {
        self.client
            .call(("HEXISTS", self.key.as_str(), field))
            .await
    }

    /// Removes `field`; whether it was set.
    pub async fn delete(&self, field: &str) -> Result<bool, ClientError> {
        let removed: i64 = self.client.call(("HDEL", self.key.as_str(), field)).await?;
        Ok(removed == 1)
    }

    /// Removes `field` and returns its value, in one step: of many callers
    /// popping the same field, exactly one gets it.
    pub async fn pop(&self, field: &str) -> Result<Option<CacheValue>, ClientError> {
        let stored: Option<Bytes> = self
            .client
            .run_script(&POP.key(self.key.as_str()).arg(field))
            .await?;
        stored.map(|bytes| decode(&bytes)).transpose()
    }

    /// [`pop`](Self::pop), or `default` when `field` is not set.
    pub async fn pop_or(
        &self,
        field: &str,
        default: impl Into<CacheValue>,
    ) -> Result<CacheValue, ClientError> {
        Ok(self.pop(field).await?.unwrap_or_else(|| default.into()))
    }

    /// Sets many fields in one command.
    pub async fn update<K, V>(
        &self,
        fields: impl IntoIterator<Item = (K, V)>,
    ) -> Result<(), ClientError>
    where
        K: AsRef<str>,
        V: Into<CacheValue>,
    {
        let mut args: Vec<Vec<u8>> = vec![b"HSET".to_vec(), self.key.as_bytes().to_vec()];
        for (field, value) in fields {
            args.push(field.as_ref().as_bytes().to_vec());
            args.push(value.into().encode());
        }
        if args.len() == 2 {
            return Ok(());
        }
        self.client.call::<i64>(args).await.map(drop)
    }

    /// Adds `by` (an integer or a float) to the number in `field` (0 when
    /// not set), atomically, and returns the result: an integer while both
    /// are integers, a float once either is one. A field that holds
    /// anything else fails with [`ClientError::Server`] (`WRONGTYPE`), and
    /// so does an integer past ±2⁵³ (Lua counts in doubles).
    pub async fn increment(
        &self,
        field: &str,
        by: impl Into<CacheValue>,
    ) -> Result<CacheValue, ClientError> {
        let by = by.into();
        if !matches!(by, CacheValue::Int(_) | CacheValue::Float(_)) {
            return Err(ClientError::Server(Bytes::from_static(
                b"ERR increment by a number, an integer or a float",
            )));
        }
        let call = INCREMENT.key(self.key.as_str()).arg(field).arg(by.encode());
        let stored: Bytes = self.client.run_script(&call).await?;
        decode(&stored)
    }

    /// How many fields are set.
    pub async fn length(&self) -> Result<usize, ClientError> {
        self.client.call(("HLEN", self.key.as_str())).await
    }

    /// Removes every field.
    pub async fn clear(&self) -> Result<(), ClientError> {
        self.client
            .call::<i64>(("DEL", self.key.as_str()))
            .await
            .map(drop)
    }

    /// Makes the whole namespace expire after `ttl` (a hash expires as
    /// one); [`set`](Self::set) after that does not renew it.
    pub async fn expire(&self, ttl: Duration) -> Result<bool, ClientError> {
        let millis = i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX);
        let set: i64 = self
            .client
            .call(("PEXPIRE", self.key.as_str(), millis))
            .await?;
        Ok(set == 1)
    }

    /// The fields and values, a page at a time (`HSCAN`), so a namespace of
    /// any size is read in bounded memory. A field set or removed while
    /// paging may or may not be seen; one there throughout is seen at
    /// least once (Redis's `SCAN` guarantee).
    pub fn items(&self) -> Items<'_> {
        Items {
            cache: self,
            cursor: Some(b"0".to_vec()),
        }
    }

    /// Every field and value, read page by page.
    pub async fn to_map(&self) -> Result<HashMap<String, CacheValue>, ClientError> {
        let mut map = HashMap::new();
        let mut items = self.items();
        while let Some(page) = items.next_page().await? {
            map.extend(page);
        }
        Ok(map)
    }
}

/// A [`RedisCache`]'s fields and values, page by page.
#[derive(Debug)]
pub struct Items<'c> {
    cache: &'c RedisCache,
    /// The `HSCAN` cursor to go on from; `None` once it came back to 0.
    cursor: Option<Vec<u8>>,
}

impl Items<'_> {
    /// The next page (up to about a thousand fields), or `None` at the end.
    pub async fn next_page(&mut self) -> Result<Option<Vec<(String, CacheValue)>>, ClientError> {
        while let Some(cursor) = self.cursor.take() {
            let scan = ("HSCAN", self.cache.key.as_str(), cursor, "COUNT", PAGE);
            let (next, flat): (Bytes, Vec<Bytes>) = self.cache.client.call(scan).await?;
            if &next[..] != b"0" {
                self.cursor = Some(next.to_vec());
            }
            let mut page = Vec::with_capacity(flat.len() / 2);
            for pair in flat.chunks_exact(2) {
                let field = String::from_utf8_lossy(&pair[0]).into_owned();
                page.push((field, decode(&pair[1])?));
            }
            if !page.is_empty() {
                return Ok(Some(page));
            }
        }
        Ok(None)
    }
}

/// A stored value, or the error for bytes no cache wrote.
fn decode(bytes: &[u8]) -> Result<CacheValue, ClientError> {
    CacheValue::decode(bytes).ok_or_else(|| {
        ClientError::Server(Bytes::from_static(
            b"ERR a value without a type prefix: not written by a RedisCache",
        ))
    })
}
