//! [`ChunkedEncoder`]: encoded output as a chain of buffers, so large
//! payloads are sent from where they already are instead of being copied.

use super::frame::put_visit;
use super::number::{put_header, unsigned_decimal_len};
use crate::error::EncodeError;
use crate::frame::{Frame, Visit};
use crate::protocol::Protocol;
use alloc::collections::VecDeque;
use bytes::{Buf, BufMut, Bytes, BytesMut};

/// Encodes frames into a queue of [`Bytes`]: headers and small values are
/// copied into a scratch buffer, payloads of at least `threshold` bytes are
/// queued by reference (a reference-count increment, no copy).
///
/// It is a [`Buf`], so a writer can drain it with `chunks_vectored` and one
/// `writev`, sending a 512 MiB value without a memcpy.
///
/// ```
/// use bytes::{Buf, Bytes};
/// use resp_core::{ChunkedEncoder, Frame};
///
/// let big = Bytes::from(vec![b'x'; 1 << 20]);
/// let mut out = ChunkedEncoder::new(64 * 1024);
/// out.frame(&Frame::Array(vec![Frame::BulkString(big.clone().into()), Frame::Integer(1)])).unwrap();
/// assert_eq!(out.remaining(), 4 + 10 + (1 << 20) + 2 + 4);
/// // The payload is queued as the very same allocation.
/// out.advance(4 + 10);
/// assert_eq!(out.chunk().as_ptr(), big.as_ptr());
/// ```
#[derive(Debug, Clone)]
pub struct ChunkedEncoder {
    parts: VecDeque<Bytes>,
    scratch: BytesMut,
    threshold: usize,
    remaining: usize,
}

impl ChunkedEncoder {
    /// Payloads of at least `threshold` bytes are queued without copying.
    pub fn new(threshold: usize) -> Self {
        Self {
            parts: VecDeque::new(),
            scratch: BytesMut::new(),
            threshold: threshold.max(1),
            remaining: 0,
        }
    }

    /// Appends a frame as RESP3. Fails before anything is queued on an invalid value.
    pub fn frame(&mut self, frame: &Frame) -> Result<(), EncodeError> {
        frame.validate(Protocol::Resp3)?;
        for visit in frame.walk() {
            match visit {
                Visit::Leaf(Frame::BulkString(data)) if data.len() >= self.threshold => {
                    put_header(&mut self.scratch, b'$', data.len());
                    self.queue_payload(data.to_bytes());
                }
                Visit::Leaf(Frame::BulkError(data)) if data.len() >= self.threshold => {
                    put_header(&mut self.scratch, b'!', data.len());
                    self.queue_payload(data.to_bytes());
                }
                Visit::Leaf(Frame::Verbatim { format, text }) if text.len() >= self.threshold => {
                    put_header(&mut self.scratch, b'=', text.len() + 4);
                    self.scratch.put_slice(format);
                    self.scratch.put_u8(b':');
                    self.queue_payload(text.to_bytes());
                }
                Visit::Leaf(Frame::StreamedString(data)) if data.len() >= self.threshold => {
                    self.scratch
                        .reserve(6 + unsigned_decimal_len(data.len() as u64));
                    self.scratch.put_slice(b"$?\r\n");
                    put_header(&mut self.scratch, b';', data.len());
                    self.queue_payload(data.to_bytes());
                    self.scratch.put_slice(b";0\r\n");
                }
                other => put_visit(&mut self.scratch, other),
            }
        }
        self.flush_scratch();
        Ok(())
    }

    /// Appends a bulk string, queued by reference if it is large enough.
    pub fn bulk(&mut self, data: Bytes) {
        put_header(&mut self.scratch, b'$', data.len());
        if data.len() >= self.threshold {
            self.queue_payload(data);
        } else {
            self.scratch.put_slice(&data);
            self.scratch.put_slice(b"\r\n");
        }
        self.flush_scratch();
    }

    /// Queues what the scratch buffer holds, then `payload`; its CRLF goes
    /// back into the scratch buffer.
    fn queue_payload(&mut self, payload: Bytes) {
        self.flush_scratch();
        self.remaining += payload.len();
        self.parts.push_back(payload);
        self.scratch.put_slice(b"\r\n");
    }

    fn flush_scratch(&mut self) {
        if !self.scratch.is_empty() {
            self.remaining += self.scratch.len();
            self.parts.push_back(self.scratch.split().freeze());
        }
    }
}

impl Buf for ChunkedEncoder {
    fn remaining(&self) -> usize {
        self.remaining
    }

    fn chunk(&self) -> &[u8] {
        self.parts.front().map_or(&[], |part| part)
    }

    fn advance(&mut self, mut cnt: usize) {
        assert!(
            cnt <= self.remaining,
            "advance past the end of the encoded output"
        );
        self.remaining -= cnt;
        while cnt > 0 {
            let Some(front) = self.parts.front_mut() else {
                break;
            };
            if cnt < front.len() {
                front.advance(cnt);
                break;
            }
            cnt -= front.len();
            self.parts.pop_front();
        }
    }

    #[cfg(feature = "std")]
    fn chunks_vectored<'a>(&'a self, dst: &mut [std::io::IoSlice<'a>]) -> usize {
        let mut filled = 0;
        for (slot, part) in dst.iter_mut().zip(&self.parts) {
            *slot = std::io::IoSlice::new(part);
            filled += 1;
        }
        filled
    }
}
