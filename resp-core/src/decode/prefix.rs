//! Whether bytes the flat fast path could not finish are worth waiting for.
//!
//! When an element of a flat frame is cut off by the end of the input, the
//! fast path keeps its progress and waits, but only if what has arrived is a
//! canonical, in-bounds beginning of a scalar it handles. Anything else (a
//! malformed byte, a limit already passed, a type it leaves to the general
//! path) is handed over at once, so the general path reports every error at
//! the same byte as it would have without the fast path.

use crate::Limits;
use crate::reader::fast::SHORT_LINE;

/// Whether `rest`, an element the fast path could not parse, may still
/// become one it can: every byte so far fits, only more bytes are missing.
pub(super) fn awaits_more(rest: &[u8], limits: &Limits, resp3: bool) -> bool {
    let Some((&type_byte, content)) = rest.split_first() else {
        return true;
    };
    match type_byte {
        b'+' | b'-' => text_awaits_more(content, limits.max_line_len),
        // Their text is judged once the line is whole, as the general path does.
        b',' | b'(' if resp3 => text_awaits_more(content, limits.max_line_len),
        b':' => {
            let sign = usize::from(matches!(content.first(), Some(b'-' | b'+')));
            sign <= limits.max_line_len
                && matches!(
                    digits(&content[sign..], limits.max_line_len - sign),
                    Digits::Partial(_)
                )
        }
        b'$' if content.first() == Some(&b'-') => b"-1\r\n".starts_with(content),
        // A null array, or the header of a nested aggregate, which is not
        // flat: wait only while it may still be the null.
        b'*' => b"-1\r\n".starts_with(content),
        b'$' => match digits(content, limits.max_line_len) {
            Digits::Partial(len) => len <= limits.max_bulk_len,
            Digits::Complete(len, line) => {
                let arrived = (content.len() - line - 2) as u64;
                len <= limits.max_bulk_len
                    && (arrived <= len || (arrived == len + 1 && content.last() == Some(&b'\r')))
            }
            Digits::Bad => false,
        },
        b'#' if resp3 => matches!(content, b"" | b"t" | b"f" | b"t\r" | b"f\r"),
        b'_' if resp3 => b"\r".starts_with(content),
        _ => false,
    }
}

/// The same for an aggregate header whose count declares `scale` elements
/// per unit (2 for maps).
pub(super) fn header_awaits_more(content: &[u8], scale: u64, limits: &Limits) -> bool {
    match digits(content, limits.max_line_len) {
        Digits::Partial(count) => count
            .checked_mul(scale)
            .is_some_and(|elements| elements <= limits.max_aggregate_len),
        Digits::Complete(..) | Digits::Bad => false,
    }
}

/// How far a canonical non-negative number line got.
enum Digits {
    /// Cut off before its CRLF; the value of the digits so far.
    Partial(u64),
    /// Complete: the value and the number of digits.
    Complete(u64, usize),
    /// Not something the fast path reads.
    Bad,
}

/// Reads the digits at the start of `content` as the fast path would: at most
/// 18 of them (so no overflow is possible), no leading zero, the line within
/// `max_len`.
fn digits(content: &[u8], max_len: usize) -> Digits {
    let count = content
        .iter()
        .take(19)
        .take_while(|byte| byte.is_ascii_digit())
        .count();
    if count > 18 || count > max_len || (count > 1 && content[0] == b'0') {
        return Digits::Bad;
    }
    let value = content[..count]
        .iter()
        .fold(0u64, |value, &digit| value * 10 + u64::from(digit - b'0'));
    match &content[count..] {
        [] => Digits::Partial(value),
        [b'\r'] if count > 0 => Digits::Partial(value),
        [b'\r', b'\n', ..] if count > 0 => Digits::Complete(value, count),
        _ => Digits::Bad,
    }
}

/// A simple string or error line still short enough for the fast path, with
/// no CR or LF yet, or a CR as its very last byte.
fn text_awaits_more(content: &[u8], max_len: usize) -> bool {
    match content
        .iter()
        .position(|&byte| byte == b'\r' || byte == b'\n')
    {
        None => content.len() < SHORT_LINE && content.len() <= max_len,
        Some(end) => {
            end + 1 == content.len() && content[end] == b'\r' && end < SHORT_LINE && end <= max_len
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn waits(rest: &[u8]) -> bool {
        awaits_more(rest, &Limits::default(), true)
    }

    #[test]
    fn canonical_beginnings_wait() {
        for rest in [
            &b""[..],
            b"+",
            b"+O",
            b"+OK\r",
            b":",
            b":-",
            b":12",
            b":12\r",
            b"$",
            b"$-",
            b"$-1\r",
            b"$5",
            b"$5\r",
            b"$5\r\n",
            b"$5\r\nhel",
            b"$5\r\nhello",
            b"$5\r\nhello\r",
            b"*",
            b"*-1\r",
            b"#t",
            b"#f\r",
            b"_",
            b"_\r",
            b",1.5",
            b",inf\r",
            b"(123",
        ] {
            assert!(waits(rest), "{:?}", rest.escape_ascii());
        }
    }

    #[test]
    fn anything_the_general_path_must_judge_does_not() {
        for rest in [
            &b"+a\nb"[..],
            b"+OK\rx",
            b":\r",
            b":1x",
            b":1234567890123456789",
            b"$05",
            b"$-2",
            b"$\r",
            b"$5\r\nhelloX",
            b"$5\r\nhello\rX",
            b"#x",
            b"_x",
            b",1.5\n",
            b"=15\r\n",
            b"*1\r\n",
            b"*-2",
            b"x",
        ] {
            assert!(!waits(rest), "{:?}", rest.escape_ascii());
        }
        assert!(!awaits_more(b"#t", &Limits::default(), false));
        let mut long = alloc::vec![b'+'];
        long.extend_from_slice(&[b'a'; SHORT_LINE]);
        assert!(!waits(&long));
    }

    #[test]
    fn a_limit_passed_already_does_not() {
        let limits = Limits {
            max_bulk_len: 5,
            max_line_len: 2,
            max_aggregate_len: 4,
            ..Limits::default()
        };
        assert!(awaits_more(b"$5", &limits, true));
        assert!(!awaits_more(b"$6", &limits, true));
        assert!(!awaits_more(b":123", &limits, true));
        assert!(!awaits_more(b":-12", &limits, true));
        assert!(!awaits_more(b"+abc", &limits, true));
        assert!(header_awaits_more(b"2", 2, &limits));
        assert!(!header_awaits_more(b"3", 2, &limits));
        assert!(!header_awaits_more(b"123", 1, &limits));
    }
}
