//! Each contestant decodes a workload the way its own API is meant to be
//! used and returns how many top-level frames it produced, so the count can
//! be checked and the work cannot be optimised away.

use crate::Workload;
use bytes::{Bytes, BytesMut};
use std::hint::black_box;
use std::io::Read;

/// The read buffer a codec starts with (tokio-util's `FramedRead` uses 8 KiB).
const INITIAL_CAPACITY: usize = 8 * 1024;

/// Feeds `workload` to `decode_all` in its piece size, as a socket would.
fn feed(workload: &Workload, mut decode_all: impl FnMut(&mut BytesMut) -> usize) -> usize {
    let piece = workload.piece.unwrap_or(workload.bytes.len());
    let mut buf = BytesMut::with_capacity(INITIAL_CAPACITY);
    let mut frames = 0;
    for chunk in workload.bytes.chunks(piece) {
        buf.extend_from_slice(chunk);
        frames += decode_all(&mut buf);
    }
    frames
}

/// resp-core's Decoder: owned frames, payloads sliced from the buffer.
pub fn resp_core_decoder(workload: &Workload) -> usize {
    let mut decoder = resp_core::Decoder::new();
    feed(workload, |buf| {
        let mut n = 0;
        while let Some(frame) = decoder.decode(buf).expect("valid input") {
            black_box(&frame);
            n += 1;
        }
        n
    })
}

/// resp-core's Reader: borrowed events, no frames built. Counts top-level
/// frames. Every event is looked at the way a consumer building its own
/// values would: matched, its payload length or value folded into a sum.
pub fn resp_core_reader(workload: &Workload) -> usize {
    use resp_core::Event;
    let mut reader = resp_core::Reader::new();
    let piece = workload.piece.unwrap_or(workload.bytes.len());
    // The caller-owned buffer, used as an IO loop would: unconsumed bytes
    // move to the front only when the room after them runs short (what
    // BytesMut::reserve does for the Decoder's buffer).
    let mut held: Vec<u8> = Vec::with_capacity(INITIAL_CAPACITY);
    let mut start = 0;
    let mut frames = 0;
    let mut sum = 0usize;
    for chunk in workload.bytes.chunks(piece) {
        if start == held.len() {
            held.clear();
            start = 0;
        } else if held.capacity() - held.len() < chunk.len() {
            held.drain(..start);
            start = 0;
        }
        held.extend_from_slice(chunk);
        loop {
            let step = reader.read(&held[start..]).expect("valid input");
            start += step.consumed;
            let Some(event) = step.event else { break };
            sum = sum.wrapping_add(match event {
                Event::SimpleString(text) | Event::BulkString(text) | Event::BigNumber(text) => {
                    text.len()
                }
                Event::Integer(value) => value as usize,
                Event::AggregateStart { len, .. } => len.unwrap_or(0) as usize,
                _ => 1,
            });
            if reader.is_idle() {
                frames += 1;
            }
        }
    }
    black_box(sum);
    frames
}

/// resp-core's CommandDecoder: argument vectors for a server.
pub fn resp_core_commands(workload: &Workload) -> usize {
    let mut decoder = resp_core::CommandDecoder::new();
    feed(workload, |buf| {
        let mut n = 0;
        while let Some(command) = decoder.decode(buf).expect("valid input") {
            // A server reads every argument.
            for arg in command.args() {
                black_box(arg);
            }
            n += 1;
        }
        n
    })
}

/// resp-core's CommandDecoder handing out owned requests, as a codec's
/// item (a server keeps each one, or a proxy forwards its raw bytes).
pub fn resp_core_requests(workload: &Workload) -> usize {
    let mut decoder = resp_core::CommandDecoder::new();
    feed(workload, |buf| {
        let mut n = 0;
        while let Some(command) = decoder.decode(buf).expect("valid input") {
            let request = command.to_request();
            black_box(request.raw());
            n += 1;
        }
        n
    })
}

/// redis-protocol's `decode_bytes_mut` on a growing buffer (RESP2 or RESP3).
pub fn redis_protocol(workload: &Workload, resp3: bool) -> usize {
    feed(workload, |buf| {
        let mut n = 0;
        loop {
            let decoded = if resp3 {
                redis_protocol::resp3::decode::complete::decode_bytes_mut(buf)
                    .expect("valid input")
                    .map(|(f, ..)| {
                        black_box(&f);
                    })
            } else {
                redis_protocol::resp2::decode::decode_bytes_mut(buf)
                    .expect("valid input")
                    .map(|(f, ..)| {
                        black_box(&f);
                    })
            };
            if decoded.is_none() {
                return n;
            }
            n += 1;
        }
    })
}

/// resp-rs's streaming `Parser`: feed each read, then take frames.
pub fn resp_rs(workload: &Workload, resp3: bool) -> usize {
    let piece = workload.piece.unwrap_or(workload.bytes.len());
    let mut frames = 0;
    if resp3 {
        let mut parser = resp_rs::resp3::Parser::new();
        for chunk in workload.bytes.chunks(piece) {
            parser.feed(Bytes::copy_from_slice(chunk));
            while let Some(frame) = parser.next_frame().expect("valid input") {
                black_box(&frame);
                frames += 1;
            }
        }
    } else {
        let mut parser = resp_rs::resp2::Parser::new();
        for chunk in workload.bytes.chunks(piece) {
            parser.feed(Bytes::copy_from_slice(chunk));
            while let Some(frame) = parser.next_frame().expect("valid input") {
                black_box(&frame);
                frames += 1;
            }
        }
    }
    frames
}

/// A reader handing out at most `piece` bytes per read, like a socket.
struct Pieces<'a> {
    rest: &'a [u8],
    piece: usize,
}

impl Read for Pieces<'_> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let n = self.rest.len().min(self.piece).min(out.len());
        out[..n].copy_from_slice(&self.rest[..n]);
        self.rest = &self.rest[n..];
        Ok(n)
    }
}

/// redis-rs's incremental `Parser` over a `Read`.
pub fn redis_rs(workload: &Workload) -> usize {
    let mut parser = redis::Parser::new();
    let mut reader = Pieces {
        rest: &workload.bytes,
        piece: workload.piece.unwrap_or(usize::MAX),
    };
    for _ in 0..workload.frames {
        black_box(parser.parse_value(&mut reader).expect("valid input"));
    }
    workload.frames
}

/// The yardstick: one `memchr` per line, building nothing.
pub fn memchr_per_line(workload: &Workload) -> usize {
    let mut lines = 0;
    let mut at = 0;
    while let Some(found) = memchr::memchr(b'\n', &workload.bytes[at..]) {
        at += found + 1;
        lines += 1;
    }
    black_box(lines);
    workload.frames
}

/// The keys and values of E1, made once so the timing is of packing only.
/// They are vectors, so their lengths are known only at run time, as a
/// client's are: with fixed-size arrays the compiler would fold the lengths
/// into constants and flatter the packer.
pub fn set_arguments() -> Vec<(Vec<u8>, Vec<u8>)> {
    (0..10_000)
        .map(crate::workloads::set_key_value)
        .map(|(key, value)| (key.to_vec(), value.to_vec()))
        .collect()
}

/// resp-core packing 10,000 `SET key value` commands into one buffer.
pub fn resp_core_pack(out: &mut Vec<u8>, arguments: &[(Vec<u8>, Vec<u8>)]) {
    out.clear();
    for (key, value) in arguments {
        resp_core::pack_command(out, (&b"SET"[..], key.as_slice(), value.as_slice()));
    }
}

/// redis-rs's `write_packed_command` for the same commands.
pub fn redis_rs_pack(out: &mut Vec<u8>, arguments: &[(Vec<u8>, Vec<u8>)]) {
    out.clear();
    for (key, value) in arguments {
        redis::cmd("SET")
            .arg(&key[..])
            .arg(&value[..])
            .write_packed_command(out);
    }
}

/// Checks that every contestant produces the right number of frames for
/// `workload` (and resp-core the right frames), before anything is timed.
pub fn verify(workload: &Workload, resp3: bool, peers: bool) {
    let expected = workload.frames;
    assert_eq!(
        resp_core_decoder(workload),
        expected,
        "resp-core Decoder on {}",
        workload.name
    );
    assert_eq!(
        resp_core_reader(workload),
        expected,
        "resp-core Reader on {}",
        workload.name
    );
    if peers {
        assert_eq!(
            redis_protocol(workload, resp3),
            expected,
            "redis-protocol on {}",
            workload.name
        );
        assert_eq!(
            resp_rs(workload, resp3),
            expected,
            "resp-rs on {}",
            workload.name
        );
        if !resp3 {
            assert_eq!(
                redis_rs(workload),
                expected,
                "redis-rs on {}",
                workload.name
            );
        }
    }
}
