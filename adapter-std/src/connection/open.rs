//! Opening a connection where a [`ConnectionConfig`] says: TCP, TLS or a
//! unix socket, all within the setup's one deadline.

use super::Connection;
use crate::error::Error;
use crate::options::ClientOptions;
use crate::stream::{NetStream, Timeouts};
use resp_core::{Address, ConnectionConfig};
use std::io;
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Instant;

impl Connection<NetStream> {
    /// Connects to `url` (`redis://`, `rediss://`, `unix://`; see
    /// [`ConnectionConfig::from_url`]) with the default [`ClientOptions`].
    ///
    /// ```no_run
    /// let mut redis = resp_std::Connection::connect("redis://:secret@127.0.0.1:6379/1")?;
    /// let size: i64 = redis.call(["DBSIZE"])?;
    /// # Ok::<(), resp_std::Error>(())
    /// ```
    pub fn connect(url: &str) -> Result<Self, Error> {
        let config: ConnectionConfig = url.parse().map_err(Error::Url)?;
        Self::open(&config, ClientOptions::default())
    }

    /// Connects to a server on TCP with no credentials, database 0.
    ///
    /// ```no_run
    /// let mut redis = resp_std::Connection::tcp("127.0.0.1", 6379)?;
    /// assert_eq!(redis.call::<String>(["PING"])?, "PONG");
    /// # Ok::<(), resp_std::Error>(())
    /// ```
    pub fn tcp(host: &str, port: u16) -> Result<Self, Error> {
        Self::open(&ConnectionConfig::tcp(host, port), ClientOptions::default())
    }

    /// Connects to a server's unix socket with no credentials, database 0.
    #[cfg(unix)]
    pub fn unix(path: &str) -> Result<Self, Error> {
        let mut config = ConnectionConfig::tcp("", 0);
        config.address = Address::Unix { path: path.into() };
        Self::open(&config, ClientOptions::default())
    }

    /// Connects as `config` says (TLS when `config.tls`, over
    /// [`ClientOptions::tls`]) and sets the connection up, all within
    /// [`ClientOptions::connect_timeout`]. Resolving a host name is left to the
    /// system and is not bounded by it; a unix socket connects at once or
    /// fails.
    pub fn open(config: &ConnectionConfig, options: ClientOptions) -> Result<Self, Error> {
        let deadline = Instant::now() + options.connect_timeout;
        let stream = open_stream(config, &options, deadline)?;
        let mut connection = Self::set_up_by(
            stream,
            Some(Timeouts::set_timeouts),
            config,
            options,
            deadline,
        )
        .map_err(|error| match error {
            // A connection reset during the setup says where it was.
            Error::Io(io) => {
                let named = format!("{}: {io}", config.address);
                Error::Io(io::Error::new(io.kind(), named))
            }
            other => other,
        })?;
        connection.redial_with(config, open_stream, Timeouts::peer_closed);
        Ok(connection)
    }
}

fn open_stream(
    config: &ConnectionConfig,
    options: &ClientOptions,
    deadline: Instant,
) -> Result<NetStream, Error> {
    match &config.address {
        Address::Tcp { host, port } => {
            let tcp = connect_tcp(host, *port, deadline)?;
            if let Some(idle) = options.keepalive {
                set_keepalive(&tcp, idle)?;
            }
            if config.tls {
                return tls(host, tcp, options);
            }
            Ok(NetStream::Tcp(tcp))
        }
        #[cfg(unix)]
        Address::Unix { path } => Ok(NetStream::Unix(std::os::unix::net::UnixStream::connect(
            path,
        )?)),
        _ => Err(Error::Io(io::Error::new(
            io::ErrorKind::Unsupported,
            "this kind of address is not supported here",
        ))),
    }
}

/// Turns TCP keepalive on: probes after `idle` without traffic, then every
/// third of it, so that a server gone without a word is found in about
/// twice `idle` rather than the system's default of hours.
fn set_keepalive(stream: &TcpStream, idle: std::time::Duration) -> io::Result<()> {
    let probes = socket2::TcpKeepalive::new()
        .with_time(idle)
        .with_interval((idle / 3).max(std::time::Duration::from_secs(1)));
    socket2::SockRef::from(stream).set_tcp_keepalive(&probes)
}

/// Tries each address of `host` in turn, each within what is left of the
/// deadline.
fn connect_tcp(host: &str, port: u16, deadline: Instant) -> Result<TcpStream, Error> {
    let mut last = None;
    for address in (host, port).to_socket_addrs()? {
        let left = deadline
            .checked_duration_since(Instant::now())
            .filter(|left| !left.is_zero())
            .ok_or_else(Error::setup_timeout)?;
        match TcpStream::connect_timeout(&address, left) {
            Ok(stream) => {
                stream.set_nodelay(true)?;
                return Ok(stream);
            }
            Err(error) if error.kind() == io::ErrorKind::TimedOut => {
                last = Some(Error::setup_timeout())
            }
            Err(error) => {
                let named = format!("{address}: {error}");
                last = Some(Error::Io(io::Error::new(error.kind(), named)));
            }
        }
    }
    Err(last.unwrap_or_else(|| {
        Error::Io(io::Error::new(
            io::ErrorKind::NotFound,
            format!("{host} has no address"),
        ))
    }))
}

#[cfg(feature = "tls")]
fn tls(host: &str, tcp: TcpStream, options: &ClientOptions) -> Result<NetStream, Error> {
    let config = match &options.tls {
        Some(config) => config.clone(),
        None => crate::tls::client_config(None)?,
    };
    let name = resp_tls::server_name(host)?;
    let session = rustls::ClientConnection::new(config, name).map_err(Error::Tls)?;
    Ok(NetStream::Tls(Box::new(rustls::StreamOwned::new(
        session, tcp,
    ))))
}

#[cfg(not(feature = "tls"))]
fn tls(_host: &str, _tcp: TcpStream, _options: &ClientOptions) -> Result<NetStream, Error> {
    Err(Error::Io(io::Error::new(
        io::ErrorKind::Unsupported,
        "rediss:// needs resp-std's `tls` feature",
    )))
}
