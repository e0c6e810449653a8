//! The commands the proxy answers for each client itself: the connection
//! to the proxy is the client's, whatever it shares upstream.

use crate::route::Local;
use bytes::BytesMut;
use resp_core::{Command, Hello, Protocol, ReplyWriter, ServerHello};

/// What the proxy knows and keeps of one client.
pub(crate) struct State<'a> {
    /// The password clients must give, if any.
    pub(crate) password: Option<&'a [u8]>,
    pub(crate) authenticated: &'a mut bool,
    pub(crate) protocol: &'a mut Protocol,
    pub(crate) name: &'a mut Option<Vec<u8>>,
    pub(crate) id: u64,
    /// The upstream's own `HELLO` details, shown to clients as they are.
    pub(crate) hello: Option<&'a ServerHello>,
}

/// A reply, and whether the connection ends after it.
pub(crate) enum Answer {
    Reply(BytesMut),
    Close(BytesMut),
}

/// Answers `command`, of kind `kind`, with Redis's replies.
pub(crate) fn answer(kind: Local, command: &Command<'_>, state: &mut State<'_>) -> Answer {
    let mut out = BytesMut::new();
    let mut reply = ReplyWriter::new(&mut out, *state.protocol);
    match kind {
        Local::Quit => {
            let _ = reply.simple("OK");
            return Answer::Close(out);
        }
        Local::Auth => auth(command, state, &mut reply),
        Local::Hello => {
            hello(command, state, &mut out);
            return Answer::Reply(out);
        }
        Local::ClientSetName => match command.arg(2) {
            Some(name) if command.len() == 3 && valid_name(name) => {
                *state.name = (!name.is_empty()).then(|| name.to_vec());
                let _ = reply.simple("OK");
            }
            Some(_) if command.len() == 3 => {
                let _ = reply.error(
                    "ERR Client names cannot contain spaces, newlines or special characters.",
                );
            }
            _ => wrong_arity(&mut reply, "client|setname"),
        },
        Local::ClientReply => match command.arg(2) {
            Some(mode) if command.len() == 3 && mode.eq_ignore_ascii_case(b"on") => {
                let _ = reply.simple("OK");
            }
            Some(mode)
                if command.len() == 3
                    && (mode.eq_ignore_ascii_case(b"off")
                        || mode.eq_ignore_ascii_case(b"skip")) =>
            {
                let _ = reply.error("ERR this proxy does not support CLIENT REPLY OFF or SKIP");
            }
            Some(_) if command.len() == 3 => {
                let _ = reply.error("ERR syntax error");
            }
            _ => wrong_arity(&mut reply, "client|reply"),
        },
        Local::ClientGetName => match state.name.as_deref() {
            Some(name) => reply.bulk(name),
            None => reply.null(),
        },
    }
    Answer::Reply(out)
}

/// `AUTH [user] password`, checked against the proxy's own password.
fn auth(command: &Command<'_>, state: &mut State<'_>, reply: &mut ReplyWriter<&mut BytesMut>) {
    let (user, given) = match (command.len(), command.arg(1), command.arg(2)) {
        (2, Some(password), _) => (&b"default"[..], password),
        (3, Some(user), Some(password)) => (user, password),
        _ => return wrong_arity(reply, "auth"),
    };
    let Some(password) = state.password else {
        let _ = reply.error(
            "ERR AUTH <password> called without any password configured for the default user. \
             Are you sure your configuration is correct?",
        );
        return;
    };
    if user == b"default" && given == password {
        *state.authenticated = true;
        let _ = reply.simple("OK");
    } else {
        let _ = reply.error("WRONGPASS invalid username-password pair or user is disabled.");
    }
}

/// `HELLO [version [AUTH user password] [SETNAME name]]`, answered with the
/// upstream's details and this client's own id and protocol.
fn hello(command: &Command<'_>, state: &mut State<'_>, out: &mut BytesMut) {
    let hello = match Hello::parse(command) {
        Ok(hello) => hello,
        Err(error) => {
            let _ = ReplyWriter::new(out, *state.protocol).error(error.to_string());
            return;
        }
    };
    if let Some(credentials) = hello.auth {
        let accepted = state.password.is_some_and(|password| {
            credentials.username == b"default" && credentials.password == password
        });
        if !accepted {
            let text = if state.password.is_none() {
                "ERR AUTH <password> called without any password configured for the default user. \
                 Are you sure your configuration is correct?"
            } else {
                "WRONGPASS invalid username-password pair or user is disabled."
            };
            let _ = ReplyWriter::new(out, *state.protocol).error(text);
            return;
        }
        *state.authenticated = true;
    }
    if !*state.authenticated {
        let _ = ReplyWriter::new(out, *state.protocol).error(
            "NOAUTH HELLO must be called with the client already authenticated, otherwise the \
             HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and \
             select the RESP protocol version at the same time",
        );
        return;
    }
    if let Some(protocol) = hello.protocol {
        *state.protocol = protocol;
    }
    if let Some(name) = hello.client_name {
        *state.name = Some(name.to_vec());
    }
    let mut details = state
        .hello
        .cloned()
        .unwrap_or_else(|| ServerHello::new(*state.protocol));
    details.protocol = *state.protocol;
    details.id = i64::try_from(state.id).ok();
    let mut reply = ReplyWriter::new(out, *state.protocol);
    let _ = details.write(&mut reply);
}

fn wrong_arity(reply: &mut ReplyWriter<&mut BytesMut>, command: &str) {
    let _ = reply.error(format!(
        "ERR wrong number of arguments for '{command}' command"
    ));
}

/// What Redis accepts as a client name: printable ASCII without spaces.
fn valid_name(name: &[u8]) -> bool {
    name.iter().all(|&byte| (b'!'..=b'~').contains(&byte))
}
