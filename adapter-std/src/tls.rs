//! The TLS setup for `rediss://`: which certificates a server may present
//! (`resp_tls`, which the async client shares).

use crate::error::Error;
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
    resp_tls::client_config(ca).map_err(Error::from)
}

impl From<resp_tls::TlsSetupError> for Error {
    fn from(error: resp_tls::TlsSetupError) -> Self {
        match error {
            resp_tls::TlsSetupError::Io(error) => Self::Io(error),
            resp_tls::TlsSetupError::Tls(error) => Self::Tls(error),
            other => Self::Tls(rustls::Error::General(other.to_string())),
        }
    }
}
