//! [`CommandLimits`]: Redis's bounds on client requests.

/// Bounds on client requests, with Redis's defaults.
///
/// ```
/// use resp_core::CommandLimits;
///
/// let limits = CommandLimits::default();
/// assert_eq!(limits.max_bulk_len, 512 * 1024 * 1024);
/// assert_eq!(limits.max_args, i32::MAX as u64);
/// let before_auth = CommandLimits::unauthenticated();
/// assert_eq!(before_auth.pre_auth.unwrap().max_args, 10);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct CommandLimits {
    /// Longest inline request, and longest `*`/`$` header line (Redis's
    /// `PROTO_INLINE_MAX_SIZE`, 64 KiB).
    pub max_line_len: usize,
    /// Largest bulk argument (Redis's `proto-max-bulk-len`, 512 MiB).
    pub max_bulk_len: u64,
    /// Most arguments in one multibulk request (`i32::MAX`, as Redis).
    pub max_args: u64,
    /// Tighter bounds for a connection that has not authenticated, reported
    /// with Redis's "unauthenticated" error texts.
    pub pre_auth: Option<PreAuthLimits>,
}

/// The bounds Redis applies before a connection authenticates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct PreAuthLimits {
    /// Most arguments in one multibulk request (10).
    pub max_args: u64,
    /// Largest bulk argument (16 KiB).
    pub max_bulk_len: u64,
}

impl CommandLimits {
    /// Redis's bounds for an authenticated connection.
    pub const fn redis() -> Self {
        Self {
            max_line_len: 64 * 1024,
            max_bulk_len: 512 * 1024 * 1024,
            max_args: i32::MAX as u64,
            pre_auth: None,
        }
    }

    /// Redis's bounds for a connection that has not authenticated yet:
    /// 10 arguments, 16 KiB bulks. Switch with
    /// [`CommandDecoder::set_limits`](crate::CommandDecoder::set_limits) after `AUTH`.
    pub const fn unauthenticated() -> Self {
        let mut limits = Self::redis();
        limits.pre_auth = Some(PreAuthLimits {
            max_args: 10,
            max_bulk_len: 16 * 1024,
        });
        limits
    }

    /// [`redis`](Self::redis) once a connection has authenticated,
    /// [`unauthenticated`](Self::unauthenticated) before.
    ///
    /// ```
    /// use resp_core::CommandLimits;
    ///
    /// assert_eq!(CommandLimits::redis_for(true), CommandLimits::redis());
    /// assert_eq!(CommandLimits::redis_for(false), CommandLimits::unauthenticated());
    /// ```
    pub const fn redis_for(authenticated: bool) -> Self {
        if authenticated {
            Self::redis()
        } else {
            Self::unauthenticated()
        }
    }
}

impl Default for CommandLimits {
    /// [`CommandLimits::redis`].
    fn default() -> Self {
        Self::redis()
    }
}
