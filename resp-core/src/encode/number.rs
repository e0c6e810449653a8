//! Writing numbers without allocating.

use bytes::BufMut;
use core::fmt::{self, Write};

/// Decimal digits of `n`, including a minus sign.
pub(crate) fn decimal_len(n: i64) -> usize {
    let sign = usize::from(n < 0);
    sign + unsigned_decimal_len(n.unsigned_abs())
}

/// Decimal digits of `n`.
pub(crate) fn unsigned_decimal_len(n: u64) -> usize {
    n.checked_ilog10().map_or(1, |digits| digits as usize + 1)
}

/// Writes `type_byte`, `n` in decimal and CRLF: every header line.
pub(crate) fn put_header(dst: &mut impl BufMut, type_byte: u8, n: impl itoa::Integer) {
    let mut digits = itoa::Buffer::new();
    dst.put_u8(type_byte);
    dst.put_slice(digits.format(n).as_bytes());
    dst.put_slice(b"\r\n");
}

/// The length of a header line for `n`.
pub(crate) fn header_len(n: usize) -> usize {
    3 + unsigned_decimal_len(n as u64)
}

/// Canonical RESP3 text of a double: `inf`, `-inf`, `nan`, or the shortest
/// decimal that parses back to the same value (`1`, not `1.0`; `-0` keeps its sign).
#[derive(Clone, Copy)]
pub(crate) struct DoubleText {
    buf: [u8; 32],
    len: usize,
}

impl DoubleText {
    pub(crate) fn new(d: f64) -> Self {
        let mut text = Self {
            buf: [0; 32],
            len: 0,
        };
        if d.is_nan() {
            text.push(b"nan");
        } else if d.is_infinite() {
            text.push(if d > 0.0 { b"inf" } else { b"-inf" });
        } else {
            // `{:?}` is the shortest round-trip form, with an exponent for
            // very large and small magnitudes; it always fits in 32 bytes.
            let _ = write!(text, "{d:?}");
            if text.as_bytes().ends_with(b".0") {
                text.len -= 2;
            }
        }
        text
    }

    pub(crate) fn as_bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }

    fn push(&mut self, bytes: &[u8]) {
        let end = (self.len + bytes.len()).min(self.buf.len());
        self.buf[self.len..end].copy_from_slice(&bytes[..end - self.len]);
        self.len = end;
    }
}

impl Write for DoubleText {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.push(s.as_bytes());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_lengths() {
        assert_eq!(decimal_len(0), 1);
        assert_eq!(decimal_len(9), 1);
        assert_eq!(decimal_len(10), 2);
        assert_eq!(decimal_len(-10), 3);
        assert_eq!(decimal_len(i64::MIN), 20);
        assert_eq!(unsigned_decimal_len(u64::MAX), 20);
    }

    #[test]
    fn doubles_are_short_and_exact() {
        for (value, text) in [
            (1.0, "1"),
            (-0.0, "-0"),
            (2.5e-3, "0.0025"),
            (1e300, "1e300"),
            (0.1, "0.1"),
            (f64::INFINITY, "inf"),
            (f64::NEG_INFINITY, "-inf"),
            (f64::NAN, "nan"),
            (-2.2250738585072014e-308, "-2.2250738585072014e-308"),
        ] {
            assert_eq!(DoubleText::new(value).as_bytes(), text.as_bytes());
        }
    }
}
