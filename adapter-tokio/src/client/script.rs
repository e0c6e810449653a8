//! [`Script`]: a Lua script run by its digest, loaded again whenever the
//! server has forgotten it.

use super::{Client, ClientError};
use bytes::Bytes;
use resp_core::{Arg, Cmd, FromFrame, ScriptRun, ScriptStep};
use std::sync::Mutex;

/// A Lua script that runs with `EVALSHA`, so its source crosses the wire
/// only when the server does not have it: the first time (`SCRIPT LOAD`
/// gives the digest) and after a `NOSCRIPT` (a restart, `SCRIPT FLUSH`).
/// Retrying then is safe: `NOSCRIPT` means the script did not run.
///
/// ```no_run
/// # async fn demo(client: &resp_tokio::Client) -> Result<(), resp_tokio::ClientError> {
/// use resp_tokio::Script;
///
/// let add = Script::new("return redis.call('INCRBY', KEYS[1], ARGV[1])");
/// let total: i64 = add.run(client, ["counter"], [5]).await?;
/// // The same, argument by argument; a script without keys takes only `arg`s.
/// let total: i64 = add.key("counter").arg(5).run(client).await?;
/// # Ok(()) }
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

    /// Runs it with `keys` and `args`, converting its result.
    pub fn run<'a, T: FromFrame>(
        &'a self,
        client: &'a Client,
        keys: impl IntoIterator<Item = impl Arg>,
        args: impl IntoIterator<Item = impl Arg>,
    ) -> impl Future<Output = Result<T, ClientError>> + Send + 'a {
        let (keys, args) = (Cmd::default().args(keys), Cmd::default().args(args));
        async move { self.invoke(client, &keys, &args).await }
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
    async fn invoke<T: FromFrame>(
        &self,
        client: &Client,
        keys: &Cmd,
        args: &Cmd,
    ) -> Result<T, ClientError> {
        let mut run = ScriptRun::new(self.known_digest(), keys.clone(), args.clone());
        let mut command = run.start(&self.source);
        loop {
            let reply = client.call_frame(command).await?;
            match run.reply(&self.source, reply) {
                ScriptStep::Send(next) => command = next,
                ScriptStep::Done(reply) => {
                    *self.digest.lock().unwrap_or_else(|p| p.into_inner()) = run.digest().cloned();
                    return super::convert(reply);
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
    pub async fn run<T: FromFrame>(&self, client: &Client) -> Result<T, ClientError> {
        self.script.invoke(client, &self.keys, &self.args).await
    }
}
