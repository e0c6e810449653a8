//! Blocking RESP over `std::io`, and the `resp` command-line tool.
//!
//! The blocking reader, writer and connection build on [`resp_core`]; until
//! they land this crate re-exports the core so dependents can start from one
//! name.
//!
//! ```
//! use resp_std::resp_core::{Frame, decode_slice, Limits, Status};
//!
//! let status = decode_slice(b"+PONG\r\n", Limits::default()).unwrap();
//! assert_eq!(status, Status::Complete((Frame::SimpleString("PONG".into()), 7)));
//! ```

pub use resp_core;
