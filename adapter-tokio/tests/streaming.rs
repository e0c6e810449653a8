//! `call_into`: a 1 GiB value from a real redis-server streamed into a
//! file in constant memory, and replies around it kept in order.

use resp_test_support::{LargeValue, PeakResident, RedisServer, resident_kib};
use resp_tokio::{Client, ClientOptions};
use std::time::Duration;

/// A 1 GiB value streamed into a file: the test process's resident memory
/// stays under 64 MiB above where it started (the value never is in
/// memory whole), and the file is byte for byte what was set. Calls made
/// meanwhile get their own replies, in order.
#[test]
fn a_gigabyte_value_streams_into_a_file_in_constant_memory() {
    let Some(server) = RedisServer::start_for_large_values() else {
        return;
    };
    let value = LargeValue::new(1 << 30);
    value.set(server.port(), "big");
    let path = std::env::temp_dir().join(format!("resp-streamed-{}.bin", std::process::id()));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let (written, before_kib, peak_kib) = runtime.block_on(async {
        let mut options = ClientOptions::default();
        options.response_timeout = Some(Duration::from_secs(300));
        let config = format!("redis://127.0.0.1:{}", server.port())
            .parse()
            .unwrap();
        let client = Client::connect_with(&config, options).await.unwrap();
        client.call::<()>(("SET", "small", "s")).await.unwrap();
        let before_kib = resident_kib(std::process::id());
        let peak = PeakResident::start();
        let mut file = tokio::fs::File::create(&path).await.unwrap();
        let other = {
            let client = client.clone();
            tokio::spawn(async move {
                tokio::time::sleep(Duration::from_millis(1)).await;
                client.call::<String>(["GET", "small"]).await
            })
        };
        let written = client.call_into(["GET", "big"], &mut file).await.unwrap();
        assert_eq!(other.await.unwrap().unwrap(), "s");
        // A nil reply writes nothing.
        assert_eq!(
            client
                .call_into(["GET", "missing"], &mut file)
                .await
                .unwrap(),
            None
        );
        // The connection goes on.
        assert_eq!(client.call::<String>(["GET", "small"]).await.unwrap(), "s");
        drop(file);
        (written, before_kib, peak.stop())
    });
    eprintln!(
        "streamed {written:?} bytes; resident {before_kib} KiB before, {peak_kib} KiB at most"
    );
    let matches = value.matches(std::io::BufReader::new(std::fs::File::open(&path).unwrap()));
    let _ = std::fs::remove_file(&path);
    assert_eq!(written, Some(value.len()));
    assert!(matches, "the file differs from the value set");
    assert!(peak_kib < before_kib + 64 * 1024, "{peak_kib} KiB");
}

/// A sink slower than the network: the client stops reading rather than
/// hold what the sink has not taken, so memory stays bounded by the
/// backlog (1 MiB), not by the value (256 MiB here).
#[test]
fn a_slow_sink_holds_the_reading_back() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let value = LargeValue::new(256 << 20);
    value.set(server.port(), "big");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let mut options = ClientOptions::default();
        options.response_timeout = Some(Duration::from_secs(300));
        let config = format!("redis://127.0.0.1:{}", server.port())
            .parse()
            .unwrap();
        let client = Client::connect_with(&config, options).await.unwrap();
        let (mut sink, mut slow_reader) = tokio::io::duplex(64 * 1024);
        let reader = tokio::spawn(async move {
            use tokio::io::AsyncReadExt;
            let mut buffer = vec![0; 64 * 1024];
            let mut total = 0u64;
            loop {
                let n = slow_reader.read(&mut buffer).await.unwrap();
                if n == 0 {
                    return total;
                }
                total += n as u64;
                tokio::time::sleep(Duration::from_micros(200)).await;
            }
        });
        let before_kib = resident_kib(std::process::id());
        let peak = PeakResident::start();
        let written = client.call_into(["GET", "big"], &mut sink).await.unwrap();
        drop(sink);
        let peak_kib = peak.stop();
        assert_eq!(reader.await.unwrap(), value.len());
        eprintln!("resident {before_kib} KiB before, {peak_kib} KiB at most");
        assert_eq!(written, Some(value.len()));
        assert!(peak_kib < before_kib + 64 * 1024, "{peak_kib} KiB");
    });
}
