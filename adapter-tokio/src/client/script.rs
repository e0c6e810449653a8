//! [`Script`]: a Lua script run by its digest, loaded again whenever the
//! server has forgotten it.

use super::{Client, ClientError};
use bytes::Bytes;
use resp_core::FromFrame;
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
/// let total: i64 = add.run(client, &["counter"], &["5"]).await?;
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
    pub async fn run<T: FromFrame>(
        &self,
        client: &Client,
        keys: &[impl AsRef<[u8]>],
        args: &[impl AsRef<[u8]>],
    ) -> Result<T, ClientError> {
        let mut loaded_now = false;
        loop {
            let digest = match self.known_digest() {
                Some(digest) => digest,
                None => {
                    loaded_now = true;
                    self.load(client).await?
                }
            };
            let mut command: Vec<&[u8]> = vec![b"EVALSHA", &digest];
            let count = keys.len().to_string();
            command.push(count.as_bytes());
            command.extend(keys.iter().map(AsRef::as_ref));
            command.extend(args.iter().map(AsRef::as_ref));
            match client.call::<T>(command).await {
                Err(ClientError::Server(text)) if text.starts_with(b"NOSCRIPT") && !loaded_now => {
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

    async fn load(&self, client: &Client) -> Result<Bytes, ClientError> {
        let digest: Bytes = client
            .call(["SCRIPT".as_bytes(), b"LOAD", &self.source])
            .await?;
        *self.digest.lock().unwrap_or_else(|p| p.into_inner()) = Some(digest.clone());
        Ok(digest)
    }
}
