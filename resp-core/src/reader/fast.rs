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
#[inline]
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

/// Up to 18 decimal digits (so no overflow is possible) from `content[from..]`,
/// then CRLF: the value and where the CR is.
#[inline]
fn digits(content: &[u8], from: usize) -> Option<(u64, usize)> {
    let mut value = 0u64;
    let mut count = 0;
    for &byte in content.get(from..)?.iter().take(19) {
        let digit = byte.wrapping_sub(b'0');
        if digit > 9 {
            break;
        }
        value = value * 10 + u64::from(digit);
        count += 1;
    }
    let end = from + count;
    if count == 0 || count > 18 || content.get(end..end + 2) != Some(b"\r\n") {
        return None;
    }
    Some((value, end))
}

/// An `:` line: optional sign and digits. Returns the value and the line length.
#[inline]
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
#[inline]
pub(crate) fn length(content: &[u8], max_len: usize) -> Option<(u64, usize)> {
    let (value, len) = digits(content, 0)?;
    if (content[0] == b'0' && len > 1) || len > max_len {
        return None;
    }
    Some((value, len))
}
