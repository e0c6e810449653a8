//! Iterative `Clone`: the derived one would recurse once per nesting level.

use super::{Attributed, Frame, Visit};
use alloc::boxed::Box;
use alloc::vec::Vec;

/// A copy under construction.
enum Partial {
    /// An aggregate: an empty copy of it, filled as its children arrive.
    Aggregate(Frame, Option<Frame>),
    /// An attributed value: the attributes copied so far.
    Attributed(Vec<Vec<(Frame, Frame)>>),
    /// One attribute: its pairs so far and a key waiting for its value.
    Attribute(Vec<(Frame, Frame)>, Option<Frame>),
}

impl Clone for Frame {
    fn clone(&self) -> Self {
        let mut open: Vec<Partial> = Vec::new();
        for visit in self.walk() {
            let done = match visit {
                Visit::Leaf(frame) => clone_leaf(frame),
                Visit::Open(Self::Attributed(attributed)) => {
                    open.push(Partial::Attributed(Vec::with_capacity(
                        attributed.attributes.len(),
                    )));
                    continue;
                }
                Visit::Open(frame) => {
                    open.push(Partial::Aggregate(empty_like(frame), None));
                    continue;
                }
                Visit::OpenAttribute(pairs) => {
                    open.push(Partial::Attribute(Vec::with_capacity(pairs.len()), None));
                    continue;
                }
                Visit::CloseAttribute => {
                    if let (
                        Some(Partial::Attribute(pairs, _)),
                        Some(Partial::Attributed(attributes)),
                    ) = (open.pop(), open.last_mut())
                    {
                        attributes.push(pairs);
                    }
                    continue;
                }
                // The attributed copy was completed by its value: see `place`.
                Visit::Close(Self::Attributed(_)) => continue,
                Visit::Close(_) => match open.pop() {
                    Some(Partial::Aggregate(frame, _)) => frame,
                    _ => continue,
                },
            };
            if let Some(copy) = place(&mut open, done) {
                return copy;
            }
        }
        // Unreachable for a well-formed walk, which ends with the root.
        Self::Null(super::NullKind::Null)
    }
}

/// Adds a finished copy to its parent; returns it if it is the root. A value
/// completes its attributed wrapper, which is then placed in turn.
fn place(open: &mut Vec<Partial>, mut frame: Frame) -> Option<Frame> {
    loop {
        match open.last_mut() {
            None => return Some(frame),
            Some(Partial::Aggregate(parent, key)) => {
                match parent {
                    Frame::Map(pairs) | Frame::StreamedMap(pairs) => match key.take() {
                        Some(key) => pairs.push((key, frame)),
                        None => *key = Some(frame),
                    },
                    Frame::Array(items)
                    | Frame::Set(items)
                    | Frame::Push(items)
                    | Frame::StreamedArray(items)
                    | Frame::StreamedSet(items) => items.push(frame),
                    _ => {}
                }
                return None;
            }
            Some(Partial::Attribute(pairs, key)) => {
                match key.take() {
                    Some(key) => pairs.push((key, frame)),
                    None => *key = Some(frame),
                }
                return None;
            }
            Some(Partial::Attributed(_)) => {
                let Some(Partial::Attributed(attributes)) = open.pop() else {
                    return None;
                };
                frame = Frame::Attributed(Box::new(Attributed {
                    attributes,
                    value: frame,
                }));
            }
        }
    }
}

fn empty_like(frame: &Frame) -> Frame {
    let len = frame.aggregate_len().unwrap_or(0);
    match frame {
        Frame::Map(_) => Frame::Map(Vec::with_capacity(len)),
        Frame::StreamedMap(_) => Frame::StreamedMap(Vec::with_capacity(len)),
        Frame::Set(_) => Frame::Set(Vec::with_capacity(len)),
        Frame::Push(_) => Frame::Push(Vec::with_capacity(len)),
        Frame::StreamedArray(_) => Frame::StreamedArray(Vec::with_capacity(len)),
        Frame::StreamedSet(_) => Frame::StreamedSet(Vec::with_capacity(len)),
        _ => Frame::Array(Vec::with_capacity(len)),
    }
}

fn clone_leaf(frame: &Frame) -> Frame {
    match frame {
        Frame::SimpleString(b) => Frame::SimpleString(b.clone()),
        Frame::SimpleError(b) => Frame::SimpleError(b.clone()),
        Frame::Integer(n) => Frame::Integer(*n),
        Frame::BulkString(b) => Frame::BulkString(b.clone()),
        Frame::BulkError(b) => Frame::BulkError(b.clone()),
        Frame::Verbatim { format, text } => Frame::Verbatim {
            format: *format,
            text: text.clone(),
        },
        Frame::Double(d) => Frame::Double(*d),
        Frame::Boolean(b) => Frame::Boolean(*b),
        Frame::BigNumber(b) => Frame::BigNumber(b.clone()),
        Frame::Null(kind) => Frame::Null(*kind),
        Frame::StreamedString(b) => Frame::StreamedString(b.clone()),
        // Containers come as Open/Close, never as leaves.
        other => empty_like(other),
    }
}
