//! Pub/sub on a blocking connection: subscribing, and waiting for pushes
//! with a timeout.

use super::Connection;
use super::wire::{Outcome, Wait};
use crate::error::Error;
use resp_core::Push;
use std::io::{Read, Write};
use std::time::{Duration, Instant};

impl<S: Read + Write> Connection<S> {
    /// Subscribes to `channels` and waits for the server to confirm each.
    /// Their messages then come from [`next_push`](Self::next_push) or
    /// [`messages`](Self::messages). In RESP2 the connection is then in
    /// subscribed mode, where the server allows only (un)subscribing,
    /// `PING` and `QUIT`; in RESP3 calls go on beside the messages.
    pub fn subscribe(&mut self, channels: &[&str]) -> Result<(), Error> {
        self.subscription_command("SUBSCRIBE", channels)
    }

    /// Subscribes to the channels matching `patterns`.
    pub fn psubscribe(&mut self, patterns: &[&str]) -> Result<(), Error> {
        self.subscription_command("PSUBSCRIBE", patterns)
    }

    /// Leaves `channels`, or every channel when empty.
    pub fn unsubscribe(&mut self, channels: &[&str]) -> Result<(), Error> {
        self.subscription_command("UNSUBSCRIBE", channels)
    }

    /// Leaves `patterns`, or every pattern when empty.
    pub fn punsubscribe(&mut self, patterns: &[&str]) -> Result<(), Error> {
        self.subscription_command("PUNSUBSCRIBE", patterns)
    }

    fn subscription_command(&mut self, command: &str, names: &[&str]) -> Result<(), Error> {
        let mut args = Vec::with_capacity(names.len() + 1);
        args.push(command);
        args.extend_from_slice(names);
        let confirmation = self.call_frame(args)?;
        if confirmation.is_error() {
            return Err(super::server_error(&confirmation));
        }
        Ok(())
    }

    /// The next push (a pub/sub message, a tracking invalidation): one kept
    /// while a call was waiting, or the next to arrive within `timeout`
    /// (`None` waits without limit). `Ok(None)` when the time is up, which
    /// leaves the connection usable.
    ///
    /// ```no_run
    /// use std::time::Duration;
    /// use resp_core::Push;
    ///
    /// let mut redis = resp_std::Connection::connect("redis://127.0.0.1")?;
    /// redis.subscribe(&["news"])?;
    /// while let Some(push) = redis.next_push(Some(Duration::from_secs(5)))? {
    ///     if let Push::Message { channel, payload } = push {
    ///         println!("{channel:?}: {payload:?}");
    ///     }
    /// }
    /// println!("quiet for five seconds");
    /// # Ok::<(), resp_std::Error>(())
    /// ```
    pub fn next_push(&mut self, timeout: Option<Duration>) -> Result<Option<Push>, Error> {
        if let Some(push) = self.pushes.pop_front() {
            return Ok(Some(push));
        }
        if self.core.is_closed() {
            return Err(Error::closed());
        }
        let until = timeout.map(|timeout| Instant::now() + timeout);
        match self.drive(Wait::Push(until))? {
            Outcome::Push(push) => Ok(Some(push)),
            Outcome::TimedOut | Outcome::Done(_) => Ok(None),
        }
    }

    /// The pushes as an iterator, each waited for at most `timeout`; it
    /// ends when one does not come in time, or after an error.
    ///
    /// ```no_run
    /// use std::time::Duration;
    ///
    /// let mut redis = resp_std::Connection::connect("redis://127.0.0.1")?;
    /// redis.psubscribe(&["jobs.*"])?;
    /// for push in redis.messages(Some(Duration::from_secs(1))) {
    ///     println!("{:?}", push?);
    /// }
    /// # Ok::<(), resp_std::Error>(())
    /// ```
    pub fn messages(&mut self, timeout: Option<Duration>) -> Messages<'_, S> {
        Messages {
            connection: self,
            timeout,
            done: false,
        }
    }
}

/// The pushes of a [`Connection`], from [`Connection::messages`].
#[derive(Debug)]
pub struct Messages<'c, S> {
    connection: &'c mut Connection<S>,
    timeout: Option<Duration>,
    done: bool,
}

impl<S: Read + Write> Iterator for Messages<'_, S> {
    type Item = Result<Push, Error>;

    fn next(&mut self) -> Option<Result<Push, Error>> {
        if self.done {
            return None;
        }
        let next = self.connection.next_push(self.timeout).transpose();
        self.done = !matches!(next, Some(Ok(_)));
        next
    }
}
