//! [`ClientOptions`]: the deadlines and bounds of a [`Connection`](crate::Connection).

use resp_core::{Backoff, CacheLimits, Limits};
use std::time::Duration;

/// How a [`Connection`](crate::Connection) behaves; the defaults suit
/// scripts and services alike. The same fields as `resp_tokio::ClientOptions`
/// where the two clients do the same thing, with the same defaults (the
/// core's [`ConnectionOptions`](resp_core::ConnectionOptions)).
///
/// ```
/// use resp_std::ClientOptions;
/// use std::time::Duration;
///
/// let mut options = ClientOptions::default();
/// options.connect_timeout = Duration::from_secs(2);
/// options.response_timeout = Some(Duration::from_millis(500));
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ClientOptions {
    /// One deadline for the whole setup: connecting, the TLS handshake,
    /// `HELLO` (and its RESP2 fallback), `AUTH`, `SELECT` and the client
    /// name.
    pub connect_timeout: Duration,
    /// How long a call may take, its write and its reply; `None` waits
    /// without limit. A call that runs out of time fails with a timeout
    /// ([`Error::is_timeout`](crate::Error::is_timeout)); its reply is
    /// dropped when it comes, and the connection goes on.
    pub response_timeout: Option<Duration>,
    /// Each blocking command of a call (`BLPOP key 2`, `XREAD BLOCK 500 …`)
    /// adds its own timeout plus this margin to `response_timeout`, as the
    /// core's [`ConnectionOptions`](resp_core::ConnectionOptions) rule
    /// says. One with a timeout of 0 waits without limit.
    pub blocking_margin: Duration,
    /// Pushes (pub/sub messages, invalidations) kept while no one reads
    /// them; beyond it the newest are dropped and counted
    /// ([`Connection::pushes_dropped`](crate::Connection::pushes_dropped)).
    pub push_buffer: usize,
    /// Bounds on replies, against a hostile or broken server.
    pub limits: Limits,
    /// TCP keepalive: probes after this long without traffic (and then
    /// every third of it), so that a server gone without a word is found
    /// in about twice this; `None` leaves the system's default (hours).
    pub keepalive: Option<Duration>,
    /// A `PING` after this long without a byte from the server while a
    /// call waits, which must be answered within `health_check_timeout`,
    /// or the connection is taken for dead and replaced
    /// ([`ConnectionOptions::health_check`](resp_core::ConnectionOptions::health_check)).
    /// `None` turns it off.
    pub health_check: Option<Duration>,
    /// How long the health check's `PING` may go unanswered.
    pub health_check_timeout: Duration,
    /// How a connection opened by [`Connection::open`](crate::Connection::open)
    /// (or `connect`) reconnects when it breaks, within the call that finds
    /// it broken: exponential backoff with full jitter, bounded by the
    /// call's own deadline. `None`: it stays closed. A connection made
    /// with [`Connection::over`](crate::Connection::over) never reconnects.
    pub reconnect: Option<Backoff>,
    /// Client-side caching for [`Connection::call_cached`](crate::Connection::call_cached):
    /// the connection turns `CLIENT TRACKING on` and keeps read replies
    /// within these bounds until the server invalidates them. RESP3 only
    /// (on RESP2, `call_cached` is a plain call). `None` (the default): off.
    pub cache: Option<CacheLimits>,
    /// Whether a read already written when the connection broke goes again
    /// on the new one; requests never written always do, and nothing else
    /// ever runs twice.
    pub retry_reads: bool,
    /// The TLS setup for `rediss://`; `None` trusts the system's roots.
    #[cfg(feature = "tls")]
    pub tls: Option<std::sync::Arc<rustls::ClientConfig>>,
}

impl Default for ClientOptions {
    /// The core's [`ConnectionOptions`](resp_core::ConnectionOptions)
    /// defaults, which the async client shares.
    fn default() -> Self {
        let core = resp_core::ConnectionOptions::default();
        Self {
            connect_timeout: core.setup_timeout,
            response_timeout: core.response_timeout,
            blocking_margin: core.blocking_margin,
            push_buffer: core.push_buffer,
            limits: core.limits,
            keepalive: core.keepalive,
            health_check: core.health_check,
            health_check_timeout: core.health_check_timeout,
            reconnect: core.reconnect,
            retry_reads: core.retry_reads,
            cache: core.cache,
            #[cfg(feature = "tls")]
            tls: None,
        }
    }
}
