//! Incremental parsing of number lines (integers, lengths, counts).
//!
//! Digits are checked as they arrive, so an overflow or a size over a limit
//! is reported at the digit that decides it, before the CRLF, and a header
//! split across reads is never scanned twice.

use crate::error::{DecodeErrorKind, Limit};

/// How the content of a number line is read.
#[derive(Debug, Clone, Copy)]
pub(crate) enum NumberRule {
    /// `:` lines: an optional sign and decimal digits, any `i64`.
    Integer,
    /// Lengths and counts: decimal digits without leading zeros.
    Length(LengthRule),
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct LengthRule {
    /// `-1` is accepted (as a null).
    pub(crate) null: bool,
    /// What `?` as the whole content is: `None` accepts it as streamed,
    /// `Some(kind)` rejects it with that kind.
    pub(crate) question: Option<DecodeErrorKind>,
    /// The largest accepted `value * scale`.
    pub(crate) limit: u64,
    /// 2 for maps and attributes, whose count is of pairs; 1 otherwise.
    pub(crate) scale: u64,
    /// Which limit `limit` is, for the error.
    pub(crate) limit_kind: Limit,
}

/// A complete number line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Number {
    Value(i64),
    /// `-1`.
    Null,
    /// `?`.
    Streamed,
}

/// Progress through one number line, kept between reads.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct NumberScan {
    scanned: usize,
    negative: bool,
    question: bool,
    digits: u32,
    value: u64,
}

/// An error kind and its index in the scanned content.
pub(crate) type Fault = (DecodeErrorKind, usize);

impl NumberScan {
    /// Whether this line's scan has not started.
    pub(crate) fn is_fresh(&self) -> bool {
        self.scanned == 0
    }

    /// Continues scanning `content` (the bytes after the type byte). Returns the
    /// number and the content length (before CR) once the CRLF is seen.
    pub(crate) fn scan(
        &mut self,
        content: &[u8],
        rule: NumberRule,
        max_line_len: usize,
    ) -> Result<Option<(Number, usize)>, Fault> {
        let mut i = self.scanned;
        while let Some(&byte) = content.get(i) {
            match byte {
                b'\r' => {
                    let Some(&next) = content.get(i + 1) else {
                        self.scanned = i;
                        return Ok(None);
                    };
                    if next != b'\n' {
                        return Err((DecodeErrorKind::BadCrlf, i + 1));
                    }
                    let number = self.finish(rule).map_err(|kind| (kind, i))?;
                    *self = Self::default();
                    return Ok(Some((number, i)));
                }
                b'\n' => return Err((DecodeErrorKind::BadCrlf, i)),
                _ if i >= max_line_len => {
                    return Err((DecodeErrorKind::LimitExceeded(Limit::LineLen), i));
                }
                _ => {
                    let accepted = match rule {
                        NumberRule::Integer => self.integer_byte(byte, i == 0),
                        NumberRule::Length(rule) => self.length_byte(byte, i == 0, rule),
                    };
                    accepted.map_err(|kind| (kind, i))?;
                }
            }
            i += 1;
        }
        self.scanned = i;
        Ok(None)
    }

    fn integer_byte(&mut self, byte: u8, first: bool) -> Result<(), DecodeErrorKind> {
        if first && (byte == b'-' || byte == b'+') {
            self.negative = byte == b'-';
            return Ok(());
        }
        let digit = decimal(byte).ok_or(DecodeErrorKind::BadInteger)?;
        // i64::MIN's magnitude is one more than i64::MAX.
        let max = i64::MAX as u64 + u64::from(self.negative);
        self.push_digit(digit, max)
    }

    fn length_byte(
        &mut self,
        byte: u8,
        first: bool,
        rule: LengthRule,
    ) -> Result<(), DecodeErrorKind> {
        if self.question || self.negative && self.digits > 0 {
            // `?` and `-1` are complete; only the CR may follow.
            return Err(DecodeErrorKind::BadLength);
        }
        if first && byte == b'?' {
            return match rule.question {
                None => {
                    self.question = true;
                    Ok(())
                }
                Some(kind) => Err(kind),
            };
        }
        if first && byte == b'-' && rule.null {
            self.negative = true;
            return Ok(());
        }
        let digit = decimal(byte).ok_or(DecodeErrorKind::BadLength)?;
        if self.negative {
            return if digit == 1 {
                self.digits = 1;
                Ok(())
            } else {
                Err(DecodeErrorKind::BadLength)
            };
        }
        if self.digits > 0 && self.value == 0 {
            return Err(DecodeErrorKind::BadLength); // a leading zero
        }
        self.push_digit(digit, i64::MAX as u64)?;
        if self.value.saturating_mul(rule.scale) > rule.limit {
            return Err(DecodeErrorKind::LimitExceeded(rule.limit_kind));
        }
        Ok(())
    }

    fn push_digit(&mut self, digit: u8, max: u64) -> Result<(), DecodeErrorKind> {
        self.value = self
            .value
            .checked_mul(10)
            .and_then(|v| v.checked_add(u64::from(digit)))
            .filter(|&v| v <= max)
            .ok_or(DecodeErrorKind::Overflow)?;
        self.digits += 1;
        Ok(())
    }

    /// The number at the CR, or the kind of error the CR is.
    fn finish(&self, rule: NumberRule) -> Result<Number, DecodeErrorKind> {
        match rule {
            NumberRule::Integer if self.digits == 0 => Err(DecodeErrorKind::BadInteger),
            NumberRule::Integer => Ok(Number::Value(if self.negative {
                // value <= 2^63 was checked digit by digit.
                0i64.wrapping_sub_unsigned(self.value)
            } else {
                self.value as i64
            })),
            NumberRule::Length(_) if self.question => Ok(Number::Streamed),
            NumberRule::Length(_) if self.digits == 0 => Err(DecodeErrorKind::BadLength),
            NumberRule::Length(_) if self.negative => Ok(Number::Null),
            NumberRule::Length(_) => Ok(Number::Value(self.value as i64)),
        }
    }
}

fn decimal(byte: u8) -> Option<u8> {
    byte.is_ascii_digit().then(|| byte - b'0')
}

#[cfg(test)]
mod tests {
    use super::*;

    const BULK: NumberRule = NumberRule::Length(LengthRule {
        null: true,
        question: None,
        limit: 1000,
        scale: 1,
        limit_kind: Limit::BulkLen,
    });

    fn scan_whole(content: &[u8], rule: NumberRule) -> Result<Option<(Number, usize)>, Fault> {
        NumberScan::default().scan(content, rule, 64)
    }

    #[test]
    fn integers_cover_the_whole_i64_range() {
        let min = scan_whole(b"-9223372036854775808\r\n", NumberRule::Integer);
        assert_eq!(min, Ok(Some((Number::Value(i64::MIN), 20))));
        let max = scan_whole(b"+9223372036854775807\r\n", NumberRule::Integer);
        assert_eq!(max, Ok(Some((Number::Value(i64::MAX), 20))));
        let over = scan_whole(b"9223372036854775808\r\n", NumberRule::Integer);
        assert_eq!(over, Err((DecodeErrorKind::Overflow, 18)));
    }

    #[test]
    fn lengths_reject_what_is_not_canonical() {
        assert_eq!(scan_whole(b"-1\r\n", BULK), Ok(Some((Number::Null, 2))));
        assert_eq!(scan_whole(b"?\r\n", BULK), Ok(Some((Number::Streamed, 1))));
        assert_eq!(scan_whole(b"0\r\n", BULK), Ok(Some((Number::Value(0), 1))));
        assert_eq!(
            scan_whole(b"01\r\n", BULK),
            Err((DecodeErrorKind::BadLength, 1))
        );
        assert_eq!(
            scan_whole(b"-2\r\n", BULK),
            Err((DecodeErrorKind::BadLength, 1))
        );
        assert_eq!(
            scan_whole(b"-10\r\n", BULK),
            Err((DecodeErrorKind::BadLength, 2))
        );
        assert_eq!(
            scan_whole(b"+1\r\n", BULK),
            Err((DecodeErrorKind::BadLength, 0))
        );
        assert_eq!(
            scan_whole(b"\r\n", BULK),
            Err((DecodeErrorKind::BadLength, 0))
        );
        assert_eq!(
            scan_whole(b"1001\r\n", BULK),
            Err((DecodeErrorKind::LimitExceeded(Limit::BulkLen), 3))
        );
    }

    #[test]
    fn resumes_where_it_stopped() {
        let mut scan = NumberScan::default();
        assert_eq!(scan.scan(b"12", NumberRule::Integer, 64), Ok(None));
        assert_eq!(scan.scan(b"123\r", NumberRule::Integer, 64), Ok(None));
        assert_eq!(
            scan.scan(b"123\r\n", NumberRule::Integer, 64),
            Ok(Some((Number::Value(123), 3)))
        );
    }
}
