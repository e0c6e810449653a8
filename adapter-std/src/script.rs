//! Running a [`Script`](resp_core::Script) on a [`Connection`], by the
//! core's [`ScriptRun`](resp_core::ScriptRun) steps.

use crate::connection::Connection;
use crate::error::Error;
use resp_core::{CommandName, FromFrame, ScriptCall, ScriptStep};
use std::io::{Read, Write};

impl<S: Read + Write> Connection<S> {
    /// Runs a script call: `EVALSHA` by its digest, and `EVAL` once if the
    /// server does not have it (`NOSCRIPT` means it did not run, so that is
    /// safe); converts its result.
    ///
    /// ```no_run
    /// use resp_std::{Connection, Script};
    ///
    /// let add = Script::new("return redis.call('INCRBY', KEYS[1], ARGV[1])");
    /// let mut redis = Connection::connect("redis://127.0.0.1")?;
    /// let total: i64 = redis.run_script(&add.call(["counter"], [5]))?;
    /// // The same, argument by argument; a script without keys takes only `arg`s.
    /// let total: i64 = redis.run_script(&add.key("counter").arg(5))?;
    /// # Ok::<(), resp_std::Error>(())
    /// ```
    pub fn run_script<T: FromFrame>(&mut self, call: &ScriptCall<'_>) -> Result<T, Error> {
        let mut run = call.steps();
        let mut command = run.start();
        loop {
            let reply = self.call_frame(command)?;
            match run.reply(reply) {
                ScriptStep::Send(next) => command = next,
                ScriptStep::Done(reply) => {
                    return crate::connection::convert(reply, CommandName::of("EVALSHA"));
                }
            }
        }
    }
}
