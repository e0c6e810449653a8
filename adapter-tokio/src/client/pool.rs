//! [`Pool`]: the few connections a [`Client`] keeps for work that would
//! stall its shared connection: blocking commands and `WATCH` transactions.

use super::{Client, ClientError, ClientOptions};
use resp_core::{ConnectionConfig, ConnectionError, ErrorCause};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Connections opened on demand, at most `size` in use at once, kept for
/// reuse when their work ended cleanly.
#[derive(Debug)]
pub(super) struct Pool {
    idle: Mutex<Vec<Client>>,
    permits: Arc<Semaphore>,
}

impl Pool {
    pub(super) fn new(size: usize) -> Self {
        Self {
            idle: Mutex::new(Vec::new()),
            permits: Arc::new(Semaphore::new(size)),
        }
    }

    /// A connection of its own for one piece of work, waiting within
    /// `wait` when all are in use. Pooled connections never reconnect: a
    /// `WATCH` must not silently move to a new connection, and a broken
    /// one is simply replaced by the next lease.
    pub(super) async fn lease(
        self: &Arc<Self>,
        setup: &(ConnectionConfig, ClientOptions),
        wait: Option<Duration>,
    ) -> Result<Lease, ClientError> {
        let acquire = self.permits.clone().acquire_owned();
        let permit = match wait {
            Some(wait) => tokio::time::timeout(wait, acquire).await.map_err(|_| {
                // Still waiting for a connection: nothing was sent.
                ClientError::Connection(ConnectionError::new(ErrorCause::Timeout, false))
            })?,
            None => acquire.await,
        }
        .map_err(|_| ClientError::closed())?;
        let kept = {
            let mut idle = self
                .idle
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            idle.retain(|client| !client.is_closed());
            idle.pop()
        };
        let client = match kept {
            Some(client) => client,
            None => {
                let (config, options) = setup;
                let mut options = options.clone();
                options.reconnect = None;
                Client::connect_pooled(config, options).await?
            }
        };
        Ok(Lease {
            client: Some(client),
            pool: self.clone(),
            _permit: permit,
        })
    }
}

/// A pooled connection in use. Given back with [`done`](Self::done) after
/// work that ended cleanly; dropped otherwise (the caller gave up, timed
/// out, or the work failed), it is closed, so that the server stops what
/// it was doing for it: a `BLPOP` whose caller is gone is unblocked by the
/// close and pops nothing.
#[derive(Debug)]
pub(super) struct Lease {
    client: Option<Client>,
    pool: Arc<Pool>,
    _permit: OwnedSemaphorePermit,
}

impl Lease {
    pub(super) fn client(&self) -> &Client {
        self.client.as_ref().expect("held until done or dropped")
    }

    /// The work ended cleanly: the connection goes back for reuse.
    pub(super) fn done(mut self) {
        if let Some(client) = self.client.take() {
            self.pool
                .idle
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .push(client);
        }
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        if let Some(client) = self.client.take() {
            client.close();
        }
    }
}
