//! List commands: LPUSH, RPUSH, LPOP, RPOP (with a count), LLEN, LRANGE, LINDEX.

use super::{Ctx, Fail, Out, Res, arg, count_arg, int_arg, null, null_array, typed};
use crate::store::Shard;
use crate::values::{Bytes, Value};
use resp_core::Command;
use std::collections::VecDeque;

/// The list at `key`, created empty when asked to.
fn list<'s>(
    shard: &'s mut Shard,
    key: &[u8],
    now: u64,
    create: bool,
) -> Result<Option<&'s mut VecDeque<Bytes>>, Fail> {
    let make: fn() -> Value = || Value::List(Default::default());
    typed(
        shard,
        key,
        now,
        create.then_some(make),
        |value| match value {
            Value::List(inner) => Some(inner),
            _ => None,
        },
    )
}

fn push(ctx: &mut Ctx<'_>, command: &Command<'_>, out: &mut Out<'_>, front: bool) -> Res {
    let key = arg(command, 1);
    let db = ctx.db();
    let mut shard = db.shard(key);
    let now = ctx.now;
    // Checked before creating anything, so a wrong type leaves no trace.
    list(&mut shard, key, now, false)?;
    let items = list(&mut shard, key, now, true)?.ok_or(Fail::Syntax)?;
    for value in command.args().skip(2) {
        if front {
            items.push_front(value.into());
        } else {
            items.push_back(value.into());
        }
    }
    let len = items.len();
    drop(shard);
    db.touch(key);
    out.integer(len as i64);
    Ok(())
}

pub(crate) fn lpush(ctx: &mut Ctx<'_>, command: &Command<'_>, out: &mut Out<'_>) -> Res {
    push(ctx, command, out, true)
}

pub(crate) fn rpush(ctx: &mut Ctx<'_>, command: &Command<'_>, out: &mut Out<'_>) -> Res {
    push(ctx, command, out, false)
}

fn pop(ctx: &mut Ctx<'_>, command: &Command<'_>, out: &mut Out<'_>, front: bool) -> Res {
    let count = count_arg(command, 2)?;
    let key = arg(command, 1);
    let db = ctx.db();
    let mut shard = db.shard(key);
    let Some(items) = list(&mut shard, key, ctx.now, false)? else {
        return if count.is_some() {
            null_array(out)
        } else {
            null(out)
        };
    };
    let take = count.unwrap_or(1).min(items.len());
    let popped: Vec<Bytes> = (0..take)
        .filter_map(|_| {
            if front {
                items.pop_front()
            } else {
                items.pop_back()
            }
        })
        .collect();
    if items.is_empty() {
        shard.remove(key);
    }
    drop(shard);
    if take > 0 {
        db.touch(key);
    }
    super::write_popped(out, count.is_some(), &popped, false);
    Ok(())
}

pub(crate) fn lpop(ctx: &mut Ctx<'_>, command: &Command<'_>, out: &mut Out<'_>) -> Res {
    pop(ctx, command, out, true)
}

pub(crate) fn rpop(ctx: &mut Ctx<'_>, command: &Command<'_>, out: &mut Out<'_>) -> Res {
    pop(ctx, command, out, false)
}

pub(crate) fn llen(ctx: &mut Ctx<'_>, command: &Command<'_>, out: &mut Out<'_>) -> Res {
    let key = arg(command, 1);
    let len = list(&mut ctx.db().shard(key), key, ctx.now, false)?.map_or(0, |items| items.len());
    out.integer(len as i64);
    Ok(())
}

/// Redis's index rule: negative counts from the end.
fn index(at: i64, len: usize) -> i64 {
    if at < 0 { at + len as i64 } else { at }
}

pub(crate) fn lrange(ctx: &mut Ctx<'_>, command: &Command<'_>, out: &mut Out<'_>) -> Res {
    let (start, stop) = (int_arg(command, 2)?, int_arg(command, 3)?);
    let key = arg(command, 1);
    let mut shard = ctx.db().shard(key);
    let Some(items) = list(&mut shard, key, ctx.now, false)? else {
        out.array(0);
        return Ok(());
    };
    let len = items.len();
    let start = index(start, len).max(0);
    let stop = index(stop, len).min(len as i64 - 1);
    if start > stop || start >= len as i64 {
        out.array(0);
        return Ok(());
    }
    let (start, stop) = (start as usize, stop as usize);
    out.array(stop - start + 1);
    for value in items.range(start..=stop) {
        out.bulk(value);
    }
    Ok(())
}

pub(crate) fn lindex(ctx: &mut Ctx<'_>, command: &Command<'_>, out: &mut Out<'_>) -> Res {
    let key = arg(command, 1);
    let mut shard = ctx.db().shard(key);
    let Some(items) = list(&mut shard, key, ctx.now, false)? else {
        return null(out);
    };
    let at = int_arg(command, 2)?;
    let at = index(at, items.len());
    match usize::try_from(at).ok().and_then(|at| items.get(at)) {
        Some(value) => out.bulk(value),
        None => out.null(),
    }
    Ok(())
}
