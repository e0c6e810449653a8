//! A forwarding Redis proxy that never builds a value tree: requests are
//! parsed only as far as routing needs and sent upstream as their exact
//! bytes; replies are cut at frame boundaries and passed back as they came.
//!
//! ```text
//! cargo run --release -p proxy -- --port 6390 --upstream 127.0.0.1:6379
//! redis-cli -p 6390 set greeting hello
//! ```
//!
//! As a library it starts in-process, in front of any upstream, and stops
//! when its handle is dropped (see [`Server::start_in_thread`]).
//!
//! Stateless commands from every client are pipelined over a few shared
//! upstream connections. A client that makes its connection stateful gets
//! one of its own while the state lasts: `MULTI`/`WATCH` until the
//! transaction ends, a blocking command until it replies, and for the rest
//! of the connection after `SUBSCRIBE` and friends, `MONITOR`, `CLIENT
//! TRACKING` or `SELECT` of another database. `HELLO`, `AUTH`, `QUIT` and
//! `CLIENT SETNAME`/`GETNAME`/`REPLY` are answered by the proxy for each
//! client (`CLIENT REPLY OFF` and `SKIP` are refused); RESP3 clients use
//! RESP3 upstream connections.
//!
//! Every upstream connection is the core's client connection in raw mode
//! ([`resp_tokio::Connection`]): its setup, which reply answers which
//! request, timeouts and what a cut means are decided there. What a
//! failing upstream or a hostile client can make the proxy hold or do is
//! bounded by [`Options`]: a timeout and keepalive upstream, the bytes a
//! client may have waiting upstream or unread, and a client that got part
//! of a reply cut short is disconnected rather than sent anything after it.
//!
//! Options: `--bind ADDR` (127.0.0.1), `--port N` (6390), `--upstream
//! HOST:PORT` (127.0.0.1:6379), `--requirepass PASS` (clients must
//! authenticate to the proxy), `--upstream-user USER` and `--upstream-pass
//! PASS` (the proxy's credentials upstream, never shown to clients),
//! `--pool N` (shared connections per protocol, 1), `--log` (each command
//! and reply on stderr), `--threads N` (1: one thread, as Redis runs).

mod client;
mod local;
mod log;
mod route;
mod upstream;

use client::Bounds;
use resp_core::Protocol;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use upstream::{Settings, SharedUpstream};

/// What every client connection shares.
pub(crate) struct Proxy {
    pub(crate) settings: Arc<Settings>,
    pub(crate) bounds: Bounds,
    pub(crate) password: Option<Vec<u8>>,
    pub(crate) log: bool,
    pool_size: usize,
    resp2: OnceLock<Vec<SharedUpstream>>,
    resp3: OnceLock<Vec<SharedUpstream>>,
    next_id: AtomicU64,
}

impl Proxy {
    pub(crate) fn next_client_id(&self) -> u64 {
        self.next_id.fetch_add(1, Ordering::Relaxed) + 1
    }

    /// The shared connection client `id` uses for `protocol`, started on
    /// first use. One client always uses the same one, so its replies
    /// come back in the order of its requests.
    pub(crate) fn pool(&self, protocol: Protocol, id: u64) -> &SharedUpstream {
        let pool = match protocol {
            Protocol::Resp2 => &self.resp2,
            Protocol::Resp3 => &self.resp3,
        };
        let pool = pool.get_or_init(|| {
            (0..self.pool_size)
                .map(|_| SharedUpstream::spawn(self.settings.clone(), protocol))
                .collect()
        });
        &pool[(id % pool.len() as u64) as usize]
    }
}

/// Where the proxy listens, where it forwards, and with what credentials.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Options {
    /// The address to listen on (`127.0.0.1`).
    pub bind: String,
    /// The port (`6390`); `0` takes a free one.
    pub port: u16,
    /// The Redis to forward to (`127.0.0.1:6379`).
    pub upstream: String,
    /// The password clients must give the proxy, if any.
    pub password: Option<String>,
    /// The proxy's own user upstream, never shown to clients.
    pub upstream_user: Option<String>,
    /// The proxy's own password upstream, never shown to clients.
    pub upstream_password: Option<String>,
    /// Shared upstream connections per protocol (`1`).
    pub pool: usize,
    /// Each command and reply on stderr.
    pub log: bool,
    /// How long the upstream may take to set a connection up, and then to
    /// answer a request (blocking commands get their own wait on top);
    /// past it, the requests waiting on that connection fail (`30 s`).
    pub upstream_timeout: Duration,
    /// TCP keepalive on upstream connections: probes after this long idle
    /// (`30 s`), so that a vanished upstream is found in about a minute.
    pub upstream_keepalive: Option<Duration>,
    /// Bytes of replies a client has not read past which it is
    /// disconnected, as Redis's output-buffer limit does (`64 MiB`).
    pub client_output_limit: usize,
    /// Bytes of a client's requests waiting upstream past which the proxy
    /// stops reading that client until replies come (`8 MiB`).
    pub client_queue_limit: usize,
    /// Bytes of every client's requests waiting on one shared upstream
    /// connection past which clients with requests there are not read
    /// (`64 MiB`).
    pub upstream_queue_limit: usize,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            bind: "127.0.0.1".into(),
            port: 6390,
            upstream: "127.0.0.1:6379".into(),
            password: None,
            upstream_user: None,
            upstream_password: None,
            pool: 1,
            log: false,
            upstream_timeout: Duration::from_secs(30),
            upstream_keepalive: Some(Duration::from_secs(30)),
            client_output_limit: 64 << 20,
            client_queue_limit: 8 << 20,
            upstream_queue_limit: 64 << 20,
        }
    }
}

impl Options {
    /// The defaults, on a free loopback port, in front of `upstream`.
    ///
    /// ```
    /// let options = proxy::Options::in_front_of("127.0.0.1:7000");
    /// assert_eq!((options.port, options.upstream.as_str()), (0, "127.0.0.1:7000"));
    /// ```
    pub fn in_front_of(upstream: impl Into<String>) -> Self {
        Self {
            port: 0,
            upstream: upstream.into(),
            ..Self::default()
        }
    }
}

/// `host:port` (`[::1]:6379` for an IPv6 address) as its parts.
fn split_address(address: &str) -> io::Result<(String, u16)> {
    let invalid = || {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("upstream {address}: expected HOST:PORT"),
        )
    };
    let (host, port) = address.rsplit_once(':').ok_or_else(invalid)?;
    let port = port.parse().map_err(|_| invalid())?;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    Ok((host.to_owned(), port))
}

/// A proxy bound to its address, ready to serve.
#[derive(Debug)]
pub struct Server {
    listener: TcpListener,
    local_addr: SocketAddr,
    options: Options,
}

impl Server {
    /// Binds the listening socket.
    pub async fn bind(options: Options) -> io::Result<Self> {
        let listener = TcpListener::bind((options.bind.as_str(), options.port)).await?;
        Ok(Self {
            local_addr: listener.local_addr()?,
            listener,
            options,
        })
    }

    /// The address it listens on, the port chosen if `0` was asked.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Forwards every client's requests until `stop` completes.
    pub async fn serve_until(self, stop: impl Future<Output = ()>) -> io::Result<()> {
        let options = self.options;
        let (host, port) = split_address(&options.upstream)?;
        let proxy = Arc::new(Proxy {
            settings: Arc::new(Settings {
                host,
                port,
                user: options.upstream_user,
                password: options.upstream_password,
                timeout: options.upstream_timeout,
                keepalive: options.upstream_keepalive,
                hello: OnceLock::new(),
            }),
            bounds: Bounds {
                output: options.client_output_limit,
                output_pause: (options.client_output_limit / 16).clamp(64 << 10, 4 << 20),
                queued: options.client_queue_limit,
                upstream_queued: options.upstream_queue_limit,
                streaming: 1 << 20,
            },
            password: options.password.map(String::into_bytes),
            log: options.log,
            pool_size: options.pool.max(1),
            resp2: OnceLock::new(),
            resp3: OnceLock::new(),
            next_id: AtomicU64::new(0),
        });
        // The RESP2 connections come up at once, so the first client does not
        // wait for them and a wrong upstream shows at start.
        proxy.pool(Protocol::Resp2, 0);
        tokio::pin!(stop);
        loop {
            tokio::select! {
                accepted = self.listener.accept() => {
                    let Ok((stream, peer)) = accepted else { continue };
                    tokio::spawn(client::serve(stream, peer.to_string(), proxy.clone()));
                }
                () = &mut stop => return Ok(()),
            }
        }
    }

    /// Starts a proxy on a thread of its own, with a one-thread runtime as
    /// the program uses; dropping the handle stops it.
    ///
    /// ```no_run
    /// let proxy = proxy::Server::start_in_thread(proxy::Options::in_front_of("127.0.0.1:6379"))?;
    /// println!("clients connect to {}", proxy.local_addr());
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn start_in_thread(options: Options) -> io::Result<Running> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let server = runtime.block_on(Self::bind(options))?;
        let local_addr = server.local_addr();
        let (stop, stopped) = oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("proxy".into())
            .spawn(move || {
                let _ = runtime.block_on(server.serve_until(async {
                    let _ = stopped.await;
                }));
            })?;
        Ok(Running {
            local_addr,
            stop: Some(stop),
            thread: Some(thread),
        })
    }
}

/// A proxy running on its own thread; dropping it stops the proxy and
/// waits until it has.
#[derive(Debug)]
pub struct Running {
    local_addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Running {
    /// The address it listens on.
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
