//! The TLS setup for `rediss://`, written once for both clients: which
//! certificates a server may present, and the name it must present them
//! for. `resp_tokio::tls` and `resp_std::tls` wrap it in their own error
//! types.
//!
//! ```
//! let error = resp_tls::client_config(Some("no/such/ca.pem".as_ref())).unwrap_err();
//! assert!(matches!(error, resp_tls::TlsSetupError::Io(_)));
//! assert!(resp_tls::server_name("cache.internal").is_ok());
//! assert!(resp_tls::server_name("not a name").is_err());
//! ```

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use std::path::Path;
use std::sync::Arc;
use std::{fmt, io};

/// Why the TLS setup could not be made.
#[derive(Debug)]
#[non_exhaustive]
pub enum TlsSetupError {
    /// The CA file could not be read.
    Io(io::Error),
    /// rustls refused the setup: a certificate it cannot use, no root to
    /// trust, a server name that is not a DNS name or address.
    Tls(rustls::Error),
}

impl fmt::Display for TlsSetupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Io(error) => write!(f, "reading the CA file: {error}"),
            Self::Tls(error) => error.fmt(f),
        }
    }
}

impl std::error::Error for TlsSetupError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Io(error) => Some(error),
            Self::Tls(error) => Some(error),
        }
    }
}

/// A rustls client setup that trusts the certificates in the PEM file
/// `ca`, or the system's roots without one.
pub fn client_config(ca: Option<&Path>) -> Result<Arc<rustls::ClientConfig>, TlsSetupError> {
    let mut roots = rustls::RootCertStore::empty();
    match ca {
        Some(path) => {
            for certificate in CertificateDer::pem_file_iter(path).map_err(pem_error)? {
                roots
                    .add(certificate.map_err(pem_error)?)
                    .map_err(TlsSetupError::Tls)?;
            }
        }
        None => {
            roots.add_parsable_certificates(rustls_native_certs::load_native_certs().certs);
        }
    }
    if roots.is_empty() {
        return Err(TlsSetupError::Tls(rustls::Error::General(
            "no root certificate to trust".into(),
        )));
    }
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(TlsSetupError::Tls)?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

/// The name the server's certificate must be for: the host of the URL.
pub fn server_name(host: &str) -> Result<ServerName<'static>, TlsSetupError> {
    ServerName::try_from(host.to_owned()).map_err(|_| {
        TlsSetupError::Tls(rustls::Error::General(format!(
            "{host} is not a server name"
        )))
    })
}

fn pem_error(error: rustls::pki_types::pem::Error) -> TlsSetupError {
    match error {
        rustls::pki_types::pem::Error::Io(error) => TlsSetupError::Io(error),
        other => TlsSetupError::Tls(rustls::Error::General(format!("{other:?}"))),
    }
}
