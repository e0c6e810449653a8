//! Pub/sub on a blocking connection: subscribing, and waiting for pushes
//! with a timeout.

use super::Connection;
use super::wire::{Outcome, Wait};
use crate::error::Error;
use resp_core::Push;
use std::io::{Read, Write};
use std::time::{Duration, Instant};

impl<S: Read + Write> Connection<S> {
    /// Subscribes to `channels` and waits for the server to confirm each;
    /// their messages come from the [`Messages`] returned (each waited for
    /// without limit; [`Messages::within`] sets one), as `subscribe` on the
    /// async client returns its `Subscription`, or later from
    /// [`next_push`](Self::next_push). In RESP2 the connection is then in
    /// subscribed mode, where the server allows only (un)subscribing,
    /// `PING` and `QUIT`; in RESP3 calls go on beside the messages.
    ///
    /// ```no_run
    /// use std::time::Duration;
    ///
    /// let mut redis = resp_std::Connection::connect("redis://127.0.0.1")?;
    /// for push in redis.subscribe(&["news"])?.within(Duration::from_secs(5)) {
    ///     println!("{:?}", push?);
    /// }
    /// # Ok::<(), resp_std::Error>(())
    /// ```
    pub fn subscribe(&mut self, channels: &[&str]) -> Result<Messages<'_, S>, Error> {
        self.subscription_command("SUBSCRIBE", channels)?;
        Ok(self.messages(None))
    }

    /// Subscribes to the channels matching `patterns`.
    pub fn psubscribe(&mut self, patterns: &[&str]) -> Result<Messages<'_, S>, Error> {
        self.subscription_command("PSUBSCRIBE", patterns)?;
        Ok(self.messages(None))
    }

    /// Subscribes to shard `channels` (Redis 7), whose messages stay on
    /// the shard that owns them.
    pub fn ssubscribe(&mut self, channels: &[&str]) -> Result<Messages<'_, S>, Error> {
        self.subscription_command("SSUBSCRIBE", channels)?;
        Ok(self.messages(None))
    }

    /// Leaves `channels`, or every channel when empty.
    pub fn unsubscribe(&mut self, channels: &[&str]) -> Result<(), Error> {
        self.subscription_command("UNSUBSCRIBE", channels)
    }

    /// Leaves `patterns`, or every pattern when empty.
    pub fn punsubscribe(&mut self, patterns: &[&str]) -> Result<(), Error> {
        self.subscription_command("PUNSUBSCRIBE", patterns)
    }

    /// Leaves shard `channels`, or every shard channel when empty.
    pub fn sunsubscribe(&mut self, channels: &[&str]) -> Result<(), Error> {
        self.subscription_command("SUNSUBSCRIBE", channels)
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
    /// leaves the connection usable. A reconnect in between is not shown
    /// here; [`next_message`](Self::next_message) shows it.
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
        let until = timeout.map(|timeout| Instant::now() + timeout);
        loop {
            let left = until.map(|until| until.saturating_duration_since(Instant::now()));
            match self.next_message(left)? {
                Some(Message::Push(push)) => return Ok(Some(push)),
                Some(Message::Reconnected) => {}
                None => return Ok(None),
            }
        }
    }

    /// [`next_push`](Self::next_push), with the marker of a reconnect
    /// ([`Message::Reconnected`]) where it happened: messages published
    /// while no connection was up are lost, and the subscriptions were
    /// renewed on the new connection.
    ///
    /// ```no_run
    /// use resp_std::Message;
    ///
    /// let mut redis = resp_std::Connection::connect("redis://127.0.0.1")?;
    /// redis.subscribe(&["news"])?;
    /// while let Some(message) = redis.next_message(None)? {
    ///     match message {
    ///         Message::Push(push) => println!("{push:?}"),
    ///         Message::Reconnected => eprintln!("reconnected: messages in between were lost"),
    ///     }
    /// }
    /// # Ok::<(), resp_std::Error>(())
    /// ```
    pub fn next_message(&mut self, timeout: Option<Duration>) -> Result<Option<Message>, Error> {
        if let Some(message) = self.pushes.pop_front() {
            return Ok(Some(message));
        }
        if self.core.is_closed() {
            return Err(Error::closed());
        }
        let until = timeout.map(|timeout| Instant::now() + timeout);
        match self.drive(Wait::Push(until), None)? {
            Outcome::Push(message) => Ok(Some(message)),
            Outcome::TimedOut | Outcome::Done(_) | Outcome::Streamed(_) => Ok(None),
        }
    }

    /// The messages as an iterator, each waited for at most `timeout`; it
    /// ends when one does not come in time, or after an error.
    ///
    /// ```no_run
    /// use std::time::Duration;
    ///
    /// let mut redis = resp_std::Connection::connect("redis://127.0.0.1")?;
    /// redis.psubscribe(&["jobs.*"])?;
    /// for message in redis.messages(Some(Duration::from_secs(1))) {
    ///     println!("{:?}", message?);
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

/// What a subscription's [`Messages`] yield.
#[derive(Debug, Clone, PartialEq)]
pub enum Message {
    /// A message on a subscribed channel, pattern or shard channel, or a
    /// client-side caching invalidation.
    Push(Push),
    /// The connection broke and another took its place: messages published
    /// in between were lost. The subscriptions were renewed (no need to
    /// subscribe again); messages after this marker are new.
    Reconnected,
}

/// The messages of a [`Connection`], from [`Connection::messages`] or a
/// `subscribe`. It borrows the connection: drop it to make calls, and
/// take the messages later with [`Connection::next_message`].
#[derive(Debug)]
pub struct Messages<'c, S> {
    connection: &'c mut Connection<S>,
    timeout: Option<Duration>,
    done: bool,
}

impl<S> Messages<'_, S> {
    /// Waits at most `timeout` for each message: the iterator ends at the
    /// first that does not come in time.
    pub fn within(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }
}

impl<S: Read + Write> Iterator for Messages<'_, S> {
    type Item = Result<Message, Error>;

    fn next(&mut self) -> Option<Result<Message, Error>> {
        if self.done {
            return None;
        }
        let next = self.connection.next_message(self.timeout).transpose();
        self.done = !matches!(next, Some(Ok(_)));
        next
    }
}
