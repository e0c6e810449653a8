//! `resp`: talk to a Redis server, and decode and encode RESP, from the
//! command line. `resp --help` says how; every subcommand has its own.

mod call;
mod capture;
mod cli;
mod decode;
mod json;
mod pcap;
mod printer;
mod sink;

use clap::Parser;
use cli::{Cli, Command, EncodeArgs};
use std::ffi::OsStr;
use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;

/// The exit statuses.
#[derive(Debug, Clone, Copy)]
enum Exit {
    Success = 0,
    /// An error in the data, an error reply, a failed connection.
    Failure = 1,
    Usage = 2,
    /// The input (or the server) stopped inside a frame.
    Incomplete = 3,
}

/// What stops a subcommand before it has a status of its own.
#[derive(Debug)]
enum Failure {
    Open(PathBuf, io::Error),
    /// Connecting to the server named failed.
    Connect(String, resp_std::Error),
    Usage(String),
    Io(io::Error),
}

impl From<io::Error> for Failure {
    fn from(error: io::Error) -> Self {
        Self::Io(error)
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            let _ = error.print();
            return ExitCode::from(if error.use_stderr() {
                Exit::Usage as u8
            } else {
                Exit::Success as u8
            });
        }
    };
    let result = match &cli.command {
        Command::Call(args) => call::run(args),
        Command::Decode(args) => decode::run(args),
        Command::Encode(args) => encode(args),
    };
    let exit = match result {
        Ok(exit) => exit,
        // A closed pipe (`resp decode | head`) is a normal way to stop.
        Err(Failure::Io(error)) if error.kind() == io::ErrorKind::BrokenPipe => Exit::Success,
        Err(Failure::Io(error)) => {
            eprintln!("resp: {error}");
            Exit::Failure
        }
        Err(Failure::Open(path, error)) => {
            eprintln!("resp: {}: {error}", path.display());
            Exit::Failure
        }
        Err(Failure::Connect(server, error)) => {
            eprintln!("resp: {server}: {error}");
            Exit::Failure
        }
        Err(Failure::Usage(message)) => {
            eprintln!("resp: {message}");
            Exit::Usage
        }
    };
    ExitCode::from(exit as u8)
}

fn encode(args: &EncodeArgs) -> Result<Exit, Failure> {
    let argv: Vec<Vec<u8>> = args.args.iter().map(|arg| os_bytes(arg)).collect();
    let mut wire = Vec::new();
    resp_core::pack_command(&mut wire, &argv);
    let mut out = io::stdout().lock();
    if args.raw {
        out.write_all(&wire)?;
    } else {
        writeln!(out, "{}", wire.escape_ascii())?;
    }
    out.flush()?;
    Ok(Exit::Success)
}

/// An argument's bytes as the shell passed them.
fn os_bytes(arg: &OsStr) -> Vec<u8> {
    #[cfg(unix)]
    {
        std::os::unix::ffi::OsStrExt::as_bytes(arg).to_vec()
    }
    #[cfg(not(unix))]
    {
        arg.to_string_lossy().into_owned().into_bytes()
    }
}
