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
}

impl Timeouts for TcpStream {
    fn set_timeouts(&self, read: Option<Duration>, write: Option<Duration>) -> io::Result<()> {
        self.set_read_timeout(read)?;
        self.set_write_timeout(write)
    }
}

#[cfg(unix)]
impl Timeouts for UnixStream {
    fn set_timeouts(&self, read: Option<Duration>, write: Option<Duration>) -> io::Result<()> {
        self.set_read_timeout(read)?;
        self.set_write_timeout(write)
    }
}

#[cfg(feature = "tls")]
impl Timeouts for TlsStream {
    fn set_timeouts(&self, read: Option<Duration>, write: Option<Duration>) -> io::Result<()> {
        self.sock.set_timeouts(read, write)
    }
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
}
