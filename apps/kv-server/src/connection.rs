//! One client connection: read what has arrived, run every whole request
//! in it, and send all their replies in one write.

use crate::Shared;
use crate::commands::{self, Ctx, Message};
use crate::session::Session;
use crate::store::now_ms;
use bytes::BytesMut;
use resp_core::{DoubleFormat, Protocol, ReplyWriter, ServerSession};
use resp_tokio::{ServerCodec, ServerError};
use std::sync::Arc;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::mpsc;
use tokio_util::codec::Decoder;

/// Published messages a connection may have waiting before it counts as
/// too slow and is disconnected.
const INBOX: usize = 4096;

/// How much one read asks for.
const READ_SIZE: usize = 16 * 1024;

pub(crate) async fn serve<S>(mut stream: S, shared: Arc<Shared>, peer: String, local: String)
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let (inbox, mut messages) = mpsc::channel(INBOX);
    let mut codec = ServerCodec::with_session(ServerSession::new(
        shared.next_client_id(),
        shared.password.is_some(),
    ));
    let mut session = Session::new(inbox);
    session.peer = peer;
    session.local = local;
    let mut input = BytesMut::with_capacity(READ_SIZE);
    let mut output = BytesMut::with_capacity(READ_SIZE);
    loop {
        let mut closing = false;
        // Room for a full read; once the requests before are gone, this
        // takes back the same allocation instead of growing.
        if input.capacity() - input.len() < READ_SIZE / 4 {
            input.reserve(READ_SIZE);
        }
        tokio::select! {
            read = stream.read_buf(&mut input) => match read {
                Ok(0) | Err(_) => break,
                Ok(_) => closing = run_requests(&shared, &mut session, &mut codec, &mut input, &mut output),
            },
            Some(message) = messages.recv() => {
                write_message(&session, codec.protocol(), &message, &mut output);
                while let Ok(message) = messages.try_recv() {
                    write_message(&session, codec.protocol(), &message, &mut output);
                }
            }
            // Past its backlog limit: gone, whatever it was doing.
            () = session.backlog.kicked() => break,
        }
        if session.backlog.is_overflowed() {
            break;
        }
        if !output.is_empty() {
            // A client that does not read stalls this write; it is still
            // dropped the moment its backlog passes the limit.
            let written = tokio::select! {
                written = stream.write_all(&output) => written.is_ok(),
                () = session.backlog.kicked() => false,
            };
            if !written {
                break;
            }
            output.clear();
        }
        if closing || session.quit {
            break;
        }
    }
    let mut ctx = Ctx {
        shared: &shared,
        session: &mut session,
        conn: codec.session_mut(),
        now: now_ms(),
    };
    commands::disconnect(&mut ctx);
}

/// Runs every whole request in `input`; returns whether the connection
/// must close (a malformed request, answered as Redis answers it).
fn run_requests(
    shared: &Shared,
    session: &mut Session,
    codec: &mut ServerCodec,
    input: &mut BytesMut,
    output: &mut BytesMut,
) -> bool {
    let now = now_ms();
    loop {
        let request = match codec.decode(input) {
            Ok(Some(request)) => request,
            Ok(None) => return false,
            Err(error @ ServerError::Protocol(_)) => {
                output.extend_from_slice(&error.protocol_error_reply().unwrap_or_default());
                return true;
            }
            Err(_) => return true,
        };
        let mut ctx = Ctx {
            shared,
            session,
            conn: codec.session_mut(),
            now,
        };
        commands::execute(&mut ctx, &request, output);
        if session.quit {
            return true;
        }
    }
}

fn write_message(session: &Session, protocol: Protocol, message: &Message, output: &mut BytesMut) {
    session.backlog.written(message.size());
    let mut out =
        ReplyWriter::new(output, protocol).with_double_format(DoubleFormat::Significant17);
    message.write(&mut out);
}
