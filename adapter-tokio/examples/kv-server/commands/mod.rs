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
use resp_core::{Command, DoubleFormat, Protocol, ReplyWriter, Request};
use std::fmt::Write as _;
use std::sync::LazyLock;

pub(crate) use pubsub::{Message, PubSub};

/// Where a handler writes its reply.
pub(crate) type Out<'a> = ReplyWriter<&'a mut BytesMut>;

/// What a handler works on.
pub(crate) struct Ctx<'a> {
    pub(crate) shared: &'a Shared,
    pub(crate) session: &'a mut Session,
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

/// One command: its name, Redis's arity (exact when positive, a minimum
/// when negative), whether it writes, and its handler.
pub(crate) struct Spec {
    pub(crate) name: &'static str,
    pub(crate) arity: i32,
    pub(crate) write: bool,
    pub(crate) handler: Handler,
}

const fn spec(name: &'static str, arity: i32, write: bool, handler: Handler) -> Spec {
    Spec {
        name,
        arity,
        write,
        handler,
    }
}

/// Every command, with Redis 7's arities.
pub(crate) static COMMANDS: &[Spec] = &[
    // Connection and server.
    spec("ping", -1, false, server::ping),
    spec("echo", 2, false, server::echo),
    spec("hello", -1, false, server::hello),
    spec("auth", -2, false, server::auth),
    spec("select", 2, false, server::select),
    spec("quit", -1, false, server::quit),
    spec("reset", 1, false, server::reset),
    spec("client", -2, false, server::client),
    spec("command", -1, false, server::command),
    spec("config", -2, false, server::config),
    spec("info", -1, false, server::info),
    spec("dbsize", 1, false, keys::dbsize),
    spec("flushdb", -1, true, keys::flushdb),
    spec("flushall", -1, true, keys::flushall),
    // Keys.
    spec("exists", -2, false, keys::exists),
    spec("del", -2, true, keys::del),
    spec("unlink", -2, true, keys::del),
    spec("type", 2, false, keys::type_of),
    spec("expire", -3, true, keys::expire),
    spec("pexpire", -3, true, keys::pexpire),
    spec("expireat", -3, true, keys::expireat),
    spec("pexpireat", -3, true, keys::pexpireat),
    spec("ttl", 2, false, keys::ttl),
    spec("pttl", 2, false, keys::pttl),
    spec("persist", 2, true, keys::persist),
    spec("keys", 2, false, keys::keys),
    spec("scan", -2, false, keys::scan),
    // Strings.
    spec("get", 2, false, strings::get),
    spec("set", -3, true, strings::set),
    spec("setnx", 3, true, strings::setnx),
    spec("setex", 4, true, strings::setex),
    spec("psetex", 4, true, strings::psetex),
    spec("getset", 3, true, strings::getset),
    spec("getdel", 2, true, strings::getdel),
    spec("mget", -2, false, strings::mget),
    spec("mset", -3, true, strings::mset),
    spec("incr", 2, true, strings::incr),
    spec("decr", 2, true, strings::decr),
    spec("incrby", 3, true, strings::incrby),
    spec("decrby", 3, true, strings::decrby),
    spec("incrbyfloat", 3, true, strings::incrbyfloat),
    spec("append", 3, true, strings::append),
    spec("strlen", 2, false, strings::strlen),
    // Lists.
    spec("lpush", -3, true, lists::lpush),
    spec("rpush", -3, true, lists::rpush),
    spec("lpop", -2, true, lists::lpop),
    spec("rpop", -2, true, lists::rpop),
    spec("llen", 2, false, lists::llen),
    spec("lrange", 4, false, lists::lrange),
    spec("lindex", 3, false, lists::lindex),
    // Hashes.
    spec("hset", -4, true, hashes::hset),
    spec("hmset", -4, true, hashes::hmset),
    spec("hget", 3, false, hashes::hget),
    spec("hmget", -3, false, hashes::hmget),
    spec("hdel", -3, true, hashes::hdel),
    spec("hgetall", 2, false, hashes::hgetall),
    spec("hlen", 2, false, hashes::hlen),
    spec("hexists", 3, false, hashes::hexists),
    spec("hincrby", 4, true, hashes::hincrby),
    spec("hkeys", 2, false, hashes::hkeys),
    spec("hvals", 2, false, hashes::hvals),
    // Sets.
    spec("sadd", -3, true, sets::sadd),
    spec("srem", -3, true, sets::srem),
    spec("smembers", 2, false, sets::smembers),
    spec("sismember", 3, false, sets::sismember),
    spec("scard", 2, false, sets::scard),
    spec("spop", -2, true, sets::spop),
    // Sorted sets.
    spec("zadd", -4, true, zsets::zadd),
    spec("zrem", -3, true, zsets::zrem),
    spec("zscore", 3, false, zsets::zscore),
    spec("zrange", -4, false, zsets::zrange),
    spec("zcard", 2, false, zsets::zcard),
    spec("zincrby", 4, true, zsets::zincrby),
    spec("zpopmin", -2, true, zsets::zpopmin),
    spec("zpopmax", -2, true, zsets::zpopmax),
    // Pub/sub.
    spec("subscribe", -2, false, pubsub::subscribe),
    spec("unsubscribe", -1, false, pubsub::unsubscribe),
    spec("psubscribe", -2, false, pubsub::psubscribe),
    spec("punsubscribe", -1, false, pubsub::punsubscribe),
    spec("publish", 3, false, pubsub::publish),
    // Transactions.
    spec("multi", 1, false, transactions::multi),
    spec("exec", 1, false, transactions::exec),
    spec("discard", 1, false, transactions::discard),
    spec("watch", -2, false, transactions::watch),
    spec("unwatch", 1, false, transactions::unwatch),
];

/// The commands by name.
static BY_NAME: LazyLock<HashMap<&'static [u8], &'static Spec>> = LazyLock::new(|| {
    COMMANDS
        .iter()
        .map(|spec| (spec.name.as_bytes(), spec))
        .collect()
});

/// The spec for a command name, in any case.
pub(crate) fn lookup(name: &[u8]) -> Option<&'static Spec> {
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
    let mut reply = ReplyWriter::new(&mut *out, ctx.session.protocol)
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
    let Some(spec) = lookup(name) else {
        return Err(unknown_command(command));
    };
    if !arity_ok(spec.arity, command.len()) {
        return Err(Fail::Text(format!(
            "ERR wrong number of arguments for '{}' command",
            spec.name
        )));
    }
    if !ctx.session.authenticated && !matches!(spec.name, "auth" | "hello" | "quit" | "reset") {
        return Err(Fail::text("NOAUTH Authentication required."));
    }
    if ctx.session.subscribed() && ctx.session.protocol == Protocol::Resp2 {
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
        Some(spec) => (spec.handler)(ctx, command, out),
        None => Err(unknown_command(command)),
    };
    if let Err(fail) = result {
        write_error(out, fail.message());
    }
}

fn arity_ok(arity: i32, len: usize) -> bool {
    if arity >= 0 {
        len == arity as usize
    } else {
        len >= arity.unsigned_abs() as usize
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
