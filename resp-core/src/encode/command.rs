//! Packing commands, pipelines and transactions.

use super::arg::Args;
use super::number::put_header;
use alloc::vec::Vec;
use bytes::{BufMut, Bytes, BytesMut};

/// An output buffer that can grow by an exact amount, so a command is
/// reserved for once and then written without further checks.
pub trait Reserve: BufMut {
    /// Makes room for at least `additional` more bytes.
    fn reserve_exact_len(&mut self, additional: usize);
}

impl Reserve for Vec<u8> {
    fn reserve_exact_len(&mut self, additional: usize) {
        self.reserve(additional);
    }
}

impl Reserve for BytesMut {
    fn reserve_exact_len(&mut self, additional: usize) {
        self.reserve(additional);
    }
}

impl<T: Reserve + ?Sized> Reserve for &mut T {
    fn reserve_exact_len(&mut self, additional: usize) {
        (**self).reserve_exact_len(additional);
    }
}

/// Appends one command, an array of bulk strings, to `dst`: the exact length
/// first, one reservation, then the bytes. No frame is built.
///
/// ```
/// use resp_core::pack_command;
///
/// let mut out = Vec::new();
/// pack_command(&mut out, ["GET", "key"]);
/// pack_command(&mut out, ("EXPIRE", "key", 60));
/// assert_eq!(out, b"*2\r\n$3\r\nGET\r\n$3\r\nkey\r\n*3\r\n$6\r\nEXPIRE\r\n$3\r\nkey\r\n$2\r\n60\r\n");
/// ```
pub fn pack_command(dst: &mut impl Reserve, args: impl Args) {
    dst.reserve_exact_len(args.command_len());
    write_command(dst, &args);
}

/// Writes one command into any [`BufMut`] without reserving; reserve
/// [`Args::command_len`] bytes first to grow the buffer once.
pub fn write_command(dst: &mut impl BufMut, args: impl Args) {
    put_header(dst, b'*', args.arg_count());
    args.put_args(dst);
}

/// Appends every command of `commands` with one reservation.
///
/// ```
/// use resp_core::pack_pipeline;
///
/// let mut out = Vec::new();
/// pack_pipeline(&mut out, &[["INCR", "a"], ["INCR", "b"]]);
/// assert_eq!(out, b"*2\r\n$4\r\nINCR\r\n$1\r\na\r\n*2\r\n$4\r\nINCR\r\n$1\r\nb\r\n");
/// ```
pub fn pack_pipeline<A: Args>(dst: &mut impl Reserve, commands: &[A]) {
    dst.reserve_exact_len(commands.iter().map(Args::command_len).sum());
    for command in commands {
        write_command(dst, command);
    }
}

/// Appends `commands` wrapped in `MULTI` … `EXEC`, so the server runs them
/// atomically. The replies are `+OK`, one `+QUEUED` per command, then the
/// array of results.
///
/// ```
/// use resp_core::pack_transaction;
///
/// let mut out = Vec::new();
/// pack_transaction(&mut out, &[["INCR", "a"]]);
/// assert_eq!(out, b"*1\r\n$5\r\nMULTI\r\n*2\r\n$4\r\nINCR\r\n$1\r\na\r\n*1\r\n$4\r\nEXEC\r\n");
/// ```
pub fn pack_transaction<A: Args>(dst: &mut impl Reserve, commands: &[A]) {
    let body: usize = commands.iter().map(Args::command_len).sum();
    dst.reserve_exact_len(MULTI.len() + body + EXEC.len());
    dst.put_slice(MULTI);
    for command in commands {
        write_command(dst, command);
    }
    dst.put_slice(EXEC);
}

const MULTI: &[u8] = b"*1\r\n$5\r\nMULTI\r\n";
const EXEC: &[u8] = b"*1\r\n$4\r\nEXEC\r\n";

/// Commands collected into one buffer, to be sent with one write.
///
/// Every command, `MULTI` and `EXEC` included, gets exactly one reply, so
/// [`len`](Self::len) is also the number of replies to read back.
///
/// ```
/// use resp_core::Pipeline;
///
/// let mut pipeline = Pipeline::new();
/// pipeline.command(("SET", "a", 1)).multi().command(["INCR", "a"]).exec();
/// assert_eq!(pipeline.len(), 4);
/// let bytes = pipeline.take();
/// assert!(bytes.starts_with(b"*3\r\n$3\r\nSET\r\n"));
/// assert!(pipeline.is_empty());
/// ```
#[derive(Debug, Clone, Default)]
pub struct Pipeline {
    buf: BytesMut,
    commands: usize,
}

impl Pipeline {
    /// An empty pipeline.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends a command.
    pub fn command(&mut self, args: impl Args) -> &mut Self {
        pack_command(&mut self.buf, args);
        self.commands += 1;
        self
    }

    /// Appends `MULTI`: the commands up to [`exec`](Self::exec) run atomically.
    pub fn multi(&mut self) -> &mut Self {
        self.buf.extend_from_slice(MULTI);
        self.commands += 1;
        self
    }

    /// Appends `EXEC`, whose reply holds the replies of the queued commands.
    pub fn exec(&mut self) -> &mut Self {
        self.buf.extend_from_slice(EXEC);
        self.commands += 1;
        self
    }

    /// Appends every command of `other`, for example to wrap them in
    /// `MULTI` … `EXEC`.
    ///
    /// ```
    /// use resp_core::Pipeline;
    ///
    /// let mut body = Pipeline::new();
    /// body.command(["INCR", "a"]).command(["INCR", "b"]);
    /// let mut transaction = Pipeline::new();
    /// transaction.multi().extend_from(&body).exec();
    /// assert_eq!(transaction.len(), 4);
    /// ```
    pub fn extend_from(&mut self, other: &Pipeline) -> &mut Self {
        self.buf.extend_from_slice(&other.buf);
        self.commands += other.commands;
        self
    }

    /// These commands as one transaction: `MULTI`, them, `EXEC`, to send
    /// in one write; read its replies with
    /// [`ExecReply::of_transaction`](crate::ExecReply::of_transaction).
    ///
    /// ```
    /// use resp_core::Pipeline;
    ///
    /// let mut moves = Pipeline::new();
    /// moves.command(["DECRBY", "alice", "10"]).command(["INCRBY", "bob", "10"]);
    /// assert_eq!(moves.in_transaction().len(), 4);
    /// ```
    pub fn in_transaction(&self) -> Pipeline {
        let mut transaction = Pipeline::new();
        transaction.multi().extend_from(self).exec();
        transaction
    }

    /// Commands appended, which is also the number of replies to expect.
    pub fn len(&self) -> usize {
        self.commands
    }

    /// Whether no command has been appended.
    pub fn is_empty(&self) -> bool {
        self.commands == 0
    }

    /// The encoded commands.
    pub fn as_bytes(&self) -> &[u8] {
        &self.buf
    }

    /// Takes the encoded commands out, leaving the pipeline empty (and its
    /// buffer's spare capacity for reuse).
    pub fn take(&mut self) -> Bytes {
        self.commands = 0;
        self.buf.split().freeze()
    }
}
