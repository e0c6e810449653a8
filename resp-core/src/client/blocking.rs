//! [`blocking_wait`]: how long a blocking command may keep its reply back,
//! so a client can give it a read deadline of its own.

use crate::lex::parse_integer;
use crate::table::{ALL_COMMANDS, ArgList, CommandFlags, CommandSpec};
use core::time::Duration;

/// How long the server may hold a blocking command's reply back on purpose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockingWait {
    /// Until something arrives (a timeout of 0).
    Forever,
    /// At most this long before it replies with a null.
    For(Duration),
}

/// For a blocking command, how long the server may wait before it replies;
/// `None` for any other command, or a timeout that does not parse (the
/// server will refuse it at once).
///
/// Whether a command blocks is the command table's `blocking` flag. Where
/// its timeout sits is a rule of its own: the last argument, in seconds
/// (fractions allowed), unless the command is `BLMPOP` or `BZMPOP` (the
/// first), or `XREAD`/`XREADGROUP` (after `BLOCK`, in milliseconds, and
/// only then does it block). `WAIT` and `WAITAOF` hold their reply back
/// too, up to their last argument in milliseconds, though the table does
/// not flag them.
///
/// `args` are the command's arguments, its name first.
///
/// ```
/// use core::time::Duration;
/// use resp_core::{BlockingWait, blocking_wait};
///
/// assert_eq!(blocking_wait(&["BLPOP", "q", "2"]), Some(BlockingWait::For(Duration::from_secs(2))));
/// assert_eq!(blocking_wait(&["blmpop", "0.5", "1", "q", "LEFT"]), Some(BlockingWait::For(Duration::from_millis(500))));
/// assert_eq!(blocking_wait(&["XREAD", "BLOCK", "0", "STREAMS", "s", "$"]), Some(BlockingWait::Forever));
/// assert_eq!(blocking_wait(&["XREAD", "STREAMS", "s", "0"]), None);
/// assert_eq!(blocking_wait(&["GET", "k"]), None);
/// ```
pub fn blocking_wait<L: ArgList + ?Sized>(args: &L) -> Option<BlockingWait> {
    let arg = |index: usize| args.arg(index);
    let last = || {
        args.arg_count()
            .checked_sub(1)
            .filter(|&at| at > 0)
            .and_then(arg)
    };
    match timeout_place(arg(0)?)? {
        Place::LastSeconds => seconds(last()?),
        Place::FirstSeconds => seconds(arg(1)?),
        Place::LastMilliseconds => milliseconds(last()?),
        Place::AfterBlock => {
            // Options come before STREAMS; a key named BLOCK comes after it.
            let mut options = args
                .iter_args()
                .skip(1)
                .take_while(|arg| !arg.eq_ignore_ascii_case(b"STREAMS"));
            while let Some(option) = options.next() {
                if option.eq_ignore_ascii_case(b"BLOCK") {
                    return milliseconds(options.next()?);
                }
            }
            None
        }
    }
}

/// Where a blocking command keeps its timeout.
enum Place {
    LastSeconds,
    FirstSeconds,
    LastMilliseconds,
    /// After a `BLOCK` option, in milliseconds.
    AfterBlock,
}

/// Where the command `name` keeps its timeout, if it is one that blocks.
fn timeout_place(name: &[u8]) -> Option<Place> {
    if !may_have_timeout(name) {
        return None;
    }
    let Some(command) = CommandSpec::find(name) else {
        // Newer than the table: `WAITAOF` (Redis 7.2) waits as `WAIT` does.
        return name
            .eq_ignore_ascii_case(b"waitaof")
            .then_some(Place::LastMilliseconds);
    };
    Some(match command.name {
        "blmpop" | "bzmpop" => Place::FirstSeconds,
        "xread" | "xreadgroup" => Place::AfterBlock,
        // Not flagged `blocking`, yet they hold the reply back.
        "wait" | "waitaof" => Place::LastMilliseconds,
        _ if command.is_blocking() => Place::LastSeconds,
        _ => return None,
    })
}

/// For each first letter, a bit for each name length of the commands with a
/// timeout place: those the table flags `blocking`, and `WAIT` and
/// `WAITAOF`. Computed from the table when the crate compiles, it turns
/// away nearly every command before any lookup, on every call's path.
static TIMEOUT_SHAPES: [u32; 26] = timeout_shapes();

const fn timeout_shapes() -> [u32; 26] {
    let mut shapes = [0; 26];
    let mut at = 0;
    while at < ALL_COMMANDS.len() {
        let command = &ALL_COMMANDS[at];
        if command.flags.contains(CommandFlags::BLOCKING) {
            add_shape(&mut shapes, command.name.as_bytes());
        }
        at += 1;
    }
    add_shape(&mut shapes, b"wait");
    add_shape(&mut shapes, b"waitaof");
    shapes
}

const fn add_shape(shapes: &mut [u32; 26], name: &[u8]) {
    assert!(name.len() < 32 && name[0].is_ascii_lowercase());
    shapes[(name[0] - b'a') as usize] |= 1 << name.len();
}

/// Whether a command named `name` may have a timeout place: `false` means
/// it surely has none.
fn may_have_timeout(name: &[u8]) -> bool {
    let (Some(&first), true) = (name.first(), name.len() < 32) else {
        return false;
    };
    let letter = usize::from(first.to_ascii_lowercase().wrapping_sub(b'a'));
    TIMEOUT_SHAPES
        .get(letter)
        .is_some_and(|shapes| shapes & (1 << name.len()) != 0)
}

/// Whether the command `name` is one the table flags `blocking`: it may
/// wait for data to arrive (`BLPOP`, `XREAD … BLOCK`), holding its
/// connection meanwhile, so a client may give it a connection of its own.
/// Its arguments say whether it does ([`blocking_wait`]). `WAIT` and
/// `WAITAOF` are not of these: they wait for this connection's own writes
/// to reach replicas, so they must stay on it.
///
/// ```
/// use resp_core::waits_for_data;
///
/// assert!(waits_for_data(b"BLPOP") && waits_for_data(b"xread"));
/// assert!(!waits_for_data(b"GET") && !waits_for_data(b"WAIT"));
/// ```
pub fn waits_for_data(name: &[u8]) -> bool {
    may_have_timeout(name) && CommandSpec::find(name).is_some_and(CommandSpec::is_blocking)
}

/// Whether the command `name` can block, so that its arguments are worth
/// looking at.
pub(crate) fn may_block(name: &[u8]) -> bool {
    timeout_place(name).is_some()
}

fn milliseconds(text: &[u8]) -> Option<BlockingWait> {
    match u64::try_from(parse_integer(text)?).ok()? {
        0 => Some(BlockingWait::Forever),
        ms => Some(BlockingWait::For(Duration::from_millis(ms))),
    }
}

/// Seconds as Redis reads them for the list commands: an integer or a
/// decimal fraction, not negative.
fn seconds(text: &[u8]) -> Option<BlockingWait> {
    let text = core::str::from_utf8(text).ok()?;
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    if whole.is_empty() && fraction.is_empty()
        || !whole
            .bytes()
            .chain(fraction.bytes())
            .all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let whole: u64 = if whole.is_empty() {
        0
    } else {
        whole.parse().ok()?
    };
    // Nanoseconds from the first nine fraction digits; Redis keeps millis.
    let mut nanos = 0u32;
    for (at, digit) in fraction.bytes().take(9).enumerate() {
        nanos += u32::from(digit - b'0') * 10u32.pow(8 - at as u32);
    }
    let wait = Duration::new(whole, 0).checked_add(Duration::from_nanos(u64::from(nanos)))?;
    Some(if wait.is_zero() {
        BlockingWait::Forever
    } else {
        BlockingWait::For(wait)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(line: &str) -> Option<BlockingWait> {
        let args: alloc::vec::Vec<&str> = line.split(' ').collect();
        blocking_wait(&args)
    }

    fn secs(s: f64) -> Option<BlockingWait> {
        Some(BlockingWait::For(Duration::from_secs_f64(s)))
    }

    #[test]
    fn list_commands_take_their_last_argument_in_seconds() {
        assert_eq!(of("BLPOP a b 2"), secs(2.0));
        assert_eq!(of("brpop a 0"), Some(BlockingWait::Forever));
        assert_eq!(of("BRPOPLPUSH a b 1.5"), secs(1.5));
        assert_eq!(of("BLMOVE a b LEFT RIGHT 0.25"), secs(0.25));
        assert_eq!(of("BZPOPMIN z .5"), secs(0.5));
        assert_eq!(of("BZMPOP 3 1 z MIN"), secs(3.0));
        assert_eq!(of("BLPOP"), None);
    }

    #[test]
    fn timeouts_the_server_refuses_are_not_waits() {
        assert_eq!(of("BLPOP a -1"), None);
        assert_eq!(of("BLPOP a soon"), None);
        assert_eq!(of("BLPOP a 1e3"), None);
        assert_eq!(of("BLPOP a ."), None);
        assert_eq!(of("WAIT 1 -5"), None);
        assert_eq!(of("BLPOP a 99999999999999999999"), None);
    }

    #[test]
    fn stream_reads_block_only_with_block_before_streams() {
        assert_eq!(
            of("XREADGROUP GROUP g c COUNT 1 BLOCK 250 STREAMS s >"),
            Some(BlockingWait::For(Duration::from_millis(250)))
        );
        assert_eq!(of("XREAD STREAMS BLOCK 0"), None);
        assert_eq!(of("XREAD COUNT 5 STREAMS s 0"), None);
    }

    #[test]
    fn the_shape_check_turns_away_no_command_that_may_block() {
        for command in CommandSpec::all() {
            let upper = command.name.to_ascii_uppercase();
            let has_place = timeout_place(command.name.as_bytes()).is_some();
            assert_eq!(
                has_place,
                command.is_blocking() || command.name == "wait",
                "{}",
                command.name
            );
            if command.is_blocking() {
                assert!(may_have_timeout(upper.as_bytes()), "{upper}");
            }
        }
        assert!(may_have_timeout(b"WAITAOF") && !may_have_timeout(b"GET"));
        assert!(
            !may_have_timeout(b"") && !may_have_timeout(b"\xff") && !may_have_timeout(&[b'b'; 40])
        );
    }

    #[test]
    fn wait_commands_take_milliseconds() {
        assert_eq!(
            of("WAIT 1 100"),
            Some(BlockingWait::For(Duration::from_millis(100)))
        );
        assert_eq!(of("WAITAOF 1 0 0"), Some(BlockingWait::Forever));
    }
}
