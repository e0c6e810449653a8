//! Deterministic workloads and one adapter per contestant, shared by the
//! criterion comparison (`benches/compare.rs`) and the allocation counter
//! (`src/bin/alloc_counts.rs`). Every contestant is checked for correct
//! output by [`verify`] before anything is timed.

pub mod contestants;
pub mod counting;
pub mod rounds;
pub mod workloads;

pub use workloads::Workload;
