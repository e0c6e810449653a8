//! String commands: GET, SET and its options, SETNX, SETEX, PSETEX, GETSET,
//! GETDEL, MGET, MSET, INCR and friends, INCRBYFLOAT, APPEND, STRLEN.

use super::{Ctx, Fail, Out, Res, arg, int_arg, null, ok};
use crate::store::{Found, Shard};
use crate::values::{parse_f64, parse_i64};
use resp_core::Command;

/// The string at `key`: `Ok(None)` when missing, WRONGTYPE for another type.
fn string<'s>(shard: &'s mut Shard, key: &[u8], now: u64) -> Result<Option<&'s [u8]>, Fail> {
    match shard.get(key, now) {
        None => Ok(None),
        Some(Found::Str(text)) => Ok(Some(text)),
        Some(Found::Other(_)) => Err(Fail::WrongType),
    }
}

pub(crate) fn get(ctx: &mut Ctx<'_>, command: &Command<'_>, out: &mut Out<'_>) -> Res {
    let key = arg(command, 1);
    let mut shard = ctx.db().shard(key);
    match string(&mut shard, key, ctx.now)? {
        Some(value) => out.bulk(value),
        None => out.null(),
    }
    Ok(())
}

/// What `SET`'s options asked for.
#[derive(Default)]
struct SetOptions {
    nx: bool,
    xx: bool,
    get: bool,
    keep_ttl: bool,
    /// The deadline, in milliseconds since the epoch.
    expires_at: Option<u64>,
}

fn set_options(command: &Command<'_>, now: u64) -> Result<SetOptions, Fail> {
    let mut options = SetOptions::default();
    let mut expiry: Option<(&[u8], i64)> = None;
    let mut at = 3;
    while at < command.len() {
        let option = arg(command, at).to_ascii_uppercase();
        match option.as_slice() {
            b"NX" if !options.xx => options.nx = true,
            b"XX" if !options.nx => options.xx = true,
            b"GET" => options.get = true,
            b"KEEPTTL" if expiry.is_none() => options.keep_ttl = true,
            b"EX" | b"PX" | b"EXAT" | b"PXAT"
                if expiry.is_none() && !options.keep_ttl && at + 1 < command.len() =>
            {
                at += 1;
                let amount = int_arg(command, at)?;
                expiry = Some((
                    match option.as_slice() {
                        b"EX" => b"EX",
                        b"PX" => b"PX",
                        b"EXAT" => b"EXAT",
                        _ => b"PXAT",
                    },
                    amount,
                ));
            }
            _ => return Err(Fail::Syntax),
        }
        at += 1;
    }
    if let Some((unit, amount)) = expiry {
        let invalid = || Fail::text("ERR invalid expire time in 'set' command");
        if amount <= 0 {
            return Err(invalid());
        }
        let now = now as i64;
        let deadline = match unit {
            b"EX" => amount.checked_mul(1000).and_then(|ms| ms.checked_add(now)),
            b"PX" => amount.checked_add(now),
            b"EXAT" => amount.checked_mul(1000),
            _ => Some(amount),
        }
        .ok_or_else(invalid)?;
        options.expires_at = Some(deadline.max(1) as u64);
    }
    Ok(options)
}

pub(crate) fn set(ctx: &mut Ctx<'_>, command: &Command<'_>, out: &mut Out<'_>) -> Res {
    let now = ctx.now;
    let options = set_options(command, now)?;
    let (key, value) = (arg(command, 1), arg(command, 2));
    let db = ctx.db();
    let mut shard = db.shard(key);
    // The old value, when GET asks for it.
    let (exists, old) = match shard.get(key, now) {
        None => (false, None),
        Some(Found::Str(text)) => (true, options.get.then(|| Box::<[u8]>::from(text))),
        Some(Found::Other(_)) if options.get => return Err(Fail::WrongType),
        Some(Found::Other(_)) => (true, None),
    };
    let applies = !(options.nx && exists || options.xx && !exists);
    if applies {
        let deadline = match options.expires_at {
            Some(deadline) => deadline,
            None if options.keep_ttl => shard.deadline(key),
            None => 0,
        };
        if deadline != 0 && deadline <= now {
            shard.remove(key);
        } else {
            shard.put_string(key, value);
            shard.set_deadline(key, deadline);
        }
        drop(shard);
        db.touch(key);
    }
    if options.get {
        match old {
            Some(text) => out.bulk(text),
            None => out.null(),
        }
        return Ok(());
    }
    if applies { ok(out) } else { null(out) }
}

pub(crate) fn setnx(ctx: &mut Ctx<'_>, command: &Command<'_>, out: &mut Out<'_>) -> Res {
    let (key, value) = (arg(command, 1), arg(command, 2));
    let db = ctx.db();
    let mut shard = db.shard(key);
    let fresh = !shard.contains(key, ctx.now);
    if fresh {
        shard.put_string(key, value);
        drop(shard);
        db.touch(key);
    }
    out.integer(i64::from(fresh));
    Ok(())
}

fn set_with_expiry(
    ctx: &mut Ctx<'_>,
    command: &Command<'_>,
    out: &mut Out<'_>,
    millis: bool,
    name: &str,
) -> Res {
    let amount = int_arg(command, 2)?;
    let invalid = || Fail::Text(format!("ERR invalid expire time in '{name}' command"));
    if amount <= 0 {
        return Err(invalid());
    }
    let now = ctx.now;
    let deadline = if millis {
        Some(amount)
    } else {
        amount.checked_mul(1000)
    }
    .and_then(|ms| ms.checked_add(now as i64))
    .ok_or_else(invalid)?;
    let (key, value) = (arg(command, 1), arg(command, 3));
    let db = ctx.db();
    let mut shard = db.shard(key);
    shard.put_string(key, value);
    shard.set_deadline(key, deadline as u64);
    drop(shard);
    db.touch(key);
    ok(out)
}

pub(crate) fn setex(ctx: &mut Ctx<'_>, command: &Command<'_>, out: &mut Out<'_>) -> Res {
    set_with_expiry(ctx, command, out, false, "setex")
}

pub(crate) fn psetex(ctx: &mut Ctx<'_>, command: &Command<'_>, out: &mut Out<'_>) -> Res {
    set_with_expiry(ctx, command, out, true, "psetex")
}

pub(crate) fn getset(ctx: &mut Ctx<'_>, command: &Command<'_>, out: &mut Out<'_>) -> Res {
    let (key, value) = (arg(command, 1), arg(command, 2));
    let db = ctx.db();
    let mut shard = db.shard(key);
    let old = string(&mut shard, key, ctx.now)?.map(Box::<[u8]>::from);
    shard.put_string(key, value);
    shard.set_deadline(key, 0);
    drop(shard);
    db.touch(key);
    match old {
        Some(old) => out.bulk(old),
        None => out.null(),
    }
    Ok(())
}

pub(crate) fn getdel(ctx: &mut Ctx<'_>, command: &Command<'_>, out: &mut Out<'_>) -> Res {
    let key = arg(command, 1);
    let db = ctx.db();
    let mut shard = db.shard(key);
    let Some(text) = string(&mut shard, key, ctx.now)? else {
        return null(out);
    };
    out.bulk(text);
    shard.remove(key);
    drop(shard);
    db.touch(key);
    Ok(())
}

pub(crate) fn mget(ctx: &mut Ctx<'_>, command: &Command<'_>, out: &mut Out<'_>) -> Res {
    let now = ctx.now;
    let db = ctx.db();
    out.array(command.len() - 1);
    for key in command.args().skip(1) {
        // Keys of other types read as missing.
        match string(&mut db.shard(key), key, now) {
            Ok(Some(value)) => out.bulk(value),
            _ => out.null(),
        }
    }
    Ok(())
}

pub(crate) fn mset(ctx: &mut Ctx<'_>, command: &Command<'_>, out: &mut Out<'_>) -> Res {
    if command.len() % 2 == 0 {
        return Err(Fail::text(
            "ERR wrong number of arguments for 'mset' command",
        ));
    }
    let db = ctx.db();
    let mut args = command.args().skip(1);
    while let (Some(key), Some(value)) = (args.next(), args.next()) {
        let mut shard = db.shard(key);
        shard.put_string(key, value);
        shard.set_deadline(key, 0);
        drop(shard);
        db.touch(key);
    }
    ok(out)
}

/// Adds `by` to the integer at `key`, keeping its deadline.
fn add(ctx: &mut Ctx<'_>, key: &[u8], by: i64, out: &mut Out<'_>) -> Res {
    let now = ctx.now;
    let db = ctx.db();
    let mut shard = db.shard(key);
    let current = match string(&mut shard, key, now)? {
        None => 0,
        Some(text) => parse_i64(text).ok_or(Fail::NotInteger)?,
    };
    let value = current.checked_add(by).ok_or(Fail::Overflow)?;
    // The deadline stays, as Redis keeps it.
    shard.put_string(key, itoa::Buffer::new().format(value).as_bytes());
    drop(shard);
    db.touch(key);
    out.integer(value);
    Ok(())
}

pub(crate) fn incr(ctx: &mut Ctx<'_>, command: &Command<'_>, out: &mut Out<'_>) -> Res {
    add(ctx, arg(command, 1), 1, out)
}

pub(crate) fn decr(ctx: &mut Ctx<'_>, command: &Command<'_>, out: &mut Out<'_>) -> Res {
    add(ctx, arg(command, 1), -1, out)
}

pub(crate) fn incrby(ctx: &mut Ctx<'_>, command: &Command<'_>, out: &mut Out<'_>) -> Res {
    let by = int_arg(command, 2)?;
    add(ctx, arg(command, 1), by, out)
}

pub(crate) fn decrby(ctx: &mut Ctx<'_>, command: &Command<'_>, out: &mut Out<'_>) -> Res {
    let by = int_arg(command, 2)?;
    let by = by
        .checked_neg()
        .ok_or_else(|| Fail::text("ERR decrement would overflow"))?;
    add(ctx, arg(command, 1), by, out)
}

pub(crate) fn incrbyfloat(ctx: &mut Ctx<'_>, command: &Command<'_>, out: &mut Out<'_>) -> Res {
    let key = arg(command, 1);
    let by = parse_f64(arg(command, 2)).ok_or(Fail::NotFloat)?;
    let now = ctx.now;
    let db = ctx.db();
    let mut shard = db.shard(key);
    let current = match string(&mut shard, key, now)? {
        None => 0.0,
        Some(text) => parse_f64(text).ok_or(Fail::NotFloat)?,
    };
    let value = current + by;
    if !value.is_finite() {
        return Err(Fail::text("ERR increment would produce NaN or Infinity"));
    }
    let text = format_float(value);
    shard.put_string(key, text.as_bytes());
    drop(shard);
    db.touch(key);
    out.bulk(text);
    Ok(())
}

/// How `INCRBYFLOAT` and `HINCRBYFLOAT` write a result: plain decimal
/// notation, no trailing zeros.
pub(crate) fn format_float(value: f64) -> String {
    if value == value.trunc() && value.abs() < 1e17 {
        format!("{value:.0}")
    } else {
        format!("{value}")
    }
}

pub(crate) fn append(ctx: &mut Ctx<'_>, command: &Command<'_>, out: &mut Out<'_>) -> Res {
    let (key, tail) = (arg(command, 1), arg(command, 2));
    let now = ctx.now;
    let db = ctx.db();
    let mut shard = db.shard(key);
    let joined: Box<[u8]> = match string(&mut shard, key, now)? {
        Some(text) => [text, tail].concat().into(),
        None => tail.into(),
    };
    let len = joined.len();
    shard.put_string(key, &joined);
    drop(shard);
    db.touch(key);
    out.integer(len as i64);
    Ok(())
}

pub(crate) fn strlen(ctx: &mut Ctx<'_>, command: &Command<'_>, out: &mut Out<'_>) -> Res {
    let key = arg(command, 1);
    let len = string(&mut ctx.db().shard(key), key, ctx.now)?.map_or(0, <[u8]>::len);
    out.integer(len as i64);
    Ok(())
}
