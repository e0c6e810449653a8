//! [`packed_commands`]: the commands [`pack_command`] wrote, read back from
//! their bytes, so a client learns each command's name, argument count and
//! blocking timeout without walking the caller's argument types twice.
//!
//! [`pack_command`]: crate::encode::pack_command

use super::blocking::{BlockingWait, blocking_wait, may_block};
use crate::lex::parse_integer;
use crate::table::ArgList;

/// Each command in `packed`, in order. `packed` is what
/// [`pack_command`](crate::encode::pack_command) and [`Pipeline`](crate::encode::Pipeline)
/// write (canonical multibulk); reading stops at anything else, or at a
/// command cut short. Only header lines are read: payloads are skipped by
/// their length, and nothing is allocated.
///
/// ```
/// use resp_core::{BlockingWait, Pipeline, packed_commands};
///
/// let mut pipeline = Pipeline::new();
/// pipeline.command(("SET", "k", 10)).command(["BLPOP", "q", "0"]);
/// let mut commands = packed_commands(pipeline.as_bytes());
/// let set = commands.next().unwrap();
/// assert_eq!((set.name(), set.len()), (Some(&b"SET"[..]), 3));
/// assert_eq!(set.args().collect::<Vec<_>>(), [&b"SET"[..], b"k", b"10"]);
/// assert_eq!(commands.next().unwrap().blocking_wait(), Some(BlockingWait::Forever));
/// assert!(commands.next().is_none());
/// ```
pub fn packed_commands(packed: &[u8]) -> PackedCommands<'_> {
    PackedCommands { rest: packed }
}

/// The iterator [`packed_commands`] returns.
#[derive(Debug, Clone)]
pub struct PackedCommands<'a> {
    rest: &'a [u8],
}

/// One command read back by [`packed_commands`].
#[derive(Debug, Clone, Copy)]
pub struct PackedCommand<'a> {
    count: usize,
    /// Its arguments' bytes, headers included.
    body: &'a [u8],
}

impl<'a> PackedCommand<'a> {
    /// How many arguments it has, the name included.
    pub fn len(&self) -> usize {
        self.count
    }

    /// Whether it has no arguments at all.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Its name: the first argument.
    pub fn name(&self) -> Option<&'a [u8]> {
        self.args().next()
    }

    /// Its arguments, the name first.
    pub fn args(&self) -> impl Iterator<Item = &'a [u8]> + use<'a> {
        let mut rest = self.body;
        (0..self.count).map_while(move |_| {
            let (arg, after) = bulk(rest)?;
            rest = after;
            Some(arg)
        })
    }

    /// How long the server may hold its reply back, for a blocking command
    /// (see [`blocking_wait`]); the arguments are looked at only when the
    /// name is one of those.
    pub fn blocking_wait(&self) -> Option<BlockingWait> {
        if !may_block(self.name()?) {
            return None;
        }
        blocking_wait(self)
    }
}

impl ArgList for PackedCommand<'_> {
    fn arg_count(&self) -> usize {
        self.count
    }
    fn arg(&self, index: usize) -> Option<&[u8]> {
        self.args().nth(index)
    }
    fn iter_args(&self) -> impl Iterator<Item = &[u8]> {
        self.args()
    }
}

impl<'a> Iterator for PackedCommands<'a> {
    type Item = PackedCommand<'a>;

    fn next(&mut self) -> Option<PackedCommand<'a>> {
        let (count, body) = header(self.rest, b'*')?;
        let mut rest = body;
        for _ in 0..count {
            rest = bulk(rest)?.1;
        }
        let used = body.len() - rest.len();
        self.rest = rest;
        Some(PackedCommand {
            count,
            body: &body[..used],
        })
    }
}

/// A `$` bulk argument at the front of `bytes`, and what follows it.
fn bulk(bytes: &[u8]) -> Option<(&[u8], &[u8])> {
    let (len, rest) = header(bytes, b'$')?;
    let arg = rest.get(..len)?;
    Some((arg, rest.get(len.checked_add(2)?..)?))
}

/// A `<marker><n>\r\n` line at the front of `bytes`: `n`, and what follows.
fn header(bytes: &[u8], marker: u8) -> Option<(usize, &[u8])> {
    let (&first, after) = bytes.split_first()?;
    if first != marker {
        return None;
    }
    let end = memchr::memchr(b'\r', after)?;
    let n = usize::try_from(parse_integer(&after[..end])?).ok()?;
    Some((n, after.get(end + 2..)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encode::Pipeline;
    use alloc::vec;
    use alloc::vec::Vec;

    fn read(packed: &[u8]) -> Vec<Vec<&[u8]>> {
        packed_commands(packed)
            .map(|command| command.args().collect())
            .collect()
    }

    #[test]
    fn reads_back_every_command_of_a_pipeline() {
        let mut pipeline = Pipeline::new();
        pipeline
            .command(("SET", "k", 10))
            .command(["PING"])
            .multi()
            .command([&b""[..], b"\r\n"]);
        assert_eq!(
            read(pipeline.as_bytes()),
            [
                vec![&b"SET"[..], b"k", b"10"],
                vec![&b"PING"[..]],
                vec![&b"MULTI"[..]],
                vec![&b""[..], b"\r\n"],
            ]
        );
        let lens: Vec<usize> = packed_commands(pipeline.as_bytes())
            .map(|command| command.len())
            .collect();
        assert_eq!(lens, [3, 1, 1, 2]);
    }

    #[test]
    fn stops_at_bytes_it_did_not_write() {
        assert_eq!(packed_commands(b"*1\r\n$4\r\nPI").count(), 0);
        assert_eq!(packed_commands(b"PING\r\n").count(), 0);
        assert_eq!(packed_commands(b"*9999999999\r\n$1\r\na\r\n").count(), 0);
        assert_eq!(packed_commands(b"*1\r\n$-1\r\n").count(), 0);
        let empty = packed_commands(b"*0\r\n").next().unwrap();
        assert!(empty.is_empty() && empty.name().is_none() && empty.blocking_wait().is_none());
    }

    #[test]
    fn blocking_waits_are_read_from_the_packed_arguments() {
        let mut pipeline = Pipeline::new();
        pipeline
            .command(["GET", "k"])
            .command(["brpop", "a", "b", "1.5"])
            .command(["XREAD", "COUNT", "1", "BLOCK", "250", "STREAMS", "s", "$"])
            .command(["XREAD", "STREAMS", "BLOCK", "0"]);
        let waits: Vec<Option<BlockingWait>> = packed_commands(pipeline.as_bytes())
            .map(|command| command.blocking_wait())
            .collect();
        let ms = |ms| Some(BlockingWait::For(core::time::Duration::from_millis(ms)));
        assert_eq!(waits, [None, ms(1500), ms(250), None]);
    }
}
