//! `RedisQueue` and `RedisTaskQueue` against a real redis-server, RESP2
//! and RESP3: every method, namespaces kept apart, and a consumer that
//! dies mid-task.

use resp_test_support::RedisServer;
use resp_tokio::Client;
use resp_tokio::collections::{RedisQueue, RedisTaskQueue};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

async fn client(port: u16, protocol: &str) -> Client {
    Client::connect(&format!("redis://127.0.0.1:{port}?protocol={protocol}"))
        .await
        .unwrap()
}

#[test]
fn a_queue_is_first_in_first_out_and_waits_within_its_timeout() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    runtime().block_on(async {
        for protocol in ["2", "3"] {
            let client = client(server.port(), protocol).await;
            let jobs = RedisQueue::new(client.clone(), format!("jobs{protocol}"));
            let other = RedisQueue::new(client.clone(), format!("other{protocol}"));
            assert!(jobs.empty().await.unwrap());
            assert_eq!(jobs.put("a").await.unwrap(), 1);
            assert_eq!(jobs.put(2).await.unwrap(), 2);
            assert_eq!(jobs.qsize().await.unwrap(), 2);
            assert!(other.empty().await.unwrap(), "namespaces apart");
            assert_eq!(
                jobs.get_nowait::<String>().await.unwrap().as_deref(),
                Some("a")
            );
            assert_eq!(
                jobs.get::<i64>(Some(Duration::from_secs(1))).await.unwrap(),
                Some(2)
            );
            assert_eq!(jobs.get_nowait::<String>().await.unwrap(), None);
            // Nothing comes: the wait ends at its timeout with None.
            let started = Instant::now();
            assert_eq!(
                jobs.get::<String>(Some(Duration::from_millis(200)))
                    .await
                    .unwrap(),
                None
            );
            let waited = started.elapsed();
            assert!(
                waited >= Duration::from_millis(150) && waited < Duration::from_secs(2),
                "{waited:?}"
            );
            // A waiting get is served by a put from elsewhere, while the
            // client's other calls go on.
            let waiting = {
                let jobs = jobs.clone();
                tokio::spawn(async move { jobs.get::<String>(None).await })
            };
            tokio::time::sleep(Duration::from_millis(50)).await;
            let started = Instant::now();
            assert_eq!(client.call::<String>("PING").await.unwrap(), "PONG");
            assert!(started.elapsed() < Duration::from_millis(200));
            other.put("not for jobs").await.unwrap();
            jobs.put("late").await.unwrap();
            assert_eq!(waiting.await.unwrap().unwrap().as_deref(), Some("late"));
            assert_eq!(other.qsize().await.unwrap(), 1);
        }
    });
}

#[test]
fn a_task_queue_moves_tasks_through_pending_and_back() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    runtime().block_on(async {
        for protocol in ["2", "3"] {
            let client = client(server.port(), protocol).await;
            let namespace = format!("tasks{protocol}");
            let worker = RedisTaskQueue::new(client.clone(), namespace.as_str(), "w1");
            worker.put("t1").await.unwrap();
            worker.put("t2").await.unwrap();
            let task: String = worker
                .get(Some(Duration::from_secs(1)))
                .await
                .unwrap()
                .unwrap();
            assert_eq!(task, "t1");
            assert_eq!(worker.pending::<String>().await.unwrap(), ["t1"]);
            assert_eq!(worker.qsize().await.unwrap(), 1);
            // Rescheduled: back at the end of the queue.
            assert!(worker.reschedule("t1").await.unwrap());
            assert!(!worker.reschedule("t1").await.unwrap(), "no longer pending");
            assert_eq!(
                worker.get::<String>(None).await.unwrap().as_deref(),
                Some("t2")
            );
            assert!(worker.done("t2").await.unwrap());
            assert!(!worker.done("t2").await.unwrap());
            assert_eq!(worker.consumers().await.unwrap(), ["w1"]);
            // w1 takes t1 and dies; w2 recovers it.
            assert_eq!(
                worker.get::<String>(None).await.unwrap().as_deref(),
                Some("t1")
            );
            drop(worker);
            let rescuer = RedisTaskQueue::new(client.clone(), namespace.as_str(), "w2");
            assert_eq!(rescuer.recover("w1").await.unwrap(), 1);
            assert_eq!(
                rescuer.get::<String>(None).await.unwrap().as_deref(),
                Some("t1")
            );
            assert!(rescuer.done("t1").await.unwrap());
            assert_eq!(rescuer.qsize().await.unwrap(), 0);
            let mut consumers = rescuer.consumers().await.unwrap();
            consumers.sort();
            assert_eq!(consumers, ["w1", "w2"]);
        }
    });
}

/// Ten consumers on one task queue, one of which dies holding a task:
/// after recovery every one of 500 tasks is done exactly once.
#[test]
fn every_task_is_done_exactly_once_after_a_consumer_dies() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    runtime().block_on(async {
        let client = client(server.port(), "3").await;
        let producer = RedisTaskQueue::new(client.clone(), "work", "producer");
        for task in 0..500 {
            producer.put(task).await.unwrap();
        }
        let done: Arc<Mutex<HashMap<i64, usize>>> = Arc::default();
        // Consumer 0 takes one task and dies with it.
        let doomed = RedisTaskQueue::new(client.clone(), "work", "c0");
        let lost: i64 = doomed.get(None).await.unwrap().unwrap();
        drop(doomed);
        let consumers: Vec<_> = (1..10)
            .map(|id| {
                let (client, done) = (client.clone(), done.clone());
                tokio::spawn(async move {
                    let queue = RedisTaskQueue::new(client, "work", format!("c{id}"));
                    while let Some(task) = queue
                        .get::<i64>(Some(Duration::from_millis(200)))
                        .await
                        .unwrap()
                    {
                        if queue.done(task).await.unwrap() {
                            *done.lock().unwrap().entry(task).or_default() += 1;
                        }
                    }
                })
            })
            .collect();
        for consumer in consumers {
            consumer.await.unwrap();
        }
        assert!(
            !done.lock().unwrap().contains_key(&lost),
            "the lost task waits in c0's list"
        );
        // Recovery, as a restarted consumer would run it.
        let rescuer = RedisTaskQueue::new(client.clone(), "work", "c1");
        assert_eq!(rescuer.recover("c0").await.unwrap(), 1);
        while let Some(task) = rescuer
            .get::<i64>(Some(Duration::from_millis(100)))
            .await
            .unwrap()
        {
            if rescuer.done(task).await.unwrap() {
                *done.lock().unwrap().entry(task).or_default() += 1;
            }
        }
        let done = done.lock().unwrap();
        assert_eq!(done.len(), 500);
        assert!(done.values().all(|&times| times == 1), "a task done twice");
    });
}
