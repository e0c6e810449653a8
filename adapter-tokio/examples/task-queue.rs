//! Workers sharing a task queue that survives a crash: each worker, on
//! start, takes back what a dead worker left pending, then does tasks
//! until the queue stays empty for a second, reporting on a plain queue
//! and counting its work in a cache.
//!
//! ```sh
//! cargo run -p resp-tokio --example task-queue -- redis://127.0.0.1:6379
//! ```

use resp_tokio::collections::{RedisCache, RedisQueue, RedisTaskQueue};
use resp_tokio::{Client, ClientError};
use std::time::Duration;

#[tokio::main]
async fn main() -> Result<(), ClientError> {
    let url = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "redis://127.0.0.1:6379".into());
    let client = Client::connect(&url).await?;

    // A plain queue: results, in the order they were reported.
    let results = RedisQueue::new(client.clone(), "example:results");
    // Tasks done, per worker.
    let counts = RedisCache::new(client.clone(), "example:counts");
    counts.clear().await?;
    let producer = RedisTaskQueue::new(client.clone(), "example:tasks", "producer");
    for n in 1..=20 {
        producer.put(n).await?;
    }

    let workers: Vec<_> = (1..=3)
        .map(|id| {
            let (client, results, counts) = (client.clone(), results.clone(), counts.clone());
            tokio::spawn(async move {
                let worker = RedisTaskQueue::new(client, "example:tasks", format!("worker-{id}"));
                // Whatever a worker of this name left when it last died.
                worker.recover(worker.consumer()).await?;
                while let Some(n) = worker.get::<i64>(Some(Duration::from_secs(1))).await? {
                    results
                        .put(format!("worker-{id}: {n}² = {}", n * n))
                        .await?;
                    worker.done(n).await?;
                    counts.increment(worker.consumer(), 1).await?;
                }
                Ok::<(), ClientError>(())
            })
        })
        .collect();
    for worker in workers {
        worker.await.expect("a worker panicked")?;
    }
    while let Some(line) = results.get_nowait::<String>().await? {
        println!("{line}");
    }
    for (worker, done) in counts.to_map().await? {
        println!("{worker} did {done}");
    }
    Ok(())
}
