#![allow(dead_code)] // each includer uses a different subset
//! A global allocator that counts, for tests that bound memory and allocations.
//! Tests using it must run their measurements on one thread at a time.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

pub(crate) struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);
static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is forwarded unchanged to the system allocator; the
// counters are only bookkeeping.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Relaxed);
        let live = LIVE.fetch_add(layout.size(), Relaxed) + layout.size();
        PEAK.fetch_max(live, Relaxed);
        // SAFETY: same layout contract as ours.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Relaxed);
        // SAFETY: `ptr` came from `System.alloc` with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Relaxed);
        if new_size >= layout.size() {
            let live = LIVE.fetch_add(new_size - layout.size(), Relaxed) + new_size - layout.size();
            PEAK.fetch_max(live, Relaxed);
        } else {
            LIVE.fetch_sub(layout.size() - new_size, Relaxed);
        }
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

/// What a closure allocated: how many allocations, and the peak heap growth.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Usage {
    pub(crate) allocations: usize,
    pub(crate) peak_growth: usize,
}

pub(crate) fn measure<T>(f: impl FnOnce() -> T) -> (T, Usage) {
    let before_allocations = ALLOCATIONS.load(Relaxed);
    let before_live = LIVE.load(Relaxed);
    PEAK.store(before_live, Relaxed);
    let out = f();
    let usage = Usage {
        allocations: ALLOCATIONS.load(Relaxed) - before_allocations,
        peak_growth: PEAK.load(Relaxed).saturating_sub(before_live),
    };
    (out, usage)
}

/// Bytes allocated and not yet freed.
pub(crate) fn live() -> usize {
    LIVE.load(Relaxed)
}
