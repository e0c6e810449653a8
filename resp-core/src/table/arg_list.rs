//! [`ArgList`]: a command's arguments by index, whatever holds them.

use crate::command::{Command, Request};
use alloc::vec::Vec;

/// A command's arguments, the name first, read by index. The table's
/// questions ([`CommandSpec::of`](crate::CommandSpec::of),
/// [`keys`](crate::CommandSpec::keys), [`blocking_wait`](crate::blocking_wait),
/// [`ConnectionEffect::of`](crate::ConnectionEffect::of)) take any of them:
/// a slice or vector of strings or bytes, or a request a server decoded.
///
/// ```
/// use resp_core::ArgList;
///
/// let args = ["GET", "k"];
/// assert_eq!((args.arg_count(), args.arg(1)), (2, Some(&b"k"[..])));
/// ```
pub trait ArgList {
    /// How many arguments there are, the name included.
    fn arg_count(&self) -> usize;
    /// Argument `index` (0 is the name), if there is one.
    fn arg(&self, index: usize) -> Option<&[u8]>;

    /// Every argument in order, the name first. Holders that reach an
    /// argument only by walking the ones before it (packed bytes) give
    /// their own, so that a scan over the arguments stays linear.
    fn iter_args(&self) -> impl Iterator<Item = &[u8]> {
        (0..self.arg_count()).map_while(move |at| self.arg(at))
    }
}

impl<A: AsRef<[u8]>> ArgList for [A] {
    fn arg_count(&self) -> usize {
        self.len()
    }
    fn arg(&self, index: usize) -> Option<&[u8]> {
        self.get(index).map(AsRef::as_ref)
    }
}

impl<A: AsRef<[u8]>, const N: usize> ArgList for [A; N] {
    fn arg_count(&self) -> usize {
        N
    }
    fn arg(&self, index: usize) -> Option<&[u8]> {
        self.get(index).map(AsRef::as_ref)
    }
}

impl<A: AsRef<[u8]>> ArgList for Vec<A> {
    fn arg_count(&self) -> usize {
        self.len()
    }
    fn arg(&self, index: usize) -> Option<&[u8]> {
        self.get(index).map(AsRef::as_ref)
    }
}

impl ArgList for Command<'_> {
    fn arg_count(&self) -> usize {
        self.len()
    }
    fn arg(&self, index: usize) -> Option<&[u8]> {
        Command::arg(self, index)
    }
}

impl ArgList for Request {
    fn arg_count(&self) -> usize {
        self.len()
    }
    fn arg(&self, index: usize) -> Option<&[u8]> {
        Request::arg(self, index)
    }
}
