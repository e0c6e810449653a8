//! Moving the core connection's bytes under deadlines: writing what it has
//! to transmit, reading until it has an event.

use super::pubsub::Message;
use super::{Connection, Dial, Redial};
use crate::buffer::read_into;
use crate::error::Error;
use resp_core::{
    ConnectionConfig, ConnectionError, ConnectionEvent, ErrorCause, Frame, Push, Token,
};
use std::io::{self, ErrorKind, Read, Write};
use std::time::{Duration, Instant};

/// What a [`drive`](Connection::drive) waits for.
#[derive(Debug, Clone, Copy)]
pub(super) enum Wait {
    /// The setup's end.
    Ready,
    /// A request's replies.
    Replies(Token),
    /// A streamed request's replies, its payload's parts written to the
    /// sink given to [`drive`](Connection::drive).
    Streamed(Token),
    /// A push, until the time given (if any).
    Push(Option<Instant>),
}

/// What a wait ended with.
pub(super) enum Outcome {
    /// The setup is done, or the request's replies came.
    Done(Vec<Frame>),
    /// A push came, or the marker of a reconnect.
    Push(Message),
    /// No push came in time.
    TimedOut,
    /// A streamed reply's payload all went into the sink: this many bytes.
    Streamed(u64),
}

impl<S: Read + Write> Connection<S> {
    /// The core's clock: time since the connection began.
    pub(super) fn now(&self) -> Duration {
        self.epoch.elapsed()
    }

    /// Lets the connection open another like it, with `dial`, when it
    /// breaks, asking `peer_closed` before writing after a silence.
    pub(super) fn redial_with(
        &mut self,
        config: &ConnectionConfig,
        dial: Dial<S>,
        peer_closed: fn(&S) -> bool,
    ) {
        self.redial = Some(Redial {
            config: config.clone(),
            dial,
            peer_closed,
            attempts: 0,
            next_try: None,
        });
    }

    /// Before a request is written on a connection silent for a second or
    /// more with nothing in flight: if the server closed it meanwhile (it
    /// restarted while this connection sat idle), the connection is
    /// replaced first, so the request goes on the new one and cannot be
    /// said to have perhaps run. A blocking connection reads only during
    /// calls, so it would otherwise learn of the close only by writing.
    pub(super) fn check_idle_peer(&mut self) {
        const SILENCE: Duration = Duration::from_secs(1);
        let Some(redial) = self.redial.as_ref() else {
            return;
        };
        if redial.next_try.is_some()
            || self.core.in_flight() > 0
            || self.last_read.elapsed() < SILENCE
        {
            return;
        }
        if (redial.peer_closed)(&self.stream) {
            self.broke();
        }
        self.last_read = Instant::now();
    }

    /// Whether no connection is up and another is being opened.
    fn is_down(&self) -> bool {
        self.redial
            .as_ref()
            .is_some_and(|redial| redial.next_try.is_some())
    }

    /// One step towards a new connection: waits for the next attempt (or
    /// for an earlier deadline, which the caller then runs), and makes it.
    /// Once the attempts are used up, the connection closes.
    fn reconnect_step(&mut self, until: Option<Instant>) {
        let deadline = self.earliest(until);
        let Some(redial) = self.redial.as_mut() else {
            return;
        };
        let Some(next_try) = redial.next_try else {
            return;
        };
        if let Some(deadline) = deadline.filter(|deadline| *deadline < next_try) {
            std::thread::sleep(deadline.saturating_duration_since(Instant::now()));
            return;
        }
        std::thread::sleep(next_try.saturating_duration_since(Instant::now()));
        let by = Instant::now() + self.options.connect_timeout;
        match (redial.dial)(&redial.config, &self.options, by) {
            Ok(stream) => {
                redial.next_try = None;
                self.stream = stream;
                self.applied = None;
                self.last_io = None;
                self.last_read = Instant::now();
                let now = self.now();
                self.core.stream_opened(now);
            }
            Err(_) => {
                redial.attempts = redial.attempts.saturating_add(1);
                let delay = self
                    .options
                    .reconnect
                    .and_then(|backoff| backoff.jittered_delay(redial.attempts));
                match delay {
                    Some(delay) => redial.next_try = Some(Instant::now() + delay),
                    None => {
                        redial.next_try = None;
                        self.core.connection_lost();
                    }
                }
            }
        }
    }

    /// Writes everything the core has to transmit and reads until what
    /// `wait` waits for happens; every other event is handled on the way
    /// (pushes kept, outcomes of requests given up on dropped).
    pub(super) fn drive(
        &mut self,
        wait: Wait,
        mut sink: Option<&mut dyn Write>,
    ) -> Result<Outcome, Error> {
        let until = match wait {
            Wait::Push(until) => until,
            _ => None,
        };
        // Bytes read before the setup ended are taken once requests are
        // queued for them.
        let mut fresh_input = true;
        loop {
            let down = self.is_down();
            if down {
                // No stream: a step towards one, and events of the wait.
                self.reconnect_step(until);
                fresh_input = true;
            } else {
                let deadline = self.earliest(until);
                if let Err(error) = self.transmit(deadline) {
                    self.lost(error);
                }
                if fresh_input {
                    self.core.handle_input();
                    fresh_input = false;
                }
            }
            if let Some(outcome) = self.take_events(wait, &mut sink) {
                return outcome;
            }
            if self.core.is_closed() {
                return Err(Error::closed());
            }
            let deadline = self.earliest(until);
            if deadline.is_some_and(|deadline| deadline <= Instant::now()) {
                self.core.handle_timeout(self.now());
                if self.core.is_broken() {
                    // The health check found the server gone.
                    self.broke();
                }
                if until.is_some_and(|until| until <= Instant::now()) {
                    return Ok(Outcome::TimedOut);
                }
                continue;
            }
            if down {
                continue;
            }
            if !self.core.transmit().is_empty() {
                // The input asked for more to send (the setup's next step).
                continue;
            }
            match self.fill(deadline) {
                Ok(()) => fresh_input = true,
                Err(error) if is_timeout(&error) => {}
                Err(error) => self.lost(error),
            }
        }
    }

    /// Handles the core's events; the outcome, when one ends the wait.
    fn take_events(
        &mut self,
        wait: Wait,
        sink: &mut Option<&mut dyn Write>,
    ) -> Option<Result<Outcome, Error>> {
        while let Some(event) = self.core.poll_event() {
            match (event, wait) {
                (ConnectionEvent::ReplyPart { token, bytes }, Wait::Streamed(waited))
                    if token == waited =>
                {
                    if let Some(Err(error)) = sink.as_mut().map(|sink| sink.write_all(&bytes)) {
                        // The rest of the reply is read and dropped.
                        self.core.abandon(token);
                        return Some(Err(Error::Io(error)));
                    }
                }
                (ConnectionEvent::StreamedReply { token, len }, Wait::Streamed(waited))
                    if token == waited =>
                {
                    return Some(Ok(Outcome::Streamed(len)));
                }
                (
                    ConnectionEvent::Replies { token, replies },
                    Wait::Replies(waited) | Wait::Streamed(waited),
                ) if token == waited => {
                    return Some(Ok(Outcome::Done(replies)));
                }
                (
                    ConnectionEvent::Failed { token, error },
                    Wait::Replies(waited) | Wait::Streamed(waited),
                ) if token == waited => {
                    return Some(Err(self.error_of(&error)));
                }
                (ConnectionEvent::Ready { .. }, Wait::Ready) => {
                    return Some(Ok(Outcome::Done(Vec::new())));
                }
                (ConnectionEvent::Push(frame), wait) => {
                    if let Ok(push) = Push::from_frame(frame) {
                        if matches!(wait, Wait::Push(_)) {
                            return Some(Ok(Outcome::Push(Message::Push(push))));
                        }
                        self.keep_push(Message::Push(push));
                    }
                }
                (ConnectionEvent::PushesMissed, wait) => {
                    if matches!(wait, Wait::Push(_)) {
                        return Some(Ok(Outcome::Push(Message::Reconnected)));
                    }
                    self.keep_push(Message::Reconnected);
                }
                (ConnectionEvent::Closed(error), Wait::Ready | Wait::Push(_)) => {
                    return Some(Err(self.error_of(&error)));
                }
                // Another request's outcome (one given up on), the close
                // after a failure already told.
                _ => {}
            }
        }
        None
    }

    /// The sooner of the core's next deadline and `until`.
    fn earliest(&mut self, until: Option<Instant>) -> Option<Instant> {
        let epoch = self.epoch;
        let core = self.core.next_deadline().map(|at| epoch + at);
        match (core, until) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Writes what the core has to transmit, telling it how much went.
    fn transmit(&mut self, deadline: Option<Instant>) -> io::Result<()> {
        if self.core.transmit().is_empty() {
            return Ok(());
        }
        while !self.core.transmit().is_empty() {
            self.time_out_by(deadline)?;
            match self.stream.write(self.core.transmit()) {
                Ok(0) => return Err(ErrorKind::WriteZero.into()),
                Ok(n) => self.core.written(n),
                Err(error) if error.kind() == ErrorKind::Interrupted => {}
                Err(error) if is_timeout(&error) => return Ok(()),
                Err(error) => return Err(error),
            }
        }
        self.stream.flush()
    }

    /// Reads once into the core's buffer before `deadline`.
    fn fill(&mut self, deadline: Option<Instant>) -> io::Result<()> {
        loop {
            self.time_out_by(deadline)?;
            let needed = self.core.size_hint();
            match read_into(&mut self.stream, self.core.read_buffer(), Some(needed)) {
                Ok(0) => return Err(ErrorKind::UnexpectedEof.into()),
                Ok(_) => {
                    self.last_read = Instant::now();
                    return Ok(());
                }
                Err(error) if error.kind() == ErrorKind::Interrupted => {}
                // A timeout set for an earlier deadline: this one holds.
                Err(error)
                    if is_timeout(&error)
                        && self.timeouts.is_some()
                        && deadline.is_some_and(|d| Instant::now() < d) =>
                {
                    self.applied = None;
                }
                Err(error) => return Err(error),
            }
        }
    }

    /// The stream failed or ended: another connection takes over what is
    /// safe to send again, or, without reconnects, the core fails what was
    /// in flight.
    fn lost(&mut self, error: io::Error) {
        if error.kind() != ErrorKind::UnexpectedEof {
            self.last_io = Some(error);
        }
        self.broke();
    }

    /// The connection is broken: reconnect if this connection may.
    fn broke(&mut self) {
        let worked = self.core.is_ready();
        match self
            .redial
            .as_mut()
            .filter(|_| self.options.reconnect.is_some())
        {
            Some(redial) => {
                if worked {
                    redial.attempts = 0;
                }
                let next = self.core.reconnect(&redial.config);
                self.core = next;
                let delay = self
                    .options
                    .reconnect
                    .and_then(|backoff| backoff.jittered_delay(redial.attempts))
                    .unwrap_or_default();
                redial.next_try = Some(Instant::now() + delay);
            }
            None => self.core.connection_lost(),
        }
    }

    /// Gives the stream timeouts that end at `deadline`; a deadline
    /// already passed is a timeout.
    fn time_out_by(&mut self, deadline: Option<Instant>) -> io::Result<()> {
        let wanted = match deadline {
            Some(deadline) => Some(
                deadline
                    .checked_duration_since(Instant::now())
                    .filter(|left| !left.is_zero())
                    .ok_or(io::Error::from(ErrorKind::TimedOut))?,
            ),
            None => None,
        };
        let Some(set) = self.timeouts else {
            return Ok(());
        };
        if self
            .applied
            .is_some_and(|applied| close_enough(applied, wanted))
        {
            return Ok(());
        }
        set(&self.stream, wanted, wanted)?;
        self.applied = Some(wanted);
        Ok(())
    }

    /// The connection's error for what the core said.
    pub(super) fn error_of(&mut self, error: &ConnectionError) -> Error {
        match error.cause() {
            ErrorCause::Setup(refused) => Error::Handshake(refused.clone()),
            // The IO error says more than that the connection broke, for
            // a request that was not sent; one that was must say it may
            // have run.
            ErrorCause::ConnectionLost if !error.may_have_run() => match self.last_io.take() {
                Some(io) => Error::Io(io),
                None => Error::Connection(error.clone()),
            },
            _ => Error::Connection(error.clone()),
        }
    }
}

/// Whether a timeout already set serves for `wanted`: not shorter (a read
/// would fail early) and at most a sixteenth longer (a read may overrun
/// the deadline by that much), so most calls set no timeout at all.
fn close_enough(applied: Option<Duration>, wanted: Option<Duration>) -> bool {
    match (applied, wanted) {
        (None, None) => true,
        (Some(applied), Some(wanted)) => applied >= wanted && applied - wanted <= wanted / 16,
        _ => false,
    }
}

fn is_timeout(error: &io::Error) -> bool {
    matches!(error.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut)
}
