//! Writing numbers without allocating.

use bytes::BufMut;
use core::fmt::{self, Write};

/// Decimal digits of `n`, including a minus sign.
pub(crate) fn decimal_len(n: i64) -> usize {
    let sign = usize::from(n < 0);
    sign + unsigned_decimal_len(n.unsigned_abs())
}

/// Decimal digits of `n`. Lengths are mostly small, so counting up through
/// the powers of ten beats a logarithm.
#[inline]
pub(crate) fn unsigned_decimal_len(n: u64) -> usize {
    let mut digits = 1;
    let mut bound = 10u64;
    while n >= bound {
        digits += 1;
        match bound.checked_mul(10) {
            Some(next) => bound = next,
            None => break,
        }
    }
    digits
}

/// Writes `type_byte`, `n` in decimal and CRLF: every header line, assembled
/// on the stack and written with one copy.
#[inline]
pub(crate) fn put_header(
    dst: &mut impl BufMut,
    type_byte: u8,
    n: impl itoa::Integer + TryInto<u8>,
) {
    // Most counts and lengths have one or two digits.
    if let Ok(small) = n.try_into() {
        if small < 100 {
            let (tens, ones) = (b'0' + small / 10, b'0' + small % 10);
            if small < 10 {
                dst.put_slice(&[type_byte, ones, b'\r', b'\n']);
            } else {
                dst.put_slice(&[type_byte, tens, ones, b'\r', b'\n']);
            }
            return;
        }
    }
    let mut digits = itoa::Buffer::new();
    let digits = digits.format(n).as_bytes();
    let mut line = [0u8; 24];
    line[0] = type_byte;
    line[1..=digits.len()].copy_from_slice(digits);
    line[digits.len() + 1..digits.len() + 3].copy_from_slice(b"\r\n");
    dst.put_slice(&line[..digits.len() + 3]);
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
            text.trim_point_zero();
        }
        text
    }

    /// The shortest text of an `f32` argument.
    pub(crate) fn new_f32(f: f32) -> Self {
        if !f.is_finite() {
            return Self::new(f64::from(f));
        }
        let mut text = Self::empty();
        let _ = write!(text, "{f:?}");
        text.trim_point_zero();
        text
    }

    /// C's `%.17g`, the text Redis 7.0 and older send for doubles: 17
    /// significant digits, trailing zeros removed, an exponent outside
    /// `1e-5..1e17`.
    pub(crate) fn significant17(d: f64) -> Self {
        if !d.is_finite() || d == 0.0 {
            return Self::new(d);
        }
        let mut scientific = Self::empty();
        let _ = write!(scientific, "{d:.16e}");
        let text = scientific.as_bytes();
        let e = text.iter().position(|&b| b == b'e').unwrap_or(text.len());
        let exponent: i32 = core::str::from_utf8(&text[e + 1..])
            .ok()
            .and_then(|digits| digits.parse().ok())
            .unwrap_or(0);
        let mut out = Self::empty();
        if (-4..17).contains(&exponent) {
            let decimals = (16 - exponent) as usize;
            let _ = write!(out, "{d:.decimals$}");
            out.trim_fraction_zeros();
        } else {
            out.push(&text[..e]);
            out.trim_fraction_zeros();
            let sign = if exponent < 0 { '-' } else { '+' };
            let _ = write!(out, "e{sign}{:02}", exponent.unsigned_abs());
        }
        out
    }

    fn empty() -> Self {
        Self {
            buf: [0; 32],
            len: 0,
        }
    }

    fn trim_point_zero(&mut self) {
        if self.as_bytes().ends_with(b".0") {
            self.len -= 2;
        }
    }

    /// Drops trailing zeros after a decimal point, and the point if bare.
    fn trim_fraction_zeros(&mut self) {
        if !self.as_bytes().contains(&b'.') {
            return;
        }
        while self.as_bytes().last() == Some(&b'0') {
            self.len -= 1;
        }
        if self.as_bytes().last() == Some(&b'.') {
            self.len -= 1;
        }
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

    #[test]
    fn seventeen_significant_digits_match_c() {
        for (value, text) in [
            (0.1, "0.10000000000000001"),
            (1e300, "1.0000000000000001e+300"),
            (1.0, "1"),
            (2.5, "2.5"),
            (3.25, "3.25"),
            (-0.0, "-0"),
            (1e-5, "1.0000000000000001e-05"),
            (0.0001, "0.0001"),
            (1e16, "10000000000000000"),
            (1e17, "1e+17"),
            (123456789.125, "123456789.125"),
            (f64::NEG_INFINITY, "-inf"),
        ] {
            assert_eq!(
                DoubleText::significant17(value).as_bytes(),
                text.as_bytes(),
                "{value}"
            );
        }
        assert_eq!(DoubleText::new_f32(1.5).as_bytes(), b"1.5");
        assert_eq!(DoubleText::new_f32(0.1).as_bytes(), b"0.1");
    }
}
