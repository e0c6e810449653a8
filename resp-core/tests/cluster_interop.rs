//! The cluster helpers against real cluster nodes: key slots as `CLUSTER
//! KEYSLOT` computes them, and the `MOVED` and `ASK` errors nodes send.

use resp_core::{Frame, Redirect, RedirectKind, key_slot, pack_command};
use resp_test_support::{RedisServer, Replies};
use std::time::{Duration, Instant};

/// Keys of every length up to 40 over an alphabet rich in braces, plus
/// arbitrary bytes, from a fixed seed.
fn keys() -> Vec<Vec<u8>> {
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let alphabet = b"{}{}ab:.x0";
    (0..2000)
        .map(|i| {
            let len = i % 41;
            (0..len)
                .map(|_| {
                    let roll = next();
                    if roll % 4 == 0 {
                        (roll >> 8) as u8
                    } else {
                        alphabet[(roll >> 8) as usize % alphabet.len()]
                    }
                })
                .collect()
        })
        .collect()
}

#[test]
fn key_slots_match_cluster_keyslot() {
    let Some(node) = RedisServer::start_cluster_node() else {
        return;
    };
    let mut redis = Replies::new(node.connect(), 4096);
    let keys = keys();
    let mut pipeline = Vec::new();
    for key in &keys {
        pack_command(&mut pipeline, ("CLUSTER", "KEYSLOT", key.as_slice()));
    }
    redis.send(&pipeline);
    for key in &keys {
        assert_eq!(
            redis.reply(),
            Frame::Integer(i64::from(key_slot(key))),
            "key {key:?}"
        );
    }
}

#[test]
fn moved_and_ask_errors_from_real_nodes_parse() {
    let (Some(owner), Some(other)) = (
        RedisServer::start_cluster_node(),
        RedisServer::start_cluster_node(),
    ) else {
        return;
    };
    let mut on_owner = Replies::new(owner.connect(), 4096);
    let mut on_other = Replies::new(other.connect(), 4096);
    let ok = Frame::SimpleString("OK".into());
    assert_eq!(on_owner.command(("CLUSTER", "ADDSLOTSRANGE", 0, 16383)), ok);
    assert_eq!(
        on_other.command((
            "CLUSTER",
            "MEET",
            "127.0.0.1",
            owner.port(),
            owner.bus_port()
        )),
        ok
    );

    // The other node learns who serves the slots over the cluster bus.
    let slot = key_slot(b"foo");
    let deadline = Instant::now() + Duration::from_secs(20);
    let moved = loop {
        let reply = on_other.command(("GET", "foo"));
        if let Some(redirect) = Redirect::from_frame(&reply) {
            break (
                redirect.kind,
                redirect.slot,
                redirect.host.to_vec(),
                redirect.port,
            );
        }
        assert!(
            Instant::now() < deadline,
            "no MOVED within 20 s; last reply {reply:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(
        moved,
        (
            RedirectKind::Moved,
            slot,
            b"127.0.0.1".to_vec(),
            owner.port()
        )
    );

    // While the slot migrates, the owner sends a key it lacks to the importer.
    let id = |replies: &mut Replies| {
        replies
            .command(("CLUSTER", "MYID"))
            .into_bytes()
            .expect("CLUSTER MYID is a string")
    };
    let (owner_id, other_id) = (id(&mut on_owner), id(&mut on_other));
    assert_eq!(
        on_other.command(("CLUSTER", "SETSLOT", slot, "IMPORTING", &owner_id[..])),
        ok
    );
    assert_eq!(
        on_owner.command(("CLUSTER", "SETSLOT", slot, "MIGRATING", &other_id[..])),
        ok
    );
    let reply = on_owner.command(("GET", "foo"));
    let ask = Redirect::from_frame(&reply).unwrap_or_else(|| panic!("not an ASK: {reply:?}"));
    assert_eq!(
        (ask.kind, ask.slot, ask.host, ask.port),
        (RedirectKind::Ask, slot, &b"127.0.0.1"[..], other.port())
    );
}
