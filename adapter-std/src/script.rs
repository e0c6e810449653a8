//! [`Script`]: a Lua script run by its digest, loaded again whenever the
//! server has forgotten it.

use crate::connection::Connection;
use crate::error::Error;
use bytes::Bytes;
use resp_core::{Arg, Cmd, FromFrame, ScriptRun, ScriptStep};
use std::io::{Read, Write};
use std::sync::Mutex;

/// A Lua script that runs with `EVALSHA`, so its source crosses the wire
/// only when the server does not have it: the first time (`SCRIPT LOAD`
/// gives the digest) and after a `NOSCRIPT` (a restart, `SCRIPT FLUSH`).
/// Trying again then is safe: `NOSCRIPT` means the script did not run.
/// One `Script` serves any number of connections and threads.
///
/// ```no_run
/// use resp_std::{Connection, Script};
///
/// let add = Script::new("return redis.call('INCRBY', KEYS[1], ARGV[1])");
/// let mut redis = Connection::connect("redis://127.0.0.1")?;
/// let total: i64 = add.run(&mut redis, ["counter"], [5])?;
/// // The same, argument by argument; a script without keys takes only `arg`s.
/// let total: i64 = add.key("counter").arg(5).run(&mut redis)?;
/// # Ok::<(), resp_std::Error>(())
/// ```
#[derive(Debug)]
pub struct Script {
    source: Bytes,
    digest: Mutex<Option<Bytes>>,
}

impl Script {
    /// A script of `source`.
    pub fn new(source: impl Into<Bytes>) -> Self {
        Self {
            source: source.into(),
            digest: Mutex::new(None),
        }
    }

    /// Runs it with `keys` and `args` on `connection`, converting its result.
    pub fn run<T: FromFrame, S: Read + Write>(
        &self,
        connection: &mut Connection<S>,
        keys: impl IntoIterator<Item = impl Arg>,
        args: impl IntoIterator<Item = impl Arg>,
    ) -> Result<T, Error> {
        self.invoke(
            connection,
            &Cmd::default().args(keys),
            &Cmd::default().args(args),
        )
    }

    /// A call of it with `key` as its first key; add more with
    /// [`ScriptCall::key`] and [`ScriptCall::arg`].
    pub fn key(&self, key: impl Arg) -> ScriptCall<'_> {
        ScriptCall::new(self).key(key)
    }

    /// A call of it with `arg` as its first argument and no keys so far.
    pub fn arg(&self, arg: impl Arg) -> ScriptCall<'_> {
        ScriptCall::new(self).arg(arg)
    }

    /// Runs it by the core's [`ScriptRun`] steps.
    fn invoke<T: FromFrame, S: Read + Write>(
        &self,
        connection: &mut Connection<S>,
        keys: &Cmd,
        args: &Cmd,
    ) -> Result<T, Error> {
        let mut run = ScriptRun::new(self.known_digest(), keys.clone(), args.clone());
        let mut command = run.start(&self.source);
        loop {
            let reply = connection.call_frame(command)?;
            match run.reply(&self.source, reply) {
                ScriptStep::Send(next) => command = next,
                ScriptStep::Done(reply) => {
                    *self.digest.lock().unwrap_or_else(|p| p.into_inner()) = run.digest().cloned();
                    return crate::connection::convert(reply);
                }
            }
        }
    }

    fn known_digest(&self) -> Option<Bytes> {
        self.digest
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }
}

/// One call of a [`Script`], its keys and arguments added one by one, as
/// redis-rs's `ScriptInvocation` does.
#[derive(Debug)]
pub struct ScriptCall<'a> {
    script: &'a Script,
    keys: Cmd,
    args: Cmd,
}

impl<'a> ScriptCall<'a> {
    fn new(script: &'a Script) -> Self {
        Self {
            script,
            keys: Cmd::default(),
            args: Cmd::default(),
        }
    }

    /// Adds a key (`KEYS[n]` in the script).
    #[must_use]
    pub fn key(mut self, key: impl Arg) -> Self {
        self.keys = self.keys.arg(key);
        self
    }

    /// Adds an argument (`ARGV[n]` in the script).
    #[must_use]
    pub fn arg(mut self, arg: impl Arg) -> Self {
        self.args = self.args.arg(arg);
        self
    }

    /// Runs the script with the keys and arguments added.
    pub fn run<T: FromFrame, S: Read + Write>(
        &self,
        connection: &mut Connection<S>,
    ) -> Result<T, Error> {
        self.script.invoke(connection, &self.keys, &self.args)
    }
}
