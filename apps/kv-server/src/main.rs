//! `kv-server`: the in-memory, Redis-compatible server as a program.
//!
//! ```text
//! cargo run --release -p kv-server -- --port 6380
//! redis-cli -p 6380 set greeting hello
//! ```
//!
//! Options: `--bind ADDR` (default 127.0.0.1), `--port N` (default 6380, so
//! it never collides with a real Redis), `--requirepass PASS`,
//! `--unixsocket PATH`, `--threads N`. It stops cleanly on SIGINT and
//! SIGTERM.

use kv_server::{Options, Server};
use tokio::signal::unix::{SignalKind, signal};

const USAGE: &str = "usage: kv-server [--bind ADDR] [--port N] [--requirepass PASS] [--unixsocket PATH] [--threads N]";

/// The server's options and the runtime's thread count.
fn parse_options() -> Result<(Options, Option<usize>), String> {
    let mut options = Options::default();
    let mut threads = None;
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
            "--unixsocket" => options.unix_socket = Some(value()?.into()),
            "--threads" => {
                let count = value()?;
                threads = Some(
                    count
                        .parse()
                        .map_err(|_| format!("bad thread count {count}"))?,
                );
            }
            "--help" | "-h" => return Err(USAGE.into()),
            other => return Err(format!("unknown option {other} (try --help)")),
        }
    }
    Ok((options, threads))
}

fn main() {
    let (options, threads) = match parse_options() {
        Ok(parsed) => parsed,
        Err(message) => {
            eprintln!("{message}");
            std::process::exit(2);
        }
    };
    let mut runtime = tokio::runtime::Builder::new_multi_thread();
    if let Some(threads) = threads {
        runtime.worker_threads(threads.max(1));
    }
    let runtime = runtime.enable_all().build().expect("a tokio runtime");
    if let Err(error) = runtime.block_on(run(options)) {
        eprintln!("kv-server: {error}");
        std::process::exit(1);
    }
}

async fn run(options: Options) -> std::io::Result<()> {
    let unix_socket = options.unix_socket.clone();
    let server = Server::bind(options).await?;
    eprintln!(
        "kv-server listening on {}{}",
        server.local_addr(),
        unix_socket
            .map(|path| format!(" and {}", path.display()))
            .unwrap_or_default()
    );
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut terminate = signal(SignalKind::terminate())?;
    server
        .serve_until(async {
            tokio::select! {
                _ = interrupt.recv() => {}
                _ = terminate.recv() => {}
            }
        })
        .await?;
    eprintln!("kv-server stopped");
    Ok(())
}
