//! Client-side caching over RESP2: the second connection the server sends
//! a client's invalidations to (`CLIENT TRACKING on REDIRECT id`), since a
//! RESP2 connection cannot carry them beside its replies.

use super::driver::Shared;
use super::{Client, ClientError, ClientOptions, Message};
use resp_core::{Backoff, ConnectionConfig, Push};
use std::sync::Weak;
use std::time::Duration;

/// The channel RESP2 invalidations are published on.
const CHANNEL: &str = "__redis__:invalidate";

/// Keeps a connection subscribed to the invalidations of `main`'s cache,
/// opening another (with backoff) whenever it breaks; while none is up,
/// the main connection's cache is off, since invalidations would be
/// missed. Ends when the main client is gone or closed.
pub(super) async fn redirect(main: Weak<Shared>, config: ConnectionConfig, options: ClientOptions) {
    let mut options = options;
    options.reconnect = None;
    options.cache = None;
    options.blocking_connections = 0;
    let backoff = Backoff::default();
    let mut attempt = 0;
    loop {
        if main.upgrade().is_none_or(|main| main.is_closed()) {
            return;
        }
        if listen(&main, &config, &options).await.is_ok() {
            attempt = 0;
        }
        if let Some(main) = main.upgrade() {
            main.track_redirected(None);
        }
        let delay = backoff.jittered_delay(attempt).unwrap_or_default();
        attempt = attempt.saturating_add(1);
        tokio::time::sleep(delay).await;
    }
}

/// One invalidation connection, until it breaks or `main` is gone.
async fn listen(
    main: &Weak<Shared>,
    config: &ConnectionConfig,
    options: &ClientOptions,
) -> Result<(), ClientError> {
    let connection = Client::connect_pooled(config, options.clone()).await?;
    let id: i64 = connection.call(["CLIENT", "ID"]).await?;
    let mut invalidations = connection.join_here("SUBSCRIBE", &[CHANNEL], None).await?;
    match main.upgrade() {
        Some(main) => main.track_redirected(Some(id)),
        None => return Ok(()),
    }
    loop {
        // Woken now and then to see whether the main client is gone.
        let next = tokio::time::timeout(Duration::from_secs(1), invalidations.next()).await;
        let Some(main) = main.upgrade().filter(|main| !main.is_closed()) else {
            return Ok(());
        };
        match next {
            Err(_) => {}
            Ok(Some(Message::Push(Push::Invalidate(keys)))) => main.invalidate(keys.as_deref()),
            // Invalidations were dropped: nothing kept can be trusted.
            Ok(Some(Message::Lagged(_) | Message::Reconnected)) => {
                main.track_redirected(Some(id));
            }
            Ok(Some(Message::Push(_))) => {}
            Ok(None) => return Ok(()),
        }
        if connection.is_closed() {
            return Ok(());
        }
    }
}
