//! Set commands: SADD, SREM, SMEMBERS, SISMEMBER, SCARD, SPOP.

use super::{Ctx, Fail, Out, Res, arg, count_arg, null, typed};
use crate::store::Shard;
use crate::values::{OrderedMap, Value};
use resp_core::Command;

/// The set at `key`, created empty when asked to.
fn set<'s>(
    shard: &'s mut Shard,
    key: &[u8],
    now: u64,
    create: bool,
) -> Result<Option<&'s mut OrderedMap>, Fail> {
    let make: fn() -> Value = || Value::Set(Default::default());
    typed(
        shard,
        key,
        now,
        create.then_some(make),
        |value| match value {
            Value::Set(inner) => Some(inner),
            _ => None,
        },
    )
}

pub(crate) fn sadd(ctx: &mut Ctx<'_>, command: &Command<'_>, out: &mut Out<'_>) -> Res {
    let key = arg(command, 1);
    let db = ctx.db();
    let mut shard = db.shard(key);
    let now = ctx.now;
    set(&mut shard, key, now, false)?;
    let members = set(&mut shard, key, now, true)?.ok_or(Fail::Syntax)?;
    let added = command
        .args()
        .skip(2)
        .filter(|member| members.insert(member, b""))
        .count();
    drop(shard);
    db.touch(key);
    out.integer(added as i64);
    Ok(())
}

pub(crate) fn srem(ctx: &mut Ctx<'_>, command: &Command<'_>, out: &mut Out<'_>) -> Res {
    super::hashes::remove_entries(ctx, command, out, set)
}

pub(crate) fn smembers(ctx: &mut Ctx<'_>, command: &Command<'_>, out: &mut Out<'_>) -> Res {
    let key = arg(command, 1);
    let mut shard = ctx.db().shard(key);
    let Some(members) = set(&mut shard, key, ctx.now, false)? else {
        out.set(0);
        return Ok(());
    };
    let members = members.members();
    out.set(members.len());
    members.into_iter().for_each(|member| out.bulk(member));
    Ok(())
}

pub(crate) fn sismember(ctx: &mut Ctx<'_>, command: &Command<'_>, out: &mut Out<'_>) -> Res {
    let key = arg(command, 1);
    let mut shard = ctx.db().shard(key);
    let found = set(&mut shard, key, ctx.now, false)?.is_some_and(|m| m.contains(arg(command, 2)));
    out.integer(i64::from(found));
    Ok(())
}

pub(crate) fn scard(ctx: &mut Ctx<'_>, command: &Command<'_>, out: &mut Out<'_>) -> Res {
    let key = arg(command, 1);
    let len = set(&mut ctx.db().shard(key), key, ctx.now, false)?.map_or(0, |m| m.len());
    out.integer(len as i64);
    Ok(())
}

/// `SPOP key [count]`: removes members (the last ones added; which ones is
/// unspecified, as in Redis).
pub(crate) fn spop(ctx: &mut Ctx<'_>, command: &Command<'_>, out: &mut Out<'_>) -> Res {
    let count = count_arg(command, 2)?;
    let key = arg(command, 1);
    let db = ctx.db();
    let mut shard = db.shard(key);
    let Some(members) = set(&mut shard, key, ctx.now, false)? else {
        if count.is_some() {
            out.set(0);
            return Ok(());
        }
        return null(out);
    };
    let take = count.unwrap_or(1).min(members.len());
    let popped: Vec<Box<[u8]>> = members
        .members()
        .into_iter()
        .rev()
        .take(take)
        .map(Into::into)
        .collect();
    for member in &popped {
        members.remove(member);
    }
    if members.is_empty() {
        shard.remove(key);
    }
    drop(shard);
    db.touch(key);
    super::write_popped(out, count.is_some(), &popped, true);
    Ok(())
}
