//! Transactions: `MULTI` … `EXEC` in one write, and optimistic ones with
//! `WATCH`, tried a bounded number of times.

use super::Connection;
use crate::error::Error;
use resp_core::{ExecReply, Frame, Pipeline};
use std::io::{Read, Write};

impl<S: Read + Write> Connection<S> {
    /// Runs the commands of `commands` as one transaction: `MULTI`, them,
    /// `EXEC`, in one write. Returns each command's reply (an error reply in
    /// its place). A command refused while queuing fails the whole with the
    /// server's `EXECABORT` error; a changed watched key with
    /// [`Error::TransactionAborted`].
    ///
    /// ```no_run
    /// use resp_core::Pipeline;
    ///
    /// let mut redis = resp_std::Connection::connect("redis://127.0.0.1")?;
    /// let mut moves = Pipeline::new();
    /// moves.command(["DECRBY", "alice", "10"]).command(["INCRBY", "bob", "10"]);
    /// let balances = redis.transaction(&moves)?;
    /// # Ok::<(), resp_std::Error>(())
    /// ```
    pub fn transaction(&mut self, commands: &Pipeline) -> Result<Vec<Frame>, Error> {
        let replies = self.pipeline(&commands.in_transaction())?;
        match ExecReply::of_transaction(replies) {
            Some(ExecReply::Committed(results)) => Ok(results),
            Some(ExecReply::Aborted) => Err(Error::TransactionAborted),
            Some(ExecReply::Refused(text)) => Err(Error::Server(text)),
            None => Err(Error::unexpected()),
        }
    }

    /// An optimistic transaction: `WATCH`es `keys`, lets `build` read what
    /// it needs on this connection and return the commands to run, then
    /// runs them with [`transaction`](Self::transaction). When a watched
    /// key changed in between, `EXEC` runs nothing and the whole is tried
    /// again, at most `attempts` times; then [`Error::TransactionAborted`].
    ///
    /// ```no_run
    /// use resp_core::Pipeline;
    ///
    /// let mut redis = resp_std::Connection::connect("redis://127.0.0.1")?;
    /// // Double a counter, safely against other writers.
    /// redis.watch_transaction(&["counter"], 10, |redis| {
    ///     let n: i64 = redis.call(["GET", "counter"])?;
    ///     let mut commands = Pipeline::new();
    ///     commands.command(("SET", "counter", n * 2));
    ///     Ok(commands)
    /// })?;
    /// # Ok::<(), resp_std::Error>(())
    /// ```
    pub fn watch_transaction<F>(
        &mut self,
        keys: &[&str],
        attempts: usize,
        mut build: F,
    ) -> Result<Vec<Frame>, Error>
    where
        F: FnMut(&mut Self) -> Result<Pipeline, Error>,
    {
        for _ in 0..attempts {
            let mut watch = vec!["WATCH"];
            watch.extend_from_slice(keys);
            self.call::<()>(watch)?;
            let commands = match build(self) {
                Ok(commands) => commands,
                Err(error) => {
                    if !self.is_closed() {
                        self.call::<()>(["UNWATCH"])?;
                    }
                    return Err(error);
                }
            };
            match self.transaction(&commands) {
                Err(Error::TransactionAborted) => continue,
                result => return result,
            }
        }
        Err(Error::TransactionAborted)
    }
}
