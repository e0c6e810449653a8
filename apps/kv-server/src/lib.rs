//! An in-memory, Redis-compatible server on [`resp_tokio::ServerCodec`]:
//! point `redis-cli`, `redis-benchmark` or any Redis client at it.
//!
//! As a program (`cargo run --release -p kv-server -- --port 6380`) it
//! serves until SIGINT or SIGTERM. As a library it starts inside a test on a
//! free port and stops when told, so a program's tests can run against a
//! Redis without installing one:
//!
//! ```
//! use std::io::{Read, Write};
//!
//! let server = kv_server::Server::start_in_thread(kv_server::Options::on_free_port())?;
//! let mut redis = std::net::TcpStream::connect(server.local_addr())?;
//! redis.write_all(b"*1\r\n$4\r\nPING\r\n")?;
//! let mut reply = [0; 7];
//! redis.read_exact(&mut reply)?;
//! assert_eq!(&reply, b"+PONG\r\n");
//! drop(server); // stops it, and waits until it has
//! # Ok::<(), std::io::Error>(())
//! ```

mod commands;
mod connection;
mod glob;
mod session;
mod store;
mod values;

use commands::PubSub;
use resp_core::{Protocol, ServerHello};
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::{Duration, Instant};
use store::Store;
use tokio::net::{TcpListener, UnixListener};
use tokio::sync::oneshot;

/// The version `HELLO` and `INFO` report: the Redis this server behaves like.
pub(crate) const REDIS_VERSION: &str = "7.0.15";

/// Where the server listens and whom it lets in.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Options {
    /// The address to listen on (`127.0.0.1`).
    pub bind: String,
    /// The TCP port (`6380`, beside a real Redis's 6379); `0` takes a free
    /// one, which [`Server::local_addr`] tells.
    pub port: u16,
    /// The password clients must give with `AUTH` or `HELLO`, if any.
    pub password: Option<String>,
    /// A Unix socket to listen on as well.
    pub unix_socket: Option<PathBuf>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            bind: "127.0.0.1".into(),
            port: 6380,
            password: None,
            unix_socket: None,
        }
    }
}

impl Options {
    /// The defaults on a free loopback port: what a test wants.
    ///
    /// ```
    /// assert_eq!(kv_server::Options::on_free_port().port, 0);
    /// ```
    pub fn on_free_port() -> Self {
        Self {
            port: 0,
            ..Self::default()
        }
    }
}

/// What every connection shares.
pub(crate) struct Shared {
    pub(crate) store: Store,
    pub(crate) pubsub: PubSub,
    pub(crate) password: Option<Vec<u8>>,
    /// What `HELLO` shows of the server.
    pub(crate) hello: ServerHello,
    pub(crate) bind: String,
    pub(crate) port: u16,
    pub(crate) started: Instant,
    next_id: AtomicU64,
}

/// What `HELLO` shows: a Redis of [`REDIS_VERSION`], standalone, master.
fn server_hello() -> ServerHello {
    let mut hello = ServerHello::new(Protocol::Resp2);
    hello.server = Some("redis".into());
    hello.version = Some(REDIS_VERSION.into());
    hello.mode = Some("standalone".into());
    hello.role = Some("master".into());
    hello
}

impl Shared {
    pub(crate) fn next_client_id(&self) -> u64 {
        self.next_id
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            + 1
    }
}

/// A server bound to its address, ready to serve.
///
/// ```no_run
/// # async fn demo() -> std::io::Result<()> {
/// let server = kv_server::Server::bind(kv_server::Options::default()).await?;
/// println!("listening on {}", server.local_addr());
/// server.serve_until(async { tokio::signal::ctrl_c().await.unwrap() }).await
/// # }
/// ```
#[derive(Debug)]
pub struct Server {
    tcp: TcpListener,
    unix: Option<(UnixListener, PathBuf)>,
    local_addr: SocketAddr,
    password: Option<String>,
}

impl Server {
    /// Binds the listeners `options` names.
    pub async fn bind(options: Options) -> io::Result<Self> {
        let tcp = TcpListener::bind((options.bind.as_str(), options.port)).await?;
        let unix = match options.unix_socket {
            Some(path) => {
                let _ = std::fs::remove_file(&path);
                Some((UnixListener::bind(&path)?, path))
            }
            None => None,
        };
        Ok(Self {
            local_addr: tcp.local_addr()?,
            tcp,
            unix,
            password: options.password,
        })
    }

    /// The TCP address it listens on, the port chosen if `0` was asked.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Serves every client until `stop` completes; connections still open
    /// then are left to close as their tasks end.
    pub async fn serve_until(self, stop: impl Future<Output = ()>) -> io::Result<()> {
        let shared = Arc::new(Shared {
            store: Store::new(),
            pubsub: PubSub::default(),
            password: self.password.map(String::into_bytes),
            hello: server_hello(),
            bind: self.local_addr.ip().to_string(),
            port: self.local_addr.port(),
            started: Instant::now(),
            next_id: AtomicU64::new(0),
        });
        let sweeper = tokio::spawn(sweep(shared.clone()));
        let unix = self.unix.as_ref();
        tokio::pin!(stop);
        loop {
            tokio::select! {
                accepted = self.tcp.accept() => {
                    // Out of descriptors and the like: keep serving the others.
                    let Ok((stream, peer)) = accepted else {
                        continue;
                    };
                    let _ = stream.set_nodelay(true);
                    let local = stream.local_addr().map(|a| a.to_string()).unwrap_or_default();
                    tokio::spawn(connection::serve(stream, shared.clone(), peer.to_string(), local));
                }
                accepted = async { unix.expect("only polled when bound").0.accept().await }, if unix.is_some() => {
                    if let Ok((stream, _)) = accepted {
                        let path = unix.map(|(_, path)| path.display().to_string()).unwrap_or_default();
                        tokio::spawn(connection::serve(stream, shared.clone(), format!("{path}:0"), path));
                    }
                }
                () = &mut stop => break,
            }
        }
        sweeper.abort();
        if let Some((_, path)) = &self.unix {
            let _ = std::fs::remove_file(path);
        }
        Ok(())
    }

    /// Starts a server on a thread of its own, with its own runtime, for
    /// tests and programs that are not async. Dropping the handle stops it.
    pub fn start_in_thread(options: Options) -> io::Result<Running> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()?;
        let server = runtime.block_on(Self::bind(options))?;
        let local_addr = server.local_addr();
        let (stop, stopped) = oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("kv-server".into())
            .spawn(move || {
                let _ = runtime.block_on(server.serve_until(async {
                    let _ = stopped.await;
                }));
                // Open connections end with the runtime.
                runtime.shutdown_timeout(Duration::from_secs(1));
            })?;
        Ok(Running {
            local_addr,
            stop: Some(stop),
            thread: Some(thread),
        })
    }
}

/// A server running on its own thread; dropping it stops the server and
/// waits until it has.
#[derive(Debug)]
pub struct Running {
    local_addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Running {
    /// The TCP address it listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Its port on the loopback.
    pub fn port(&self) -> u16 {
        self.local_addr.port()
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Active expiry: every 100 ms a tenth of the shards drop their expired
/// keys, so every key past its deadline is gone within about a second.
async fn sweep(shared: Arc<Shared>) {
    let per_tick = store::DATABASES * 64 / 10 + 1;
    let mut tick = tokio::time::interval(Duration::from_millis(100));
    loop {
        tick.tick().await;
        shared.store.sweep(per_tick);
    }
}
