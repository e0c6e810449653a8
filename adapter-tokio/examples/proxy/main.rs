//! A forwarding Redis proxy that never builds a value tree: requests are
//! parsed only as far as routing needs and sent upstream as their exact
//! bytes; replies are cut at frame boundaries and passed back as they came.
//!
//! ```text
//! cargo run --release -p resp-tokio --example proxy -- --port 6390 --upstream 127.0.0.1:6379
//! redis-cli -p 6390 set greeting hello
//! ```
//!
//! Stateless commands from every client are pipelined over a few shared
//! upstream connections. A client that makes its connection stateful gets
//! one of its own while the state lasts: `MULTI`/`WATCH` until the
//! transaction ends, a blocking command until it replies, and for the rest
//! of the connection after `SUBSCRIBE` and friends, `MONITOR`, `CLIENT
//! TRACKING`, `CLIENT REPLY` or `SELECT` of another database. `HELLO`,
//! `AUTH`, `QUIT` and `CLIENT SETNAME`/`GETNAME` are answered by the proxy
//! for each client; RESP3 clients use RESP3 upstream connections.
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

use resp_core::Protocol;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use tokio::net::TcpListener;
use tokio::signal::unix::{SignalKind, signal};
use upstream::{Settings, SharedUpstream};

/// What every client connection shares.
pub(crate) struct Proxy {
    pub(crate) settings: Arc<Settings>,
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

struct Options {
    bind: String,
    port: u16,
    upstream: String,
    password: Option<String>,
    upstream_user: Option<String>,
    upstream_password: Option<String>,
    pool: usize,
    log: bool,
    threads: usize,
}

const USAGE: &str = "usage: proxy [--bind ADDR] [--port N] [--upstream HOST:PORT] \
[--requirepass PASS] [--upstream-user USER] [--upstream-pass PASS] [--pool N] [--log] [--threads N]";

fn parse_options() -> Result<Options, String> {
    let mut options = Options {
        bind: "127.0.0.1".into(),
        port: 6390,
        upstream: "127.0.0.1:6379".into(),
        password: None,
        upstream_user: None,
        upstream_password: None,
        pool: 1,
        log: false,
        threads: 1,
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--bind" => options.bind = value()?,
            "--port" => {
                let port = value()?;
                options.port = port.parse().map_err(|_| format!("bad port {port}"))?;
            }
            "--upstream" => options.upstream = value()?,
            "--requirepass" => options.password = Some(value()?),
            "--upstream-user" => options.upstream_user = Some(value()?),
            "--upstream-pass" => options.upstream_password = Some(value()?),
            "--pool" => {
                let pool = value()?;
                options.pool = pool
                    .parse::<usize>()
                    .map_err(|_| format!("bad pool size {pool}"))?
                    .max(1);
            }
            "--log" => options.log = true,
            "--threads" => {
                let threads = value()?;
                options.threads = threads
                    .parse()
                    .map_err(|_| format!("bad thread count {threads}"))?;
            }
            "--help" | "-h" => return Err(USAGE.into()),
            other => return Err(format!("unknown option {other} (try --help)")),
        }
    }
    Ok(options)
}

fn main() {
    let options = match parse_options() {
        Ok(options) => options,
        Err(message) => {
            eprintln!("{message}");
            std::process::exit(2);
        }
    };
    // One thread by default, as Redis and twemproxy run: on a machine the
    // proxy shares with the server, a second one spends more on waking
    // threads than it gains (bench/proxies.md).
    let mut runtime = if options.threads > 1 {
        let mut runtime = tokio::runtime::Builder::new_multi_thread();
        runtime.worker_threads(options.threads);
        runtime
    } else {
        tokio::runtime::Builder::new_current_thread()
    };
    let runtime = runtime.enable_all().build().expect("a tokio runtime");
    if let Err(error) = runtime.block_on(run(options)) {
        eprintln!("proxy: {error}");
        std::process::exit(1);
    }
}

async fn run(options: Options) -> std::io::Result<()> {
    let proxy = Arc::new(Proxy {
        settings: Arc::new(Settings {
            address: options.upstream.clone(),
            user: options.upstream_user,
            password: options.upstream_password,
            hello: OnceLock::new(),
        }),
        password: options.password.map(String::into_bytes),
        log: options.log,
        pool_size: options.pool,
        resp2: OnceLock::new(),
        resp3: OnceLock::new(),
        next_id: AtomicU64::new(0),
    });
    // The RESP2 connections come up at once, so the first client does not
    // wait for them and a wrong upstream shows at start.
    proxy.pool(Protocol::Resp2, 0);
    let listener = TcpListener::bind((options.bind.as_str(), options.port)).await?;
    eprintln!(
        "proxy listening on {}, forwarding to {}",
        listener.local_addr()?,
        options.upstream
    );
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut terminate = signal(SignalKind::terminate())?;
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, peer)) = accepted else { continue };
                tokio::spawn(client::serve(stream, peer.to_string(), proxy.clone()));
            }
            _ = interrupt.recv() => return Ok(()),
            _ = terminate.recv() => return Ok(()),
        }
    }
}
