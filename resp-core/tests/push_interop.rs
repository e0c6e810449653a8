//! Push messages from a real Redis read into typed values: pub/sub in both
//! protocols, and client-side caching invalidations both ways Redis sends
//! them (RESP3 pushes, and RESP2 messages on the invalidation channel).

use resp_core::{Frame, Hello, Protocol, Push, SubscriptionKind, pack_command};
use resp_test_support::{RedisServer, Replies};

fn push(redis: &mut Replies) -> Push {
    let frame = redis.reply();
    Push::from_frame(frame).unwrap_or_else(|frame| panic!("not a push: {frame:?}"))
}

fn subscribed(kind: SubscriptionKind, channel: &str, count: i64) -> Push {
    Push::Subscription {
        kind,
        channel: Some(channel.to_owned().into()),
        count,
    }
}

#[test]
fn pubsub_in_both_protocols() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let mut publisher = Replies::new(server.connect(), 4096);
    for protocol in [Protocol::Resp2, Protocol::Resp3] {
        let mut subscriber = Replies::new(server.connect(), 5);
        subscriber.command(Hello::new(protocol));
        let mut request = Vec::new();
        pack_command(&mut request, ("SUBSCRIBE", "news", "sport"));
        pack_command(&mut request, ("PSUBSCRIBE", "n*"));
        pack_command(&mut request, ("SSUBSCRIBE", "shard"));
        subscriber.send(&request);
        assert_eq!(
            push(&mut subscriber),
            subscribed(SubscriptionKind::Subscribe, "news", 1)
        );
        assert_eq!(
            push(&mut subscriber),
            subscribed(SubscriptionKind::Subscribe, "sport", 2)
        );
        assert_eq!(
            push(&mut subscriber),
            subscribed(SubscriptionKind::PatternSubscribe, "n*", 3)
        );
        // Shard channels are counted on their own.
        assert_eq!(
            push(&mut subscriber),
            subscribed(SubscriptionKind::ShardSubscribe, "shard", 1)
        );

        assert_eq!(
            publisher.command(("PUBLISH", "news", "hello")),
            Frame::Integer(2)
        );
        assert_eq!(
            push(&mut subscriber),
            Push::Message {
                channel: "news".into(),
                payload: Frame::BulkString("hello".into())
            }
        );
        assert_eq!(
            push(&mut subscriber),
            Push::PatternMessage {
                pattern: "n*".into(),
                channel: "news".into(),
                payload: Frame::BulkString("hello".into())
            }
        );
        assert_eq!(
            publisher.command(("SPUBLISH", "shard", "s")),
            Frame::Integer(1)
        );
        assert_eq!(
            push(&mut subscriber),
            Push::ShardMessage {
                channel: "shard".into(),
                payload: Frame::BulkString("s".into())
            }
        );

        subscriber.send(b"*1\r\n$11\r\nUNSUBSCRIBE\r\n");
        // One confirmation per channel, in no set order; the pattern stays.
        let mut channels = Vec::new();
        let mut counts = Vec::new();
        for _ in 0..2 {
            let Push::Subscription {
                kind,
                channel,
                count,
            } = push(&mut subscriber)
            else {
                panic!("not a confirmation");
            };
            assert_eq!(kind, SubscriptionKind::Unsubscribe);
            channels.push(channel.unwrap());
            counts.push(count);
        }
        channels.sort();
        assert_eq!(channels, ["news", "sport"]);
        assert_eq!(counts, [2, 1]);
    }
}

#[test]
fn invalidations_both_ways_redis_sends_them() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let mut writer = Replies::new(server.connect(), 4096);

    // RESP3: invalidations are pushes on the tracking connection itself.
    let mut tracking = Replies::new(server.connect(), 3);
    tracking.command(Hello::new(Protocol::Resp3));
    assert_eq!(
        tracking.command(("CLIENT", "TRACKING", "on")),
        Frame::SimpleString("OK".into())
    );
    tracking.command(("GET", "cached"));
    writer.command(("SET", "cached", "new"));
    assert_eq!(
        push(&mut tracking),
        Push::Invalidate(Some(vec!["cached".into()]))
    );
    tracking.command(("GET", "cached"));
    writer.command(("FLUSHALL",));
    assert_eq!(push(&mut tracking), Push::Invalidate(None));

    // RESP2: they go to another connection, subscribed to the invalidation channel.
    let mut listener = Replies::new(server.connect(), 4096);
    let listener_id = listener.command(("CLIENT", "ID")).convert::<i64>().unwrap();
    let confirmation = listener.command(("SUBSCRIBE", "__redis__:invalidate"));
    assert_eq!(
        Push::from_frame(confirmation),
        Ok(subscribed(
            SubscriptionKind::Subscribe,
            "__redis__:invalidate",
            1
        ))
    );
    let mut reader = Replies::new(server.connect(), 4096);
    reader.command(("CLIENT", "TRACKING", "on", "REDIRECT", listener_id));
    reader.command(("GET", "key"));
    writer.command(("SET", "key", "v"));
    assert_eq!(
        push(&mut listener),
        Push::Invalidate(Some(vec!["key".into()]))
    );
}
