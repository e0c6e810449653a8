//! [`RedisTaskQueue`]: a queue whose tasks survive a consumer's crash.

use crate::{Client, ClientError};
use resp_core::{Arg, FromFrame, Script};
use std::sync::LazyLock;
use std::time::Duration;

/// Takes a task out of a consumer's pending list and puts it back at the
/// end of the queue, in one step; 1 if it was pending there.
static RESCHEDULE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        "if redis.call('LREM', KEYS[1], 1, ARGV[1]) == 1 then \
           redis.call('RPUSH', KEYS[2], ARGV[1]) return 1 end return 0",
    )
});

/// Moves every task of a pending list back to the front of the queue, in
/// one step, oldest first; returns how many.
static RECOVER: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        "local moved = 0 \
         while redis.call('LMOVE', KEYS[1], KEYS[2], 'RIGHT', 'LEFT') do moved = moved + 1 end \
         return moved",
    )
});

/// A task queue in which a task, once taken, stays in its consumer's own
/// pending list until the consumer says it is [`done`](Self::done): a
/// consumer that crashes leaves its tasks there, and any other consumer
/// puts them back in the queue with [`recover`](Self::recover), so every
/// task is done at least once, and exactly once by consumers that call
/// `done` after the work.
///
/// Under the namespace `N`: the queue is the list `N`, the consumer `c`'s
/// pending tasks the list `N:pending:c`, and the consumers known the set
/// `N:consumers`. Taking a task moves it atomically (`BLMOVE`, on a pooled
/// connection of its own, so waiting never stalls other callers);
/// rescheduling and recovery are Lua scripts, atomic on the server.
///
/// ```no_run
/// # async fn demo() -> Result<(), resp_tokio::ClientError> {
/// use resp_tokio::{Client, collections::RedisTaskQueue};
/// use std::time::Duration;
///
/// let client = Client::connect("redis://127.0.0.1").await?;
/// let worker = RedisTaskQueue::new(client, "thumbnails", "worker-1");
/// worker.put("photo:7").await?;
/// if let Some(task) = worker.get::<String>(Some(Duration::from_secs(5))).await? {
///     // ... the work ...
///     worker.done(&task).await?;
/// }
/// // At start-up: take back what crashed consumers left.
/// for consumer in worker.consumers().await? {
///     if consumer != worker.consumer() {
///         worker.recover(&consumer).await?;
///     }
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct RedisTaskQueue {
    client: Client,
    namespace: String,
    consumer: String,
    pending: String,
}

impl RedisTaskQueue {
    /// The task queue named `namespace`, as consumer `consumer` (a name
    /// unique among the consumers, and the same across a restart, so that
    /// it can recover its own tasks).
    pub fn new(client: Client, namespace: impl Into<String>, consumer: impl Into<String>) -> Self {
        let namespace = namespace.into();
        let consumer = consumer.into();
        let pending = pending_key(&namespace, &consumer);
        Self {
            client,
            namespace,
            consumer,
            pending,
        }
    }

    /// Its namespace.
    pub fn namespace(&self) -> &str {
        &self.namespace
    }

    /// This consumer's name.
    pub fn consumer(&self) -> &str {
        &self.consumer
    }

    /// Appends a task; returns how many tasks the queue then holds.
    pub async fn put(&self, task: impl Arg) -> Result<usize, ClientError> {
        self.client
            .call(("RPUSH", self.namespace.as_str(), task))
            .await
    }

    /// Takes the first task into this consumer's pending list, waiting up
    /// to `timeout` (`None`: as long as it takes); `None` when none came.
    pub async fn get<T: FromFrame>(
        &self,
        timeout: Option<Duration>,
    ) -> Result<Option<T>, ClientError> {
        self.client
            .call::<usize>((
                "SADD",
                self.consumers_key().as_str(),
                self.consumer.as_str(),
            ))
            .await?;
        let seconds = timeout.map_or(0.0, |timeout| timeout.as_secs_f64().max(0.001));
        let args = (
            "BLMOVE",
            self.namespace.as_str(),
            self.pending.as_str(),
            "LEFT",
            "RIGHT",
            seconds,
        );
        self.client.call(args).await
    }

    /// The task is done: it leaves this consumer's pending list. `false`
    /// if it was not there.
    pub async fn done(&self, task: impl Arg) -> Result<bool, ClientError> {
        let removed: i64 = self
            .client
            .call(("LREM", self.pending.as_str(), 1, task))
            .await?;
        Ok(removed == 1)
    }

    /// Puts a task this consumer took back at the end of the queue, for
    /// another try; `false` if it was not pending here.
    pub async fn reschedule(&self, task: impl Arg) -> Result<bool, ClientError> {
        let call = RESCHEDULE
            .key(self.pending.as_str())
            .key(self.namespace.as_str())
            .arg(task);
        Ok(self.client.run_script::<i64>(&call).await? == 1)
    }

    /// Puts every task consumer `consumer` left pending (it crashed, or was
    /// stopped mid-task) back at the front of the queue, in one step;
    /// returns how many. Run it for a consumer known to be gone: a live
    /// one's tasks would be done twice.
    pub async fn recover(&self, consumer: &str) -> Result<usize, ClientError> {
        let pending = pending_key(&self.namespace, consumer);
        let call = RECOVER.key(pending.as_str()).key(self.namespace.as_str());
        self.client.run_script(&call).await
    }

    /// The tasks this consumer has taken and not yet finished.
    pub async fn pending<T: FromFrame>(&self) -> Result<Vec<T>, ClientError> {
        self.client
            .call(("LRANGE", self.pending.as_str(), 0, -1))
            .await
    }

    /// The consumers that ever took a task from this queue.
    pub async fn consumers(&self) -> Result<Vec<String>, ClientError> {
        self.client
            .call(("SMEMBERS", self.consumers_key().as_str()))
            .await
    }

    /// How many tasks wait (pending ones not counted).
    pub async fn qsize(&self) -> Result<usize, ClientError> {
        self.client.call(("LLEN", self.namespace.as_str())).await
    }

    fn consumers_key(&self) -> String {
        format!("{}:consumers", self.namespace)
    }
}

/// The key of consumer `consumer`'s pending list.
fn pending_key(namespace: &str, consumer: &str) -> String {
    format!("{namespace}:pending:{consumer}")
}
