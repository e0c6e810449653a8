//! [`Connection`]: one core connection driven by the task that owns it,
//! event by event, with no handles, locks or tasks of its own.

use crate::client::ClientError;
use resp_core::{Address, ClientConnection, ConnectionConfig, ConnectionEvent, ConnectionOptions};
use std::future::poll_fn;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio::time::Sleep;

/// A connection whose owner drives it: it queues requests straight into
/// the core [`ClientConnection`] ([`core`](Self::core)) and awaits
/// [`next_event`](Self::next_event), which writes what is queued, reads,
/// and runs the core's timer until the core has something to say.
///
/// This is the shape a proxy's upstream side wants: one task per upstream
/// connection, requests as their bytes ([`ClientConnection::new_raw`]), each
/// reply's bytes handed to whoever asked. The multiplexed
/// [`Client`](crate::Client) is the better fit for an application.
///
/// `next_event` is cancel-safe: everything read or written is in the core
/// before it returns `Pending`, so it can sit in a `select!` beside a
/// queue of requests.
///
/// ```
/// use resp_core::{ClientConnection, ConnectionEvent, ConnectionOptions};
/// use resp_tokio::Connection;
/// use std::time::Duration;
/// use tokio::io::{AsyncReadExt, AsyncWriteExt};
///
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// let (ours, mut server) = tokio::io::duplex(4096);
/// tokio::spawn(async move {
///     let mut request = [0; 64];
///     let n = server.read(&mut request).await.unwrap();
///     assert_eq!(&request[..n], b"GET k\r\n");
///     server.write_all(b"$5\r\nhello\r\n").await.unwrap();
/// });
/// let config = "redis://in-memory?protocol=2".parse().unwrap();
/// let core = ClientConnection::new_raw(&config, ConnectionOptions::default(), Duration::ZERO);
/// let mut connection = Connection::over(ours, core);
/// assert!(matches!(connection.next_event().await, Some(ConnectionEvent::Ready { .. })));
/// let now = connection.now();
/// let token = connection.core().send_raw_counted(b"GET k\r\n", 1, now);
/// assert_eq!(
///     connection.next_event().await,
///     Some(ConnectionEvent::RawReplies { token, bytes: b"$5\r\nhello\r\n"[..].into() })
/// );
/// # });
/// ```
#[derive(Debug)]
pub struct Connection<S> {
    stream: S,
    core: ClientConnection,
    /// Where the core's clock starts.
    epoch: Instant,
    /// The core's next deadline, and the timer set for it.
    timer: Option<(Duration, Pin<Box<Sleep>>)>,
    /// Bytes were written since the last flush.
    unflushed: bool,
}

impl Connection<TcpStream> {
    /// Connects over TCP to `config`'s address (no delay, keepalive probes
    /// as `options.keepalive` says) and starts the setup, which goes on as
    /// events are awaited. A raw connection when `raw`, as a proxy wants.
    /// Only TCP: any other stream goes through [`over`](Self::over).
    ///
    /// The connection itself must come within `options.setup_timeout`;
    /// the setup after it is timed by the core.
    pub async fn connect(
        config: &ConnectionConfig,
        options: ConnectionOptions,
        raw: bool,
    ) -> Result<Self, ClientError> {
        let Address::Tcp { host, port } = &config.address else {
            return Err(ClientError::Io(std::io::Error::new(
                std::io::ErrorKind::Unsupported,
                "Connection::connect opens TCP connections; use Connection::over for others",
            )));
        };
        let address = format!("{host}:{port}");
        let connect = TcpStream::connect((host.as_str(), *port));
        let stream = match tokio::time::timeout(options.setup_timeout, connect).await {
            Ok(Ok(stream)) => stream,
            Ok(Err(error)) => {
                return Err(ClientError::Io(crate::client::at_address(error, &address)));
            }
            Err(_) => return Err(ClientError::setup_timeout()),
        };
        stream.set_nodelay(true)?;
        if let Some(idle) = options.keepalive {
            set_keepalive(&stream, idle)?;
        }
        let core = if raw {
            ClientConnection::new_raw(config, options, Duration::ZERO)
        } else {
            ClientConnection::new(config, options, Duration::ZERO)
        };
        Ok(Self::over(stream, core))
    }
}

/// Turns TCP keepalive on: probes after `idle` without traffic, then every
/// third of it, so that a peer gone without a word is found in about
/// twice `idle` rather than the system's default of hours.
pub(crate) fn set_keepalive(stream: &TcpStream, idle: Duration) -> std::io::Result<()> {
    let probes = socket2::TcpKeepalive::new()
        .with_time(idle)
        .with_interval((idle / 3).max(Duration::from_secs(1)));
    socket2::SockRef::from(stream).set_tcp_keepalive(&probes)
}

impl<S: AsyncRead + AsyncWrite + Unpin> Connection<S> {
    /// Drives `core` over `stream`; the core's clock starts now.
    pub fn over(stream: S, core: ClientConnection) -> Self {
        Self {
            stream,
            core,
            epoch: Instant::now(),
            timer: None,
            unflushed: false,
        }
    }

    /// The core connection, to queue requests in or give them up.
    pub fn core(&mut self) -> &mut ClientConnection {
        &mut self.core
    }

    /// The stream, to read its address or socket options.
    pub fn get_ref(&self) -> &S {
        &self.stream
    }

    /// The core's clock: the time since this connection started.
    pub fn now(&self) -> Duration {
        self.epoch.elapsed()
    }

    /// The next thing the core says; `None` once it has said
    /// [`ConnectionEvent::Closed`] and nothing is left.
    pub async fn next_event(&mut self) -> Option<ConnectionEvent> {
        poll_fn(|cx| self.poll_event(cx)).await
    }

    /// [`next_event`](Self::next_event) as a poll.
    pub fn poll_event(&mut self, cx: &mut Context<'_>) -> Poll<Option<ConnectionEvent>> {
        loop {
            if let Some(event) = self.core.poll_event() {
                return Poll::Ready(Some(event));
            }
            if self.core.is_closed() {
                return Poll::Ready(None);
            }
            // What was read, and what the setup's end left in the input,
            // answering requests queued since.
            self.core.handle_input();
            if let Some(event) = self.core.poll_event() {
                return Poll::Ready(Some(event));
            }
            let wrote = self.poll_write(cx);
            let read = self.poll_read(cx);
            let timed_out = self.poll_timer(cx);
            if !(wrote || read || timed_out) {
                return Poll::Pending;
            }
        }
    }

    /// Writes what the core has queued; `true` when that changed anything.
    fn poll_write(&mut self, cx: &mut Context<'_>) -> bool {
        let mut progress = false;
        while !self.core.transmit().is_empty() {
            match Pin::new(&mut self.stream).poll_write(cx, self.core.transmit()) {
                Poll::Ready(Ok(0)) | Poll::Ready(Err(_)) => {
                    self.core.connection_lost();
                    return true;
                }
                Poll::Ready(Ok(n)) => {
                    self.core.written(n);
                    self.unflushed = true;
                    progress = true;
                }
                Poll::Pending => return progress,
            }
        }
        if self.unflushed {
            match Pin::new(&mut self.stream).poll_flush(cx) {
                Poll::Ready(Ok(())) => self.unflushed = false,
                Poll::Ready(Err(_)) => {
                    self.core.connection_lost();
                    return true;
                }
                Poll::Pending => {}
            }
        }
        progress
    }

    /// Reads once and hands the bytes to the core; `true` when it read.
    fn poll_read(&mut self, cx: &mut Context<'_>) -> bool {
        let buffer = self.core.read_buffer();
        match tokio_util::io::poll_read_buf(Pin::new(&mut self.stream), cx, buffer) {
            Poll::Ready(Ok(0)) | Poll::Ready(Err(_)) => {
                self.core.connection_lost();
                true
            }
            // The loop hands what came to the core.
            Poll::Ready(Ok(_)) => true,
            Poll::Pending => false,
        }
    }

    /// Runs the core's timer; `true` when a deadline passed. The timer is
    /// only ever moved earlier: one that fires before the core's next
    /// deadline costs a wake-up, where moving it for every request that
    /// completes would cost a timer update each.
    fn poll_timer(&mut self, cx: &mut Context<'_>) -> bool {
        let Some(deadline) = self.core.next_deadline() else {
            // Left to fire: the wake-up finds nothing due.
            return false;
        };
        let at = tokio::time::Instant::from_std(self.epoch + deadline);
        match &mut self.timer {
            Some((set, _)) if *set <= deadline => {}
            Some((set, sleep)) => {
                *set = deadline;
                sleep.as_mut().reset(at);
            }
            None => self.timer = Some((deadline, Box::pin(tokio::time::sleep_until(at)))),
        }
        let Some((_, sleep)) = self.timer.as_mut() else {
            return false;
        };
        if sleep.as_mut().poll(cx).is_ready() {
            self.timer = None;
            let now = self.now();
            self.core.handle_timeout(now);
            if self.core.is_broken() {
                // The health check found the server gone; whoever owns
                // this connection opens another.
                self.core.connection_lost();
            }
            return true;
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tcp_connection_gets_no_delay_and_keepalive_from_its_options() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let port = listener.local_addr().unwrap().port();
            let config = ConnectionConfig::tcp("127.0.0.1", port);
            let idle = Duration::from_secs(7);
            let mut options = ConnectionOptions::default();
            options.keepalive = Some(idle);
            let connection = Connection::connect(&config, options, true).await.unwrap();
            let socket = socket2::SockRef::from(connection.get_ref());
            assert!(socket.keepalive().unwrap());
            assert_eq!(socket.tcp_keepalive_time().unwrap(), idle);
            assert!(connection.get_ref().nodelay().unwrap());
        });
    }
}
