//! `proxy`: the forwarding proxy as a program.
//!
//! ```text
//! cargo run --release -p proxy -- --port 6390 --upstream 127.0.0.1:6379
//! redis-cli -p 6390 set greeting hello
//! ```
//!
//! Options: `--bind ADDR` (127.0.0.1), `--port N` (6390), `--upstream
//! HOST:PORT` (127.0.0.1:6379), `--requirepass PASS` (clients must
//! authenticate to the proxy), `--upstream-user USER` and `--upstream-pass
//! PASS` (the proxy's credentials upstream, never shown to clients),
//! `--pool N` (shared connections per protocol, 1), `--log` (each command
//! and reply on stderr), `--threads N` (1: one thread, as Redis runs).
//! Bounds against a failing upstream or a hostile client (see the crate's
//! docs): `--upstream-timeout SECS` (30), `--upstream-keepalive SECS` (30;
//! 0 turns it off), `--client-output-limit BYTES` (64mb),
//! `--client-queue-limit BYTES` (8mb), `--upstream-queue-limit BYTES` (64mb).

use proxy::{Options, Server};
use std::time::Duration;
use tokio::signal::unix::{SignalKind, signal};

const USAGE: &str = "usage: proxy [--bind ADDR] [--port N] [--upstream HOST:PORT] \
[--requirepass PASS] [--upstream-user USER] [--upstream-pass PASS] [--pool N] [--log] [--threads N] \
[--upstream-timeout SECS] [--upstream-keepalive SECS] [--client-output-limit BYTES] \
[--client-queue-limit BYTES] [--upstream-queue-limit BYTES]";

/// The proxy's options and the runtime's thread count.
fn parse_options() -> Result<(Options, usize), String> {
    let mut options = Options::default();
    let mut threads = 1;
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
            "--upstream-timeout" => options.upstream_timeout = seconds(&value()?)?,
            "--upstream-keepalive" => {
                let idle = seconds(&value()?)?;
                options.upstream_keepalive = (!idle.is_zero()).then_some(idle);
            }
            "--client-output-limit" => options.client_output_limit = bytes(&value()?)?,
            "--client-queue-limit" => options.client_queue_limit = bytes(&value()?)?,
            "--upstream-queue-limit" => options.upstream_queue_limit = bytes(&value()?)?,
            "--threads" => {
                let count = value()?;
                threads = count
                    .parse()
                    .map_err(|_| format!("bad thread count {count}"))?;
            }
            "--help" | "-h" => return Err(USAGE.into()),
            other => return Err(format!("unknown option {other} (try --help)")),
        }
    }
    Ok((options, threads))
}

/// Seconds, fractions allowed (`0.5`).
fn seconds(text: &str) -> Result<Duration, String> {
    text.parse::<f64>()
        .ok()
        .and_then(|seconds| Duration::try_from_secs_f64(seconds).ok())
        .ok_or(format!("bad number of seconds {text}"))
}

/// Bytes, with an optional `kb`, `mb` or `gb` (powers of 1024, as Redis reads them).
fn bytes(text: &str) -> Result<usize, String> {
    let lower = text.to_ascii_lowercase();
    let (number, unit) = match lower.len().checked_sub(2).map(|at| lower.split_at(at)) {
        Some((number, "kb")) => (number, 1 << 10),
        Some((number, "mb")) => (number, 1 << 20),
        Some((number, "gb")) => (number, 1 << 30),
        _ => (lower.as_str(), 1),
    };
    number
        .parse::<usize>()
        .ok()
        .and_then(|n| n.checked_mul(unit))
        .ok_or(format!("bad size {text}"))
}

fn main() {
    let (options, threads) = match parse_options() {
        Ok(parsed) => parsed,
        Err(message) => {
            eprintln!("{message}");
            std::process::exit(2);
        }
    };
    // One thread by default, as Redis and twemproxy run: on a machine the
    // proxy shares with the server, a second one spends more on waking
    // threads than it gains (bench/proxies.md).
    let mut runtime = if threads > 1 {
        let mut runtime = tokio::runtime::Builder::new_multi_thread();
        runtime.worker_threads(threads);
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
    let upstream = options.upstream.clone();
    let server = Server::bind(options).await?;
    eprintln!(
        "proxy listening on {}, forwarding to {upstream}",
        server.local_addr()
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
        .await
}
