//! [`ScriptRun`]: one run of a Lua script by its digest, as steps with no
//! IO, so that every client runs scripts by the same rule.

use crate::encode::{Args, Cmd};
use crate::frame::Frame;
use bytes::Bytes;

/// One run of a Lua script with `EVALSHA`, so that its source crosses the
/// wire only when the server does not have it: first `SCRIPT LOAD` when no
/// digest is known, and once more after a `NOSCRIPT` (a restart, `SCRIPT
/// FLUSH`), which means the script did not run, so trying again is safe.
/// Anything else ends the run with the server's reply, error replies
/// included.
///
/// Send what [`start`](Self::start) gives, then each [`ScriptStep::Send`]
/// that [`reply`](Self::reply) asks for, until [`ScriptStep::Done`]; keep
/// [`digest`](Self::digest) for the next run.
///
/// ```
/// use resp_core::{Cmd, Frame, ScriptRun, ScriptStep};
///
/// let source = b"return ARGV[1]";
/// let mut run = ScriptRun::new(None, Cmd::default(), Cmd::default().arg("hi"));
/// assert_eq!(format!("{:?}", run.start(source)), r#"["SCRIPT", "LOAD", "return ARGV[1]"]"#);
/// let step = run.reply(source, Frame::from("d1"));
/// assert!(matches!(&step, ScriptStep::Send(cmd) if format!("{cmd:?}") == r#"["EVALSHA", "d1", "0", "hi"]"#));
/// assert_eq!(run.reply(source, Frame::from("hi")), ScriptStep::Done(Frame::from("hi")));
/// assert_eq!(run.digest().map(|d| &d[..]), Some(&b"d1"[..]));
/// ```
#[derive(Debug, Clone)]
pub struct ScriptRun {
    keys: Cmd,
    args: Cmd,
    digest: Option<Bytes>,
    /// Whether this run loaded the script (a second `NOSCRIPT` then ends it).
    loaded: bool,
    /// Whether the last command sent was `SCRIPT LOAD`.
    loading: bool,
}

/// What a [`ScriptRun`] wants next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScriptStep {
    /// Send this command and give its reply to [`ScriptRun::reply`].
    Send(Cmd),
    /// The script's reply, or the server's error.
    Done(Frame),
}

impl ScriptRun {
    /// A run with `keys` and `args`, and the digest an earlier run learned
    /// (`None`: the script is loaded first).
    pub fn new(digest: Option<Bytes>, keys: Cmd, args: Cmd) -> Self {
        Self {
            keys,
            args,
            digest,
            loaded: false,
            loading: false,
        }
    }

    /// The first command to send.
    pub fn start(&mut self, source: &[u8]) -> Cmd {
        match &self.digest {
            Some(digest) => self.evalsha(digest.clone()),
            None => self.load(source),
        }
    }

    /// Takes the reply to the last command sent.
    pub fn reply(&mut self, source: &[u8], frame: Frame) -> ScriptStep {
        if self.loading {
            self.loading = false;
            if frame.is_error() {
                return ScriptStep::Done(frame);
            }
            let digest = Bytes::copy_from_slice(frame.as_bytes().unwrap_or_default());
            self.digest = Some(digest.clone());
            return ScriptStep::Send(self.evalsha(digest));
        }
        let noscript = frame.is_error()
            && frame
                .as_bytes()
                .is_some_and(|text| text.starts_with(b"NOSCRIPT"));
        if noscript && !self.loaded {
            self.digest = None;
            return ScriptStep::Send(self.load(source));
        }
        ScriptStep::Done(frame)
    }

    /// The digest the server gave, to keep for later runs.
    pub fn digest(&self) -> Option<&Bytes> {
        self.digest.as_ref()
    }

    fn load(&mut self, source: &[u8]) -> Cmd {
        self.loaded = true;
        self.loading = true;
        Cmd::new("SCRIPT").arg("LOAD").arg(source)
    }

    fn evalsha(&self, digest: Bytes) -> Cmd {
        Cmd::new("EVALSHA")
            .arg(&digest[..])
            .arg(self.keys.arg_count())
            .append(self.keys.clone())
            .append(self.args.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::format;

    #[test]
    fn a_forgotten_script_is_loaded_again_once() {
        let source = b"return 1";
        let mut run = ScriptRun::new(
            Some(Bytes::from_static(b"old")),
            Cmd::default().arg("k"),
            Cmd::default(),
        );
        assert_eq!(
            format!("{:?}", run.start(source)),
            r#"["EVALSHA", "old", "1", "k"]"#
        );
        let noscript = Frame::SimpleError("NOSCRIPT No matching script.".into());
        let load = run.reply(source, noscript.clone());
        assert!(
            matches!(&load, ScriptStep::Send(cmd) if format!("{cmd:?}").starts_with(r#"["SCRIPT", "LOAD""#))
        );
        let again = run.reply(source, Frame::from("new"));
        assert!(
            matches!(&again, ScriptStep::Send(cmd) if format!("{cmd:?}") == r#"["EVALSHA", "new", "1", "k"]"#)
        );
        // A second NOSCRIPT in the same run ends it: no loop.
        assert_eq!(
            run.reply(source, noscript.clone()),
            ScriptStep::Done(noscript)
        );
    }

    #[test]
    fn a_refused_load_ends_the_run() {
        let mut run = ScriptRun::new(None, Cmd::default(), Cmd::default());
        run.start(b"bad lua");
        let error = Frame::SimpleError("ERR Error compiling script".into());
        assert_eq!(
            run.reply(b"bad lua", error.clone()),
            ScriptStep::Done(error)
        );
        assert_eq!(run.digest(), None);
    }
}
