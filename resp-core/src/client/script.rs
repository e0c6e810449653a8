//! [`Script`]: a Lua script run by its digest, and [`ScriptRun`], one run
//! as steps with no IO, so that every client runs scripts by one rule.

use crate::encode::{Arg, Args, Cmd};
use crate::frame::Frame;
use alloc::string::String;
use bytes::Bytes;

/// A Lua script, run with `EVALSHA` by its SHA-1 digest (computed here,
/// as Redis computes it), so that its source crosses the wire only when
/// the server does not have it: after a `NOSCRIPT` (the first time, a
/// restart, a `SCRIPT FLUSH`), which means the script did not run, it
/// goes once more as `EVAL`, which also caches it on the server.
///
/// A script is plain data: one serves any number of clients and threads.
/// A client runs a [`ScriptCall`] (`run_script` on either client).
///
/// ```
/// use resp_core::Script;
///
/// let add = Script::new("return redis.call('INCRBY', KEYS[1], ARGV[1])");
/// assert_eq!(add.digest().len(), 40);
/// let call = add.key("counter").arg(5);
/// assert_eq!(
///     format!("{:?}", call.steps().start()),
///     format!(r#"["EVALSHA", "{}", "1", "counter", "5"]"#, add.digest())
/// );
/// ```
#[derive(Debug, Clone)]
pub struct Script {
    source: Bytes,
    digest: String,
}

impl Script {
    /// A script of `source`.
    pub fn new(source: impl Into<Bytes>) -> Self {
        let source = source.into();
        let mut digest = String::with_capacity(40);
        for byte in sha1_smol::Sha1::from(&source[..]).digest().bytes() {
            for nibble in [byte >> 4, byte & 0xf] {
                digest.push(char::from_digit(u32::from(nibble), 16).unwrap_or('0'));
            }
        }
        Self { source, digest }
    }

    /// Its source.
    pub fn source(&self) -> &[u8] {
        &self.source
    }

    /// Its SHA-1 digest in lower-case hex, the name `EVALSHA` takes.
    pub fn digest(&self) -> &str {
        &self.digest
    }

    /// A call of it with `keys` and `args`.
    pub fn call(
        &self,
        keys: impl IntoIterator<Item = impl Arg>,
        args: impl IntoIterator<Item = impl Arg>,
    ) -> ScriptCall<'_> {
        ScriptCall {
            script: self,
            keys: Cmd::default().args(keys),
            args: Cmd::default().args(args),
        }
    }

    /// A call of it with `key` as its first key; add more with
    /// [`ScriptCall::key`] and [`ScriptCall::arg`].
    pub fn key(&self, key: impl Arg) -> ScriptCall<'_> {
        self.call([key], [] as [&str; 0])
    }

    /// A call of it with `arg` as its first argument and no keys so far.
    pub fn arg(&self, arg: impl Arg) -> ScriptCall<'_> {
        self.call([] as [&str; 0], [arg])
    }
}

/// One call of a [`Script`]: its keys and arguments, added one by one as
/// redis-rs's `ScriptInvocation` does, or all at once with
/// [`Script::call`].
#[derive(Debug, Clone)]
pub struct ScriptCall<'a> {
    script: &'a Script,
    keys: Cmd,
    args: Cmd,
}

impl ScriptCall<'_> {
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

    /// The steps of one run, for a client to send.
    pub fn steps(&self) -> ScriptRun {
        let command = |name: &str, first: &[u8]| {
            Cmd::new(name)
                .arg(first)
                .arg(self.keys.arg_count())
                .append(self.keys.clone())
                .append(self.args.clone())
        };
        ScriptRun {
            evalsha: command("EVALSHA", self.script.digest.as_bytes()),
            eval: Some(command("EVAL", &self.script.source)),
        }
    }
}

/// One run of a [`ScriptCall`]: send [`start`](Self::start), then each
/// [`ScriptStep::Send`] that [`reply`](Self::reply) asks for, until
/// [`ScriptStep::Done`]. Anything but a first `NOSCRIPT` ends the run
/// with the server's reply, error replies included.
///
/// ```
/// use resp_core::{Frame, Script, ScriptStep};
///
/// let echo = Script::new("return ARGV[1]");
/// let mut run = echo.arg("hi").steps();
/// let noscript = Frame::SimpleError("NOSCRIPT No matching script.".into());
/// assert!(matches!(
///     run.reply(noscript),
///     ScriptStep::Send(eval) if format!("{eval:?}") == r#"["EVAL", "return ARGV[1]", "0", "hi"]"#
/// ));
/// assert_eq!(run.reply(Frame::from("hi")), ScriptStep::Done(Frame::from("hi")));
/// ```
#[derive(Debug, Clone)]
pub struct ScriptRun {
    evalsha: Cmd,
    /// What a `NOSCRIPT` gets, once.
    eval: Option<Cmd>,
}

/// What a [`ScriptRun`] wants next.
#[derive(Debug, Clone, PartialEq)]
pub enum ScriptStep {
    /// Send this command and give its reply to [`ScriptRun::reply`].
    Send(Cmd),
    /// The run is over; this is the script's reply (or the error).
    Done(Frame),
}

impl ScriptRun {
    /// The first command to send: `EVALSHA`.
    pub fn start(&self) -> Cmd {
        self.evalsha.clone()
    }

    /// Takes the reply to the last command sent.
    pub fn reply(&mut self, frame: Frame) -> ScriptStep {
        let noscript = frame.is_error()
            && frame
                .as_bytes()
                .is_some_and(|text| text.starts_with(b"NOSCRIPT"));
        match self.eval.take() {
            Some(eval) if noscript => ScriptStep::Send(eval),
            _ => ScriptStep::Done(frame),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::format;

    #[test]
    fn the_digest_is_redis_s() {
        // `redis-cli SCRIPT LOAD "return 1"` gives this.
        assert_eq!(
            Script::new("return 1").digest(),
            "e0e1f9fabfc9d4800c877a703b823ac0578ff8db"
        );
    }

    #[test]
    fn a_forgotten_script_goes_once_as_eval() {
        let script = Script::new("return 1");
        let mut run = script.key("k").steps();
        assert_eq!(
            format!("{:?}", run.start()),
            format!(r#"["EVALSHA", "{}", "1", "k"]"#, script.digest())
        );
        let noscript = Frame::SimpleError("NOSCRIPT No matching script.".into());
        assert!(matches!(
            run.reply(noscript.clone()),
            ScriptStep::Send(cmd) if format!("{cmd:?}") == r#"["EVAL", "return 1", "1", "k"]"#
        ));
        // A second NOSCRIPT in the same run ends it: no loop.
        assert_eq!(run.reply(noscript.clone()), ScriptStep::Done(noscript));
    }

    #[test]
    fn an_error_ends_the_run() {
        let mut run = Script::new("bad lua").call(["k"], [1]).steps();
        let error = Frame::SimpleError("ERR Error compiling script".into());
        assert_eq!(run.reply(error.clone()), ScriptStep::Done(error));
    }
}
