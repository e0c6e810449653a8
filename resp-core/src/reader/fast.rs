//! The fast path: a complete canonical line (`canonical.rs`) applied with
//! the same transitions as the resumable path, one event at a time for
//! [`Reader::read`], or as runs of pieces for the Decoder, which builds flat
//! frames straight from them. Both paths give the same events for what the
//! fast path accepts, so every error and edge case has one author.

use super::canonical::{Line, Rules, line};
use super::event::{AggregateKind, Piece};
use super::{OpenAggregate, PayloadKind, Reader, State};
use alloc::vec::Vec;

/// What one fast step did to the reader.
#[derive(Debug)]
pub(super) enum Fast {
    /// A whole scalar value.
    Scalar(Piece),
    /// A counted aggregate opened, with its count on the wire.
    Open(AggregateKind, u64),
    /// The innermost aggregate's elements were all in: it closed.
    Close(AggregateKind),
    /// A bulk header was read; its payload is awaited.
    Payload,
}

/// What [`Reader::read_frame_start`] found.
#[derive(Debug)]
pub(crate) enum Start {
    /// A whole top-level scalar.
    Scalar(Piece),
    /// A counted aggregate, and how the run of its elements ended.
    Aggregate(AggregateKind, Run),
    /// A top-level bulk header; its payload is awaited.
    Payload,
}

/// Why a run of an aggregate's elements stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Run {
    /// The aggregate's last element was read, and it is closed.
    Closed,
    /// A bulk header was read and its payload is awaited.
    Payload,
    /// The next element is not a complete canonical scalar: [`Reader::read`]
    /// goes on from there.
    Stopped,
}

/// Where a run of elements stopped: why, the input position, the elements
/// still expected, and for [`Run::Payload`] the length of the payload awaited.
#[derive(Debug, Clone, Copy)]
struct RunEnd {
    run: Run,
    next: usize,
    remaining: u64,
    payload_len: usize,
}

/// Reads elements at `input[next..]` while they are whole canonical scalars
/// and `remaining` is not zero.
#[inline(always)]
fn run_elements(
    input: &[u8],
    mut next: usize,
    mut remaining: u64,
    rules: Rules,
    pieces: &mut Vec<Piece>,
) -> RunEnd {
    let (run, payload_len) = loop {
        if remaining == 0 {
            break (Run::Closed, 0);
        }
        match line(input, next, &rules) {
            Some(Line::Scalar(piece, end)) => {
                pieces.push(piece);
                next = end;
                remaining -= 1;
            }
            Some(Line::BulkHeader(len, payload)) => {
                next = payload;
                break (Run::Payload, len);
            }
            Some(Line::Aggregate(..)) | None => break (Run::Stopped, 0),
        }
    };
    RunEnd {
        run,
        next,
        remaining,
        payload_len,
    }
}

impl Reader {
    /// One fast step at `input[at..]` in the `Header` state: the step and
    /// where the next line starts, or `None` to leave it to the resumable path.
    #[inline(always)]
    pub(super) fn fast(&mut self, input: &[u8], at: usize) -> Option<(Fast, usize)> {
        if let Some(top) = self.open.last() {
            match top.remaining {
                Some(0) => return Some((Fast::Close(self.close_top()), at)),
                Some(_) => {}
                // Streamed parents bound their growth: the resumable path checks.
                None => return None,
            }
        }
        let fast = match line(input, at, &self.rules)? {
            Line::Scalar(piece, next) => {
                self.complete_value();
                (Fast::Scalar(piece), next)
            }
            Line::Aggregate(kind, len, elements, next) => {
                let depth = self.open.len();
                if depth >= self.limits.max_depth || (kind == AggregateKind::Push && depth > 0) {
                    return None;
                }
                self.open_counted(kind, elements);
                (Fast::Open(kind, len), next)
            }
            Line::BulkHeader(len, from) => {
                self.await_bulk(len);
                (Fast::Payload, from)
            }
        };
        self.after_attribute = false;
        Some(fast)
    }

    fn open_counted(&mut self, kind: AggregateKind, elements: u64) {
        self.open.push(OpenAggregate {
            kind,
            remaining: Some(elements),
            seen: 0,
        });
    }

    fn await_bulk(&mut self, len: usize) {
        self.state = State::Payload {
            kind: PayloadKind::Bulk,
            len,
        };
    }

    /// At a frame start, for the Decoder, which builds top-level scalars
    /// and flat aggregates straight from pieces: a whole scalar, or a counted
    /// aggregate with as many of its elements as are whole canonical scalars
    /// (pushed to `pieces`, their ranges indexing `input`), and where that
    /// leaves the input. An aggregate that completes here never goes on the
    /// stack of open aggregates. `None` when the reader is not at a fresh
    /// frame or the line is not for the fast path; then
    /// [`read`](Self::read) goes on.
    #[inline]
    pub(crate) fn read_frame_start(
        &mut self,
        input: &[u8],
        pieces: &mut Vec<Piece>,
    ) -> Option<(Start, usize)> {
        if !matches!(self.state, State::Header) || !self.open.is_empty() || self.after_attribute {
            return None;
        }
        let rules = self.rules;
        let (start, next) = match line(input, 0, &rules)? {
            Line::Scalar(piece, next) => (Start::Scalar(piece), next),
            Line::Aggregate(kind, _, elements, first) => {
                if self.limits.max_depth == 0 {
                    return None;
                }
                // Room for what the bytes here can hold, never for what the
                // header merely claims, and in bounded steps.
                let here = ((input.len() - first) / MIN_ELEMENT_LEN).min(RESERVE_STEP);
                pieces.reserve(usize::try_from(elements).map_or(here, |n| n.min(here)));
                let end = run_elements(input, first, elements, rules, pieces);
                if end.run != Run::Closed {
                    self.open_counted(kind, end.remaining);
                }
                if end.run == Run::Payload {
                    self.await_bulk(end.payload_len);
                }
                (Start::Aggregate(kind, end.run), end.next)
            }
            Line::BulkHeader(len, from) => {
                self.await_bulk(len);
                (Start::Payload, from)
            }
        };
        self.position += next as u64;
        Some((start, next))
    }

    /// Reads the innermost counted aggregate's elements from `input[*at..]`
    /// while they are whole canonical scalars, pushing them to `pieces`
    /// (their ranges index `input`) and moving `*at` past them; closes the
    /// aggregate when its last element is in.
    #[inline]
    pub(crate) fn read_run(
        &mut self,
        input: &[u8],
        at: &mut usize,
        pieces: &mut Vec<Piece>,
    ) -> Run {
        if !matches!(self.state, State::Header) {
            return Run::Stopped;
        }
        let rules = self.rules;
        let Some(top) = self.open.last_mut() else {
            return Run::Stopped;
        };
        let Some(remaining) = top.remaining else {
            return Run::Stopped;
        };
        let from = *at;
        let end = run_elements(input, from, remaining, rules, pieces);
        top.remaining = Some(end.remaining);
        match end.run {
            Run::Closed => {
                self.close_top();
            }
            Run::Payload => self.await_bulk(end.payload_len),
            Run::Stopped => {}
        }
        if end.next > from {
            self.after_attribute = false;
            self.position += (end.next - from) as u64;
            *at = end.next;
        }
        end.run
    }
}

/// The shortest encoded element, `_\r\n`.
pub(crate) const MIN_ELEMENT_LEN: usize = 3;

/// The most elements reserved at once; beyond it a vector grows as they come.
pub(crate) const RESERVE_STEP: usize = 1 << 16;

#[cfg(test)]
mod tests {
    use super::super::{Event, Reader, State, Step};

    /// After a header line split across reads, the next line takes the fast
    /// path again (a stream cut once must not stay on the slow path).
    #[test]
    fn a_split_line_returns_to_the_fast_path() {
        let mut reader = Reader::new();
        let step = reader.read(b"+O").unwrap();
        assert_eq!(
            step,
            Step {
                consumed: 0,
                event: None
            }
        );
        assert!(matches!(reader.state, State::HeaderPartial));
        let step = reader.read(b"+OK\r\n").unwrap();
        assert_eq!(step.event, Some(Event::SimpleString(b"OK")));
        assert!(matches!(reader.state, State::Header));
        assert!(reader.is_idle());
    }
}
