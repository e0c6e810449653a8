//! `call_into` on the blocking connection: a 1 GiB value from a real
//! redis-server streamed into a file in constant memory.

use resp_std::{ClientOptions, Connection};
use resp_test_support::{LargeValue, PeakResident, RedisServer, resident_kib};
use std::time::Duration;

/// A 1 GiB value streamed into a file: resident memory stays under 64 MiB
/// above where it started, and the file is byte for byte what was set.
#[test]
fn a_gigabyte_value_streams_into_a_file_in_constant_memory() {
    let Some(server) = RedisServer::start_for_large_values() else {
        return;
    };
    let value = LargeValue::new(1 << 30);
    value.set(server.port(), "big");
    let path = std::env::temp_dir().join(format!("resp-std-streamed-{}.bin", std::process::id()));
    let mut options = ClientOptions::default();
    options.response_timeout = Some(Duration::from_secs(300));
    let config = format!("redis://127.0.0.1:{}", server.port())
        .parse()
        .unwrap();
    let mut redis = Connection::open(&config, options).unwrap();
    let before_kib = resident_kib(std::process::id());
    let peak = PeakResident::start();
    let mut file = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    let written = redis.call_into(["GET", "big"], &mut file).unwrap();
    assert_eq!(
        redis.call_into(["GET", "missing"], &mut file).unwrap(),
        None
    );
    drop(file);
    let peak_kib = peak.stop();
    assert_eq!(redis.call::<String>(["PING"]).unwrap(), "PONG");
    eprintln!(
        "streamed {written:?} bytes; resident {before_kib} KiB before, {peak_kib} KiB at most"
    );
    let matches = value.matches(std::io::BufReader::new(std::fs::File::open(&path).unwrap()));
    let _ = std::fs::remove_file(&path);
    assert_eq!(written, Some(value.len()));
    assert!(matches, "the file differs from the value set");
    assert!(peak_kib < before_kib + 64 * 1024, "{peak_kib} KiB");
}
