//! Validation of the text lines whose content has a fixed grammar.

use crate::error::DecodeErrorKind;

/// A content error: its kind and the index of the offending byte.
type Invalid = (DecodeErrorKind, usize);

/// `,` content: a decimal or exponent number, `inf`, `-inf`, `nan`, `-nan`.
pub(crate) fn double(content: &[u8]) -> Result<f64, Invalid> {
    // Rust's float grammar is a superset of RESP3's; `str` parsing also
    // accepts `infinity` and any case, which is harmless leniency.
    let text = core::str::from_utf8(content).map_err(|_| (DecodeErrorKind::BadDouble, 0))?;
    text.parse::<f64>()
        .map_err(|_| (DecodeErrorKind::BadDouble, 0))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_accept_what_servers_send() {
        assert_eq!(double(b"3.25"), Ok(3.25));
        assert_eq!(double(b"1.0000000000000001e+300"), Ok(1e300));
        assert_eq!(double(b"inf"), Ok(f64::INFINITY));
        assert_eq!(double(b"-inf"), Ok(f64::NEG_INFINITY));
        assert!(double(b"nan").unwrap().is_nan());
        assert!(double(b"-nan").unwrap().is_nan());
        assert!(double(b"").is_err());
        assert!(double(b"1.5x").is_err());
        assert!(double(b" 1").is_err());
    }

    #[test]
    fn big_numbers_point_at_the_bad_byte() {
        assert_eq!(big_number(b"-123"), Ok(()));
        assert_eq!(big_number(b"12a3"), Err((DecodeErrorKind::BadBigNumber, 2)));
        assert_eq!(big_number(b"-"), Err((DecodeErrorKind::BadBigNumber, 1)));
    }
}
