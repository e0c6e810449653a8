//! The commands the proxy answers for each client itself: the connection
//! to the proxy is the client's, whatever it shares upstream. The
//! client's [`ServerSession`] answers `HELLO`, `AUTH`, `QUIT` and `CLIENT
//! SETNAME`/`GETNAME` in Redis's words; `RESET` and `CLIENT REPLY` are the
//! proxy's own.

use crate::route::Local;
use bytes::BytesMut;
use resp_core::{
    Command, Protocol, ReplyWriter, ServerDetails, ServerHello, ServerSession, SessionAnswer,
};

/// A reply, and whether the connection ends after it.
pub(crate) enum Answer {
    Reply(BytesMut),
    Close(BytesMut),
}

/// Answers `command`, of kind `kind`, with Redis's replies. `password` is
/// the one clients must give the proxy; `upstream` the upstream's own
/// `HELLO` details, shown to clients as they are.
pub(crate) fn answer(
    kind: Local,
    command: &Command<'_>,
    session: &mut ServerSession,
    password: Option<&[u8]>,
    upstream: Option<&ServerHello>,
) -> Answer {
    let mut reply = ReplyWriter::new(BytesMut::new(), session.protocol());
    match kind {
        Local::Reset => {
            session.reset();
            let _ = reply.simple("RESET");
        }
        Local::ClientReply => client_reply(command, &mut reply),
        Local::Hello | Local::Auth | Local::Quit | Local::ClientSetName | Local::ClientGetName => {
            let fallback = ServerHello::new(Protocol::Resp2);
            let server = ServerDetails {
                password,
                hello: upstream.unwrap_or(&fallback),
            };
            if session.answer(command, &server, &mut reply) == Some(SessionAnswer::Close) {
                return Answer::Close(reply.into_inner());
            }
        }
    }
    Answer::Reply(reply.into_inner())
}

/// `CLIENT REPLY ON` is how every connection is already; `OFF` and `SKIP`
/// would need replies dropped from a stream shared with other clients.
fn client_reply(command: &Command<'_>, reply: &mut ReplyWriter<BytesMut>) {
    let mode = command.arg(2).filter(|_| command.len() == 3);
    let _ = match mode {
        Some(mode) if mode.eq_ignore_ascii_case(b"on") => reply.simple("OK"),
        Some(mode) if mode.eq_ignore_ascii_case(b"off") || mode.eq_ignore_ascii_case(b"skip") => {
            reply.error("ERR this proxy does not support CLIENT REPLY OFF or SKIP")
        }
        Some(_) => reply.error("ERR syntax error"),
        None => reply.error("ERR wrong number of arguments for 'client|reply' command"),
    };
}
