//! Commands on keys of any type: EXISTS, DEL, TYPE, the EXPIRE family, TTL,
//! PERSIST, KEYS, SCAN, DBSIZE, FLUSHDB, FLUSHALL.

use super::{Ctx, Fail, Out, Res, arg, int_arg, ok};
use resp_core::Command;

pub(crate) fn exists(ctx: &mut Ctx<'_>, command: &Command<'_>, out: &mut Out<'_>) -> Res {
    let now = ctx.now;
    let db = ctx.db();
    let count = command
        .args()
        .skip(1)
        .filter(|key| db.shard(key).get(key, now).is_some())
        .count();
    out.integer(count as i64);
    Ok(())
}

pub(crate) fn del(ctx: &mut Ctx<'_>, command: &Command<'_>, out: &mut Out<'_>) -> Res {
    let now = ctx.now;
    let db = ctx.db();
    let mut count = 0;
    for key in command.args().skip(1) {
        let mut shard = db.shard(key);
        if shard.get(key, now).is_some() {
            shard.remove(key);
            count += 1;
            drop(shard);
            db.touch(key);
        }
    }
    out.integer(count);
    Ok(())
}

pub(crate) fn type_of(ctx: &mut Ctx<'_>, command: &Command<'_>, out: &mut Out<'_>) -> Res {
    let key = arg(command, 1);
    let name = match ctx.db().shard(key).get(key, ctx.now) {
        Some(found) => found.type_name(),
        None => "none",
    };
    out.simple(name).map_err(|_| Fail::Syntax)
}

/// Which deadline a call of the EXPIRE family gives, in milliseconds.
#[derive(Clone, Copy)]
enum Deadline {
    Seconds,
    Millis,
    AtSeconds,
    AtMillis,
}

fn set_expiry(
    ctx: &mut Ctx<'_>,
    command: &Command<'_>,
    out: &mut Out<'_>,
    unit: Deadline,
    name: &str,
) -> Res {
    let key = arg(command, 1);
    let amount = int_arg(command, 2)?;
    let (mut nx, mut xx, mut gt, mut lt) = (false, false, false, false);
    for option in command.args().skip(3) {
        match option.to_ascii_uppercase().as_slice() {
            b"NX" => nx = true,
            b"XX" => xx = true,
            b"GT" => gt = true,
            b"LT" => lt = true,
            _ => {
                return Err(Fail::Text(format!(
                    "ERR Unsupported option {}",
                    super::printable(option, 128)
                )));
            }
        }
    }
    if nx && (xx || gt || lt) {
        return Err(Fail::text(
            "ERR NX and XX, GT or LT options at the same time are not compatible",
        ));
    }
    if gt && lt {
        return Err(Fail::text(
            "ERR GT and LT options at the same time are not compatible",
        ));
    }
    let now = ctx.now as i64;
    let invalid = || Fail::Text(format!("ERR invalid expire time in '{name}' command"));
    let deadline = match unit {
        Deadline::Seconds => amount.checked_mul(1000).and_then(|ms| ms.checked_add(now)),
        Deadline::Millis => amount.checked_add(now),
        Deadline::AtSeconds => amount.checked_mul(1000),
        Deadline::AtMillis => Some(amount),
    }
    .ok_or_else(invalid)?;
    let db = ctx.db();
    let mut shard = db.shard(key);
    if !shard.contains(key, now as u64) {
        out.integer(0);
        return Ok(());
    }
    let current = shard.deadline(key);
    // A key without a deadline counts as lasting forever.
    let refused = (nx && current != 0)
        || (xx && current == 0)
        || (gt && (current == 0 || deadline <= current as i64))
        || (lt && current != 0 && deadline >= current as i64);
    if refused {
        out.integer(0);
        return Ok(());
    }
    if deadline <= now {
        shard.remove(key);
    } else {
        shard.set_deadline(key, deadline as u64);
    }
    drop(shard);
    db.touch(key);
    out.integer(1);
    Ok(())
}

pub(crate) fn expire(ctx: &mut Ctx<'_>, command: &Command<'_>, out: &mut Out<'_>) -> Res {
    set_expiry(ctx, command, out, Deadline::Seconds, "expire")
}

pub(crate) fn pexpire(ctx: &mut Ctx<'_>, command: &Command<'_>, out: &mut Out<'_>) -> Res {
    set_expiry(ctx, command, out, Deadline::Millis, "pexpire")
}

pub(crate) fn expireat(ctx: &mut Ctx<'_>, command: &Command<'_>, out: &mut Out<'_>) -> Res {
    set_expiry(ctx, command, out, Deadline::AtSeconds, "expireat")
}

pub(crate) fn pexpireat(ctx: &mut Ctx<'_>, command: &Command<'_>, out: &mut Out<'_>) -> Res {
    set_expiry(ctx, command, out, Deadline::AtMillis, "pexpireat")
}

fn time_to_live(ctx: &mut Ctx<'_>, command: &Command<'_>, out: &mut Out<'_>, millis: bool) -> Res {
    let key = arg(command, 1);
    let now = ctx.now;
    let mut shard = ctx.db().shard(key);
    let ttl = match shard.contains(key, now).then(|| shard.deadline(key)) {
        None => -2,
        Some(0) => -1,
        Some(deadline) => {
            let left = (deadline - now) as i64;
            if millis { left } else { (left + 500) / 1000 }
        }
    };
    out.integer(ttl);
    Ok(())
}

pub(crate) fn ttl(ctx: &mut Ctx<'_>, command: &Command<'_>, out: &mut Out<'_>) -> Res {
    time_to_live(ctx, command, out, false)
}

pub(crate) fn pttl(ctx: &mut Ctx<'_>, command: &Command<'_>, out: &mut Out<'_>) -> Res {
    time_to_live(ctx, command, out, true)
}

pub(crate) fn persist(ctx: &mut Ctx<'_>, command: &Command<'_>, out: &mut Out<'_>) -> Res {
    let key = arg(command, 1);
    let db = ctx.db();
    let mut shard = db.shard(key);
    let had_deadline = shard.contains(key, ctx.now) && shard.deadline(key) != 0;
    if had_deadline {
        shard.set_deadline(key, 0);
        drop(shard);
        db.touch(key);
    }
    out.integer(i64::from(had_deadline));
    Ok(())
}

pub(crate) fn keys(ctx: &mut Ctx<'_>, command: &Command<'_>, out: &mut Out<'_>) -> Res {
    let pattern = arg(command, 1);
    let now = ctx.now;
    let mut found = Vec::new();
    for shard in ctx.db().shards() {
        found.extend(
            shard
                .keys(now)
                .filter(|key| crate::glob::matches(pattern, key, false))
                .map(Box::<[u8]>::from),
        );
    }
    out.array(found.len());
    for key in found {
        out.bulk(key);
    }
    Ok(())
}

/// `SCAN cursor [MATCH pattern] [COUNT n] [TYPE type]`. The cursor is the
/// next shard to visit, and each call returns a whole shard, so every key
/// present for the whole scan is returned exactly once.
pub(crate) fn scan(ctx: &mut Ctx<'_>, command: &Command<'_>, out: &mut Out<'_>) -> Res {
    let cursor: usize = std::str::from_utf8(arg(command, 1))
        .ok()
        .and_then(|text| text.parse().ok())
        .ok_or_else(|| Fail::text("ERR invalid cursor"))?;
    let (mut pattern, mut type_name) = (None, None);
    let mut at = 2;
    while at < command.len() {
        let option = arg(command, at).to_ascii_uppercase();
        let value = command.arg(at + 1).ok_or(Fail::Syntax)?;
        match option.as_slice() {
            b"MATCH" => pattern = Some(value),
            b"COUNT" => {
                let count = int_arg(command, at + 1)?;
                if count < 1 {
                    return Err(Fail::Syntax);
                }
            }
            b"TYPE" => type_name = Some(value.to_ascii_lowercase()),
            _ => return Err(Fail::Syntax),
        }
        at += 2;
    }
    let now = ctx.now;
    let mut found = Vec::new();
    let mut next = 0;
    let db = ctx.db();
    if let Some(mut shard) = db.shard_at(cursor) {
        for key in shard.keys(now).map(Box::<[u8]>::from).collect::<Vec<_>>() {
            let wanted_type = type_name.as_deref().is_none_or(|wanted| {
                shard
                    .get(&key, now)
                    .is_some_and(|found| found.type_name().as_bytes() == wanted)
            });
            if wanted_type
                && pattern.is_none_or(|pattern| crate::glob::matches(pattern, &key, false))
            {
                found.push(key);
            }
        }
        next = if cursor + 1 < db.shard_count() {
            cursor + 1
        } else {
            0
        };
    }
    out.array(2);
    out.bulk(next.to_string());
    out.array(found.len());
    for key in found {
        out.bulk(key);
    }
    Ok(())
}

pub(crate) fn dbsize(ctx: &mut Ctx<'_>, _: &Command<'_>, out: &mut Out<'_>) -> Res {
    out.integer(ctx.db().len() as i64);
    Ok(())
}

fn flush_mode(command: &Command<'_>) -> Res {
    match command.len() {
        1 => Ok(()),
        2 if matches!(
            arg(command, 1).to_ascii_uppercase().as_slice(),
            b"ASYNC" | b"SYNC"
        ) =>
        {
            Ok(())
        }
        _ => Err(Fail::Syntax),
    }
}

pub(crate) fn flushdb(ctx: &mut Ctx<'_>, command: &Command<'_>, out: &mut Out<'_>) -> Res {
    flush_mode(command)?;
    ctx.db().flush();
    ok(out)
}

pub(crate) fn flushall(ctx: &mut Ctx<'_>, command: &Command<'_>, out: &mut Out<'_>) -> Res {
    flush_mode(command)?;
    for db in ctx.shared.store.dbs() {
        db.flush();
    }
    ok(out)
}
