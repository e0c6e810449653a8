//! The workspace's shared test peers (`test-support`).
#![allow(unused_imports)] // each test binary uses a different subset

pub(crate) use resp_test_support::*;
