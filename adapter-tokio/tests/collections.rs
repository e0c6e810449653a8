//! `RedisCache`, `RedisQueue` and `RedisTaskQueue` against a real
//! redis-server, RESP2 and RESP3: every method, namespaces kept apart,
//! atomic pops and increments, paging in bounded memory, and a consumer
//! that dies mid-task.

use resp_test_support::{PeakResident, RedisServer, resident_kib};
use resp_tokio::Client;
use resp_tokio::collections::{CacheValue, RedisCache, RedisQueue, RedisTaskQueue};
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

#[test]
fn a_cache_keeps_types_and_namespaces_apart() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    runtime().block_on(async {
        for protocol in ["2", "3"] {
            let client = client(server.port(), protocol).await;
            let cache = RedisCache::new(client.clone(), format!("settings{protocol}"));
            let other = RedisCache::new(client.clone(), format!("others{protocol}"));
            cache.set("name", "ada").await.unwrap();
            cache.set("raw", &b"\x00\xff"[..]).await.unwrap();
            cache.set("count", 3).await.unwrap();
            cache.set("ratio", 0.5).await.unwrap();
            cache.set("on", true).await.unwrap();
            assert_eq!(
                cache.get("name").await.unwrap(),
                Some(CacheValue::from("ada"))
            );
            assert_eq!(
                cache.get("raw").await.unwrap(),
                Some(CacheValue::from(&b"\x00\xff"[..]))
            );
            assert_eq!(cache.get("count").await.unwrap(), Some(CacheValue::Int(3)));
            assert_eq!(
                cache.get("ratio").await.unwrap(),
                Some(CacheValue::Float(0.5))
            );
            assert_eq!(cache.get("on").await.unwrap(), Some(CacheValue::Bool(true)));
            assert_eq!(cache.get("missing").await.unwrap(), None);
            assert_eq!(
                cache.get_or("missing", 7).await.unwrap(),
                CacheValue::Int(7)
            );
            assert!(cache.contains("name").await.unwrap());
            assert!(!other.contains("name").await.unwrap(), "namespaces apart");
            assert_eq!(other.length().await.unwrap(), 0);
            assert_eq!(cache.length().await.unwrap(), 5);
            // Increments: integers stay integers, a float makes a float.
            assert_eq!(
                cache.increment("count", 2).await.unwrap(),
                CacheValue::Int(5)
            );
            assert_eq!(
                cache.increment("ratio", 1).await.unwrap(),
                CacheValue::Float(1.5)
            );
            assert_eq!(
                cache.increment("count", 0.5).await.unwrap(),
                CacheValue::Float(5.5)
            );
            assert_eq!(
                cache.increment("fresh", 1).await.unwrap(),
                CacheValue::Int(1)
            );
            let refused = cache.increment("name", 1).await.unwrap_err();
            assert!(refused.to_string().contains("not a number"), "{refused}");
            // pop, delete, update, to_map, clear.
            assert_eq!(cache.pop("on").await.unwrap(), Some(CacheValue::Bool(true)));
            assert_eq!(cache.pop("on").await.unwrap(), None);
            assert_eq!(
                cache.pop_or("on", false).await.unwrap(),
                CacheValue::Bool(false)
            );
            assert!(cache.delete("raw").await.unwrap());
            assert!(!cache.delete("raw").await.unwrap());
            cache.update([("a", 1), ("b", 2)]).await.unwrap();
            let map = cache.to_map().await.unwrap();
            assert_eq!(map.len(), 6);
            assert_eq!(map["b"], CacheValue::Int(2));
            cache.clear().await.unwrap();
            assert_eq!(cache.length().await.unwrap(), 0);
            // An expiry for the whole namespace.
            cache.set("short", "lived").await.unwrap();
            assert!(cache.expire(Duration::from_millis(100)).await.unwrap());
            tokio::time::sleep(Duration::from_millis(300)).await;
            assert_eq!(cache.get("short").await.unwrap(), None);
        }
    });
}

/// 50 tasks pop the same 1,000 fields: each is popped exactly once. 50
/// tasks increment one field 20 times each: the total is exact.
#[test]
fn pop_and_increment_are_atomic() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    runtime().block_on(async {
        let client = client(server.port(), "3").await;
        let cache = RedisCache::new(client, "atomic");
        cache
            .update((0..1000).map(|n| (n.to_string(), n)))
            .await
            .unwrap();
        let popped: Arc<Mutex<HashMap<String, usize>>> = Arc::default();
        let poppers: Vec<_> = (0..50)
            .map(|_| {
                let (cache, popped) = (cache.clone(), popped.clone());
                tokio::spawn(async move {
                    for n in 0..1000 {
                        let field = n.to_string();
                        if cache.pop(&field).await.unwrap().is_some() {
                            *popped.lock().unwrap().entry(field).or_default() += 1;
                        }
                    }
                })
            })
            .collect();
        let adders: Vec<_> = (0..50)
            .map(|_| {
                let cache = cache.clone();
                tokio::spawn(async move {
                    for _ in 0..20 {
                        cache.increment("total", 1).await.unwrap();
                    }
                })
            })
            .collect();
        for task in poppers.into_iter().chain(adders) {
            task.await.unwrap();
        }
        {
            let popped = popped.lock().unwrap();
            assert_eq!(popped.len(), 1000);
            assert!(
                popped.values().all(|&times| times == 1),
                "a field popped twice"
            );
        }
        assert_eq!(
            cache.get("total").await.unwrap(),
            Some(CacheValue::Int(1000))
        );
    });
}

/// `items` over 100,000 entries of 200 bytes (20 MB of values): each is
/// seen, and the test process grows by far less than reading them whole
/// would take.
#[test]
fn items_page_through_a_large_namespace_in_bounded_memory() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    runtime().block_on(async {
        let client = client(server.port(), "3").await;
        let cache = RedisCache::new(client.clone(), "large");
        let value = "v".repeat(200);
        for batch in 0..100 {
            let fields = (0..1000).map(|n| (format!("f{}", batch * 1000 + n), value.as_str()));
            cache.update(fields).await.unwrap();
        }
        assert_eq!(cache.length().await.unwrap(), 100_000);
        let before_kib = resident_kib(std::process::id());
        let peak = PeakResident::start();
        let mut seen = std::collections::HashSet::new();
        let mut items = cache.items();
        let mut largest_page = 0;
        while let Some(page) = items.next_page().await.unwrap() {
            largest_page = largest_page.max(page.len());
            for (field, _) in page {
                seen.insert(field);
            }
        }
        let peak_kib = peak.stop();
        eprintln!(
            "largest page {largest_page}; resident {before_kib} KiB before, {peak_kib} KiB at most"
        );
        assert_eq!(seen.len(), 100_000);
        assert!(largest_page <= 5_000, "{largest_page}");
        // The field names alone are kept (about 3 MB); the 20 MB of values never are.
        assert!(peak_kib < before_kib + 16 * 1024, "{peak_kib} KiB");
    });
}
