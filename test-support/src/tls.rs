//! Certificates for TLS tests: a CA of the test's own and a server
//! certificate it signed, and a `redis-server` serving TLS with them.

use crate::{RedisServer, free_port, wait_for_port};
use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair, KeyUsagePurpose};
use std::path::{Path, PathBuf};

/// A certificate authority's certificate, and a server certificate it
/// signed for `localhost` and `127.0.0.1`, with its key, as PEM files.
#[derive(Debug)]
pub struct TestCertificates {
    /// The CA's certificate, for clients to trust.
    pub ca: PathBuf,
    /// The server's certificate.
    pub cert: PathBuf,
    /// The server's private key.
    pub key: PathBuf,
}

impl TestCertificates {
    /// Makes a new CA and server certificate, written into `dir`.
    pub fn write(dir: &Path) -> Self {
        std::fs::create_dir_all(dir).unwrap();
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let ca_key = KeyPair::generate().unwrap();
        let ca = ca_params.self_signed(&ca_key).unwrap();
        let issuer = Issuer::new(ca_params, ca_key);
        let server_params =
            CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()]).unwrap();
        let server_key = KeyPair::generate().unwrap();
        let server = server_params.signed_by(&server_key, &issuer).unwrap();
        let files = Self {
            ca: dir.join("ca.crt"),
            cert: dir.join("server.crt"),
            key: dir.join("server.key"),
        };
        std::fs::write(&files.ca, ca.pem()).unwrap();
        std::fs::write(&files.cert, server.pem()).unwrap();
        std::fs::write(&files.key, server_key.serialize_pem()).unwrap();
        files
    }

    /// A redis-server serving TLS with these certificates on the port
    /// returned, beside its plain one; `None` as [`RedisServer::start`] says.
    pub fn start_server(&self) -> Option<(RedisServer, u16)> {
        let tls_port = free_port();
        let path = |path: &Path| path.to_str().unwrap().to_owned();
        let server = RedisServer::start_with(&[
            "--tls-port",
            &tls_port.to_string(),
            "--tls-cert-file",
            &path(&self.cert),
            "--tls-key-file",
            &path(&self.key),
            "--tls-ca-cert-file",
            &path(&self.ca),
            "--tls-auth-clients",
            "no",
        ])?;
        wait_for_port(tls_port, "redis-server's TLS port");
        Some((server, tls_port))
    }
}
