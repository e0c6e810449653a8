//! [`ServerSession`]: what a server knows of one client connection (its
//! protocol, whether it has authenticated, its name and id) and Redis's
//! answers to the commands about them, for every server and proxy to share.

use crate::client::ConnectionEffect;
use crate::command::{Command, CommandLimits};
use crate::encode::ReplyWriter;
use crate::hello::{Hello, ServerHello};
use crate::protocol::Protocol;
use crate::table::{CommandFlags, CommandSpec};
use alloc::boxed::Box;
use alloc::format;
use bytes::BufMut;

/// Redis's refusal of a command before authentication.
pub const NOAUTH: &str = "NOAUTH Authentication required.";

const WRONGPASS: &str = "WRONGPASS invalid username-password pair or user is disabled.";

const NO_PASSWORD: &str = "ERR AUTH <password> called without any password configured for the \
default user. Are you sure your configuration is correct?";

const HELLO_NOAUTH: &str = "NOAUTH HELLO must be called with the client already authenticated, \
otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and \
select the RESP protocol version at the same time";

const BAD_NAME: &str = "ERR Client names cannot contain spaces, newlines or special characters.";

/// What the server tells a session about itself: the default user's
/// password, if it has one, and the details `HELLO` shows (the session
/// fills in its own id and protocol).
#[derive(Debug, Clone, Copy)]
pub struct ServerDetails<'a> {
    /// The password of the default user; `None` lets everyone in.
    pub password: Option<&'a [u8]>,
    /// What `HELLO` answers with.
    pub hello: &'a ServerHello,
}

/// What [`ServerSession::answer`] did with a command it answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionAnswer {
    /// The reply is written; the connection goes on.
    Replied,
    /// The reply is written; the connection ends once it is sent (`QUIT`).
    Close,
}

/// One client connection's session on a server, with no IO: the protocol
/// replies are written in, whether the client has authenticated (and so
/// which request limits apply), its name and id. It answers `HELLO`,
/// `AUTH`, `CLIENT SETNAME`/`GETNAME`/`ID` and `QUIT` in Redis's words,
/// and refuses any other command before authentication as Redis does.
///
/// ```
/// use bytes::BytesMut;
/// use resp_core::{CommandDecoder, ReplyWriter, ServerDetails, ServerHello, ServerSession, SessionAnswer};
///
/// let hello = ServerHello::new(resp_core::Protocol::Resp2);
/// let server = ServerDetails { password: Some(b"pw"), hello: &hello };
/// let mut session = ServerSession::new(7, true);
/// let mut requests = BytesMut::from(&b"GET k\r\nAUTH pw\r\nCLIENT ID\r\n"[..]);
/// let mut decoder = CommandDecoder::with_limits(session.command_limits());
/// let mut out = ReplyWriter::new(BytesMut::new(), session.protocol());
///
/// let get = decoder.decode(&mut requests).unwrap().unwrap().to_request();
/// assert!(!session.admits(&get.command()));
/// session.refuse(&mut out);
/// let auth = decoder.decode(&mut requests).unwrap().unwrap().to_request();
/// assert_eq!(session.answer(&auth.command(), &server, &mut out), Some(SessionAnswer::Replied));
/// decoder.set_limits(session.command_limits());
/// let id = decoder.decode(&mut requests).unwrap().unwrap().to_request();
/// session.answer(&id.command(), &server, &mut out);
/// assert_eq!(&out.into_inner()[..], b"-NOAUTH Authentication required.\r\n+OK\r\n:7\r\n");
/// ```
#[derive(Debug, Clone)]
pub struct ServerSession {
    id: u64,
    protocol: Protocol,
    authenticated: bool,
    password_required: bool,
    name: Option<Box<[u8]>>,
}

impl ServerSession {
    /// A new connection's session, numbered `id`, speaking RESP2; it must
    /// authenticate first when `password_required`.
    pub fn new(id: u64, password_required: bool) -> Self {
        Self {
            id,
            protocol: Protocol::Resp2,
            authenticated: !password_required,
            password_required,
            name: None,
        }
    }

    /// The connection's id, as `CLIENT ID` gives it.
    pub fn id(&self) -> u64 {
        self.id
    }

    /// The protocol its replies are written in.
    pub fn protocol(&self) -> Protocol {
        self.protocol
    }

    /// Whether it has authenticated (always, without a password).
    pub fn is_authenticated(&self) -> bool {
        self.authenticated
    }

    /// The name given with `CLIENT SETNAME` or `HELLO … SETNAME`.
    pub fn name(&self) -> Option<&[u8]> {
        self.name.as_deref()
    }

    /// The request limits that apply now: Redis's tighter ones until the
    /// client has authenticated.
    pub fn command_limits(&self) -> CommandLimits {
        CommandLimits::redis_for(self.authenticated)
    }

    /// Whether `command` may run now: after authentication anything may;
    /// before it, only what Redis lets in (`AUTH`, `HELLO`, `QUIT`, …).
    pub fn admits(&self, command: &Command<'_>) -> bool {
        self.authenticated
            || CommandSpec::of(command)
                .is_some_and(|spec| spec.flags.contains(CommandFlags::NO_AUTH))
    }

    /// Writes Redis's refusal of a command before authentication.
    pub fn refuse<B: BufMut>(&self, out: &mut ReplyWriter<B>) {
        let _ = out.error(NOAUTH);
    }

    /// Back to a new connection's state, as `RESET` does: RESP2, no name,
    /// and not authenticated if a password is required.
    pub fn reset(&mut self) {
        *self = Self::new(self.id, self.password_required);
    }

    /// Answers `command` if it is the session's to answer (`HELLO`,
    /// `AUTH`, `CLIENT SETNAME`, `CLIENT GETNAME`, `CLIENT ID`, `QUIT`),
    /// writing the reply to `out` (whose protocol follows a `HELLO` that
    /// switches it); `None`, with nothing written, for any other command.
    pub fn answer<B: BufMut>(
        &mut self,
        command: &Command<'_>,
        server: &ServerDetails<'_>,
        out: &mut ReplyWriter<B>,
    ) -> Option<SessionAnswer> {
        match ConnectionEffect::of(command) {
            ConnectionEffect::Hello => self.hello(command, server, out),
            ConnectionEffect::Auth => self.auth(command, server, out),
            ConnectionEffect::Quit => {
                let _ = out.simple("OK");
                return Some(SessionAnswer::Close);
            }
            ConnectionEffect::SetName => self.set_name(command, out),
            ConnectionEffect::GetName => match (command.len(), self.name()) {
                (2, Some(name)) => out.bulk(name),
                (2, None) => out.null(),
                _ => wrong_arity(out, "client|getname"),
            },
            _ if is_client_id(command) => match command.len() {
                2 => out.integer(i64::try_from(self.id).unwrap_or(i64::MAX)),
                _ => wrong_arity(out, "client|id"),
            },
            _ => return None,
        }
        Some(SessionAnswer::Replied)
    }

    fn hello<B: BufMut>(
        &mut self,
        command: &Command<'_>,
        server: &ServerDetails<'_>,
        out: &mut ReplyWriter<B>,
    ) {
        let hello = match Hello::parse(command) {
            Ok(hello) => hello,
            Err(error) => {
                let _ = out.error(format!("{error}"));
                return;
            }
        };
        if let Some(credentials) = hello.auth {
            if !self.log_in(credentials.username, credentials.password, server, out) {
                return;
            }
        }
        if !self.authenticated {
            let _ = out.error(HELLO_NOAUTH);
            return;
        }
        if let Some(protocol) = hello.protocol {
            self.protocol = protocol;
            out.set_protocol(protocol);
        }
        if let Some(name) = hello.client_name {
            self.name = Some(name.into());
        }
        let mut details = server.hello.clone();
        details.protocol = self.protocol;
        details.id = i64::try_from(self.id).ok();
        let _ = details.write(out);
    }

    fn auth<B: BufMut>(
        &mut self,
        command: &Command<'_>,
        server: &ServerDetails<'_>,
        out: &mut ReplyWriter<B>,
    ) {
        let (user, password) = match (command.len(), command.arg(1), command.arg(2)) {
            (2, Some(password), _) => (&b"default"[..], password),
            (3, Some(user), Some(password)) => (user, password),
            (1, ..) => return wrong_arity(out, "auth"),
            _ => {
                let _ = out.error("ERR syntax error");
                return;
            }
        };
        if command.len() == 2 && server.password.is_none() {
            let _ = out.error(NO_PASSWORD);
            return;
        }
        if self.log_in(user, password, server, out) {
            let _ = out.simple("OK");
        }
    }

    /// Checks a login; on a wrong one, writes Redis's refusal.
    fn log_in<B: BufMut>(
        &mut self,
        user: &[u8],
        password: &[u8],
        server: &ServerDetails<'_>,
        out: &mut ReplyWriter<B>,
    ) -> bool {
        let accepted = user == b"default" && server.password.is_none_or(|p| p == password);
        if accepted {
            self.authenticated = true;
        } else {
            let _ = out.error(WRONGPASS);
        }
        accepted
    }

    fn set_name<B: BufMut>(&mut self, command: &Command<'_>, out: &mut ReplyWriter<B>) {
        match command.arg(2) {
            Some(name) if command.len() == 3 && is_valid_name(name) => {
                self.name = (!name.is_empty()).then(|| name.into());
                let _ = out.simple("OK");
            }
            Some(_) if command.len() == 3 => {
                let _ = out.error(BAD_NAME);
            }
            _ => wrong_arity(out, "client|setname"),
        }
    }
}

fn is_client_id(command: &Command<'_>) -> bool {
    command.name().eq_ignore_ascii_case(b"client")
        && command
            .arg(1)
            .is_some_and(|sub| sub.eq_ignore_ascii_case(b"id"))
}

fn wrong_arity<B: BufMut>(out: &mut ReplyWriter<B>, command: &str) {
    let _ = out.error(format!(
        "ERR wrong number of arguments for '{command}' command"
    ));
}

/// What Redis accepts as a client name: printable ASCII without spaces.
pub fn is_valid_name(name: &[u8]) -> bool {
    name.iter().all(|byte| (b'!'..=b'~').contains(byte))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::command::CommandDecoder;
    use alloc::vec::Vec;
    use bytes::BytesMut;

    /// Runs each request through `session`, as a server would: the
    /// session's own commands answered, anything else refused before
    /// authentication or answered `+OTHER`.
    fn converse(session: &mut ServerSession, password: Option<&[u8]>, requests: &[u8]) -> Vec<u8> {
        let mut hello = ServerHello::new(Protocol::Resp2);
        hello.server = Some("redis".into());
        let server = ServerDetails {
            password,
            hello: &hello,
        };
        let mut input = BytesMut::from(requests);
        let mut decoder = CommandDecoder::with_limits(session.command_limits());
        let mut out = ReplyWriter::new(BytesMut::new(), session.protocol());
        while let Some(command) = decoder.decode(&mut input).unwrap() {
            if !session.admits(&command) {
                session.refuse(&mut out);
            } else if session.answer(&command, &server, &mut out).is_none() {
                let _ = out.simple("OTHER");
            }
            decoder.set_limits(session.command_limits());
        }
        out.into_inner().to_vec()
    }

    #[test]
    fn authentication_in_redis_words() {
        let mut session = ServerSession::new(1, true);
        assert_eq!(
            converse(&mut session, Some(b"pw"), b"PING\r\nAUTH nope\r\nAUTH a b c\r\nHELLO 3\r\n"),
            b"-NOAUTH Authentication required.\r\n\
              -WRONGPASS invalid username-password pair or user is disabled.\r\n\
              -ERR syntax error\r\n\
              -NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time\r\n"
        );
        assert!(!session.is_authenticated());
        assert_eq!(session.command_limits(), CommandLimits::unauthenticated());
        assert_eq!(
            converse(&mut session, Some(b"pw"), b"AUTH default pw\r\nPING\r\n"),
            b"+OK\r\n+OTHER\r\n"
        );
        assert_eq!(session.command_limits(), CommandLimits::redis());
        let mut open = ServerSession::new(2, false);
        assert_eq!(
            converse(&mut open, None, b"AUTH pw\r\n"),
            alloc::format!("-{NO_PASSWORD}\r\n").as_bytes()
        );
    }

    #[test]
    fn hello_switches_the_protocol_names_and_logs_in() {
        let mut session = ServerSession::new(9, true);
        let replies = converse(
            &mut session,
            Some(b"pw"),
            b"HELLO 3 AUTH default pw SETNAME app\r\nCLIENT GETNAME\r\nCLIENT ID\r\n",
        );
        assert!(
            replies.starts_with(
                b"%4\r\n$6\r\nserver\r\n$5\r\nredis\r\n$5\r\nproto\r\n:3\r\n$2\r\nid\r\n:9\r\n"
            ),
            "{replies:?}"
        );
        assert!(replies.ends_with(b"$3\r\napp\r\n:9\r\n"), "{replies:?}");
        assert_eq!(session.protocol(), Protocol::Resp3);
        assert_eq!(session.name(), Some(&b"app"[..]));
        assert_eq!(
            converse(&mut session, Some(b"pw"), b"HELLO 4\r\nCLIENT SETNAME \"a b\"\r\nCLIENT SETNAME\r\n"),
            alloc::format!(
                "-NOPROTO unsupported protocol version\r\n-{BAD_NAME}\r\n-ERR wrong number of arguments for 'client|setname' command\r\n"
            )
            .as_bytes()
        );
        session.reset();
        assert_eq!(
            (
                session.protocol(),
                session.is_authenticated(),
                session.name()
            ),
            (Protocol::Resp2, false, None)
        );
        assert_eq!(converse(&mut session, Some(b"pw"), b"QUIT\r\n"), b"+OK\r\n");
    }
}
