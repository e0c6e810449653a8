//! Replies printed for people, as redis-cli prints them on a terminal,
//! written as the reader's events arrive: the output is linear in the
//! input, and nothing but the open aggregates is remembered.
//!
//! redis-cli's rules: an aggregate's first element goes on its parent's
//! line and the rest on lines of their own, indented by the parent's
//! indentation plus the width of the largest index and two; indexes are
//! right-aligned (` 9)`, `10)`); `1)` numbers array and push elements, `1~`
//! set members, `1#` map pairs (`key => value`). Beyond redis-cli, RESP3's
//! types are visible: pushes number with `>`, big numbers, attributes
//! (`|1# key => value` lines before the value they describe). Doubles are
//! shown as sent. Indentation stops growing at [`MAX_INDENT`] columns, so
//! deep nesting cannot make the output quadratic.

use resp_core::{AggregateKind, BlobKind, Event, NullKind};
use std::io::{self, Write};

/// The deepest indentation, in columns.
pub(crate) const MAX_INDENT: usize = 64;

/// One open aggregate.
struct Level {
    kind: AggregateKind,
    /// Digits of the largest index.
    width: usize,
    /// Elements begun so far (keys and values, for maps).
    begun: u64,
    /// Column where its lines after the first begin.
    indent: usize,
    /// Whether no element was announced (it printed `(empty …)`).
    empty: bool,
    /// An attribute has just been printed inside it: the next value is the
    /// one it describes, and takes no index of its own.
    attributed: bool,
}

/// What is being printed of a payload that comes in pieces.
#[derive(Clone, Copy)]
enum Blob {
    Quoted,
    Plain,
}

/// Turns reader events into redis-cli's text.
#[derive(Default)]
pub(crate) struct Printer {
    levels: Vec<Level>,
    /// The line just printed still wants its newline; held back because a
    /// map's key is followed by ` => ` on the same line.
    newline_due: bool,
    /// A top-level attribute has been printed; its value comes next.
    attributed: bool,
    blob: Option<Blob>,
    /// Top-level strings print as their bare text (redis-cli does so for
    /// `INFO`, `CLIENT LIST` and a few more).
    pub(crate) raw: bool,
    /// What the top-level frame in progress is.
    top: Option<Top>,
}

/// What kind of frame a top-level frame was, for the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Top {
    Push,
    Error,
    Other,
}

impl Printer {
    /// Prints `event`; `line` is the bytes the reader consumed for it (the
    /// text of a double as sent). Returns the top-level frame's kind when
    /// the event completed one.
    pub(crate) fn event(
        &mut self,
        out: &mut impl Write,
        event: Event<'_>,
        line: &[u8],
    ) -> io::Result<Option<Top>> {
        match event {
            Event::AggregateStart { kind, len } => {
                self.begin(out, top_of_aggregate(kind))?;
                let indent = self.child_indent();
                let empty = len == Some(0);
                if empty {
                    out.write_all(empty_text(kind))?;
                    self.newline_due = true;
                }
                let count = len.unwrap_or(1);
                self.levels.push(Level {
                    kind,
                    width: digits(count),
                    begun: 0,
                    indent,
                    empty,
                    attributed: false,
                });
                Ok(None)
            }
            Event::AggregateEnd(kind) => {
                let level = self.levels.pop();
                if kind == AggregateKind::Attribute {
                    if level.is_some_and(|level| level.empty) {
                        self.newline_due = false;
                    }
                    match self.levels.last_mut() {
                        Some(parent) => parent.attributed = true,
                        None => self.attributed = true,
                    }
                    return Ok(None);
                }
                self.end(out)
            }
            Event::BlobStart { kind, .. } => {
                let top = if kind == BlobKind::BulkError {
                    Top::Error
                } else {
                    Top::Other
                };
                self.begin(out, top)?;
                let raw = self.raw && self.levels.is_empty();
                self.blob = Some(match kind {
                    BlobKind::BulkError => {
                        out.write_all(b"(error) ")?;
                        Blob::Plain
                    }
                    BlobKind::Verbatim(_) => Blob::Plain,
                    _ if raw => Blob::Plain,
                    _ => {
                        out.write_all(b"\"")?;
                        Blob::Quoted
                    }
                });
                Ok(None)
            }
            Event::BlobChunk(piece) => {
                match self.blob {
                    Some(Blob::Quoted) => write_quoted_part(out, piece)?,
                    _ => out.write_all(piece)?,
                }
                Ok(None)
            }
            Event::BlobEnd => {
                if let Some(Blob::Quoted) = self.blob.take() {
                    out.write_all(b"\"")?;
                }
                self.newline_due = !(self.raw && self.levels.is_empty());
                self.end(out)
            }
            leaf => {
                let top = match leaf {
                    Event::SimpleError(_) | Event::BulkError(_) => Top::Error,
                    _ => Top::Other,
                };
                self.begin(out, top)?;
                let raw = self.raw && self.levels.is_empty();
                write_leaf(out, leaf, line, raw)?;
                self.newline_due = !(raw && is_text(&leaf));
                self.end(out)
            }
        }
    }

    /// Whether no frame is in progress.
    pub(crate) fn is_idle(&self) -> bool {
        self.top.is_none()
    }

    /// Starts a value: its index (or ` => ` for a map's value, or nothing
    /// for the value an attribute describes), on a new line unless it is
    /// its aggregate's first element.
    fn begin(&mut self, out: &mut impl Write, top: Top) -> io::Result<()> {
        let Some(level) = self.levels.last_mut() else {
            // An attributed value decides what the frame is.
            if self.top.is_none() || self.attributed {
                self.top = Some(top);
            }
            if std::mem::take(&mut self.attributed) {
                self.newline(out)?;
            }
            return Ok(());
        };
        if std::mem::take(&mut level.attributed) {
            // The attributed value, under the attribute, with no index.
            let indent = level.indent + level.width + 2 + lead(level.kind).len();
            return newline_and_indent(out, &mut self.newline_due, indent);
        }
        let pairs = matches!(level.kind, AggregateKind::Map | AggregateKind::Attribute);
        let begun = level.begun;
        level.begun += 1;
        if pairs && begun % 2 == 1 {
            self.newline_due = false;
            return out.write_all(b" => ");
        }
        let index = if pairs { begun / 2 + 1 } else { begun + 1 };
        if begun > 0 {
            let indent = level.indent;
            newline_and_indent(out, &mut self.newline_due, indent)?;
        }
        let level = self.levels.last().expect("checked above");
        write!(
            out,
            "{}{index:>width$}{} ",
            lead(level.kind),
            separator(level.kind),
            width = level.width
        )
    }

    /// Where the elements of an aggregate starting here indent to.
    fn child_indent(&self) -> usize {
        let indent = self.levels.last().map_or(0, |level| {
            level.indent + level.width + 2 + lead(level.kind).len()
        });
        indent.min(MAX_INDENT)
    }

    /// A value ended; at the top level, so did the frame.
    fn end(&mut self, out: &mut impl Write) -> io::Result<Option<Top>> {
        if !self.levels.is_empty() || self.attributed {
            return Ok(None);
        }
        self.newline(out)?;
        Ok(self.top.take())
    }

    fn newline(&mut self, out: &mut impl Write) -> io::Result<()> {
        if std::mem::take(&mut self.newline_due) {
            out.write_all(b"\n")?;
        }
        Ok(())
    }
}

fn newline_and_indent(out: &mut impl Write, due: &mut bool, indent: usize) -> io::Result<()> {
    if std::mem::take(due) {
        out.write_all(b"\n")?;
    }
    const SPACES: [u8; MAX_INDENT] = [b' '; MAX_INDENT];
    out.write_all(&SPACES[..indent.min(MAX_INDENT)])
}

fn top_of_aggregate(kind: AggregateKind) -> Top {
    if kind == AggregateKind::Push {
        Top::Push
    } else {
        Top::Other
    }
}

fn digits(mut n: u64) -> usize {
    let mut digits = 1;
    while n >= 10 {
        n /= 10;
        digits += 1;
    }
    digits
}

fn lead(kind: AggregateKind) -> &'static str {
    if kind == AggregateKind::Attribute {
        "|"
    } else {
        ""
    }
}

fn separator(kind: AggregateKind) -> char {
    match kind {
        AggregateKind::Set => '~',
        AggregateKind::Map | AggregateKind::Attribute => '#',
        AggregateKind::Push => '>',
        _ => ')',
    }
}

fn empty_text(kind: AggregateKind) -> &'static [u8] {
    match kind {
        AggregateKind::Map => b"(empty hash)",
        AggregateKind::Set => b"(empty set)",
        AggregateKind::Push => b"(empty push)",
        AggregateKind::Attribute => b"",
        _ => b"(empty array)",
    }
}

fn is_text(event: &Event<'_>) -> bool {
    matches!(
        event,
        Event::SimpleString(_) | Event::BulkString(_) | Event::Verbatim { .. }
    )
}

fn write_leaf(out: &mut impl Write, event: Event<'_>, line: &[u8], raw: bool) -> io::Result<()> {
    match event {
        Event::SimpleString(text) => out.write_all(text),
        Event::BulkString(text) if raw => out.write_all(text),
        Event::Verbatim { text, .. } => out.write_all(text),
        Event::SimpleError(text) | Event::BulkError(text) => {
            out.write_all(b"(error) ")?;
            out.write_all(text)
        }
        Event::Integer(n) => write!(out, "(integer) {n}"),
        Event::Double(d) => {
            out.write_all(b"(double) ")?;
            // As sent: the line without its `,` and CRLF.
            match line
                .strip_prefix(b",")
                .and_then(|l| l.strip_suffix(b"\r\n"))
            {
                Some(text) => out.write_all(text),
                None => write!(out, "{d}"),
            }
        }
        Event::Boolean(b) => write!(out, "({b})"),
        Event::BigNumber(digits) => {
            out.write_all(b"(big number) ")?;
            out.write_all(digits)
        }
        Event::Null(NullKind::Null | NullKind::Bulk | NullKind::Array) => out.write_all(b"(nil)"),
        Event::BulkString(text) => {
            out.write_all(b"\"")?;
            write_quoted_part(out, text)?;
            out.write_all(b"\"")
        }
        _ => Ok(()),
    }
}

/// Bytes as redis-cli quotes them (`sdscatrepr`): `\\`, `\"`, `\n`, `\r`,
/// `\t`, `\a`, `\b`, printable ASCII as it is, anything else `\xhh`.
fn write_quoted_part(out: &mut impl Write, bytes: &[u8]) -> io::Result<()> {
    let mut plain = 0;
    for (at, &byte) in bytes.iter().enumerate() {
        let escaped: &[u8] = match byte {
            b'\\' => b"\\\\",
            b'"' => b"\\\"",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0x07 => b"\\a",
            0x08 => b"\\b",
            0x20..=0x7e => continue,
            _ => {
                out.write_all(&bytes[plain..at])?;
                write!(out, "\\x{byte:02x}")?;
                plain = at + 1;
                continue;
            }
        };
        out.write_all(&bytes[plain..at])?;
        out.write_all(escaped)?;
        plain = at + 1;
    }
    out.write_all(&bytes[plain..])
}

#[cfg(test)]
mod tests {
    use super::*;
    use resp_core::Reader;

    fn print(input: &[u8]) -> String {
        let mut reader = Reader::new();
        let mut printer = Printer::default();
        let mut out = Vec::new();
        let mut rest = input;
        loop {
            let step = reader.read(rest).unwrap();
            let line = &rest[..step.consumed];
            let Some(event) = step.event else { break };
            printer.event(&mut out, event, line).unwrap();
            rest = &rest[step.consumed..];
        }
        assert!(printer.is_idle());
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn nested_arrays_indent_as_redis_cli_does() {
        assert_eq!(
            print(b"*2\r\n*2\r\n$1\r\na\r\n,0.10000000000000001\r\n*0\r\n"),
            "1) 1) \"a\"\n   2) (double) 0.10000000000000001\n2) (empty array)\n"
        );
    }

    #[test]
    fn indexes_align_on_the_widest() {
        let mut input = b"*10\r\n".to_vec();
        for n in 1..=10 {
            input.extend_from_slice(format!(":{n}\r\n").as_bytes());
        }
        let text = print(&input);
        assert!(text.starts_with(" 1) (integer) 1\n 2) "), "{text}");
        assert!(
            text.ends_with(" 9) (integer) 9\n10) (integer) 10\n"),
            "{text}"
        );
    }

    #[test]
    fn maps_sets_pushes_and_attributes() {
        assert_eq!(
            print(b"%2\r\n+a\r\n:1\r\n+b\r\n~1\r\n#t\r\n"),
            "1# a => (integer) 1\n2# b => 1~ (true)\n"
        );
        assert_eq!(print(b"%0\r\n"), "(empty hash)\n");
        assert_eq!(print(b">2\r\n+message\r\n+x\r\n"), "1> message\n2> x\n");
        assert_eq!(
            print(b"|1\r\n+ttl\r\n:9\r\n$1\r\nv\r\n"),
            "|1# ttl => (integer) 9\n\"v\"\n"
        );
        assert_eq!(
            print(b"*2\r\n:1\r\n|1\r\n+ttl\r\n:9\r\n$1\r\nv\r\n"),
            "1) (integer) 1\n2) |1# ttl => (integer) 9\n   \"v\"\n"
        );
    }

    #[test]
    fn an_aggregate_key_keeps_its_value_on_its_last_line() {
        assert_eq!(
            print(b"%1\r\n*2\r\n:1\r\n:2\r\n+v\r\n"),
            "1# 1) (integer) 1\n   2) (integer) 2 => v\n"
        );
    }

    #[test]
    fn strings_are_quoted_as_redis_cli_quotes_them() {
        assert_eq!(
            print(b"$9\r\na\"b\\\n\x00\xff'\x07\r\n"),
            "\"a\\\"b\\\\\\n\\x00\\xff'\\a\"\n"
        );
        assert_eq!(print(b"=7\r\ntxt:a\nb\r\n"), "a\nb\n");
        assert_eq!(print(b"(123\r\n"), "(big number) 123\n");
        assert_eq!(print(b"!3\r\nERR\r\n"), "(error) ERR\n");
        assert_eq!(print(b"*-1\r\n_\r\n"), "(nil)\n(nil)\n");
    }

    #[test]
    fn indentation_stops_growing() {
        let mut input = Vec::new();
        for _ in 0..100 {
            input.extend_from_slice(b"*2\r\n:1\r\n");
        }
        input.extend_from_slice(b":2\r\n");
        let text = print(&input);
        let widest = text
            .lines()
            .map(|line| line.len() - line.trim_start().len())
            .max();
        assert_eq!(widest, Some(MAX_INDENT));
    }
}
