//! The fast path: whole header lines of the common types, parsed in one
//! tight pass when they are complete in the input.
//!
//! It accepts only canonical, complete, in-bounds lines and leaves everything
//! else (partial input, errors, limits, streaming, rare types) to the
//! resumable path, which therefore decides every error and every edge case.
//! Both paths give the same events for what the fast path accepts.

/// Lines at most this long are scanned byte by byte; longer ones go to the
/// resumable path's `memchr`, which wins once a line is long enough.
pub(crate) const SHORT_LINE: usize = 64;

/// A complete text line of at most `max_len` bytes without CR or LF inside:
/// returns its length.
#[inline(always)]
pub(crate) fn text_line(content: &[u8], max_len: usize) -> Option<usize> {
    for (i, &byte) in content.iter().enumerate().take(SHORT_LINE) {
        if byte == b'\r' {
            return (content.get(i + 1) == Some(&b'\n') && i <= max_len).then_some(i);
        }
        if byte == b'\n' {
            return None;
        }
    }
    None
}

/// Up to 18 decimal digits (so the value cannot overflow) from
/// `content[from..]`, then CRLF: the value and where the CR is.
#[inline(always)]
fn digits(content: &[u8], from: usize) -> Option<(u64, usize)> {
    let mut value = 0u64;
    let mut end = from;
    // A byte that is not a digit ends the loop; only CR may be that byte.
    // The bound keeps a long run of digits arriving in pieces from being
    // scanned again on every call.
    loop {
        let digit = content.get(end)?.wrapping_sub(b'0');
        if digit > 9 {
            break;
        }
        if end - from == 18 {
            return None;
        }
        value = value * 10 + u64::from(digit);
        end += 1;
    }
    if end == from || content[end] != b'\r' || content.get(end + 1) != Some(&b'\n') {
        return None;
    }
    Some((value, end))
}

/// An `:` line: optional sign and digits. Returns the value and the line length.
#[inline(always)]
pub(crate) fn integer(content: &[u8], max_len: usize) -> Option<(i64, usize)> {
    let sign = usize::from(matches!(content.first(), Some(b'-' | b'+')));
    let (value, len) = digits(content, sign)?;
    if len > max_len {
        return None;
    }
    // 18 digits always fit.
    let value = value as i64;
    Some((if content[0] == b'-' { -value } else { value }, len))
}

/// A length or count: `0`, or digits without a leading zero. Returns the
/// value and the line length.
#[inline(always)]
pub(crate) fn length(content: &[u8], max_len: usize) -> Option<(u64, usize)> {
    let (value, len) = digits(content, 0)?;
    if (content[0] == b'0' && len > 1) || len > max_len {
        return None;
    }
    Some((value, len))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_take_up_to_18_digits_then_crlf() {
        assert_eq!(length(b"0\r\n", 64), Some((0, 1)));
        assert_eq!(length(b"10\r\nxx", 64), Some((10, 2)));
        assert_eq!(
            length(b"999999999999999999\r\n", 64),
            Some((999_999_999_999_999_999, 18))
        );
        // The resumable path decides these: too long, leading zero, no CRLF yet, wrong ending.
        assert_eq!(length(b"1000000000000000000\r\n", 64), None);
        assert_eq!(length(b"01\r\n", 64), None);
        assert_eq!(length(b"12", 64), None);
        assert_eq!(length(b"12\r", 64), None);
        assert_eq!(length(b"12\rx", 64), None);
        assert_eq!(length(b"\r\n", 64), None);
        assert_eq!(length(b"123\r\n", 2), None);
    }

    #[test]
    fn integers_take_a_sign() {
        assert_eq!(integer(b"-12345\r\n", 64), Some((-12345, 6)));
        assert_eq!(integer(b"+7\r\n", 64), Some((7, 2)));
        assert_eq!(integer(b"-\r\n", 64), None);
        assert_eq!(integer(b"1-\r\n", 64), None);
    }
}
