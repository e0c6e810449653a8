//! The `threaded-server` example, driven by redis-cli and by the blocking
//! connection in both protocols.

mod support;

use resp_core::{ConnectionConfig, Frame, Pipeline, Protocol};
use resp_std::{ClientOptions, Connection};
use std::io::{Read, Write};
use std::process::{Child, Command, Stdio};
use support::{example, free_port, installed, wait_for_port};

struct Example {
    child: Child,
    port: u16,
}

impl Example {
    fn start() -> Self {
        let port = free_port();
        let child = Command::new(example("threaded-server"))
            .arg(port.to_string())
            .stderr(Stdio::null())
            .spawn()
            .expect("the example runs (cargo test builds it)");
        wait_for_port(port, "threaded-server");
        Self { child, port }
    }
}

impl Drop for Example {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn redis_cli_sets_and_gets() {
    if !installed("redis-cli") {
        return;
    }
    let server = Example::start();
    let cli = |args: &[&str]| {
        let output = Command::new("redis-cli")
            .args(["-p", &server.port.to_string()])
            .args(args)
            .output()
            .unwrap();
        String::from_utf8(output.stdout).unwrap()
    };
    assert_eq!(cli(&["SET", "greeting", "hello world"]), "OK\n");
    assert_eq!(cli(&["GET", "greeting"]), "hello world\n");
    // Not on a terminal, redis-cli prints an error bare.
    assert!(
        cli(&["INCR", "greeting"]).starts_with("ERR value is not an integer or out of range\n")
    );
    assert_eq!(cli(&["-3", "PING"]), "PONG\n");
}

#[test]
fn both_protocols_and_a_pipeline_of_a_thousand() {
    let server = Example::start();
    for protocol in [Protocol::Resp2, Protocol::Resp3] {
        let mut config = ConnectionConfig::tcp("127.0.0.1", server.port);
        config.protocol = protocol;
        let mut connection = Connection::open(&config, ClientOptions::default()).unwrap();
        assert_eq!(connection.protocol(), protocol);
        let counter = format!("counter-{protocol:?}");
        let mut pipeline = Pipeline::new();
        for _ in 0..1000 {
            pipeline.command(["INCR", &counter]);
        }
        let replies = connection.pipeline(&pipeline).unwrap();
        let expected: Vec<Frame> = (1..=1000).map(Frame::Integer).collect();
        assert_eq!(replies, expected);
        assert_eq!(
            connection
                .call::<Option<String>>(["GET", "missing"])
                .unwrap(),
            None
        );
    }
}

#[test]
fn a_malformed_request_gets_redis_error_after_the_replies_before_it() {
    let server = Example::start();
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    stream.write_all(b"PING\r\n*1\r\n$x\r\n").unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).unwrap();
    assert_eq!(
        answer,
        b"+PONG\r\n-ERR Protocol error: invalid bulk length\r\n"
    );
}
