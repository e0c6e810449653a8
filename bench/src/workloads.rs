//! The byte streams every contestant decodes, built deterministically.

/// One workload: its bytes, how many top-level frames they hold, and the
/// piece size it is fed in (`None`: whole).
#[derive(Debug, Clone)]
pub struct Workload {
    pub name: &'static str,
    pub bytes: Vec<u8>,
    pub frames: usize,
    pub piece: Option<usize>,
}

fn put_bulk(out: &mut Vec<u8>, data: &[u8]) {
    out.extend_from_slice(format!("${}\r\n", data.len()).as_bytes());
    out.extend_from_slice(data);
    out.extend_from_slice(b"\r\n");
}

/// W1: 10,000 pipelined small replies cycling `+OK`, `:12345`, `$5 hello`, `$-1`.
pub fn small_replies() -> Workload {
    let mut bytes = Vec::new();
    for i in 0..10_000 {
        bytes.extend_from_slice(match i % 4 {
            0 => &b"+OK\r\n"[..],
            1 => b":12345\r\n",
            2 => b"$5\r\nhello\r\n",
            _ => b"$-1\r\n",
        });
    }
    Workload {
        name: "W1 small replies",
        bytes,
        frames: 10_000,
        piece: None,
    }
}

/// The key and value of the `i`-th SET: 16 and 32 bytes.
pub fn set_key_value(i: usize) -> ([u8; 16], [u8; 32]) {
    let mut key = *b"key:000000000000";
    let mut value = *b"value:00000000000000000000000000";
    let digits = format!("{i:012}");
    key[4..].copy_from_slice(digits.as_bytes());
    value[20..].copy_from_slice(digits.as_bytes());
    (key, value)
}

/// W2: 10,000 `SET` commands with 16-byte keys and 32-byte values.
pub fn set_commands() -> Workload {
    let mut bytes = Vec::new();
    for i in 0..10_000 {
        let (key, value) = set_key_value(i);
        bytes.extend_from_slice(b"*3\r\n");
        put_bulk(&mut bytes, b"SET");
        put_bulk(&mut bytes, &key);
        put_bulk(&mut bytes, &value);
    }
    Workload {
        name: "W2 SET commands",
        bytes,
        frames: 10_000,
        piece: None,
    }
}

/// W3: 16 bulk strings of 1 MiB.
pub fn big_bulks() -> Workload {
    let payload: Vec<u8> = (0..1 << 20).map(|i| (i % 251) as u8).collect();
    let mut bytes = Vec::new();
    for _ in 0..16 {
        put_bulk(&mut bytes, &payload);
    }
    Workload {
        name: "W3 16 x 1 MiB bulks",
        bytes,
        frames: 16,
        piece: None,
    }
}

/// W4: one array of 100,000 bulk strings of 10 bytes.
pub fn wide_array() -> Workload {
    let mut bytes = b"*100000\r\n".to_vec();
    for i in 0..100_000 {
        put_bulk(&mut bytes, format!("item{i:06}").as_bytes());
    }
    Workload {
        name: "W4 array of 100k bulks",
        bytes,
        frames: 1,
        piece: None,
    }
}

/// W5: 5,000 RESP3 frames cycling a map of 4 pairs, a double, a boolean, a
/// null, a big number, a set of 3 and a push message.
pub fn resp3_mix() -> Workload {
    let mut bytes = Vec::new();
    for i in 0..5_000 {
        bytes.extend_from_slice(match i % 7 {
            0 => &b"%4\r\n+name\r\n$5\r\nalice\r\n+age\r\n:42\r\n+score\r\n,98.5\r\n+active\r\n#t\r\n"[..],
            1 => b",3.14159\r\n",
            2 => b"#f\r\n",
            3 => b"_\r\n",
            4 => b"(3492890328409238509324850943850943825024385\r\n",
            5 => b"~3\r\n:1\r\n:2\r\n:3\r\n",
            _ => b">3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$5\r\nhello\r\n",
        });
    }
    Workload {
        name: "W5 RESP3 mix",
        bytes,
        frames: 5_000,
        piece: None,
    }
}

/// W6: W2 fed 64 bytes at a time.
pub fn set_commands_in_64_byte_reads() -> Workload {
    Workload {
        name: "W6 W2 in 64 B reads",
        piece: Some(64),
        ..set_commands()
    }
}

/// W7: W4 fed 16 KiB at a time.
pub fn wide_array_in_16k_reads() -> Workload {
    Workload {
        name: "W7 W4 in 16 KiB reads",
        piece: Some(16 * 1024),
        ..wide_array()
    }
}

/// W8: a 1 MiB bulk fed 1 byte at a time.
pub fn big_bulk_byte_by_byte() -> Workload {
    let payload: Vec<u8> = (0..1 << 20).map(|i| (i % 251) as u8).collect();
    let mut bytes = Vec::new();
    put_bulk(&mut bytes, &payload);
    Workload {
        name: "W8 1 MiB bulk in 1 B reads",
        bytes,
        frames: 1,
        piece: Some(1),
    }
}
