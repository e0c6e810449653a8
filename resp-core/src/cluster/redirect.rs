//! `MOVED` and `ASK` error replies: the slot and the node they name.

use crate::frame::Frame;

/// Which redirection a cluster node answered with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RedirectKind {
    /// The slot now lives on another node: update the slot map, then retry there.
    Moved,
    /// The slot is being migrated: send `ASKING` and then the command to the
    /// named node, once, without updating the slot map.
    Ask,
}

/// A parsed `MOVED` or `ASK` error, borrowing the host from the reply.
///
/// ```
/// use resp_core::{Redirect, RedirectKind};
///
/// let redirect = Redirect::parse(b"MOVED 3999 127.0.0.1:6381").unwrap();
/// assert_eq!(redirect.kind, RedirectKind::Moved);
/// assert_eq!((redirect.slot, redirect.host, redirect.port), (3999, &b"127.0.0.1"[..], 6381));
///
/// // An empty host means the host of the node that answered.
/// assert_eq!(Redirect::parse(b"ASK 1 :7000").unwrap().host, b"");
/// assert!(Redirect::parse(b"ERR unknown command").is_none());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Redirect<'a> {
    /// `MOVED` or `ASK`.
    pub kind: RedirectKind,
    /// The key's hash slot, below [`SLOT_COUNT`](crate::SLOT_COUNT).
    pub slot: u16,
    /// An IP address (IPv6 without brackets) or a host name. Empty when the
    /// node does not know its own endpoint: the client then reuses the host
    /// it sent the command to.
    pub host: &'a [u8],
    /// The node's client port.
    pub port: u16,
}

impl<'a> Redirect<'a> {
    /// Parses the text of an error reply, as `MOVED <slot> <host>:<port>` or
    /// `ASK <slot> <host>:<port>`. Anything else, including a slot out of
    /// range or a port that is not a number, is not a redirection.
    pub fn parse(error: &'a [u8]) -> Option<Self> {
        let mut words = error.split(|&byte| byte == b' ');
        let kind = match words.next()? {
            b"MOVED" => RedirectKind::Moved,
            b"ASK" => RedirectKind::Ask,
            _ => return None,
        };
        let slot = decimal(words.next()?).filter(|&slot| slot < crate::SLOT_COUNT)?;
        let endpoint = words.next()?;
        if words.next().is_some() {
            return None;
        }
        // The port follows the last colon, so IPv6 hosts keep theirs.
        let colon = memchr::memrchr(b':', endpoint)?;
        Some(Self {
            kind,
            slot,
            host: &endpoint[..colon],
            port: decimal(&endpoint[colon + 1..])?,
        })
    }

    /// The redirection a decoded reply carries, if it is a `MOVED` or `ASK`
    /// error (simple or bulk).
    ///
    /// ```
    /// use resp_core::{Frame, Redirect};
    ///
    /// let reply = Frame::SimpleError("MOVED 12182 10.0.0.2:6379".into());
    /// assert_eq!(Redirect::from_frame(&reply).map(|r| r.port), Some(6379));
    /// assert!(Redirect::from_frame(&Frame::SimpleString("OK".into())).is_none());
    /// ```
    pub fn from_frame(frame: &'a Frame) -> Option<Self> {
        if !frame.is_error() {
            return None;
        }
        Self::parse(frame.as_bytes()?)
    }
}

/// A `u16` written as 1 to 5 decimal digits.
fn decimal(text: &[u8]) -> Option<u16> {
    if text.is_empty() || text.len() > 5 {
        return None;
    }
    let value = text.iter().try_fold(0u32, |value, &byte| {
        byte.is_ascii_digit()
            .then(|| value * 10 + u32::from(byte - b'0'))
    })?;
    u16::try_from(value).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_kinds_and_every_host_form() {
        let parsed =
            |text: &'static [u8]| Redirect::parse(text).map(|r| (r.kind, r.slot, r.host, r.port));
        assert_eq!(
            parsed(b"MOVED 0 10.1.2.3:6379"),
            Some((RedirectKind::Moved, 0, &b"10.1.2.3"[..], 6379))
        );
        assert_eq!(
            parsed(b"ASK 16383 cache-3.internal:65535"),
            Some((RedirectKind::Ask, 16383, &b"cache-3.internal"[..], 65535))
        );
        assert_eq!(
            parsed(b"MOVED 42 ::1:7001"),
            Some((RedirectKind::Moved, 42, &b"::1"[..], 7001))
        );
        assert_eq!(
            parsed(b"MOVED 42 :7001"),
            Some((RedirectKind::Moved, 42, &b""[..], 7001))
        );
    }

    #[test]
    fn near_misses_are_not_redirections() {
        for text in [
            &b""[..],
            b"MOVED",
            b"MOVED 1",
            b"MOVED 1 host",
            b"MOVED 1 host:",
            b"MOVED 1 host:port",
            b"MOVED 1 host:65536",
            b"MOVED 1 host:123456",
            b"MOVED 16384 host:1",
            b"MOVED -1 host:1",
            b"MOVED +1 host:1",
            b"MOVED  1 host:1",
            b"MOVED 1 host:1 extra",
            b"moved 1 host:1",
            b"ASKING 1 host:1",
            b"ERR MOVED 1 host:1",
        ] {
            assert_eq!(
                Redirect::parse(text),
                None,
                "{:?}",
                core::str::from_utf8(text)
            );
        }
    }

    #[test]
    fn only_error_frames_redirect() {
        let text = "ASK 5 h:1";
        assert!(Redirect::from_frame(&Frame::BulkError(text.into())).is_some());
        assert!(Redirect::from_frame(&Frame::SimpleString(text.into())).is_none());
        assert!(Redirect::from_frame(&Frame::BulkString(text.into())).is_none());
    }
}
