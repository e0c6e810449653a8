//! `rediss://` for the async `Client`: a real redis-server serving TLS with
//! a CA of the test's own, in both protocols (a RESP2 subscription opens a
//! TLS connection of its own), a server it cannot verify, and a handshake
//! stalled by the relay.

use resp_core::{ConnectionConfig, Frame, Pipeline, Push};
use resp_test_support::{Relay, TestCertificates};
use resp_tokio::{Client, ClientError, ClientOptions, Message};
use std::time::{Duration, Instant};

#[test]
fn rediss_in_both_protocols_and_the_ways_it_fails() {
    let dir = std::env::temp_dir().join(format!("resp-tokio-tls-{}", std::process::id()));
    let certificates = TestCertificates::write(&dir);
    let Some((_server, tls_port)) = certificates.start_server() else {
        return;
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let mut options = ClientOptions::default();
        options.tls = Some(resp_tokio::tls::client_config(Some(&certificates.ca)).unwrap());
        for protocol in ["2", "3"] {
            let config: ConnectionConfig = format!("rediss://localhost:{tls_port}?protocol={protocol}")
                .parse()
                .unwrap();
            let client = Client::connect_with(&config, options.clone()).await.unwrap();
            client.call::<()>(["SET", "secret", "kept"]).await.unwrap();
            let mut pipeline = Pipeline::new();
            pipeline.command(["GET", "secret"]).command(["INCR", "secret"]);
            let replies = client.pipeline(&pipeline).await.unwrap();
            assert_eq!(replies[0], Frame::from("kept"));
            assert!(replies[1].is_error());
            let info: String = client.call(["CLIENT", "INFO"]).await.unwrap();
            assert!(info.trim_end().ends_with(&format!("resp={protocol}")), "{info}");

            // In RESP2 the subscription has a connection of its own, TLS too.
            let mut news = client.subscribe(&["news"]).await.unwrap();
            let publisher = Client::connect_with(&config, options.clone()).await.unwrap();
            assert_eq!(publisher.call::<i64>(["PUBLISH", "news", "sealed"]).await.unwrap(), 1);
            let message = tokio::time::timeout(Duration::from_secs(5), news.next()).await.unwrap();
            assert!(
                matches!(&message, Some(Message::Push(Push::Message { payload, .. })) if payload == &Frame::from("sealed")),
                "{message:?}"
            );
        }

        // A CA that did not sign the server's certificate.
        let other = TestCertificates::write(&dir.join("other"));
        let mut distrusting = options.clone();
        distrusting.tls = Some(resp_tokio::tls::client_config(Some(&other.ca)).unwrap());
        let config: ConnectionConfig = format!("rediss://127.0.0.1:{tls_port}").parse().unwrap();
        let refused = Client::connect_with(&config, distrusting).await;
        assert!(
            matches!(&refused, Err(ClientError::Io(error)) if error.to_string().contains("certificate")),
            "{refused:?}"
        );

        // A handshake that never completes: the setup's timeout covers it.
        let relay = Relay::start(tls_port);
        relay.stall();
        let mut impatient = options.clone();
        impatient.connect_timeout = Duration::from_millis(400);
        let config: ConnectionConfig = format!("rediss://127.0.0.1:{}", relay.port()).parse().unwrap();
        let started = Instant::now();
        let stalled = Client::connect_with(&config, impatient).await;
        let waited = started.elapsed();
        assert!(stalled.as_ref().is_err_and(ClientError::is_timeout), "{stalled:?}");
        assert!(waited >= Duration::from_millis(400) && waited < Duration::from_millis(1200), "{waited:?}");
    });
    assert!(matches!(
        resp_tokio::tls::client_config(Some(&dir.join("missing.crt"))),
        Err(ClientError::Io(_))
    ));
    let _ = std::fs::remove_dir_all(dir);
}

/// The client offers post-quantum key exchange first (X25519 with
/// ML-KEM-768), falling back to the classical groups for servers without
/// it, such as an OpenSSL 3.0 redis-server (the handshakes above).
#[test]
fn post_quantum_key_exchange_is_preferred() {
    let dir = std::env::temp_dir().join(format!("resp_tokio-tls-groups-{}", std::process::id()));
    let certificates = TestCertificates::write(&dir);
    let config = resp_tokio::tls::client_config(Some(&certificates.ca)).unwrap();
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
