//! Each limit at N is accepted and at N + 1 rejected, at the byte that decides it.

mod common;

use common::{End, decode_cut};
use resp_core::{DecodeError, DecodeErrorKind, Limit, Limits, Protocol};

fn outcome(input: &[u8], limits: Limits) -> End {
    let whole = decode_cut(input, &[], limits, Protocol::Resp3);
    let cuts: Vec<usize> = (1..input.len()).collect();
    assert_eq!(
        decode_cut(input, &cuts, limits, Protocol::Resp3),
        whole,
        "byte by byte"
    );
    whole.end
}

fn exceeded(limit: Limit, offset: u64) -> End {
    End::Error(DecodeError::new(
        DecodeErrorKind::LimitExceeded(limit),
        offset,
    ))
}

#[test]
fn max_depth_counts_every_open_aggregate() {
    let limits = Limits::default().with_max_depth(3);
    assert_eq!(outcome(b"*1\r\n*1\r\n*1\r\n:1\r\n", limits), End::Clean);
    assert_eq!(
        outcome(b"*1\r\n*1\r\n*1\r\n*1\r\n:1\r\n", limits),
        exceeded(Limit::Depth, 12)
    );
    // An empty aggregate still opens one.
    assert_eq!(
        outcome(b"*1\r\n*1\r\n*1\r\n*0\r\n", limits),
        exceeded(Limit::Depth, 12)
    );
    // Attributes, maps, sets, pushes and streamed aggregates count too.
    assert_eq!(
        outcome(b"%1\r\n~1\r\n*?\r\n|0\r\n", limits),
        exceeded(Limit::Depth, 12)
    );
    assert_eq!(outcome(b">1\r\n*1\r\n*?\r\n.\r\n", limits), End::Clean);
    // Nulls open nothing.
    assert_eq!(outcome(b"*1\r\n*1\r\n*1\r\n*-1\r\n", limits), End::Clean);
    let one = Limits::default().with_max_depth(1);
    assert_eq!(
        outcome(b"*1\r\n|0\r\n:1\r\n", one),
        exceeded(Limit::Depth, 4)
    );
    assert_eq!(outcome(b"|0\r\n*0\r\n", one), End::Clean);
}

#[test]
fn max_bulk_len_bounds_declared_payloads() {
    let limits = Limits::default().with_max_bulk_len(5);
    assert_eq!(outcome(b"$5\r\nhello\r\n", limits), End::Clean);
    assert_eq!(
        outcome(b"$6\r\nhello!\r\n", limits),
        exceeded(Limit::BulkLen, 1)
    );
    // Decided at the digit that passes the bound, before any payload.
    assert_eq!(outcome(b"$10\r\n", limits), exceeded(Limit::BulkLen, 2));
    assert_eq!(outcome(b"!6\r\n", limits), exceeded(Limit::BulkLen, 1));
    assert_eq!(outcome(b"=9\r\n", limits), exceeded(Limit::BulkLen, 1));
    assert_eq!(outcome(b"=5\r\ntxt:a\r\n", limits), End::Clean);
}

#[test]
fn max_bulk_len_bounds_a_streamed_string_total() {
    let limits = Limits::default().with_max_bulk_len(5);
    assert_eq!(
        outcome(b"$?\r\n;3\r\nabc\r\n;2\r\nde\r\n;0\r\n", limits),
        End::Clean
    );
    assert_eq!(
        outcome(b"$?\r\n;3\r\nabc\r\n;3\r\ndef\r\n;0\r\n", limits),
        exceeded(Limit::BulkLen, 14)
    );
}

#[test]
fn max_aggregate_len_counts_pairs_twice() {
    let limits = Limits::default().with_max_aggregate_len(2);
    assert_eq!(outcome(b"*2\r\n:1\r\n:2\r\n", limits), End::Clean);
    assert_eq!(outcome(b"*3\r\n", limits), exceeded(Limit::AggregateLen, 1));
    assert_eq!(outcome(b"%1\r\n:1\r\n:2\r\n", limits), End::Clean);
    assert_eq!(outcome(b"%2\r\n", limits), exceeded(Limit::AggregateLen, 1));
    assert_eq!(outcome(b"|2\r\n", limits), exceeded(Limit::AggregateLen, 1));
    assert_eq!(outcome(b"~3\r\n", limits), exceeded(Limit::AggregateLen, 1));
    assert_eq!(outcome(b">3\r\n", limits), exceeded(Limit::AggregateLen, 1));
}

#[test]
fn max_aggregate_len_bounds_streamed_growth() {
    let limits = Limits::default().with_max_aggregate_len(2);
    assert_eq!(outcome(b"*?\r\n:1\r\n:2\r\n.\r\n", limits), End::Clean);
    assert_eq!(
        outcome(b"*?\r\n:1\r\n:2\r\n:3\r\n.\r\n", limits),
        exceeded(Limit::AggregateLen, 12)
    );
    assert_eq!(
        outcome(b"%?\r\n:1\r\n:2\r\n:3\r\n", limits),
        exceeded(Limit::AggregateLen, 12)
    );
    // Attributes are not elements.
    assert_eq!(
        outcome(b"*?\r\n:1\r\n|0\r\n:2\r\n.\r\n", limits),
        End::Clean
    );
}

#[test]
fn max_line_len_bounds_every_line_without_waiting_for_crlf() {
    let limits = Limits::default().with_max_line_len(3);
    assert_eq!(outcome(b"+abc\r\n", limits), End::Clean);
    assert_eq!(outcome(b"+abcd\r\n", limits), exceeded(Limit::LineLen, 4));
    assert_eq!(outcome(b"+abcd", limits), exceeded(Limit::LineLen, 4));
    assert_eq!(outcome(b":123\r\n", limits), End::Clean);
    assert_eq!(outcome(b":1234\r\n", limits), exceeded(Limit::LineLen, 4));
    assert_eq!(outcome(b"(1234", limits), exceeded(Limit::LineLen, 4));
    assert_eq!(outcome(b",1.25\r\n", limits), exceeded(Limit::LineLen, 4));
    assert_eq!(
        outcome(b"$?\r\n;1000\r\n", limits.with_max_bulk_len(u64::MAX)),
        exceeded(Limit::LineLen, 8)
    );
    // Payloads are not lines.
    assert_eq!(outcome(b"$5\r\nhello\r\n", limits), End::Clean);
}

#[test]
fn lengths_past_i64_overflow_before_their_crlf() {
    let unlimited = Limits::unlimited();
    assert_eq!(
        outcome(b"*9223372036854775808", unlimited),
        End::Error(DecodeError::new(DecodeErrorKind::Overflow, 19))
    );
    assert_eq!(
        outcome(b"$9223372036854775807\r\n", unlimited),
        End::Incomplete
    );
}

#[test]
fn declared_sizes_within_limits_are_just_incomplete() {
    assert_eq!(
        outcome(b"$536870912\r\nabc", Limits::default()),
        End::Incomplete
    );
    assert_eq!(
        outcome(b"*4294967295\r\n:1\r\n", Limits::default()),
        End::Incomplete
    );
}

#[test]
fn presets_match_redis() {
    let unauthenticated = Limits::server_unauthenticated();
    assert_eq!(unauthenticated.max_aggregate_len, 10);
    assert_eq!(unauthenticated.max_bulk_len, 16 * 1024);
    assert_eq!(Limits::server().max_bulk_len, 512 * 1024 * 1024);
    assert_eq!(Limits::server().max_line_len, 64 * 1024);
    assert_eq!(Limits::client().max_depth, 1024);
}
