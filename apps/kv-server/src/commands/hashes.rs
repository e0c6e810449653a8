//! Hash commands: HSET, HMSET, HGET, HMGET, HDEL, HGETALL, HLEN, HEXISTS,
//! HINCRBY, HKEYS, HVALS.

use super::{Ctx, Fail, Out, Res, arg, int_arg, ok, typed};
use crate::store::Shard;
use crate::values::{OrderedMap, Value, parse_i64};
use resp_core::Command;

/// The hash at `key`, created empty when asked to.
fn hash<'s>(
    shard: &'s mut Shard,
    key: &[u8],
    now: u64,
    create: bool,
) -> Result<Option<&'s mut OrderedMap>, Fail> {
    let make: fn() -> Value = || Value::Hash(Default::default());
    typed(
        shard,
        key,
        now,
        create.then_some(make),
        |value| match value {
            Value::Hash(inner) => Some(inner),
            _ => None,
        },
    )
}

/// Sets the field/value pairs from argument 2 on; returns how many are new.
fn set_fields(ctx: &mut Ctx<'_>, command: &Command<'_>, name: &str) -> Result<i64, Fail> {
    if command.len() % 2 != 0 {
        return Err(Fail::Text(format!(
            "ERR wrong number of arguments for '{name}' command"
        )));
    }
    let key = arg(command, 1);
    let db = ctx.db();
    let mut shard = db.shard(key);
    let now = ctx.now;
    hash(&mut shard, key, now, false)?;
    let map = hash(&mut shard, key, now, true)?.ok_or(Fail::Syntax)?;
    let mut args = command.args().skip(2);
    let mut added = 0;
    while let (Some(field), Some(value)) = (args.next(), args.next()) {
        added += i64::from(map.insert(field, value));
    }
    drop(shard);
    db.touch(key);
    Ok(added)
}

pub(crate) fn hset(ctx: &mut Ctx<'_>, command: &Command<'_>, out: &mut Out<'_>) -> Res {
    let added = set_fields(ctx, command, "hset")?;
    out.integer(added);
    Ok(())
}

pub(crate) fn hmset(ctx: &mut Ctx<'_>, command: &Command<'_>, out: &mut Out<'_>) -> Res {
    set_fields(ctx, command, "hmset")?;
    ok(out)
}

pub(crate) fn hget(ctx: &mut Ctx<'_>, command: &Command<'_>, out: &mut Out<'_>) -> Res {
    let key = arg(command, 1);
    let mut shard = ctx.db().shard(key);
    match hash(&mut shard, key, ctx.now, false)?.and_then(|map| map.get(arg(command, 2))) {
        Some(value) => out.bulk(value),
        None => out.null(),
    }
    Ok(())
}

pub(crate) fn hmget(ctx: &mut Ctx<'_>, command: &Command<'_>, out: &mut Out<'_>) -> Res {
    let key = arg(command, 1);
    let mut shard = ctx.db().shard(key);
    let map = hash(&mut shard, key, ctx.now, false)?;
    out.array(command.len() - 2);
    for field in command.args().skip(2) {
        match map.as_ref().and_then(|map| map.get(field)) {
            Some(value) => out.bulk(value),
            None => out.null(),
        }
    }
    Ok(())
}

pub(crate) fn hdel(ctx: &mut Ctx<'_>, command: &Command<'_>, out: &mut Out<'_>) -> Res {
    remove_entries(ctx, command, out, hash)
}

/// Finds a value of one type, as [`hash`] does.
pub(super) type Access<T> =
    for<'s> fn(&'s mut Shard, &[u8], u64, bool) -> Result<Option<&'s mut T>, Fail>;

/// `HDEL` and `SREM`: removes the fields (or members) named from argument
/// 2 on, deletes the key once it is empty, and answers how many went.
pub(super) fn remove_entries(
    ctx: &mut Ctx<'_>,
    command: &Command<'_>,
    out: &mut Out<'_>,
    access: Access<OrderedMap>,
) -> Res {
    let key = arg(command, 1);
    let db = ctx.db();
    let mut shard = db.shard(key);
    let Some(map) = access(&mut shard, key, ctx.now, false)? else {
        out.integer(0);
        return Ok(());
    };
    let removed = command
        .args()
        .skip(2)
        .filter(|name| map.remove(name))
        .count();
    if map.is_empty() {
        shard.remove(key);
    }
    drop(shard);
    if removed > 0 {
        db.touch(key);
    }
    out.integer(removed as i64);
    Ok(())
}

pub(crate) fn hgetall(ctx: &mut Ctx<'_>, command: &Command<'_>, out: &mut Out<'_>) -> Res {
    let key = arg(command, 1);
    let mut shard = ctx.db().shard(key);
    let Some(map) = hash(&mut shard, key, ctx.now, false)? else {
        out.map(0);
        return Ok(());
    };
    out.map(map.len());
    for (field, value) in map.iter() {
        out.bulk(field);
        out.bulk(value);
    }
    Ok(())
}

pub(crate) fn hlen(ctx: &mut Ctx<'_>, command: &Command<'_>, out: &mut Out<'_>) -> Res {
    let key = arg(command, 1);
    let len = hash(&mut ctx.db().shard(key), key, ctx.now, false)?.map_or(0, |map| map.len());
    out.integer(len as i64);
    Ok(())
}

pub(crate) fn hexists(ctx: &mut Ctx<'_>, command: &Command<'_>, out: &mut Out<'_>) -> Res {
    let key = arg(command, 1);
    let mut shard = ctx.db().shard(key);
    let found =
        hash(&mut shard, key, ctx.now, false)?.is_some_and(|map| map.contains(arg(command, 2)));
    out.integer(i64::from(found));
    Ok(())
}

pub(crate) fn hincrby(ctx: &mut Ctx<'_>, command: &Command<'_>, out: &mut Out<'_>) -> Res {
    let by = int_arg(command, 3)?;
    let (key, field) = (arg(command, 1), arg(command, 2));
    let db = ctx.db();
    let mut shard = db.shard(key);
    let now = ctx.now;
    hash(&mut shard, key, now, false)?;
    let map = hash(&mut shard, key, now, true)?.ok_or(Fail::Syntax)?;
    let current = match map.get(field) {
        None => 0,
        Some(text) => {
            parse_i64(text).ok_or_else(|| Fail::text("ERR hash value is not an integer"))?
        }
    };
    let Some(value) = current.checked_add(by) else {
        if map.is_empty() {
            shard.remove(key);
        }
        return Err(Fail::Overflow);
    };
    map.insert(field, value.to_string().as_bytes());
    drop(shard);
    db.touch(key);
    out.integer(value);
    Ok(())
}

fn fields_or_values(
    ctx: &mut Ctx<'_>,
    command: &Command<'_>,
    out: &mut Out<'_>,
    values: bool,
) -> Res {
    let key = arg(command, 1);
    let mut shard = ctx.db().shard(key);
    let Some(map) = hash(&mut shard, key, ctx.now, false)? else {
        out.array(0);
        return Ok(());
    };
    out.array(map.len());
    for (field, value) in map.iter() {
        out.bulk(if values { value } else { field });
    }
    Ok(())
}

pub(crate) fn hkeys(ctx: &mut Ctx<'_>, command: &Command<'_>, out: &mut Out<'_>) -> Res {
    fields_or_values(ctx, command, out, false)
}

pub(crate) fn hvals(ctx: &mut Ctx<'_>, command: &Command<'_>, out: &mut Out<'_>) -> Res {
    fields_or_values(ctx, command, out, true)
}
