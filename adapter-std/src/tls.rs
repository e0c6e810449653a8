//! The TLS setup for `rediss://`: which certificates a server may present.

use crate::error::Error;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use std::path::Path;
use std::sync::Arc;

/// A rustls client setup that trusts the certificates in the PEM file
/// `ca`, or the system's roots without one; for
/// [`ClientOptions::tls`](crate::ClientOptions::tls).
///
/// ```no_run
/// use resp_std::{Connection, ClientOptions};
///
/// let mut options = ClientOptions::default();
/// options.tls = Some(resp_std::tls::client_config(Some("tests/tls/ca.crt".as_ref()))?);
/// let config = "rediss://127.0.0.1:6380".parse().map_err(resp_std::Error::Url)?;
/// let mut redis = Connection::open(&config, options)?;
/// # Ok::<(), resp_std::Error>(())
/// ```
pub fn client_config(ca: Option<&Path>) -> Result<Arc<rustls::ClientConfig>, Error> {
    let mut roots = rustls::RootCertStore::empty();
    match ca {
        Some(path) => {
            for certificate in CertificateDer::pem_file_iter(path).map_err(pem_error)? {
                roots
                    .add(certificate.map_err(pem_error)?)
                    .map_err(Error::Tls)?;
            }
        }
        None => {
            let (added, _) =
                roots.add_parsable_certificates(rustls_native_certs::load_native_certs().certs);
            let _ = added;
        }
    }
    if roots.is_empty() {
        return Err(Error::Tls(rustls::Error::General(
            "no root certificate to trust".into(),
        )));
    }
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(Error::Tls)?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

fn pem_error(error: rustls::pki_types::pem::Error) -> Error {
    match error {
        rustls::pki_types::pem::Error::Io(error) => Error::Io(error),
        other => Error::Tls(rustls::Error::General(format!("{other:?}"))),
    }
}
