//! The `HELLO` request: `HELLO [protover [AUTH username password] [SETNAME clientname]]`.

use crate::command::Command;
use crate::encode::Args;
use crate::lex::parse_integer;
use crate::protocol::Protocol;
use bytes::BufMut;
use core::fmt;

/// A `HELLO` request, the command that negotiates the protocol version:
/// what a client sends and reads back, and what a server parses and answers.
///
/// A client packs a [`Hello`], sends it, and reads the reply into a
/// [`ServerHello`](crate::ServerHello), whose [`protocol`](crate::ServerHello::protocol) is what the
/// connection speaks from then on. A server parses the command with
/// [`Hello::parse`], which refuses what Redis refuses with Redis's error
/// texts ([`HelloError`]), and answers with [`ServerHello::write`](crate::ServerHello::write).
///
/// A client builds one and packs it like any command; a server gets one
/// from [`Hello::parse`].
///
/// ```
/// use resp_core::{Hello, Protocol, pack_command};
///
/// let hello = Hello::new(Protocol::Resp3)
///     .with_auth(b"default", b"secret")
///     .with_client_name(b"worker-1");
/// let mut out = Vec::new();
/// pack_command(&mut out, &hello);
/// assert_eq!(
///     out,
///     b"*7\r\n$5\r\nHELLO\r\n$1\r\n3\r\n$4\r\nAUTH\r\n$7\r\ndefault\r\n\
///       $6\r\nsecret\r\n$7\r\nSETNAME\r\n$8\r\nworker-1\r\n"
/// );
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Hello<'a> {
    /// The protocol to switch to. `None` is a bare `HELLO`, which asks for
    /// the server's details without switching; it carries no options (a
    /// server reads the first argument as the version, so it would refuse
    /// them).
    pub protocol: Option<Protocol>,
    /// Authenticates the connection as part of the switch.
    pub auth: Option<Credentials<'a>>,
    /// Names the connection, as `CLIENT SETNAME` does.
    pub client_name: Option<&'a [u8]>,
}

/// The `AUTH` option of `HELLO`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Credentials<'a> {
    /// `default` for servers without ACL users.
    pub username: &'a [u8],
    /// Kept out of `Debug` output.
    pub password: &'a [u8],
}

/// Never prints the password.
impl fmt::Debug for Credentials<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

impl<'a> Hello<'a> {
    /// A request to switch to `protocol`.
    pub fn new(protocol: Protocol) -> Self {
        Self {
            protocol: Some(protocol),
            ..Self::default()
        }
    }

    /// Adds the `AUTH` option.
    pub fn with_auth(mut self, username: &'a [u8], password: &'a [u8]) -> Self {
        self.auth = Some(Credentials { username, password });
        self
    }

    /// Adds the `SETNAME` option.
    pub fn with_client_name(mut self, name: &'a [u8]) -> Self {
        self.client_name = Some(name);
        self
    }

    /// Reads a received `HELLO` command (its name included), refusing what
    /// Redis refuses, in the same order: the version first, then each option.
    ///
    /// ```
    /// use bytes::BytesMut;
    /// use resp_core::{CommandDecoder, Hello, HelloError, Protocol};
    ///
    /// let mut decoder = CommandDecoder::new();
    /// let mut buf = BytesMut::from(&b"HELLO 3 setname app\r\nHELLO 4\r\n"[..]);
    /// let command = decoder.decode(&mut buf).unwrap().unwrap();
    /// let hello = Hello::parse(&command).unwrap();
    /// assert_eq!(hello.protocol, Some(Protocol::Resp3));
    /// assert_eq!(hello.client_name, Some(&b"app"[..]));
    ///
    /// let command = decoder.decode(&mut buf).unwrap().unwrap();
    /// let error = Hello::parse(&command).unwrap_err();
    /// assert_eq!(error, HelloError::UnsupportedProtocol);
    /// assert_eq!(error.to_string(), "NOPROTO unsupported protocol version");
    /// ```
    pub fn parse(command: &Command<'a>) -> Result<Self, HelloError<'a>> {
        let mut args = command.args().skip(1);
        let Some(version) = args.next() else {
            return Ok(Self::default());
        };
        let version = parse_integer(version).ok_or(HelloError::BadProtocolVersion)?;
        let mut hello = Self::new(match version {
            2 => Protocol::Resp2,
            3 => Protocol::Resp3,
            _ => return Err(HelloError::UnsupportedProtocol),
        });
        while let Some(option) = args.next() {
            // An option short of its arguments is a syntax error naming it.
            let remaining = args.len();
            if option.eq_ignore_ascii_case(b"AUTH") && remaining >= 2 {
                if let (Some(username), Some(password)) = (args.next(), args.next()) {
                    hello = hello.with_auth(username, password);
                }
            } else if option.eq_ignore_ascii_case(b"SETNAME") && remaining >= 1 {
                if let Some(name) = args.next() {
                    hello = hello.with_client_name(name);
                }
            } else {
                return Err(HelloError::BadOption(option));
            }
        }
        if let Some(name) = hello.client_name {
            if !name.iter().all(|byte| (b'!'..=b'~').contains(byte)) {
                return Err(HelloError::BadClientName);
            }
        }
        Ok(hello)
    }

    /// Every argument, the command name first.
    fn args(&self) -> impl Iterator<Item = &'a [u8]> {
        let version = self.protocol.map(|protocol| match protocol {
            Protocol::Resp2 => &b"2"[..],
            Protocol::Resp3 => b"3",
        });
        let auth = self
            .auth
            .into_iter()
            .flat_map(|auth| [&b"AUTH"[..], auth.username, auth.password]);
        let name = self
            .client_name
            .into_iter()
            .flat_map(|name| [&b"SETNAME"[..], name]);
        [&b"HELLO"[..]]
            .into_iter()
            .chain(version)
            .chain(auth)
            .chain(name)
    }
}

impl Args for Hello<'_> {
    fn arg_count(&self) -> usize {
        self.args().count()
    }

    fn args_len(&self) -> usize {
        self.args().map(|arg| (arg,).args_len()).sum()
    }

    fn put_args(&self, dst: &mut impl BufMut) {
        for arg in self.args() {
            (arg,).put_args(dst);
        }
    }
}

/// Why a server refuses a `HELLO`. Display prints Redis's reply text, to
/// send as an error (byte for byte when the offending option is ASCII).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HelloError<'a> {
    /// The version is not an integer.
    BadProtocolVersion,
    /// The version is an integer other than 2 or 3.
    UnsupportedProtocol,
    /// An unknown option, or one without all its arguments.
    BadOption(&'a [u8]),
    /// A client name with a space, a control character or a non-ASCII byte.
    BadClientName,
}

impl fmt::Display for HelloError<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::BadProtocolVersion => {
                f.write_str("ERR Protocol version is not an integer or out of range")
            }
            Self::UnsupportedProtocol => f.write_str("NOPROTO unsupported protocol version"),
            Self::BadOption(option) => {
                f.write_str("ERR Syntax error in HELLO option '")?;
                // As Redis prints it: up to a NUL, line breaks as spaces.
                for &byte in option.iter().take_while(|&&byte| byte != 0) {
                    let byte = if matches!(byte, b'\r' | b'\n') {
                        b' '
                    } else {
                        byte
                    };
                    fmt::Write::write_char(f, char::from(byte))?;
                }
                f.write_str("'")
            }
            Self::BadClientName => f.write_str(
                "ERR Client names cannot contain spaces, newlines or special characters.",
            ),
        }
    }
}

impl core::error::Error for HelloError<'_> {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::command::CommandDecoder;
    use crate::encode::pack_command;
    use alloc::string::ToString;
    use alloc::vec::Vec;
    use bytes::BytesMut;

    /// Decodes `args` as a server would receive them, then parses the HELLO.
    fn parsed<R>(args: &[&[u8]], check: impl FnOnce(Result<Hello<'_>, HelloError<'_>>) -> R) -> R {
        let mut wire = Vec::new();
        pack_command(&mut wire, args);
        let mut decoder = CommandDecoder::new();
        let mut buf = BytesMut::from(&wire[..]);
        let command = decoder.decode(&mut buf).unwrap().unwrap();
        check(Hello::parse(&command))
    }

    #[test]
    fn versions() {
        for (version, expected) in [
            (&b"2"[..], Ok(Some(Protocol::Resp2))),
            (b"3", Ok(Some(Protocol::Resp3))),
            (b"4", Err(HelloError::UnsupportedProtocol)),
            (b"-1", Err(HelloError::UnsupportedProtocol)),
            (
                b"-9223372036854775808",
                Err(HelloError::UnsupportedProtocol),
            ),
            (b"9223372036854775808", Err(HelloError::BadProtocolVersion)),
            (b"03", Err(HelloError::BadProtocolVersion)),
            (b"-0", Err(HelloError::BadProtocolVersion)),
            (b"+3", Err(HelloError::BadProtocolVersion)),
            (b"3 ", Err(HelloError::BadProtocolVersion)),
            (b"", Err(HelloError::BadProtocolVersion)),
            (b"three", Err(HelloError::BadProtocolVersion)),
        ] {
            let got = parsed(&[b"HELLO", version], |hello| {
                hello.map(|h| h.protocol).map_err(|e| e.to_string())
            });
            assert_eq!(got, expected.map_err(|e| e.to_string()), "{version:?}");
        }
        assert!(parsed(&[b"hello"], |hello| hello == Ok(Hello::default())));
    }

    #[test]
    fn options_in_any_case_and_order() {
        let hello = parsed(
            &[
                b"HELLO", b"3", b"setname", b"app", b"Auth", b"user", b"pass",
            ],
            |hello| {
                let hello = hello.unwrap();
                let auth = hello.auth.unwrap();
                (
                    hello.client_name.map(<[u8]>::to_vec),
                    auth.username.to_vec(),
                    auth.password.to_vec(),
                )
            },
        );
        assert_eq!(
            hello,
            (Some(b"app".to_vec()), b"user".to_vec(), b"pass".to_vec())
        );
    }

    #[test]
    fn bad_options_name_the_option() {
        for (args, text) in [
            (
                &[&b"HELLO"[..], b"3", b"FOO"][..],
                "ERR Syntax error in HELLO option 'FOO'",
            ),
            (
                &[b"HELLO", b"3", b"AUTH", b"u"],
                "ERR Syntax error in HELLO option 'AUTH'",
            ),
            (
                &[b"HELLO", b"3", b"SETNAME"],
                "ERR Syntax error in HELLO option 'SETNAME'",
            ),
            (
                &[b"HELLO", b"3", b"setname", b"a", b"b"],
                "ERR Syntax error in HELLO option 'b'",
            ),
            (
                &[b"HELLO", b"3", b"x\r\ny\0z"],
                "ERR Syntax error in HELLO option 'x  y'",
            ),
            (
                &[b"HELLO", b"3", b"SETNAME", b"a b"],
                "ERR Client names cannot contain spaces, newlines or special characters.",
            ),
            (
                &[b"HELLO", b"x"],
                "ERR Protocol version is not an integer or out of range",
            ),
            (&[b"HELLO", b"1"], "NOPROTO unsupported protocol version"),
        ] {
            let error = parsed(args, |hello| hello.unwrap_err().to_string());
            assert_eq!(error, text);
        }
    }

    #[test]
    fn packed_length_is_exact() {
        let requests = [
            Hello::default(),
            Hello::new(Protocol::Resp2),
            Hello::new(Protocol::Resp3).with_client_name(b"n"),
            Hello::new(Protocol::Resp3)
                .with_auth(b"u", b"p")
                .with_client_name(b"n"),
        ];
        for hello in requests {
            let mut out = Vec::new();
            pack_command(&mut out, hello);
            assert_eq!(out.len(), hello.command_len());
            // What a server parses is what was packed.
            let mut decoder = CommandDecoder::new();
            let mut buf = BytesMut::from(&out[..]);
            let command = decoder.decode(&mut buf).unwrap().unwrap();
            assert_eq!(command.len(), hello.arg_count());
            assert_eq!(Hello::parse(&command), Ok(hello));
        }
    }

    #[test]
    fn debug_hides_the_password() {
        let hello = Hello::new(Protocol::Resp3).with_auth(b"user", b"hunter2");
        let printed = alloc::format!("{hello:?}");
        assert!(printed.contains("Credentials") && !printed.contains("104, 117"));
    }
}
