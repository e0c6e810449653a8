//! A key-value server with one thread per connection, on the blocking
//! `ServerConnection`: `PING`, `ECHO`, `SET`, `GET`, `DEL`, `INCR`,
//! `HELLO` (RESP2 or RESP3), `QUIT` and `CLIENT SETNAME`/`GETNAME`/`ID`
//! (answered by the connection's session), and `COMMAND` for redis-cli.
//!
//! ```text
//! cargo run -p resp-std --example threaded-server -- 6400
//! redis-cli -p 6400 set greeting hello
//! ```

use bytes::Bytes;
use resp_core::{Protocol, ServerDetails, ServerHello, SessionAnswer};
use resp_std::ServerConnection;
use std::collections::HashMap;
use std::io;
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

type Store = Arc<Mutex<HashMap<Bytes, Bytes>>>;

fn main() -> io::Result<()> {
    let port = std::env::args().nth(1).unwrap_or_else(|| "6400".into());
    let listener = TcpListener::bind(("127.0.0.1", port.parse().expect("a port number")))?;
    let store = Store::default();
    for stream in listener.incoming() {
        // A connection that failed before it was accepted (reset at once,
        // no file descriptor left) ends that connection, not the server.
        let stream = match stream {
            Ok(stream) => stream,
            Err(error) => {
                eprintln!("accept: {error}");
                continue;
            }
        };
        let store = store.clone();
        std::thread::spawn(move || {
            let closing = stream.try_clone();
            if let Err(error) = serve(stream, &store) {
                eprintln!("connection closed: {error}");
            }
            // Closed with the client's last bytes unread, the socket would
            // answer with a reset, which can destroy the error reply just
            // sent: end the writing side, then read what is left.
            if let Ok(mut stream) = closing {
                let _ = stream.shutdown(std::net::Shutdown::Write);
                let _ = stream.set_read_timeout(Some(std::time::Duration::from_secs(1)));
                let _ = io::copy(&mut stream, &mut io::sink());
            }
        });
    }
    Ok(())
}

fn serve(stream: TcpStream, store: &Store) -> io::Result<()> {
    stream.set_nodelay(true)?;
    let mut details = ServerHello::new(Protocol::Resp2);
    details.server = Some(Bytes::from_static(b"threaded-server"));
    details.version = Some(Bytes::from_static(env!("CARGO_PKG_VERSION").as_bytes()));
    let server = ServerDetails {
        password: None,
        hello: &details,
    };
    let mut connection = ServerConnection::new(stream);
    while let Some(request) = connection.next_request()? {
        // HELLO, AUTH, CLIENT SETNAME/GETNAME/ID and QUIT: the session's.
        match connection.answer(&request, &server) {
            Some(SessionAnswer::Close) => return connection.flush(),
            Some(SessionAnswer::Replied) => continue,
            None => {}
        }
        let name = request.name().to_ascii_uppercase();
        let reply = connection.reply();
        let lock = || {
            store
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
        };
        let written = match (&name[..], request.len()) {
            (b"PING", 1) => reply.simple("PONG"),
            (b"ECHO", 2) | (b"PING", 2) => {
                reply.bulk(request.arg(1).unwrap_or_default());
                Ok(())
            }
            (b"SET", 3) => {
                let (key, value) = (request.arg_bytes(1), request.arg_bytes(2));
                lock().insert(key.unwrap_or_default(), value.unwrap_or_default());
                reply.simple("OK")
            }
            (b"GET", 2) => {
                match lock().get(request.arg(1).unwrap_or_default()) {
                    Some(value) => reply.bulk(value),
                    None => reply.null(),
                }
                Ok(())
            }
            (b"DEL", n) if n > 1 => {
                let mut store = lock();
                let removed = request
                    .args()
                    .skip(1)
                    .filter(|key| store.remove(*key).is_some());
                reply.integer(removed.count() as i64);
                Ok(())
            }
            (b"INCR", 2) => {
                let mut store = lock();
                let key = request.arg_bytes(1).unwrap_or_default();
                let current = store
                    .get(&key)
                    .map(|v| std::str::from_utf8(v).ok()?.parse::<i64>().ok());
                match current.unwrap_or(Some(0)).and_then(|n| n.checked_add(1)) {
                    Some(n) => {
                        store.insert(key, Bytes::from(n.to_string()));
                        reply.integer(n);
                        Ok(())
                    }
                    None => reply.error("ERR value is not an integer or out of range"),
                }
            }
            (b"COMMAND", _) => {
                reply.array(0);
                Ok(())
            }
            _ => reply.error(format!(
                "ERR unknown command '{}', or wrong number of arguments",
                String::from_utf8_lossy(&name)
            )),
        };
        written.map_err(io::Error::other)?;
    }
    Ok(())
}
