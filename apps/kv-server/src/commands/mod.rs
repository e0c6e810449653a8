//! Command dispatch: the table of commands with Redis's arities, the
//! checks Redis makes before running one (authentication, subscribed mode,
//! `MULTI` queuing), and the errors handlers answer with.

mod hashes;
mod keys;
mod lists;
mod pubsub;
mod server;
mod sets;
mod strings;
mod transactions;
mod zsets;

use crate::Shared;
use crate::session::Session;
use crate::store::{Found, Shard};
use crate::values::Value;
use bytes::BytesMut;
use hashbrown::HashMap;
use resp_core::{
    Command, CommandSpec, DoubleFormat, Protocol, ReplyWriter, Request, ServerSession,
};
use std::fmt::Write as _;
use std::sync::LazyLock;

pub(crate) use pubsub::{Backlog, Message, PubSub};

/// Where a handler writes its reply.
pub(crate) type Out<'a> = ReplyWriter<&'a mut BytesMut>;

/// What a handler works on.
pub(crate) struct Ctx<'a> {
    pub(crate) shared: &'a Shared,
    pub(crate) session: &'a mut Session,
    /// Protocol, authentication, name and id: the codec's.
    pub(crate) conn: &'a mut ServerSession,
    /// The time deadlines are judged by, read once per batch of requests
    /// (as Redis caches it per event loop turn): reading the clock for
    /// every command costs a tenth of a GET.
    pub(crate) now: u64,
}

impl<'a> Ctx<'a> {
    /// The database the connection has selected.
    pub(crate) fn db(&self) -> &'a crate::store::Db {
        self.shared.store.db(self.session.db)
    }
}

/// Why a command failed; the dispatcher writes the error reply.
#[derive(Debug)]
pub(crate) enum Fail {
    WrongType,
    NotInteger,
    NotFloat,
    Syntax,
    Overflow,
    /// Any other error, its text without the leading `-`.
    Text(String),
}

impl Fail {
    pub(crate) fn text(text: impl Into<String>) -> Self {
        Self::Text(text.into())
    }

    fn message(&self) -> &str {
        match self {
            Self::WrongType => "WRONGTYPE Operation against a key holding the wrong kind of value",
            Self::NotInteger => "ERR value is not an integer or out of range",
            Self::NotFloat => "ERR value is not a valid float",
            Self::Syntax => "ERR syntax error",
            Self::Overflow => "ERR increment or decrement would overflow",
            Self::Text(text) => text,
        }
    }
}

pub(crate) type Res = Result<(), Fail>;

type Handler = fn(&mut Ctx<'_>, &Command<'_>, &mut Out<'_>) -> Res;

/// One command kv-server runs: its name and its handler. What the command
/// is (arity, flags) is the command table's entry.
pub(crate) struct Spec {
    pub(crate) name: &'static str,
    pub(crate) handler: Handler,
}

const fn spec(name: &'static str, handler: Handler) -> Spec {
    Spec { name, handler }
}

impl Spec {
    /// The command table's entry for this command.
    pub(crate) fn table(&self) -> &'static CommandSpec {
        CommandSpec::find(self.name.as_bytes())
            .expect("every command kv-server runs is in the table")
    }
}

/// Every command kv-server runs (its dispatch).
pub(crate) static COMMANDS: &[Spec] = &[
    // Connection and server.
    spec("ping", server::ping),
    spec("echo", server::echo),
    spec("hello", server::session),
    spec("auth", server::session),
    spec("select", server::select),
    spec("quit", server::session),
    spec("reset", server::reset),
    spec("client", server::client),
    spec("command", server::command),
    spec("config", server::config),
    spec("info", server::info),
    spec("dbsize", keys::dbsize),
    spec("flushdb", keys::flushdb),
    spec("flushall", keys::flushall),
    // Keys.
    spec("exists", keys::exists),
    spec("del", keys::del),
    spec("unlink", keys::del),
    spec("type", keys::type_of),
    spec("expire", keys::expire),
    spec("pexpire", keys::pexpire),
    spec("expireat", keys::expireat),
    spec("pexpireat", keys::pexpireat),
    spec("ttl", keys::ttl),
    spec("pttl", keys::pttl),
    spec("persist", keys::persist),
    spec("keys", keys::keys),
    spec("scan", keys::scan),
    // Strings.
    spec("get", strings::get),
    spec("set", strings::set),
    spec("setnx", strings::setnx),
    spec("setex", strings::setex),
    spec("psetex", strings::psetex),
    spec("getset", strings::getset),
    spec("getdel", strings::getdel),
    spec("mget", strings::mget),
    spec("mset", strings::mset),
    spec("incr", strings::incr),
    spec("decr", strings::decr),
    spec("incrby", strings::incrby),
    spec("decrby", strings::decrby),
    spec("incrbyfloat", strings::incrbyfloat),
    spec("append", strings::append),
    spec("strlen", strings::strlen),
    // Lists.
    spec("lpush", lists::lpush),
    spec("rpush", lists::rpush),
    spec("lpop", lists::lpop),
    spec("rpop", lists::rpop),
    spec("llen", lists::llen),
    spec("lrange", lists::lrange),
    spec("lindex", lists::lindex),
    // Hashes.
    spec("hset", hashes::hset),
    spec("hmset", hashes::hmset),
    spec("hget", hashes::hget),
    spec("hmget", hashes::hmget),
    spec("hdel", hashes::hdel),
    spec("hgetall", hashes::hgetall),
    spec("hlen", hashes::hlen),
    spec("hexists", hashes::hexists),
    spec("hincrby", hashes::hincrby),
    spec("hkeys", hashes::hkeys),
    spec("hvals", hashes::hvals),
    // Sets.
    spec("sadd", sets::sadd),
    spec("srem", sets::srem),
    spec("smembers", sets::smembers),
    spec("sismember", sets::sismember),
    spec("scard", sets::scard),
    spec("spop", sets::spop),
    // Sorted sets.
    spec("zadd", zsets::zadd),
    spec("zrem", zsets::zrem),
    spec("zscore", zsets::zscore),
    spec("zrange", zsets::zrange),
    spec("zcard", zsets::zcard),
    spec("zincrby", zsets::zincrby),
    spec("zpopmin", zsets::zpopmin),
    spec("zpopmax", zsets::zpopmax),
    // Pub/sub.
    spec("subscribe", pubsub::subscribe),
    spec("unsubscribe", pubsub::unsubscribe),
    spec("psubscribe", pubsub::psubscribe),
    spec("punsubscribe", pubsub::punsubscribe),
    spec("publish", pubsub::publish),
    // Transactions.
    spec("multi", transactions::multi),
    spec("exec", transactions::exec),
    spec("discard", transactions::discard),
    spec("watch", transactions::watch),
    spec("unwatch", transactions::unwatch),
];

/// The commands by name, each with its table entry, found once.
static BY_NAME: LazyLock<HashMap<&'static [u8], (&'static Spec, &'static CommandSpec)>> =
    LazyLock::new(|| {
        COMMANDS
            .iter()
            .map(|spec| (spec.name.as_bytes(), (spec, spec.table())))
            .collect()
    });

/// The spec for a command name, in any case, and its table entry.
pub(crate) fn lookup(name: &[u8]) -> Option<(&'static Spec, &'static CommandSpec)> {
    let mut lower = [0u8; 16];
    let lower = lower.get_mut(..name.len())?;
    for (to, from) in lower.iter_mut().zip(name) {
        *to = from.to_ascii_lowercase();
    }
    BY_NAME.get(&*lower).copied()
}

/// Runs one request as Redis would, writing its reply to `out`.
pub(crate) fn execute(ctx: &mut Ctx<'_>, request: &Request, out: &mut BytesMut) {
    let command = request.command();
    // What an HTTP request's first lines look like as commands: Redis
    // takes them for a cross-protocol attack and closes the connection.
    let name = command.name();
    if name.eq_ignore_ascii_case(b"post") || name.eq_ignore_ascii_case(b"host:") {
        ctx.session.quit = true;
        return;
    }
    let mut reply = ReplyWriter::new(&mut *out, ctx.conn.protocol())
        .with_double_format(DoubleFormat::Significant17);
    if let Err(fail) = dispatch(ctx, &command, &mut reply) {
        write_error(&mut reply, fail.message());
        if ctx.session.multi.is_some() && queues_error(&fail) {
            if let Some(multi) = &mut ctx.session.multi {
                multi.dirty = true;
            }
        }
    }
}

/// Whether an error found before running marks the transaction for
/// `EXECABORT` (Redis: unknown command, wrong arity, not allowed).
fn queues_error(fail: &Fail) -> bool {
    matches!(fail, Fail::Text(text) if text.starts_with("ERR unknown command")
        || text.starts_with("ERR wrong number of arguments")
        || text.starts_with("NOAUTH"))
}

fn dispatch(ctx: &mut Ctx<'_>, command: &Command<'_>, out: &mut Out<'_>) -> Res {
    let name = command.name();
    let Some((spec, table)) = lookup(name) else {
        return Err(unknown_command(command));
    };
    if !table.takes_count(command.len()) {
        return Err(Fail::Text(format!(
            "ERR wrong number of arguments for '{}' command",
            spec.name
        )));
    }
    if !ctx.conn.admits(command) {
        return Err(Fail::text(resp_core::NOAUTH));
    }
    if ctx.session.subscribed() && ctx.conn.protocol() == Protocol::Resp2 {
        let allowed = matches!(
            spec.name,
            "subscribe" | "psubscribe" | "unsubscribe" | "punsubscribe" | "ping" | "quit" | "reset"
        );
        if !allowed {
            return Err(Fail::Text(format!(
                "ERR Can't execute '{}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context",
                spec.name
            )));
        }
    }
    if ctx.session.multi.is_some()
        && !matches!(
            spec.name,
            "exec" | "discard" | "multi" | "watch" | "quit" | "reset"
        )
    {
        let request = command.to_request();
        if let Some(multi) = &mut ctx.session.multi {
            multi.queued.push(request);
        }
        return out.simple("QUEUED").map_err(|_| Fail::Syntax);
    }
    // EXEC takes the gate alone, for the whole transaction.
    let _gate = (spec.name != "exec").then(|| ctx.shared.store.shared());
    (spec.handler)(ctx, command, out)
}

/// What a closed connection leaves behind: its transaction, watches and
/// subscriptions.
pub(crate) fn disconnect(ctx: &mut Ctx<'_>) {
    transactions::forget(ctx);
    pubsub::leave_all(ctx);
}

/// Runs a queued command inside `EXEC`, the transaction gate already held.
pub(crate) fn run_queued(ctx: &mut Ctx<'_>, command: &Command<'_>, out: &mut Out<'_>) {
    let result = match lookup(command.name()) {
        Some((spec, _)) => (spec.handler)(ctx, command, out),
        None => Err(unknown_command(command)),
    };
    if let Err(fail) = result {
        write_error(out, fail.message());
    }
}

fn unknown_command(command: &Command<'_>) -> Fail {
    let mut text = format!(
        "ERR unknown command '{}', with args beginning with: ",
        printable(command.name(), 128)
    );
    for arg in command.args().skip(1) {
        if text.len() >= 128 * 4 {
            break;
        }
        let _ = write!(text, "'{}' ", printable(arg, 128));
    }
    Fail::Text(text)
}

/// How Redis quotes a user's bytes inside an error: at most `limit` of them,
/// line breaks and other control bytes as spaces.
pub(crate) fn printable(bytes: &[u8], limit: usize) -> String {
    bytes
        .iter()
        .take(limit)
        .map(|&b| {
            if b.is_ascii_graphic() || b == b' ' {
                b as char
            } else {
                ' '
            }
        })
        .collect()
}

pub(crate) fn write_error(out: &mut Out<'_>, text: &str) {
    // Error texts never hold a line break: `printable` took them out.
    let _ = out.error(text);
}

/// Argument `index`, which the arity check guarantees.
pub(crate) fn arg<'a>(command: &Command<'a>, index: usize) -> &'a [u8] {
    command.arg(index).unwrap_or_default()
}

pub(crate) fn int_arg(command: &Command<'_>, index: usize) -> Result<i64, Fail> {
    crate::values::parse_i64(arg(command, index)).ok_or(Fail::NotInteger)
}

/// The value of one type at `key`: `Ok(None)` when there is none (created
/// empty first when `create` says how), WRONGTYPE when another type is.
pub(crate) fn typed<'s, T: ?Sized>(
    shard: &'s mut Shard,
    key: &[u8],
    now: u64,
    create: Option<fn() -> Value>,
    pick: fn(&mut Value) -> Option<&mut T>,
) -> Result<Option<&'s mut T>, Fail> {
    if let Some(make) = create {
        if !shard.contains(key, now) {
            shard.put_other(key, make());
        }
    }
    match shard.get(key, now) {
        None => Ok(None),
        Some(Found::Str(_)) => Err(Fail::WrongType),
        Some(Found::Other(value)) => pick(value).map(Some).ok_or(Fail::WrongType),
    }
}

/// A pop's optional count argument at `index`: Redis wants it positive.
pub(crate) fn count_arg(command: &Command<'_>, index: usize) -> Result<Option<usize>, Fail> {
    if command.len() > index + 1 {
        return Err(Fail::Syntax);
    }
    if command.arg(index).is_none() {
        return Ok(None);
    }
    let positive = || Fail::text("ERR value is out of range, must be positive");
    let count = int_arg(command, index).map_err(|_| positive())?;
    usize::try_from(count).map(Some).map_err(|_| positive())
}

/// What a pop answers: the value alone (or a null) without a count, all of
/// them as an array (a set for `SPOP`) with one.
pub(crate) fn write_popped(out: &mut Out<'_>, counted: bool, popped: &[Box<[u8]>], as_set: bool) {
    if !counted {
        match popped.first() {
            Some(value) => out.bulk(value),
            None => out.null(),
        }
        return;
    }
    if as_set {
        out.set(popped.len());
    } else {
        out.array(popped.len());
    }
    popped.iter().for_each(|value| out.bulk(value));
}

/// Writes `Ok` as a simple string.
pub(crate) fn ok(out: &mut Out<'_>) -> Res {
    out.simple("OK").map_err(|_| Fail::Syntax)
}

/// The null reply for a missing value (`$-1` in RESP2, `_` in RESP3).
pub(crate) fn null(out: &mut Out<'_>) -> Res {
    out.null();
    Ok(())
}

/// The null reply for a missing aggregate (`*-1` in RESP2, `_` in RESP3).
pub(crate) fn null_array(out: &mut Out<'_>) -> Res {
    out.null_array();
    Ok(())
}
