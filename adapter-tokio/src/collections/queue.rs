//! [`RedisQueue`]: a first-in, first-out queue in one Redis list.

use crate::{Client, ClientError};
use resp_core::{Arg, FromFrame};
use std::time::Duration;

/// A queue in the Redis list named by its namespace: `put` appends, `get`
/// takes from the front. Any number of producers and consumers, in any
/// number of processes, share it by using the same namespace.
///
/// A waiting [`get`](Self::get) is a blocking command (`BLPOP`), which the
/// client runs on a pooled connection of its own
/// ([`ClientOptions::blocking_connections`](crate::ClientOptions::blocking_connections)),
/// so it never stalls the client's other callers; a `get` given up
/// (dropped, timed out) closes that connection, so an item is never taken
/// for a caller who is gone.
///
/// ```no_run
/// # async fn demo() -> Result<(), resp_tokio::ClientError> {
/// use resp_tokio::{Client, collections::RedisQueue};
/// use std::time::Duration;
///
/// let client = Client::connect("redis://127.0.0.1").await?;
/// let jobs = RedisQueue::new(client, "jobs");
/// jobs.put("resize:42").await?;
/// let job: Option<String> = jobs.get(Some(Duration::from_secs(5))).await?;
/// assert_eq!(job.as_deref(), Some("resize:42"));
/// assert!(jobs.empty().await?);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct RedisQueue {
    client: Client,
    key: String,
}

impl RedisQueue {
    /// The queue named `namespace`, over `client`.
    pub fn new(client: Client, namespace: impl Into<String>) -> Self {
        Self {
            client,
            key: namespace.into(),
        }
    }

    /// Its namespace: the key of its list.
    pub fn namespace(&self) -> &str {
        &self.key
    }

    /// Appends `item`; returns how many items the queue then holds.
    pub async fn put(&self, item: impl Arg) -> Result<usize, ClientError> {
        self.client.call(("RPUSH", self.key.as_str(), item)).await
    }

    /// Takes the first item, waiting up to `timeout` for one (`None`: as
    /// long as it takes); `None` when none came in time.
    pub async fn get<T: FromFrame>(
        &self,
        timeout: Option<Duration>,
    ) -> Result<Option<T>, ClientError> {
        let seconds = timeout.map_or(0.0, |timeout| timeout.as_secs_f64().max(0.001));
        let popped: Option<(String, T)> = self
            .client
            .call(("BLPOP", self.key.as_str(), seconds))
            .await?;
        Ok(popped.map(|(_, item)| item))
    }

    /// Takes the first item if there is one, without waiting.
    pub async fn get_nowait<T: FromFrame>(&self) -> Result<Option<T>, ClientError> {
        self.client.call(("LPOP", self.key.as_str())).await
    }

    /// How many items wait.
    pub async fn qsize(&self) -> Result<usize, ClientError> {
        self.client.call(("LLEN", self.key.as_str())).await
    }

    /// Whether no item waits.
    pub async fn empty(&self) -> Result<bool, ClientError> {
        Ok(self.qsize().await? == 0)
    }
}
