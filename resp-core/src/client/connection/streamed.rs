//! [`StreamedBulk`]: a bulk reply handed on in parts as it arrives, so a
//! value of any size passes through in constant memory.

use crate::error::{DecodeError, DecodeErrorKind};
use crate::lex::parse_integer;
use bytes::{Buf, Bytes, BytesMut};

/// The longest header taken for a streamed bulk: `$`, twenty digits, CRLF.
const HEADER_MAX: usize = 24;

/// What [`StreamedBulk::step`] found.
#[derive(Debug, PartialEq)]
pub(super) enum Step {
    /// More bytes are needed.
    Wait,
    /// The next bytes of the payload.
    Part(Bytes),
    /// The payload is whole; this was its length.
    Done(u64),
    /// The reply is not a bulk string (a null, an error, anything else):
    /// the decoder takes it as any reply.
    NotBulk,
}

/// A bulk string's payload on its way out in parts.
#[derive(Debug, Default)]
pub(super) struct StreamedBulk {
    /// Once the header is read: the payload's length, and how much of it
    /// is still to come.
    payload: Option<(u64, u64)>,
}

impl StreamedBulk {
    /// Whether the header has been read (the reply is now this one's).
    pub(super) fn is_started(&self) -> bool {
        self.payload.is_some()
    }

    /// Takes what `input` holds of the reply: its header, then its payload
    /// as parts, then its CRLF. `offset` is the stream offset of
    /// `input`'s first byte, for errors.
    pub(super) fn step(&mut self, input: &mut BytesMut, offset: u64) -> Result<Step, DecodeError> {
        if self.payload.is_none() {
            if let Some(step) = self.read_header(input) {
                return Ok(step);
            }
        }
        let Some((len, left)) = self.payload else {
            return Ok(Step::Wait);
        };
        if left > 0 {
            if input.is_empty() {
                return Ok(Step::Wait);
            }
            let take = usize::try_from(left).unwrap_or(usize::MAX).min(input.len());
            self.payload = Some((len, left - take as u64));
            return Ok(Step::Part(input.split_to(take).freeze()));
        }
        match input.get(..2) {
            None => Ok(Step::Wait),
            Some(b"\r\n") => {
                input.advance(2);
                self.payload = None;
                Ok(Step::Done(len))
            }
            Some(_) => Err(DecodeError::new(DecodeErrorKind::BadCrlf, offset)),
        }
    }

    /// Reads the header; `None` once it is read and the payload follows.
    fn read_header(&mut self, input: &mut BytesMut) -> Option<Step> {
        if input.first() != Some(&b'$') {
            return Some(if input.is_empty() {
                Step::Wait
            } else {
                Step::NotBulk
            });
        }
        let window = &input[..input.len().min(HEADER_MAX)];
        let Some(end) = window.windows(2).position(|pair| pair == b"\r\n") else {
            // A header longer than any length is not one to stream; the
            // decoder says what is wrong with it.
            return Some(if input.len() >= HEADER_MAX {
                Step::NotBulk
            } else {
                Step::Wait
            });
        };
        match parse_integer(&input[1..end]).and_then(|len| u64::try_from(len).ok()) {
            Some(len) => {
                input.advance(end + 2);
                self.payload = Some((len, len));
                None
            }
            // A null (`$-1`), or a bad length: the decoder's to take.
            None => Some(Step::NotBulk),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;

    /// Feeds `bytes` in pieces of `piece` and collects what comes out.
    fn run(bytes: &[u8], piece: usize) -> (Vec<u8>, Option<u64>) {
        let mut bulk = StreamedBulk::default();
        let mut input = BytesMut::new();
        let (mut payload, mut done) = (Vec::new(), None);
        for chunk in bytes.chunks(piece) {
            input.extend_from_slice(chunk);
            loop {
                match bulk.step(&mut input, 0).unwrap() {
                    Step::Wait => break,
                    Step::Part(part) => payload.extend_from_slice(&part),
                    Step::Done(len) => done = Some(len),
                    Step::NotBulk => panic!("not bulk"),
                }
            }
        }
        (payload, done)
    }

    #[test]
    fn the_payload_comes_out_whole_in_any_pieces() {
        for piece in [1, 2, 3, 7, 100] {
            assert_eq!(
                run(b"$11\r\nhello world\r\n", piece),
                (b"hello world".to_vec(), Some(11))
            );
            assert_eq!(run(b"$0\r\n\r\n", piece), (Vec::new(), Some(0)));
        }
    }

    #[test]
    fn anything_else_is_left_to_the_decoder() {
        for reply in [
            &b"$-1\r\n"[..],
            b"-ERR no\r\n",
            b"_\r\n",
            b"$12345678901234567890123\r\n",
        ] {
            let mut bulk = StreamedBulk::default();
            let mut input = BytesMut::from(reply);
            assert_eq!(
                bulk.step(&mut input, 0).unwrap(),
                Step::NotBulk,
                "{reply:?}"
            );
            assert_eq!(&input[..], reply, "nothing taken");
        }
    }

    #[test]
    fn a_payload_not_ended_by_crlf_is_an_error() {
        let mut bulk = StreamedBulk::default();
        let mut input = BytesMut::from(&b"$2\r\nabXY"[..]);
        assert!(matches!(bulk.step(&mut input, 0).unwrap(), Step::Part(_)));
        let error = bulk.step(&mut input, 9).unwrap_err();
        assert_eq!(
            (error.kind(), error.offset()),
            (DecodeErrorKind::BadCrlf, 9)
        );
    }
}
