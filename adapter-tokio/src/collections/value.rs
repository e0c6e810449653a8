//! [`CacheValue`]: a value that keeps its type across a round trip through
//! Redis, which stores only bytes, by a short prefix.

use bytes::Bytes;
use std::fmt;

/// A value a [`RedisCache`](super::RedisCache) stores, of one of the types
/// it keeps apart. Redis stores bytes; each value is kept as a two-byte
/// prefix naming its type, then its text: `s|` a string, `b|` bytes, `i|`
/// an integer, `f|` a float, `?|` a boolean (`1` or `0`). Any program that
/// reads the hash sees which is which.
///
/// ```
/// use resp_tokio::collections::CacheValue;
///
/// assert_eq!(CacheValue::from(42).encode(), b"i|42");
/// assert_eq!(CacheValue::decode(b"f|1.5"), Some(CacheValue::Float(1.5)));
/// assert_eq!(CacheValue::decode(b"s|hi"), Some(CacheValue::from("hi")));
/// assert_eq!(CacheValue::decode(b"no prefix"), None);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum CacheValue {
    /// Text.
    Str(String),
    /// Bytes, kept as they are.
    Bytes(Bytes),
    /// An integer.
    Int(i64),
    /// A float.
    Float(f64),
    /// A boolean.
    Bool(bool),
}

impl CacheValue {
    /// The bytes stored for it: its prefix, then its text.
    pub fn encode(&self) -> Vec<u8> {
        let (prefix, text): (&[u8], Vec<u8>) = match self {
            Self::Str(text) => (b"s|", text.as_bytes().to_vec()),
            Self::Bytes(bytes) => (b"b|", bytes.to_vec()),
            Self::Int(n) => (b"i|", n.to_string().into_bytes()),
            Self::Float(x) => (b"f|", format_float(*x).into_bytes()),
            Self::Bool(flag) => (b"?|", if *flag { b"1".to_vec() } else { b"0".to_vec() }),
        };
        [prefix, &text].concat()
    }

    /// The value stored as `bytes`; `None` for bytes no cache wrote.
    pub fn decode(bytes: &[u8]) -> Option<Self> {
        let (prefix, text) = (bytes.get(..2)?, bytes.get(2..)?);
        let as_text = || std::str::from_utf8(text).ok();
        Some(match prefix {
            b"s|" => Self::Str(as_text()?.to_owned()),
            b"b|" => Self::Bytes(Bytes::copy_from_slice(text)),
            b"i|" => Self::Int(as_text()?.parse().ok()?),
            b"f|" => Self::Float(as_text()?.parse().ok()?),
            b"?|" => match text {
                b"1" => Self::Bool(true),
                b"0" => Self::Bool(false),
                _ => return None,
            },
            _ => return None,
        })
    }
}

/// A float's text that reads back as the same float (Rust's shortest
/// round-trip form; Lua's `tonumber` reads it too).
fn format_float(x: f64) -> String {
    let text = x.to_string();
    if x.is_finite() && !text.contains(['.', 'e', 'E']) {
        format!("{text}.0")
    } else {
        text
    }
}

impl fmt::Display for CacheValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Str(text) => f.write_str(text),
            Self::Bytes(bytes) => write!(f, "{bytes:?}"),
            Self::Int(n) => write!(f, "{n}"),
            Self::Float(x) => write!(f, "{x}"),
            Self::Bool(flag) => write!(f, "{flag}"),
        }
    }
}

impl From<&str> for CacheValue {
    fn from(text: &str) -> Self {
        Self::Str(text.to_owned())
    }
}

impl From<String> for CacheValue {
    fn from(text: String) -> Self {
        Self::Str(text)
    }
}

impl From<Bytes> for CacheValue {
    fn from(bytes: Bytes) -> Self {
        Self::Bytes(bytes)
    }
}

impl From<&[u8]> for CacheValue {
    fn from(bytes: &[u8]) -> Self {
        Self::Bytes(Bytes::copy_from_slice(bytes))
    }
}

impl From<i64> for CacheValue {
    fn from(n: i64) -> Self {
        Self::Int(n)
    }
}

impl From<i32> for CacheValue {
    fn from(n: i32) -> Self {
        Self::Int(n.into())
    }
}

impl From<f64> for CacheValue {
    fn from(x: f64) -> Self {
        Self::Float(x)
    }
}

impl From<bool> for CacheValue {
    fn from(flag: bool) -> Self {
        Self::Bool(flag)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_type_round_trips() {
        for value in [
            CacheValue::from("text with | and spaces"),
            CacheValue::from(&b"\x00\xffraw"[..]),
            CacheValue::from(-42),
            CacheValue::from(i64::MAX),
            CacheValue::from(0.1),
            CacheValue::from(3.0),
            CacheValue::from(-1e300),
            CacheValue::from(true),
            CacheValue::from(false),
        ] {
            assert_eq!(
                CacheValue::decode(&value.encode()),
                Some(value.clone()),
                "{value:?}"
            );
        }
    }
}
