//! `rediss://` for the [`Client`](super::Client): a TLS session over TCP.

use super::ClientError;
use rustls::{self, pki_types};
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
    use pki_types::CertificateDer;
    use pki_types::pem::PemObject;
    let pem_error = |error| match error {
        pki_types::pem::Error::Io(error) => ClientError::Io(error),
        other => ClientError::Tls(rustls::Error::General(format!("{other:?}"))),
    };
    let mut roots = rustls::RootCertStore::empty();
    match ca {
        Some(path) => {
            for certificate in CertificateDer::pem_file_iter(path).map_err(pem_error)? {
                roots
                    .add(certificate.map_err(pem_error)?)
                    .map_err(ClientError::Tls)?;
            }
        }
        None => {
            roots.add_parsable_certificates(rustls_native_certs::load_native_certs().certs);
        }
    }
    if roots.is_empty() {
        return Err(ClientError::Tls(rustls::Error::General(
            "no root certificate to trust".into(),
        )));
    }
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(ClientError::Tls)?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
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
    let name = pki_types::ServerName::try_from(host.to_owned()).map_err(|_| {
        ClientError::Tls(rustls::Error::General(format!(
            "{host} is not a server name"
        )))
    })?;
    Ok(TlsConnector::from(config).connect(name, tcp).await?)
}
