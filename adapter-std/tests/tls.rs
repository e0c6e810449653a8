//! `rediss://`: a TLS connection to a real redis-server serving TLS, with a
//! CA of the test's own.

mod support;

use resp_core::ConnectionConfig;
use resp_std::{ClientOptions, Connection, Error, NetStream};
use std::time::{Duration, Instant};
use support::{Relay, TestCertificates};

#[test]
fn rediss_connects_with_the_ca_given_and_refuses_a_server_it_cannot_verify() {
    let dir = std::env::temp_dir().join(format!("resp-std-tls-{}", std::process::id()));
    let certificates = TestCertificates::write(&dir);
    let Some((_server, tls_port)) = certificates.start_server() else {
        return;
    };
    let mut options = ClientOptions::default();
    options.tls = Some(resp_std::tls::client_config(Some(&certificates.ca)).unwrap());
    for (url, protocol) in [
        ("rediss://127.0.0.1", 3),
        ("rediss://localhost", 3),
        ("rediss://127.0.0.1", 2),
    ] {
        let config: ConnectionConfig = format!("{url}:{tls_port}?protocol={protocol}")
            .parse()
            .unwrap();
        let mut redis = Connection::open(&config, options.clone()).unwrap();
        assert!(matches!(redis.get_ref(), NetStream::Tls(_)));
        redis.call::<()>(["SET", "secret", "kept"]).unwrap();
        assert_eq!(redis.call::<String>(["GET", "secret"]).unwrap(), "kept");
        let info: String = redis.call(["CLIENT", "INFO"]).unwrap();
        assert!(
            info.trim_end().ends_with(&format!("resp={protocol}")),
            "{info}"
        );
    }

    // Another CA did not sign the server's certificate.
    let other = TestCertificates::write(&dir.join("other"));
    options.tls = Some(resp_std::tls::client_config(Some(&other.ca)).unwrap());
    let config: ConnectionConfig = format!("rediss://127.0.0.1:{tls_port}").parse().unwrap();
    let refused = Connection::open(&config, options.clone());
    assert!(
        matches!(&refused, Err(Error::Io(error)) if error.to_string().contains("certificate")),
        "{refused:?}"
    );

    // A server that stalls during the TLS handshake: the setup's one
    // deadline covers it.
    options.tls = Some(resp_std::tls::client_config(Some(&certificates.ca)).unwrap());
    options.connect_timeout = Duration::from_millis(400);
    let relay = Relay::start(tls_port);
    relay.stall();
    let config: ConnectionConfig = format!("rediss://127.0.0.1:{}", relay.port())
        .parse()
        .unwrap();
    let started = Instant::now();
    let stalled = Connection::open(&config, options);
    let waited = started.elapsed();
    assert!(
        stalled.as_ref().is_err_and(Error::is_timeout),
        "{stalled:?}"
    );
    assert!(
        waited >= Duration::from_millis(400) && waited < Duration::from_millis(1200),
        "{waited:?}"
    );

    // A CA file that is not there.
    assert!(matches!(
        resp_std::tls::client_config(Some(&dir.join("missing.crt"))),
        Err(Error::Io(_))
    ));
    let _ = std::fs::remove_dir_all(dir);
}

/// The client offers post-quantum key exchange first (X25519 with
/// ML-KEM-768), falling back to the classical groups for servers without
/// it, such as an OpenSSL 3.0 redis-server (the handshakes above).
#[test]
fn post_quantum_key_exchange_is_preferred() {
    let dir = std::env::temp_dir().join(format!("resp_std-tls-groups-{}", std::process::id()));
    let certificates = TestCertificates::write(&dir);
    let config = resp_std::tls::client_config(Some(&certificates.ca)).unwrap();
    let groups: Vec<String> = config
        .crypto_provider()
        .kx_groups
        .iter()
        .map(|group| format!("{:?}", group.name()))
        .collect();
    assert_eq!(
        groups.first().map(String::as_str),
        Some("X25519MLKEM768"),
        "{groups:?}"
    );
    assert!(groups.iter().any(|group| group == "X25519"), "{groups:?}");
    let _ = std::fs::remove_dir_all(dir);
}
