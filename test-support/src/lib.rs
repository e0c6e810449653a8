//! Real peers for the workspace's tests: a `redis-server` started on a free
//! loopback port and stopped by pid when dropped, the examples `kv-server`
//! and `proxy`, a reader of whole replies, a fault-injecting relay, and
//! certificates for TLS tests.
//!
//! Under CI (`CI` set) a missing `redis-server` fails the test: `.ci/run`
//! installs it, so its absence is a real fault. Elsewhere the test says why
//! it skipped.

mod invocations;
mod large;
mod tls;

pub use invocations::invocations;
pub use large::{LargeValue, PeakResident};
pub use tls::TestCertificates;

use bytes::BytesMut;
use resp_core::{Decoder, Frame, pack_command};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A `redis-server` process of the test's own.
#[derive(Debug)]
pub struct RedisServer {
    child: Child,
    port: u16,
    /// Where it writes its files; removed on drop.
    dir: PathBuf,
    /// A cluster node's bus port, which `CLUSTER MEET` needs.
    bus_port: Option<u16>,
    /// The arguments after the defaults, to start it again with.
    extra: Vec<String>,
}

impl RedisServer {
    /// Starts a server, or says why not (see the crate docs).
    pub fn start() -> Option<Self> {
        Self::start_with(&[])
    }

    /// A cluster-enabled node that serves no slots yet, with its own
    /// directory for the cluster state file.
    pub fn start_cluster_node() -> Option<Self> {
        // The cluster bus port is chosen too, as `port + 10000` may be taken or out of range.
        let bus_port = free_port();
        let bus_port_arg = bus_port.to_string();
        let mut server =
            Self::start_with(&["--cluster-enabled", "yes", "--cluster-port", &bus_port_arg])?;
        server.bus_port = Some(bus_port);
        Some(server)
    }

    /// A server that takes values past Redis's default 512 MB bound (and a
    /// query buffer to write them in), for tests of gigabyte values.
    pub fn start_for_large_values() -> Option<Self> {
        Self::start_with(&[
            "--proto-max-bulk-len",
            "2gb",
            "--client-query-buffer-limit",
            "2gb",
        ])
    }

    /// Starts a server with `extra` arguments after the defaults.
    pub fn start_with(extra: &[&str]) -> Option<Self> {
        Self::start_on(free_port(), extra)
    }

    /// Starts a server on `port`, for a test that restarts one where the
    /// last one was.
    pub fn start_on(port: u16, extra: &[&str]) -> Option<Self> {
        if !installed("redis-server") {
            return None;
        }
        // A folder of its own for whatever it writes (SAVE's dump.rdb, a
        // cluster node's nodes.conf), so that no later server loads it.
        let dir = std::env::temp_dir().join(format!("resp-redis-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("create the server's directory");
        let extra: Vec<String> = extra.iter().map(|arg| arg.to_string()).collect();
        let child = Self::spawn(&dir, port, &extra);
        let server = Self {
            child,
            port,
            dir,
            bus_port: None,
            extra,
        };
        server.wait_until_ready();
        Some(server)
    }

    fn spawn(dir: &std::path::Path, port: u16, extra: &[String]) -> Child {
        Command::new("redis-server")
            .args([
                "--dir",
                dir.to_str().expect("a UTF-8 temporary directory"),
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
            .expect("redis-server starts")
    }

    /// Kills the server (SIGKILL: no goodbye to its clients), keeping its
    /// directory, so that [`start_again`](Self::start_again) finds what it
    /// wrote (an append-only file, with `--appendonly yes`).
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Starts the server again on its port, with its arguments and
    /// directory, and waits until it accepts connections.
    pub fn start_again(&mut self) {
        self.child = Self::spawn(&self.dir, self.port, &self.extra);
        self.wait_until_ready();
    }

    /// The loopback port it listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The cluster bus port of a node from [`start_cluster_node`](Self::start_cluster_node).
    pub fn bus_port(&self) -> u16 {
        self.bus_port.expect("a cluster node")
    }

    /// A connection with a 10 s read timeout.
    pub fn connect(&self) -> TcpStream {
        connect_loopback(self.port, "redis-server")
    }

    fn wait_until_ready(&self) {
        wait_for_port(self.port, "redis-server");
    }

    /// Its process id, to read its memory use.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A loopback port nothing listens on right now, and never handed out
/// before in this process: tests run in parallel, and two servers told the
/// same port would leave one test talking to the other's server.
pub fn free_port() -> u16 {
    static GIVEN: std::sync::Mutex<Vec<u16>> = std::sync::Mutex::new(Vec::new());
    let mut given = GIVEN
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    loop {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        if !given.contains(&port) {
            given.push(port);
            return port;
        }
    }
}

/// Reads replies from a stream in reads of at most `piece` bytes.
#[derive(Debug)]
pub struct Replies {
    stream: TcpStream,
    decoder: Decoder,
    buf: BytesMut,
    /// The most bytes one read takes.
    pub piece: usize,
}

impl Replies {
    /// Reads from `stream` in pieces of at most `piece` bytes.
    pub fn new(stream: TcpStream, piece: usize) -> Self {
        Self {
            stream,
            decoder: Decoder::new(),
            buf: BytesMut::new(),
            piece,
        }
    }

    /// Writes raw bytes.
    pub fn send(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).unwrap();
    }

    /// The next whole reply.
    pub fn reply(&mut self) -> Frame {
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

    /// Sends one command and reads its reply.
    pub fn command(&mut self, args: impl resp_core::Args) -> Frame {
        let mut out = Vec::new();
        pack_command(&mut out, args);
        self.send(&out);
        self.reply()
    }
}

/// Whether `program` (from Debian's `redis-server` or `redis-tools`) can be
/// run. Under CI its absence fails the test; elsewhere the test is skipped
/// with a line saying why.
pub fn installed(program: &str) -> bool {
    let found = Command::new(program)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok();
    if !found {
        assert!(
            std::env::var_os("CI").is_none(),
            "{program} is not installed; .ci/run installs it (apt-get install redis-server redis-tools)"
        );
        eprintln!("skipped: {program} is not installed (apt-get install redis-server redis-tools)");
    }
    found
}

/// A program of the package under test (`apps/kv-server`, `apps/proxy`),
/// started on a free loopback port from the binary `cargo test` built for
/// the package's tests, and stopped by pid when dropped.
#[derive(Debug)]
struct AppProcess {
    child: Child,
    port: u16,
    name: &'static str,
}

impl AppProcess {
    /// Starts program `name` with `--port` and then `args`.
    fn start(name: &'static str, args: &[&str]) -> Self {
        let port = free_port();
        let child = Command::new(app(name))
            .args(["--port", &port.to_string()])
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|error| {
                panic!("{name} starts (cargo test -p {name} builds it with its tests): {error}")
            });
        let process = Self { child, port, name };
        wait_for_port(port, name);
        process
    }

    fn connect(&self) -> TcpStream {
        connect_loopback(self.port, self.name)
    }
}

impl Drop for AppProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A connection to `port` on loopback with a 10 s read timeout.
fn connect_loopback(port: u16, what: &str) -> TcpStream {
    let stream = TcpStream::connect(("127.0.0.1", port))
        .unwrap_or_else(|error| panic!("connect to {what}: {error}"));
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream
}

/// The `kv-server` program on a free loopback port, stopped by pid when
/// dropped; for its own package's tests, which cargo builds it for.
#[derive(Debug)]
pub struct KvServer(AppProcess);

impl KvServer {
    /// Starts it with `extra` arguments after `--port`.
    pub fn start(extra: &[&str]) -> Self {
        Self(AppProcess::start("kv-server", extra))
    }

    /// The loopback port it listens on.
    pub fn port(&self) -> u16 {
        self.0.port
    }

    /// Its process id, to read its memory use.
    pub fn pid(&self) -> u32 {
        self.0.child.id()
    }

    /// A connection with a 10 s read timeout.
    pub fn connect(&self) -> TcpStream {
        self.0.connect()
    }

    /// Sends SIGTERM and waits for a clean exit; returns whether it was one.
    pub fn terminate(mut self) -> bool {
        let _ = Command::new("kill")
            .args(["-TERM", &self.pid().to_string()])
            .status();
        let status = self.0.child.wait().expect("kv-server exits");
        status.success()
    }
}

/// The `proxy` program, forwarding from a free loopback port to `upstream`,
/// stopped by pid when dropped; for its own package's tests.
#[derive(Debug)]
pub struct ProxyServer(AppProcess);

impl ProxyServer {
    /// Starts it in front of `upstream`, with `extra` arguments.
    pub fn start(upstream: u16, extra: &[&str]) -> Self {
        let upstream = format!("127.0.0.1:{upstream}");
        let args: Vec<&str> = ["--upstream", upstream.as_str()]
            .into_iter()
            .chain(extra.iter().copied())
            .collect();
        Self(AppProcess::start("proxy", &args))
    }

    /// The loopback port it listens on.
    pub fn port(&self) -> u16 {
        self.0.port
    }

    /// Its process id, to read its memory use.
    pub fn pid(&self) -> u32 {
        self.0.child.id()
    }

    /// A connection with a 10 s read timeout.
    pub fn connect(&self) -> TcpStream {
        self.0.connect()
    }
}

/// Where cargo put example `name` of the package under test: in the
/// profile folder's `examples/`.
pub fn example(name: &str) -> PathBuf {
    profile_dir().join("examples").join(name)
}

/// Where cargo put binary `name` of the package under test: in the profile
/// folder, as `CARGO_BIN_EXE_<name>` says at compile time.
pub fn app(name: &str) -> PathBuf {
    profile_dir().join(name)
}

/// `target/<profile>`, the test binary's `deps/` folder's parent.
fn profile_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary's path");
    exe.parent()
        .and_then(|deps| deps.parent())
        .expect("target/<profile>/deps/<test>")
        .to_path_buf()
}

/// Waits until something listens on `port`.
pub fn wait_for_port(port: u16, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("{what} did not listen on port {port} within 10 s");
}

/// Resident memory of process `pid`, in KiB, from `/proc`.
pub fn resident_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("/proc status");
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|kib| kib.parse().ok())
        .expect("VmRSS in /proc status")
}

/// A TCP relay on loopback that forwards to `upstream` until told to
/// misbehave: [`stall`](Self::stall) stops forwarding in both directions
/// (a server that neither reads nor answers), [`cut`](Self::cut) closes
/// every connection at once (a cable pulled mid-frame).
#[derive(Debug)]
pub struct Relay {
    port: u16,
    stalled: std::sync::Arc<std::sync::atomic::AtomicBool>,
    /// Bytes still forwarded to clients before every connection is cut.
    budget: std::sync::Arc<std::sync::atomic::AtomicU64>,
    sockets: std::sync::Arc<std::sync::Mutex<Vec<TcpStream>>>,
}

impl Relay {
    /// Starts relaying from a free loopback port to `upstream` on loopback.
    pub fn start(upstream: u16) -> Self {
        use std::sync::atomic::AtomicBool;
        use std::sync::{Arc, Mutex};
        let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
        let port = listener.local_addr().unwrap().port();
        let stalled = Arc::new(AtomicBool::new(false));
        let budget = Arc::new(std::sync::atomic::AtomicU64::new(u64::MAX));
        let sockets: Arc<Mutex<Vec<TcpStream>>> = Arc::default();
        let (flag, open, left) = (stalled.clone(), sockets.clone(), budget.clone());
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { return };
                let Ok(server) = TcpStream::connect(("127.0.0.1", upstream)) else {
                    continue;
                };
                let _ = client.set_nodelay(true);
                let _ = server.set_nodelay(true);
                if let Ok(mut open) = open.lock() {
                    open.extend([client.try_clone().unwrap(), server.try_clone().unwrap()]);
                }
                let never = Arc::new(AtomicBool::new(false));
                let unlimited = Arc::new(std::sync::atomic::AtomicU64::new(u64::MAX));
                forward(
                    client.try_clone().unwrap(),
                    server.try_clone().unwrap(),
                    never,
                    unlimited,
                );
                forward(server, client, flag.clone(), left.clone());
            }
        });
        Self {
            port,
            stalled,
            budget,
            sockets,
        }
    }

    /// The port clients connect to.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// From now on bytes are held back both ways: to the client, the server
    /// has stalled.
    pub fn stall(&self) {
        self.stalled
            .store(true, std::sync::atomic::Ordering::SeqCst);
    }

    /// From now on, forwards `bytes` more to clients, then closes every
    /// relayed connection: a server that dies in the middle of a reply.
    pub fn cut_after(&self, bytes: u64) {
        self.budget
            .store(bytes, std::sync::atomic::Ordering::SeqCst);
    }

    /// Forwards again what [`stall`](Self::stall) held back, and all that
    /// follows.
    pub fn resume(&self) {
        self.stalled
            .store(false, std::sync::atomic::Ordering::SeqCst);
    }

    /// Closes every relayed connection, both ways, now.
    pub fn cut(&self) {
        if let Ok(mut open) = self.sockets.lock() {
            for socket in open.drain(..) {
                let _ = socket.shutdown(std::net::Shutdown::Both);
            }
        }
    }
}

/// Copies `from` to `to` on a thread of its own, holding bytes back while
/// `held` is set, and closing both once `budget` bytes have gone.
fn forward(
    mut from: TcpStream,
    mut to: TcpStream,
    held: std::sync::Arc<std::sync::atomic::AtomicBool>,
    budget: std::sync::Arc<std::sync::atomic::AtomicU64>,
) {
    std::thread::spawn(move || {
        let mut piece = vec![0; 64 * 1024];
        loop {
            if held.load(std::sync::atomic::Ordering::SeqCst) {
                std::thread::sleep(Duration::from_millis(10));
                continue;
            }
            match from.read(&mut piece) {
                Ok(0) | Err(_) => {
                    let _ = to.shutdown(std::net::Shutdown::Write);
                    return;
                }
                Ok(n) => {
                    // Bytes read just as the stall began are held too.
                    while held.load(std::sync::atomic::Ordering::SeqCst) {
                        std::thread::sleep(Duration::from_millis(10));
                    }
                    let left = budget.load(std::sync::atomic::Ordering::SeqCst);
                    let allowed = n.min(usize::try_from(left).unwrap_or(usize::MAX));
                    if left != u64::MAX {
                        budget.fetch_sub(allowed as u64, std::sync::atomic::Ordering::SeqCst);
                    }
                    if to.write_all(&piece[..allowed]).is_err() {
                        return;
                    }
                    if allowed < n || left == allowed as u64 {
                        let _ = to.shutdown(std::net::Shutdown::Both);
                        let _ = from.shutdown(std::net::Shutdown::Both);
                        return;
                    }
                }
            }
        }
    });
}
