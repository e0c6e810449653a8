//! [`Payload`]: the bytes of a string, error or big number in a [`Frame`](crate::Frame).

use alloc::string::String;
use alloc::vec::Vec;
use bytes::{Bytes, BytesMut};
use core::borrow::Borrow;
use core::cmp::Ordering;
use core::fmt;
use core::hash::{Hash, Hasher};
use core::ops::{Bound, Deref, Range, RangeBounds};

/// The longest payload stored inside the [`Payload`] itself.
///
/// As many bytes as fit beside a length in the room a [`Bytes`] takes, so a
/// [`Frame`](crate::Frame) is no larger than it would be holding a `Bytes`.
pub const INLINE_CAPACITY: usize = 23;

/// A frame's payload: the bytes of a string, an error or a big number.
///
/// Short payloads, the common case in replies and requests (`OK`, keys,
/// counters, field names), are stored inline: making, cloning and dropping
/// one touches no reference count and no allocator. Longer ones are
/// [`Bytes`] slices of the buffer they arrived in, shared without a copy.
/// Either way a payload derefs to `&[u8]`, and compares, orders and hashes
/// as its bytes, whichever way it is stored.
///
/// ```
/// use bytes::Bytes;
/// use resp_core::Payload;
///
/// let key = Payload::from("user:1000");
/// assert_eq!(&key[..], b"user:1000");
/// assert!(key.is_inline());
///
/// let large = Bytes::from(vec![b'x'; 4096]);
/// let value = Payload::from(large.clone());
/// assert!(!value.is_inline());
/// // Handing the bytes on shares them instead of copying them.
/// assert_eq!(Bytes::from(value).as_ptr(), large.as_ptr());
/// ```
#[derive(Clone)]
pub struct Payload(Repr);

/// Up to [`INLINE_CAPACITY`] bytes with their length in the last byte, all
/// in three aligned words: building one from the input is a copy of whole
/// words that the processor forwards to the loads after it, where a length
/// byte in front would shift every byte by one.
#[derive(Clone, Copy)]
#[repr(C, align(8))]
struct Inline([u8; INLINE_CAPACITY + 1]);

impl Inline {
    const EMPTY: Self = Self([0; INLINE_CAPACITY + 1]);

    #[inline(always)]
    fn as_slice(&self) -> &[u8] {
        // `min` tells the compiler the range is in bounds.
        &self.0[..usize::from(self.0[INLINE_CAPACITY]).min(INLINE_CAPACITY)]
    }
}

#[derive(Clone)]
enum Repr {
    Inline(Inline),
    Shared(Bytes),
}

impl Payload {
    /// An empty payload.
    pub const fn new() -> Self {
        Self(Repr::Inline(Inline::EMPTY))
    }

    /// A payload of `bytes`, copied: inline when short, otherwise into one
    /// new allocation.
    ///
    /// ```
    /// use resp_core::Payload;
    ///
    /// assert_eq!(Payload::copy_from_slice(b"PONG"), "PONG");
    /// ```
    #[inline]
    pub fn copy_from_slice(bytes: &[u8]) -> Self {
        Self::try_inline(bytes).unwrap_or_else(|| Self(Repr::Shared(Bytes::copy_from_slice(bytes))))
    }

    /// A payload of static bytes, never copied into an allocation: short
    /// ones are stored inline, longer ones point at the static bytes.
    ///
    /// ```
    /// use resp_core::Payload;
    ///
    /// const QUEUED: Payload = Payload::from_static(b"QUEUED");
    /// assert_eq!(QUEUED, "QUEUED");
    /// assert!(QUEUED.is_inline());
    /// ```
    pub const fn from_static(bytes: &'static [u8]) -> Self {
        if bytes.len() > INLINE_CAPACITY {
            return Self(Repr::Shared(Bytes::from_static(bytes)));
        }
        let mut inline = Inline::EMPTY;
        let mut at = 0;
        while at < bytes.len() {
            inline.0[at] = bytes[at];
            at += 1;
        }
        // At most `INLINE_CAPACITY`, checked above.
        inline.0[INLINE_CAPACITY] = bytes.len() as u8;
        Self(Repr::Inline(inline))
    }

    /// `bytes` stored inline, if they fit.
    #[inline]
    pub(crate) fn try_inline(bytes: &[u8]) -> Option<Self> {
        Self::inline_from(bytes, 0..bytes.len())
    }

    /// `input[range]` stored inline, if it fits.
    ///
    /// When `input` has room for a whole inline array from the range's
    /// start, all of it is copied: a copy of fixed size compiles to a few
    /// moves, where one of the payload's own length is a call. The bytes past
    /// the payload are never read.
    #[inline(always)]
    pub(crate) fn inline_from(input: &[u8], range: Range<usize>) -> Option<Self> {
        let len = range.len();
        if len > INLINE_CAPACITY {
            return None;
        }
        // At most `INLINE_CAPACITY`, checked above.
        let len_byte = len as u8;
        let window = range.start..range.start + INLINE_CAPACITY + 1;
        if let Some(window) = input.get(window) {
            // Whole words, the length put in the last one's last byte with
            // integer operations, so that no word is assembled from pieces.
            let word = |at: usize| -> u64 {
                u64::from_le_bytes(window[at..at + 8].try_into().unwrap_or_default())
            };
            let last = (word(16) & (u64::MAX >> 8)) | u64::from(len_byte) << 56;
            let mut inline = Inline::EMPTY;
            inline.0[..8].copy_from_slice(&word(0).to_le_bytes());
            inline.0[8..16].copy_from_slice(&word(8).to_le_bytes());
            inline.0[16..].copy_from_slice(&last.to_le_bytes());
            return Some(Self(Repr::Inline(inline)));
        }
        let mut inline = Inline::EMPTY;
        inline.0[..len].copy_from_slice(&input[range]);
        inline.0[INLINE_CAPACITY] = len_byte;
        Some(Self(Repr::Inline(inline)))
    }

    /// The bytes.
    #[inline]
    pub fn as_slice(&self) -> &[u8] {
        match &self.0 {
            Repr::Inline(inline) => inline.as_slice(),
            Repr::Shared(bytes) => bytes,
        }
    }

    /// A part of the payload, as `Bytes::slice` gives one: shared without a
    /// copy when it is long, inline when it is short.
    ///
    /// ```
    /// use resp_core::Payload;
    ///
    /// let text = Payload::from("txt:hello");
    /// assert_eq!(text.slice(4..), "hello");
    /// ```
    ///
    /// # Panics
    ///
    /// When the range is out of bounds, as slicing `[u8]` does.
    pub fn slice(&self, range: impl RangeBounds<usize>) -> Self {
        let start = match range.start_bound() {
            Bound::Included(&at) => at,
            Bound::Excluded(&at) => at + 1,
            Bound::Unbounded => 0,
        };
        let end = match range.end_bound() {
            Bound::Included(&at) => at + 1,
            Bound::Excluded(&at) => at,
            Bound::Unbounded => self.len(),
        };
        let part = &self[start..end];
        match &self.0 {
            Repr::Shared(bytes) if part.len() > INLINE_CAPACITY => {
                Self(Repr::Shared(bytes.slice(start..end)))
            }
            _ => Self::copy_from_slice(part),
        }
    }

    /// Whether the bytes are stored in the payload itself rather than shared
    /// with a buffer. Short payloads from the decoder always are.
    pub fn is_inline(&self) -> bool {
        matches!(self.0, Repr::Inline(_))
    }

    /// The bytes as [`Bytes`]: a new reference when they are shared, a copy
    /// when they are inline (at most [`INLINE_CAPACITY`] bytes).
    ///
    /// ```
    /// use resp_core::Payload;
    ///
    /// assert_eq!(Payload::from("v").to_bytes(), "v");
    /// ```
    pub fn to_bytes(&self) -> Bytes {
        match &self.0 {
            Repr::Inline(_) => Bytes::copy_from_slice(self),
            Repr::Shared(bytes) => bytes.clone(),
        }
    }
}

impl Default for Payload {
    fn default() -> Self {
        Self::new()
    }
}

impl Deref for Payload {
    type Target = [u8];

    #[inline]
    fn deref(&self) -> &[u8] {
        self.as_slice()
    }
}

impl AsRef<[u8]> for Payload {
    fn as_ref(&self) -> &[u8] {
        self
    }
}

impl Borrow<[u8]> for Payload {
    fn borrow(&self) -> &[u8] {
        self
    }
}

impl fmt::Debug for Payload {
    /// As [`Bytes`] prints: `b"..."` with escapes.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "b\"")?;
        for &byte in self.iter() {
            match byte {
                b'\n' => write!(f, "\\n")?,
                b'\r' => write!(f, "\\r")?,
                b'\t' => write!(f, "\\t")?,
                b'\0' => write!(f, "\\0")?,
                b'\\' | b'"' => write!(f, "\\{}", byte as char)?,
                0x20..=0x7e => write!(f, "{}", byte as char)?,
                _ => write!(f, "\\x{byte:02x}")?,
            }
        }
        write!(f, "\"")
    }
}

impl PartialEq for Payload {
    fn eq(&self, other: &Self) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl Eq for Payload {}

impl PartialOrd for Payload {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Payload {
    fn cmp(&self, other: &Self) -> Ordering {
        self.as_slice().cmp(other.as_slice())
    }
}

impl Hash for Payload {
    /// Hashes as the bytes do, as [`Borrow<[u8]>`](Borrow) requires.
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_slice().hash(state);
    }
}

/// Comparisons with the byte and text types a test or a caller has at hand.
macro_rules! eq_with {
    ($($other:ty),*) => {$(
        impl PartialEq<$other> for Payload {
            fn eq(&self, other: &$other) -> bool {
                self.as_slice() == AsRef::<[u8]>::as_ref(other)
            }
        }

        impl PartialEq<Payload> for $other {
            fn eq(&self, other: &Payload) -> bool {
                other == self
            }
        }
    )*};
}

eq_with!([u8], str, Vec<u8>, String, Bytes);

impl PartialEq<&[u8]> for Payload {
    fn eq(&self, other: &&[u8]) -> bool {
        self.as_slice() == *other
    }
}

impl PartialEq<&str> for Payload {
    fn eq(&self, other: &&str) -> bool {
        self.as_slice() == other.as_bytes()
    }
}

impl<const N: usize> PartialEq<[u8; N]> for Payload {
    fn eq(&self, other: &[u8; N]) -> bool {
        self.as_slice() == other
    }
}

impl<const N: usize> PartialEq<&[u8; N]> for Payload {
    fn eq(&self, other: &&[u8; N]) -> bool {
        self.as_slice() == *other
    }
}

impl From<&[u8]> for Payload {
    /// Copies the bytes.
    fn from(bytes: &[u8]) -> Self {
        Self::copy_from_slice(bytes)
    }
}

impl<const N: usize> From<&[u8; N]> for Payload {
    /// Copies the bytes.
    fn from(bytes: &[u8; N]) -> Self {
        Self::copy_from_slice(bytes)
    }
}

impl From<&str> for Payload {
    /// Copies the text.
    fn from(text: &str) -> Self {
        Self::copy_from_slice(text.as_bytes())
    }
}

impl From<Bytes> for Payload {
    /// Keeps the bytes where they are, without a copy.
    fn from(bytes: Bytes) -> Self {
        Self(Repr::Shared(bytes))
    }
}

impl From<BytesMut> for Payload {
    /// Keeps the bytes where they are, without a copy.
    fn from(bytes: BytesMut) -> Self {
        Self(Repr::Shared(bytes.freeze()))
    }
}

impl From<Vec<u8>> for Payload {
    /// Short bytes move inline; longer ones keep their allocation.
    fn from(bytes: Vec<u8>) -> Self {
        Self::try_inline(&bytes).unwrap_or_else(|| Self(Repr::Shared(Bytes::from(bytes))))
    }
}

impl From<String> for Payload {
    /// Short text moves inline; longer text keeps its allocation.
    fn from(text: String) -> Self {
        Self::from(text.into_bytes())
    }
}

impl From<Payload> for Bytes {
    /// Shared bytes are handed on without a copy; inline ones are copied.
    fn from(payload: Payload) -> Self {
        match payload.0 {
            Repr::Inline(_) => Bytes::copy_from_slice(&payload),
            Repr::Shared(bytes) => bytes,
        }
    }
}

impl From<Payload> for Vec<u8> {
    fn from(payload: Payload) -> Self {
        match payload.0 {
            Repr::Inline(_) => payload.to_vec(),
            Repr::Shared(bytes) => bytes.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stores_short_payloads_inline_and_shares_long_ones() {
        let short = [b'a'; INLINE_CAPACITY];
        let long = [b'a'; INLINE_CAPACITY + 1];
        assert!(Payload::copy_from_slice(&short).is_inline());
        assert!(!Payload::copy_from_slice(&long).is_inline());
        assert_eq!(Payload::copy_from_slice(&long), &long[..]);
        assert!(Payload::from(short.to_vec()).is_inline());
        assert!(!Payload::from(long.to_vec()).is_inline());
    }

    #[test]
    fn is_no_larger_than_bytes() {
        assert_eq!(size_of::<Payload>(), size_of::<Bytes>());
    }

    #[test]
    fn compares_and_hashes_as_its_bytes_however_stored() {
        use core::hash::BuildHasher;
        let inline = Payload::copy_from_slice(b"key");
        let shared = Payload::from(Bytes::from_static(b"key"));
        assert!(inline.is_inline() && !shared.is_inline());
        assert_eq!(inline, shared);
        assert_eq!(inline.cmp(&shared), Ordering::Equal);
        let state = std::hash::RandomState::new();
        assert_eq!(state.hash_one(&inline), state.hash_one(&shared));
        assert_eq!(state.hash_one(&inline), state.hash_one(&b"key"[..]));
        let (a, b) = (Payload::from("a"), Payload::from("b"));
        assert!(a < b && b.cmp(&a) == Ordering::Greater);
    }

    #[test]
    fn debug_escapes_as_bytes_does() {
        let raw = b"a\"\\\r\n\t\x00\xff z";
        assert_eq!(
            std::format!("{:?}", Payload::from(&raw[..])),
            std::format!("{:?}", Bytes::from_static(raw))
        );
    }
}
