//! Connection and server commands: PING, ECHO, HELLO, AUTH, SELECT, QUIT,
//! RESET, CLIENT, COMMAND, CONFIG, INFO.

use super::{COMMANDS, Ctx, Fail, Out, Res, arg, int_arg, ok};
use crate::store::DATABASES;
use resp_core::{
    BeginSearch, Command, FindKeys, KeySpec, Protocol, ServerDetails, SessionAnswer, is_valid_name,
};
use std::fmt::Write as _;

pub(crate) fn ping(ctx: &mut Ctx<'_>, command: &Command<'_>, out: &mut Out<'_>) -> Res {
    if command.len() > 2 {
        return Err(Fail::text(
            "ERR wrong number of arguments for 'ping' command",
        ));
    }
    // RESP2's subscribed mode answers as a message would come.
    if ctx.session.subscribed() && ctx.conn.protocol() == Protocol::Resp2 {
        out.array(2);
        out.bulk("pong");
        out.bulk(command.arg(1).unwrap_or_default());
        return Ok(());
    }
    match command.arg(1) {
        Some(text) => out.bulk(text),
        None => out.simple("PONG").map_err(|_| Fail::Syntax)?,
    }
    Ok(())
}

pub(crate) fn echo(_: &mut Ctx<'_>, command: &Command<'_>, out: &mut Out<'_>) -> Res {
    out.bulk(arg(command, 1));
    Ok(())
}

/// `HELLO`, `AUTH`, `QUIT`, `CLIENT SETNAME`/`GETNAME`/`ID`: the
/// connection's session answers, in Redis's words.
pub(crate) fn session(ctx: &mut Ctx<'_>, command: &Command<'_>, out: &mut Out<'_>) -> Res {
    let server = ServerDetails {
        password: ctx.shared.password.as_deref(),
        hello: &ctx.shared.hello,
    };
    if ctx.conn.answer(command, &server, out) == Some(SessionAnswer::Close) {
        ctx.session.quit = true;
    }
    Ok(())
}

pub(crate) fn select(ctx: &mut Ctx<'_>, command: &Command<'_>, out: &mut Out<'_>) -> Res {
    let index = int_arg(command, 1)?;
    let index = usize::try_from(index)
        .ok()
        .filter(|&index| index < DATABASES)
        .ok_or_else(|| Fail::text("ERR DB index is out of range"))?;
    ctx.session.db = index;
    ok(out)
}

pub(crate) fn reset(ctx: &mut Ctx<'_>, _: &Command<'_>, out: &mut Out<'_>) -> Res {
    super::transactions::forget(ctx);
    super::pubsub::leave_all(ctx);
    ctx.session.db = 0;
    ctx.conn.reset();
    out.set_protocol(ctx.conn.protocol());
    out.simple("RESET").map_err(|_| Fail::Syntax)
}

fn subcommand_arity(name: &str, sub: &str) -> Fail {
    Fail::Text(format!(
        "ERR wrong number of arguments for '{name}|{}' command",
        sub.to_ascii_lowercase()
    ))
}

fn unknown_subcommand(command: &Command<'_>, name: &str) -> Fail {
    Fail::Text(format!(
        "ERR unknown subcommand '{}'. Try {name} HELP.",
        super::printable(arg(command, 1), 128)
    ))
}

pub(crate) fn client(ctx: &mut Ctx<'_>, command: &Command<'_>, out: &mut Out<'_>) -> Res {
    let sub = String::from_utf8_lossy(arg(command, 1)).to_ascii_uppercase();
    match (sub.as_str(), command.len()) {
        ("SETNAME" | "GETNAME" | "ID", _) => session(ctx, command, out),
        ("SETINFO", 4) => {
            let value = arg(command, 3);
            let option = String::from_utf8_lossy(arg(command, 2)).to_ascii_uppercase();
            if !is_valid_name(value) {
                return Err(Fail::Text(format!(
                    "ERR {} cannot contain spaces, newlines or special characters.",
                    option.to_ascii_lowercase()
                )));
            }
            match option.as_str() {
                "LIB-NAME" => ctx.session.lib_name = Some(value.into()),
                "LIB-VER" => ctx.session.lib_version = Some(value.into()),
                _ => {
                    return Err(Fail::Text(format!(
                        "ERR Unrecognized option '{}'",
                        super::printable(arg(command, 2), 128)
                    )));
                }
            }
            ok(out)
        }
        ("INFO", 2) => {
            out.verbatim(*b"txt", client_info(ctx));
            Ok(())
        }
        ("SETINFO" | "INFO", _) => Err(subcommand_arity("client", &sub)),
        _ => Err(unknown_subcommand(command, "CLIENT")),
    }
}

/// `CLIENT INFO`'s line, with the fields Redis 7 gives.
fn client_info(ctx: &Ctx<'_>) -> String {
    let session = &ctx.session;
    let conn = &ctx.conn;
    let name = |value: &Option<Box<[u8]>>| {
        value
            .as_deref()
            .map(|v| String::from_utf8_lossy(v).into_owned())
            .unwrap_or_default()
    };
    let multi = session
        .multi
        .as_ref()
        .map_or(-1, |multi| multi.queued.len() as i64);
    let flags = if session.subscribed() { "P" } else { "N" };
    format!(
        "id={} addr={} laddr={} fd=8 name={} age={} idle=0 flags={flags} db={} sub={} psub={} ssub=0 multi={multi} qbuf=26 qbuf-free=20448 argv-mem=10 multi-mem=0 rbs=1024 rbp=0 obl=0 oll=0 omem=0 tot-mem=22298 events=r cmd=client|info user=default redir=-1 resp={} lib-name={} lib-ver={}\n",
        conn.id(),
        session.peer,
        session.local,
        String::from_utf8_lossy(conn.name().unwrap_or_default()),
        session.created.elapsed().as_secs(),
        session.db,
        session.channels.len(),
        session.patterns.len(),
        match conn.protocol() {
            Protocol::Resp2 => 2,
            Protocol::Resp3 => 3,
        },
        name(&session.lib_name),
        name(&session.lib_version),
    )
}

pub(crate) fn command(_: &mut Ctx<'_>, command: &Command<'_>, out: &mut Out<'_>) -> Res {
    let sub = String::from_utf8_lossy(command.arg(1).unwrap_or_default()).to_ascii_uppercase();
    match sub.as_str() {
        "" => {
            out.array(COMMANDS.len());
            for spec in COMMANDS {
                command_info(out, spec);
            }
        }
        "COUNT" if command.len() == 2 => out.integer(COMMANDS.len() as i64),
        "INFO" => {
            let names: Vec<&[u8]> = command.args().skip(2).collect();
            if names.is_empty() {
                out.array(COMMANDS.len());
                COMMANDS.iter().for_each(|spec| command_info(out, spec));
            } else {
                out.array(names.len());
                for name in names {
                    match super::lookup(name) {
                        Some((spec, _)) => command_info(out, spec),
                        None => out.null_array(),
                    }
                }
            }
        }
        // Documentation is optional: clients fall back to their own hints.
        "DOCS" => out.map(0),
        "COUNT" => return Err(subcommand_arity("command", &sub)),
        _ => return Err(unknown_subcommand(command, "COMMAND")),
    }
    Ok(())
}

/// One `COMMAND INFO` entry, from the command table: name, arity, flags,
/// first key, last key, step, ACL categories, tips, key specs (left out),
/// subcommands (left out).
fn command_info(out: &mut Out<'_>, spec: &super::Spec) {
    let table = spec.table();
    out.array(10);
    out.bulk(table.name);
    out.integer(i64::from(table.arity));
    out.set(table.flags.names().count());
    for flag in table.flags.names() {
        let _ = out.simple(flag);
    }
    // The first key spec, when it is a plain range, as the legacy triple.
    let (first, last, step) = match table.key_specs.first() {
        Some(KeySpec {
            begin_search: BeginSearch::Index(first),
            find_keys: FindKeys::Range { last_key, step, .. },
            ..
        }) => {
            let first = *first as i64;
            let last = if *last_key >= 0 {
                first + *last_key as i64
            } else {
                *last_key as i64
            };
            (first, last, *step as i64)
        }
        _ => (0, 0, 0),
    };
    out.integer(first);
    out.integer(last);
    out.integer(step);
    out.set(table.acl_categories.names().count());
    for category in table.acl_categories.names() {
        let _ = out.simple(format!("@{category}"));
    }
    out.set(table.tips.len());
    for tip in table.tips {
        out.bulk(tip);
    }
    out.array(0);
    out.array(0);
}

/// The parameters `CONFIG GET` knows, with what this server runs with.
fn parameters(ctx: &Ctx<'_>) -> Vec<(&'static str, String)> {
    vec![
        ("appendonly", "no".into()),
        ("bind", ctx.shared.bind.clone()),
        ("databases", DATABASES.to_string()),
        ("maxclients", "10000".into()),
        ("maxmemory", "0".into()),
        ("maxmemory-policy", "noeviction".into()),
        ("port", ctx.shared.port.to_string()),
        ("proto-max-bulk-len", (512 * 1024 * 1024).to_string()),
        (
            "requirepass",
            ctx.shared
                .password
                .as_deref()
                .map(|p| String::from_utf8_lossy(p).into_owned())
                .unwrap_or_default(),
        ),
        ("save", String::new()),
        ("timeout", "0".into()),
    ]
}

pub(crate) fn config(ctx: &mut Ctx<'_>, command: &Command<'_>, out: &mut Out<'_>) -> Res {
    let sub = String::from_utf8_lossy(arg(command, 1)).to_ascii_uppercase();
    if sub != "GET" {
        return Err(unknown_subcommand(command, "CONFIG"));
    }
    if command.len() < 3 {
        return Err(subcommand_arity("config", "get"));
    }
    let patterns: Vec<&[u8]> = command.args().skip(2).collect();
    let matching: Vec<(&str, String)> = parameters(ctx)
        .into_iter()
        .filter(|(name, _)| {
            patterns
                .iter()
                .any(|pattern| crate::glob::matches(pattern, name.as_bytes(), true))
        })
        .collect();
    out.map(matching.len());
    for (name, value) in matching {
        out.bulk(name);
        out.bulk(value);
    }
    Ok(())
}

pub(crate) fn info(ctx: &mut Ctx<'_>, command: &Command<'_>, out: &mut Out<'_>) -> Res {
    let sections: Vec<String> = command
        .args()
        .skip(1)
        .map(|s| String::from_utf8_lossy(s).to_ascii_lowercase())
        .collect();
    let wants = |name: &str| {
        sections.is_empty()
            || sections
                .iter()
                .any(|s| s == name || s == "all" || s == "everything" || s == "default")
    };
    let mut text = String::new();
    if wants("server") {
        let uptime = ctx.shared.started.elapsed().as_secs();
        let _ = write!(
            text,
            "# Server\r\nredis_version:{}\r\nredis_mode:standalone\r\nos:{}\r\narch_bits:64\r\nmultiplexing_api:epoll\r\nprocess_id:{}\r\ntcp_port:{}\r\nuptime_in_seconds:{uptime}\r\nuptime_in_days:{}\r\nexecutable:kv-server\r\n",
            crate::REDIS_VERSION,
            std::env::consts::OS,
            std::process::id(),
            ctx.shared.port,
            uptime / 86_400,
        );
    }
    if wants("keyspace") {
        if !text.is_empty() {
            text.push_str("\r\n");
        }
        text.push_str("# Keyspace\r\n");
        for (index, db) in ctx.shared.store.dbs().iter().enumerate() {
            let (keys, expires) = db.counts();
            if keys > 0 {
                let _ = write!(
                    text,
                    "db{index}:keys={keys},expires={expires},avg_ttl=0\r\n"
                );
            }
        }
    }
    out.verbatim(*b"txt", text);
    Ok(())
}
