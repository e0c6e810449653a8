//! A command built one argument at a time, for argument lists a tuple cannot
//! spell: a vector of keys, a map of fields, arguments chosen at run time.

use super::arg::{Arg, Args, bulk_len, put_bulk};
use alloc::vec::Vec;
use bytes::BufMut;

/// A command built argument by argument, each packed as it is added.
///
/// It is what [`commands`](crate::commands) returns for every Redis command,
/// and what to reach for when the arguments are not a fixed tuple: a
/// `Vec<String>` of keys, a `HashMap` of fields and values. It is [`Args`],
/// so every client's `call` and [`Pipeline::command`](crate::Pipeline::command)
/// take it.
///
/// ```
/// use std::collections::BTreeMap;
/// use resp_core::{pack_command, Args, Cmd};
///
/// let fields = BTreeMap::from([("name", "Ada"), ("born", "1815")]);
/// let keys = vec!["a".to_string(), "b".to_string()];
///
/// let hset = Cmd::new("HSET").arg("user:1").pairs(&fields);
/// let del = Cmd::new("DEL").args(&keys);
///
/// let mut out = Vec::new();
/// pack_command(&mut out, &del);
/// assert_eq!(out, b"*3\r\n$3\r\nDEL\r\n$1\r\na\r\n$1\r\nb\r\n");
/// assert_eq!(hset.arg_count(), 6);
/// ```
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct Cmd {
    /// Every argument so far, each as a bulk string.
    packed: Vec<u8>,
    count: usize,
}

impl Cmd {
    /// A command whose first argument is `name`.
    pub fn new(name: impl Arg) -> Self {
        Self::default().arg(name)
    }

    /// Appends one argument.
    pub fn arg(mut self, arg: impl Arg) -> Self {
        self.packed.reserve(bulk_len(&arg));
        put_bulk(&mut self.packed, &arg);
        self.count += 1;
        self
    }

    /// Appends every argument `args` yields, each one argument.
    pub fn args<A: Arg>(self, args: impl IntoIterator<Item = A>) -> Self {
        args.into_iter().fold(self, Self::arg)
    }

    /// Appends each pair as two arguments, as `HSET` and `MSET` take fields
    /// and values; a map's entries are pairs.
    pub fn pairs<A: Arg, B: Arg>(self, pairs: impl IntoIterator<Item = (A, B)>) -> Self {
        pairs
            .into_iter()
            .fold(self, |cmd, (first, second)| cmd.arg(first).arg(second))
    }

    /// Appends every argument of `other`, in order.
    pub fn append(mut self, other: Cmd) -> Self {
        if self.packed.is_empty() {
            return other;
        }
        self.packed.extend_from_slice(&other.packed);
        self.count += other.count;
        self
    }

    /// Whether it has no argument yet.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }
}

impl Args for Cmd {
    fn arg_count(&self) -> usize {
        self.count
    }
    fn args_len(&self) -> usize {
        self.packed.len()
    }
    fn put_args(&self, dst: &mut impl BufMut) {
        dst.put_slice(&self.packed);
    }
    fn put_name(&self, name: &mut super::arg::CommandName) {
        if let Some((first, _)) = next_bulk(&self.packed) {
            name.set(first);
        }
    }
}

impl core::fmt::Debug for Cmd {
    /// The arguments, each shown as text where it is UTF-8.
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let mut list = f.debug_list();
        let mut rest = self.packed.as_slice();
        while let Some((arg, after)) = next_bulk(rest) {
            match core::str::from_utf8(arg) {
                Ok(text) => list.entry(&text),
                Err(_) => list.entry(&arg),
            };
            rest = after;
        }
        list.finish()
    }
}

/// The payload of the bulk string `packed` starts with, and what follows it.
fn next_bulk(packed: &[u8]) -> Option<(&[u8], &[u8])> {
    let header_end = memchr::memchr(b'\r', packed)?;
    let len: usize = core::str::from_utf8(packed.get(1..header_end)?)
        .ok()?
        .parse()
        .ok()?;
    let start = header_end + 2;
    let arg = packed.get(start..start + len)?;
    Some((arg, packed.get(start + len + 2..)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encode::pack_command;
    use alloc::format;

    #[test]
    fn packs_as_the_same_tuple_does() {
        let cmd = Cmd::new("SET").arg("k").arg(10).arg(1.5);
        let (mut built, mut tuple) = (Vec::new(), Vec::new());
        pack_command(&mut built, &cmd);
        pack_command(&mut tuple, ("SET", "k", 10, 1.5));
        assert_eq!(built, tuple);
        assert_eq!(cmd.command_len(), built.len());
    }

    #[test]
    fn appending_keeps_order_and_count() {
        let options = Cmd::default().arg("EX").arg(10);
        let cmd = Cmd::new("SET").arg("k").arg("v").append(options);
        assert_eq!(cmd.arg_count(), 5);
        assert_eq!(format!("{cmd:?}"), r#"["SET", "k", "v", "EX", "10"]"#);
        assert_eq!(Cmd::default().append(Cmd::new("PING")).arg_count(), 1);
        assert!(Cmd::default().is_empty());
    }

    #[test]
    fn debug_shows_binary_arguments_as_bytes() {
        let cmd = Cmd::new("SET").arg(&[0xff_u8, 0][..]);
        assert_eq!(format!("{cmd:?}"), r#"["SET", [255, 0]]"#);
    }
}
