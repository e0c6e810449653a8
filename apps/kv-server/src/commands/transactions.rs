//! Transactions: MULTI, EXEC, DISCARD, WATCH, UNWATCH. Queuing itself
//! happens in the dispatcher, which knows what Redis refuses while queuing.

use super::{Ctx, Fail, Out, Res, ok, run_queued};
use crate::session::Multi;
use resp_core::Command;
use std::sync::atomic::Ordering;

pub(crate) fn multi(ctx: &mut Ctx<'_>, _: &Command<'_>, out: &mut Out<'_>) -> Res {
    if ctx.session.multi.is_some() {
        return Err(Fail::text("ERR MULTI calls can not be nested"));
    }
    ctx.session.multi = Some(Multi::default());
    ok(out)
}

/// Forgets the transaction and every watched key.
pub(crate) fn forget(ctx: &mut Ctx<'_>) {
    ctx.session.multi = None;
    for (db, key, _) in std::mem::take(&mut ctx.session.watched) {
        ctx.shared
            .store
            .db(db)
            .unwatch(&key, &ctx.session.watch_dirty);
    }
    ctx.session.watch_dirty.store(false, Ordering::Relaxed);
}

/// Whether a watched key changed, or expired, since `WATCH`.
fn watched_changed(ctx: &Ctx<'_>) -> bool {
    if ctx.session.watch_dirty.load(Ordering::Relaxed) {
        return true;
    }
    let now = ctx.now;
    ctx.session.watched.iter().any(|(db, key, existed)| {
        *existed && ctx.shared.store.db(*db).shard(key).get(key, now).is_none()
    })
}

pub(crate) fn exec(ctx: &mut Ctx<'_>, _: &Command<'_>, out: &mut Out<'_>) -> Res {
    let Some(multi) = ctx.session.multi.take() else {
        return Err(Fail::text("ERR EXEC without MULTI"));
    };
    if multi.dirty {
        forget(ctx);
        return Err(Fail::text(
            "EXECABORT Transaction discarded because of previous errors.",
        ));
    }
    let gate = ctx.shared.store.exclusive();
    if watched_changed(ctx) {
        drop(gate);
        forget(ctx);
        out.null_array();
        return Ok(());
    }
    out.array(multi.queued.len());
    for request in &multi.queued {
        run_queued(ctx, &request.command(), out);
    }
    drop(gate);
    forget(ctx);
    Ok(())
}

pub(crate) fn discard(ctx: &mut Ctx<'_>, _: &Command<'_>, out: &mut Out<'_>) -> Res {
    if ctx.session.multi.is_none() {
        return Err(Fail::text("ERR DISCARD without MULTI"));
    }
    forget(ctx);
    ok(out)
}

pub(crate) fn watch(ctx: &mut Ctx<'_>, command: &Command<'_>, out: &mut Out<'_>) -> Res {
    if ctx.session.multi.is_some() {
        return Err(Fail::text("ERR WATCH inside MULTI is not allowed"));
    }
    let now = ctx.now;
    let index = ctx.session.db;
    let db = ctx.db();
    for key in command.args().skip(1) {
        if ctx
            .session
            .watched
            .iter()
            .any(|(d, k, _)| *d == index && &**k == key)
        {
            continue;
        }
        let exists = db.shard(key).get(key, now).is_some();
        db.watch(key, &ctx.session.watch_dirty);
        ctx.session.watched.push((index, key.into(), exists));
    }
    ok(out)
}

pub(crate) fn unwatch(ctx: &mut Ctx<'_>, _: &Command<'_>, out: &mut Out<'_>) -> Res {
    let multi = ctx.session.multi.take();
    forget(ctx);
    ctx.session.multi = multi;
    ok(out)
}
