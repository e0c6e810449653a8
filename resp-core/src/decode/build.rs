//! Turns reader events into [`Frame`] trees with an explicit stack.

use crate::frame::{Attributed, Frame};
use crate::payload::Payload;
use crate::reader::{AggregateKind, BlobKind};
use alloc::boxed::Box;
use alloc::vec::Vec;
use core::mem;

type Pairs = Vec<(Frame, Frame)>;

/// The frames under construction, innermost last.
#[derive(Debug, Default)]
pub(crate) struct FrameBuilder {
    open: Vec<Building>,
    /// Attributes read at the current position, waiting for their value.
    attributes: Vec<Pairs>,
    /// The chunks of a payload that came in pieces.
    blob: Option<(BlobKind, bool, Vec<u8>)>,
}

#[derive(Debug)]
struct Building {
    kind: AggregateKind,
    streamed: bool,
    body: Body,
    /// Attributes that preceded this aggregate (for an attribute: the ones
    /// before it in the same run, restored when it ends).
    attributes: Vec<Pairs>,
}

#[derive(Debug)]
enum Body {
    Items(Vec<Frame>),
    Pairs(Pairs, Option<Frame>),
}

impl FrameBuilder {
    /// Whether nothing is under construction: a value would be a whole frame.
    #[inline]
    pub(crate) fn is_idle(&self) -> bool {
        self.open.is_empty() && self.attributes.is_empty()
    }

    /// Adds a complete value; returns it if it completes a top-level frame.
    pub(crate) fn value(&mut self, frame: Frame) -> Option<Frame> {
        let frame = if self.attributes.is_empty() {
            frame
        } else {
            attach(mem::take(&mut self.attributes), frame)
        };
        self.place(frame)
    }

    fn place(&mut self, frame: Frame) -> Option<Frame> {
        let Some(parent) = self.open.last_mut() else {
            return Some(frame);
        };
        match &mut parent.body {
            Body::Items(items) => items.push(frame),
            Body::Pairs(pairs, key) => match key.take() {
                Some(key) => pairs.push((key, frame)),
                None => *key = Some(frame),
            },
        }
        None
    }

    /// Opens an aggregate. `capacity` is a hint already bounded by the bytes received.
    pub(crate) fn start(&mut self, kind: AggregateKind, streamed: bool, capacity: usize) {
        let body = match kind {
            AggregateKind::Map | AggregateKind::Attribute => {
                Body::Pairs(Vec::with_capacity(capacity), None)
            }
            _ => Body::Items(Vec::with_capacity(capacity)),
        };
        self.open.push(Building {
            kind,
            streamed,
            body,
            attributes: mem::take(&mut self.attributes),
        });
    }

    /// Closes the innermost aggregate; returns it if it completes a top-level frame.
    pub(crate) fn end(&mut self) -> Option<Frame> {
        let building = self.open.pop()?;
        let Building {
            kind,
            streamed,
            body,
            attributes,
        } = building;
        let frame = match (kind, body) {
            (AggregateKind::Attribute, Body::Pairs(pairs, _)) => {
                self.attributes = attributes;
                self.attributes.push(pairs);
                return None;
            }
            (AggregateKind::Map, Body::Pairs(pairs, _)) if streamed => Frame::StreamedMap(pairs),
            (_, Body::Pairs(pairs, _)) => Frame::Map(pairs),
            (AggregateKind::Array, Body::Items(items)) if streamed => Frame::StreamedArray(items),
            (AggregateKind::Set, Body::Items(items)) if streamed => Frame::StreamedSet(items),
            (AggregateKind::Set, Body::Items(items)) => Frame::Set(items),
            (AggregateKind::Push, Body::Items(items)) => Frame::Push(items),
            (_, Body::Items(items)) => Frame::Array(items),
        };
        let frame = if attributes.is_empty() {
            frame
        } else {
            attach(attributes, frame)
        };
        self.place(frame)
    }

    pub(crate) fn blob_start(&mut self, kind: BlobKind, streamed: bool) {
        self.blob = Some((kind, streamed, Vec::new()));
    }

    pub(crate) fn blob_chunk(&mut self, chunk: &[u8]) {
        if let Some((_, _, data)) = &mut self.blob {
            data.extend_from_slice(chunk);
        }
    }

    pub(crate) fn blob_end(&mut self) -> Option<Frame> {
        let (kind, streamed, data) = self.blob.take()?;
        let data = Payload::from(data);
        let frame = match kind {
            BlobKind::BulkString if streamed => Frame::StreamedString(data),
            BlobKind::BulkString => Frame::BulkString(data),
            BlobKind::BulkError => Frame::BulkError(data),
            BlobKind::Verbatim(format) => Frame::Verbatim { format, text: data },
        };
        self.value(frame)
    }

    pub(crate) fn clear(&mut self) {
        *self = Self::default();
    }
}

fn attach(attributes: Vec<Pairs>, value: Frame) -> Frame {
    Frame::Attributed(Box::new(Attributed { attributes, value }))
}
