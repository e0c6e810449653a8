//! Splitting an inline request into arguments with Redis's `sdssplitargs` rules.

use alloc::vec::Vec;
use core::ops::Range;

/// C's `isspace`.
fn is_space(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r')
}

fn hex_value(byte: u8) -> Option<u8> {
    (byte as char).to_digit(16).map(|v| v as u8)
}

/// Splits `line` (without its line ending) into the ranges of its `words`.
///
/// Words are separated by spaces or tabs. In double quotes `\n \r \t \b \a`,
/// `\xHH` and any other escaped byte (`\\`, `\"`) are understood; in single
/// quotes only `\'`. A closing quote must be followed by a space or the end.
/// A NUL byte ends the line, as it ends Redis's C string. An unquoted word is
/// its range in `line`; a quoted one is unescaped onto the end of `unquoted`
/// and its range counts from the start of the request's bytes, which are
/// `base` bytes of the line (its line end included) followed by `unquoted`,
/// so a line without quotes is used as it is, with no copy.
///
/// Returns `Err(())` on unbalanced quotes.
pub(crate) fn split_args(
    line: &[u8],
    base: usize,
    words: &mut Vec<Range<usize>>,
    unquoted: &mut Vec<u8>,
) -> Result<(), ()> {
    let s = line;
    // A byte past the end reads as NUL, as in C.
    let at = |i: usize| s.get(i).copied().unwrap_or(0);
    let mut p = 0;
    loop {
        while at(p) != 0 && is_space(at(p)) {
            p += 1;
        }
        if at(p) == 0 {
            return Ok(());
        }
        let start = p;
        let word_start = unquoted.len();
        let mut quoted = false;
        // The quote character while inside quotes.
        let mut quote: Option<u8> = None;
        loop {
            let c = at(p);
            let Some(open) = quote else {
                match c {
                    b' ' | b'\n' | b'\r' | b'\t' | 0 => break,
                    b'"' | b'\'' => {
                        quote = Some(c);
                        quoted = true;
                    }
                    _ => unquoted.push(c),
                }
                p += 1;
                continue;
            };
            if open == b'"' && c == b'\\' {
                if at(p + 1) == b'x' {
                    if let (Some(high), Some(low)) = (hex_value(at(p + 2)), hex_value(at(p + 3))) {
                        unquoted.push(high * 16 + low);
                        p += 4;
                        continue;
                    }
                }
                if at(p + 1) != 0 {
                    unquoted.push(match at(p + 1) {
                        b'n' => b'\n',
                        b'r' => b'\r',
                        b't' => b'\t',
                        b'b' => b'\x08',
                        b'a' => b'\x07',
                        other => other,
                    });
                    p += 2;
                    continue;
                }
            }
            if open == b'\'' && c == b'\\' && at(p + 1) == b'\'' {
                unquoted.push(b'\'');
                p += 2;
                continue;
            }
            if c == open {
                // A closing quote must be followed by a space or the end.
                if at(p + 1) != 0 && !is_space(at(p + 1)) {
                    return Err(());
                }
                p += 1;
                break;
            }
            if c == 0 {
                return Err(());
            }
            unquoted.push(c);
            p += 1;
        }
        words.push(if quoted {
            base + word_start..base + unquoted.len()
        } else {
            unquoted.truncate(word_start);
            start..p
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;
    use bytes::Bytes;

    fn split(line: &'static [u8]) -> Result<Vec<Bytes>, ()> {
        let (mut words, mut unquoted) = (Vec::new(), Vec::new());
        split_args(line, line.len(), &mut words, &mut unquoted)?;
        let joined = [line, &unquoted].concat();
        Ok(words
            .into_iter()
            .map(|word| Bytes::copy_from_slice(&joined[word]))
            .collect())
    }

    #[test]
    fn words_and_quotes() {
        assert_eq!(
            split(b"  SET\tk  v "),
            Ok(vec!["SET".into(), "k".into(), "v".into()])
        );
        assert_eq!(
            split(b"SET \"a b\" 'c d'"),
            Ok(vec!["SET".into(), "a b".into(), "c d".into()])
        );
        assert_eq!(
            split(b"\"\\x41\\n\\r\\t\\b\\a\\\\\\\"\\q\""),
            Ok(vec![Bytes::from_static(b"A\n\r\t\x08\x07\\\"q")])
        );
        assert_eq!(
            split(b"'it\\'s' '\\n'"),
            Ok(vec!["it's".into(), "\\n".into()])
        );
        assert_eq!(split(b"a\"b c\"d e"), Err(()));
        assert_eq!(split(b"a\"b c\" e"), Ok(vec!["ab c".into(), "e".into()]));
        assert_eq!(split(b"\"\""), Ok(vec!["".into()]));
        assert_eq!(split(b"\"\\xZZ\""), Ok(vec!["xZZ".into()]));
    }

    #[test]
    fn unbalanced_quotes() {
        assert_eq!(split(b"SET a \"unterminated"), Err(()));
        assert_eq!(split(b"'open"), Err(()));
        assert_eq!(split(b"\"a\"b"), Err(()));
        assert_eq!(split(b"'a'b"), Err(()));
        assert_eq!(split(b"\"ends in backslash\\"), Err(()));
    }

    #[test]
    fn nul_ends_the_line_as_in_c() {
        assert_eq!(split(b"GET k\0ignored"), Ok(vec!["GET".into(), "k".into()]));
        assert_eq!(split(b""), Ok(vec![]));
        assert_eq!(split(b" \x0b\x0c "), Ok(vec![]));
    }
}
