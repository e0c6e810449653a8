//! `resp decode`: frames or requests, printed as their bytes arrive.

use crate::cli::DecodeArgs;
use crate::sink::Sink;
use crate::{Exit, Failure, json};
use bytes::BytesMut;
use resp_core::{CommandDecoder, DecodeError, Protocol};
use std::fs::File;
use std::io::{self, Read, Write};

/// How much one read asks for.
const READ_SIZE: usize = 64 * 1024;

pub(crate) fn run(args: &DecodeArgs) -> Result<Exit, Failure> {
    let mut source: Box<dyn Read> = match &args.file {
        Some(path) if path.as_os_str() != "-" => {
            Box::new(File::open(path).map_err(|error| Failure::Open(path.clone(), error))?)
        }
        _ => Box::new(io::stdin().lock()),
    };
    let chunk = args.chunk.map_or(READ_SIZE, |n| {
        usize::try_from(n).unwrap_or(READ_SIZE).min(READ_SIZE)
    });
    let mut input = Input {
        source: &mut *source,
        piece: vec![0; chunk],
        buffer: BytesMut::new(),
    };
    let mut out = io::BufWriter::new(io::stdout().lock());
    if args.pcap {
        let ended = crate::capture::run(args, &mut input, &mut out)?;
        out.flush()?;
        return Ok(match ended {
            crate::capture::Ended::Clean => Exit::Success,
            crate::capture::Ended::Errors => Exit::Failure,
            crate::capture::Ended::Incomplete => Exit::Incomplete,
            crate::capture::Ended::Capture(error) => {
                eprintln!("resp: {error}");
                Exit::Failure
            }
        });
    }
    let end = if args.commands {
        commands(args, &mut input, &mut out)?
    } else {
        frames(args, &mut input, &mut out)?
    };
    report(&mut out, &end, args.json)?;
    out.flush()?;
    Ok(match end {
        End::Clean => Exit::Success,
        End::Frame(_) | End::Command(_) => Exit::Failure,
        End::Incomplete(_) => Exit::Incomplete,
    })
}

/// The bytes still to decode, and where more come from.
pub(crate) struct Input<'a> {
    source: &'a mut dyn Read,
    piece: Vec<u8>,
    pub(crate) buffer: BytesMut,
}

impl Input<'_> {
    /// Reads what the source has (at least one byte, or none at its end).
    pub(crate) fn more(&mut self) -> io::Result<bool> {
        loop {
            match self.source.read(&mut self.piece) {
                Ok(0) => return Ok(false),
                Ok(n) => {
                    self.buffer.extend_from_slice(&self.piece[..n]);
                    return Ok(true);
                }
                Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
                Err(error) => return Err(error),
            }
        }
    }
}

/// How decoding ended.
pub(crate) enum End {
    Clean,
    /// The input stops inside the frame or request that starts at this offset.
    Incomplete(u64),
    Frame(DecodeError),
    Command(resp_core::CommandError),
}

fn frames(args: &DecodeArgs, input: &mut Input<'_>, out: &mut impl Write) -> io::Result<End> {
    let protocol = if args.resp2 {
        Protocol::Resp2
    } else {
        Protocol::Resp3
    };
    let mut sink = Sink::new(args.json, args.frame_limits(), protocol);
    let mut frame_start = 0;
    loop {
        loop {
            match sink.next(&mut input.buffer, out)? {
                Ok(Some(_)) => frame_start = sink.position(),
                Ok(None) => break,
                Err(error) => return Ok(End::Frame(error)),
            }
        }
        // Everything complete is out before waiting for more.
        out.flush()?;
        if !input.more()? {
            break;
        }
    }
    Ok(if input.buffer.is_empty() && sink.is_idle() {
        End::Clean
    } else {
        End::Incomplete(frame_start)
    })
}

fn commands(args: &DecodeArgs, input: &mut Input<'_>, out: &mut impl Write) -> io::Result<End> {
    let mut decoder = CommandDecoder::with_limits(args.command_limits());
    let mut command_start = 0;
    loop {
        loop {
            match decoder.decode(&mut input.buffer) {
                Ok(Some(command)) => {
                    print_command(out, command.args(), args.json)?;
                    command_start = decoder.position();
                }
                Ok(None) => break,
                Err(error) => return Ok(End::Command(error)),
            }
        }
        out.flush()?;
        if !input.more()? {
            break;
        }
    }
    Ok(if input.buffer.is_empty() && decoder.is_idle() {
        End::Clean
    } else {
        End::Incomplete(command_start)
    })
}

fn print_command(
    out: &mut impl Write,
    argv: resp_core::CommandArgs<'_>,
    json: bool,
) -> io::Result<()> {
    if json {
        let hex: Vec<String> = argv.map(|arg| format!("\"{}\"", json::hex(arg))).collect();
        writeln!(out, "{{\"argv\":[{}]}}", hex.join(","))
    } else {
        let quoted: Vec<String> = argv
            .map(|arg| format!("\"{}\"", arg.escape_ascii()))
            .collect();
        writeln!(out, "{}", quoted.join(" "))
    }
}

/// Says how the input ended: on stdout as a JSON line, or on stderr.
pub(crate) fn report(out: &mut impl Write, end: &End, json: bool) -> io::Result<()> {
    let (kind, offset, message) = match end {
        End::Clean => return Ok(()),
        End::Incomplete(start) if json => {
            return writeln!(out, "{{\"incomplete\":{{\"offset\":{start}}}}}");
        }
        End::Incomplete(start) => {
            out.flush()?;
            eprintln!("resp: input ends inside the frame that starts at byte {start}");
            return Ok(());
        }
        End::Frame(error) => (
            error.kind().name(),
            error.offset(),
            error.kind().message().to_owned(),
        ),
        End::Command(error) => (error.kind().name(), error.offset(), error.to_string()),
    };
    if json {
        writeln!(
            out,
            "{{\"error\":{{\"kind\":\"{kind}\",\"offset\":{offset},\"message\":{}}}}}",
            json::json_string(message.as_bytes())
        )
    } else {
        out.flush()?;
        eprintln!("resp: {message} at byte {offset}");
        Ok(())
    }
}
