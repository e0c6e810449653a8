//! The command line, described for clap.

use clap::{Args, Parser, Subcommand};
use resp_core::{CommandLimits, Limits};
use std::ffi::OsString;
use std::path::PathBuf;

/// RESP on the command line: talk to a server, decode captures and live
/// streams, encode commands.
#[derive(Debug, Parser)]
#[command(name = "resp", version, about, propagate_version = true)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    Call(CallArgs),
    Decode(DecodeArgs),
    Encode(EncodeArgs),
}

/// Sends a command to a server and prints the reply as redis-cli does on
/// a terminal (into a pipe too; --json is for programs), with RESP3's
/// types visible. Without a command, reads commands from standard input,
/// one per line, split by redis-cli's quoting rules.
///
/// Exit status: 0 success, 1 an error reply or a failed connection, 2 a
/// usage error, 3 the server closed the connection inside a reply.
#[derive(Debug, Args)]
#[command(
    disable_help_flag = true,
    after_help = "Examples:\n  resp call -p 6380 HGETALL user:1\n  resp call -u rediss://:secret@cache:6380/2 --cacert ca.crt GET k\n  printf 'SET k \"a b\"\\nGET k\\n' | resp call -3"
)]
pub(crate) struct CallArgs {
    /// Server host.
    #[arg(short = 'h', long, default_value = "127.0.0.1")]
    pub(crate) host: String,
    /// Server port.
    #[arg(short = 'p', long, default_value_t = 6379)]
    pub(crate) port: u16,
    /// A redis://, rediss:// or unix:// URL, instead of host and port.
    #[arg(short = 'u', long, conflicts_with_all = ["host", "port"])]
    pub(crate) url: Option<String>,
    /// The password (AUTH, or HELLO's AUTH).
    #[arg(short = 'a', long = "pass")]
    pub(crate) password: Option<String>,
    /// The ACL user, with --pass.
    #[arg(long)]
    pub(crate) user: Option<String>,
    /// The database to SELECT.
    #[arg(short = 'n', long)]
    pub(crate) db: Option<u32>,
    /// Speak RESP2.
    #[arg(short = '2', conflicts_with = "resp3")]
    pub(crate) resp2: bool,
    /// Speak RESP3 (the default; RESP2 if the server has none).
    #[arg(short = '3')]
    pub(crate) resp3: bool,
    /// Connect over TLS.
    #[arg(long)]
    pub(crate) tls: bool,
    /// Trust the certificates in this PEM file, rather than the system's
    /// (implies --tls).
    #[arg(long, value_name = "FILE")]
    pub(crate) cacert: Option<PathBuf>,
    /// Print each reply as one line of JSON (see `resp decode --help`).
    #[arg(long)]
    pub(crate) json: bool,
    /// Seconds the connection and its setup may take.
    #[arg(long, value_name = "SECONDS", default_value_t = 10.0)]
    pub(crate) connect_timeout: f64,
    /// Print help.
    #[arg(long, action = clap::ArgAction::Help)]
    help: Option<bool>,
    /// The command and its arguments.
    #[arg(
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "CMD ARG"
    )]
    pub(crate) command: Vec<OsString>,
}

/// Decodes RESP as it arrives and prints each frame once complete.
#[derive(Debug, Args)]
#[command(
    long_about = DECODE_HELP,
    after_help = "Examples:\n  resp decode capture.bin\n  tcpdump -i lo -U -w - tcp port 6379 | resp decode --pcap\n  resp call -3 --json HGETALL user:1 | jq .\n  resp encode --raw SET k v | resp decode --commands --json"
)]
pub(crate) struct DecodeArgs {
    /// Read as strict RESP2: RESP3-only types are errors.
    #[arg(long)]
    pub(crate) resp2: bool,
    /// One line of JSON per frame.
    #[arg(long)]
    pub(crate) json: bool,
    /// Read client requests (multibulk or inline) as a server does, and
    /// print each command's arguments.
    #[arg(long)]
    pub(crate) commands: bool,
    /// Read a pcap capture (`tcpdump -U -w -`) and decode the TCP payload
    /// of each direction of each connection, each frame under a line
    /// naming its flow.
    #[arg(long, conflicts_with = "commands")]
    pub(crate) pcap: bool,
    /// With --commands: Redis's tighter limits before authentication.
    #[arg(long, requires = "commands")]
    pub(crate) unauthenticated: bool,
    /// Read at most N bytes at a time (to see that chunking changes nothing).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub(crate) chunk: Option<u64>,
    /// The deepest nesting accepted.
    #[arg(long, value_name = "N")]
    max_depth: Option<u64>,
    /// The longest bulk payload accepted.
    #[arg(long, value_name = "N")]
    max_bulk_len: Option<u64>,
    /// The most elements of one aggregate (arguments of one request).
    #[arg(long, value_name = "N")]
    max_aggregate_len: Option<u64>,
    /// The longest line accepted.
    #[arg(long, value_name = "N")]
    max_line_len: Option<u64>,
    /// The input; standard input when absent or `-`.
    pub(crate) file: Option<PathBuf>,
}

/// Prints the bytes of the command its arguments make: escaped for a
/// terminal, or exactly with --raw. `--` ends the options, so
/// `resp encode -- --help` encodes `--help`.
#[derive(Debug, Args)]
#[command(after_help = "Example:\n  resp encode --raw SET k v | resp decode --commands")]
pub(crate) struct EncodeArgs {
    /// Write the bytes exactly.
    #[arg(long)]
    pub(crate) raw: bool,
    /// The command and its arguments.
    #[arg(required = true, value_name = "ARG")]
    pub(crate) args: Vec<OsString>,
}

/// `resp decode --help`: what it does, the JSON shape, the exit statuses.
const DECODE_HELP: &str = "\
Decodes RESP as it arrives, from FILE or standard input, and prints each
frame as soon as it is complete, so a live pipe is decoded live. Input is
never read whole: memory stays bounded by the largest frame.

With --pcap, the input is a capture: each direction of each TCP connection
is decoded on its own, and a line `# SOURCE > DESTINATION` (with --json,
{\"flow\":\"SOURCE > DESTINATION\"}) comes before frames of another flow.
Segments sent again are read once; bytes the capture lost end their flow.

Plain output reads as redis-cli's. With --json, each frame is one line:
  {\"t\":\"simple\"|\"error\"|\"bulk\"|\"blob_error\",\"v_hex\":HEX}  (bulk may add \"streamed\":true)
  {\"t\":\"int\",\"v\":\"N\"}  {\"t\":\"double\",\"v\":\"TEXT\"}  {\"t\":\"bool\",\"v\":true|false}
  {\"t\":\"bignum\",\"v\":\"DIGITS\"}  {\"t\":\"verbatim\",\"format\":\"txt\",\"v_hex\":HEX}
  {\"t\":\"null\",\"kind\":\"null\"|\"bulk\"|\"array\"}
  {\"t\":\"array\"|\"set\"|\"push\",\"v\":[...]}  {\"t\":\"map\",\"v\":[[KEY,VALUE],...]}
  aggregates may add \"streamed\":true; a value with attributes adds
  \"attrs\":[[[KEY,VALUE],...],...] before its own fields.
A bad input ends with {\"error\":{\"kind\":K,\"offset\":N,\"message\":M}}, an
input cut inside a frame with {\"incomplete\":{\"offset\":N}}. With
--commands, each request is {\"argv\":[HEX,...]}.

Exit status: 0 the input ended between frames, 1 invalid input or an
unreadable file, 2 a usage error, 3 the input ended inside a frame.";

impl DecodeArgs {
    /// The frame decoder's bounds: the client preset with the flags applied.
    pub(crate) fn frame_limits(&self) -> Limits {
        let mut limits = Limits::client();
        if let Some(n) = self.max_depth {
            limits.max_depth = saturate(n);
        }
        if let Some(n) = self.max_bulk_len {
            limits.max_bulk_len = n;
        }
        if let Some(n) = self.max_aggregate_len {
            limits.max_aggregate_len = n;
        }
        if let Some(n) = self.max_line_len {
            limits.max_line_len = saturate(n);
        }
        limits
    }

    /// The command decoder's bounds: Redis's, with the flags applied
    /// (`--max-aggregate-len` bounds the arguments of one request).
    pub(crate) fn command_limits(&self) -> CommandLimits {
        let mut limits = CommandLimits::redis_for(!self.unauthenticated);
        if let Some(n) = self.max_bulk_len {
            limits.max_bulk_len = n;
        }
        if let Some(n) = self.max_aggregate_len {
            limits.max_args = n;
        }
        if let Some(n) = self.max_line_len {
            limits.max_line_len = saturate(n);
        }
        limits
    }
}

fn saturate(n: u64) -> usize {
    usize::try_from(n).unwrap_or(usize::MAX)
}
