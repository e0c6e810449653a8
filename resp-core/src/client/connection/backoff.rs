//! [`Backoff`]: how long a client waits before each attempt to reconnect.

use core::time::Duration;

/// Exponential backoff with full jitter: the first attempt after a
/// connection that worked goes at once; attempt `n` after that waits a
/// random time between zero and `min(cap, initial × 2ⁿ⁻¹)`. The randomness
/// spreads many clients of one server apart, so that they do not all
/// come back in the same instant after it restarts.
///
/// ```
/// use core::time::Duration;
/// use resp_core::Backoff;
///
/// let backoff = Backoff::default();
/// assert_eq!(backoff.delay(0, 12345), Some(Duration::ZERO));
/// // Attempt 10 waits at most the cap, whatever the random number.
/// assert!(backoff.delay(10, u64::MAX).unwrap() <= backoff.cap);
/// let mut bounded = Backoff::default();
/// bounded.max_attempts = Some(3);
/// assert_eq!(bounded.delay(3, 0), None); // give up
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Backoff {
    /// The longest wait of the second attempt; each later one may wait
    /// twice as long, up to `cap`.
    pub initial: Duration,
    /// The longest any attempt waits: it bounds how late a client comes
    /// back after its server does.
    pub cap: Duration,
    /// Attempts before the client gives up and stays closed; `None`:
    /// never gives up.
    pub max_attempts: Option<u32>,
}

impl Default for Backoff {
    fn default() -> Self {
        Self {
            initial: Duration::from_millis(50),
            cap: Duration::from_secs(1),
            max_attempts: None,
        }
    }
}

impl Backoff {
    /// How long to wait before attempt `attempt` (counted from 0, the
    /// first after the break), drawn with `random` (any well-spread
    /// number); `None` once the attempts are used up.
    pub fn delay(&self, attempt: u32, random: u64) -> Option<Duration> {
        if self.max_attempts.is_some_and(|max| attempt >= max) {
            return None;
        }
        if attempt == 0 {
            return Some(Duration::ZERO);
        }
        let doubled = self
            .initial
            .checked_mul(1 << (attempt - 1).min(31))
            .unwrap_or(self.cap);
        let ceiling = doubled.min(self.cap).as_nanos() as u64;
        Some(Duration::from_nanos(random % ceiling.saturating_add(1)))
    }

    /// [`delay`](Self::delay), drawn with the standard library's random
    /// hash keys (fresh for each call), for an adapter with `std`.
    #[cfg(feature = "std")]
    pub fn jittered_delay(&self, attempt: u32) -> Option<Duration> {
        use std::hash::BuildHasher;
        let random = std::collections::hash_map::RandomState::new().hash_one(attempt);
        self.delay(attempt, random)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ceiling_doubles_up_to_the_cap() {
        let backoff = Backoff::default();
        let ms = |n: u64| Duration::from_millis(n);
        // A random number equal to the ceiling (in nanoseconds) draws the
        // ceiling itself; one above it wraps to zero.
        for (attempt, ceiling) in [(1, 50), (2, 100), (3, 200), (5, 800), (6, 1000), (40, 1000)] {
            let nanos = ceiling * 1_000_000;
            assert_eq!(
                backoff.delay(attempt, nanos),
                Some(ms(ceiling)),
                "attempt {attempt}"
            );
            assert_eq!(
                backoff.delay(attempt, nanos + 1),
                Some(ms(0)),
                "attempt {attempt}"
            );
        }
    }
}
