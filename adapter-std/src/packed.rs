//! The arguments of a command this crate packed itself, read back from its
//! bytes, so the session learns each command's name without the caller's
//! argument types being walked twice.

use resp_core::parse_integer;

/// The arguments of the commands in `packed`, one `Vec` per command, in
/// order. `packed` is the canonical multibulk the core's encoder writes;
/// reading stops at anything else.
pub(crate) fn commands(packed: &[u8]) -> Commands<'_> {
    Commands { rest: packed }
}

pub(crate) struct Commands<'a> {
    rest: &'a [u8],
}

impl<'a> Iterator for Commands<'a> {
    type Item = Vec<&'a [u8]>;

    fn next(&mut self) -> Option<Vec<&'a [u8]>> {
        let count = self.header(b'*')?;
        let mut args = Vec::with_capacity(count.min(64));
        for _ in 0..count {
            let len = self.header(b'$')?;
            let arg = self.rest.get(..len)?;
            self.rest = self.rest.get(len + 2..)?;
            args.push(arg);
        }
        Some(args)
    }
}

impl Commands<'_> {
    /// Reads a `<marker><n>\r\n` line.
    fn header(&mut self, marker: u8) -> Option<usize> {
        let (&first, after) = self.rest.split_first()?;
        if first != marker {
            return None;
        }
        let end = memchr_cr(after)?;
        let n = usize::try_from(parse_integer(&after[..end])?).ok()?;
        self.rest = after.get(end + 2..)?;
        Some(n)
    }
}

fn memchr_cr(bytes: &[u8]) -> Option<usize> {
    bytes.iter().position(|&byte| byte == b'\r')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_back_every_command_of_a_pipeline() {
        let mut pipeline = resp_core::Pipeline::new();
        pipeline.command(("SET", "k", 10)).command(["PING"]).multi();
        let read: Vec<Vec<&[u8]>> = commands(pipeline.as_bytes()).collect();
        assert_eq!(
            read,
            [
                vec![&b"SET"[..], b"k", b"10"],
                vec![&b"PING"[..]],
                vec![&b"MULTI"[..]]
            ]
        );
    }

    #[test]
    fn stops_at_bytes_it_did_not_write() {
        assert_eq!(commands(b"*1\r\n$4\r\nPI").count(), 0);
        assert_eq!(commands(b"PING\r\n").count(), 0);
    }
}
