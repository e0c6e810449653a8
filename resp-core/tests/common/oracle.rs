//! An obviously-correct recursive RESP decoder written with nom, independent
//! of the Reader, to check the Decoder against on valid input. The `oracle`
//! fuzz target includes this file too.
#![allow(dead_code)]

use nom::bytes::complete::{tag, take, take_until};
use nom::{IResult, Parser};
use resp_core::Payload;
use resp_core::{Attributed, Frame, NullKind};

type Res<'a, T> = IResult<&'a [u8], T>;

fn line(i: &[u8]) -> Res<'_, &[u8]> {
    let (i, content) = take_until(&b"\r\n"[..]).parse(i)?;
    let (i, _) = tag(&b"\r\n"[..]).parse(i)?;
    Ok((i, content))
}

fn number(i: &[u8]) -> Res<'_, i64> {
    let (rest, content) = line(i)?;
    let parsed = std::str::from_utf8(content)
        .ok()
        .and_then(|s| s.parse().ok());
    match parsed {
        Some(n) => Ok((rest, n)),
        None => Err(nom::Err::Error(nom::error::Error::new(
            i,
            nom::error::ErrorKind::Digit,
        ))),
    }
}

fn payload(i: &[u8], len: i64) -> Res<'_, Payload> {
    let (i, data) = take(len as usize).parse(i)?;
    let (i, _) = tag(&b"\r\n"[..]).parse(i)?;
    Ok((i, Payload::copy_from_slice(data)))
}

fn elements(mut i: &[u8], count: Option<i64>) -> Res<'_, Vec<Frame>> {
    let mut items = Vec::new();
    loop {
        match count {
            Some(n) if items.len() as i64 == n => return Ok((i, items)),
            None if i.starts_with(b".\r\n") => return Ok((&i[3..], items)),
            _ => {}
        }
        let (rest, item) = frame(i)?;
        items.push(item);
        i = rest;
    }
}

fn pairs(i: &[u8], count: Option<i64>) -> Res<'_, Vec<(Frame, Frame)>> {
    let (i, mut flat) = elements(i, count.map(|n| 2 * n))?;
    let mut pairs = Vec::new();
    while !flat.is_empty() {
        let mut two = flat.drain(..2);
        let key = two.next().unwrap();
        let value = two.next().unwrap();
        drop(two);
        pairs.push((key, value));
    }
    Ok((i, pairs))
}

fn count(i: &[u8]) -> Res<'_, Option<i64>> {
    if let Ok((rest, _)) = tag::<_, _, nom::error::Error<&[u8]>>(&b"?\r\n"[..]).parse(i) {
        return Ok((rest, None));
    }
    let (i, n) = number(i)?;
    Ok((i, Some(n)))
}

/// Parses one frame.
/// RESP3's double grammar, `[sign] digits [. digits] [(e|E) [sign] digits]`
/// or one of the words, written as nom combinators.
fn double(content: &[u8]) -> Option<f64> {
    use nom::character::complete::{digit1, one_of};
    use nom::combinator::{all_consuming, opt, recognize};
    use nom::sequence::{pair, preceded};
    match content {
        b"inf" => return Some(f64::INFINITY),
        b"-inf" => return Some(f64::NEG_INFINITY),
        b"nan" | b"-nan" => return Some(f64::NAN),
        _ => {}
    }
    let text = std::str::from_utf8(content).ok()?;
    let sign = || opt(one_of::<&str, _, nom::error::Error<&str>>("+-"));
    let mut number = all_consuming(recognize((
        sign(),
        digit1,
        opt(preceded(tag("."), digit1)),
        opt(pair(one_of("eE"), pair(sign(), digit1))),
    )));
    let (_, number) = number.parse(text).ok()?;
    number.parse().ok()
}

pub(crate) fn frame(i: &[u8]) -> Res<'_, Frame> {
    let (i, type_byte) = take(1usize).parse(i)?;
    let text = |content: &[u8]| Payload::copy_from_slice(content);
    match type_byte[0] {
        b'+' => line.map(|l| Frame::SimpleString(text(l))).parse(i),
        b'-' => line.map(|l| Frame::SimpleError(text(l))).parse(i),
        b'(' => line.map(|l| Frame::BigNumber(text(l))).parse(i),
        b':' => number.map(Frame::Integer).parse(i),
        b'_' => line.map(|_| Frame::Null(NullKind::Null)).parse(i),
        b'#' => line.map(|l| Frame::Boolean(l == b"t")).parse(i),
        b',' => {
            let (rest, content) = line(i)?;
            match double(content) {
                Some(value) => Ok((rest, Frame::Double(value))),
                None => Err(nom::Err::Error(nom::error::Error::new(
                    i,
                    nom::error::ErrorKind::Float,
                ))),
            }
        }
        b'$' => {
            let (i, len) = count(i)?;
            match len {
                Some(-1) => Ok((i, Frame::Null(NullKind::Bulk))),
                Some(len) => payload(i, len).map(|(i, data)| (i, Frame::BulkString(data))),
                None => {
                    let mut joined = Vec::new();
                    let mut i = i;
                    loop {
                        let (rest, _) = tag(&b";"[..]).parse(i)?;
                        let (rest, len) = number(rest)?;
                        if len == 0 {
                            return Ok((rest, Frame::StreamedString(joined.into())));
                        }
                        let (rest, chunk) = payload(rest, len)?;
                        joined.extend_from_slice(&chunk);
                        i = rest;
                    }
                }
            }
        }
        b'!' => {
            let (i, len) = number(i)?;
            payload(i, len).map(|(i, data)| (i, Frame::BulkError(data)))
        }
        b'=' => {
            let (i, len) = number(i)?;
            let (i, data) = payload(i, len)?;
            let format = [data[0], data[1], data[2]];
            Ok((
                i,
                Frame::Verbatim {
                    format,
                    text: data.slice(4..),
                },
            ))
        }
        b'*' => {
            let (i, len) = count(i)?;
            match len {
                Some(-1) => Ok((i, Frame::Null(NullKind::Array))),
                Some(_) => elements(i, len).map(|(i, items)| (i, Frame::Array(items))),
                None => elements(i, None).map(|(i, items)| (i, Frame::StreamedArray(items))),
            }
        }
        b'~' => {
            let (i, len) = count(i)?;
            let (i, items) = elements(i, len)?;
            Ok((
                i,
                if len.is_some() {
                    Frame::Set(items)
                } else {
                    Frame::StreamedSet(items)
                },
            ))
        }
        b'>' => {
            let (i, len) = number(i)?;
            elements(i, Some(len)).map(|(i, items)| (i, Frame::Push(items)))
        }
        b'%' => {
            let (i, len) = count(i)?;
            let (i, pairs) = pairs(i, len)?;
            Ok((
                i,
                if len.is_some() {
                    Frame::Map(pairs)
                } else {
                    Frame::StreamedMap(pairs)
                },
            ))
        }
        b'|' => {
            let (i, len) = number(i)?;
            let (i, attribute) = pairs(i, Some(len))?;
            let (i, value) = frame(i)?;
            Ok((i, attach(vec![attribute], value)))
        }
        _ => Err(nom::Err::Error(nom::error::Error::new(
            i,
            nom::error::ErrorKind::Tag,
        ))),
    }
}

/// Parses frames until the input is used up.
pub(crate) fn frames(mut i: &[u8]) -> Vec<Frame> {
    let mut out = Vec::new();
    while !i.is_empty() {
        let (rest, frame) = frame(i).expect("the oracle only sees valid input");
        out.push(frame);
        i = rest;
    }
    out
}

/// Attaches attributes to a value, merging a run as the decoder does.
pub(crate) fn attach(mut attributes: Vec<Vec<(Frame, Frame)>>, mut value: Frame) -> Frame {
    if let Frame::Attributed(inner) = &mut value {
        attributes.append(&mut inner.attributes);
        let value = std::mem::replace(&mut inner.value, Frame::Integer(0));
        return Frame::Attributed(Box::new(Attributed { attributes, value }));
    }
    Frame::Attributed(Box::new(Attributed { attributes, value }))
}
