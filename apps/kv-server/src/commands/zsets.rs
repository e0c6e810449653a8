//! Sorted set commands: ZADD (NX, XX, GT, LT, CH, INCR), ZREM, ZSCORE,
//! ZRANGE (by rank or BYSCORE, REV, LIMIT, WITHSCORES), ZCARD, ZINCRBY,
//! ZPOPMIN, ZPOPMAX.

use super::{Ctx, Fail, Out, Res, arg, count_arg, int_arg, null, typed};
use crate::store::Shard;
use crate::values::{Value, ZSet, parse_f64};
use resp_core::{Command, Protocol};

/// The zset at `key`, created empty when asked to.
fn zset<'s>(
    shard: &'s mut Shard,
    key: &[u8],
    now: u64,
    create: bool,
) -> Result<Option<&'s mut ZSet>, Fail> {
    let make: fn() -> Value = || Value::ZSet(Default::default());
    typed(
        shard,
        key,
        now,
        create.then_some(make),
        |value| match value {
            Value::ZSet(inner) => Some(inner),
            _ => None,
        },
    )
}

pub(crate) fn zadd(ctx: &mut Ctx<'_>, command: &Command<'_>, out: &mut Out<'_>) -> Res {
    let (mut nx, mut xx, mut gt, mut lt, mut ch, mut incr) =
        (false, false, false, false, false, false);
    let mut at = 2;
    while at < command.len() {
        match arg(command, at).to_ascii_uppercase().as_slice() {
            b"NX" => nx = true,
            b"XX" => xx = true,
            b"GT" => gt = true,
            b"LT" => lt = true,
            b"CH" => ch = true,
            b"INCR" => incr = true,
            _ => break,
        }
        at += 1;
    }
    let pairs = command.len() - at;
    if pairs == 0 || pairs % 2 != 0 {
        return Err(Fail::Syntax);
    }
    if nx && xx {
        return Err(Fail::text(
            "ERR XX and NX options at the same time are not compatible",
        ));
    }
    if nx && (gt || lt) || gt && lt {
        return Err(Fail::text(
            "ERR GT, LT, and/or NX options at the same time are not compatible",
        ));
    }
    if incr && pairs > 2 {
        return Err(Fail::text(
            "ERR INCR option supports a single increment-element pair",
        ));
    }
    // Every score is checked before anything changes.
    let mut updates = Vec::with_capacity(pairs / 2);
    for pair in (at..command.len()).step_by(2) {
        let score = parse_f64(arg(command, pair)).ok_or(Fail::NotFloat)?;
        updates.push((score, arg(command, pair + 1)));
    }
    let key = arg(command, 1);
    let db = ctx.db();
    let mut shard = db.shard(key);
    let now = ctx.now;
    let exists = zset(&mut shard, key, now, false)?.is_some();
    if xx && !exists {
        drop(shard);
        return if incr { null(out) } else { out_integer(out, 0) };
    }
    let set = zset(&mut shard, key, now, true)?.ok_or(Fail::Syntax)?;
    let (mut added, mut changed) = (0, 0);
    let mut result = None;
    for (score, member) in updates {
        let old = set.score(member);
        let new = match (incr, old) {
            (true, Some(old)) => old + score,
            _ => score,
        };
        if new.is_nan() {
            if set.len() == 0 {
                shard.remove(key);
            }
            return Err(Fail::text("ERR resulting score is not a number (NaN)"));
        }
        let refused = match old {
            Some(old) => nx || (gt && new <= old) || (lt && new >= old),
            None => xx,
        };
        if refused {
            continue;
        }
        match old {
            None => added += 1,
            Some(old) if old != new => changed += 1,
            Some(_) => {}
        }
        set.insert(member, new);
        result = Some(new);
    }
    if set.len() == 0 {
        shard.remove(key);
    }
    drop(shard);
    if added + changed > 0 {
        db.touch(key);
    }
    if incr {
        return match result {
            Some(score) => {
                out.double(score);
                Ok(())
            }
            None => null(out),
        };
    }
    out_integer(out, if ch { added + changed } else { added })
}

fn out_integer(out: &mut Out<'_>, n: i64) -> Res {
    out.integer(n);
    Ok(())
}

pub(crate) fn zrem(ctx: &mut Ctx<'_>, command: &Command<'_>, out: &mut Out<'_>) -> Res {
    let key = arg(command, 1);
    let db = ctx.db();
    let mut shard = db.shard(key);
    let Some(set) = zset(&mut shard, key, ctx.now, false)? else {
        return out_integer(out, 0);
    };
    let removed = command
        .args()
        .skip(2)
        .filter(|member| set.remove(member))
        .count();
    if set.len() == 0 {
        shard.remove(key);
    }
    drop(shard);
    if removed > 0 {
        db.touch(key);
    }
    out_integer(out, removed as i64)
}

pub(crate) fn zscore(ctx: &mut Ctx<'_>, command: &Command<'_>, out: &mut Out<'_>) -> Res {
    let key = arg(command, 1);
    let mut shard = ctx.db().shard(key);
    match zset(&mut shard, key, ctx.now, false)?.and_then(|set| set.score(arg(command, 2))) {
        Some(score) => out.double(score),
        None => out.null(),
    }
    Ok(())
}

pub(crate) fn zcard(ctx: &mut Ctx<'_>, command: &Command<'_>, out: &mut Out<'_>) -> Res {
    let key = arg(command, 1);
    let len = zset(&mut ctx.db().shard(key), key, ctx.now, false)?.map_or(0, |set| set.len());
    out_integer(out, len as i64)
}

pub(crate) fn zincrby(ctx: &mut Ctx<'_>, command: &Command<'_>, out: &mut Out<'_>) -> Res {
    let by = parse_f64(arg(command, 2)).ok_or(Fail::NotFloat)?;
    let (key, member) = (arg(command, 1), arg(command, 3));
    let db = ctx.db();
    let mut shard = db.shard(key);
    let now = ctx.now;
    zset(&mut shard, key, now, false)?;
    let set = zset(&mut shard, key, now, true)?.ok_or(Fail::Syntax)?;
    let score = set.score(member).unwrap_or(0.0) + by;
    if score.is_nan() {
        if set.len() == 0 {
            shard.remove(key);
        }
        return Err(Fail::text("ERR resulting score is not a number (NaN)"));
    }
    set.insert(member, score);
    drop(shard);
    db.touch(key);
    out.double(score);
    Ok(())
}

/// A `BYSCORE` bound: `(` makes it exclusive.
fn score_bound(text: &[u8]) -> Option<(f64, bool)> {
    match text.strip_prefix(b"(") {
        Some(rest) => parse_f64(rest).map(|score| (score, true)),
        None => parse_f64(text).map(|score| (score, false)),
    }
}

pub(crate) fn zrange(ctx: &mut Ctx<'_>, command: &Command<'_>, out: &mut Out<'_>) -> Res {
    let (mut by_score, mut rev, mut with_scores) = (false, false, false);
    let mut limit: Option<(i64, i64)> = None;
    let mut at = 4;
    while at < command.len() {
        match arg(command, at).to_ascii_uppercase().as_slice() {
            b"BYSCORE" => by_score = true,
            b"REV" => rev = true,
            b"WITHSCORES" => with_scores = true,
            b"LIMIT" if at + 2 < command.len() => {
                limit = Some((int_arg(command, at + 1)?, int_arg(command, at + 2)?));
                at += 2;
            }
            _ => return Err(Fail::Syntax),
        }
        at += 1;
    }
    if limit.is_some() && !by_score {
        return Err(Fail::text(
            "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX",
        ));
    }
    let key = arg(command, 1);
    let mut shard = ctx.db().shard(key);
    let mut picked: Vec<(&[u8], f64)> = Vec::new();
    let set = zset(&mut shard, key, ctx.now, false);
    let (start, stop) = (arg(command, 2), arg(command, 3));
    if by_score {
        // With REV the first bound is the upper one.
        let (low, high) = if rev { (stop, start) } else { (start, stop) };
        let (Some(low), Some(high)) = (score_bound(low), score_bound(high)) else {
            return Err(Fail::text("ERR min or max is not a float"));
        };
        if let Some(set) = set? {
            let within = |score: f64| {
                (if low.1 { score > low.0 } else { score >= low.0 })
                    && (if high.1 {
                        score < high.0
                    } else {
                        score <= high.0
                    })
            };
            let iter: Box<dyn Iterator<Item = (&[u8], f64)>> = if rev {
                Box::new(set.iter().rev())
            } else {
                Box::new(set.iter())
            };
            let (offset, count) = limit.unwrap_or((0, -1));
            if offset >= 0 {
                let matching = iter
                    .filter(|(_, score)| within(*score))
                    .skip(offset as usize);
                picked = match usize::try_from(count) {
                    Ok(count) => matching.take(count).collect(),
                    Err(_) => matching.collect(),
                };
            }
        }
    } else {
        let (start, stop) = (
            crate::values::parse_i64(start).ok_or(Fail::NotInteger)?,
            crate::values::parse_i64(stop).ok_or(Fail::NotInteger)?,
        );
        if let Some(set) = set? {
            let len = set.len() as i64;
            let start = if start < 0 { start + len } else { start }.max(0);
            let stop = if stop < 0 { stop + len } else { stop }.min(len - 1);
            if start <= stop && start < len {
                let take = (stop - start + 1) as usize;
                picked = if rev {
                    set.iter().rev().skip(start as usize).take(take).collect()
                } else {
                    set.iter().skip(start as usize).take(take).collect()
                };
            }
        }
    }
    let resp3 = out.protocol() == Protocol::Resp3;
    if with_scores && !resp3 {
        out.array(picked.len() * 2);
    } else {
        out.array(picked.len());
    }
    for (member, score) in picked {
        if with_scores && resp3 {
            out.array(2);
        }
        out.bulk(member);
        if with_scores {
            out.double(score);
        }
    }
    Ok(())
}

fn pop(ctx: &mut Ctx<'_>, command: &Command<'_>, out: &mut Out<'_>, highest: bool) -> Res {
    let count = count_arg(command, 2)?;
    let key = arg(command, 1);
    let db = ctx.db();
    let mut shard = db.shard(key);
    let mut popped: Vec<(Box<[u8]>, f64)> = Vec::new();
    if let Some(set) = zset(&mut shard, key, ctx.now, false)? {
        let take = count.unwrap_or(1);
        popped = if highest {
            set.iter()
                .rev()
                .take(take)
                .map(|(m, s)| (m.into(), s))
                .collect()
        } else {
            set.iter().take(take).map(|(m, s)| (m.into(), s)).collect()
        };
        for (member, _) in &popped {
            set.remove(member);
        }
        if set.len() == 0 {
            shard.remove(key);
        }
    }
    drop(shard);
    if !popped.is_empty() {
        db.touch(key);
    }
    // RESP3 nests each pair when a count was given.
    let nested = count.is_some() && out.protocol() == Protocol::Resp3;
    out.array(if nested {
        popped.len()
    } else {
        popped.len() * 2
    });
    for (member, score) in popped {
        if nested {
            out.array(2);
        }
        out.bulk(member);
        out.double(score);
    }
    Ok(())
}

pub(crate) fn zpopmin(ctx: &mut Ctx<'_>, command: &Command<'_>, out: &mut Out<'_>) -> Res {
    pop(ctx, command, out, false)
}

pub(crate) fn zpopmax(ctx: &mut Ctx<'_>, command: &Command<'_>, out: &mut Out<'_>) -> Res {
    pop(ctx, command, out, true)
}
