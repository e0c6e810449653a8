//! [`ConnectionConfig`]: where and how a client connects, from a
//! `redis://`, `rediss://` or `unix://` URL.

use crate::protocol::Protocol;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;
use core::str::FromStr;

/// Where the server listens.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Address {
    /// A TCP host (a name, an IPv4 address, or an IPv6 address without
    /// brackets) and port.
    Tcp {
        /// The host.
        host: String,
        /// The port, 6379 unless the URL says otherwise.
        port: u16,
    },
    /// A unix socket's path.
    Unix {
        /// The path.
        path: String,
    },
}

/// As an error message names it: `host:port` (`[::1]:6379` for IPv6), or
/// the socket's path.
///
/// ```
/// use resp_core::ConnectionConfig;
///
/// assert_eq!(ConnectionConfig::tcp("::1", 6379).address.to_string(), "[::1]:6379");
/// ```
impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Tcp { host, port } if host.contains(':') => write!(f, "[{host}]:{port}"),
            Self::Tcp { host, port } => write!(f, "{host}:{port}"),
            Self::Unix { path } => f.write_str(path),
        }
    }
}

/// Everything a connection's setup needs: where to connect, over TLS or
/// not, the credentials, the database, the protocol to ask for and the
/// client name.
///
/// ```
/// use resp_core::{Address, ConnectionConfig, Protocol};
///
/// let config: ConnectionConfig = "redis://app:s%40cret@cache.internal:6380/2?protocol=2&client_name=worker-1"
///     .parse()?;
/// assert_eq!(config.address, Address::Tcp { host: "cache.internal".into(), port: 6380 });
/// assert_eq!(config.username.as_deref(), Some("app"));
/// assert_eq!(config.password.as_deref(), Some("s@cret"));
/// assert_eq!((config.db, config.protocol), (2, Protocol::Resp2));
/// assert_eq!(config.client_name.as_deref(), Some("worker-1"));
///
/// let local: ConnectionConfig = "unix:///run/redis.sock?db=1".parse()?;
/// assert_eq!(local.address, Address::Unix { path: "/run/redis.sock".into() });
/// # Ok::<(), resp_core::UrlError>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ConnectionConfig {
    /// Where the server listens.
    pub address: Address,
    /// Whether the connection is TLS (`rediss://`).
    pub tls: bool,
    /// The ACL user; `None` authenticates as `default` (or not at all
    /// without a password).
    pub username: Option<String>,
    /// The password; kept out of `Debug` output.
    pub password: Option<String>,
    /// The database `SELECT`ed after connecting.
    pub db: u32,
    /// The protocol to ask for: RESP3 unless the URL says
    /// `protocol=2`. A server without RESP3 is spoken to in RESP2.
    pub protocol: Protocol,
    /// The name given with `HELLO … SETNAME` or `CLIENT SETNAME`.
    pub client_name: Option<String>,
}

impl fmt::Debug for ConnectionConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConnectionConfig")
            .field("address", &self.address)
            .field("tls", &self.tls)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "…"))
            .field("db", &self.db)
            .field("protocol", &self.protocol)
            .field("client_name", &self.client_name)
            .finish()
    }
}

impl ConnectionConfig {
    /// A plain TCP connection to `host:port` with every other setting at its
    /// default (no credentials, database 0, RESP3 asked for).
    pub fn tcp(host: impl Into<String>, port: u16) -> Self {
        Self {
            address: Address::Tcp {
                host: host.into(),
                port,
            },
            tls: false,
            username: None,
            password: None,
            db: 0,
            protocol: Protocol::Resp3,
            client_name: None,
        }
    }

    /// Reads a URL: `redis://[user[:password]@]host[:port][/db][?options]`,
    /// `rediss://` for TLS, or `unix:///path[?options]`. Options are
    /// `protocol=2|3`, `client_name=NAME` and `db=N`; user, password, path
    /// and name may be percent-encoded.
    pub fn from_url(url: &str) -> Result<Self, UrlError> {
        let (scheme, rest) = url.split_once("://").ok_or(UrlError::Scheme)?;
        let (rest, query) = match rest.split_once('?') {
            Some((rest, query)) => (rest, Some(query)),
            None => (rest, None),
        };
        let mut config = match scheme.to_ascii_lowercase().as_str() {
            "redis" => tcp(rest, false)?,
            "rediss" => tcp(rest, true)?,
            "unix" | "redis+unix" => {
                let path = decode(rest)?;
                if path.is_empty() {
                    return Err(UrlError::Path);
                }
                let mut config = Self::tcp("", 0);
                config.address = Address::Unix { path };
                config
            }
            _ => return Err(UrlError::Scheme),
        };
        for option in query.into_iter().flat_map(|query| query.split('&')) {
            if option.is_empty() {
                continue;
            }
            let (name, value) = option.split_once('=').unwrap_or((option, ""));
            match name {
                "protocol" | "resp" => {
                    config.protocol = match value {
                        "2" => Protocol::Resp2,
                        "3" => Protocol::Resp3,
                        _ => return Err(UrlError::Protocol),
                    }
                }
                "client_name" | "name" => config.client_name = Some(decode(value)?),
                "db" => config.db = database(value)?,
                _ => return Err(UrlError::UnknownOption(name.to_string())),
            }
        }
        Ok(config)
    }
}

impl FromStr for ConnectionConfig {
    type Err = UrlError;

    fn from_str(url: &str) -> Result<Self, UrlError> {
        Self::from_url(url)
    }
}

/// The part of a `redis://` URL after the scheme, before any `?`.
fn tcp(rest: &str, tls: bool) -> Result<ConnectionConfig, UrlError> {
    let (authority, path) = match rest.split_once('/') {
        Some((authority, path)) => (authority, path),
        None => (rest, ""),
    };
    // The last `@` ends the credentials: a password may hold one unencoded.
    let (credentials, host_port) = match authority.rsplit_once('@') {
        Some((credentials, host_port)) => (Some(credentials), host_port),
        None => (None, authority),
    };
    let (host, port) = host_and_port(host_port)?;
    let mut config = ConnectionConfig::tcp(host, port);
    config.tls = tls;
    if let Some(credentials) = credentials {
        let (username, password) = match credentials.split_once(':') {
            Some((username, password)) => (username, Some(password)),
            None => (credentials, None),
        };
        config.username = Some(decode(username)?).filter(|name| !name.is_empty());
        config.password = password.map(decode).transpose()?;
    }
    if !path.is_empty() {
        config.db = database(path)?;
    }
    Ok(config)
}

fn host_and_port(text: &str) -> Result<(String, u16), UrlError> {
    let (host, port) = if let Some(bracketed) = text.strip_prefix('[') {
        let (host, after) = bracketed.split_once(']').ok_or(UrlError::Host)?;
        match after {
            "" => (host, None),
            _ => (host, Some(after.strip_prefix(':').ok_or(UrlError::Host)?)),
        }
    } else {
        match text.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (text, None),
        }
    };
    if host.is_empty() || host.contains(['[', ']', '/', '@']) {
        return Err(UrlError::Host);
    }
    let port = match port {
        None => 6379,
        Some(port) => port.parse().map_err(|_| UrlError::Port)?,
    };
    Ok((host.to_string(), port))
}

fn database(text: &str) -> Result<u32, UrlError> {
    text.parse().map_err(|_| UrlError::Database)
}

/// Percent-decodes `text` into UTF-8.
fn decode(text: &str) -> Result<String, UrlError> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut at = 0;
    while at < bytes.len() {
        if bytes[at] == b'%' {
            let hex = bytes.get(at + 1..at + 3).ok_or(UrlError::Encoding)?;
            let hex = core::str::from_utf8(hex).map_err(|_| UrlError::Encoding)?;
            out.push(u8::from_str_radix(hex, 16).map_err(|_| UrlError::Encoding)?);
            at += 3;
        } else {
            out.push(bytes[at]);
            at += 1;
        }
    }
    String::from_utf8(out).map_err(|_| UrlError::Encoding)
}

/// Why a URL does not describe a connection.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum UrlError {
    /// Not `redis://`, `rediss://` or `unix://`.
    Scheme,
    /// No host, or a malformed one (an unclosed IPv6 bracket).
    Host,
    /// The port is not a number from 0 to 65535.
    Port,
    /// The unix socket path is empty.
    Path,
    /// The database is not a non-negative number.
    Database,
    /// `protocol=` is neither 2 nor 3.
    Protocol,
    /// A `%` not followed by two hex digits, or bytes that are not UTF-8.
    Encoding,
    /// An option this crate does not know.
    UnknownOption(String),
}

impl fmt::Display for UrlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Scheme => f.write_str("the URL must start with redis://, rediss:// or unix://"),
            Self::Host => f.write_str("the URL has no valid host"),
            Self::Port => f.write_str("the URL's port is not a number from 0 to 65535"),
            Self::Path => f.write_str("the unix:// URL has no socket path"),
            Self::Database => f.write_str("the URL's database is not a non-negative number"),
            Self::Protocol => f.write_str("the URL's protocol must be 2 or 3"),
            Self::Encoding => f.write_str("the URL has a bad percent-encoding or is not UTF-8"),
            Self::UnknownOption(name) => write!(f, "the URL has an unknown option '{name}'"),
        }
    }
}

impl core::error::Error for UrlError {}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(url: &str) -> Result<ConnectionConfig, UrlError> {
        url.parse()
    }

    #[test]
    fn defaults_and_every_part() {
        let config = parse("redis://localhost").unwrap();
        assert_eq!(config, ConnectionConfig::tcp("localhost", 6379));
        let config = parse("rediss://:pw@10.0.0.1:7000/15?protocol=3").unwrap();
        assert!(config.tls);
        assert_eq!(config.username, None);
        assert_eq!(config.password.as_deref(), Some("pw"));
        assert_eq!(config.db, 15);
        let config = parse("redis://user@[::1]:6390").unwrap();
        assert_eq!(
            config.address,
            Address::Tcp {
                host: "::1".into(),
                port: 6390
            }
        );
        assert_eq!(config.username.as_deref(), Some("user"));
        assert_eq!(config.password, None);
        // A password may hold an unencoded `@`; the last one ends it.
        let config = parse("redis://u:p@ss@host").unwrap();
        assert_eq!(config.password.as_deref(), Some("p@ss"));
        let config = parse("redis+unix:///tmp/r%20s.sock?name=a%2Fb&db=3&protocol=2").unwrap();
        assert_eq!(
            config.address,
            Address::Unix {
                path: "/tmp/r s.sock".into()
            }
        );
        assert_eq!(config.client_name.as_deref(), Some("a/b"));
        assert_eq!((config.db, config.protocol), (3, Protocol::Resp2));
    }

    #[test]
    fn clear_errors() {
        assert_eq!(parse("http://host"), Err(UrlError::Scheme));
        assert_eq!(parse("localhost:6379"), Err(UrlError::Scheme));
        assert_eq!(parse("redis://"), Err(UrlError::Host));
        assert_eq!(parse("redis://:pw@"), Err(UrlError::Host));
        assert_eq!(parse("redis://[::1"), Err(UrlError::Host));
        assert_eq!(parse("redis://host:99999"), Err(UrlError::Port));
        assert_eq!(parse("redis://host:port"), Err(UrlError::Port));
        assert_eq!(parse("redis://host/x"), Err(UrlError::Database));
        assert_eq!(parse("redis://host/-1"), Err(UrlError::Database));
        assert_eq!(parse("redis://host?protocol=4"), Err(UrlError::Protocol));
        assert_eq!(parse("redis://u:%zz@host"), Err(UrlError::Encoding));
        assert_eq!(parse("redis://u:%ff@host"), Err(UrlError::Encoding));
        assert_eq!(parse("unix://"), Err(UrlError::Path));
        assert_eq!(
            parse("redis://host?timeout=5"),
            Err(UrlError::UnknownOption("timeout".into()))
        );
        assert_eq!(
            UrlError::UnknownOption("x".into()).to_string(),
            "the URL has an unknown option 'x'"
        );
    }

    #[test]
    fn the_password_stays_out_of_debug_output() {
        let config = parse("redis://u:hunter2@host").unwrap();
        assert!(!alloc::format!("{config:?}").contains("hunter2"));
    }
}
