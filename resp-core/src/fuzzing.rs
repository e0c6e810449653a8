//! Bodies of the `cargo fuzz` targets in `fuzz/`, kept in the library so
//! `cargo test` replays the committed corpus on stable with the same code.
//!
//! Each body asserts properties, not only the absence of panics. Inputs that
//! need cut points start with two control bytes that choose them.

use crate::cluster::{Redirect, SLOT_COUNT, hash_tag, key_slot};
use crate::command::{Command, CommandDecoder, CommandError};
use crate::decode::Decoder;
use crate::decode::{FrameBuilder, build_copied};
use crate::encode::{ReplyWriter, pack_command};
use crate::error::DecodeError;
use crate::frame::Frame;
use crate::hello::{Hello, ServerHello};
use crate::limits::Limits;
use crate::protocol::Protocol;
use crate::push::Push;
use crate::reader::Reader;
use alloc::collections::BTreeMap;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use bytes::{Bytes, BytesMut};

/// Small bounds, so the fuzzer reaches every limit quickly.
fn small_limits() -> Limits {
    Limits::default()
        .with_max_depth(32)
        .with_max_bulk_len(4096)
        .with_max_aggregate_len(256)
        .with_max_line_len(256)
}

/// Splits off the two control bytes and turns them into piece sizes.
fn control(data: &[u8]) -> ([usize; 2], &[u8]) {
    let (head, stream) = data.split_at(data.len().min(2));
    let first = 1 + usize::from(head.first().copied().unwrap_or(0) % 17);
    let second = 1 + usize::from(head.get(1).copied().unwrap_or(0) % 7);
    ([first, second], stream)
}

/// The end points of pieces alternating between the two sizes.
fn cuts(sizes: [usize; 2], len: usize) -> Vec<usize> {
    let mut cuts = Vec::new();
    let mut at = 0;
    for size in sizes.iter().cycle() {
        at += size;
        if at >= len {
            break;
        }
        cuts.push(at);
    }
    cuts
}

/// What decoding a stream of frames gave.
#[derive(Debug, PartialEq, Eq)]
struct Decoded {
    frames: Vec<Frame>,
    error: Option<DecodeError>,
    clean_end: bool,
}

fn decode_pieces(stream: &[u8], cuts: &[usize], decoder: &mut Decoder) -> Decoded {
    let mut buf = BytesMut::new();
    let mut frames = Vec::new();
    let mut from = 0;
    for end in cuts.iter().copied().chain([stream.len()]) {
        buf.extend_from_slice(&stream[from..end]);
        from = end;
        loop {
            match decoder.decode(&mut buf) {
                Ok(Some(frame)) => frames.push(frame),
                Ok(None) => break,
                Err(error) => {
                    return Decoded {
                        frames,
                        error: Some(error),
                        clean_end: false,
                    };
                }
            }
        }
    }
    let clean_end = decoder.is_idle() && buf.is_empty();
    Decoded {
        frames,
        error: None,
        clean_end,
    }
}

/// Arbitrary bytes with small limits: no panic, errors point inside the
/// input, and the heap (as `live_heap` reports it) grows at most by a
/// constant factor of the input.
pub fn decode(data: &[u8], live_heap: &dyn Fn() -> usize) {
    let protocol = if data.first().is_some_and(|b| b & 1 == 1) {
        Protocol::Resp2
    } else {
        Protocol::Resp3
    };
    let before = live_heap();
    let mut decoder = Decoder::with_limits(small_limits()).with_protocol(protocol);
    let decoded = decode_pieces(data, &[], &mut decoder);
    let grown = live_heap().saturating_sub(before);
    // A 3-byte element becomes a 40-byte frame plus vector slack.
    assert!(
        grown <= 64 * data.len() + 64 * 1024,
        "{grown} bytes for {} of input",
        data.len()
    );
    if let Some(error) = decoded.error {
        assert!(
            error.offset() < data.len() as u64,
            "{error} outside {} bytes",
            data.len()
        );
    }
}

/// The stream cut into pieces gives the frames, error and offset of the whole.
pub fn decode_chunked(data: &[u8]) {
    let (sizes, stream) = control(data);
    let whole = decode_pieces(stream, &[], &mut Decoder::with_limits(small_limits()));
    let pieces = decode_pieces(
        stream,
        &cuts(sizes, stream.len()),
        &mut Decoder::with_limits(small_limits()),
    );
    assert_eq!(whole, pieces);
}

/// Every decoded frame re-encodes and decodes to an equal frame, and the
/// encoding is canonical: encoding it again gives the same bytes.
pub fn roundtrip(data: &[u8]) {
    let decoded = decode_pieces(data, &[], &mut Decoder::with_limits(small_limits()));
    for frame in decoded.frames {
        let wire = frame.encode_to_vec().expect("decoded frames are valid");
        assert_eq!(wire.len(), frame.encoded_len());
        let mut again = Decoder::with_limits(small_limits());
        let back = decode_pieces(&wire, &[], &mut again);
        assert_eq!(back.frames.len(), 1);
        assert!(back.clean_end);
        assert_eq!(back.frames[0], frame);
        assert_eq!(back.frames[0].encode_to_vec().expect("valid"), wire);
    }
}

/// On the valid prefix of the input, the decoder equals a reference decoder.
pub fn oracle(data: &[u8], reference: &dyn Fn(&[u8]) -> Vec<Frame>) {
    let mut decoder = Decoder::with_limits(small_limits());
    let mut buf = BytesMut::from(data);
    let mut frames = Vec::new();
    while let Ok(Some(frame)) = decoder.decode(&mut buf) {
        frames.push(frame);
    }
    if frames.is_empty() {
        return;
    }
    // Bytes of the complete frames: what the decoder took, less any bytes of
    // an unfinished frame it had already taken.
    let mut prefix_decoder = Decoder::with_limits(small_limits());
    let mut prefix_buf = BytesMut::from(data);
    let mut end = 0;
    for _ in 0..frames.len() {
        let _ = prefix_decoder.decode(&mut prefix_buf);
        end = prefix_decoder.position() as usize;
    }
    assert_eq!(reference(&data[..end]), frames);
}

/// What decoding a request stream gave.
#[derive(Debug, PartialEq, Eq)]
struct Requests {
    commands: Vec<Vec<Bytes>>,
    wire_lens: Vec<usize>,
    error: Option<CommandError>,
    clean_end: bool,
}

fn requests(stream: &[u8], cuts: &[usize], skip_terminators: bool) -> Requests {
    let mut limits = crate::CommandLimits::unauthenticated();
    limits.max_line_len = 64;
    let mut decoder = CommandDecoder::with_limits(limits);
    if skip_terminators {
        decoder = decoder.skipping_bulk_terminators();
    }
    let mut buf = BytesMut::new();
    let (mut commands, mut wire_lens) = (Vec::new(), Vec::new());
    let mut from = 0;
    for end in cuts.iter().copied().chain([stream.len()]) {
        buf.extend_from_slice(&stream[from..end]);
        from = end;
        loop {
            match decoder.decode(&mut buf) {
                Ok(Some(command)) => {
                    assert!(!command.is_empty());
                    // The owned request says the same, and `raw` is the tail
                    // of this command's bytes on the wire.
                    let request = command.to_request();
                    assert!(request.args().eq(command.args()));
                    let end = wire_lens.iter().sum::<usize>() + command.wire_len();
                    assert_eq!(request.raw(), &stream[end - command.raw().len()..end]);
                    assert!(command.raw().len() <= command.wire_len());
                    commands.push(command.to_vec());
                    wire_lens.push(command.wire_len());
                    // Every byte up to here belongs to exactly one command.
                    assert_eq!(wire_lens.iter().sum::<usize>() as u64, decoder.position());
                }
                Ok(None) => break,
                Err(error) => {
                    assert!(error.offset() < stream.len() as u64);
                    return Requests {
                        commands,
                        wire_lens,
                        error: Some(error),
                        clean_end: false,
                    };
                }
            }
        }
    }
    let clean_end = decoder.is_idle() && buf.is_empty();
    Requests {
        commands,
        wire_lens,
        error: None,
        clean_end,
    }
}

/// Server-side decoding (multibulk and inline): pieces give what the whole gives.
pub fn command(data: &[u8]) {
    let (sizes, stream) = control(data);
    let cuts = cuts(sizes, stream.len());
    let strict = requests(stream, &[], false);
    assert_eq!(strict, requests(stream, &cuts, false));
    // Skipping terminators as Redis does only accepts more: whatever the
    // strict decoder returned comes first, the same.
    let lenient = requests(stream, &[], true);
    assert_eq!(lenient, requests(stream, &cuts, true));
    assert!(lenient.commands.len() >= strict.commands.len());
    assert_eq!(
        lenient.commands[..strict.commands.len()],
        strict.commands[..]
    );
}

/// Frames written by the reply writer always decode: RESP3 output to the
/// same frame, RESP2 output under strict RESP2 (so no RESP3 type byte).
pub fn reply_writer(data: &[u8]) {
    let decoded = decode_pieces(data, &[], &mut Decoder::with_limits(small_limits()));
    for frame in decoded.frames {
        let mut resp3 = BytesMut::new();
        ReplyWriter::new(&mut resp3, Protocol::Resp3)
            .frame(&frame)
            .expect("decoded frames are valid");
        assert_eq!(
            Decoder::with_limits(small_limits()).decode(&mut resp3),
            Ok(Some(frame.clone()))
        );
        assert!(resp3.is_empty());

        let mut resp2 = BytesMut::new();
        ReplyWriter::new(&mut resp2, Protocol::Resp2)
            .frame(&frame)
            .expect("decoded frames are valid");
        let mut strict = Decoder::with_limits(small_limits()).with_protocol(Protocol::Resp2);
        let downgraded = strict
            .decode(&mut resp2)
            .expect("RESP2 output is strict RESP2");
        assert!(downgraded.is_some() && resp2.is_empty());
    }
}

/// The Reader's events, with payloads in chunks and input in pieces, rebuild
/// the frames the Decoder gives for the whole input.
pub fn reader_events(data: &[u8]) {
    let (sizes, stream) = control(data);
    let expected = decode_pieces(stream, &[], &mut Decoder::with_limits(small_limits()));
    let threshold = (sizes[0] % 9) as u64;
    let mut reader = Reader::with_limits(small_limits()).with_chunk_threshold(threshold);
    let mut builder = FrameBuilder::default();
    let mut frames = Vec::new();
    let mut held: Vec<u8> = Vec::new();
    let mut error = None;
    let mut from = 0;
    'feed: for end in cuts(sizes, stream.len()).into_iter().chain([stream.len()]) {
        held.extend_from_slice(&stream[from..end]);
        from = end;
        loop {
            let step = match reader.read(&held) {
                Ok(step) => step,
                Err(e) => {
                    error = Some(e);
                    break 'feed;
                }
            };
            let consumed = step.consumed;
            let Some(event) = step.event else {
                held.drain(..consumed);
                break;
            };
            if let Some(frame) = build_copied(&mut builder, event) {
                frames.push(frame);
            }
            held.drain(..consumed);
        }
    }
    let clean_end = error.is_none() && reader.is_idle() && held.is_empty();
    assert_eq!(
        Decoded {
            frames,
            error,
            clean_end
        },
        expected
    );
}

/// The helpers around the decoders take whatever a hostile peer can send:
/// replies (push messages, redirections, the `HELLO` reply, typed
/// conversion, key slots) and requests (`HELLO`). Nothing panics, and what
/// they accept survives a round trip.
pub fn helpers(data: &[u8]) {
    let decoded = decode_pieces(data, &[], &mut Decoder::with_limits(small_limits()));
    for frame in &decoded.frames {
        check_reply_helpers(frame);
    }
    check_client(&decoded.frames);
    let mut decoder = CommandDecoder::new();
    let mut buf = BytesMut::from(data);
    while let Ok(Some(command)) = decoder.decode(&mut buf) {
        check_hello(&command);
        check_blocking_wait(&command);
    }
    if let Ok(url) = core::str::from_utf8(data) {
        // Any text is a URL or a clear error, never a panic.
        let _ = crate::ConnectionConfig::from_url(url);
    }
}

/// Any command's blocking timeout is read without a panic, and a wait
/// comes only from a blocking command that has a timeout argument.
fn check_blocking_wait(command: &Command<'_>) {
    let args: Vec<&[u8]> = command.args().collect();
    if let Some(crate::BlockingWait::For(wait)) = crate::blocking_wait(&args) {
        assert!(!wait.is_zero());
        assert!(args.len() >= 2);
    }
}

/// A hostile server's frames through the client's session and handshake:
/// every request gets at most one reply, nothing answers what was not
/// asked, and the handshake ends or goes on without panicking.
fn check_client(frames: &[Frame]) {
    use crate::client::{Routed, Session};
    for protocol in [Protocol::Resp2, Protocol::Resp3] {
        let mut session = Session::new(protocol);
        let commands: [&[&str]; 4] = [
            &["GET", "k"],
            &["SUBSCRIBE", "a", "b"],
            &["UNSUBSCRIBE"],
            &["PING"],
        ];
        let mut sent = Vec::new();
        for (i, _) in frames.iter().enumerate() {
            sent.push(session.sent(commands[i % commands.len()]));
        }
        let mut answered = Vec::new();
        for frame in frames {
            match session.route(frame.clone()) {
                Routed::Reply(id, _) | Routed::Confirmation { id, last: true, .. } => {
                    assert!(!answered.contains(&id), "answered twice");
                    assert!(sent.contains(&id));
                    answered.push(id);
                }
                Routed::Confirmation { id, .. } => assert!(sent.contains(&id)),
                Routed::Push(_) | Routed::Unexpected(_) => {}
            }
        }
        assert_eq!(session.in_flight() + answered.len(), sent.len());
    }
    let config =
        crate::ConnectionConfig::from_url("redis://u:p@h/3?client_name=n").expect("a valid URL");
    let mut handshake = crate::Handshake::new(&config);
    for frame in frames {
        if handshake.request().is_none() || handshake.reply(frame.clone()).is_err() {
            break;
        }
    }
}

fn check_reply_helpers(frame: &Frame) {
    match Push::from_frame(frame.clone()) {
        Ok(_) => {}
        // Only what is not a push comes back, untouched.
        Err(back) => assert!(!frame.is_push() && &back == frame),
    }
    if let Some(redirect) = Redirect::from_frame(frame) {
        assert!(frame.is_error() && redirect.slot < SLOT_COUNT);
    }
    if let Ok(hello) = ServerHello::from_frame(frame.clone()) {
        let mut written = BytesMut::new();
        let mut writer = ReplyWriter::new(&mut written, Protocol::Resp3);
        hello.write(&mut writer).expect("decoded modules encode");
        let reread = Decoder::new().decode(&mut written).ok().flatten();
        assert_eq!(reread.map(ServerHello::from_frame), Some(Ok(hello)));
    }
    assert_eq!(frame.clone().convert::<Frame>().as_ref(), Ok(frame));
    if let Ok(values) = frame.clone().convert::<Vec<Option<Bytes>>>() {
        let len = frame
            .items()
            .map_or_else(|| frame.pairs().map(<[_]>::len), |items| Some(items.len()));
        assert_eq!(Some(values.len()), len);
    }
    let _ = frame.clone().convert::<BTreeMap<String, (i64, f64)>>();
    let _ = frame.clone().convert::<(bool, u8, Option<String>)>();
    if let Some(key) = frame.as_bytes() {
        assert!(key_slot(key) < SLOT_COUNT);
        let tag = hash_tag(key).as_ptr_range();
        let whole = key.as_ptr_range();
        assert!(whole.start <= tag.start && tag.end <= whole.end);
    }
}

fn check_hello(command: &Command<'_>) {
    match Hello::parse(command) {
        Ok(hello) => {
            let mut packed = Vec::new();
            pack_command(&mut packed, hello);
            let mut decoder = CommandDecoder::new();
            let mut buf = BytesMut::from(&packed[..]);
            let again = decoder.decode(&mut buf).ok().flatten();
            let reparsed = again.as_ref().map(Hello::parse);
            assert_eq!(reparsed.map(|parsed| parsed == Ok(hello)), Some(true));
        }
        Err(refusal) => assert!(!refusal.to_string().is_empty()),
    }
}
