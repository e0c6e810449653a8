//! The `HELLO` reply: who the server is, and the protocol now spoken.

use crate::encode::ReplyWriter;

use crate::error::EncodeError;

use crate::frame::Frame;

use crate::protocol::Protocol;
use alloc::vec::Vec;
use bytes::{BufMut, Bytes};
use core::fmt;

/// What a server says in its `HELLO` reply: a map in RESP3, the same pairs
/// as a flat array in RESP2.
///
/// Only `proto` is required when reading; servers that leave out the others
/// or add their own are read all the same.
///
/// ```
/// use resp_core::{Frame, Protocol, ServerHello};
///
/// let reply = Frame::Map(vec![
///     (Frame::from("server"), Frame::from("redis")),
///     (Frame::from("proto"), Frame::Integer(3)),
///     (Frame::from("id"), Frame::Integer(7)),
/// ]);
/// let hello = ServerHello::from_frame(reply).unwrap();
/// assert_eq!(hello.protocol, Protocol::Resp3);
/// assert_eq!(hello.server.as_deref(), Some(&b"redis"[..]));
/// assert_eq!(hello.id, Some(7));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ServerHello {
    /// The protocol the connection speaks from now on.
    pub protocol: Protocol,
    /// The server software, such as `redis`.
    pub server: Option<Bytes>,
    /// Its version, such as `7.0.15`.
    pub version: Option<Bytes>,
    /// The connection's id, as `CLIENT ID` gives it.
    pub id: Option<i64>,
    /// `standalone`, `sentinel` or `cluster`.
    pub mode: Option<Bytes>,
    /// `master` or `replica`.
    pub role: Option<Bytes>,
    /// Loaded modules, each as the server describes it.
    pub modules: Vec<Frame>,
}

impl ServerHello {
    /// A reply announcing `protocol` and nothing else, to fill in.
    pub fn new(protocol: Protocol) -> Self {
        Self {
            protocol,
            server: None,
            version: None,
            id: None,
            mode: None,
            role: None,
            modules: Vec::new(),
        }
    }

    /// Reads a decoded `HELLO` reply. An error reply (a refused version,
    /// wrong credentials) comes back as [`HelloReplyError::Rejected`].
    pub fn from_frame(frame: Frame) -> Result<Self, HelloReplyError> {
        if frame.is_error() {
            return Err(HelloReplyError::Rejected(
                frame.into_bytes().unwrap_or_default(),
            ));
        }
        // A map in RESP3, the same pairs flattened into an array in RESP2.
        let pairs = crate::convert::pairs(frame).map_err(|_| HelloReplyError::NotAMap)?;
        let mut protocol = None;
        let mut hello = Self::new(Protocol::default());
        for (key, value) in pairs {
            let Some(key) = key.as_bytes() else {
                continue;
            };
            let bad = || HelloReplyError::BadField(field_name(key));
            match key {
                b"proto" => {
                    protocol = Some(match value.value() {
                        Frame::Integer(2) => Protocol::Resp2,
                        Frame::Integer(3) => Protocol::Resp3,
                        _ => return Err(bad()),
                    });
                }
                b"id" => match value.value() {
                    Frame::Integer(id) => hello.id = Some(*id),
                    _ => return Err(bad()),
                },
                b"modules" => hello.modules = value.into_items().map_err(|_| bad())?,
                b"server" | b"version" | b"mode" | b"role" => {
                    let text = Some(value.into_bytes().map_err(|_| bad())?);
                    match key {
                        b"server" => hello.server = text,
                        b"version" => hello.version = text,
                        b"mode" => hello.mode = text,
                        _ => hello.role = text,
                    }
                }
                // Servers add fields of their own; they are not ours to judge.
                _ => {}
            }
        }
        hello.protocol = protocol.ok_or(HelloReplyError::MissingProtocol)?;
        Ok(hello)
    }

    /// Writes the reply as Redis does: the fields present, in Redis's
    /// order, as a map that a RESP2 writer flattens into an array.
    ///
    /// ```
    /// use bytes::Bytes;
    /// use resp_core::{Protocol, ReplyWriter, ServerHello};
    ///
    /// let mut hello = ServerHello::new(Protocol::Resp3);
    /// hello.server = Some(Bytes::from_static(b"redis"));
    /// let mut writer = ReplyWriter::new(Vec::new(), Protocol::Resp3);
    /// hello.write(&mut writer).unwrap();
    /// assert_eq!(
    ///     writer.into_inner(),
    ///     b"%3\r\n$6\r\nserver\r\n$5\r\nredis\r\n$5\r\nproto\r\n:3\r\n$7\r\nmodules\r\n*0\r\n"
    /// );
    /// ```
    pub fn write<B: BufMut>(&self, out: &mut ReplyWriter<B>) -> Result<(), EncodeError> {
        let version = match self.protocol {
            Protocol::Resp2 => 2,
            Protocol::Resp3 => 3,
        };
        let fields = [
            ("server", self.server.as_ref().map(FieldValue::Text)),
            ("version", self.version.as_ref().map(FieldValue::Text)),
            ("proto", Some(FieldValue::Integer(version))),
            ("id", self.id.map(FieldValue::Integer)),
            ("mode", self.mode.as_ref().map(FieldValue::Text)),
            ("role", self.role.as_ref().map(FieldValue::Text)),
        ];
        let present = fields.iter().filter(|(_, value)| value.is_some()).count();
        out.map(present + 1);
        for (name, value) in fields {
            let Some(value) = value else {
                continue;
            };
            out.bulk(name);
            match value {
                FieldValue::Text(text) => out.bulk(text),
                FieldValue::Integer(n) => out.integer(n),
            }
        }
        out.bulk("modules");
        out.array(self.modules.len());
        self.modules.iter().try_for_each(|module| out.frame(module))
    }
}

/// A field's value as [`ServerHello::write`] sends it.
enum FieldValue<'a> {
    Text(&'a Bytes),
    Integer(i64),
}

/// The static name of a known field, for errors.
fn field_name(key: &[u8]) -> &'static str {
    [
        "proto", "id", "modules", "server", "version", "mode", "role",
    ]
    .into_iter()
    .find(|name| name.as_bytes() == key)
    .unwrap_or("?")
}

/// Why a `HELLO` reply could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HelloReplyError {
    /// The server refused the request; this is its error text, such as
    /// `NOPROTO unsupported protocol version` or `WRONGPASS ...`.
    Rejected(Bytes),
    /// Neither a map nor an array of key/value pairs.
    NotAMap,
    /// No `proto` field, so the protocol now spoken is unknown.
    MissingProtocol,
    /// A known field with a value of the wrong type (or, for `proto`, a
    /// version other than 2 or 3).
    BadField(&'static str),
}

impl fmt::Display for HelloReplyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Rejected(text) => write!(f, "HELLO refused: {}", text.escape_ascii()),
            Self::NotAMap => f.write_str("HELLO reply is not a map"),
            Self::MissingProtocol => f.write_str("HELLO reply has no proto field"),
            Self::BadField(name) => write!(f, "HELLO reply field {name} has the wrong type"),
        }
    }
}

impl core::error::Error for HelloReplyError {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::payload::Payload;
    use alloc::vec;

    fn text(s: &'static str) -> Frame {
        Frame::BulkString(Payload::from_static(s.as_bytes()))
    }

    fn redis_like(protocol: i64) -> Vec<(Frame, Frame)> {
        vec![
            (text("server"), text("redis")),
            (text("version"), text("7.0.15")),
            (text("proto"), Frame::Integer(protocol)),
            (text("id"), Frame::Integer(12)),
            (text("mode"), text("standalone")),
            (text("role"), text("master")),
            (text("modules"), Frame::Array(vec![])),
        ]
    }

    #[test]
    fn reads_both_protocols_forms() {
        let resp3 = ServerHello::from_frame(Frame::Map(redis_like(3))).unwrap();
        assert_eq!(resp3.protocol, Protocol::Resp3);
        assert_eq!(resp3.version.as_deref(), Some(&b"7.0.15"[..]));
        assert_eq!(resp3.role.as_deref(), Some(&b"master"[..]));
        let flat = redis_like(2)
            .into_iter()
            .flat_map(|(k, v)| [k, v])
            .collect();
        let resp2 = ServerHello::from_frame(Frame::Array(flat)).unwrap();
        assert_eq!(resp2.protocol, Protocol::Resp2);
        assert_eq!(
            (resp2.server, resp2.id, resp2.mode),
            (resp3.server, resp3.id, resp3.mode)
        );
    }

    #[test]
    fn writes_what_it_reads() {
        for protocol in [Protocol::Resp2, Protocol::Resp3] {
            let version = if protocol == Protocol::Resp2 { 2 } else { 3 };
            let hello = ServerHello::from_frame(Frame::Map(redis_like(version))).unwrap();
            let mut writer = ReplyWriter::new(Vec::new(), protocol);
            hello.write(&mut writer).unwrap();
            let decoded = crate::decode_slice(&writer.into_inner(), crate::Limits::default());
            let Ok(crate::Status::Complete((frame, _))) = decoded else {
                panic!("{decoded:?}");
            };
            assert_eq!(ServerHello::from_frame(frame), Ok(hello));
        }
    }

    #[test]
    fn unknown_fields_are_ignored_and_errors_are_typed() {
        let mut pairs = redis_like(3);
        pairs.push((text("availability_zone"), text("eu-1")));
        pairs.push((Frame::Integer(1), Frame::Integer(2)));
        assert!(ServerHello::from_frame(Frame::Map(pairs)).is_ok());

        let refused = Frame::SimpleError(Payload::from_static(
            b"NOPROTO unsupported protocol version",
        ));
        assert_eq!(
            ServerHello::from_frame(refused),
            Err(HelloReplyError::Rejected(Bytes::from_static(
                b"NOPROTO unsupported protocol version"
            )))
        );
        assert_eq!(
            ServerHello::from_frame(Frame::Array(vec![text("proto")])),
            Err(HelloReplyError::NotAMap)
        );
        assert_eq!(
            ServerHello::from_frame(Frame::Integer(3)),
            Err(HelloReplyError::NotAMap)
        );
        assert_eq!(
            ServerHello::from_frame(Frame::Map(vec![(text("server"), text("x"))])),
            Err(HelloReplyError::MissingProtocol)
        );
        for (field, value) in [
            ("proto", Frame::Integer(4)),
            ("proto", text("3")),
            ("id", text("12")),
            ("server", Frame::Integer(1)),
            ("modules", Frame::Integer(0)),
        ] {
            let pairs = vec![(text("proto"), Frame::Integer(3)), (text(field), value)];
            assert_eq!(
                ServerHello::from_frame(Frame::Map(pairs)),
                Err(HelloReplyError::BadField(field))
            );
        }
    }
}
