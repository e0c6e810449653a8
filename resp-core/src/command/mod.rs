//! [`CommandDecoder`]: client requests as argument vectors, the way Redis reads them.

mod error;
mod inline;
mod limits;
mod multibulk;
mod request;

pub use error::{CommandError, CommandErrorKind};
pub use limits::{CommandLimits, PreAuthLimits};
pub use request::{Command, CommandArgs, Request};

use alloc::vec::Vec;
use bytes::{Buf, Bytes, BytesMut};
use core::ops::Range;

/// Reads client requests into argument vectors, as a Redis server does.
///
/// A request starting with `*` is a multibulk request: a count, then that many
/// `$` bulk strings. Anything else is an inline request, one line split with
/// Redis's `sdssplitargs` rules (see [`decode`](Self::decode)). `*0`, negative
/// counts and empty lines are skipped, as Redis skips them.
///
/// A request leaves the buffer in one piece once it is complete, and its
/// arguments are slices of it (quoted inline words aside, which are
/// unescaped): nothing is copied, and the vector of their positions is
/// reused, so steady-state decoding allocates nothing per command. Progress
/// is kept between calls, so a request split across reads is never scanned
/// twice, and
/// [`bytes_needed`](Self::bytes_needed) tells the IO layer how much of a large
/// argument is still to come so it can size its buffer once.
///
/// The rules are Redis's, not the frame decoder's (for example a count is
/// read up to its CR, and lengths follow `string2ll`), so this has its own
/// small state machine. It is stricter than Redis in one way: a CR must be
/// followed by LF and bulk data by CRLF, where Redis skips two bytes unseen
/// (see [`skipping_bulk_terminators`](Self::skipping_bulk_terminators)).
///
/// ```
/// use bytes::BytesMut;
/// use resp_core::CommandDecoder;
///
/// let mut decoder = CommandDecoder::new();
/// let mut buf = BytesMut::from(&b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\nGET \"k\"\r\n"[..]);
/// let command = decoder.decode(&mut buf).unwrap().unwrap();
/// assert!(command.args().eq([&b"SET"[..], b"k", b"v"]));
/// assert_eq!(command.wire_len(), 27);
/// let command = decoder.decode(&mut buf).unwrap().unwrap();
/// assert!(command.args().eq([&b"GET"[..], b"k"]));
/// assert!(decoder.decode(&mut buf).unwrap().is_none());
/// ```
#[derive(Debug, Default)]
pub struct CommandDecoder {
    limits: CommandLimits,
    state: State,
    /// Multibulk arguments still to come.
    remaining_args: u64,
    /// Bytes of the request in progress parsed so far. They stay in the
    /// buffer until the request is complete, then leave it in one piece.
    parsed: usize,
    /// Where the arguments lie in `request` (or, while parsing, in the buffer).
    ranges: Vec<Range<usize>>,
    /// The bytes of the last request returned.
    request: Bytes,
    /// Quoted inline words, unescaped.
    unquoted: Vec<u8>,
    /// Bytes of skipped empty requests before the one in progress.
    skipped: usize,
    position: u64,
    bytes_needed: Option<usize>,
    failed: Option<CommandError>,
    /// Whether the two bytes after bulk data go unchecked, as in Redis.
    skip_terminators: bool,
}

#[derive(Debug, Clone, Copy, Default)]
enum State {
    /// Between requests.
    #[default]
    Start,
    /// Reading an inline line; `scanned` bytes hold no LF and no NUL.
    Inline { scanned: usize },
    /// An inline line with a NUL byte before any LF: as for Redis, whose C
    /// string search stops at the NUL, its end is never found, and it fails
    /// once it passes the inline limit.
    InlineUnterminated,
    /// Reading the `*` line; `scanned` content bytes hold no CR.
    Count { scanned: usize },
    /// Reading a `$` line.
    BulkHeader { scanned: usize },
    /// Waiting for `len` bytes of bulk data and its CRLF.
    Bulk { len: usize },
}

/// What one step of the state machine did.
enum Flow {
    Continue,
    NeedMore,
    Done,
}

/// An error kind and where it lies, counted from the first byte not parsed
/// before the step that found it.
type Fault = (CommandErrorKind, usize);

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

    /// Skips the two bytes after each bulk argument without looking at
    /// them, as Redis does (`*1\r\n$4\r\nPINGxx` runs `PING`), instead of
    /// refusing anything but CRLF there. A server that must answer exactly
    /// as Redis does turns this on; by default the decoder is stricter.
    ///
    /// ```
    /// use bytes::BytesMut;
    /// use resp_core::CommandDecoder;
    ///
    /// let mut buf = BytesMut::from(&b"*1\r\n$4\r\nPINGxx"[..]);
    /// assert!(CommandDecoder::new().decode(&mut buf.clone()).is_err());
    /// let mut decoder = CommandDecoder::new().skipping_bulk_terminators();
    /// assert_eq!(decoder.decode(&mut buf).unwrap().unwrap().name(), b"PING");
    /// ```
    pub fn skipping_bulk_terminators(mut self) -> Self {
        self.skip_terminators = true;
        self
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

    /// After `Ok(None)` while a bulk argument was arriving: how many bytes
    /// beyond those in the buffer that argument still needs, its CRLF
    /// included (the same meaning as [`Decoder::bytes_needed`](crate::Decoder::bytes_needed)).
    /// Reserving them at once reads a 512 MiB `SET` into a buffer sized once.
    ///
    /// ```
    /// use bytes::BytesMut;
    /// use resp_core::CommandDecoder;
    ///
    /// let mut decoder = CommandDecoder::new();
    /// let mut buf = BytesMut::from(&b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1000\r\nabc"[..]);
    /// assert!(decoder.decode(&mut buf).unwrap().is_none());
    /// assert_eq!(decoder.bytes_needed(), Some(999));
    /// ```
    pub fn bytes_needed(&self) -> Option<usize> {
        self.bytes_needed
    }

    /// While a multibulk request is still arriving (after `Ok(None)`): the
    /// arguments already whole, read from `src`, the buffer given to
    /// [`decode`](Self::decode), which still holds the request from its
    /// first byte. A proxy inspects a large request's command by them
    /// before passing its bytes on as they arrive.
    ///
    /// ```
    /// use bytes::BytesMut;
    /// use resp_core::CommandDecoder;
    ///
    /// let mut decoder = CommandDecoder::new();
    /// let mut buf = BytesMut::from(&b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1000\r\nabc"[..]);
    /// assert!(decoder.decode(&mut buf).unwrap().is_none());
    /// assert_eq!(decoder.args_so_far(&buf).collect::<Vec<_>>(), [&b"SET"[..], b"k"]);
    /// ```
    pub fn args_so_far<'a>(&'a self, src: &'a [u8]) -> impl Iterator<Item = &'a [u8]> + 'a {
        let ranges = match self.state {
            State::BulkHeader { .. } | State::Bulk { .. } => &self.ranges[..],
            _ => &[],
        };
        ranges
            .iter()
            .filter_map(move |range| src.get(range.clone()))
    }

    /// Forgets the request in progress and any error.
    pub fn reset(&mut self) {
        let (limits, skip_terminators) = (self.limits, self.skip_terminators);
        *self = Self::with_limits(limits);
        self.skip_terminators = skip_terminators;
    }

    /// Decodes the next request from `src`.
    ///
    /// `Ok(None)` means more bytes are needed; the bytes of an unfinished
    /// request stay in `src`, and the decoder remembers how far it read them,
    /// so they are never scanned again. After an `Err` the connection should
    /// be answered with `-ERR <error>` and closed, as Redis does; the same
    /// error is returned until [`reset`](Self::reset).
    ///
    /// Inline requests follow `sdssplitargs`: words split at spaces and tabs;
    /// in double quotes `\n \r \t \b \a \\ \"` and `\xHH` escapes; in single
    /// quotes only `\'`; a closing quote must be followed by a space or the
    /// end; the line ends at LF with an optional CR before it.
    pub fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Command<'_>>, CommandError> {
        if let Some(error) = self.failed {
            return Err(error);
        }
        self.bytes_needed = None;
        // Let go of the last request, so the buffer can reuse its space.
        self.request = Bytes::new();
        loop {
            let flow = match self.state {
                State::Start => self.start(src),
                State::Inline { scanned } => self.inline(src, scanned),
                State::InlineUnterminated => self.inline_unterminated(src),
                State::Count { scanned } => self.count(src, scanned),
                State::BulkHeader { scanned } => self.args(src, scanned),
                State::Bulk { len } => self.bulk(src, len),
            };
            match flow {
                Ok(Flow::Continue) => {}
                Ok(Flow::NeedMore) => return Ok(None),
                Ok(Flow::Done) => {
                    let raw_len = match self.state {
                        State::Inline { .. } => self.parsed,
                        _ => {
                            self.request = src.split_to(self.parsed).freeze();
                            self.parsed
                        }
                    };
                    let wire_len = self.skipped + self.parsed;
                    self.position += self.parsed as u64;
                    self.parsed = 0;
                    self.skipped = 0;
                    self.state = State::Start;
                    return Ok(Some(Command {
                        request: &self.request,
                        ranges: &self.ranges,
                        raw_len,
                        wire_len,
                    }));
                }
                Err((kind, index)) => {
                    let offset = self.position + (self.parsed + index) as u64;
                    let error = CommandError::new(kind, offset);
                    self.failed = Some(error);
                    return Err(error);
                }
            }
        }
    }

    /// Drops an empty request of `len` bytes, as Redis does, counting it
    /// towards the next request's wire length.
    fn skip(&mut self, src: &mut BytesMut, len: usize) -> Flow {
        src.advance(len);
        self.position += len as u64;
        self.skipped += len;
        self.state = State::Start;
        Flow::Continue
    }

    fn start(&mut self, src: &mut BytesMut) -> Result<Flow, Fault> {
        self.ranges.clear();
        self.parsed = 0;
        self.state = match src.first() {
            None => return Ok(Flow::NeedMore),
            Some(b'*') => match self.whole_count(src) {
                Some(state) => state,
                None => State::Count { scanned: 0 },
            },
            Some(_) => State::Inline { scanned: 0 },
        };
        Ok(Flow::Continue)
    }

    fn inline(&mut self, src: &mut BytesMut, scanned: usize) -> Result<Flow, Fault> {
        let max = self.limits.max_line_len;
        // A line of `max` bytes may still be followed by CR LF.
        let window = src.len().min(max.saturating_add(2));
        let found = memchr::memchr2(b'\n', 0, &src[scanned..window]);
        if found.is_some_and(|at| src[scanned + at] == 0) {
            self.state = State::InlineUnterminated;
            return self.inline_unterminated(src);
        }
        let Some(found) = found else {
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
        self.unquoted.clear();
        let line_len = newline + 1;
        inline::split_args(&src[..end], line_len, &mut self.ranges, &mut self.unquoted)
            .map_err(|()| (CommandErrorKind::UnbalancedQuotes, 0))?;
        if self.ranges.is_empty() {
            return Ok(self.skip(src, line_len));
        }
        let line = src.split_to(line_len).freeze();
        self.request = if self.unquoted.is_empty() {
            line
        } else {
            // Quoted words follow the line, where their ranges point.
            Bytes::from([&line[..], &self.unquoted].concat())
        };
        self.parsed = line_len;
        Ok(Flow::Done)
    }

    /// Waits, as Redis does, for an inline line that will never end to
    /// pass the limit, then refuses it.
    fn inline_unterminated(&mut self, src: &BytesMut) -> Result<Flow, Fault> {
        let max = self.limits.max_line_len;
        if src.len() > max {
            return Err((CommandErrorKind::TooBigInlineRequest, max));
        }
        Ok(Flow::NeedMore)
    }
}
