//! Where the decoder's bytes come from, and how payloads leave them.

use crate::payload::Payload;
use bytes::{Buf, BytesMut};
use core::ops::Range;

pub(crate) trait Source {
    /// The bytes not yet consumed.
    fn unconsumed(&self) -> &[u8];
    /// Drops `n` bytes from the front.
    fn consume(&mut self, n: usize);
    /// Takes `payload` (a range of the unconsumed bytes), then consumes
    /// `consumed` bytes in all.
    fn take_payload(&mut self, payload: Range<usize>, consumed: usize) -> Payload;

    /// Where `part`, a subslice of [`unconsumed`](Self::unconsumed), lies in it.
    fn range_of(&self, part: &[u8]) -> Range<usize> {
        let start = part.as_ptr() as usize - self.unconsumed().as_ptr() as usize;
        start..start + part.len()
    }
}

/// Zero copy for long payloads: they are split off the buffer and frozen.
/// Short ones are copied inline, which costs less than the reference count
/// a split takes and the one its drop gives back.
impl Source for BytesMut {
    fn unconsumed(&self) -> &[u8] {
        self
    }

    #[inline]
    fn consume(&mut self, n: usize) {
        self.advance(n);
    }

    #[inline]
    fn take_payload(&mut self, payload: Range<usize>, consumed: usize) -> Payload {
        if let Some(inline) = Payload::inline_from(self, payload.clone()) {
            self.advance(consumed);
            return inline;
        }
        let mut taken = self.split_to(consumed);
        taken.advance(payload.start);
        taken.truncate(payload.len());
        taken.into()
    }
}

/// A borrowed slice: payloads are copied.
pub(crate) struct SliceSource<'a> {
    input: &'a [u8],
    used: usize,
}

impl<'a> SliceSource<'a> {
    pub(crate) fn new(input: &'a [u8]) -> Self {
        Self { input, used: 0 }
    }

    pub(crate) fn used(&self) -> usize {
        self.used
    }
}

impl Source for SliceSource<'_> {
    fn unconsumed(&self) -> &[u8] {
        &self.input[self.used..]
    }

    fn consume(&mut self, n: usize) {
        self.used += n;
    }

    fn take_payload(&mut self, payload: Range<usize>, consumed: usize) -> Payload {
        let bytes = Payload::copy_from_slice(&self.unconsumed()[payload]);
        self.used += consumed;
        bytes
    }
}
