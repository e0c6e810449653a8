//! One JSON object per frame, with bytes as lowercase hex so any payload is safe.

use resp_core::{Frame, NullKind, Visit};
use std::fmt::Write;

/// What has been written inside one open JSON container.
enum Open {
    /// An array-like `v` list: elements so far.
    Items(usize),
    /// A map's or attribute's pair list: keys and values so far.
    Pairs(usize),
    /// An attributed value: attributes so far.
    Attributes(usize),
}

/// Renders a top-level frame as one line of JSON (without the newline).
pub(crate) fn frame_json(frame: &Frame) -> String {
    let mut out = String::new();
    let mut open: Vec<Open> = Vec::new();
    // Set when an attributed value's object is already open, holding its attrs.
    let mut object_open = false;
    for visit in frame.walk() {
        match visit {
            Visit::Leaf(frame) => {
                before_child(&mut out, &mut open, &mut object_open, false);
                leaf(&mut out, frame);
                out.push('}');
                after_child(&mut out, &open);
            }
            Visit::Open(Frame::Attributed(_)) => {
                before_child(&mut out, &mut open, &mut object_open, false);
                out.push_str("\"attrs\":[");
                open.push(Open::Attributes(0));
            }
            Visit::Open(frame) => {
                before_child(&mut out, &mut open, &mut object_open, false);
                let (t, state) = match frame {
                    Frame::Map(_) | Frame::StreamedMap(_) => ("map", Open::Pairs(0)),
                    Frame::Set(_) | Frame::StreamedSet(_) => ("set", Open::Items(0)),
                    Frame::Push(_) => ("push", Open::Items(0)),
                    _ => ("array", Open::Items(0)),
                };
                let _ = write!(out, "\"t\":\"{t}\",\"v\":[");
                open.push(state);
            }
            // The value closed the object and ended the pair if it was in one.
            Visit::Close(Frame::Attributed(_)) => {}
            Visit::Close(frame) => {
                open.pop();
                out.push(']');
                if matches!(
                    frame,
                    Frame::StreamedArray(_) | Frame::StreamedMap(_) | Frame::StreamedSet(_)
                ) {
                    out.push_str(",\"streamed\":true");
                }
                out.push('}');
                after_child(&mut out, &open);
            }
            Visit::OpenAttribute(_) => {
                before_child(&mut out, &mut open, &mut object_open, true);
                out.push('[');
                open.push(Open::Pairs(0));
            }
            Visit::CloseAttribute => {
                open.pop();
                out.push(']');
            }
        }
    }
    out
}

/// Separators and the opening `{` before a child; an attributed value's own
/// object was opened by its attributes, which end here.
fn before_child(out: &mut String, open: &mut Vec<Open>, object_open: &mut bool, attribute: bool) {
    match open.last_mut() {
        Some(Open::Items(count)) => {
            if *count > 0 {
                out.push(',');
            }
            *count += 1;
        }
        Some(Open::Pairs(count)) => {
            out.push_str(match (*count % 2, *count) {
                (0, 0) => "[",
                (0, _) => ",[",
                _ => ",",
            });
            *count += 1;
        }
        Some(Open::Attributes(count)) if attribute => {
            if *count > 0 {
                out.push(',');
            }
            *count += 1;
            return;
        }
        Some(Open::Attributes(_)) => {
            // The value: close the attrs list and continue the same object.
            open.pop();
            out.push_str("],");
            *object_open = true;
        }
        None => {}
    }
    if attribute {
        return;
    }
    if *object_open {
        *object_open = false;
    } else {
        out.push('{');
    }
}

fn after_child(out: &mut String, open: &[Open]) {
    if let Some(Open::Pairs(count)) = open.last() {
        if count % 2 == 0 {
            out.push(']');
        }
    }
}

fn leaf(out: &mut String, frame: &Frame) {
    let _ = match frame {
        Frame::SimpleString(b) => write!(out, "\"t\":\"simple\",\"v_hex\":\"{}\"", hex(b)),
        Frame::SimpleError(b) => write!(out, "\"t\":\"error\",\"v_hex\":\"{}\"", hex(b)),
        Frame::Integer(n) => write!(out, "\"t\":\"int\",\"v\":\"{n}\""),
        Frame::BulkString(b) => write!(out, "\"t\":\"bulk\",\"v_hex\":\"{}\"", hex(b)),
        Frame::StreamedString(b) => {
            write!(
                out,
                "\"t\":\"bulk\",\"v_hex\":\"{}\",\"streamed\":true",
                hex(b)
            )
        }
        Frame::BulkError(b) => write!(out, "\"t\":\"blob_error\",\"v_hex\":\"{}\"", hex(b)),
        Frame::Verbatim { format, text } => write!(
            out,
            "\"t\":\"verbatim\",\"format\":{},\"v_hex\":\"{}\"",
            json_string(format),
            hex(text)
        ),
        Frame::Double(d) => write!(
            out,
            "\"t\":\"double\",\"v\":{}",
            json_string(&double_text(*d))
        ),
        Frame::Boolean(b) => write!(out, "\"t\":\"bool\",\"v\":{b}"),
        Frame::BigNumber(b) => write!(out, "\"t\":\"bignum\",\"v\":{}", json_string(b)),
        Frame::Null(kind) => write!(
            out,
            "\"t\":\"null\",\"kind\":\"{}\"",
            match kind {
                NullKind::Null => "null",
                NullKind::Bulk => "bulk",
                NullKind::Array => "array",
            }
        ),
        _ => Ok(()),
    };
}

/// The canonical RESP3 text of a double, as the encoder writes it.
pub(crate) fn double_text(d: f64) -> Vec<u8> {
    let wire = Frame::Double(d).encode_to_vec().unwrap_or_default();
    wire.get(1..wire.len().saturating_sub(2))
        .unwrap_or_default()
        .to_vec()
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        let _ = write!(out, "{byte:02x}");
    }
    out
}

/// A JSON string of bytes read as Latin-1, so every byte survives.
pub(crate) fn json_string(bytes: &[u8]) -> String {
    let mut out = String::from("\"");
    for &byte in bytes {
        match byte {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            0x20..=0x7e => out.push(byte as char),
            _ => {
                let _ = write!(out, "\\u{byte:04x}");
            }
        }
    }
    out.push('"');
    out
}
