//! The resumable path's header states: a type byte, then its line, scanned
//! across as many reads as it takes, with every check and every error.

use super::event::{AggregateKind, BlobKind, Event, NullKind};
use super::line;
use super::number::{Fault, LengthRule, Number, NumberRule};
use super::{Flow, OpenAggregate, PayloadKind, Reader, State};
use crate::error::{DecodeErrorKind, Limit};
use crate::lex::scalar;

impl Reader {
    pub(super) fn header<'a>(
        &mut self,
        input: &'a [u8],
        at: &mut usize,
    ) -> Result<Flow<'a>, Fault> {
        if let Some(top) = self.open.last() {
            if top.remaining == Some(0) {
                return Ok(Flow::Emit(Event::AggregateEnd(self.close_top())));
            }
        }
        let start = *at;
        let Some(&type_byte) = input.get(start) else {
            return Ok(Flow::NeedMore);
        };
        // The line either completes here or is still partial when this
        // returns, which `read_resumable` then records.
        self.state = State::Header;
        self.check_type_byte(type_byte)
            .map_err(|kind| (kind, start))?;
        let content = &input[start + 1..];
        let max_line_len = self.limits.max_line_len;
        let text = match type_byte {
            b'+' | b'-' | b',' | b'(' | b'_' | b'#' | b'.' => {
                match line::scan_text_line(content, &mut self.line.text_scanned, max_line_len) {
                    Ok(Some(len)) => &content[..len],
                    Ok(None) => return Ok(Flow::NeedMore),
                    Err((kind, index)) => return Err((kind, start + 1 + index)),
                }
            }
            _ => return self.number_header(input, at, type_byte),
        };
        *at = start + 1 + text.len() + 2;
        let located = |(kind, index): Fault| (kind, start + 1 + index);
        let event = match type_byte {
            b'+' => Event::SimpleString(text),
            b'-' => Event::SimpleError(text),
            b',' => Event::Double(scalar::double(text).map_err(located)?),
            b'(' => {
                scalar::big_number(text).map_err(located)?;
                Event::BigNumber(text)
            }
            b'_' => {
                scalar::null(text).map_err(located)?;
                Event::Null(NullKind::Null)
            }
            b'#' => Event::Boolean(scalar::boolean(text).map_err(located)?),
            _ => {
                if !text.is_empty() {
                    return Err((DecodeErrorKind::BadStream, start + 1));
                }
                return Ok(Flow::Emit(Event::AggregateEnd(self.close_top())));
            }
        };
        self.complete_value();
        Ok(Flow::Emit(event))
    }

    /// Everything the type byte alone decides.
    fn check_type_byte(&mut self, type_byte: u8) -> Result<(), DecodeErrorKind> {
        let resp3_only = match type_byte {
            b'+' | b'-' | b':' | b'$' | b'*' => false,
            b'_' | b',' | b'#' | b'!' | b'=' | b'(' | b'%' | b'~' | b'>' | b'|' | b'.' => true,
            b';' if self.protocol.allows_resp3_types() => return Err(DecodeErrorKind::BadStream),
            other => return Err(DecodeErrorKind::BadTypeByte(other)),
        };
        if resp3_only && !self.protocol.allows_resp3_types() {
            return Err(if type_byte == b'.' {
                DecodeErrorKind::BadTypeByte(type_byte)
            } else {
                DecodeErrorKind::Resp3OnlyType(type_byte)
            });
        }
        if type_byte == b'.' {
            if self.after_attribute {
                return Err(DecodeErrorKind::BadAttribute);
            }
            return match self.open.last() {
                Some(top) if top.remaining.is_none() => {
                    if top.kind == AggregateKind::Map && top.seen % 2 == 1 {
                        Err(DecodeErrorKind::BadStream)
                    } else {
                        Ok(())
                    }
                }
                _ => Err(DecodeErrorKind::BadStream),
            };
        }
        self.after_attribute = false;
        if type_byte == b'>' && !self.open.is_empty() {
            return Err(DecodeErrorKind::BadPush);
        }
        if type_byte != b'|' {
            if let Some(top) = self.open.last() {
                if top.remaining.is_none() && top.seen >= self.limits.max_aggregate_len {
                    return Err(DecodeErrorKind::LimitExceeded(Limit::AggregateLen));
                }
            }
        }
        Ok(())
    }

    fn number_header<'a>(
        &mut self,
        input: &'a [u8],
        at: &mut usize,
        type_byte: u8,
    ) -> Result<Flow<'a>, Fault> {
        let start = *at;
        let rule = self.number_rule(type_byte);
        let Some(number) = self.number_line(input, at, rule)? else {
            return Ok(Flow::NeedMore);
        };
        let event = match (type_byte, number) {
            (b':', Number::Value(n)) => Event::Integer(n),
            (b'$', Number::Null) => Event::Null(NullKind::Bulk),
            (b'*', Number::Null) => Event::Null(NullKind::Array),
            (b'$', Number::Streamed) => {
                self.streamed_total = 0;
                self.state = State::StreamedChunkHeader;
                return Ok(Flow::Emit(Event::BlobStart {
                    kind: BlobKind::BulkString,
                    len: None,
                }));
            }
            (b'$' | b'!' | b'=', Number::Value(len)) => {
                return self.payload_header(type_byte, len as u64, start);
            }
            (_, number) => return self.open_aggregate(type_byte, number, start),
        };
        self.complete_value();
        Ok(Flow::Emit(event))
    }

    /// Continues the number line whose type byte is at `input[*at]`; once its
    /// CRLF is in, moves `at` past it and returns the number.
    fn number_line(
        &mut self,
        input: &[u8],
        at: &mut usize,
        rule: NumberRule,
    ) -> Result<Option<Number>, Fault> {
        let start = *at;
        let content = &input[start + 1..];
        match self
            .line
            .number
            .scan(content, rule, self.limits.max_line_len)
        {
            Ok(Some((number, len))) => {
                *at = start + 1 + len + 2;
                Ok(Some(number))
            }
            Ok(None) => Ok(None),
            Err((kind, index)) => Err((kind, start + 1 + index)),
        }
    }

    fn number_rule(&self, type_byte: u8) -> NumberRule {
        // A `?` on a type that cannot stream: in RESP2 it is just a bad length.
        let cannot_stream = Some(if self.protocol.allows_resp3_types() {
            DecodeErrorKind::BadStream
        } else {
            DecodeErrorKind::BadLength
        });
        let can_stream = if self.protocol.allows_resp3_types() {
            None
        } else {
            cannot_stream
        };
        let bulk = LengthRule {
            null: false,
            question: cannot_stream,
            limit: self.limits.max_bulk_len,
            scale: 1,
            limit_kind: Limit::BulkLen,
        };
        let aggregate = LengthRule {
            limit: self.limits.max_aggregate_len,
            limit_kind: Limit::AggregateLen,
            ..bulk
        };
        NumberRule::Length(match type_byte {
            b':' => return NumberRule::Integer,
            b'$' => LengthRule {
                null: true,
                question: can_stream,
                ..bulk
            },
            b'!' | b'=' => bulk,
            b'*' => LengthRule {
                null: true,
                question: can_stream,
                ..aggregate
            },
            b'~' => LengthRule {
                question: can_stream,
                ..aggregate
            },
            b'%' => LengthRule {
                question: can_stream,
                scale: 2,
                ..aggregate
            },
            b'|' => LengthRule {
                scale: 2,
                ..aggregate
            },
            _ => aggregate, // `>`
        })
    }

    fn payload_header<'a>(
        &mut self,
        type_byte: u8,
        len: u64,
        start: usize,
    ) -> Result<Flow<'a>, Fault> {
        let kind = match type_byte {
            b'$' => PayloadKind::Bulk,
            b'!' => PayloadKind::Error,
            _ => PayloadKind::Verbatim,
        };
        if kind == PayloadKind::Verbatim && len < 4 {
            return Err((DecodeErrorKind::BadVerbatim, start + 1));
        }
        let whole = usize::try_from(len)
            .ok()
            .filter(|_| len <= self.chunk_threshold);
        if let Some(len) = whole {
            self.state = State::Payload { kind, len };
            return Ok(Flow::Continue);
        }
        let blob_kind = match kind {
            PayloadKind::Verbatim => {
                self.state = State::VerbatimPrefix { len };
                return Ok(Flow::Continue);
            }
            PayloadKind::Bulk => BlobKind::BulkString,
            PayloadKind::Error => BlobKind::BulkError,
        };
        self.state = State::Chunks {
            remaining: len,
            streamed: false,
        };
        Ok(Flow::Emit(Event::BlobStart {
            kind: blob_kind,
            len: Some(len),
        }))
    }

    fn open_aggregate<'a>(
        &mut self,
        type_byte: u8,
        number: Number,
        start: usize,
    ) -> Result<Flow<'a>, Fault> {
        let kind = match type_byte {
            b'*' => AggregateKind::Array,
            b'%' => AggregateKind::Map,
            b'~' => AggregateKind::Set,
            b'>' => AggregateKind::Push,
            _ => AggregateKind::Attribute,
        };
        if self.open.len() >= self.limits.max_depth {
            return Err((DecodeErrorKind::LimitExceeded(Limit::Depth), start));
        }
        let len = match number {
            Number::Value(n) => Some(n as u64),
            _ => None,
        };
        let scale = if matches!(kind, AggregateKind::Map | AggregateKind::Attribute) {
            2
        } else {
            1
        };
        self.open.push(OpenAggregate {
            kind,
            // Bounded by max_aggregate_len, so the product was checked not to overflow.
            remaining: len.map(|n| n * scale),
            seen: 0,
        });
        Ok(Flow::Emit(Event::AggregateStart { kind, len }))
    }

    pub(super) fn streamed_chunk_header<'a>(
        &mut self,
        input: &'a [u8],
        at: &mut usize,
    ) -> Result<Flow<'a>, Fault> {
        let start = *at;
        let Some(&type_byte) = input.get(start) else {
            return Ok(Flow::NeedMore);
        };
        if type_byte != b';' {
            return Err((DecodeErrorKind::BadStream, start));
        }
        let rule = NumberRule::Length(LengthRule {
            null: false,
            question: Some(DecodeErrorKind::BadStream),
            limit: self.limits.max_bulk_len.saturating_sub(self.streamed_total),
            scale: 1,
            limit_kind: Limit::BulkLen,
        });
        let Some(number) = self.number_line(input, at, rule)? else {
            return Ok(Flow::NeedMore);
        };
        match number {
            Number::Value(0) => {
                self.state = State::Header;
                self.complete_value();
                Ok(Flow::Emit(Event::BlobEnd))
            }
            Number::Value(n) => {
                self.streamed_total += n as u64;
                self.state = State::Chunks {
                    remaining: n as u64,
                    streamed: true,
                };
                Ok(Flow::Continue)
            }
            // The rule admits neither `-1` nor `?`.
            Number::Null | Number::Streamed => Err((DecodeErrorKind::BadLength, start + 1)),
        }
    }
}
