//! `resp call` over TLS, against a real redis-server serving TLS with a CA
//! of the test's own.

use resp_test_support::TestCertificates;
use std::process::{Command, Output};

fn tool(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_resp"))
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn the_tool_connects_with_the_ca_given_by_url_and_by_host_and_port() {
    let dir = std::env::temp_dir().join(format!("resp-cli-tls-{}", std::process::id()));
    let certificates = TestCertificates::write(&dir);
    let Some((_server, tls_port)) = certificates.start_server() else {
        return;
    };
    let ca = certificates.ca.to_str().unwrap();
    let url = format!("rediss://127.0.0.1:{tls_port}");
    let set = tool(&["call", "-u", &url, "--cacert", ca, "SET", "secret", "kept"]);
    assert_eq!(String::from_utf8_lossy(&set.stdout), "OK\n");
    let by_url = tool(&["call", "-u", &url, "--cacert", ca, "GET", "secret"]);
    assert_eq!(String::from_utf8_lossy(&by_url.stdout), "\"kept\"\n");
    let port = tls_port.to_string();
    let by_port = tool(&["call", "-p", &port, "--tls", "--cacert", ca, "-2", "PING"]);
    assert_eq!(String::from_utf8_lossy(&by_port.stdout), "PONG\n");
    let plain = tool(&["call", "-p", &port, "PING"]);
    assert_eq!(
        plain.status.code(),
        Some(1),
        "a TLS port spoken to in plain text"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
