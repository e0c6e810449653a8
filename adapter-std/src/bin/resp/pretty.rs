//! Frames printed for people, in the style of redis-cli.

use crate::json::double_text;
use resp_core::{Frame, NullKind, Visit};
use std::fmt::Write;

/// How the children of an open container are introduced.
#[derive(Clone, Copy)]
enum Style {
    /// `1) `, `1~ `, `1> `: numbered elements.
    Numbered(char),
    /// `1# key => value`, with `lead` before each number (`|` for attributes).
    Pairs(&'static str),
    /// An attributed value: its attributes, then the value, one per line.
    Attributed,
}

struct Level {
    style: Style,
    children: usize,
    /// Column where this level's children start.
    indent: usize,
}

/// Renders a top-level frame over one or more lines (without a final newline).
pub(crate) fn frame_text(frame: &Frame) -> String {
    let mut out = String::new();
    let mut levels: Vec<Level> = Vec::new();
    for visit in frame.walk() {
        match visit {
            Visit::Leaf(frame) => {
                prefix(&mut out, &mut levels);
                leaf(&mut out, frame);
            }
            Visit::Open(frame) => {
                prefix(&mut out, &mut levels);
                let (style, empty) = match frame {
                    Frame::Map(_) | Frame::StreamedMap(_) => (Style::Pairs(""), "(empty map)"),
                    Frame::Set(_) | Frame::StreamedSet(_) => (Style::Numbered('~'), "(empty set)"),
                    Frame::Push(_) => (Style::Numbered('>'), "(empty push)"),
                    Frame::Attributed(_) => (Style::Attributed, ""),
                    _ => (Style::Numbered(')'), "(empty array)"),
                };
                if frame.aggregate_len() == Some(0) {
                    out.push_str(empty);
                }
                let indent = current_column(&out);
                levels.push(Level {
                    style,
                    children: 0,
                    indent,
                });
            }
            Visit::OpenAttribute(_) => {
                prefix(&mut out, &mut levels);
                let indent = current_column(&out);
                levels.push(Level {
                    style: Style::Pairs("|"),
                    children: 0,
                    indent,
                });
            }
            Visit::Close(_) | Visit::CloseAttribute => {
                levels.pop();
            }
        }
    }
    out
}

trait AggregateLen {
    fn aggregate_len(&self) -> Option<usize>;
}

impl AggregateLen for Frame {
    fn aggregate_len(&self) -> Option<usize> {
        self.items()
            .map(<[Frame]>::len)
            .or_else(|| self.pairs().map(<[(Frame, Frame)]>::len))
            .filter(|_| !matches!(self, Frame::Attributed(_)))
    }
}

fn current_column(out: &str) -> usize {
    out.len() - out.rfind('\n').map_or(0, |newline| newline + 1)
}

/// Starts a child: a new line (unless first), then its number, or ` => `
/// before a map value.
fn prefix(out: &mut String, levels: &mut [Level]) {
    let Some(level) = levels.last_mut() else {
        return;
    };
    level.children += 1;
    let index = level.children;
    if matches!(level.style, Style::Pairs(_)) && index % 2 == 0 {
        out.push_str(" => ");
        return;
    }
    if index > 1 {
        out.push('\n');
        out.extend(std::iter::repeat_n(' ', level.indent));
    }
    let _ = match level.style {
        Style::Numbered(marker) => write!(out, "{index}{marker} "),
        Style::Pairs(lead) => write!(out, "{lead}{}# ", index.div_ceil(2)),
        Style::Attributed => Ok(()),
    };
}

fn leaf(out: &mut String, frame: &Frame) {
    let _ = match frame {
        Frame::SimpleString(b) => write!(out, "{}", String::from_utf8_lossy(b)),
        Frame::SimpleError(b) | Frame::BulkError(b) => {
            write!(out, "(error) {}", String::from_utf8_lossy(b))
        }
        Frame::Integer(n) => write!(out, "(integer) {n}"),
        Frame::BulkString(b) | Frame::StreamedString(b) => write!(out, "\"{}\"", b.escape_ascii()),
        Frame::Verbatim { text, .. } => write!(out, "\"{}\"", text.escape_ascii()),
        Frame::Double(d) => write!(
            out,
            "(double) {}",
            String::from_utf8_lossy(&double_text(*d))
        ),
        Frame::Boolean(b) => write!(out, "({b})"),
        Frame::BigNumber(b) => write!(out, "(big number) {}", String::from_utf8_lossy(b)),
        Frame::Null(NullKind::Null | NullKind::Bulk) => write!(out, "(nil)"),
        Frame::Null(NullKind::Array) => write!(out, "(nil array)"),
        _ => Ok(()),
    };
}
