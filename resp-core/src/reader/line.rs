//! Finding the CRLF of a text line without scanning any byte twice.

use crate::error::{DecodeErrorKind, Limit};
use crate::reader::number::Fault;

/// Continues scanning `content` (the bytes after the type byte) for its CRLF
/// from `*scanned`, looking no further than the line limit allows. Returns the
/// content length once the CRLF is seen; a lone CR or LF is an error.
pub(crate) fn scan_text_line(
    content: &[u8],
    scanned: &mut usize,
    max_line_len: usize,
) -> Result<Option<usize>, Fault> {
    let window_end = content.len().min(max_line_len.saturating_add(1));
    let from = *scanned;
    match memchr::memchr2(b'\r', b'\n', &content[from..window_end]) {
        Some(found) => {
            let at = from + found;
            if content[at] == b'\n' {
                return Err((DecodeErrorKind::BadCrlf, at));
            }
            match content.get(at + 1) {
                None => {
                    *scanned = at;
                    Ok(None)
                }
                Some(b'\n') => {
                    *scanned = 0;
                    Ok(Some(at))
                }
                Some(_) => Err((DecodeErrorKind::BadCrlf, at + 1)),
            }
        }
        None if window_end > max_line_len => {
            Err((DecodeErrorKind::LimitExceeded(Limit::LineLen), max_line_len))
        }
        None => {
            *scanned = window_end;
            Ok(None)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_crlf_across_calls() {
        let mut scanned = 0;
        assert_eq!(scan_text_line(b"OK", &mut scanned, 10), Ok(None));
        assert_eq!(scanned, 2);
        assert_eq!(scan_text_line(b"OK\r", &mut scanned, 10), Ok(None));
        assert_eq!(scanned, 2);
        assert_eq!(scan_text_line(b"OK\r\n", &mut scanned, 10), Ok(Some(2)));
    }

    #[test]
    fn enforces_the_line_limit_without_a_crlf() {
        let mut scanned = 0;
        assert_eq!(scan_text_line(b"abc\r\n", &mut scanned, 3), Ok(Some(3)));
        assert_eq!(
            scan_text_line(b"abcd", &mut scanned, 3),
            Err((DecodeErrorKind::LimitExceeded(Limit::LineLen), 3))
        );
    }

    #[test]
    fn rejects_lone_cr_and_lf() {
        assert_eq!(
            scan_text_line(b"a\nb", &mut 0, 10),
            Err((DecodeErrorKind::BadCrlf, 1))
        );
        assert_eq!(
            scan_text_line(b"a\rb", &mut 0, 10),
            Err((DecodeErrorKind::BadCrlf, 2))
        );
    }
}
