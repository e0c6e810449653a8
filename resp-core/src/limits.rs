//! Bounds on what a peer may make the decoder hold.

/// Bounds every declared size is checked against before anything is stored.
///
/// Each bound is checked at the earliest byte that decides it, and no memory is
/// ever reserved from a declared size: a frame that announces 2^62 bytes and
/// sends ten costs memory for ten.
///
/// | field | what it bounds | boundary |
/// |---|---|---|
/// | [`max_depth`](Self::max_depth) | aggregates open at once (a top-level array is depth 1; arrays, maps, sets, pushes, attributes and streamed aggregates all count) | opening aggregate number `max_depth + 1` fails, even `*0` |
/// | [`max_bulk_len`](Self::max_bulk_len) | declared payload of `$`, `!` and `=`, and the total of a streamed string's chunks | `max_bulk_len` bytes are accepted |
/// | [`max_aggregate_len`](Self::max_aggregate_len) | elements one aggregate declares, or grows to when streamed; a map or attribute of N pairs counts 2N | `max_aggregate_len` elements are accepted |
/// | [`max_line_len`](Self::max_line_len) | bytes between the type byte and the CRLF of any line | lines of `max_line_len` bytes are accepted |
///
/// Pick a preset for the role ([`client`](Self::client), [`server`](Self::server),
/// [`server_unauthenticated`](Self::server_unauthenticated), [`proxy`](Self::proxy)),
/// then adjust fields. Only [`unlimited`](Self::unlimited) is unsafe for untrusted
/// peers: it lets a peer hold as much memory as it sends.
///
/// ```
/// use resp_core::Limits;
///
/// let mut limits = Limits::server();
/// limits.max_bulk_len = 1024 * 1024;
/// assert_eq!(limits.max_line_len, 64 * 1024);
/// assert_eq!(Limits::default(), Limits::client());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Limits {
    /// Aggregates open at once.
    pub max_depth: usize,
    /// Largest declared bulk, blob error or verbatim payload, and largest streamed string total.
    pub max_bulk_len: u64,
    /// Most elements one aggregate may declare or grow to (pairs count twice).
    pub max_aggregate_len: u64,
    /// Most bytes between a type byte and its CRLF.
    pub max_line_len: usize,
}

/// 512 MiB, Redis's default `proto-max-bulk-len`.
const REDIS_MAX_BULK: u64 = 512 * 1024 * 1024;
/// 64 KiB, Redis's `PROTO_INLINE_MAX_SIZE`, which also bounds its count and length lines.
const REDIS_MAX_LINE: usize = 64 * 1024;
/// The nesting bound hiredis adopted after its stack-overflow reports.
const DEEP_NESTING: usize = 1024;

impl Limits {
    /// For reading replies from a server: nesting up to 1024, 512 MiB payloads,
    /// 2^32 - 1 elements per aggregate, 1 MiB lines.
    pub const fn client() -> Self {
        Self {
            max_depth: DEEP_NESTING,
            max_bulk_len: REDIS_MAX_BULK,
            max_aggregate_len: u32::MAX as u64,
            max_line_len: 1024 * 1024,
        }
    }

    /// For reading requests as frames in a server, with Redis's own bounds:
    /// 512 MiB bulks, `i32::MAX` elements, 64 KiB lines. Requests are flat
    /// arrays, so nesting stops at 8.
    pub const fn server() -> Self {
        Self {
            max_depth: 8,
            max_bulk_len: REDIS_MAX_BULK,
            max_aggregate_len: i32::MAX as u64,
            max_line_len: REDIS_MAX_LINE,
        }
    }

    /// For a connection that has not authenticated yet, as Redis bounds it:
    /// one flat array of at most 10 elements, bulks of at most 16 KiB.
    pub const fn server_unauthenticated() -> Self {
        Self {
            max_depth: 1,
            max_bulk_len: 16 * 1024,
            max_aggregate_len: 10,
            max_line_len: REDIS_MAX_LINE,
        }
    }

    /// For a proxy that sees both directions: the client's nesting and payload
    /// bounds with the server's line and element bounds.
    pub const fn proxy() -> Self {
        Self {
            max_depth: DEEP_NESTING,
            max_bulk_len: REDIS_MAX_BULK,
            max_aggregate_len: i32::MAX as u64,
            max_line_len: REDIS_MAX_LINE,
        }
    }

    /// No bounds at all. Only for trusted input: a peer can make the decoder
    /// hold as much memory as it sends and nest as deep as it likes.
    pub const fn unlimited() -> Self {
        Self {
            max_depth: usize::MAX,
            max_bulk_len: u64::MAX,
            max_aggregate_len: u64::MAX,
            max_line_len: usize::MAX,
        }
    }

    /// Returns these limits with `max_depth` replaced.
    pub const fn with_max_depth(mut self, max_depth: usize) -> Self {
        self.max_depth = max_depth;
        self
    }

    /// Returns these limits with `max_bulk_len` replaced.
    pub const fn with_max_bulk_len(mut self, max_bulk_len: u64) -> Self {
        self.max_bulk_len = max_bulk_len;
        self
    }

    /// Returns these limits with `max_aggregate_len` replaced.
    pub const fn with_max_aggregate_len(mut self, max_aggregate_len: u64) -> Self {
        self.max_aggregate_len = max_aggregate_len;
        self
    }

    /// Returns these limits with `max_line_len` replaced.
    pub const fn with_max_line_len(mut self, max_line_len: usize) -> Self {
        self.max_line_len = max_line_len;
        self
    }
}

impl Default for Limits {
    /// The [`client`](Self::client) preset.
    fn default() -> Self {
        Self::client()
    }
}
