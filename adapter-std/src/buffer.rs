//! Reading from a stream into a decoder's buffer.

use bytes::BytesMut;
use std::io::{self, Read};

/// The least a read asks for.
const READ_CHUNK: usize = 16 * 1024;

/// Reads once from `stream` onto the end of `input`, returning how many
/// bytes came (0 at the end of the stream).
///
/// `needed` is the decoder's size hint: what the payload in progress still
/// lacks. The read asks for that much, but at most as much as `input`
/// already holds (and at least a chunk), so a large value arrives in few
/// reads while a declared length never sizes an allocation before its
/// bytes arrive: memory stays within twice what was received.
pub(crate) fn read_into(
    stream: &mut impl Read,
    input: &mut BytesMut,
    needed: Option<usize>,
) -> io::Result<usize> {
    let want = needed.unwrap_or(0).min(input.len()).max(READ_CHUNK);
    let filled = input.len();
    input.resize(filled + want, 0);
    let read = stream.read(&mut input[filled..]);
    input.truncate(filled + *read.as_ref().unwrap_or(&0));
    read
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_declared_length_does_not_size_the_buffer() {
        let mut input = BytesMut::new();
        let mut stream = &b"$1000000000\r\nabc"[..];
        let read = read_into(&mut stream, &mut input, Some(1_000_000_000)).unwrap();
        assert_eq!(read, 16);
        assert!(input.capacity() < 1 << 20, "{}", input.capacity());
    }

    #[test]
    fn a_large_value_is_asked_for_in_growing_reads() {
        let mut input = BytesMut::from(&[b'x'; 100_000][..]);
        let body = vec![b'y'; 1 << 20];
        let mut stream = &body[..];
        assert_eq!(
            read_into(&mut stream, &mut input, Some(1 << 20)).unwrap(),
            100_000
        );
    }
}
