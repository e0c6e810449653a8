//! The byte rules every parser and the encoder share, each written once.
//!
//! These are pure functions over complete input: they hold no state and
//! decide nothing about partial lines. The Reader's fast path, the request
//! decoder, HELLO and the encoder all call them, so a rule (what a length
//! looks like, what a big number is) cannot drift between them.

pub(crate) mod scalar;

/// Lines at most this long are scanned byte by byte; longer ones go to the
/// resumable path's `memchr`, which wins once a line is long enough.
pub(crate) const SHORT_LINE: usize = 64;

/// A complete text line of at most `max_len` bytes without CR or LF inside:
/// returns its length. `None` for anything else, partial lines included.
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

/// A complete `:` line's content: optional sign and digits, then CRLF.
/// Returns the value and the content length.
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

/// A complete length or count line's content: `0`, or digits without a
/// leading zero, then CRLF. Returns the value and the content length.
#[inline(always)]
pub(crate) fn length(content: &[u8], max_len: usize) -> Option<(u64, usize)> {
    let (value, len) = digits(content, 0)?;
    if (content[0] == b'0' && len > 1) || len > max_len {
        return None;
    }
    Some((value, len))
}

/// Redis's `string2ll`: an optional `-`, then `0` alone or digits without a
/// leading zero, fitting in an `i64`. No `+`, no spaces.
///
/// These are exactly the integers a Redis server accepts as arguments
/// (`EXPIRE`, `INCRBY`, `LRANGE` …), so a compatible server parses with it.
///
/// ```
/// use resp_core::parse_integer;
///
/// assert_eq!(parse_integer(b"-42"), Some(-42));
/// assert_eq!(parse_integer(b"9223372036854775807"), Some(i64::MAX));
/// for refused in [&b"+1"[..], b"01", b" 1", b"1.0", b"", b"-0"] {
///     assert_eq!(parse_integer(refused), None);
/// }
/// ```
pub fn parse_integer(text: &[u8]) -> Option<i64> {
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

/// Whether `text` holds a CR or an LF, which a simple string cannot carry.
pub(crate) fn has_line_break(text: &[u8]) -> bool {
    memchr::memchr2(b'\r', b'\n', text).is_some()
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

    #[test]
    fn text_lines_end_at_crlf_only() {
        assert_eq!(text_line(b"OK\r\n", 64), Some(2));
        assert_eq!(text_line(b"OK\r", 64), None);
        assert_eq!(text_line(b"O\nK\r\n", 64), None);
        assert_eq!(text_line(b"OK\r\n", 1), None);
    }

    #[test]
    fn string2ll_rules() {
        assert_eq!(parse_integer(b"0"), Some(0));
        assert_eq!(parse_integer(b"-1"), Some(-1));
        assert_eq!(parse_integer(b"9223372036854775807"), Some(i64::MAX));
        assert_eq!(parse_integer(b"-9223372036854775808"), Some(i64::MIN));
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
            assert_eq!(parse_integer(bad), None, "{}", bad.escape_ascii());
        }
    }

    #[test]
    fn line_breaks() {
        assert!(!has_line_break(b"fine"));
        assert!(has_line_break(b"a\rb"));
        assert!(has_line_break(b"a\nb"));
    }
}
