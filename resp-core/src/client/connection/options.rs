//! [`ConnectionOptions`]: how a client connection behaves, as plain data
//! both adapters take.

use super::backoff::Backoff;
use super::cache::CacheLimits;
use crate::limits::Limits;
use core::time::Duration;

/// How a [`ClientConnection`](super::ClientConnection) behaves; the
/// defaults suit most applications.
///
/// The timeout rule, for single commands and pipelines alike: a request
/// gets [`response_timeout`](Self::response_timeout) from the moment it is
/// queued, and each blocking command in it (`BLPOP q 2`, `XREAD BLOCK 500
/// …`, `WAIT 1 100`) adds its own timeout plus
/// [`blocking_margin`](Self::blocking_margin), since the server runs them
/// one after another. A blocking command without a limit (a timeout of 0)
/// lifts the request's deadline.
///
/// ```
/// use core::time::Duration;
/// use resp_core::ConnectionOptions;
///
/// let mut options = ConnectionOptions::default();
/// options.response_timeout = Some(Duration::from_millis(500));
/// assert_eq!(options.setup_timeout, Duration::from_secs(10));
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ConnectionOptions {
    /// How long the setup (`HELLO` and its RESP2 fallback, `AUTH`,
    /// `SELECT`, the name) may take, counted from the connection's start.
    pub setup_timeout: Duration,
    /// How long a request waits for its replies; `None` without limit. A
    /// request that runs out of time fails, and its replies are discarded
    /// when they come.
    pub response_timeout: Option<Duration>,
    /// What a blocking command may take beyond its own timeout.
    pub blocking_margin: Duration,
    /// Bounds on replies, against a hostile or broken server.
    pub limits: Limits,
    /// Pushes (pub/sub messages, invalidations) an adapter keeps for a
    /// reader that has not taken them; beyond it, newer ones are dropped
    /// and counted, never silently.
    pub push_buffer: usize,
    /// On a raw connection, how many bytes of a request's replies are held
    /// before they are handed on in parts
    /// ([`ConnectionEvent::RawPart`](super::ConnectionEvent::RawPart)).
    pub raw_pass_on: usize,
    /// Whether a request already written, whose every command only reads
    /// and none blocks (by the command table), may go again on a new
    /// connection when the old one breaks
    /// ([`ClientConnection::reconnect`](super::ClientConnection::reconnect)).
    /// Requests never written always may. Keeping written requests' bytes
    /// until they are answered costs one copy of each, and at most 1 MiB:
    /// behind a server that stops answering, requests written past that
    /// are not sent again.
    pub retry_reads: bool,
    /// For the adapter: TCP keepalive probes after this long without
    /// traffic (then every third of it), so that a server gone without a
    /// word is found in about twice this; `None` leaves the system's
    /// default (hours).
    pub keepalive: Option<Duration>,
    /// After this long without a byte from the server, a `PING` goes out;
    /// if still nothing comes within
    /// [`health_check_timeout`](Self::health_check_timeout), the
    /// connection is taken for dead and closed (requests in flight fail,
    /// and a client reconnects). This finds a peer gone without a word in
    /// seconds. Silence is expected, and not probed, during a blocking
    /// command and `MONITOR`; a command that keeps the server silent for
    /// longer than both together (a very slow script) needs them raised.
    /// `None` turns it off.
    pub health_check: Option<Duration>,
    /// How long the health check's `PING` may go unanswered.
    pub health_check_timeout: Duration,
    /// How a client reconnects after its connection breaks; `None`: it
    /// does not, and stays closed.
    pub reconnect: Option<Backoff>,
    /// Client-side caching, when set: the setup turns `CLIENT TRACKING on`
    /// (RESP3 only; on RESP2 the cache stays off), and
    /// [`send_cached`](super::ClientConnection::send_cached) keeps read
    /// replies within these bounds until the server invalidates them.
    pub cache: Option<CacheLimits>,
}

impl Default for ConnectionOptions {
    fn default() -> Self {
        Self {
            setup_timeout: Duration::from_secs(10),
            response_timeout: Some(Duration::from_secs(30)),
            blocking_margin: Duration::from_secs(1),
            limits: Limits::client(),
            push_buffer: 1024,
            raw_pass_on: 64 * 1024,
            retry_reads: true,
            keepalive: Some(Duration::from_secs(30)),
            health_check: Some(Duration::from_secs(10)),
            health_check_timeout: Duration::from_secs(5),
            reconnect: Some(Backoff::default()),
            cache: None,
        }
    }
}
