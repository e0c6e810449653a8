//! The value types, kept in the orders Redis replies in: hashes and small
//! sets in insertion order (as its listpacks), sets of integers sorted (as
//! its intsets), sorted sets by score, then member.

use std::cmp::Ordering;
use std::collections::{BTreeSet, HashMap, VecDeque};

pub(crate) type Bytes = Box<[u8]>;

/// A value of a type other than string (strings are kept apart, see
/// `store.rs`).
#[derive(Debug)]
pub(crate) enum Value {
    List(VecDeque<Bytes>),
    Hash(OrderedMap),
    Set(OrderedMap),
    ZSet(ZSet),
}

impl Value {
    /// The name `TYPE` answers with.
    pub(crate) fn type_name(&self) -> &'static str {
        match self {
            Self::List(_) => "list",
            Self::Hash(_) => "hash",
            Self::Set(_) => "set",
            Self::ZSet(_) => "zset",
        }
    }
}

/// Past this many fields lookups go through an index (order is then
/// arbitrary, as in Redis's hash tables).
const INDEX_FROM: usize = 64;

/// Fields and values in insertion order; a set keeps empty values.
#[derive(Debug, Default)]
pub(crate) struct OrderedMap {
    entries: Vec<(Bytes, Bytes)>,
    index: Option<HashMap<Bytes, usize>>,
}

impl OrderedMap {
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn position(&self, field: &[u8]) -> Option<usize> {
        match &self.index {
            Some(index) => index.get(field).copied(),
            None => self.entries.iter().position(|(f, _)| &**f == field),
        }
    }

    pub(crate) fn get(&self, field: &[u8]) -> Option<&[u8]> {
        self.position(field).map(|at| &*self.entries[at].1)
    }

    pub(crate) fn contains(&self, field: &[u8]) -> bool {
        self.position(field).is_some()
    }

    /// Sets `field`; returns whether it is new.
    pub(crate) fn insert(&mut self, field: &[u8], value: &[u8]) -> bool {
        if let Some(at) = self.position(field) {
            self.entries[at].1 = value.into();
            return false;
        }
        if let Some(index) = &mut self.index {
            index.insert(field.into(), self.entries.len());
        }
        self.entries.push((field.into(), value.into()));
        if self.index.is_none() && self.entries.len() > INDEX_FROM {
            self.index = Some(
                self.entries
                    .iter()
                    .enumerate()
                    .map(|(at, (field, _))| (field.clone(), at))
                    .collect(),
            );
        }
        true
    }

    /// Removes `field`; returns whether it was there.
    pub(crate) fn remove(&mut self, field: &[u8]) -> bool {
        let Some(at) = self.position(field) else {
            return false;
        };
        match &mut self.index {
            None => {
                self.entries.remove(at);
            }
            Some(index) => {
                index.remove(field);
                self.entries.swap_remove(at);
                if let Some((moved, _)) = self.entries.get(at) {
                    index.insert(moved.clone(), at);
                }
            }
        }
        true
    }

    pub(crate) fn iter(&self) -> impl ExactSizeIterator<Item = (&[u8], &[u8])> {
        self.entries.iter().map(|(f, v)| (&**f, &**v))
    }

    /// Members in the order `SMEMBERS` gives them: numerically when every
    /// member is an integer (Redis keeps those in a sorted intset).
    pub(crate) fn members(&self) -> Vec<&[u8]> {
        let mut members: Vec<&[u8]> = self.entries.iter().map(|(f, _)| &**f).collect();
        if members.len() <= 512 {
            let numbers: Option<Vec<i64>> = members.iter().map(|m| parse_i64(m)).collect();
            if let Some(numbers) = numbers {
                let mut pairs: Vec<(i64, &[u8])> = numbers.into_iter().zip(members).collect();
                pairs.sort_by_key(|(n, _)| *n);
                members = pairs.into_iter().map(|(_, m)| m).collect();
            }
        }
        members
    }
}

/// A score with the total order sorted sets need (no NaN is ever stored).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Score(pub f64);

impl Eq for Score {}

impl PartialOrd for Score {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Score {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.total_cmp(&other.0)
    }
}

#[derive(Debug, Default)]
pub(crate) struct ZSet {
    by_score: BTreeSet<(Score, Bytes)>,
    scores: HashMap<Bytes, f64>,
}

impl ZSet {
    pub(crate) fn len(&self) -> usize {
        self.scores.len()
    }

    pub(crate) fn score(&self, member: &[u8]) -> Option<f64> {
        self.scores.get(member).copied()
    }

    /// Sets `member`'s score; returns whether it is new.
    pub(crate) fn insert(&mut self, member: &[u8], score: f64) -> bool {
        match self.scores.get_mut(member) {
            Some(old) => {
                if *old != score {
                    self.by_score.remove(&(Score(*old), member.into()));
                    self.by_score.insert((Score(score), member.into()));
                    *old = score;
                }
                false
            }
            None => {
                self.scores.insert(member.into(), score);
                self.by_score.insert((Score(score), member.into()));
                true
            }
        }
    }

    pub(crate) fn remove(&mut self, member: &[u8]) -> bool {
        match self.scores.remove(member) {
            Some(score) => {
                self.by_score.remove(&(Score(score), member.into()));
                true
            }
            None => false,
        }
    }

    /// Members by rank, lowest score first.
    pub(crate) fn iter(&self) -> impl DoubleEndedIterator<Item = (&[u8], f64)> + ExactSizeIterator {
        self.by_score
            .iter()
            .map(|(score, member)| (&**member, score.0))
    }
}

pub(crate) use resp_core::parse_integer as parse_i64;

/// Redis's `strtold`-based float parsing for scores and increments: a
/// decimal or exponent number, `inf`, `+inf`, `-inf`; never NaN, no spaces.
pub(crate) fn parse_f64(text: &[u8]) -> Option<f64> {
    let text = std::str::from_utf8(text).ok()?;
    if text.is_empty()
        || text.starts_with(char::is_whitespace)
        || text.ends_with(char::is_whitespace)
    {
        return None;
    }
    let value: f64 = match text.to_ascii_lowercase().as_str() {
        "inf" | "+inf" | "infinity" | "+infinity" => f64::INFINITY,
        "-inf" | "-infinity" => f64::NEG_INFINITY,
        other if other.contains("inf") || other.contains("nan") => return None,
        other => other.parse().ok()?,
    };
    (!value.is_nan()).then_some(value)
}
