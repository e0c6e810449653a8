//! The content rules of the text lines whose content has a fixed grammar.

use crate::error::DecodeErrorKind;

/// A content error: its kind and the index of the offending byte.
pub(crate) type Invalid = (DecodeErrorKind, usize);

/// `,` content, exactly as RESP3 defines it: an optional sign, at least one
/// integral digit, optionally a dot and at least one fractional digit,
/// optionally `e` or `E`, a sign and at least one exponent digit; or one of
/// the words `inf`, `-inf`, `nan` (and `-nan`, which real servers send).
///
/// Rust's float parser takes more (`.5`, `1.`, `infinity`, `NaN`); those are
/// refused here, at the first byte that leaves the grammar.
pub(crate) fn double(content: &[u8]) -> Result<f64, Invalid> {
    match content {
        b"inf" => return Ok(f64::INFINITY),
        b"-inf" => return Ok(f64::NEG_INFINITY),
        b"nan" | b"-nan" => return Ok(f64::NAN),
        _ => {}
    }
    let bad = |index| (DecodeErrorKind::BadDouble, index);
    let sign = usize::from(matches!(content.first(), Some(b'-' | b'+')));
    let mut at = digit_run(content, sign).ok_or(bad(sign))?;
    if content.get(at) == Some(&b'.') {
        at = digit_run(content, at + 1).ok_or(bad(at + 1))?;
    }
    if matches!(content.get(at), Some(b'e' | b'E')) {
        let exponent = at + 1 + usize::from(matches!(content.get(at + 1), Some(b'-' | b'+')));
        at = digit_run(content, exponent).ok_or(bad(exponent))?;
    }
    if at != content.len() {
        return Err(bad(at));
    }
    // Every text the grammar admits is ASCII that Rust's parser accepts.
    core::str::from_utf8(content)
        .ok()
        .and_then(|text| text.parse().ok())
        .ok_or(bad(0))
}

/// The end of the run of at least one ASCII digit starting at `from`.
fn digit_run(content: &[u8], from: usize) -> Option<usize> {
    let len = content
        .get(from..)?
        .iter()
        .take_while(|byte| byte.is_ascii_digit())
        .count();
    (len > 0).then_some(from + len)
}

/// `#` content: exactly `t` or `f`.
pub(crate) fn boolean(content: &[u8]) -> Result<bool, Invalid> {
    match content {
        b"t" => Ok(true),
        b"f" => Ok(false),
        [b't' | b'f', ..] => Err((DecodeErrorKind::BadBoolean, 1)),
        _ => Err((DecodeErrorKind::BadBoolean, 0)),
    }
}

/// `_` content: nothing.
pub(crate) fn null(content: &[u8]) -> Result<(), Invalid> {
    if content.is_empty() {
        Ok(())
    } else {
        Err((DecodeErrorKind::BadNull, 0))
    }
}

/// `(` content: an optional sign and at least one decimal digit.
pub(crate) fn big_number(content: &[u8]) -> Result<(), Invalid> {
    let digits_from = usize::from(matches!(content.first(), Some(b'-' | b'+')));
    let digits = &content[digits_from..];
    if let Some(bad) = digits.iter().position(|b| !b.is_ascii_digit()) {
        return Err((DecodeErrorKind::BadBigNumber, digits_from + bad));
    }
    if digits.is_empty() {
        return Err((DecodeErrorKind::BadBigNumber, content.len()));
    }
    Ok(())
}

/// Whether `text` is valid `(` content, for the encoder.
pub(crate) fn is_big_number(text: &[u8]) -> bool {
    big_number(text).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_accept_what_servers_send() {
        assert_eq!(double(b"3.25"), Ok(3.25));
        assert_eq!(double(b"0.10000000000000001"), Ok(0.1));
        assert_eq!(double(b"1.0000000000000001e+300"), Ok(1e300));
        assert_eq!(double(b"-2E-3"), Ok(-0.002));
        assert_eq!(double(b"+7"), Ok(7.0));
        assert_eq!(double(b"10"), Ok(10.0));
        assert_eq!(double(b"inf"), Ok(f64::INFINITY));
        assert_eq!(double(b"-inf"), Ok(f64::NEG_INFINITY));
        assert!(double(b"nan").unwrap().is_nan());
        assert!(double(b"-nan").unwrap().is_nan());
    }

    #[test]
    fn doubles_refuse_what_only_float_parsers_take() {
        let bad = |index| Err((DecodeErrorKind::BadDouble, index));
        assert_eq!(double(b""), bad(0));
        assert_eq!(double(b".5"), bad(0));
        assert_eq!(double(b"-.5"), bad(1));
        assert_eq!(double(b"1."), bad(2));
        assert_eq!(double(b"1.e5"), bad(2));
        assert_eq!(double(b"1e"), bad(2));
        assert_eq!(double(b"1e+"), bad(3));
        assert_eq!(double(b"1.5x"), bad(3));
        assert_eq!(double(b" 1"), bad(0));
        assert_eq!(double(b"1 "), bad(1));
        for word in [
            &b"infinity"[..],
            b"Infinity",
            b"INF",
            b"+inf",
            b"NaN",
            b"+nan",
            b"-",
            b"+",
        ] {
            assert!(double(word).is_err(), "{}", word.escape_ascii());
        }
    }

    #[test]
    fn big_numbers_point_at_the_bad_byte() {
        assert_eq!(big_number(b"-123"), Ok(()));
        assert_eq!(big_number(b"12a3"), Err((DecodeErrorKind::BadBigNumber, 2)));
        assert_eq!(big_number(b"-"), Err((DecodeErrorKind::BadBigNumber, 1)));
        assert!(is_big_number(b"+1") && !is_big_number(b"") && !is_big_number(b"1.0"));
    }
}
