//! [`Health`]: when a connection that has gone quiet is probed, and when
//! a probe left unanswered means the peer is gone.
//!
//! A peer that vanishes without a FIN (a host powered off, a cable cut, a
//! firewall dropping state) leaves a half-open socket: writes succeed into
//! the kernel's buffer and reads wait forever. TCP keepalive finds it in
//! minutes at best; a `PING` after a short silence finds it in seconds.

use core::mem;
use core::time::Duration;

/// What [`Health::check`] asks of the connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Check {
    /// Nothing was heard for the idle time: send a `PING`.
    Probe,
    /// Nothing was heard since the probe went out, within its deadline.
    Dead,
}

/// The health check of one connection. It knows only whether bytes came
/// in since it last looked, never when, so it needs no clock of its own.
#[derive(Debug)]
pub(super) struct Health {
    idle: Option<Duration>,
    timeout: Duration,
    /// When to look next; `None` while a probe is out or the check is off.
    due: Option<Duration>,
    /// A probe is out: silence until this time ends the connection.
    probe_deadline: Option<Duration>,
    /// Bytes came in since the last look.
    heard: bool,
}

impl Health {
    /// A check probing after `idle` of silence (`None`: never), a probe
    /// answered within `timeout`; the first look at `now + idle`.
    pub(super) fn new(idle: Option<Duration>, timeout: Duration, now: Option<Duration>) -> Self {
        let mut health = Self {
            idle,
            timeout,
            due: None,
            probe_deadline: None,
            heard: false,
        };
        if let Some(now) = now {
            health.start(now);
        }
        health
    }

    /// Starts counting silence from `now` (a new stream is open).
    pub(super) fn start(&mut self, now: Duration) {
        self.due = self.idle.and_then(|idle| now.checked_add(idle));
        self.probe_deadline = None;
    }

    /// Bytes came in.
    pub(super) fn heard(&mut self) {
        self.heard = true;
    }

    /// When [`check`](Self::check) must run next.
    pub(super) fn next_deadline(&self) -> Option<Duration> {
        self.probe_deadline.or(self.due)
    }

    /// Looks at the connection at `now`. `may_probe` is false while silence
    /// is expected (the setup, a blocking command, `MONITOR`): the look is
    /// put off by the idle time.
    pub(super) fn check(&mut self, now: Duration, may_probe: bool) -> Option<Check> {
        let heard = mem::take(&mut self.heard);
        if let Some(deadline) = self.probe_deadline {
            if now < deadline {
                self.heard |= heard;
                return None;
            }
            if !heard {
                return Some(Check::Dead);
            }
            self.start(now);
            return None;
        }
        let idle = self.idle?;
        if now < self.due? {
            self.heard |= heard;
            return None;
        }
        if heard || !may_probe {
            self.due = now.checked_add(idle);
            return None;
        }
        self.due = None;
        self.probe_deadline = now.checked_add(self.timeout);
        Some(Check::Probe)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECOND: Duration = Duration::from_secs(1);

    #[test]
    fn silence_brings_a_probe_and_silence_after_it_ends_the_connection() {
        let mut health = Health::new(Some(5 * SECOND), 2 * SECOND, Some(Duration::ZERO));
        assert_eq!(health.next_deadline(), Some(5 * SECOND));
        assert_eq!(health.check(4 * SECOND, true), None);
        assert_eq!(health.check(5 * SECOND, true), Some(Check::Probe));
        assert_eq!(health.next_deadline(), Some(7 * SECOND));
        assert_eq!(health.check(7 * SECOND, true), Some(Check::Dead));
    }

    #[test]
    fn anything_heard_puts_the_probe_off_or_answers_it() {
        let mut health = Health::new(Some(5 * SECOND), 2 * SECOND, Some(Duration::ZERO));
        health.heard();
        assert_eq!(health.check(5 * SECOND, true), None);
        assert_eq!(health.next_deadline(), Some(10 * SECOND));
        assert_eq!(health.check(10 * SECOND, true), Some(Check::Probe));
        health.heard();
        assert_eq!(health.check(12 * SECOND, true), None);
        assert_eq!(health.next_deadline(), Some(17 * SECOND));
    }

    #[test]
    fn expected_silence_is_never_probed_and_an_off_check_never_looks() {
        let mut health = Health::new(Some(5 * SECOND), 2 * SECOND, Some(Duration::ZERO));
        assert_eq!(health.check(5 * SECOND, false), None);
        assert_eq!(health.next_deadline(), Some(10 * SECOND));
        let mut off = Health::new(None, 2 * SECOND, Some(Duration::ZERO));
        assert_eq!(off.next_deadline(), None);
        assert_eq!(off.check(100 * SECOND, true), None);
    }
}
