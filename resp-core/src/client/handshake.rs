//! [`Handshake`]: a connection's setup, one command at a time: `HELLO 3`
//! with the credentials and name, falling back to RESP2's `AUTH` and
//! `CLIENT SETNAME` when the server has no RESP3, then `SELECT`.

use super::config::ConnectionConfig;
use crate::encode::pack_command;
use crate::frame::Frame;
use crate::hello::{Hello, ServerHello};
use crate::protocol::Protocol;
use alloc::string::String;
use alloc::vec::Vec;
use bytes::Bytes;
use core::fmt;

/// Sets a connection up as its [`ConnectionConfig`] says, as a sans-IO
/// state machine: send what [`request`](Self::request) gives, feed the
/// reply to [`reply`](Self::reply), until there is nothing left to send.
///
/// With RESP3 asked for, it sends `HELLO 3` with `AUTH` and `SETNAME`.
/// A server that answers `NOPROTO`, or does not know `HELLO` (Redis before
/// 6, or a server that renamed it), is set up the RESP2 way instead:
/// `AUTH`, `CLIENT SETNAME`. Then `SELECT`, when the database is not 0.
/// Any other error reply (wrong password, …) ends the setup with that error.
///
/// ```
/// use resp_core::{ConnectionConfig, Frame, Handshake, Protocol};
///
/// let config: ConnectionConfig = "redis://:secret@host/2".parse().unwrap();
/// let mut setup = Handshake::new(&config);
///
/// // The server has no RESP3.
/// assert_eq!(setup.request().unwrap(), b"*5\r\n$5\r\nHELLO\r\n$1\r\n3\r\n$4\r\nAUTH\r\n$7\r\ndefault\r\n$6\r\nsecret\r\n");
/// setup.reply(Frame::SimpleError("ERR unknown command 'HELLO'".into())).unwrap();
/// assert_eq!(setup.request().unwrap(), b"*2\r\n$4\r\nAUTH\r\n$6\r\nsecret\r\n");
/// setup.reply(Frame::SimpleString("OK".into())).unwrap();
/// assert_eq!(setup.request().unwrap(), b"*2\r\n$6\r\nSELECT\r\n$1\r\n2\r\n");
/// setup.reply(Frame::SimpleString("OK".into())).unwrap();
/// assert_eq!(setup.request(), None);
/// assert_eq!(setup.protocol(), Protocol::Resp2);
/// ```
#[derive(Debug, Clone)]
pub struct Handshake {
    username: Option<String>,
    password: Option<String>,
    client_name: Option<String>,
    db: u32,
    step: Step,
    protocol: Protocol,
    hello: Option<ServerHello>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Hello,
    Auth,
    SetName,
    Select,
    Done,
}

impl Handshake {
    /// The setup `config` asks for.
    pub fn new(config: &ConnectionConfig) -> Self {
        let mut handshake = Self {
            username: config.username.clone(),
            password: config.password.clone(),
            client_name: config.client_name.clone(),
            db: config.db,
            step: Step::Hello,
            protocol: Protocol::Resp2,
            hello: None,
        };
        if config.protocol == Protocol::Resp2 {
            handshake.step = Step::Auth;
            handshake.skip_needless();
        }
        handshake
    }

    /// The next command to send, packed; `None` once the setup is done.
    pub fn request(&self) -> Option<Vec<u8>> {
        let mut out = Vec::new();
        match self.step {
            Step::Hello => {
                let mut hello = Hello::new(Protocol::Resp3);
                if let Some(password) = &self.password {
                    let username = self.username.as_deref().unwrap_or("default");
                    hello = hello.with_auth(username.as_bytes(), password.as_bytes());
                }
                if let Some(name) = &self.client_name {
                    hello = hello.with_client_name(name.as_bytes());
                }
                pack_command(&mut out, hello);
            }
            Step::Auth => match (&self.username, &self.password) {
                (Some(username), Some(password)) => {
                    pack_command(&mut out, ["AUTH", username.as_str(), password.as_str()]);
                }
                (None, Some(password)) => pack_command(&mut out, ["AUTH", password.as_str()]),
                _ => return None,
            },
            Step::SetName => {
                pack_command(
                    &mut out,
                    ["CLIENT", "SETNAME", self.client_name.as_deref()?],
                );
            }
            Step::Select => pack_command(&mut out, ("SELECT", i64::from(self.db))),
            Step::Done => return None,
        }
        Some(out)
    }

    /// Takes the reply to the last [`request`](Self::request).
    pub fn reply(&mut self, frame: Frame) -> Result<(), HandshakeError> {
        let step = self.step;
        if frame.is_error() {
            let text = frame
                .as_bytes()
                .map(Bytes::copy_from_slice)
                .unwrap_or_default();
            let refused_hello = text.starts_with(b"NOPROTO")
                || (text.starts_with(b"ERR")
                    && text
                        .windows(15)
                        .any(|w| w.eq_ignore_ascii_case(b"unknown command")));
            if step == Step::Hello && refused_hello {
                self.advance(Step::Auth);
                return Ok(());
            }
            self.step = Step::Done;
            return Err(HandshakeError::Refused {
                command: step.command(),
                reply: text,
            });
        }
        match step {
            Step::Hello => {
                let hello = ServerHello::from_frame(frame).map_err(|_| HandshakeError::BadHello)?;
                self.protocol = hello.protocol;
                self.hello = Some(hello);
                // Credentials and the name went with HELLO.
                self.advance(Step::Select);
            }
            Step::Auth => self.advance(Step::SetName),
            Step::SetName => self.advance(Step::Select),
            Step::Select => self.advance(Step::Done),
            Step::Done => return Err(HandshakeError::Unexpected),
        }
        Ok(())
    }

    fn advance(&mut self, step: Step) {
        self.step = step;
        self.skip_needless();
    }

    /// Skips the steps this configuration does not need.
    fn skip_needless(&mut self) {
        loop {
            let needless = match self.step {
                Step::Auth => self.password.is_none(),
                Step::SetName => self.client_name.is_none(),
                Step::Select => self.db == 0,
                Step::Hello | Step::Done => false,
            };
            if !needless {
                return;
            }
            self.step = match self.step {
                Step::Auth => Step::SetName,
                Step::SetName => Step::Select,
                _ => Step::Done,
            };
        }
    }

    /// Whether nothing is left to send.
    pub fn is_done(&self) -> bool {
        self.step == Step::Done
    }

    /// The protocol the connection speaks once set up.
    pub fn protocol(&self) -> Protocol {
        self.protocol
    }

    /// The server's `HELLO` reply, when it gave one.
    pub fn server(&self) -> Option<&ServerHello> {
        self.hello.as_ref()
    }
}

impl Step {
    fn command(self) -> &'static str {
        match self {
            Self::Hello => "HELLO",
            Self::Auth => "AUTH",
            Self::SetName => "CLIENT SETNAME",
            Self::Select => "SELECT",
            Self::Done => "",
        }
    }
}

/// Why a connection could not be set up.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum HandshakeError {
    /// The server refused a setup command (a wrong password, a database
    /// out of range, …), with its error text.
    Refused {
        /// The command refused.
        command: &'static str,
        /// The server's error.
        reply: Bytes,
    },
    /// The `HELLO` reply did not say which protocol the connection speaks.
    BadHello,
    /// A reply came when nothing was asked.
    Unexpected,
}

impl fmt::Display for HandshakeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Refused { command, reply } => {
                write!(f, "{command} refused: {}", reply.escape_ascii())
            }
            Self::BadHello => f.write_str("the HELLO reply does not name a protocol"),
            Self::Unexpected => f.write_str("a reply came after the setup was done"),
        }
    }
}

impl core::error::Error for HandshakeError {}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    fn ok() -> Frame {
        Frame::SimpleString("OK".into())
    }

    fn hello_reply(protocol: i64) -> Frame {
        Frame::Map(vec![(Frame::from("proto"), Frame::Integer(protocol))])
    }

    fn commands(
        config: &str,
        replies: Vec<Frame>,
    ) -> (Vec<Vec<u8>>, Result<Protocol, HandshakeError>) {
        let mut setup = Handshake::new(&config.parse().unwrap());
        let mut sent = Vec::new();
        for reply in replies {
            let Some(request) = setup.request() else {
                break;
            };
            sent.push(request);
            if let Err(error) = setup.reply(reply) {
                return (sent, Err(error));
            }
        }
        assert!(setup.is_done() || setup.request().is_some());
        (sent, Ok(setup.protocol()))
    }

    fn packed(args: &[&str]) -> Vec<u8> {
        let mut out = Vec::new();
        pack_command(&mut out, args);
        out
    }

    #[test]
    fn resp3_in_one_hello() {
        let (sent, protocol) = commands("redis://u:p@h/0?client_name=app", vec![hello_reply(3)]);
        assert_eq!(
            sent,
            [packed(&["HELLO", "3", "AUTH", "u", "p", "SETNAME", "app"])]
        );
        assert_eq!(protocol, Ok(Protocol::Resp3));
        let (sent, _) = commands("redis://h/4", vec![hello_reply(3), ok()]);
        assert_eq!(sent, [packed(&["HELLO", "3"]), packed(&["SELECT", "4"])]);
    }

    #[test]
    fn noproto_falls_back_to_resp2_commands() {
        let noproto = Frame::SimpleError("NOPROTO unsupported protocol version".into());
        let (sent, protocol) =
            commands("redis://u:p@h/1?name=app", vec![noproto, ok(), ok(), ok()]);
        assert_eq!(
            sent,
            [
                packed(&["HELLO", "3", "AUTH", "u", "p", "SETNAME", "app"]),
                packed(&["AUTH", "u", "p"]),
                packed(&["CLIENT", "SETNAME", "app"]),
                packed(&["SELECT", "1"]),
            ]
        );
        assert_eq!(protocol, Ok(Protocol::Resp2));
    }

    #[test]
    fn resp2_asked_for_sends_no_hello() {
        let (sent, protocol) = commands("redis://:p@h?protocol=2", vec![ok()]);
        assert_eq!(sent, [packed(&["AUTH", "p"])]);
        assert_eq!(protocol, Ok(Protocol::Resp2));
        let setup = Handshake::new(&"redis://h?protocol=2".parse().unwrap());
        assert!(setup.is_done() && setup.request().is_none());
    }

    #[test]
    fn other_errors_end_the_setup() {
        let wrong = Frame::SimpleError(
            "WRONGPASS invalid username-password pair or user is disabled.".into(),
        );
        let (_, result) = commands("redis://:bad@h", vec![wrong]);
        assert_eq!(
            result,
            Err(HandshakeError::Refused {
                command: "HELLO",
                reply: "WRONGPASS invalid username-password pair or user is disabled.".into()
            })
        );
        let range = Frame::SimpleError("ERR DB index is out of range".into());
        let (_, result) = commands("redis://h/99", vec![hello_reply(3), range]);
        assert!(matches!(
            result,
            Err(HandshakeError::Refused {
                command: "SELECT",
                ..
            })
        ));
        let (_, result) = commands("redis://h", vec![Frame::Integer(1)]);
        assert_eq!(result, Err(HandshakeError::BadHello));
    }
}
