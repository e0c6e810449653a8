//! Complete canonical lines of the common types, parsed in one tight pass
//! without touching any state. The fast path (`fast.rs`) applies what this
//! returns with the same transitions as the resumable path; anything it
//! does not accept (partial input, errors, limits, streaming, rare types)
//! goes to the resumable path, which decides every error and edge case.

use super::event::{AggregateKind, NullKind, Piece};
use crate::lex::{self, scalar};
use crate::limits::Limits;

/// One complete canonical line at `input[at..]`.
#[derive(Debug)]
pub(super) enum Line {
    /// A whole scalar (a bulk string with its payload), and where the next
    /// line starts.
    Scalar(Piece, usize),
    /// A counted aggregate's header: its count on the wire, the elements it
    /// announces (a map's pairs count twice), and where its first element starts.
    Aggregate(AggregateKind, u64, u64, usize),
    /// A bulk string header whose payload has not all arrived: its length and
    /// where its payload starts.
    BulkHeader(usize, usize),
}

/// What the fast path needs of the bounds and the protocol, in one place
/// the reader keeps in step with them, and copies out so a run of elements
/// can be parsed while its open aggregate is borrowed.
#[derive(Debug, Clone, Copy)]
pub(super) struct Rules {
    pub(super) max_line_len: usize,
    pub(super) max_aggregate_len: u64,
    /// The longest payload handed out whole.
    pub(super) max_whole_payload: u64,
    pub(super) resp3: bool,
}

impl Rules {
    pub(super) fn new(limits: &Limits, max_whole_payload: u64, resp3: bool) -> Self {
        Self {
            max_line_len: limits.max_line_len,
            max_aggregate_len: limits.max_aggregate_len,
            max_whole_payload,
            resp3,
        }
    }
}

/// Parses the complete canonical line at `input[at..]`, touching no state.
#[inline(always)]
pub(super) fn line(input: &[u8], at: usize, rules: &Rules) -> Option<Line> {
    let (&type_byte, content) = input.get(at..)?.split_first()?;
    let start = at + 1;
    let max_line = rules.max_line_len;
    Some(match type_byte {
        b'+' | b'-' => {
            let len = lex::text_line(content, max_line)?;
            let range = start..start + len;
            let piece = match (type_byte, &content[..len]) {
                (b'+', b"OK") => Piece::Ok,
                (b'+', _) => Piece::Simple(range),
                _ => Piece::Error(range),
            };
            Line::Scalar(piece, start + len + 2)
        }
        b':' => {
            let (value, len) = lex::integer(content, max_line)?;
            Line::Scalar(Piece::Integer(value), start + len + 2)
        }
        b'$' if content.starts_with(b"-1\r\n") => Line::Scalar(Piece::Null(NullKind::Bulk), at + 5),
        b'*' if content.starts_with(b"-1\r\n") => {
            Line::Scalar(Piece::Null(NullKind::Array), at + 5)
        }
        b'$' => {
            let (len, line) = lex::length(content, max_line)?;
            if len > rules.max_whole_payload {
                return None;
            }
            let from = start + line + 2;
            let len = usize::try_from(len).ok()?;
            let to = from.checked_add(len)?;
            match input.get(to..to.checked_add(2)?) {
                Some(b"\r\n") => Line::Scalar(Piece::Bulk(from..to), to + 2),
                // Only the payload is missing; anything else there is for
                // the resumable path to judge.
                None if input.len() <= to => Line::BulkHeader(len, from),
                _ => return None,
            }
        }
        b'*' | b'%' | b'~' | b'>' => {
            let (kind, scale) = match type_byte {
                b'*' => (AggregateKind::Array, 1),
                _ if !rules.resp3 => return None,
                b'%' => (AggregateKind::Map, 2),
                b'~' => (AggregateKind::Set, 1),
                _ => (AggregateKind::Push, 1),
            };
            let (len, line) = lex::length(content, max_line)?;
            let elements = len.checked_mul(scale)?;
            if elements > rules.max_aggregate_len {
                return None;
            }
            Line::Aggregate(kind, len, elements, start + line + 2)
        }
        _ if !rules.resp3 => return None,
        b'#' => match content.get(..3)? {
            b"t\r\n" => Line::Scalar(Piece::Boolean(true), at + 4),
            b"f\r\n" => Line::Scalar(Piece::Boolean(false), at + 4),
            _ => return None,
        },
        b'_' if content.starts_with(b"\r\n") => Line::Scalar(Piece::Null(NullKind::Null), at + 3),
        b',' | b'(' => {
            let len = lex::text_line(content, max_line)?;
            let text = &content[..len];
            let piece = if type_byte == b',' {
                Piece::Double(scalar::double(text).ok()?)
            } else {
                scalar::big_number(text).ok()?;
                Piece::BigNumber(start..start + len)
            };
            Line::Scalar(piece, start + len + 2)
        }
        _ => return None,
    })
}
