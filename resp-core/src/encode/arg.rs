//! Command arguments written straight into the output, with no frame and no
//! allocation in between.

use super::number::{DoubleText, decimal_len, unsigned_decimal_len};
use alloc::borrow::Cow;
use alloc::string::String;
use alloc::vec::Vec;
use bytes::{BufMut, Bytes, BytesMut};

/// One command argument: anything with a byte form known up front.
///
/// Byte strings are written as they are; integers in decimal; floats as the
/// shortest text that reads back to the same value (`inf`, `-inf` as Redis
/// accepts them). Implement it for your own key or value types to pass them
/// to [`pack_command`](crate::pack_command) directly, like redis-rs's
/// `ToRedisArgs` but without building a vector first.
///
/// ```
/// use bytes::BufMut;
/// use resp_core::{pack_command, Arg};
///
/// struct UserKey(u32);
///
/// impl Arg for UserKey {
///     fn arg_len(&self) -> usize {
///         "user:".len() + self.0.to_string().len()
///     }
///     fn put_arg(&self, dst: &mut impl BufMut) {
///         dst.put_slice(b"user:");
///         dst.put_slice(self.0.to_string().as_bytes());
///     }
/// }
///
/// let mut out = Vec::new();
/// pack_command(&mut out, ("GET", UserKey(42)));
/// assert_eq!(out, b"*2\r\n$3\r\nGET\r\n$7\r\nuser:42\r\n");
/// ```
pub trait Arg {
    /// The number of bytes [`put_arg`](Self::put_arg) writes.
    fn arg_len(&self) -> usize;
    /// Writes exactly [`arg_len`](Self::arg_len) bytes.
    fn put_arg(&self, dst: &mut impl BufMut);
}

impl<T: Arg + ?Sized> Arg for &T {
    fn arg_len(&self) -> usize {
        (**self).arg_len()
    }
    fn put_arg(&self, dst: &mut impl BufMut) {
        (**self).put_arg(dst);
    }
}

macro_rules! bytes_arg {
    ($($ty:ty => $bytes:expr),* $(,)?) => {$(
        impl Arg for $ty {
            fn arg_len(&self) -> usize {
                let bytes: fn(&Self) -> &[u8] = $bytes;
                bytes(self).len()
            }
            fn put_arg(&self, dst: &mut impl BufMut) {
                let bytes: fn(&Self) -> &[u8] = $bytes;
                dst.put_slice(bytes(self));
            }
        }
    )*};
}

bytes_arg!(
    [u8] => |b| b,
    str => str::as_bytes,
    Vec<u8> => |b| b,
    String => String::as_bytes,
    Bytes => |b| b,
    BytesMut => |b| b,
    Cow<'_, [u8]> => |b| b,
    Cow<'_, str> => |s| s.as_bytes(),
);

impl<const N: usize> Arg for [u8; N] {
    fn arg_len(&self) -> usize {
        N
    }
    fn put_arg(&self, dst: &mut impl BufMut) {
        dst.put_slice(self);
    }
}

macro_rules! signed_arg {
    ($($ty:ty),*) => {$(
        impl Arg for $ty {
            fn arg_len(&self) -> usize {
                decimal_len(i64::from(*self))
            }
            fn put_arg(&self, dst: &mut impl BufMut) {
                dst.put_slice(itoa::Buffer::new().format(*self).as_bytes());
            }
        }
    )*};
}

macro_rules! unsigned_arg {
    ($($ty:ty),*) => {$(
        impl Arg for $ty {
            fn arg_len(&self) -> usize {
                unsigned_decimal_len(u64::try_from(*self).unwrap_or(u64::MAX))
            }
            fn put_arg(&self, dst: &mut impl BufMut) {
                dst.put_slice(itoa::Buffer::new().format(*self).as_bytes());
            }
        }
    )*};
}

signed_arg!(i8, i16, i32, i64);
unsigned_arg!(u8, u16, u32, u64, usize);

impl Arg for isize {
    fn arg_len(&self) -> usize {
        decimal_len(*self as i64)
    }
    fn put_arg(&self, dst: &mut impl BufMut) {
        dst.put_slice(itoa::Buffer::new().format(*self).as_bytes());
    }
}

impl Arg for f64 {
    fn arg_len(&self) -> usize {
        DoubleText::new(*self).as_bytes().len()
    }
    fn put_arg(&self, dst: &mut impl BufMut) {
        dst.put_slice(DoubleText::new(*self).as_bytes());
    }
}

impl Arg for f32 {
    fn arg_len(&self) -> usize {
        DoubleText::new_f32(*self).as_bytes().len()
    }
    fn put_arg(&self, dst: &mut impl BufMut) {
        dst.put_slice(DoubleText::new_f32(*self).as_bytes());
    }
}

/// A whole command: a sequence of [`Arg`]s.
///
/// Implemented for slices, arrays and vectors of one argument type, and for
/// tuples of up to 12 arguments of different types.
///
/// ```
/// use resp_core::{pack_command, Args};
///
/// let args = ("SET", "counter", 10);
/// assert_eq!(args.arg_count(), 3);
/// let mut out = Vec::new();
/// pack_command(&mut out, args);
/// assert_eq!(out.len(), args.command_len());
/// ```
pub trait Args {
    /// How many arguments.
    fn arg_count(&self) -> usize;
    /// The bytes of all arguments written as bulk strings.
    fn args_len(&self) -> usize;
    /// Writes every argument as a bulk string.
    fn put_args(&self, dst: &mut impl BufMut);

    /// The bytes of the whole command, header included.
    fn command_len(&self) -> usize {
        super::number::header_len(self.arg_count()) + self.args_len()
    }

    /// The command's name, its first argument, for messages about it
    /// ([`CommandName`]). Nothing by default.
    fn put_name(&self, name: &mut CommandName) {
        let _ = name;
    }
}

/// A command's name, kept inline (up to 32 bytes, no allocation) so that a
/// client can say which command a reply it could not convert answered.
///
/// ```
/// use resp_core::CommandName;
///
/// assert_eq!(CommandName::of(&["GET", "k"]).to_string(), "GET");
/// assert_eq!(CommandName::of(&("HSET", "h", "f", 1)).to_string(), "HSET");
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct CommandName {
    bytes: [u8; 32],
    len: u8,
}

impl CommandName {
    /// The name of the command `args`.
    pub fn of(args: &(impl Args + ?Sized)) -> Self {
        let mut name = Self {
            bytes: [0; 32],
            len: 0,
        };
        args.put_name(&mut name);
        name
    }

    /// Keeps `arg` as the name, when it fits.
    pub fn set(&mut self, arg: &(impl Arg + ?Sized)) {
        let len = arg.arg_len();
        if len <= self.bytes.len() {
            let mut dst = &mut self.bytes[..len];
            arg.put_arg(&mut dst);
            self.len = len as u8;
        }
    }

    /// The name's bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }
}

impl core::fmt::Display for CommandName {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match core::str::from_utf8(self.as_bytes()) {
            Ok(text) => f.write_str(text),
            Err(_) => write!(f, "{:?}", self.as_bytes()),
        }
    }
}

impl core::fmt::Debug for CommandName {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "CommandName({self})")
    }
}

/// The bytes one argument takes as a bulk string.
pub(super) fn bulk_len(arg: &(impl Arg + ?Sized)) -> usize {
    let len = arg.arg_len();
    super::number::header_len(len) + len + 2
}

pub(super) fn put_bulk(dst: &mut impl BufMut, arg: &(impl Arg + ?Sized)) {
    super::number::put_header(dst, b'$', arg.arg_len());
    arg.put_arg(dst);
    dst.put_slice(b"\r\n");
}

impl<T: Args + ?Sized> Args for &T {
    fn arg_count(&self) -> usize {
        (**self).arg_count()
    }
    fn args_len(&self) -> usize {
        (**self).args_len()
    }
    fn put_args(&self, dst: &mut impl BufMut) {
        (**self).put_args(dst);
    }
    fn put_name(&self, name: &mut CommandName) {
        (**self).put_name(name);
    }
}

impl<A: Arg> Args for [A] {
    fn arg_count(&self) -> usize {
        self.len()
    }
    fn args_len(&self) -> usize {
        self.iter().map(bulk_len).sum()
    }
    fn put_args(&self, dst: &mut impl BufMut) {
        for arg in self {
            put_bulk(dst, arg);
        }
    }
    fn put_name(&self, name: &mut CommandName) {
        if let Some(first) = self.first() {
            name.set(first);
        }
    }
}

impl<A: Arg, const N: usize> Args for [A; N] {
    fn arg_count(&self) -> usize {
        N
    }
    fn args_len(&self) -> usize {
        self.as_slice().args_len()
    }
    fn put_args(&self, dst: &mut impl BufMut) {
        self.as_slice().put_args(dst);
    }
    fn put_name(&self, name: &mut CommandName) {
        self.as_slice().put_name(name);
    }
}

impl<A: Arg> Args for Vec<A> {
    fn arg_count(&self) -> usize {
        self.len()
    }
    fn args_len(&self) -> usize {
        self.as_slice().args_len()
    }
    fn put_args(&self, dst: &mut impl BufMut) {
        self.as_slice().put_args(dst);
    }
    fn put_name(&self, name: &mut CommandName) {
        self.as_slice().put_name(name);
    }
}

/// A command of one argument given as a bare string, such as `"PING"`.
/// The string is one argument, never split at spaces.
///
/// ```
/// use resp_core::pack_command;
///
/// let mut out = Vec::new();
/// pack_command(&mut out, "PING");
/// assert_eq!(out, b"*1\r\n$4\r\nPING\r\n");
/// ```
impl Args for str {
    fn arg_count(&self) -> usize {
        1
    }
    fn args_len(&self) -> usize {
        bulk_len(self)
    }
    fn put_args(&self, dst: &mut impl BufMut) {
        put_bulk(dst, self);
    }
    fn put_name(&self, name: &mut CommandName) {
        name.set(self);
    }
}

/// As for `str`: one argument.
impl Args for String {
    fn arg_count(&self) -> usize {
        self.as_str().arg_count()
    }
    fn args_len(&self) -> usize {
        self.as_str().args_len()
    }
    fn put_args(&self, dst: &mut impl BufMut) {
        self.as_str().put_args(dst);
    }
    fn put_name(&self, name: &mut CommandName) {
        self.as_str().put_name(name);
    }
}

macro_rules! tuple_args {
    ($count:expr; $($name:ident),+) => {
        impl<$($name: Arg),+> Args for ($($name,)+) {
            fn arg_count(&self) -> usize {
                $count
            }
            #[allow(non_snake_case)]
            fn args_len(&self) -> usize {
                let ($($name,)+) = self;
                0 $(+ bulk_len($name))+
            }
            #[allow(non_snake_case)]
            fn put_args(&self, dst: &mut impl BufMut) {
                let ($($name,)+) = self;
                $(put_bulk(dst, $name);)+
            }
            fn put_name(&self, name: &mut CommandName) {
                name.set(&self.0);
            }
        }
    };
}

tuple_args!(1; A);
tuple_args!(2; A, B);
tuple_args!(3; A, B, C);
tuple_args!(4; A, B, C, D);
tuple_args!(5; A, B, C, D, E);
tuple_args!(6; A, B, C, D, E, F);
tuple_args!(7; A, B, C, D, E, F, G);
tuple_args!(8; A, B, C, D, E, F, G, H);
tuple_args!(9; A, B, C, D, E, F, G, H, I);
tuple_args!(10; A, B, C, D, E, F, G, H, I, J);
tuple_args!(11; A, B, C, D, E, F, G, H, I, J, K);
tuple_args!(12; A, B, C, D, E, F, G, H, I, J, K, L);
