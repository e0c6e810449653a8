//! `resp call`: commands sent to a server, replies printed as they arrive.

use crate::cli::CallArgs;
use crate::printer::Top;
use crate::sink::Sink;
use crate::{Exit, Failure, os_bytes};
use bytes::BytesMut;
use resp_core::{
    CommandDecoder, ConnectionConfig, ConnectionEffect, Limits, Protocol, pack_command,
};
use resp_std::{ClientOptions, Connection, NetStream, Timeouts};
use std::io::{self, BufRead, IsTerminal, Read, Write};
use std::time::Duration;

pub(crate) fn run(args: &CallArgs) -> Result<Exit, Failure> {
    let config = config(args)?;
    let server = match (&args.url, &config.address) {
        (Some(url), _) => url.clone(),
        (None, resp_core::Address::Tcp { host, port }) => format!("{host}:{port}"),
        (None, resp_core::Address::Unix { path }) => path.clone(),
        (None, _) => String::from("the server"),
    };
    let failed = |error| Failure::Connect(server.clone(), error);
    let mut options = ClientOptions::default();
    options.connect_timeout = Duration::try_from_secs_f64(args.connect_timeout)
        .map_err(|_| Failure::Usage("--connect-timeout takes a number of seconds".into()))?;
    #[cfg(feature = "tls")]
    if let Some(ca) = &args.cacert {
        options.tls = Some(resp_std::tls::client_config(Some(ca)).map_err(failed)?);
    }
    #[cfg(not(feature = "tls"))]
    if args.cacert.is_some() {
        return Err(Failure::Usage(
            "--cacert needs resp-std's `tls` feature".into(),
        ));
    }
    let connection = Connection::open(&config, options).map_err(failed)?;
    let protocol = connection.protocol();
    let (stream, input) = connection.into_parts();
    // From here on the tool waits as long as the server takes, as redis-cli does.
    stream.set_timeouts(None, None)?;
    let mut session = Wire {
        stream,
        input,
        sink: Sink::new(args.json, Limits::client(), protocol),
        piece: vec![0; 64 * 1024],
        errors: false,
    };
    let mut out = io::BufWriter::new(io::stdout().lock());
    let ended = if args.command.is_empty() {
        // At a terminal, a prompt as redis-cli shows one.
        let prompt = io::stdin().is_terminal().then(|| format!("{server}> "));
        session.each_line(prompt.as_deref(), &mut out)
    } else {
        let argv: Vec<Vec<u8>> = args.command.iter().map(|arg| os_bytes(arg)).collect();
        session.command(&argv, &mut out)
    };
    out.flush()?;
    match ended? {
        Ended::Replied if session.errors => Ok(Exit::Failure),
        Ended::Replied => Ok(Exit::Success),
        Ended::Closed { mid_frame: true } => {
            eprintln!("resp: the server closed the connection inside a reply");
            Ok(Exit::Incomplete)
        }
        Ended::Closed { mid_frame: false } => {
            eprintln!("resp: the server closed the connection");
            Ok(Exit::Failure)
        }
    }
}

fn config(args: &CallArgs) -> Result<ConnectionConfig, Failure> {
    let mut config = match &args.url {
        Some(url) => url
            .parse()
            .map_err(|error| Failure::Connect(url.clone(), resp_std::Error::Url(error)))?,
        None => ConnectionConfig::tcp(args.host.clone(), args.port),
    };
    if args.password.is_some() {
        config.password.clone_from(&args.password);
    }
    if args.user.is_some() {
        config.username.clone_from(&args.user);
    }
    if let Some(db) = args.db {
        config.db = db;
    }
    if args.resp2 {
        config.protocol = Protocol::Resp2;
    } else if args.resp3 {
        config.protocol = Protocol::Resp3;
    }
    config.tls |= args.tls || args.cacert.is_some();
    Ok(config)
}

/// How a command's exchange ended.
enum Ended {
    Replied,
    Closed { mid_frame: bool },
}

struct Wire {
    stream: NetStream,
    input: BytesMut,
    sink: Sink,
    piece: Vec<u8>,
    /// Whether any reply was an error.
    errors: bool,
}

impl Wire {
    /// Commands from standard input, one per line, quoted as redis-cli
    /// quotes them (the core's inline splitter reads them).
    fn each_line(&mut self, prompt: Option<&str>, out: &mut impl Write) -> io::Result<Ended> {
        let mut stdin = io::stdin().lock();
        loop {
            if let Some(prompt) = prompt {
                out.write_all(prompt.as_bytes())?;
                out.flush()?;
            }
            let mut line = Vec::new();
            if stdin.read_until(b'\n', &mut line)? == 0 {
                break;
            }
            if !line.ends_with(b"\n") {
                line.push(b'\n');
            }
            let mut buffer = BytesMut::from(&line[..]);
            let argv = match CommandDecoder::new().decode(&mut buffer) {
                Ok(Some(command)) => command.args().map(<[u8]>::to_vec).collect::<Vec<_>>(),
                Ok(None) => continue,
                Err(_) => {
                    out.flush()?;
                    eprintln!("Invalid argument(s)");
                    self.errors = true;
                    continue;
                }
            };
            let name = argv.first().map(Vec::as_slice).unwrap_or_default();
            // `exit` ends the session, as in redis-cli; `QUIT` after its reply.
            if prompt.is_some() && name.eq_ignore_ascii_case(b"exit") {
                break;
            }
            if let Ended::Closed { mid_frame } = self.command(&argv, out)? {
                return Ok(Ended::Closed { mid_frame });
            }
            if name.eq_ignore_ascii_case(b"QUIT") {
                break;
            }
        }
        Ok(Ended::Replied)
    }

    /// Sends `argv` and prints its reply; for a command that subscribes
    /// (or `MONITOR`), every frame until the server closes.
    fn command(&mut self, argv: &[Vec<u8>], out: &mut impl Write) -> io::Result<Ended> {
        let mut packed = Vec::new();
        pack_command(&mut packed, argv);
        self.stream.write_all(&packed)?;
        self.stream.flush()?;
        self.sink.set_raw(prints_raw(argv));
        let forever = matches!(
            ConnectionEffect::of(argv),
            ConnectionEffect::Subscribes | ConnectionEffect::Monitor
        );
        loop {
            match self.frame(out)? {
                Err(ended) => return Ok(ended),
                Ok(Top::Push) => {}
                Ok(Top::Error) => {
                    self.errors = true;
                    return Ok(Ended::Replied);
                }
                Ok(Top::Other) if forever => {}
                Ok(Top::Other) => return Ok(Ended::Replied),
            }
        }
    }

    /// Prints the next frame, reading as needed.
    fn frame(&mut self, out: &mut impl Write) -> io::Result<Result<Top, Ended>> {
        loop {
            match self.sink.next(&mut self.input, out)? {
                Ok(Some(top)) => return Ok(Ok(top)),
                Ok(None) => {}
                Err(error) => {
                    return Err(io::Error::new(io::ErrorKind::InvalidData, error));
                }
            }
            out.flush()?;
            let n = loop {
                match self.stream.read(&mut self.piece) {
                    Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
                    result => break result?,
                }
            };
            if n == 0 {
                let mid_frame = !self.input.is_empty() || !self.sink.is_idle();
                return Ok(Err(Ended::Closed { mid_frame }));
            }
            self.input.extend_from_slice(&self.piece[..n]);
        }
    }
}

/// The commands whose replies redis-cli prints bare even on a terminal.
fn prints_raw(argv: &[Vec<u8>]) -> bool {
    let is = |at: usize, name: &str| {
        argv.get(at)
            .is_some_and(|arg| arg.eq_ignore_ascii_case(name.as_bytes()))
    };
    is(0, "INFO")
        || is(0, "LOLWUT")
        || (is(0, "CLIENT") && (is(1, "LIST") || is(1, "INFO")))
        || (is(0, "CLUSTER") && argv.len() == 2 && (is(1, "NODES") || is(1, "INFO")))
        || (is(0, "MEMORY") && (is(1, "MALLOC-STATS") || is(1, "DOCTOR")))
        || (is(0, "LATENCY") && (is(1, "DOCTOR") || is(1, "GRAPH")))
        || (is(0, "DEBUG") && (is(1, "HTSTATS") || is(1, "HTSTATS-KEY")))
}
