//! An in-memory, Redis-compatible server on [`resp_tokio::ServerCodec`]:
//! point `redis-cli`, `redis-benchmark` or any Redis client at it.
//!
//! ```text
//! cargo run --release -p resp-tokio --example kv-server -- --port 6380
//! redis-cli -p 6380 set greeting hello
//! ```
//!
//! Options: `--bind ADDR` (default 127.0.0.1), `--port N` (default 6380, so
//! it never collides with a real Redis), `--requirepass PASS`,
//! `--unixsocket PATH`. It stops cleanly on SIGINT and SIGTERM.

mod commands;
mod connection;
mod glob;
mod session;
mod store;
mod values;

use commands::PubSub;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::{Duration, Instant};
use store::Store;
use tokio::net::{TcpListener, UnixListener};
use tokio::signal::unix::{SignalKind, signal};

/// The version `HELLO` and `INFO` report: the Redis this server behaves like.
pub(crate) const REDIS_VERSION: &str = "7.0.15";

/// What every connection shares.
pub(crate) struct Shared {
    pub(crate) store: Store,
    pub(crate) pubsub: PubSub,
    pub(crate) password: Option<Vec<u8>>,
    pub(crate) bind: String,
    pub(crate) port: u16,
    pub(crate) started: Instant,
    next_id: AtomicU64,
}

impl Shared {
    pub(crate) fn next_client_id(&self) -> u64 {
        self.next_id
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            + 1
    }
}

struct Options {
    bind: String,
    port: u16,
    password: Option<String>,
    unix_socket: Option<String>,
    threads: Option<usize>,
}

fn parse_options() -> Result<Options, String> {
    let mut options = Options {
        bind: "127.0.0.1".into(),
        port: 6380,
        password: None,
        unix_socket: None,
        threads: None,
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
            "--requirepass" => options.password = Some(value()?),
            "--unixsocket" => options.unix_socket = Some(value()?),
            "--threads" => {
                let threads = value()?;
                options.threads = Some(
                    threads
                        .parse()
                        .map_err(|_| format!("bad thread count {threads}"))?,
                );
            }
            "--help" | "-h" => {
                return Err(
                    "usage: kv-server [--bind ADDR] [--port N] [--requirepass PASS] [--unixsocket PATH] [--threads N]"
                        .into(),
                );
            }
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
    let mut runtime = tokio::runtime::Builder::new_multi_thread();
    if let Some(threads) = options.threads {
        runtime.worker_threads(threads.max(1));
    }
    let runtime = runtime.enable_all().build().expect("a tokio runtime");
    if let Err(error) = runtime.block_on(run(options)) {
        eprintln!("kv-server: {error}");
        std::process::exit(1);
    }
}

async fn run(options: Options) -> std::io::Result<()> {
    let shared = Arc::new(Shared {
        store: Store::new(),
        pubsub: PubSub::default(),
        password: options.password.map(String::into_bytes),
        bind: options.bind.clone(),
        port: options.port,
        started: Instant::now(),
        next_id: AtomicU64::new(0),
    });
    let tcp = TcpListener::bind((options.bind.as_str(), options.port)).await?;
    let unix = match &options.unix_socket {
        Some(path) => {
            let _ = std::fs::remove_file(path);
            Some(UnixListener::bind(path)?)
        }
        None => None,
    };
    eprintln!(
        "kv-server listening on {}{}",
        tcp.local_addr()?,
        options
            .unix_socket
            .as_deref()
            .map(|path| format!(" and {path}"))
            .unwrap_or_default()
    );
    let sweeper = tokio::spawn(sweep(shared.clone()));
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut terminate = signal(SignalKind::terminate())?;
    loop {
        tokio::select! {
            accepted = tcp.accept() => {
                // Out of descriptors and the like: keep serving the others.
                let Ok((stream, peer)) = accepted else {
                    continue;
                };
                let _ = stream.set_nodelay(true);
                let local = stream.local_addr().map(|a| a.to_string()).unwrap_or_default();
                tokio::spawn(connection::serve(stream, shared.clone(), peer.to_string(), local));
            }
            accepted = async { unix.as_ref().expect("only polled when bound").accept().await }, if unix.is_some() => {
                if let Ok((stream, _)) = accepted {
                    let path = options.unix_socket.clone().unwrap_or_default();
                    tokio::spawn(connection::serve(stream, shared.clone(), format!("{path}:0"), path));
                }
            }
            _ = interrupt.recv() => break,
            _ = terminate.recv() => break,
        }
    }
    sweeper.abort();
    if let Some(path) = &options.unix_socket {
        let _ = std::fs::remove_file(path);
    }
    eprintln!("kv-server stopped");
    Ok(())
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
