//! `resp`: decode RESP streams from the command line.

mod args;
mod json;
mod pretty;

use args::{Command, DecodeArgs, EncodeArgs};
use bytes::BytesMut;
use resp_core::{DecodeError, Decoder, Frame, Protocol};
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
    let mut input = Vec::new();
    match file {
        Some(path) => {
            input =
                std::fs::read(path).map_err(|e| io::Error::new(e.kind(), format!("{path}: {e}")))?
        }
        None => {
            io::stdin().lock().read_to_end(&mut input)?;
        }
    }
    Ok(input)
}

/// How decoding a whole input ended.
enum End {
    Clean,
    Incomplete { frame_start: u64 },
    Error(DecodeError),
}

fn decode(args: &DecodeArgs) -> io::Result<ExitCode> {
    let input = read_input(args.file.as_deref())?;
    let protocol = if args.resp2 {
        Protocol::Resp2
    } else {
        Protocol::Resp3
    };
    let mut decoder = Decoder::with_limits(args.limits).with_protocol(protocol);
    let mut out = io::BufWriter::new(io::stdout().lock());
    let chunk = args.chunk.unwrap_or(input.len()).max(1);
    let mut buf = BytesMut::with_capacity(chunk.min(input.len()));
    let mut frame_start = 0;
    let mut end = End::Clean;
    'feed: for piece in input.chunks(chunk) {
        buf.extend_from_slice(piece);
        loop {
            match decoder.decode(&mut buf) {
                Ok(Some(frame)) => {
                    print_frame(&mut out, &frame, args.json)?;
                    frame_start = decoder.position();
                }
                Ok(None) => break,
                Err(error) => {
                    end = End::Error(error);
                    break 'feed;
                }
            }
        }
    }
    if matches!(end, End::Clean) && !(decoder.is_idle() && buf.is_empty()) {
        end = End::Incomplete { frame_start };
    }
    report_end(&mut out, &end, args.json)?;
    out.flush()?;
    Ok(match end {
        End::Clean => ExitCode::SUCCESS,
        End::Error(_) => ExitCode::from(1),
        End::Incomplete { .. } => ExitCode::from(3),
    })
}

fn print_frame(out: &mut impl Write, frame: &Frame, json: bool) -> io::Result<()> {
    if json {
        writeln!(out, "{}", json::frame_json(frame))
    } else {
        writeln!(out, "{}", pretty::frame_text(frame))
    }
}

fn report_end(out: &mut impl Write, end: &End, json: bool) -> io::Result<()> {
    match (end, json) {
        (End::Clean, _) => Ok(()),
        (End::Error(error), true) => writeln!(
            out,
            "{{\"error\":{{\"kind\":\"{}\",\"offset\":{},\"message\":{}}}}}",
            error.kind().name(),
            error.offset(),
            json::json_string(error.kind().message().as_bytes())
        ),
        (End::Error(error), false) => {
            out.flush()?;
            eprintln!("resp: {error}");
            Ok(())
        }
        (End::Incomplete { frame_start }, true) => {
            writeln!(out, "{{\"incomplete\":{{\"offset\":{frame_start}}}}}")
        }
        (End::Incomplete { frame_start }, false) => {
            out.flush()?;
            eprintln!("resp: input ends inside the frame that starts at byte {frame_start}");
            Ok(())
        }
    }
}
