//! The stack of open aggregates: how many elements each still expects, and
//! what closing one means for the one around it.

use super::Reader;
use super::event::AggregateKind;

#[derive(Debug, Clone, Copy)]
pub(super) struct OpenAggregate {
    pub(super) kind: AggregateKind,
    /// Elements still expected, or `None` when streamed.
    pub(super) remaining: Option<u64>,
    /// Elements completed so far (for streamed bounds and odd maps).
    pub(super) seen: u64,
}

impl Reader {
    /// Elements the innermost aggregate still expects, when it is counted.
    pub(crate) fn innermost_remaining(&self) -> Option<u64> {
        self.open.last()?.remaining
    }

    /// Pops the innermost aggregate, whose elements are all in.
    pub(super) fn close_top(&mut self) -> AggregateKind {
        let closed = self.open.pop().map_or(AggregateKind::Array, |top| top.kind);
        if closed == AggregateKind::Attribute {
            self.after_attribute = true;
        } else {
            self.complete_value();
        }
        closed
    }

    /// Counts a finished value towards the aggregate it belongs to.
    pub(super) fn complete_value(&mut self) {
        if let Some(top) = self.open.last_mut() {
            match &mut top.remaining {
                Some(remaining) => *remaining -= 1,
                None => top.seen += 1,
            }
        }
    }
}
