//! tokio integration for [`resp_core`]. The codecs and the async client build
//! on the core's [`Decoder`](resp_core::Decoder); until they land this crate
//! re-exports the core so dependents can start from one name.
//!
//! ```
//! use resp_tokio::resp_core::Frame;
//!
//! assert_eq!(Frame::Integer(1).encode_to_vec().unwrap(), b":1\r\n");
//! ```

pub use resp_core;
