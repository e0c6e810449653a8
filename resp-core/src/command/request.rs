//! What the [`CommandDecoder`](super::CommandDecoder) hands out: a borrowed
//! [`Command`] for the next call only, or an owned [`Request`].

use alloc::vec::Vec;
use bytes::Bytes;
use core::ops::Range;

/// One decoded request: its arguments, borrowed from the decoder until the
/// next call.
///
/// Arguments are read as byte slices, with no reference counting; one that
/// must outlive the call (a value to store) is taken with
/// [`arg_bytes`](Self::arg_bytes), a [`Bytes`] sharing the received buffer.
#[derive(Debug, Clone, Copy)]
pub struct Command<'a> {
    pub(super) request: &'a Bytes,
    pub(super) ranges: &'a [Range<usize>],
    /// `request[..raw_len]` is the request as it came on the wire.
    pub(super) raw_len: usize,
    pub(super) wire_len: usize,
}

impl<'a> Command<'a> {
    /// The arguments, the command name first. Never empty.
    ///
    /// ```
    /// # use bytes::BytesMut;
    /// # use resp_core::CommandDecoder;
    /// let mut decoder = CommandDecoder::new();
    /// let mut buf = BytesMut::from(&b"*2\r\n$3\r\nGET\r\n$1\r\nk\r\n"[..]);
    /// let command = decoder.decode(&mut buf).unwrap().unwrap();
    /// assert!(command.args().eq([&b"GET"[..], b"k"]));
    /// ```
    pub fn args(&self) -> CommandArgs<'a> {
        CommandArgs {
            request: self.request,
            ranges: self.ranges.iter(),
        }
    }

    /// How many arguments there are, the name included. Never zero.
    pub fn len(&self) -> usize {
        self.ranges.len()
    }

    /// Always `false`: a request without arguments is skipped, never returned.
    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }

    /// The command name as sent (compare case-insensitively).
    pub fn name(&self) -> &'a [u8] {
        &self.request[self.ranges[0].clone()]
    }

    /// Argument `index` (0 is the name), if there is one.
    pub fn arg(&self, index: usize) -> Option<&'a [u8]> {
        let range = self.ranges.get(index)?.clone();
        Some(&self.request[range])
    }

    /// Argument `index` as [`Bytes`] sharing the received buffer, to keep
    /// beyond the next call without copying it.
    ///
    /// ```
    /// # use bytes::BytesMut;
    /// # use resp_core::CommandDecoder;
    /// let mut decoder = CommandDecoder::new();
    /// let mut buf = BytesMut::from(&b"SET k \"a value\"\r\n"[..]);
    /// let value = decoder.decode(&mut buf).unwrap().unwrap().arg_bytes(2).unwrap();
    /// assert!(decoder.decode(&mut buf).unwrap().is_none());
    /// assert_eq!(value, "a value");
    /// ```
    pub fn arg_bytes(&self, index: usize) -> Option<Bytes> {
        let range = self.ranges.get(index)?.clone();
        Some(self.request.slice(range))
    }

    /// Every argument as [`Bytes`] sharing the received buffer.
    pub fn to_vec(&self) -> Vec<Bytes> {
        self.ranges
            .iter()
            .map(|range| self.request.slice(range.clone()))
            .collect()
    }

    /// Bytes this request took on the wire, including any empty requests
    /// skipped just before it, for per-command traffic statistics.
    pub fn wire_len(&self) -> usize {
        self.wire_len
    }

    /// The request exactly as it came on the wire (without the empty
    /// requests skipped before it), for a proxy to forward it untouched.
    ///
    /// ```
    /// # use bytes::BytesMut;
    /// # use resp_core::CommandDecoder;
    /// let mut decoder = CommandDecoder::new();
    /// let mut buf = BytesMut::from(&b"\r\nGET \"k\"\r\n"[..]);
    /// let command = decoder.decode(&mut buf).unwrap().unwrap();
    /// assert_eq!(command.raw(), b"GET \"k\"\r\n");
    /// assert_eq!(command.wire_len(), 11);
    /// ```
    pub fn raw(&self) -> &'a [u8] {
        &self.request[..self.raw_len]
    }

    /// An owned copy of this request, to keep or hand on (a codec's item):
    /// it shares the received buffer and allocates only its vector of
    /// argument boundaries.
    pub fn to_request(&self) -> Request {
        Request {
            bytes: self.request.clone(),
            ranges: self.ranges.to_vec(),
            raw_len: self.raw_len,
            wire_len: self.wire_len,
        }
    }
}

impl PartialEq for Command<'_> {
    /// Same arguments and same wire length.
    fn eq(&self, other: &Self) -> bool {
        self.wire_len == other.wire_len && self.args().eq(other.args())
    }
}

impl Eq for Command<'_> {}

/// The arguments of a [`Command`], as byte slices.
#[derive(Debug, Clone)]
pub struct CommandArgs<'a> {
    request: &'a Bytes,
    ranges: core::slice::Iter<'a, Range<usize>>,
}

impl<'a> Iterator for CommandArgs<'a> {
    type Item = &'a [u8];

    #[inline]
    fn next(&mut self) -> Option<&'a [u8]> {
        let range = self.ranges.next()?.clone();
        Some(&self.request[range])
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.ranges.size_hint()
    }
}

impl DoubleEndedIterator for CommandArgs<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        let range = self.ranges.next_back()?.clone();
        Some(&self.request[range])
    }
}

impl ExactSizeIterator for CommandArgs<'_> {}

/// An owned request: its bytes as one [`Bytes`] sharing the received
/// buffer, and where its arguments lie in them. This is what a
/// `tokio_util::codec::Decoder` hands out as its item; a server keeps it as
/// long as it likes, and a proxy forwards [`raw`](Self::raw) untouched.
///
/// Building one from a [`Command`] allocates once, for the argument
/// boundaries; the bytes are shared, never copied.
///
/// ```
/// use bytes::BytesMut;
/// use resp_core::CommandDecoder;
///
/// let mut decoder = CommandDecoder::new();
/// let mut buf = BytesMut::from(&b"*2\r\n$3\r\nGET\r\n$1\r\nk\r\n"[..]);
/// let request = decoder.decode(&mut buf).unwrap().unwrap().to_request();
/// assert!(decoder.decode(&mut buf).unwrap().is_none());
/// assert_eq!(request.name(), b"GET");
/// assert_eq!(request.arg(1), Some(&b"k"[..]));
/// assert_eq!(request.raw(), b"*2\r\n$3\r\nGET\r\n$1\r\nk\r\n");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    bytes: Bytes,
    ranges: Vec<Range<usize>>,
    raw_len: usize,
    wire_len: usize,
}

impl Request {
    /// The borrowed view, with every accessor of [`Command`].
    pub fn command(&self) -> Command<'_> {
        Command {
            request: &self.bytes,
            ranges: &self.ranges,
            raw_len: self.raw_len,
            wire_len: self.wire_len,
        }
    }

    /// The arguments, the command name first. Never empty.
    pub fn args(&self) -> CommandArgs<'_> {
        self.command().args()
    }

    /// How many arguments there are, the name included. Never zero.
    pub fn len(&self) -> usize {
        self.ranges.len()
    }

    /// Always `false`: a request without arguments is never returned.
    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }

    /// The command name as sent (compare case-insensitively).
    pub fn name(&self) -> &[u8] {
        self.command().name()
    }

    /// Argument `index` (0 is the name), if there is one.
    pub fn arg(&self, index: usize) -> Option<&[u8]> {
        self.command().arg(index)
    }

    /// Argument `index` as [`Bytes`] sharing the received buffer.
    pub fn arg_bytes(&self, index: usize) -> Option<Bytes> {
        self.command().arg_bytes(index)
    }

    /// The request exactly as it came on the wire.
    pub fn raw(&self) -> &[u8] {
        &self.bytes[..self.raw_len]
    }

    /// The request's wire bytes as [`Bytes`], without a copy.
    pub fn raw_bytes(&self) -> Bytes {
        self.bytes.slice(..self.raw_len)
    }

    /// Bytes it took on the wire, empty requests skipped before it included.
    pub fn wire_len(&self) -> usize {
        self.wire_len
    }
}

impl<'a> From<Command<'a>> for Request {
    fn from(command: Command<'a>) -> Self {
        command.to_request()
    }
}
