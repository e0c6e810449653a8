//! The codecs over any [`futures_io`] stream, for smol and async-std
//! users, through tokio-util's compat layer.

use tokio_util::codec::Framed;
use tokio_util::compat::{Compat, FuturesAsyncReadCompatExt};

/// `Framed` over a futures-io stream: the same codecs, the same items.
///
/// ```no_run
/// use futures_util::{SinkExt, StreamExt};
/// use resp_tokio::{AsCommand, RespCodec};
///
/// smol::block_on(async {
///     let stream = smol::net::TcpStream::connect("127.0.0.1:6379").await?;
///     let mut redis = resp_tokio::compat::framed(stream, RespCodec::new());
///     redis.send(AsCommand(["PING"])).await?;
///     let pong = redis.next().await;
///     # let _ = pong;
///     Ok::<(), std::io::Error>(())
/// })
/// # .unwrap();
/// ```
pub fn framed<S, C>(stream: S, codec: C) -> Framed<Compat<S>, C>
where
    S: futures_io::AsyncRead + futures_io::AsyncWrite,
{
    Framed::new(stream.compat(), codec)
}
