//! Iterative drop: the derived drop glue would recurse once per nesting level.

use super::{Attributed, Frame, NullKind};
use alloc::vec::Vec;
use core::mem;

impl Drop for Frame {
    /// Inlined so that dropping a scalar, which has nothing to walk, costs
    /// one check and no call.
    #[inline]
    fn drop(&mut self) {
        if self.is_container() {
            self.drop_children();
        }
    }
}

impl Frame {
    /// Moves nested children onto an explicit stack, so the drop glue that
    /// runs afterwards is shallow.
    #[inline(never)]
    fn drop_children(&mut self) {
        let mut detached = Vec::new();
        self.detach_children(&mut detached);
        // Every frame popped here has had its nested children moved onto the
        // stack, so its own drop finds nothing nested and returns at once.
        while let Some(mut frame) = detached.pop() {
            frame.detach_children(&mut detached);
        }
    }

    /// Moves every child that has children of its own into `out`, leaving a
    /// cheap placeholder, so dropping `self` afterwards is shallow.
    fn detach_children(&mut self, out: &mut Vec<Self>) {
        let mut take = |child: &mut Self| {
            if child.is_container() {
                out.push(mem::replace(child, Self::Null(NullKind::Null)));
            }
        };
        match self {
            Self::Array(items)
            | Self::Set(items)
            | Self::Push(items)
            | Self::StreamedArray(items)
            | Self::StreamedSet(items) => items.iter_mut().for_each(take),
            Self::Map(pairs) | Self::StreamedMap(pairs) => {
                for (key, value) in pairs {
                    take(key);
                    take(value);
                }
            }
            Self::Attributed(attributed) => {
                let Attributed { attributes, value } = &mut **attributed;
                for (key, value) in attributes.iter_mut().flatten() {
                    take(key);
                    take(value);
                }
                take(value);
            }
            _ => {}
        }
    }
}
