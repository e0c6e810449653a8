//! Iterative depth-first traversal of a [`Frame`], shared by encoding,
//! comparison and printing so none of them recurses.

use super::Frame;
use alloc::vec::Vec;
use core::slice;

/// One step of a depth-first walk over a frame, in wire order.
///
/// Aggregates and [`Frame::Attributed`] come as `Open`, their children, then
/// `Close`. A map's children alternate key, value. An attributed value's
/// children are its attributes (each `OpenAttribute`, its keys and values,
/// `CloseAttribute`) followed by the value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Visit<'a> {
    /// A frame without children.
    Leaf(&'a Frame),
    /// An aggregate or attributed value begins.
    Open(&'a Frame),
    /// The aggregate or attributed value opened last ends.
    Close(&'a Frame),
    /// One attribute of an attributed value begins; its pairs follow.
    OpenAttribute(&'a [(Frame, Frame)]),
    /// The attribute opened last ends.
    CloseAttribute,
}

/// The iterator behind [`Frame::walk`]. Its memory is proportional to the
/// depth of the frame, not its size.
#[derive(Debug, Clone)]
pub struct Walk<'a> {
    next: Option<&'a Frame>,
    levels: Vec<Level<'a>>,
}

#[derive(Debug, Clone)]
enum Level<'a> {
    Items(&'a Frame, slice::Iter<'a, Frame>),
    Pairs(
        &'a Frame,
        slice::Iter<'a, (Frame, Frame)>,
        Option<&'a Frame>,
    ),
    Attribute(slice::Iter<'a, (Frame, Frame)>, Option<&'a Frame>),
    Attributed(&'a Frame, slice::Iter<'a, Vec<(Frame, Frame)>>, bool),
}

impl Frame {
    /// Walks this frame depth-first without recursion.
    ///
    /// ```
    /// use resp_core::{Frame, Visit};
    ///
    /// let frame = Frame::Array(vec![Frame::Integer(1), Frame::Array(vec![])]);
    /// let opens = frame.walk().filter(|v| matches!(v, Visit::Open(_))).count();
    /// assert_eq!(opens, 2);
    /// ```
    pub fn walk(&self) -> Walk<'_> {
        Walk {
            next: Some(self),
            levels: Vec::new(),
        }
    }
}

impl<'a> Iterator for Walk<'a> {
    type Item = Visit<'a>;

    fn next(&mut self) -> Option<Visit<'a>> {
        loop {
            if let Some(frame) = self.next.take() {
                return Some(self.enter(frame));
            }
            let level = self.levels.last_mut()?;
            match level {
                Level::Items(parent, items) => match items.next() {
                    Some(item) => self.next = Some(item),
                    None => {
                        let parent = *parent;
                        self.levels.pop();
                        return Some(Visit::Close(parent));
                    }
                },
                Level::Pairs(parent, pairs, value) => {
                    if let Some(value) = value.take() {
                        self.next = Some(value);
                    } else if let Some((key, value_next)) = pairs.next() {
                        *value = Some(value_next);
                        self.next = Some(key);
                    } else {
                        let parent = *parent;
                        self.levels.pop();
                        return Some(Visit::Close(parent));
                    }
                }
                Level::Attribute(pairs, value) => {
                    if let Some(value) = value.take() {
                        self.next = Some(value);
                    } else if let Some((key, value_next)) = pairs.next() {
                        *value = Some(value_next);
                        self.next = Some(key);
                    } else {
                        self.levels.pop();
                        return Some(Visit::CloseAttribute);
                    }
                }
                Level::Attributed(parent, attributes, value_done) => {
                    if let Some(pairs) = attributes.next() {
                        self.levels.push(Level::Attribute(pairs.iter(), None));
                        return Some(Visit::OpenAttribute(pairs));
                    }
                    let parent = *parent;
                    if *value_done {
                        self.levels.pop();
                        return Some(Visit::Close(parent));
                    }
                    *value_done = true;
                    if let Frame::Attributed(attributed) = parent {
                        self.next = Some(&attributed.value);
                    }
                }
            }
        }
    }
}

impl<'a> Walk<'a> {
    fn enter(&mut self, frame: &'a Frame) -> Visit<'a> {
        let level = match frame {
            Frame::Array(items)
            | Frame::Set(items)
            | Frame::Push(items)
            | Frame::StreamedArray(items)
            | Frame::StreamedSet(items) => Level::Items(frame, items.iter()),
            Frame::Map(pairs) | Frame::StreamedMap(pairs) => {
                Level::Pairs(frame, pairs.iter(), None)
            }
            Frame::Attributed(attributed) => {
                Level::Attributed(frame, attributed.attributes.iter(), false)
            }
            _ => return Visit::Leaf(frame),
        };
        self.levels.push(level);
        Visit::Open(frame)
    }
}
