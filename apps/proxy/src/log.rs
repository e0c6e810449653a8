//! `--log`: each command and reply on stderr, shortened, like `MONITOR`.

use resp_core::Command;
use std::fmt::Write;

/// Longest part of an argument or a reply shown.
const SHOWN: usize = 64;

/// A command as `MONITOR` shows it: quoted arguments, long ones cut.
pub(crate) fn command(command: &Command<'_>) -> String {
    let mut line = String::new();
    for (index, arg) in command.args().enumerate() {
        if index > 0 {
            line.push(' ');
        }
        line.push('"');
        escape(&mut line, arg);
        line.push('"');
    }
    line
}

/// Reply bytes as they arrived, escaped and cut.
pub(crate) fn reply(bytes: &[u8]) -> String {
    let mut line = String::new();
    escape(&mut line, bytes);
    line
}

fn escape(out: &mut String, bytes: &[u8]) {
    for &byte in bytes.iter().take(SHOWN) {
        match byte {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            b'\r' => out.push_str("\\r"),
            b'\n' => out.push_str("\\n"),
            0x20..=0x7e => out.push(byte as char),
            _ => {
                let _ = write!(out, "\\x{byte:02x}");
            }
        }
    }
    if bytes.len() > SHOWN {
        let _ = write!(out, "... ({} bytes)", bytes.len());
    }
}
