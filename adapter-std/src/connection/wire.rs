//! Moving bytes under a deadline: writing a request, reading until the
//! decoder has a frame.

use super::Connection;
use crate::buffer::read_into;
use crate::error::Error;
use resp_core::Frame;
use std::io::{self, ErrorKind, Read, Write};
use std::time::{Duration, Instant};

impl<S: Read + Write> Connection<S> {
    /// Writes `bytes` whole before `deadline`, or breaks the connection.
    pub(super) fn send(&mut self, bytes: &[u8], deadline: Option<Instant>) -> Result<(), Error> {
        let result = self.time_out_by(deadline).and_then(|()| {
            self.stream
                .write_all(bytes)
                .and_then(|()| self.stream.flush())
                .map_err(|error| wire_error(error, deadline))
        });
        result.map_err(|error| self.broke(error))
    }

    /// The next frame, reading as needed before `deadline`. Any failure
    /// breaks the connection.
    pub(super) fn read_frame(&mut self, deadline: Option<Instant>) -> Result<Frame, Error> {
        loop {
            match self.decoder.decode(&mut self.input) {
                Ok(Some(frame)) => return Ok(frame),
                Ok(None) => {}
                Err(error) => return Err(self.broke(Error::Protocol(error))),
            }
            if let Err(error) = self.fill(deadline) {
                return Err(self.broke(error));
            }
        }
    }

    /// The next frame if one arrives before `deadline`. Running out of time
    /// here breaks nothing: what has arrived of a frame stays buffered, and
    /// the decoder resumes where it stopped.
    pub(super) fn poll_frame(&mut self, deadline: Instant) -> Result<Option<Frame>, Error> {
        loop {
            match self.decoder.decode(&mut self.input) {
                Ok(Some(frame)) => return Ok(Some(frame)),
                Ok(None) => {}
                Err(error) => return Err(self.broke(Error::Protocol(error))),
            }
            match self.fill(Some(deadline)) {
                Ok(()) => {}
                Err(Error::Timeout) => return Ok(None),
                Err(error) => return Err(self.broke(error)),
            }
        }
    }

    /// Reads once into the buffer before `deadline`.
    fn fill(&mut self, deadline: Option<Instant>) -> Result<(), Error> {
        let read = loop {
            self.time_out_by(deadline)?;
            let needed = self.decoder.bytes_needed();
            match read_into(&mut self.stream, &mut self.input, needed) {
                Err(error) if error.kind() == ErrorKind::Interrupted => continue,
                // A timeout set for an earlier deadline: this one holds.
                Err(error)
                    if is_timeout(&error)
                        && self.timeouts.is_some()
                        && deadline.is_some_and(|d| Instant::now() < d) =>
                {
                    self.applied = None;
                    continue;
                }
                result => break result,
            }
        };
        match read {
            Ok(0) => Err(Error::Closed {
                mid_frame: !self.input.is_empty() || !self.decoder.is_idle(),
            }),
            Ok(_) => Ok(()),
            Err(error) => Err(wire_error(error, deadline)),
        }
    }

    /// Gives the stream timeouts that end at `deadline`, or
    /// [`Error::Timeout`] when it has passed.
    fn time_out_by(&mut self, deadline: Option<Instant>) -> Result<(), Error> {
        let wanted = match deadline {
            Some(deadline) => Some(
                deadline
                    .checked_duration_since(Instant::now())
                    .filter(|left| !left.is_zero())
                    .ok_or(Error::Timeout)?,
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

/// A stream's timeout as the deadline's, anything else as it is.
fn wire_error(error: io::Error, deadline: Option<Instant>) -> Error {
    if is_timeout(&error) && deadline.is_some() {
        Error::Timeout
    } else {
        Error::Io(error)
    }
}
