//! Generates the workspace's command table from a real `redis-server`.
//!
//! ```sh
//! cargo run -p gen-commands            # rewrite the generated files
//! cargo run -p gen-commands -- --check # fail if they differ from the server's
//! ```
//!
//! It starts `redis-server` on a free loopback port, reads `COMMAND` (every
//! command's `COMMAND INFO`) and `COMMAND DOCS` over RESP3, and writes
//! `resp-core/src/table/generated.rs` and a method for every command (the
//! functions of `resp_core::commands`, both clients' `Commands` traits and
//! the examples their test sends), formatted by rustfmt.

mod methods;
mod model;
mod table;

use resp_core::Frame;
use resp_test_support::{RedisServer, Replies};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};

fn main() -> ExitCode {
    let check = match std::env::args().nth(1).as_deref() {
        None => false,
        Some("--check") => true,
        Some(other) => {
            eprintln!("usage: gen-commands [--check] (unknown argument {other:?})");
            return ExitCode::from(2);
        }
    };
    let Some(server) = RedisServer::start() else {
        eprintln!("gen-commands needs redis-server (apt-get install redis-server)");
        return ExitCode::FAILURE;
    };
    let mut redis = Replies::new(server.connect(), 64 * 1024);
    let hello = redis.command(["HELLO", "3"]);
    let version = model::field(&hello, "version")
        .map(model::text)
        .expect("HELLO 3 names the server version");
    let info = redis.command(["COMMAND"]);
    let docs = redis.command(["COMMAND", "DOCS"]);
    check_reply(&info);
    check_reply(&docs);
    let commands = model::commands(&info, &docs);

    let methods = methods::sources(&version, &commands);
    let root = workspace_root();
    let outputs = [
        (
            root.join("resp-core/src/table/generated.rs"),
            table::source(&version, &commands),
        ),
        (
            root.join("resp-core/src/commands/generated.rs"),
            methods.core,
        ),
        (
            root.join("adapter-tokio/src/client/commands.rs"),
            methods.tokio,
        ),
        (
            root.join("adapter-std/src/connection/commands.rs"),
            methods.blocking,
        ),
        (
            root.join("resp-core/tests/command_methods/examples.rs"),
            methods.examples,
        ),
    ];
    let mut stale = Vec::new();
    for (path, source) in outputs {
        let source = rustfmt(&source);
        let current = std::fs::read_to_string(&path).unwrap_or_default();
        if current == source {
            continue;
        }
        if check {
            stale.push(path);
        } else {
            std::fs::write(&path, source).expect("write the generated file");
            println!("wrote {}", path.display());
        }
    }
    if stale.is_empty() {
        let verb = if check {
            "match"
        } else {
            "are up to date with"
        };
        println!(
            "the generated files {verb} redis-server {version} ({} commands)",
            commands.len()
        );
        ExitCode::SUCCESS
    } else {
        for path in stale {
            eprintln!(
                "{} differs from what redis-server {version} describes; run `cargo run -p gen-commands`",
                path.display()
            );
        }
        ExitCode::FAILURE
    }
}

fn check_reply(frame: &Frame) {
    assert!(!frame.is_error(), "the server refused: {frame:?}");
}

/// The workspace's root folder, where the generated files' paths start.
fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `source` as rustfmt formats it with the workspace's settings.
fn rustfmt(source: &str) -> String {
    let mut child = Command::new("rustfmt")
        .args(["--edition", "2024", "--emit", "stdout", "--quiet"])
        .current_dir(workspace_root())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("rustfmt runs");
    let mut stdin = child.stdin.take().unwrap();
    let input = source.to_owned();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let output = child.wait_with_output().expect("rustfmt finishes");
    writer.join().unwrap().expect("feed rustfmt");
    assert!(
        output.status.success(),
        "rustfmt refused the generated source"
    );
    String::from_utf8(output.stdout).expect("UTF-8 from rustfmt")
}
