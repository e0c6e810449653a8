//! [`packed_commands`]: the arguments of commands [`pack_command`] wrote,
//! read back from their bytes, so a client learns each command's name and
//! arguments without walking the caller's argument types twice.
//!
//! [`pack_command`]: super::pack_command

use crate::lex::parse_integer;
use alloc::vec::Vec;

/// The arguments of each command in `packed`, in order, the name first.
/// `packed` is what [`pack_command`](super::pack_command) and
/// [`Pipeline`](super::Pipeline) write (canonical multibulk); reading
/// stops at anything else, or at a command cut short.
///
/// ```
/// use resp_core::{Pipeline, packed_commands};
///
/// let mut pipeline = Pipeline::new();
/// pipeline.command(("SET", "k", 10)).command(["BLPOP", "q", "0"]);
/// let commands: Vec<Vec<&[u8]>> = packed_commands(pipeline.as_bytes()).collect();
/// assert_eq!(commands[0], [&b"SET"[..], b"k", b"10"]);
/// assert_eq!(commands[1][0], b"BLPOP");
/// ```
pub fn packed_commands(packed: &[u8]) -> PackedCommands<'_> {
    PackedCommands { rest: packed }
}

/// The iterator [`packed_commands`] returns.
#[derive(Debug, Clone)]
pub struct PackedCommands<'a> {
    rest: &'a [u8],
}

impl<'a> Iterator for PackedCommands<'a> {
    type Item = Vec<&'a [u8]>;

    fn next(&mut self) -> Option<Vec<&'a [u8]>> {
        let count = self.header(b'*')?;
        // Bounded by the bytes there are: each argument takes at least 4.
        let mut args = Vec::with_capacity(count.min(self.rest.len() / 4));
        for _ in 0..count {
            let len = self.header(b'$')?;
            let arg = self.rest.get(..len)?;
            self.rest = self.rest.get(len.checked_add(2)?..)?;
            args.push(arg);
        }
        Some(args)
    }
}

impl PackedCommands<'_> {
    /// Reads a `<marker><n>\r\n` line.
    fn header(&mut self, marker: u8) -> Option<usize> {
        let (&first, after) = self.rest.split_first()?;
        if first != marker {
            return None;
        }
        let end = memchr::memchr(b'\r', after)?;
        let n = usize::try_from(parse_integer(&after[..end])?).ok()?;
        self.rest = after.get(end + 2..)?;
        Some(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encode::Pipeline;
    use alloc::vec;

    #[test]
    fn reads_back_every_command_of_a_pipeline() {
        let mut pipeline = Pipeline::new();
        pipeline
            .command(("SET", "k", 10))
            .command(["PING"])
            .multi()
            .command([&b""[..], b"\r\n"]);
        let read: Vec<Vec<&[u8]>> = packed_commands(pipeline.as_bytes()).collect();
        assert_eq!(
            read,
            [
                vec![&b"SET"[..], b"k", b"10"],
                vec![&b"PING"[..]],
                vec![&b"MULTI"[..]],
                vec![&b""[..], b"\r\n"],
            ]
        );
    }

    #[test]
    fn stops_at_bytes_it_did_not_write() {
        assert_eq!(packed_commands(b"*1\r\n$4\r\nPI").count(), 0);
        assert_eq!(packed_commands(b"PING\r\n").count(), 0);
        assert_eq!(packed_commands(b"*9999999999\r\n$1\r\na\r\n").count(), 0);
        assert_eq!(packed_commands(b"*1\r\n$-1\r\n").count(), 0);
    }
}
