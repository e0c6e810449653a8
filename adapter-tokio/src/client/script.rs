//! Running a [`Script`](resp_core::Script) on the [`Client`], by the
//! core's [`ScriptRun`](resp_core::ScriptRun) steps.

use super::{Client, ClientError};
use resp_core::{CommandName, FromFrame, ScriptCall, ScriptStep};

impl Client {
    /// Runs a script call: `EVALSHA` by its digest, and `EVAL` once if the
    /// server does not have it (`NOSCRIPT` means it did not run, so that is
    /// safe); converts its result.
    ///
    /// ```no_run
    /// # async fn demo(client: &resp_tokio::Client) -> Result<(), resp_tokio::ClientError> {
    /// use resp_tokio::Script;
    ///
    /// let add = Script::new("return redis.call('INCRBY', KEYS[1], ARGV[1])");
    /// let total: i64 = client.run_script(&add.call(["counter"], [5])).await?;
    /// // The same, argument by argument; a script without keys takes only `arg`s.
    /// let total: i64 = client.run_script(&add.key("counter").arg(5)).await?;
    /// # Ok(()) }
    /// ```
    pub async fn run_script<T: FromFrame>(&self, call: &ScriptCall<'_>) -> Result<T, ClientError> {
        let mut run = call.steps();
        let mut command = run.start();
        loop {
            let reply = self.call_frame(command).await?;
            match run.reply(reply) {
                ScriptStep::Send(next) => command = next,
                ScriptStep::Done(reply) => {
                    return super::convert(reply, CommandName::of("EVALSHA"));
                }
            }
        }
    }
}
