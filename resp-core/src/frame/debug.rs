//! Iterative `Debug`, in the shape `#[derive(Debug)]` would print.

use super::{Frame, Visit};
use alloc::vec::Vec;
use core::fmt;

/// What has been printed inside one open container.
enum Open {
    /// Array, set, push: elements so far.
    Items(usize),
    /// Map or attribute: keys and values so far.
    Pairs(usize),
    /// Attributed value: attributes so far, and whether the value started.
    Attributed(usize, bool),
}

impl fmt::Debug for Frame {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut open: Vec<Open> = Vec::new();
        for visit in self.walk() {
            match visit {
                Visit::Leaf(frame) => {
                    before_child(f, &mut open, false)?;
                    leaf(f, frame)?;
                    after_child(f, &mut open)?;
                }
                Visit::Open(frame) => {
                    before_child(f, &mut open, false)?;
                    let (name, state) = match frame {
                        Frame::Array(_) => ("Array([", Open::Items(0)),
                        Frame::Set(_) => ("Set([", Open::Items(0)),
                        Frame::Push(_) => ("Push([", Open::Items(0)),
                        Frame::StreamedArray(_) => ("StreamedArray([", Open::Items(0)),
                        Frame::StreamedSet(_) => ("StreamedSet([", Open::Items(0)),
                        Frame::Map(_) => ("Map([", Open::Pairs(0)),
                        Frame::StreamedMap(_) => ("StreamedMap([", Open::Pairs(0)),
                        _ => ("Attributed { attributes: [", Open::Attributed(0, false)),
                    };
                    f.write_str(name)?;
                    open.push(state);
                }
                Visit::Close(frame) => {
                    open.pop();
                    f.write_str(if matches!(frame, Frame::Attributed(_)) {
                        " }"
                    } else {
                        "])"
                    })?;
                    after_child(f, &mut open)?;
                }
                Visit::OpenAttribute(_) => {
                    before_child(f, &mut open, true)?;
                    f.write_str("[")?;
                    open.push(Open::Pairs(0));
                }
                Visit::CloseAttribute => {
                    open.pop();
                    f.write_str("]")?;
                }
            }
        }
        Ok(())
    }
}

fn before_child(f: &mut fmt::Formatter<'_>, open: &mut [Open], attribute: bool) -> fmt::Result {
    match open.last_mut() {
        None => Ok(()),
        Some(Open::Items(count)) => {
            *count += 1;
            if *count > 1 {
                f.write_str(", ")
            } else {
                Ok(())
            }
        }
        Some(Open::Pairs(count)) => {
            *count += 1;
            match (*count % 2 == 1, *count > 1) {
                (true, true) => f.write_str(", ("),
                (true, false) => f.write_str("("),
                (false, _) => f.write_str(", "),
            }
        }
        Some(Open::Attributed(count, value_started)) => {
            if attribute {
                *count += 1;
                if *count > 1 {
                    f.write_str(", ")
                } else {
                    Ok(())
                }
            } else {
                *value_started = true;
                f.write_str("], value: ")
            }
        }
    }
}

fn after_child(f: &mut fmt::Formatter<'_>, open: &mut [Open]) -> fmt::Result {
    match open.last() {
        Some(Open::Pairs(count)) if count % 2 == 0 => f.write_str(")"),
        _ => Ok(()),
    }
}

fn leaf(f: &mut fmt::Formatter<'_>, frame: &Frame) -> fmt::Result {
    match frame {
        Frame::SimpleString(b) => write!(f, "SimpleString({b:?})"),
        Frame::SimpleError(b) => write!(f, "SimpleError({b:?})"),
        Frame::Integer(n) => write!(f, "Integer({n})"),
        Frame::BulkString(b) => write!(f, "BulkString({b:?})"),
        Frame::BulkError(b) => write!(f, "BulkError({b:?})"),
        Frame::Verbatim { format, text } => write!(
            f,
            "Verbatim {{ format: b\"{}\", text: {text:?} }}",
            format.escape_ascii()
        ),
        Frame::Double(d) => write!(f, "Double({d:?})"),
        Frame::Boolean(b) => write!(f, "Boolean({b})"),
        Frame::BigNumber(b) => write!(f, "BigNumber({b:?})"),
        Frame::Null(kind) => write!(f, "Null({kind:?})"),
        Frame::StreamedString(b) => write!(f, "StreamedString({b:?})"),
        // Containers arrive as Open/Close, never as leaves.
        _ => Ok(()),
    }
}
