//! `Option`, sequences, tuples and maps.
//!
//! Nesting follows the requested type, never the input: converting a frame
//! into `Vec<Vec<i64>>` looks two levels deep however deep the frame is.

use super::{ConvertError, FromFrame};
use crate::frame::Frame;
use alloc::collections::{BTreeMap, BTreeSet};
use alloc::vec;
use alloc::vec::Vec;

/// `None` for a null of any wire form.
impl<T: FromFrame> FromFrame for Option<T> {
    fn from_frame(frame: Frame) -> Result<Self, ConvertError> {
        if frame.is_null() {
            return Ok(None);
        }
        T::from_frame(frame).map(Some)
    }
}

/// The elements of an array, set or push; or a map's pairs, each as a
/// two-element array (so `Vec<(K, V)>` reads a map in wire order).
///
/// A `Vec` of pairs also reads RESP2's flat array of keys and values in
/// turn (`HGETALL`, `ZRANGE … WITHSCORES`), so both protocols convert
/// alike; and `Vec<u8>` reads a string's bytes.
///
/// ```
/// use resp_core::Frame;
///
/// let flat = Frame::Array(vec!["a".into(), "0.5".into(), "b".into(), "2".into()]);
/// assert_eq!(flat.convert::<Vec<(String, f64)>>()?, [("a".to_owned(), 0.5), ("b".to_owned(), 2.0)]);
/// let bulk = Frame::BulkString("raw".into());
/// assert_eq!(bulk.convert::<Vec<u8>>()?, b"raw");
/// # Ok::<(), resp_core::ConvertError>(())
/// ```
impl<T: FromFrame> FromFrame for Vec<T> {
    fn from_frame(frame: Frame) -> Result<Self, ConvertError> {
        if let Frame::BulkString(bytes) | Frame::SimpleString(bytes) = frame.value()
            && let Some(values) = T::from_byte_string(bytes)
        {
            return Ok(values);
        }
        let items = elements(frame, "array")?;
        let flat = items
            .first()
            .is_some_and(|first| first.value().items().is_none());
        if T::IS_PAIR && flat {
            return pairs(Frame::Array(items))?
                .into_iter()
                .map(|(key, value)| T::from_frame(Frame::Array(vec![key, value])))
                .collect();
        }
        items.into_iter().map(T::from_frame).collect()
    }
}

/// The elements of a set, array or push.
impl<T: FromFrame + Ord> FromFrame for BTreeSet<T> {
    fn from_frame(frame: Frame) -> Result<Self, ConvertError> {
        elements(frame, "set")?
            .into_iter()
            .map(T::from_frame)
            .collect()
    }
}

/// A map's pairs, or RESP2's flat form: an array of keys and values in
/// turn. A key that repeats keeps its last value.
impl<K: FromFrame + Ord, V: FromFrame> FromFrame for BTreeMap<K, V> {
    fn from_frame(frame: Frame) -> Result<Self, ConvertError> {
        pairs(frame)?
            .into_iter()
            .map(|(key, value)| Ok((K::from_frame(key)?, V::from_frame(value)?)))
            .collect()
    }
}

#[cfg(feature = "std")]
mod hashed {
    use super::{ConvertError, Frame, FromFrame, elements, pairs};
    use core::hash::{BuildHasher, Hash};
    use std::collections::{HashMap, HashSet};

    /// As for `BTreeMap`.
    impl<K, V, S> FromFrame for HashMap<K, V, S>
    where
        K: FromFrame + Eq + Hash,
        V: FromFrame,
        S: BuildHasher + Default,
    {
        fn from_frame(frame: Frame) -> Result<Self, ConvertError> {
            pairs(frame)?
                .into_iter()
                .map(|(key, value)| Ok((K::from_frame(key)?, V::from_frame(value)?)))
                .collect()
        }
    }

    /// As for `BTreeSet`.
    impl<T, S> FromFrame for HashSet<T, S>
    where
        T: FromFrame + Eq + Hash,
        S: BuildHasher + Default,
    {
        fn from_frame(frame: Frame) -> Result<Self, ConvertError> {
            elements(frame, "set")?
                .into_iter()
                .map(T::from_frame)
                .collect()
        }
    }
}

/// An aggregate's elements, a map's pairs as two-element arrays.
fn elements(frame: Frame, expected: &'static str) -> Result<Vec<Frame>, ConvertError> {
    match frame.into_items() {
        Ok(items) => Ok(items),
        Err(frame) => match frame.into_pairs() {
            Ok(pairs) => Ok(pairs
                .into_iter()
                .map(|(key, value)| Frame::Array(vec![key, value]))
                .collect()),
            Err(frame) => Err(ConvertError::unexpected(frame, expected)),
        },
    }
}

/// A map's pairs, or an even-length array taken two at a time.
pub(crate) fn pairs(frame: Frame) -> Result<Vec<(Frame, Frame)>, ConvertError> {
    let items = match frame.into_pairs() {
        Ok(pairs) => return Ok(pairs),
        Err(frame) => frame
            .into_items()
            .map_err(|frame| ConvertError::unexpected(frame, "map"))?,
    };
    if items.len() % 2 != 0 {
        return Err(ConvertError::Length {
            expected: items.len() + 1,
            found: items.len(),
        });
    }
    let mut items = items.into_iter();
    let mut pairs = Vec::with_capacity(items.len() / 2);
    while let (Some(key), Some(value)) = (items.next(), items.next()) {
        pairs.push((key, value));
    }
    Ok(pairs)
}

macro_rules! tuple {
    ($len:literal; $($name:ident),+) => {
        /// An aggregate with exactly this many elements, in order.
        impl<$($name: FromFrame),+> FromFrame for ($($name,)+) {
            fn from_frame(frame: Frame) -> Result<Self, ConvertError> {
                let items = elements(frame, "array")?;
                let wrong_length = ConvertError::Length { expected: $len, found: items.len() };
                if items.len() != $len {
                    return Err(wrong_length);
                }
                let mut items = items.into_iter();
                Ok(($($name::from_frame(items.next().ok_or_else(|| wrong_length.clone())?)?,)+))
            }

            const IS_PAIR: bool = $len == 2;
        }
    };
}

tuple!(1; A);
tuple!(2; A, B);
tuple!(3; A, B, C);
tuple!(4; A, B, C, D);
tuple!(5; A, B, C, D, E);
tuple!(6; A, B, C, D, E, F);
