//! The streams a [`Connection`](crate::Connection) runs over: what lets it
//! enforce deadlines ([`Timeouts`]), and [`NetStream`], the TCP, unix
//! socket or TLS stream a URL asks for.

use std::io::{self, Read, Write};
use std::net::TcpStream;
#[cfg(unix)]
use std::os::unix::net::UnixStream;
use std::time::Duration;

/// A stream whose blocking reads and writes can be given a timeout, so a
/// connection over it keeps its deadlines even against a server that
/// stops answering. `None` means no timeout.
///
/// ```
/// use resp_std::Timeouts;
/// use std::net::TcpStream;
///
/// fn bounded(stream: &TcpStream) -> std::io::Result<()> {
///     stream.set_timeouts(Some(std::time::Duration::from_secs(1)), None)
/// }
/// # let _ = bounded;
/// ```
pub trait Timeouts {
    /// Sets the read and the write timeout.
    fn set_timeouts(&self, read: Option<Duration>, write: Option<Duration>) -> io::Result<()>;

    /// Whether the peer has closed the stream, found without blocking and
    /// without taking a byte: a connection idle for a while asks before it
    /// writes, so that a request is never written to a server already
    /// gone (it would then fail saying it may have run). The default
    /// cannot tell, and says no.
    fn peer_closed(&self) -> bool {
        false
    }
}

impl Timeouts for TcpStream {
    fn set_timeouts(&self, read: Option<Duration>, write: Option<Duration>) -> io::Result<()> {
        self.set_read_timeout(read)?;
        self.set_write_timeout(write)
    }

    fn peer_closed(&self) -> bool {
        socket_closed(socket2::SockRef::from(self))
    }
}

#[cfg(unix)]
impl Timeouts for UnixStream {
    fn set_timeouts(&self, read: Option<Duration>, write: Option<Duration>) -> io::Result<()> {
        self.set_read_timeout(read)?;
        self.set_write_timeout(write)
    }

    fn peer_closed(&self) -> bool {
        socket_closed(socket2::SockRef::from(self))
    }
}

#[cfg(feature = "tls")]
impl Timeouts for TlsStream {
    fn set_timeouts(&self, read: Option<Duration>, write: Option<Duration>) -> io::Result<()> {
        self.sock.set_timeouts(read, write)
    }

    fn peer_closed(&self) -> bool {
        // A close_notify record would be a byte waiting; an end of stream
        // underneath is the peer gone all the same.
        self.sock.peer_closed()
    }
}

/// Peeks at `socket` without blocking: an end of stream or an error means
/// the peer is gone; a byte waiting, or none yet, that it is there.
fn socket_closed(socket: socket2::SockRef<'_>) -> bool {
    if socket.set_nonblocking(true).is_err() {
        return false;
    }
    let mut byte = [std::mem::MaybeUninit::uninit(); 1];
    let closed = match socket.peek(&mut byte) {
        Ok(0) => true,
        Ok(_) => false,
        Err(error) => !matches!(
            error.kind(),
            io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted
        ),
    };
    let _ = socket.set_nonblocking(false);
    closed
}

/// A client TLS session over TCP, as [`NetStream::Tls`] holds it.
#[cfg(feature = "tls")]
pub type TlsStream = rustls::StreamOwned<rustls::ClientConnection, TcpStream>;

/// The stream a [`ConnectionConfig`](resp_core::ConnectionConfig) asks
/// for: TCP (`redis://`), TLS over TCP (`rediss://`) or a unix socket
/// (`unix://`).
///
/// ```no_run
/// use resp_std::{Connection, NetStream};
///
/// let redis = Connection::connect("rediss://cache.internal:6380")?;
/// if let NetStream::Tls(tls) = redis.get_ref() {
///     println!("TLS {:?}", tls.conn.protocol_version());
/// }
/// # Ok::<(), resp_std::Error>(())
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum NetStream {
    /// Plain TCP, with `TCP_NODELAY` set.
    Tcp(TcpStream),
    /// TLS over TCP.
    #[cfg(feature = "tls")]
    Tls(Box<TlsStream>),
    /// A unix socket.
    #[cfg(unix)]
    Unix(UnixStream),
}

/// Runs `$body` on whichever stream `$self` holds, bound to `$stream`.
macro_rules! each {
    ($self:expr, $stream:ident => $body:expr) => {
        match $self {
            NetStream::Tcp($stream) => $body,
            #[cfg(feature = "tls")]
            NetStream::Tls($stream) => $body,
            #[cfg(unix)]
            NetStream::Unix($stream) => $body,
        }
    };
}

impl Read for NetStream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        each!(self, stream => stream.read(buf))
    }
}

impl Write for NetStream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        each!(self, stream => stream.write(buf))
    }

    fn write_vectored(&mut self, bufs: &[io::IoSlice<'_>]) -> io::Result<usize> {
        each!(self, stream => stream.write_vectored(bufs))
    }

    fn flush(&mut self) -> io::Result<()> {
        each!(self, stream => stream.flush())
    }
}

impl Timeouts for NetStream {
    fn set_timeouts(&self, read: Option<Duration>, write: Option<Duration>) -> io::Result<()> {
        each!(self, stream => stream.set_timeouts(read, write))
    }

    fn peer_closed(&self) -> bool {
        each!(self, stream => stream.peer_closed())
    }
}
