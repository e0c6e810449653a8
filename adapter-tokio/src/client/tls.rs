//! `rediss://` for the [`Client`](super::Client): a TLS session over TCP,
//! with the setup `resp_tls` writes once for both clients.

use super::ClientError;

use std::path::Path;
use std::sync::Arc;
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

/// A rustls client setup that trusts the certificates in the PEM file
/// `ca`, or the system's roots without one; for
/// [`ClientOptions::tls`](super::ClientOptions::tls).
///
/// ```no_run
/// # async fn demo() -> Result<(), resp_tokio::ClientError> {
/// use resp_tokio::{Client, ClientOptions};
///
/// let mut options = ClientOptions::default();
/// options.tls = Some(resp_tokio::tls::client_config(Some("ca.crt".as_ref()))?);
/// let config = "rediss://cache.internal:6380".parse().map_err(resp_tokio::ClientError::Url)?;
/// let client = Client::connect_with(&config, options).await?;
/// # Ok(()) }
/// ```
pub fn client_config(ca: Option<&Path>) -> Result<Arc<rustls::ClientConfig>, ClientError> {
    resp_tls::client_config(ca).map_err(ClientError::from)
}

impl From<resp_tls::TlsSetupError> for ClientError {
    fn from(error: resp_tls::TlsSetupError) -> Self {
        match error {
            resp_tls::TlsSetupError::Io(error) => Self::Io(error),
            resp_tls::TlsSetupError::Tls(error) => Self::Tls(error),
            other => Self::Tls(rustls::Error::General(other.to_string())),
        }
    }
}

/// The TLS handshake with `host` over `tcp`.
pub(super) async fn connect(
    host: &str,
    tcp: TcpStream,
    config: Option<&Arc<rustls::ClientConfig>>,
) -> Result<TlsStream<TcpStream>, ClientError> {
    let config = match config {
        Some(config) => config.clone(),
        None => client_config(None)?,
    };
    let name = resp_tls::server_name(host)?;
    Ok(TlsConnector::from(config).connect(name, tcp).await?)
}
