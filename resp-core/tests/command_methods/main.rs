//! Every generated command function, called with example arguments: it
//! packs the words its command's docs say, exactly as the same words sent
//! with `call` are packed, and a real server takes each one (no syntax
//! error, no wrong number of arguments).

mod examples;

use resp_core::{Frame, Limits, Status, decode_slice, pack_command};
use resp_test_support::RedisServer;
use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

#[test]
fn every_function_packs_what_call_packs() {
    let examples = examples::examples();
    assert!(examples.len() > 500, "only {} examples", examples.len());
    for (cmd, words) in &examples {
        let (mut packed, mut called) = (Vec::new(), Vec::new());
        pack_command(&mut packed, cmd);
        pack_command(&mut called, &words[..]);
        assert_eq!(
            String::from_utf8_lossy(&packed),
            String::from_utf8_lossy(&called),
            "{words:?}"
        );
    }
}

/// Examples whose shape is right but whose example values the server
/// refuses with a syntax error, and why: the docs type these arguments as
/// free strings, or forbid a combination only in prose.
const VALUES_REFUSED: &[(&[&str], &str)] = &[
    (
        &["ACL", "SETUSER", "v", "v"],
        "an ACL rule is a string in the docs; `v` is not a rule",
    ),
    (
        &["BITOP", "v", "k1", "k1"],
        "the operation is a string in the docs; `v` is not AND/OR/XOR/NOT",
    ),
    (
        &["ZRANGE", "k1", "v", "v", "LIMIT", "1", "1"],
        "LIMIT needs BYSCORE or BYLEX, which the docs say only in prose",
    ),
    (
        &["ZRANGESTORE", "k1", "k1", "v", "v", "LIMIT", "1", "1"],
        "LIMIT needs BYSCORE or BYLEX, which the docs say only in prose",
    ),
];

/// What a server says when it does not take a command's shape.
fn refuses_the_shape(error: &str) -> bool {
    let error = error.to_ascii_lowercase();
    [
        "syntax error",
        "wrong number of arguments",
        "unknown subcommand",
        "unknown command",
    ]
    .iter()
    .any(|refusal| error.contains(refusal))
}

#[test]
fn a_real_server_takes_every_example() {
    // DEBUG would run for real; the generated shape is what is under test.
    let extra = ["--enable-debug-command", "no"];
    let Some(mut server) = RedisServer::start_with(&extra) else {
        return;
    };
    let mut refused = Vec::new();
    let mut taken = 0;
    for (cmd, words) in examples::examples() {
        let mut packed = Vec::new();
        pack_command(&mut packed, &cmd);
        // A reply, a command still blocking, or a closed connection
        // (QUIT, SHUTDOWN): the server took the command.
        if let Some(reply) = reply_to(&server, &packed).filter(Frame::is_error) {
            let text = String::from_utf8_lossy(reply.as_bytes().unwrap_or_default()).into_owned();
            let known = VALUES_REFUSED.iter().any(|(refused, _)| *refused == words);
            if refuses_the_shape(&text) && !known {
                refused.push(format!("{words:?}: {text}"));
            }
        }
        taken += 1;
        server = recovered(server, &extra);
    }
    assert!(refused.is_empty(), "refused:\n{}", refused.join("\n"));
    assert!(taken > 500, "only {taken} examples sent");
}

/// The first reply to `packed` on a connection of its own; `None` when none
/// comes within a short wait (a blocking command) or the connection closes.
fn reply_to(server: &RedisServer, packed: &[u8]) -> Option<Frame> {
    let mut stream = TcpStream::connect(("127.0.0.1", server.port())).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_millis(300)))
        .unwrap();
    stream.write_all(packed).ok()?;
    let mut input = Vec::new();
    let mut chunk = [0; 16 * 1024];
    loop {
        if let Ok(Status::Complete((frame, _))) = decode_slice(&input, Limits::default()) {
            return Some(frame);
        }
        match stream.read(&mut chunk) {
            Ok(0) => return None,
            Ok(n) => input.extend_from_slice(&chunk[..n]),
            Err(error) if matches!(error.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                return None;
            }
            Err(_) => return None,
        }
    }
}

/// The server as the next example needs it: started again if an example
/// shut it down, a primary again if one made it a replica.
fn recovered(server: RedisServer, extra: &[&str]) -> RedisServer {
    let Ok(stream) = TcpStream::connect(("127.0.0.1", server.port())) else {
        drop(server);
        return RedisServer::start_with(extra).expect("redis-server starts again");
    };
    drop(stream);
    for undo in [&["REPLICAOF", "NO", "ONE"][..], &["CLIENT", "UNPAUSE"]] {
        let mut packed = Vec::new();
        pack_command(&mut packed, undo);
        if reply_to(&server, &packed).is_none() {
            drop(server);
            return RedisServer::start_with(extra).expect("redis-server starts again");
        }
    }
    server
}
