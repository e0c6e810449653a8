//! [`Script`]: a Lua script run by its digest, loaded again whenever the
//! server has forgotten it.

use crate::connection::Connection;
use crate::error::Error;
use bytes::Bytes;
use resp_core::FromFrame;
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
/// let total: i64 = add.run(&mut redis, &["counter"], &["5"])?;
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
        keys: &[impl AsRef<[u8]>],
        args: &[impl AsRef<[u8]>],
    ) -> Result<T, Error> {
        let mut loaded_now = false;
        loop {
            let digest = match self.known_digest() {
                Some(digest) => digest,
                None => {
                    loaded_now = true;
                    self.load(connection)?
                }
            };
            let count = keys.len().to_string();
            let mut command: Vec<&[u8]> = vec![b"EVALSHA", &digest, count.as_bytes()];
            command.extend(keys.iter().map(AsRef::as_ref));
            command.extend(args.iter().map(AsRef::as_ref));
            match connection.call::<T>(command) {
                Err(Error::Server(text)) if text.starts_with(b"NOSCRIPT") && !loaded_now => {
                    *self.digest.lock().unwrap_or_else(|p| p.into_inner()) = None;
                }
                result => return result,
            }
        }
    }

    fn known_digest(&self) -> Option<Bytes> {
        self.digest
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    fn load<S: Read + Write>(&self, connection: &mut Connection<S>) -> Result<Bytes, Error> {
        let digest: Bytes = connection.call(["SCRIPT".as_bytes(), b"LOAD", &self.source])?;
        *self.digest.lock().unwrap_or_else(|p| p.into_inner()) = Some(digest.clone());
        Ok(digest)
    }
}
