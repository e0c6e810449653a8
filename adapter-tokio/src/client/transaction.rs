//! Transactions: `MULTI` … `EXEC` in one write, and optimistic ones with
//! `WATCH`, retried a bounded number of times.

use super::{Client, ClientError};
use resp_core::{ExecReply, Frame, Pipeline};
use std::future::Future;

impl Client {
    /// Runs the commands of `pipeline` as one transaction: `MULTI`, them,
    /// `EXEC`, in one write, so no other caller's command can land in
    /// between. Returns each command's reply (an error reply in its place);
    /// a command refused while queuing makes the whole transaction fail
    /// with the server's `EXECABORT` error.
    pub async fn transaction(&self, pipeline: &Pipeline) -> Result<Vec<Frame>, ClientError> {
        let replies = self.pipeline(&pipeline.in_transaction()).await?;
        match ExecReply::of_transaction(replies) {
            Some(ExecReply::Committed(results)) => Ok(results),
            Some(ExecReply::Aborted) => Err(ClientError::TransactionAborted),
            Some(ExecReply::Refused(text)) => Err(ClientError::Server(text)),
            None => Err(ClientError::closed()),
        }
    }

    /// An optimistic transaction: on a connection of its own (from the
    /// client's pool, [`ClientOptions::blocking_connections`](super::ClientOptions::blocking_connections)), `WATCH`es
    /// `keys`, lets `build` read what it needs (through the connection it
    /// is given) and return the commands to run, then runs them with
    /// [`transaction`](Self::transaction). When a watched key changed in between, `EXEC`
    /// does nothing and the whole is tried again, at most `attempts` times;
    /// then [`ClientError::TransactionAborted`].
    ///
    /// ```no_run
    /// # async fn demo(client: resp_tokio::Client) -> Result<(), resp_tokio::ClientError> {
    /// use resp_core::Pipeline;
    ///
    /// // Double a counter, safely against other writers.
    /// client
    ///     .watch_transaction(&["counter"], 10, |connection| async move {
    ///         let n: i64 = connection.call(["GET", "counter"]).await?;
    ///         let mut commands = Pipeline::new();
    ///         commands.command(("SET", "counter", n * 2));
    ///         Ok(commands)
    ///     })
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub async fn watch_transaction<F, Fut>(
        &self,
        keys: &[&str],
        attempts: usize,
        mut build: F,
    ) -> Result<Vec<Frame>, ClientError>
    where
        F: FnMut(Client) -> Fut,
        Fut: Future<Output = Result<Pipeline, ClientError>>,
    {
        let lease = match &self.pool {
            Some(pool) => Some(
                pool.lease(&self.setup, self.setup.1.response_timeout)
                    .await?,
            ),
            None => None,
        };
        let connection = match &lease {
            Some(lease) => lease.client().clone(),
            None => {
                let (config, options) = &*self.setup;
                let mut options = options.clone();
                // A WATCH must never move to a new connection unseen.
                options.reconnect = None;
                Client::connect_with(config, options).await?
            }
        };
        let outcome = Self::watched(&connection, keys, attempts, &mut build).await;
        // Given back only after a clean end: EXEC (or UNWATCH) left no
        // WATCH behind on it.
        if let (Some(lease), Ok(_) | Err(ClientError::TransactionAborted)) = (lease, &outcome) {
            lease.done();
        }
        outcome
    }

    async fn watched<F, Fut>(
        connection: &Client,
        keys: &[&str],
        attempts: usize,
        build: &mut F,
    ) -> Result<Vec<Frame>, ClientError>
    where
        F: FnMut(Client) -> Fut,
        Fut: Future<Output = Result<Pipeline, ClientError>>,
    {
        for _ in 0..attempts {
            let mut watch = vec!["WATCH"];
            watch.extend_from_slice(keys);
            connection.call::<()>(watch).await?;
            let commands = match build(connection.clone()).await {
                Ok(commands) => commands,
                Err(error) => {
                    let _ = connection.call::<()>(["UNWATCH"]).await;
                    return Err(error);
                }
            };
            match connection.transaction(&commands).await {
                Err(ClientError::TransactionAborted) => continue,
                result => return result,
            }
        }
        Err(ClientError::TransactionAborted)
    }
}
