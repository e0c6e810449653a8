//! Command-line parsing for `resp`, by hand: a handful of flags do not
//! justify a parser dependency.

use resp_core::{CommandLimits, Limits};
use std::ffi::OsString;
use std::fmt;

pub(crate) const USAGE: &str = "\
usage:
  resp decode [--resp2] [--json] [--chunk N] [--max-depth N] [--max-bulk-len N]
              [--max-aggregate-len N] [--max-line-len N] [FILE|-]
  resp decode --commands [--unauthenticated] [--json] [--chunk N]
              [--max-bulk-len N] [--max-aggregate-len N] [--max-line-len N] [FILE|-]
  resp encode [--raw] ARG...

decode: reads RESP replies from FILE (or standard input) and prints one per
line; with --commands, reads client requests (multibulk or inline) as a
server does and prints each command's arguments. Exit status: 0 input ended
between frames, 1 invalid input, 2 usage error, 3 input ended inside a frame.

encode: prints the bytes of the command the arguments make, escaped for a
terminal, or exactly with --raw (resp encode --raw SET k v | resp decode).";

/// A parsed `resp` invocation.
#[derive(Debug)]
pub(crate) enum Command {
    Decode(DecodeArgs),
    Encode(EncodeArgs),
    Help,
}

#[derive(Debug)]
pub(crate) struct EncodeArgs {
    pub(crate) raw: bool,
    /// The command's arguments, as the bytes the shell passed.
    pub(crate) args: Vec<Vec<u8>>,
}

#[derive(Debug)]
pub(crate) struct DecodeArgs {
    pub(crate) resp2: bool,
    pub(crate) json: bool,
    pub(crate) commands: bool,
    pub(crate) unauthenticated: bool,
    pub(crate) chunk: Option<usize>,
    max_depth: Option<u64>,
    max_bulk_len: Option<u64>,
    max_aggregate_len: Option<u64>,
    max_line_len: Option<u64>,
    /// `None` for standard input.
    pub(crate) file: Option<String>,
}

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
        let mut limits = if self.unauthenticated {
            CommandLimits::unauthenticated()
        } else {
            CommandLimits::redis()
        };
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

#[derive(Debug)]
pub(crate) struct UsageError(String);

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "resp: {}\n\n{USAGE}", self.0)
    }
}

pub(crate) fn parse(args: impl IntoIterator<Item = OsString>) -> Result<Command, UsageError> {
    let mut args = args.into_iter();
    let command = args.next().map(|name| name.to_string_lossy().into_owned());
    match command.as_deref() {
        Some("encode") => parse_encode(args).map(Command::Encode),
        Some("decode") => {
            let args = args
                .map(|arg| {
                    arg.into_string().map_err(|arg| {
                        UsageError(format!("'{}' is not UTF-8", arg.to_string_lossy()))
                    })
                })
                .collect::<Result<Vec<_>, _>>()?;
            parse_decode(args.into_iter()).map(Command::Decode)
        }
        Some("help" | "--help" | "-h") => Ok(Command::Help),
        Some(other) => Err(UsageError(format!("unknown command '{other}'"))),
        None => Err(UsageError("missing command".into())),
    }
}

fn parse_decode(mut args: impl Iterator<Item = String>) -> Result<DecodeArgs, UsageError> {
    let mut parsed = DecodeArgs {
        resp2: false,
        json: false,
        commands: false,
        unauthenticated: false,
        chunk: None,
        max_depth: None,
        max_bulk_len: None,
        max_aggregate_len: None,
        max_line_len: None,
        file: None,
    };
    while let Some(arg) = args.next() {
        let mut value = |name: &str| -> Result<u64, UsageError> {
            let text = args
                .next()
                .ok_or_else(|| UsageError(format!("{name} needs a number")))?;
            text.parse()
                .map_err(|_| UsageError(format!("{name} needs a number, not '{text}'")))
        };
        match arg.as_str() {
            "--resp2" => parsed.resp2 = true,
            "--json" => parsed.json = true,
            "--commands" => parsed.commands = true,
            "--unauthenticated" => parsed.unauthenticated = true,
            "--chunk" => {
                let size = value("--chunk")?;
                if size == 0 {
                    return Err(UsageError("--chunk needs a size of at least 1".into()));
                }
                parsed.chunk = Some(usize::try_from(size).unwrap_or(usize::MAX));
            }
            "--max-depth" => parsed.max_depth = Some(value("--max-depth")?),
            "--max-bulk-len" => parsed.max_bulk_len = Some(value("--max-bulk-len")?),
            "--max-aggregate-len" => parsed.max_aggregate_len = Some(value("--max-aggregate-len")?),
            "--max-line-len" => parsed.max_line_len = Some(value("--max-line-len")?),
            "-" if parsed.file.is_none() => parsed.file = None,
            flag if flag.starts_with("--") => {
                return Err(UsageError(format!("unknown option '{flag}'")));
            }
            file if parsed.file.is_none() => parsed.file = Some(file.to_owned()),
            extra => return Err(UsageError(format!("unexpected argument '{extra}'"))),
        }
    }
    if parsed.unauthenticated && !parsed.commands {
        return Err(UsageError("--unauthenticated goes with --commands".into()));
    }
    if parsed.resp2 && parsed.commands {
        return Err(UsageError("--resp2 does not apply to --commands".into()));
    }
    Ok(parsed)
}

fn parse_encode(args: impl Iterator<Item = OsString>) -> Result<EncodeArgs, UsageError> {
    let mut parsed = EncodeArgs {
        raw: false,
        args: Vec::new(),
    };
    let mut options_done = false;
    for arg in args {
        match arg.to_str() {
            Some("--raw") if !options_done && parsed.args.is_empty() => parsed.raw = true,
            Some("--") if !options_done && parsed.args.is_empty() => options_done = true,
            _ => parsed.args.push(os_bytes(arg)),
        }
    }
    if parsed.args.is_empty() {
        return Err(UsageError("encode needs at least one argument".into()));
    }
    Ok(parsed)
}

#[cfg(unix)]
fn os_bytes(arg: OsString) -> Vec<u8> {
    std::os::unix::ffi::OsStringExt::into_vec(arg)
}

#[cfg(not(unix))]
fn os_bytes(arg: OsString) -> Vec<u8> {
    arg.to_string_lossy().into_owned().into_bytes()
}

fn saturate(n: u64) -> usize {
    usize::try_from(n).unwrap_or(usize::MAX)
}
