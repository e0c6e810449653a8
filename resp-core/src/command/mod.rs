//! [`CommandDecoder`]: client requests as argument vectors, the way Redis reads them.

mod error;
mod inline;
mod limits;

pub use error::{CommandError, CommandErrorKind};
pub use limits::{CommandLimits, PreAuthLimits};

use alloc::vec::Vec;
use bytes::{Buf, Bytes, BytesMut};

/// Reads client requests into argument vectors, as a Redis server does.
///
/// A request starting with `*` is a multibulk request: a count, then that many
/// `$` bulk strings. Anything else is an inline request, one line split with
/// Redis's `sdssplitargs` rules (see [`decode`](Self::decode)). `*0`, negative
/// counts and empty lines are skipped, as Redis skips them.
///
/// Arguments are [`Bytes`] slices of the buffer (quoted inline words aside),
/// and the vector holding them is reused, so steady-state decoding allocates
/// nothing per command. Progress is kept between calls, so a request split
/// across reads is never scanned twice, and
/// [`pending_bulk`](Self::pending_bulk) tells the IO layer how much of a large
/// argument is still to come so it can size its buffer once.
///
/// The rules are Redis's, not the frame decoder's (for example a count is
/// read up to its CR, and lengths follow `string2ll`), so this has its own
/// small state machine. It is stricter than Redis in one way: a CR must be
/// followed by LF and bulk data by CRLF, where Redis skips two bytes unseen.
///
/// ```
/// use bytes::BytesMut;
/// use resp_core::CommandDecoder;
///
/// let mut decoder = CommandDecoder::new();
/// let mut buf = BytesMut::from(&b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\nGET \"k\"\r\n"[..]);
/// let command = decoder.decode(&mut buf).unwrap().unwrap();
/// assert_eq!(command.args(), ["SET", "k", "v"]);
/// assert_eq!(command.wire_len(), 27);
/// let command = decoder.decode(&mut buf).unwrap().unwrap();
/// assert_eq!(command.args(), ["GET", "k"]);
/// assert!(decoder.decode(&mut buf).unwrap().is_none());
/// ```
#[derive(Debug, Default)]
pub struct CommandDecoder {
    limits: CommandLimits,
    state: State,
    /// Multibulk arguments still to come.
    remaining_args: u64,
    argv: Vec<Bytes>,
    /// Where the arguments of a multibulk request lie, for the fast path.
    ranges: Vec<core::ops::Range<usize>>,
    scratch: Vec<u8>,
    /// Bytes taken for the command in progress.
    wire_len: usize,
    position: u64,
    pending_bulk: Option<usize>,
    /// The last call returned a command, whose arguments go at the next call.
    delivered: bool,
    failed: Option<CommandError>,
}

#[derive(Debug, Clone, Copy, Default)]
enum State {
    /// Between requests.
    #[default]
    Start,
    /// Reading an inline line; `scanned` bytes hold no LF.
    Inline { scanned: usize },
    /// Reading the `*` line; `scanned` content bytes hold no CR.
    Count { scanned: usize },
    /// Reading a `$` line.
    BulkHeader { scanned: usize },
    /// Waiting for `len` bytes of bulk data and its CRLF.
    Bulk { len: usize },
}

/// One decoded request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Command<'a> {
    args: &'a [Bytes],
    wire_len: usize,
}

impl<'a> Command<'a> {
    /// The arguments, the command name first. Never empty.
    pub fn args(&self) -> &'a [Bytes] {
        self.args
    }

    /// The command name as sent (compare case-insensitively).
    pub fn name(&self) -> &'a [u8] {
        &self.args[0]
    }

    /// Bytes this request took on the wire, including any empty requests
    /// skipped just before it, for per-command traffic statistics.
    pub fn wire_len(&self) -> usize {
        self.wire_len
    }
}

/// What one step of the state machine did.
enum Flow {
    Continue,
    NeedMore,
    Done,
}

type Fault = (CommandErrorKind, usize);

/// How far a header line got.
enum Line {
    /// The CRLF was found after this many content bytes.
    Complete(usize),
    /// No CRLF yet; resume scanning the content here.
    Partial(usize),
}

impl CommandDecoder {
    /// A decoder with Redis's bounds for an authenticated connection.
    pub fn new() -> Self {
        Self::default()
    }

    /// A decoder with the given bounds.
    pub fn with_limits(limits: CommandLimits) -> Self {
        Self {
            limits,
            ..Self::default()
        }
    }

    /// The bounds in force.
    pub fn limits(&self) -> &CommandLimits {
        &self.limits
    }

    /// Replaces the bounds, for example once the client has authenticated.
    pub fn set_limits(&mut self, limits: CommandLimits) {
        self.limits = limits;
    }

    /// Bytes consumed since creation or the last reset.
    pub fn position(&self) -> u64 {
        self.position
    }

    /// Whether no request is in progress.
    pub fn is_idle(&self) -> bool {
        matches!(self.state, State::Start)
    }

    /// After a call that needed more input while a bulk argument was arriving:
    /// how many more bytes that argument (with its CRLF) needs. Reserving
    /// them at once reads a 512 MiB `SET` into a buffer sized once.
    pub fn pending_bulk(&self) -> Option<usize> {
        self.pending_bulk
    }

    /// Forgets the request in progress and any error.
    pub fn reset(&mut self) {
        let limits = self.limits;
        *self = Self::with_limits(limits);
    }

    /// Decodes the next request from `src`.
    ///
    /// `Ok(None)` means more bytes are needed. After an `Err` the connection
    /// should be answered with `-ERR <error>` and closed, as Redis does; the
    /// same error is returned until [`reset`](Self::reset).
    ///
    /// Inline requests follow `sdssplitargs`: words split at spaces and tabs;
    /// in double quotes `\n \r \t \b \a \\ \"` and `\xHH` escapes; in single
    /// quotes only `\'`; a closing quote must be followed by a space or the
    /// end; the line ends at LF with an optional CR before it.
    pub fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Command<'_>>, CommandError> {
        if let Some(error) = self.failed {
            return Err(error);
        }
        if self.delivered {
            self.delivered = false;
            self.argv.clear();
            self.wire_len = 0;
        }
        self.pending_bulk = None;
        loop {
            let flow = match self.state {
                State::Start => self.start(src),
                State::Inline { scanned } => self.inline(src, scanned),
                State::Count { scanned } => self.count(src, scanned),
                State::BulkHeader { scanned } => self.bulk_header(src, scanned),
                State::Bulk { len } => self.bulk(src, len),
            };
            match flow {
                Ok(Flow::Continue) => {}
                Ok(Flow::NeedMore) => return Ok(None),
                Ok(Flow::Done) => {
                    self.state = State::Start;
                    self.delivered = true;
                    return Ok(Some(Command {
                        args: &self.argv,
                        wire_len: self.wire_len,
                    }));
                }
                Err((kind, index)) => {
                    let error = CommandError::new(kind, self.position + index as u64);
                    self.failed = Some(error);
                    return Err(error);
                }
            }
        }
    }

    fn consume(&mut self, src: &mut BytesMut, n: usize) {
        src.advance(n);
        self.position += n as u64;
        self.wire_len += n;
    }

    fn start(&mut self, src: &mut BytesMut) -> Result<Flow, Fault> {
        self.state = match src.first() {
            None => return Ok(Flow::NeedMore),
            Some(b'*') => {
                if let Some(len) = self.whole_multibulk(src) {
                    self.position += len as u64;
                    self.wire_len += len;
                    return Ok(Flow::Done);
                }
                State::Count { scanned: 0 }
            }
            Some(_) => State::Inline { scanned: 0 },
        };
        Ok(Flow::Continue)
    }

    /// The fast path: a complete multibulk request of canonical, in-bounds
    /// lines, parsed in one pass and split off the buffer once. Anything else
    /// (partial, empty, over a limit, malformed) is left to the state machine,
    /// which decides it exactly as Redis would.
    fn whole_multibulk(&mut self, src: &mut BytesMut) -> Option<usize> {
        let input: &[u8] = src;
        let max_line = self.limits.max_line_len;
        let (max_args, max_bulk) = match self.limits.pre_auth {
            Some(pre_auth) => (
                pre_auth.max_args.min(self.limits.max_args),
                pre_auth.max_bulk_len.min(self.limits.max_bulk_len),
            ),
            None => (self.limits.max_args, self.limits.max_bulk_len),
        };
        let (count, line) = crate::reader::fast::length(&input[1..], max_line)?;
        if count == 0 || count > max_args {
            return None;
        }
        self.ranges.clear();
        let mut at = line + 3;
        for _ in 0..count {
            let rest = input.get(at..)?;
            if rest.first() != Some(&b'$') {
                return None;
            }
            let (len, line) = crate::reader::fast::length(&rest[1..], max_line)?;
            if len > max_bulk {
                return None;
            }
            let from = at + line + 3;
            let to = from.checked_add(usize::try_from(len).ok()?)?;
            if input.get(to..to.checked_add(2)?) != Some(b"\r\n") {
                return None;
            }
            self.ranges.push(from..to);
            at = to + 2;
        }
        let mut data = src.split_to(at).freeze();
        // Every argument but the last is a new reference to the request's
        // bytes; the last takes over the request's own reference, which
        // saves a reference-count increment and decrement per command.
        let (last, others) = self.ranges.split_last()?;
        self.argv
            .extend(others.iter().map(|range| data.slice(range.clone())));
        data.truncate(last.end);
        data.advance(last.start);
        self.argv.push(data);
        Some(at)
    }

    fn inline(&mut self, src: &mut BytesMut, scanned: usize) -> Result<Flow, Fault> {
        let max = self.limits.max_line_len;
        // A line of `max` bytes may still be followed by CR LF.
        let window = src.len().min(max.saturating_add(2));
        let Some(found) = memchr::memchr(b'\n', &src[scanned..window]) else {
            // Past `max` bytes only a CR that an LF follows may remain.
            let too_big =
                src.get(max).is_some_and(|&b| b != b'\r') || window > max.saturating_add(1);
            if too_big {
                return Err((CommandErrorKind::TooBigInlineRequest, max));
            }
            self.state = State::Inline { scanned: window };
            return Ok(Flow::NeedMore);
        };
        let newline = scanned + found;
        let end = if newline > 0 && src[newline - 1] == b'\r' {
            newline - 1
        } else {
            newline
        };
        if end > max {
            return Err((CommandErrorKind::TooBigInlineRequest, max));
        }
        let line = src.split_to(newline + 1).freeze();
        inline::split_args(&line.slice(..end), &mut self.argv, &mut self.scratch)
            .map_err(|()| (CommandErrorKind::UnbalancedQuotes, 0))?;
        self.position += line.len() as u64;
        self.wire_len += line.len();
        if self.argv.is_empty() {
            self.state = State::Start;
            return Ok(Flow::Continue);
        }
        Ok(Flow::Done)
    }

    /// Finds the CR ending a `*` or `$` line, scanning the content after the
    /// type byte from `scanned`.
    fn header_line(
        &self,
        src: &[u8],
        scanned: usize,
        too_big: CommandErrorKind,
    ) -> Result<Line, Fault> {
        let content = &src[1..];
        let max = self.limits.max_line_len;
        let window = content.len().min(max.saturating_add(1));
        let Some(found) = memchr::memchr(b'\r', &content[scanned..window]) else {
            if window > max {
                return Err((too_big, 1 + max));
            }
            return Ok(Line::Partial(window));
        };
        let cr = scanned + found;
        match content.get(cr + 1) {
            None => Ok(Line::Partial(cr)),
            Some(b'\n') => Ok(Line::Complete(cr)),
            Some(_) => Err((CommandErrorKind::ExpectedCrlf, 1 + cr + 1)),
        }
    }

    fn count(&mut self, src: &mut BytesMut, scanned: usize) -> Result<Flow, Fault> {
        let len = match self.header_line(src, scanned, CommandErrorKind::TooBigMbulkCount)? {
            Line::Complete(len) => len,
            Line::Partial(scanned) => {
                self.state = State::Count { scanned };
                return Ok(Flow::NeedMore);
            }
        };
        let count = match string_to_i64(&src[1..1 + len]) {
            Some(n) if n > 0 && n as u64 > self.limits.max_args => None,
            other => other,
        };
        let Some(count) = count else {
            return Err((CommandErrorKind::InvalidMultibulkLength, 0));
        };
        if let Some(pre_auth) = self.limits.pre_auth {
            if count > 0 && count as u64 > pre_auth.max_args {
                return Err((CommandErrorKind::UnauthenticatedMultibulkLength, 0));
            }
        }
        self.consume(src, len + 3);
        if count <= 0 {
            // An empty request: Redis skips it.
            self.state = State::Start;
            return Ok(Flow::Continue);
        }
        self.remaining_args = count as u64;
        self.state = State::BulkHeader { scanned: 0 };
        Ok(Flow::Continue)
    }

    fn bulk_header(&mut self, src: &mut BytesMut, scanned: usize) -> Result<Flow, Fault> {
        if src.is_empty() {
            return Ok(Flow::NeedMore);
        }
        let len = match self.header_line(src, scanned, CommandErrorKind::TooBigBulkCount)? {
            Line::Complete(len) => len,
            Line::Partial(scanned) => {
                self.state = State::BulkHeader { scanned };
                return Ok(Flow::NeedMore);
            }
        };
        if src[0] != b'$' {
            return Err((CommandErrorKind::ExpectedDollar(src[0]), 0));
        }
        let bulk_len = match string_to_i64(&src[1..1 + len]) {
            Some(n) if n >= 0 && n as u64 <= self.limits.max_bulk_len => n as u64,
            _ => return Err((CommandErrorKind::InvalidBulkLength, 0)),
        };
        if let Some(pre_auth) = self.limits.pre_auth {
            if bulk_len > pre_auth.max_bulk_len {
                return Err((CommandErrorKind::UnauthenticatedBulkLength, 0));
            }
        }
        self.consume(src, len + 3);
        let Ok(bulk_len) = usize::try_from(bulk_len) else {
            return Err((CommandErrorKind::InvalidBulkLength, 0));
        };
        self.state = State::Bulk { len: bulk_len };
        Ok(Flow::Continue)
    }

    fn bulk(&mut self, src: &mut BytesMut, len: usize) -> Result<Flow, Fault> {
        if src.get(len).is_some_and(|&b| b != b'\r') {
            return Err((CommandErrorKind::ExpectedCrlf, len));
        }
        if src.get(len + 1).is_some_and(|&b| b != b'\n') {
            return Err((CommandErrorKind::ExpectedCrlf, len + 1));
        }
        let needed = len + 2;
        if src.len() < needed {
            self.pending_bulk = Some(needed - src.len());
            return Ok(Flow::NeedMore);
        }
        let arg = src.split_to(len).freeze();
        self.argv.push(arg);
        self.position += len as u64;
        self.wire_len += len;
        self.consume(src, 2);
        self.remaining_args -= 1;
        if self.remaining_args == 0 {
            return Ok(Flow::Done);
        }
        self.state = State::BulkHeader { scanned: 0 };
        Ok(Flow::Continue)
    }
}

/// Redis's `string2ll`: an optional `-`, then `0` alone or digits without a
/// leading zero, fitting in an `i64`. No `+`, no spaces.
fn string_to_i64(text: &[u8]) -> Option<i64> {
    let (negative, digits) = match text.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, text),
    };
    match digits {
        [b'0'] if !negative => return Some(0),
        [b'1'..=b'9', ..] => {}
        _ => return None,
    }
    let mut value: i64 = 0;
    for &byte in digits {
        if !byte.is_ascii_digit() {
            return None;
        }
        let digit = i64::from(byte - b'0');
        value = value.checked_mul(10)?;
        value = if negative {
            value.checked_sub(digit)?
        } else {
            value.checked_add(digit)?
        };
    }
    Some(value)
}

#[cfg(test)]
mod tests {
    use super::string_to_i64;

    #[test]
    fn string2ll_rules() {
        assert_eq!(string_to_i64(b"0"), Some(0));
        assert_eq!(string_to_i64(b"-1"), Some(-1));
        assert_eq!(string_to_i64(b"9223372036854775807"), Some(i64::MAX));
        assert_eq!(string_to_i64(b"-9223372036854775808"), Some(i64::MIN));
        for bad in [
            &b""[..],
            b"-",
            b"-0",
            b"01",
            b"+1",
            b" 1",
            b"1 ",
            b"9223372036854775808",
            b"1a",
        ] {
            assert_eq!(string_to_i64(bad), None, "{}", bad.escape_ascii());
        }
    }
}
