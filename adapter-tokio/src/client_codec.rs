//! [`RespCodec`]: the client side of a RESP connection, for
//! `Framed<TcpStream, RespCodec>`.

use bytes::BytesMut;
use resp_core::{Args, Decoder as FrameDecoder, Frame, Limits, Protocol, pack_command};
use std::io;
use tokio_util::codec::{Decoder, Encoder};

/// Reads replies as [`Frame`]s and writes commands, for a client.
///
/// Replies are decoded by the core's [`Decoder`](resp_core::Decoder):
/// payloads are slices of the read buffer, nothing is copied, and when a
/// large reply is arriving the codec reserves the rest of its payload at
/// once, so a 100 MiB value is read without the buffer growing step by
/// step. Commands are packed straight from their arguments ([`AsCommand`]),
/// with no frame built first; frames can be written too.
///
/// The protocol only matters for reading: after a `HELLO 3` the server
/// accepted, [`set_protocol`](Self::set_protocol) lets RESP3 types through.
///
/// ```
/// use bytes::BytesMut;
/// use resp_core::Frame;
/// use resp_tokio::{AsCommand, RespCodec};
/// use tokio_util::codec::{Decoder, Encoder};
///
/// let mut codec = RespCodec::new();
/// let mut out = BytesMut::new();
/// codec.encode(AsCommand(("SET", "k", 42)), &mut out)?;
/// assert_eq!(&out[..], b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$2\r\n42\r\n");
///
/// let mut input = BytesMut::from(&b"+OK\r\n$5\r\nhel"[..]);
/// assert_eq!(codec.decode(&mut input)?, Some(Frame::SimpleString("OK".into())));
/// assert_eq!(codec.decode(&mut input)?, None);
/// // The rest of the payload was reserved at once.
/// assert!(input.capacity() >= 5 + 2);
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug, Default)]
pub struct RespCodec {
    replies: FrameDecoder,
}

/// Command arguments to encode: anything [`pack_command`] takes, such as
/// `("SET", key, value)`, `["GET", "k"]` or a `Vec<Vec<u8>>`.
#[derive(Debug, Clone, Copy)]
pub struct AsCommand<A>(pub A);

impl RespCodec {
    /// A codec with the core's client limits, reading RESP3 and RESP2 alike.
    pub fn new() -> Self {
        Self::default()
    }

    /// A codec with the given limits.
    pub fn with_limits(limits: Limits) -> Self {
        Self {
            replies: FrameDecoder::with_limits(limits),
        }
    }

    /// The protocol replies are read in.
    pub fn protocol(&self) -> Protocol {
        self.replies.protocol()
    }

    /// Sets the protocol, after the handshake: [`Protocol::Resp2`] refuses
    /// RESP3-only types.
    pub fn set_protocol(&mut self, protocol: Protocol) {
        self.replies.set_protocol(protocol);
    }
}

impl Decoder for RespCodec {
    type Item = Frame;
    type Error = io::Error;

    fn decode(&mut self, src: &mut BytesMut) -> io::Result<Option<Frame>> {
        match self.replies.decode(src).map_err(io::Error::from)? {
            Some(frame) => Ok(Some(frame)),
            None => {
                if let Some(needed) = self.replies.bytes_needed() {
                    src.reserve(needed);
                }
                Ok(None)
            }
        }
    }

    /// A stream that ends inside a reply is an error, not a clean end.
    fn decode_eof(&mut self, src: &mut BytesMut) -> io::Result<Option<Frame>> {
        match self.decode(src)? {
            Some(frame) => Ok(Some(frame)),
            None if src.is_empty() && self.replies.is_idle() => Ok(None),
            None => Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the connection closed in the middle of a reply",
            )),
        }
    }
}

impl<A: Args> Encoder<AsCommand<A>> for RespCodec {
    type Error = io::Error;

    fn encode(&mut self, command: AsCommand<A>, dst: &mut BytesMut) -> io::Result<()> {
        pack_command(dst, command.0);
        Ok(())
    }
}

impl Encoder<&Frame> for RespCodec {
    type Error = io::Error;

    fn encode(&mut self, frame: &Frame, dst: &mut BytesMut) -> io::Result<()> {
        frame
            .encode(dst)
            .map_err(|error| io::Error::new(io::ErrorKind::InvalidInput, error))
    }
}

impl Encoder<Frame> for RespCodec {
    type Error = io::Error;

    fn encode(&mut self, frame: Frame, dst: &mut BytesMut) -> io::Result<()> {
        self.encode(&frame, dst)
    }
}
