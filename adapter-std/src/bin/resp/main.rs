//! `resp`: decode and encode RESP from the command line.

mod args;
mod json;
mod pretty;

use args::{Command, DecodeArgs, EncodeArgs};
use bytes::BytesMut;
use resp_core::{CommandDecoder, CommandError, DecodeError, Decoder, Frame, Protocol};
use std::io::{self, Read, Write};
use std::process::ExitCode;

fn main() -> ExitCode {
    let command = match args::parse(std::env::args_os().skip(1)) {
        Ok(command) => command,
        Err(usage) => {
            eprintln!("{usage}");
            return ExitCode::from(2);
        }
    };
    let result = match command {
        Command::Help => {
            println!("{}", args::USAGE);
            return ExitCode::SUCCESS;
        }
        Command::Decode(decode_args) => decode(&decode_args),
        Command::Encode(encode_args) => encode(&encode_args),
    };
    match result {
        Ok(code) => code,
        // A closed pipe (`resp decode | head`) is a normal way to stop.
        Err(error) if error.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("resp: {error}");
            ExitCode::from(2)
        }
    }
}

fn encode(args: &EncodeArgs) -> io::Result<ExitCode> {
    let mut wire = Vec::new();
    resp_core::pack_command(&mut wire, &args.args);
    let mut out = io::stdout().lock();
    if args.raw {
        out.write_all(&wire)?;
    } else {
        writeln!(out, "{}", wire.escape_ascii())?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn read_input(file: Option<&str>) -> io::Result<Vec<u8>> {
    match file {
        Some(path) => {
            std::fs::read(path).map_err(|e| io::Error::new(e.kind(), format!("{path}: {e}")))
        }
        None => {
            let mut input = Vec::new();
            io::stdin().lock().read_to_end(&mut input)?;
            Ok(input)
        }
    }
}

/// How decoding a whole input ended.
enum End {
    Clean,
    /// The input stops inside the frame or request that starts at this offset.
    Incomplete(u64),
    Frame(DecodeError),
    Command(CommandError),
}

/// Feeds `input` to `decode_all` in pieces of `chunk` bytes. `decode_all`
/// prints what it can and returns an error end if the stream broke. Returns
/// that end, or whether unconsumed bytes were left over.
fn feed(
    input: &[u8],
    chunk: Option<usize>,
    mut decode_all: impl FnMut(&mut BytesMut) -> io::Result<Option<End>>,
) -> io::Result<Result<End, bool>> {
    let chunk = chunk.unwrap_or(input.len()).max(1);
    let mut buf = BytesMut::with_capacity(chunk.min(input.len()));
    for piece in input.chunks(chunk) {
        buf.extend_from_slice(piece);
        if let Some(end) = decode_all(&mut buf)? {
            return Ok(Ok(end));
        }
    }
    Ok(Err(!buf.is_empty()))
}

fn decode(args: &DecodeArgs) -> io::Result<ExitCode> {
    let input = read_input(args.file.as_deref())?;
    let mut out = io::BufWriter::new(io::stdout().lock());
    let end = if args.commands {
        decode_commands(args, &input, &mut out)?
    } else {
        decode_frames(args, &input, &mut out)?
    };
    report_end(&mut out, &end, args.json)?;
    out.flush()?;
    Ok(match end {
        End::Clean => ExitCode::SUCCESS,
        End::Frame(_) | End::Command(_) => ExitCode::from(1),
        End::Incomplete(_) => ExitCode::from(3),
    })
}

fn decode_frames(args: &DecodeArgs, input: &[u8], out: &mut impl Write) -> io::Result<End> {
    let protocol = if args.resp2 {
        Protocol::Resp2
    } else {
        Protocol::Resp3
    };
    let mut decoder = Decoder::with_limits(args.frame_limits()).with_protocol(protocol);
    let mut frame_start = 0;
    let fed = feed(input, args.chunk, |buf| {
        loop {
            match decoder.decode(buf) {
                Ok(Some(frame)) => {
                    print_frame(out, &frame, args.json)?;
                    frame_start = decoder.position();
                }
                Ok(None) => return Ok(None),
                Err(error) => return Ok(Some(End::Frame(error))),
            }
        }
    })?;
    Ok(match fed {
        Ok(end) => end,
        Err(leftover) if leftover || !decoder.is_idle() => End::Incomplete(frame_start),
        Err(_) => End::Clean,
    })
}

fn decode_commands(args: &DecodeArgs, input: &[u8], out: &mut impl Write) -> io::Result<End> {
    let mut decoder = CommandDecoder::with_limits(args.command_limits());
    let mut command_start = 0;
    let fed = feed(input, args.chunk, |buf| {
        loop {
            match decoder.decode(buf) {
                Ok(Some(command)) => {
                    print_command(out, command.args(), args.json)?;
                    command_start = decoder.position();
                }
                Ok(None) => return Ok(None),
                Err(error) => return Ok(Some(End::Command(error))),
            }
        }
    })?;
    Ok(match fed {
        Ok(end) => end,
        Err(leftover) if leftover || !decoder.is_idle() => End::Incomplete(command_start),
        Err(_) => End::Clean,
    })
}

fn print_frame(out: &mut impl Write, frame: &Frame, json: bool) -> io::Result<()> {
    if json {
        writeln!(out, "{}", json::frame_json(frame))
    } else {
        writeln!(out, "{}", pretty::frame_text(frame))
    }
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

fn report_end(out: &mut impl Write, end: &End, json: bool) -> io::Result<()> {
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
