//! A real `redis-server` for interop tests, started on a free loopback port
//! and stopped by pid when dropped.
#![allow(dead_code)] // each test binary uses a different subset

use bytes::BytesMut;
use resp_core::{Decoder, Frame, pack_command};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub(crate) struct RedisServer {
    child: Child,
    port: u16,
    /// Where a cluster node keeps its `nodes.conf`; removed on drop.
    dir: Option<PathBuf>,
    /// A cluster node's bus port, which `CLUSTER MEET` needs.
    bus_port: Option<u16>,
}

impl RedisServer {
    /// Starts a server, or says why not. Under CI (`CI` set) a missing server
    /// fails the test: `.ci/run` installs it, so its absence is a real fault.
    pub(crate) fn start() -> Option<Self> {
        Self::start_with(&[])
    }

    /// A cluster-enabled node that serves no slots yet, with its own
    /// directory for the cluster state file.
    pub(crate) fn start_cluster_node() -> Option<Self> {
        let dir = std::env::temp_dir().join(format!(
            "resp-cluster-{}-{}",
            std::process::id(),
            free_port()
        ));
        std::fs::create_dir_all(&dir).expect("create the node's directory");
        let dir_arg = dir
            .to_str()
            .expect("a UTF-8 temporary directory")
            .to_owned();
        // The cluster bus port is chosen too, as `port + 10000` may be taken or out of range.
        let bus_port = free_port();
        let bus_port_arg = bus_port.to_string();
        let mut server = Self::start_with(&[
            "--cluster-enabled",
            "yes",
            "--cluster-port",
            &bus_port_arg,
            "--dir",
            &dir_arg,
        ])?;
        server.dir = Some(dir);
        server.bus_port = Some(bus_port);
        Some(server)
    }

    /// Starts a server with `extra` arguments after the defaults.
    pub(crate) fn start_with(extra: &[&str]) -> Option<Self> {
        let found = Command::new("redis-server")
            .arg("--version")
            .stdout(Stdio::null())
            .status()
            .is_ok();
        if !found {
            assert!(
                std::env::var_os("CI").is_none(),
                "redis-server is not installed; .ci/run installs it (apt-get install redis-server)"
            );
            eprintln!(
                "skipped: redis-server is not installed (apt-get install redis-server redis-tools)"
            );
            return None;
        }
        let port = free_port();
        let child = Command::new("redis-server")
            .args([
                "--port",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--enable-debug-command",
                "yes",
            ])
            .args(extra)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server starts");
        let server = Self {
            child,
            port,
            dir: None,
            bus_port: None,
        };
        server.wait_until_ready();
        Some(server)
    }

    pub(crate) fn port(&self) -> u16 {
        self.port
    }

    /// The cluster bus port of a node from [`start_cluster_node`](Self::start_cluster_node).
    pub(crate) fn bus_port(&self) -> u16 {
        self.bus_port.expect("a cluster node")
    }

    pub(crate) fn connect(&self) -> TcpStream {
        let stream = TcpStream::connect(("127.0.0.1", self.port)).expect("connect to redis-server");
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        stream
    }

    fn wait_until_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!(
            "redis-server did not listen on port {} within 10 s",
            self.port
        );
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if let Some(dir) = &self.dir {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// A loopback port nothing listens on right now.
pub(crate) fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Reads replies from `stream` in reads of at most `piece` bytes.
pub(crate) struct Replies {
    stream: TcpStream,
    decoder: Decoder,
    buf: BytesMut,
    pub(crate) piece: usize,
}

impl Replies {
    pub(crate) fn new(stream: TcpStream, piece: usize) -> Self {
        Self {
            stream,
            decoder: Decoder::new(),
            buf: BytesMut::new(),
            piece,
        }
    }

    pub(crate) fn send(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).unwrap();
    }

    pub(crate) fn next(&mut self) -> Frame {
        loop {
            if let Some(frame) = self.decoder.decode(&mut self.buf).unwrap() {
                return frame;
            }
            let mut piece = vec![0; self.piece];
            let n = self.stream.read(&mut piece).unwrap();
            assert!(n > 0, "server closed the connection");
            self.buf.extend_from_slice(&piece[..n]);
        }
    }

    pub(crate) fn command(&mut self, args: impl resp_core::Args) -> Frame {
        let mut out = Vec::new();
        pack_command(&mut out, args);
        self.send(&out);
        self.next()
    }
}
