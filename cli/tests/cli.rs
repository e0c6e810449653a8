//! The `resp` tool, run as a user runs it.

use serde_json::Value;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

fn resp(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_resp"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the resp binary runs");
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    child.wait_with_output().unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn corpus() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../testdata")
}

#[test]
fn every_corpus_reply_decodes_with_the_frame_count_of_the_index() {
    let index: Value =
        serde_json::from_slice(&std::fs::read(corpus().join("index.json")).unwrap()).unwrap();
    let cases = index["cases"].as_array().unwrap();
    assert!(cases.len() > 100);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let folder = if case["resp"] == 2 { "resp2" } else { "resp3" };
        let path = corpus().join(folder).join(format!("{name}.bin"));
        let path = path.to_str().unwrap();
        let mut runs = vec![
            vec!["decode", "--json", path],
            vec!["decode", "--json", "--chunk", "1", path],
        ];
        if folder == "resp2" {
            runs.push(vec!["decode", "--json", "--resp2", path]);
        }
        let mut first = None;
        for args in runs {
            let output = resp(&args, b"");
            assert!(
                output.status.success(),
                "{args:?}: {}",
                String::from_utf8_lossy(&output.stderr)
            );
            let text = stdout(&output);
            assert_eq!(
                text.lines().count() as u64,
                case["frames"].as_u64().unwrap(),
                "{args:?}"
            );
            for line in text.lines() {
                serde_json::from_str::<Value>(line)
                    .unwrap_or_else(|e| panic!("{args:?}: {e}: {line}"));
            }
            assert_eq!(first.get_or_insert_with(|| text.clone()), &text, "{args:?}");
        }
    }
}

#[test]
fn json_lines_have_the_documented_shape() {
    let input = b"+OK\r\n-ERR x\r\n:42\r\n$2\r\n\x00\xff\r\n$?\r\n;2\r\nab\r\n;0\r\n!3\r\nERR\r\n=7\r\ntxt:abc\r\n\
,1.5\r\n,-0\r\n,inf\r\n,nan\r\n#t\r\n(123\r\n_\r\n$-1\r\n*-1\r\n*1\r\n:1\r\n~0\r\n>1\r\n+m\r\n\
%1\r\n+k\r\n+v\r\n*?\r\n.\r\n|1\r\n+a\r\n+b\r\n|0\r\n:1\r\n";
    let expected = [
        r#"{"t":"simple","v_hex":"4f4b"}"#,
        r#"{"t":"error","v_hex":"4552522078"}"#,
        r#"{"t":"int","v":"42"}"#,
        r#"{"t":"bulk","v_hex":"00ff"}"#,
        r#"{"t":"bulk","v_hex":"6162","streamed":true}"#,
        r#"{"t":"blob_error","v_hex":"455252"}"#,
        r#"{"t":"verbatim","format":"txt","v_hex":"616263"}"#,
        r#"{"t":"double","v":"1.5"}"#,
        r#"{"t":"double","v":"-0"}"#,
        r#"{"t":"double","v":"inf"}"#,
        r#"{"t":"double","v":"nan"}"#,
        r#"{"t":"bool","v":true}"#,
        r#"{"t":"bignum","v":"123"}"#,
        r#"{"t":"null","kind":"null"}"#,
        r#"{"t":"null","kind":"bulk"}"#,
        r#"{"t":"null","kind":"array"}"#,
        r#"{"t":"array","v":[{"t":"int","v":"1"}]}"#,
        r#"{"t":"set","v":[]}"#,
        r#"{"t":"push","v":[{"t":"simple","v_hex":"6d"}]}"#,
        r#"{"t":"map","v":[[{"t":"simple","v_hex":"6b"},{"t":"simple","v_hex":"76"}]]}"#,
        r#"{"t":"array","v":[],"streamed":true}"#,
        r#"{"attrs":[[[{"t":"simple","v_hex":"61"},{"t":"simple","v_hex":"62"}]],[]],"t":"int","v":"1"}"#,
    ];
    for chunk in ["1", "3", "1000"] {
        let output = resp(&["decode", "--json", "--chunk", chunk], input);
        assert!(output.status.success());
        assert_eq!(
            stdout(&output).lines().collect::<Vec<_>>(),
            expected,
            "chunk {chunk}"
        );
    }
}

#[test]
fn errors_and_truncation_end_the_output_with_a_status() {
    let error = resp(&["decode", "--json", "-"], b"+OK\r\n:12x\r\n");
    assert_eq!(error.status.code(), Some(1));
    assert_eq!(
        stdout(&error),
        "{\"t\":\"simple\",\"v_hex\":\"4f4b\"}\n{\"error\":{\"kind\":\"bad-integer\",\"offset\":8,\"message\":\"invalid integer\"}}\n"
    );
    let cut = resp(&["decode", "--json"], b":1\r\n*2\r\n:1\r\n");
    assert_eq!(cut.status.code(), Some(3));
    assert_eq!(
        stdout(&cut),
        "{\"t\":\"int\",\"v\":\"1\"}\n{\"incomplete\":{\"offset\":4}}\n"
    );
    let usage = resp(&["decode", "--chunk", "0"], b"");
    assert_eq!(usage.status.code(), Some(2));
    assert_eq!(resp(&["frobnicate"], b"").status.code(), Some(2));
    assert_eq!(resp(&["decode"], b"").status.code(), Some(0));
}

#[test]
fn limit_flags_and_strict_resp2_apply() {
    let depth = resp(&["decode", "--json", "--max-depth", "1"], b"*1\r\n*0\r\n");
    assert_eq!(depth.status.code(), Some(1));
    assert!(stdout(&depth).contains("\"kind\":\"depth-limit\",\"offset\":4"));
    for (flag, input) in [
        ("--max-bulk-len", &b"$4\r\nabcd\r\n"[..]),
        ("--max-aggregate-len", b"*4\r\n"),
        ("--max-line-len", b"+abcd\r\n"),
    ] {
        let output = resp(&["decode", "--json", flag, "3"], input);
        assert!(
            stdout(&output).contains("\"kind\":\"size-limit\""),
            "{flag}"
        );
    }
    let strict = resp(&["decode", "--json", "--resp2"], b"#t\r\n");
    assert!(stdout(&strict).contains("\"kind\":\"resp3-only-type\",\"offset\":0"));
}

#[test]
fn plain_output_reads_like_redis_cli() {
    let output = resp(
        &["decode"],
        b"*3\r\n$1\r\na\r\n*2\r\n:1\r\n_\r\n%1\r\n+k\r\n,1.5\r\n-ERR no\r\n",
    );
    assert_eq!(
        stdout(&output),
        "1) \"a\"\n2) 1) (integer) 1\n   2) (nil)\n3) 1# k => (double) 1.5\n(error) ERR no\n"
    );
}

#[test]
fn encode_prints_the_exact_command_bytes() {
    use std::os::unix::ffi::OsStrExt;
    let binary = std::ffi::OsStr::from_bytes(b"\x01\xff\r\n");
    let output = Command::new(env!("CARGO_BIN_EXE_resp"))
        .args(["encode", "--raw", "SET", "", "a b"])
        .arg(binary)
        .output()
        .unwrap();
    assert!(output.status.success());
    assert_eq!(
        output.stdout,
        b"*4\r\n$3\r\nSET\r\n$0\r\n\r\n$3\r\na b\r\n$4\r\n\x01\xff\r\n\r\n"
    );

    let escaped = resp(&["encode", "GET", "k"], b"");
    assert_eq!(
        stdout(&escaped),
        "*2\\r\\n$3\\r\\nGET\\r\\n$1\\r\\nk\\r\\n\n"
    );
    let dashes = resp(&["encode", "--raw", "--", "--raw"], b"");
    assert_eq!(dashes.stdout, b"*1\r\n$5\r\n--raw\r\n");
    assert_eq!(resp(&["encode"], b"").status.code(), Some(2));
}

#[test]
fn encode_then_decode_round_trips() {
    let encoded = resp(&["encode", "--raw", "SET", "k", "v"], b"");
    let decoded = resp(&["decode", "--json"], &encoded.stdout);
    assert!(decoded.status.success());
    assert_eq!(
        stdout(&decoded),
        "{\"t\":\"array\",\"v\":[{\"t\":\"bulk\",\"v_hex\":\"534554\"},{\"t\":\"bulk\",\"v_hex\":\"6b\"},{\"t\":\"bulk\",\"v_hex\":\"76\"}]}\n"
    );
}

#[test]
fn decode_commands_prints_redis_error_texts_for_malformed_requests() {
    let mut checked = 0;
    for entry in std::fs::read_dir(corpus().join("malformed")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|ext| ext != "req") {
            continue;
        }
        let reply = String::from_utf8_lossy(&std::fs::read(path.with_extension("bin")).unwrap())
            .into_owned();
        let Some(text) = reply
            .strip_prefix("-ERR ")
            .and_then(|r| r.strip_suffix("\r\n"))
        else {
            continue;
        };
        if !text.starts_with("Protocol error: ") {
            continue;
        }
        for chunk in ["1", "100000"] {
            let output = resp(
                &[
                    "decode",
                    "--commands",
                    "--json",
                    "--chunk",
                    chunk,
                    path.to_str().unwrap(),
                ],
                b"",
            );
            assert_eq!(output.status.code(), Some(1), "{}", path.display());
            let last = stdout(&output).lines().last().unwrap().to_owned();
            let line: Value = serde_json::from_str(&last).unwrap();
            assert_eq!(line["error"]["message"], text, "{}", path.display());
        }
        checked += 1;
    }
    assert_eq!(checked, 11);
}

#[test]
fn decode_commands_prints_argv_and_applies_limits() {
    let output = resp(
        &["decode", "--commands", "--json"],
        b"*2\r\n$3\r\nGET\r\n$1\r\nk\r\nSET 'a b' \"\\x00\"\n",
    );
    assert!(output.status.success());
    assert_eq!(
        stdout(&output),
        "{\"argv\":[\"474554\",\"6b\"]}\n{\"argv\":[\"534554\",\"612062\",\"00\"]}\n"
    );
    let plain = resp(&["decode", "--commands"], b"SET k \"a b\"\r\n");
    assert_eq!(stdout(&plain), "\"SET\" \"k\" \"a b\"\n");
    let unauthenticated = resp(
        &["decode", "--commands", "--json", "--unauthenticated"],
        b"*11\r\n",
    );
    assert!(stdout(&unauthenticated).contains("Protocol error: unauthenticated multibulk length"));
    let bulk = resp(
        &["decode", "--commands", "--json", "--max-bulk-len", "2"],
        b"*1\r\n$3\r\nabc\r\n",
    );
    assert!(stdout(&bulk).contains("Protocol error: invalid bulk length"));
    let cut = resp(
        &["decode", "--commands", "--json"],
        b"PING\r\n*2\r\n$3\r\nGET\r\n",
    );
    assert_eq!(cut.status.code(), Some(3));
    assert!(stdout(&cut).ends_with("{\"incomplete\":{\"offset\":6}}\n"));
    assert_eq!(
        resp(&["decode", "--unauthenticated"], b"").status.code(),
        Some(2)
    );
}

/// Masks what differs between two connections in a `CLIENT INFO` line.
fn mask_client_info(text: &str) -> String {
    text.split(' ')
        .map(|field| match field.split_once('=') {
            Some((key, value)) if ["flags", "db", "name", "resp", "user", "cmd"].contains(&key) => {
                format!("{key}={value}")
            }
            Some((key, _)) => format!("{key}=*"),
            None => field.to_owned(),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn call_prints_what_redis_cli_prints() {
    let Some(server) = resp_test_support::RedisServer::start() else {
        return;
    };
    if !resp_test_support::installed("redis-cli") {
        return;
    }
    let port = server.port().to_string();
    let setup = [
        vec!["SET", "greeting", "hello \"world\"\n"],
        vec!["HSET", "user", "name", "ada", "born", "1815"],
        vec!["ZADD", "scores", "0.1", "a", "2", "b", "1.5", "c"],
        vec![
            "RPUSH", "eleven", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11",
        ],
    ];
    for args in setup {
        assert!(
            resp(&[&["call", "-p", &port][..], &args].concat(), b"")
                .status
                .success()
        );
    }
    let commands: [&[&str]; 10] = [
        &["PING"],
        &["GET", "greeting"],
        &["GET", "missing"],
        &["HGETALL", "user"],
        &["ZRANGE", "scores", "0", "-1", "WITHSCORES"],
        &["ZSCORE", "scores", "a"],
        &["CLIENT", "INFO"],
        &["HGET", "scores", "a"],
        &["LRANGE", "missing", "0", "-1"],
        &["LRANGE", "eleven", "0", "-1"],
    ];
    for protocol in ["-2", "-3"] {
        for command in commands {
            let cli = Command::new("redis-cli")
                .args(["-p", &port, protocol, "--no-raw"])
                .args(command)
                .output()
                .unwrap();
            let ours = resp(
                &[&["call", "-p", &port, protocol][..], command].concat(),
                b"",
            );
            let (mut theirs, mut mine) = (stdout(&cli), stdout(&ours));
            if command[0] == "CLIENT" {
                assert!(
                    mine.starts_with("id=")
                        && mine.ends_with(&format!("resp={}\n", &protocol[1..])),
                    "{mine}"
                );
                (theirs, mine) = (mask_client_info(&theirs), mask_client_info(&mine));
            }
            assert_eq!(mine, theirs, "{protocol} {command:?}");
            let error = command[0] == "HGET";
            assert_eq!(
                ours.status.code(),
                Some(if error { 1 } else { 0 }),
                "{command:?}"
            );
        }
    }
    // RESP3's own types, which this redis-cli cannot print.
    let map = resp(&["call", "-p", &port, "-3", "HELLO", "3"], b"");
    assert!(
        stdout(&map).starts_with("1# \"server\" => \"redis\"\n2# \"version\" => "),
        "{}",
        stdout(&map)
    );
    let bignum = resp(
        &["call", "-p", &port, "-3", "DEBUG", "PROTOCOL", "bignum"],
        b"",
    );
    assert_eq!(
        stdout(&bignum),
        "(big number) 1234567999999999999999999999999999999\n"
    );
    let attribute = resp(
        &["call", "-p", &port, "-3", "DEBUG", "PROTOCOL", "attrib"],
        b"",
    );
    assert_eq!(
        stdout(&attribute),
        "|1# \"key-popularity\" => 1) \"key:123\"\n    2) (integer) 90\n\"Some real reply following the attribute\"\n"
    );
    let push = resp(
        &["call", "-p", &port, "-3", "DEBUG", "PROTOCOL", "push"],
        b"",
    );
    assert_eq!(
        stdout(&push),
        "1> \"server-cpu-usage\"\n2> (integer) 42\n\"Some real reply following the push reply\"\n"
    );
}

#[test]
fn call_reads_commands_from_standard_input_with_redis_cli_quoting() {
    let Some(server) = resp_test_support::RedisServer::start() else {
        return;
    };
    let port = server.port().to_string();
    let output = resp(
        &["call", "-p", &port],
        b"SET k \"a b\\x41\"\n\nGET k\nSET 'unbalanced\nAPPEND k ' c'\nGET k\n",
    );
    assert_eq!(stdout(&output), "OK\n\"a bA\"\n(integer) 6\n\"a bA c\"\n");
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "Invalid argument(s)\n"
    );
    assert_eq!(output.status.code(), Some(1));
    let json = resp(&["call", "-p", &port, "--json", "GET", "k"], b"");
    assert_eq!(
        stdout(&json),
        "{\"t\":\"bulk\",\"v_hex\":\"612062412063\"}\n"
    );
    // QUIT's reply ends the session; nothing after it is sent.
    let quit = resp(&["call", "-p", &port], b"PING\nQUIT\nPING\n");
    assert_eq!(stdout(&quit), "PONG\nOK\n");
    assert_eq!(quit.status.code(), Some(0));
    // A value beginning with a dash is an argument, not an option.
    assert_eq!(
        stdout(&resp(&["call", "-p", &port, "INCRBY", "n", "-5"], b"")),
        "(integer) -5\n"
    );
}

#[test]
fn call_exit_statuses() {
    let closed = resp_test_support::free_port().to_string();
    let refused = resp(&["call", "-p", &closed, "PING"], b"");
    assert_eq!(refused.status.code(), Some(1));
    assert!(!refused.stderr.is_empty());
    assert_eq!(
        resp(&["call", "--port", "not-a-port", "PING"], b"")
            .status
            .code(),
        Some(2)
    );
    assert_eq!(
        resp(&["call", "-2", "-3", "PING"], b"").status.code(),
        Some(2)
    );
    let help = resp(&["call", "--help"], b"");
    assert_eq!(help.status.code(), Some(0));
    assert!(stdout(&help).contains("Examples:"));
    let version = resp(&["--version"], b"");
    assert_eq!(
        stdout(&version),
        format!("resp {}\n", env!("CARGO_PKG_VERSION"))
    );
    for subcommand in ["call", "decode", "encode"] {
        let help = resp(&[subcommand, "--help"], b"");
        assert!(
            help.status.success() && stdout(&help).contains("Example"),
            "{subcommand}"
        );
    }
    let decode_help = stdout(&resp(&["decode", "--help"], b""));
    for shape in [
        "\"v_hex\":HEX",
        "{\"incomplete\":{\"offset\":N}}",
        "\"attrs\":",
    ] {
        assert!(decode_help.contains(shape), "{shape} in {decode_help}");
    }
    let encoded_help = resp(&["encode", "--", "--help"], b"");
    assert_eq!(stdout(&encoded_help), "*1\\r\\n$6\\r\\n--help\\r\\n\n");
    let missing = resp(&["decode", "/nonexistent/capture.bin"], b"");
    assert_eq!(missing.status.code(), Some(1));
}

#[test]
fn decode_prints_each_frame_before_the_next_arrives() {
    use std::io::BufRead;
    let mut child = Command::new(env!("CARGO_BIN_EXE_resp"))
        .arg("decode")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    input.write_all(b"*2\r\n+first\r\n:1\r\n").unwrap();
    input.flush().unwrap();
    // Read while the input is still open: only a live decoder has printed.
    assert_eq!(lines.next().unwrap().unwrap(), "1) first");
    assert_eq!(lines.next().unwrap().unwrap(), "2) (integer) 1");
    input.write_all(b"$6\r\nsecond\r\n").unwrap();
    drop(input);
    assert_eq!(lines.next().unwrap().unwrap(), "\"second\"");
    assert!(lines.next().is_none());
    assert!(child.wait().unwrap().success());
}

/// Runs `resp decode` under a virtual memory bound, returning its output.
fn decode_within(kib: u64, args: &str, input: &[u8]) -> Output {
    let dir = std::env::temp_dir().join(format!("resp-cli-{}-{}", std::process::id(), input.len()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("input.bin");
    std::fs::write(&file, input).unwrap();
    let output = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "ulimit -v {kib} && exec \"$0\" decode {args} \"$1\"",
        ))
        .arg(env!("CARGO_BIN_EXE_resp"))
        .arg(&file)
        .output()
        .unwrap();
    let _ = std::fs::remove_dir_all(dir);
    output
}

#[test]
fn printing_stays_linear_in_time_and_memory() {
    // 1.5 MB of maps nested 500 deep, each with two 1,000-byte keys.
    let key = [b'k'; 1000];
    let mut nested = Vec::new();
    for _ in 0..500 {
        for part in [
            &b"%2\r\n$1000\r\n"[..],
            &key,
            b"\r\n$1000\r\n",
            &key,
            b"\r\n$1000\r\n",
            &key,
            b"\r\n",
        ] {
            nested.extend_from_slice(part);
        }
    }
    nested.extend_from_slice(b":1\r\n");
    // 320,000 arrays, each the only element of the one around it.
    let mut deep = b"*1\r\n".repeat(320_000);
    deep.extend_from_slice(b":1\r\n");
    for input in [nested, deep] {
        // 256 MiB of address space: the whole output alone (or a printer
        // that indents every level) would not fit.
        let output = decode_within(256 * 1024, "--max-depth 400000", &input);
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(
            output.stdout.len() < 2 * input.len(),
            "{} bytes printed for {}",
            output.stdout.len(),
            input.len()
        );
        let widest = stdout(&output)
            .lines()
            .map(|line| line.len() - line.trim_start().len())
            .max()
            .unwrap();
        assert!(widest <= 64, "indented {widest} columns");
    }
}

#[test]
fn call_subscribe_prints_messages_as_they_are_published() {
    use std::io::BufRead;
    let Some(server) = resp_test_support::RedisServer::start() else {
        return;
    };
    let port = server.port().to_string();
    for protocol in ["-2", "-3"] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_resp"))
            .args(["call", "-p", &port, protocol, "SUBSCRIBE", "news"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
        let mut line = || lines.next().unwrap().unwrap();
        let marker = if protocol == "-3" { '>' } else { ')' };
        assert_eq!(line(), format!("1{marker} \"subscribe\""));
        assert_eq!(line(), format!("2{marker} \"news\""));
        assert_eq!(line(), format!("3{marker} (integer) 1"));
        let mut publisher = resp_std::Connection::tcp("127.0.0.1", server.port()).unwrap();
        assert_eq!(
            publisher.call::<i64>(["PUBLISH", "news", "first"]).unwrap(),
            1
        );
        assert_eq!(line(), format!("1{marker} \"message\""));
        assert_eq!(line(), format!("2{marker} \"news\""));
        assert_eq!(line(), format!("3{marker} \"first\""));
        publisher
            .call::<i64>(["CLIENT", "KILL", "TYPE", "pubsub"])
            .unwrap();
        assert_eq!(
            child.wait().unwrap().code(),
            Some(1),
            "the server closed it"
        );
    }
    let refused = resp(&["call", "-p", &port, "SUBSCRIBE"], b"");
    assert_eq!(refused.status.code(), Some(1));
    assert!(stdout(&refused).starts_with("(error) ERR wrong number of arguments"));
}

/// A pcap capture (little-endian, Ethernet) of the TCP segments given:
/// `(from port, to port, seq, flags, payload)`, all on 127.0.0.1.
fn capture(segments: &[(u16, u16, u32, u8, &[u8])]) -> Vec<u8> {
    let mut out = vec![0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    out.extend(65535u32.to_le_bytes());
    out.extend(1u32.to_le_bytes());
    for &(from, to, seq, flags, payload) in segments {
        let mut tcp = [
            &from.to_be_bytes()[..],
            &to.to_be_bytes(),
            &seq.to_be_bytes(),
            &[0; 4],
        ]
        .concat();
        tcp.extend([5 << 4, flags, 0xff, 0xff, 0, 0, 0, 0]);
        tcp.extend_from_slice(payload);
        let mut ip = vec![0x45, 0];
        ip.extend(u16::try_from(20 + tcp.len()).unwrap().to_be_bytes());
        ip.extend([0, 0, 0x40, 0, 64, 6, 0, 0, 127, 0, 0, 1, 127, 0, 0, 1]);
        ip.extend(tcp);
        let frame = [&[0; 12][..], &[0x08, 0x00], &ip].concat();
        let len = u32::try_from(frame.len()).unwrap().to_le_bytes();
        out.extend([0; 8]);
        out.extend(len);
        out.extend(len);
        out.extend(frame);
    }
    out
}

#[test]
fn decode_pcap_follows_each_direction_of_each_connection() {
    const SYN: u8 = 0x02;
    const PSH: u8 = 0x18;
    const FIN: u8 = 0x11;
    let input = capture(&[
        (40000, 6379, 99, SYN, b""),
        (40000, 6379, 100, PSH, b"*2\r\n$3\r\nGET\r\n$1\r\nk\r\n"),
        (6379, 40000, 500, PSH, b"$5\r\nhel"),
        // Another connection in between.
        (40001, 6379, 7, PSH, b"*1\r\n$4\r\nPING\r\n"),
        // Sent again, and the rest.
        (6379, 40000, 500, PSH, b"$5\r\nhel"),
        (6379, 40000, 507, PSH, b"lo\r\n"),
        (6379, 40001, 900, PSH, b"+PONG\r\n"),
        (6379, 40001, 907, FIN, b""),
    ]);
    let output = resp(&["decode", "--pcap"], &input);
    assert_eq!(
        stdout(&output),
        "# 127.0.0.1:40000 > 127.0.0.1:6379\n1) \"GET\"\n2) \"k\"\n\
         # 127.0.0.1:40001 > 127.0.0.1:6379\n1) \"PING\"\n\
         # 127.0.0.1:6379 > 127.0.0.1:40000\n\"hello\"\n\
         # 127.0.0.1:6379 > 127.0.0.1:40001\nPONG\n"
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    for chunk in ["1", "13"] {
        let chunked = resp(&["decode", "--pcap", "--chunk", chunk], &input);
        assert_eq!(chunked.stdout, output.stdout, "chunk {chunk}");
    }

    // Lost bytes end their flow with an error; a flow cut inside a frame
    // is incomplete; the others go on.
    let damaged = capture(&[
        (6379, 40000, 1, PSH, b"+OK\r\n"),
        (6379, 40000, 20, PSH, b"+LATER\r\n"),
        (6379, 40001, 1, PSH, b"*2\r\n:1\r\n"),
        (6379, 40002, 1, PSH, b":7\r\n"),
    ]);
    let output = resp(&["decode", "--pcap", "--json"], &damaged);
    assert_eq!(output.status.code(), Some(1));
    let text = stdout(&output);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], r#"{"flow":"127.0.0.1:6379 > 127.0.0.1:40000"}"#);
    assert_eq!(lines[1], r#"{"t":"simple","v_hex":"4f4b"}"#);
    assert!(
        lines[2].starts_with(
            r#"{"error":{"kind":"capture-gap","offset":0,"message":"14 bytes are missing"#
        ),
        "{text}"
    );
    assert_eq!(lines[3], r#"{"flow":"127.0.0.1:6379 > 127.0.0.1:40002"}"#);
    assert_eq!(lines[4], r#"{"t":"int","v":"7"}"#);
    assert_eq!(lines[5], r#"{"flow":"127.0.0.1:6379 > 127.0.0.1:40001"}"#);
    assert_eq!(lines[6], r#"{"incomplete":{"offset":0}}"#);

    let cut_only = capture(&[(6379, 40001, 1, PSH, b"*2\r\n:1\r\n")]);
    assert_eq!(
        resp(&["decode", "--pcap"], &cut_only).status.code(),
        Some(3)
    );
    let not_a_capture = resp(
        &["decode", "--pcap"],
        b"+OK\r\n+OK\r\n+OK\r\n+OK\r\n+OK\r\n",
    );
    assert_eq!(not_a_capture.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&not_a_capture.stderr).contains("not a pcap capture"));
}

/// The real thing: tcpdump capturing a real server's loopback traffic,
/// piped into `resp decode --pcap` while the client talks. Needs tcpdump
/// and the right to capture; it says so and skips without them.
#[test]
fn decode_pcap_reads_tcpdump_live() {
    use std::io::BufRead;
    let Some(server) = resp_test_support::RedisServer::start() else {
        return;
    };
    let port = server.port().to_string();
    let tcpdump = Command::new("tcpdump")
        .args(["-i", "lo", "-U", "-w", "-", "tcp", "port", &port])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let Ok(mut tcpdump) = tcpdump else {
        eprintln!("skipped: tcpdump is not installed (apt-get install tcpdump)");
        return;
    };
    // It says "listening" on stderr once it captures, or why it cannot.
    let mut said = String::new();
    std::io::BufReader::new(tcpdump.stderr.take().unwrap())
        .read_line(&mut said)
        .unwrap();
    if !said.contains("listening") {
        let _ = tcpdump.kill();
        eprintln!("skipped: tcpdump cannot capture here: {said}");
        return;
    }
    // Should the decoder never print, the capture ends and the test fails
    // rather than hangs.
    let pid = tcpdump.id().to_string();
    std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_secs(20));
        let _ = Command::new("kill").arg(pid).status();
    });
    let mut decode = Command::new(env!("CARGO_BIN_EXE_resp"))
        .args(["decode", "--pcap"])
        .stdin(tcpdump.stdout.take().unwrap())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufReader::new(decode.stdout.take().unwrap()).lines();
    let mut redis = resp_std::Connection::tcp("127.0.0.1", server.port()).unwrap();
    redis.call::<()>(["SET", "captured", "live"]).unwrap();
    // Read while the capture is still running.
    let mut seen = Vec::new();
    while !seen.iter().any(|line: &String| line == "OK") {
        seen.push(lines.next().unwrap().unwrap());
    }
    let _ = tcpdump.kill();
    let _ = tcpdump.wait();
    let _ = decode.wait();
    assert!(seen.iter().any(|line| line == "1) \"SET\""), "{seen:?}");
    assert!(seen.iter().any(|line| line == "3) \"live\""), "{seen:?}");
    assert!(
        seen.iter().any(|line| line.starts_with("# 127.0.0.1:")),
        "{seen:?}"
    );
}
