//! Memory follows the bytes received, never a declared size, and steady-state
//! decoding allocates nothing per scalar.
#![allow(unsafe_code)] // the counting allocator implements the unsafe GlobalAlloc trait

#[path = "common/counting.rs"]
mod counting;

use bytes::BytesMut;
use counting::{Counting, measure};
use resp_core::{CommandDecoder, Decoder, Event, Limits, Reader};

#[global_allocator]
static ALLOCATOR: Counting = Counting;

const MIB: usize = 1 << 20;

// One test, so no other test thread allocates while it measures.
#[test]
fn memory_is_bounded_by_what_arrived() {
    huge_declared_bulk_costs_nothing();
    huge_declared_array_costs_nothing();
    a_payload_still_arriving_reserves_no_elements();
    reader_allocates_nothing_in_steady_state();
    decoder_allocates_nothing_per_scalar();
    decoder_allocates_once_per_aggregate();
    command_decoder_allocates_nothing_per_command();
    owned_requests_allocate_once_each();
}

fn command_decoder_allocates_nothing_per_command() {
    let mut input = b"*3\r\n$3\r\nSET\r\n$16\r\nkey:000000000001\r\n$5\r\nvalue\r\n".repeat(1000);
    input.extend_from_slice(&b"GET key:000000000001\r\n".repeat(1000));
    let mut decoder = CommandDecoder::new();
    // Warm up on both request forms: the reused vectors grow once.
    let mut warm_up = BytesMut::from(&input[..]);
    while decoder.decode(&mut warm_up).unwrap().is_some() {}
    let mut buf = BytesMut::from(&input[..]);
    let (count, usage) = measure(|| {
        let mut count = 0;
        while let Some(command) = decoder.decode(&mut buf).unwrap() {
            assert!(command.args().len() >= 2);
            count += 1;
        }
        count
    });
    assert_eq!(count, 2000);
    // Arguments are slices of the shared buffer: sharing it is the one allocation.
    assert!(usage.allocations <= 1, "{usage:?}");
}

/// What a codec hands out: one allocation per request, for its argument
/// boundaries; the bytes are shared.
fn owned_requests_allocate_once_each() {
    let mut input = b"*3\r\n$3\r\nSET\r\n$16\r\nkey:000000000001\r\n$5\r\nvalue\r\n".repeat(1000);
    input.extend_from_slice(&b"GET \"key:000000000001\"\r\n".repeat(1000));
    let mut decoder = CommandDecoder::new();
    let mut warm_up = BytesMut::from(&input[..]);
    while decoder.decode(&mut warm_up).unwrap().is_some() {}
    let mut buf = BytesMut::from(&input[..]);
    let mut kept = Vec::with_capacity(2000);
    let (count, usage) = measure(|| {
        while let Some(command) = decoder.decode(&mut buf).unwrap() {
            kept.push(command.to_request());
        }
        kept.len()
    });
    assert_eq!(count, 2000);
    // A request with quoted inline words is unescaped into a buffer of its
    // own, which sharing promotes: three each for those, one for the others.
    assert!(usage.allocations <= 1000 + 3 * 1000 + 1, "{usage:?}");
    assert!(
        kept[..1000]
            .iter()
            .all(|r| r.args().eq([&b"SET"[..], b"key:000000000001", b"value"]))
    );
    assert!(
        kept[1000..]
            .iter()
            .all(|r| r.raw() == b"GET \"key:000000000001\"\r\n")
    );
    let mut plain = BytesMut::from(
        &b"*3\r\n$3\r\nSET\r\n$16\r\nkey:000000000001\r\n$5\r\nvalue\r\n".repeat(1000)[..],
    );
    kept.clear();
    let (_, usage) = measure(|| {
        while let Some(command) = decoder.decode(&mut plain).unwrap() {
            kept.push(command.to_request());
        }
    });
    // Multibulk, what clients send: one allocation per request.
    assert!(usage.allocations <= 1000 + 1, "{usage:?}");
}

fn huge_declared_bulk_costs_nothing() {
    let mut buf = BytesMut::from(&b"$4611686018427387904\r\nten bytes!"[..]);
    let mut decoder = Decoder::with_limits(Limits::unlimited());
    let (result, usage) = measure(|| decoder.decode(&mut buf));
    assert_eq!(result, Ok(None));
    assert!(usage.peak_growth < MIB, "{usage:?}");
}

/// A large bulk arriving inside a wide array: the bytes already here must not
/// be counted as room for elements (they are one element's payload).
fn a_payload_still_arriving_reserves_no_elements() {
    let mut decoder = Decoder::with_limits(Limits::unlimited());
    let mut buf = BytesMut::from(&b"*100000000\r\n:1\r\n$100000000\r\n"[..]);
    assert_eq!(decoder.decode(&mut buf), Ok(None));
    let chunk = vec![b'x'; MIB];
    buf.reserve(20 * MIB);
    let (result, usage) = measure(|| {
        for _ in 0..16 {
            buf.extend_from_slice(&chunk);
            if decoder.decode(&mut buf) != Ok(None) {
                return false;
            }
        }
        true
    });
    assert!(result);
    assert!(usage.peak_growth < 4 * MIB, "{usage:?}");
}

fn huge_declared_array_costs_nothing() {
    let mut buf = BytesMut::from(&b"*4294967296\r\n:1\r\n:2\r\n*4294967296\r\n$3\r\nab"[..]);
    let mut decoder = Decoder::with_limits(Limits::unlimited());
    let (result, usage) = measure(|| decoder.decode(&mut buf));
    assert_eq!(result, Ok(None));
    assert!(usage.peak_growth < MIB, "{usage:?}");
}

fn reader_allocates_nothing_in_steady_state() {
    let one = b"*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n%1\r\n+a\r\n,1.5\r\n";
    let input = one.repeat(1000);
    let mut reader = Reader::new();
    let read_all = |reader: &mut Reader| {
        let mut rest = &input[..];
        let (mut events, mut ends) = (0, 0);
        loop {
            let step = reader.read(rest).unwrap();
            rest = &rest[step.consumed..];
            match step.event {
                Some(Event::AggregateEnd(_)) => ends += 1,
                Some(_) => events += 1,
                None => break,
            }
        }
        (events, ends)
    };
    // Warm up: the stack of open aggregates grows once.
    read_all(&mut reader);
    reader.reset();
    let ((events, ends), usage) = measure(|| read_all(&mut reader));
    assert_eq!((events, ends), (6000, 2000));
    assert_eq!(usage.allocations, 0, "{usage:?}");
}

fn decoder_allocates_nothing_per_scalar() {
    let input = b"$5\r\nhello\r\n:1\r\n+OK\r\n$-1\r\n".repeat(1000);
    let mut decoder = Decoder::new();
    // Warm up: the decoder's scratch space grows once.
    decoder
        .decode(&mut BytesMut::from(&b":1\r\n"[..]))
        .unwrap()
        .unwrap();
    let mut buf = BytesMut::from(&input[..]);
    let (count, usage) = measure(|| {
        let mut count = 0;
        while let Some(frame) = decoder.decode(&mut buf).unwrap() {
            drop(frame);
            count += 1;
        }
        count
    });
    assert_eq!(count, 4000);
    // Splitting payloads off the buffer shares it once; nothing per frame.
    assert!(usage.allocations <= 1, "{usage:?}");
}

fn decoder_allocates_once_per_aggregate() {
    let input = b"*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n".repeat(1000);
    let mut decoder = Decoder::new();
    // Warm up: the decoder's stack of aggregates under construction grows once.
    decoder
        .decode(&mut BytesMut::from(&input[..33]))
        .unwrap()
        .unwrap();
    let mut buf = BytesMut::from(&input[..]);
    let (count, usage) = measure(|| {
        let mut count = 0;
        while decoder.decode(&mut buf).unwrap().is_some() {
            count += 1;
        }
        count
    });
    assert_eq!(count, 1000);
    // The array's own vector, and sharing the buffer once.
    // Multibulk, what clients send: one allocation per request.
    assert!(usage.allocations <= 1000 + 1, "{usage:?}");
}
