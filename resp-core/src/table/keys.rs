//! [`CommandSpec::keys`]: which arguments of a command are keys, found by
//! the command's key specs as the server finds them, without allocating.

use super::arg_list::ArgList;
use super::types::{ArgKind, ArgSpec, BeginSearch, CommandSpec, FindKeys, KeyFlags, KeySpec};
use crate::lex::parse_integer;

/// One key of a command: where it is among the arguments (the name is 0)
/// and how the command uses it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key {
    /// Its index among the arguments, the command's name being 0.
    pub position: usize,
    /// How the command uses it (read, write, …).
    pub flags: KeyFlags,
}

impl CommandSpec {
    /// The keys of `args` (the whole command, name first), in the order
    /// the key specs find them.
    ///
    /// Specs the server describes fully are followed as the server does.
    /// Where a spec's start is unknown to the server (`SORT … STORE`), the
    /// argument docs give the keyword that precedes the key. A key
    /// argument that may instead be a pure token (`MIGRATE`'s `""` before
    /// its `KEYS` form) is not a key when it is that token and another
    /// spec's keyword names the keys. Arguments the
    /// server would refuse (a bad key count, too few arguments) give no
    /// keys for that spec rather than an error.
    ///
    /// ```
    /// use resp_core::CommandSpec;
    ///
    /// let keys = |args: &[&str]| -> Vec<usize> {
    ///     CommandSpec::of(args).unwrap().keys(args).map(|key| key.position).collect()
    /// };
    /// assert_eq!(keys(&["MSET", "a", "1", "b", "2"]), [1, 3]);
    /// assert_eq!(keys(&["EVAL", "return 1", "2", "x", "y", "arg"]), [3, 4]);
    /// assert_eq!(keys(&["XREAD", "COUNT", "2", "STREAMS", "s1", "s2", "0", "0"]), [4, 5]);
    /// assert_eq!(keys(&["SORT", "list", "LIMIT", "0", "5", "STORE", "out"]), [1, 6]);
    /// assert_eq!(keys(&["MIGRATE", "h", "6379", "", "0", "5000", "KEYS", "a", "b"]), [7, 8]);
    /// let set = CommandSpec::find(b"SET").unwrap();
    /// assert!(set.keys(&["SET", "k", "v"]).all(|key| key.flags.writes()));
    /// ```
    pub fn keys<'a, L: ArgList + ?Sized>(&'static self, args: &'a L) -> Keys<'a, L> {
        Keys {
            command: self,
            args,
            next_spec: 0,
            run: None,
        }
    }
}

/// The iterator [`CommandSpec::keys`] returns.
pub struct Keys<'a, L: ?Sized> {
    command: &'static CommandSpec,
    args: &'a L,
    next_spec: usize,
    run: Option<Run>,
}

impl<L: ?Sized> Clone for Keys<'_, L> {
    fn clone(&self) -> Self {
        Self { ..*self }
    }
}

impl<L: ?Sized> core::fmt::Debug for Keys<'_, L> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Keys")
            .field("command", &self.command.name)
            .field("next_spec", &self.next_spec)
            .finish_non_exhaustive()
    }
}

/// The keys one spec found that are still to be handed out.
#[derive(Debug, Clone, Copy)]
struct Run {
    next: usize,
    last: usize,
    step: usize,
    flags: KeyFlags,
    /// Pure tokens that may stand where a key would (`MIGRATE`'s `""`).
    instead: &'static [ArgSpec],
}

impl<L: ArgList + ?Sized> Iterator for Keys<'_, L> {
    type Item = Key;

    fn next(&mut self) -> Option<Key> {
        loop {
            if let Some(run) = &mut self.run {
                while run.next <= run.last {
                    let position = run.next;
                    run.next = position.saturating_add(run.step);
                    let arg = self.args.arg(position)?;
                    let token_instead = run
                        .instead
                        .iter()
                        .any(|other| other.token.is_some_and(|t| t.as_bytes() == arg));
                    if !token_instead {
                        return Some(Key {
                            position,
                            flags: run.flags,
                        });
                    }
                }
                self.run = None;
            }
            let index = self.next_spec;
            let spec = self.command.key_specs.get(index)?;
            self.next_spec += 1;
            if spec.flags.contains(KeyFlags::NOT_KEY) {
                continue;
            }
            self.run = self.run_of(index, spec);
        }
    }
}

impl<L: ArgList + ?Sized> Keys<'_, L> {
    /// Where the keys of spec `index` are in this command's arguments.
    fn run_of(&self, index: usize, spec: &KeySpec) -> Option<Run> {
        let argc = self.args.arg_count();
        let arg = |at: usize| self.args.arg(at);
        let first = match spec.begin_search {
            BeginSearch::Index(at) => at,
            BeginSearch::Keyword {
                keyword,
                start_from,
            } => {
                let is_keyword =
                    |(_, arg): &(usize, &[u8])| arg.eq_ignore_ascii_case(keyword.as_bytes());
                let args = self.args.iter_args().enumerate();
                let found = if start_from > 0 {
                    args.skip(start_from.unsigned_abs()).find(is_keyword)
                } else {
                    // Searched backwards from `start`: the last match up to it.
                    let start = argc.checked_sub(start_from.unsigned_abs())?;
                    args.skip(1).take(start).filter(is_keyword).last()
                };
                found?.0 + 1
            }
            BeginSearch::Unknown => {
                // The docs name the keyword before such a key (`STORE`).
                let doc = key_argument(self.command.arguments, index)?;
                let token = doc.token?.as_bytes();
                let (at, _) = self
                    .args
                    .iter_args()
                    .enumerate()
                    .skip(1)
                    .find(|(_, arg)| arg.eq_ignore_ascii_case(token))?;
                return (at + 1 < argc).then_some(Run {
                    next: at + 1,
                    last: at + 1,
                    step: 1,
                    flags: spec.flags,
                    instead: &[],
                });
            }
        };
        let (first, last, step) = match spec.find_keys {
            FindKeys::Range {
                last_key,
                step,
                limit,
            } => {
                let last = if last_key >= 0 {
                    first.checked_add(last_key.unsigned_abs())?
                } else if limit <= 1 {
                    argc.checked_sub(last_key.unsigned_abs())?
                } else {
                    // `last_key` is -1: the first `1/limit` of what remains.
                    (first + argc.checked_sub(first)? / limit).checked_sub(1)?
                };
                (first, last, step)
            }
            FindKeys::Keynum {
                keynum_index,
                first_key,
                step,
            } => {
                let count = parse_integer(arg(first.checked_add(keynum_index)?)?)?;
                let count = usize::try_from(count).ok()?;
                let first = first.checked_add(first_key)?;
                let last = first.checked_add(count.checked_sub(1)?.checked_mul(step)?)?;
                (first, last, step)
            }
            FindKeys::Unknown => return None,
        };
        if last >= argc || last < first || step == 0 {
            return None;
        }
        // A key that may instead be a pure token is that token only when
        // another spec's keyword is there to name the keys (`MIGRATE … ""
        // … KEYS a b`); alone it is a key, even an empty one.
        let instead = match alternatives(self.command.arguments, index) {
            Some(alternatives) if self.another_keyword_present(index) => alternatives,
            _ => &[],
        };
        Some(Run {
            next: first,
            last,
            step,
            flags: spec.flags,
            instead,
        })
    }

    /// Whether a keyword that starts another key spec than `index` is among
    /// the arguments.
    fn another_keyword_present(&self, index: usize) -> bool {
        let specs = self.command.key_specs.iter().enumerate();
        specs
            .filter(|&(other, _)| other != index)
            .any(|(_, spec)| match spec.begin_search {
                BeginSearch::Keyword { keyword, .. } => self
                    .args
                    .iter_args()
                    .skip(1)
                    .any(|arg| arg.eq_ignore_ascii_case(keyword.as_bytes())),
                _ => false,
            })
    }
}

/// The key argument that key spec `index` finds, anywhere in `arguments`.
fn key_argument(arguments: &'static [ArgSpec], index: usize) -> Option<&'static ArgSpec> {
    arguments.iter().find_map(|arg| {
        if arg.kind == ArgKind::Key && arg.key_spec_index == Some(index) {
            Some(arg)
        } else {
            key_argument(arg.arguments, index)
        }
    })
}

/// The alternatives of the one-of that holds key spec `index`'s key, when
/// the key is one choice among pure tokens.
fn alternatives(arguments: &'static [ArgSpec], index: usize) -> Option<&'static [ArgSpec]> {
    arguments.iter().find_map(|arg| {
        let holds_key = arg
            .arguments
            .iter()
            .any(|part| part.kind == ArgKind::Key && part.key_spec_index == Some(index));
        if arg.kind == ArgKind::OneOf && holds_key {
            Some(arg.arguments)
        } else {
            alternatives(arg.arguments, index)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;

    fn keys(args: &[&str]) -> Vec<usize> {
        CommandSpec::of(args)
            .unwrap()
            .keys(args)
            .map(|key| key.position)
            .collect()
    }

    #[test]
    fn ranges_keynums_and_keywords() {
        assert_eq!(keys(&["GET", "k"]), [1]);
        assert_eq!(keys(&["BLPOP", "a", "b", "0"]), [1, 2]);
        assert_eq!(
            keys(&["ZUNIONSTORE", "d", "2", "a", "b", "WEIGHTS", "1", "2"]),
            [1, 3, 4]
        );
        assert_eq!(keys(&["XINFO", "STREAM", "s"]), [2]);
        assert_eq!(keys(&["PING"]), Vec::<usize>::new());
        assert_eq!(keys(&["LMPOP", "2", "a", "b", "LEFT"]), [2, 3]);
        assert_eq!(keys(&["MIGRATE", "h", "1", "", "0", "5"]), [3]);
        assert_eq!(keys(&["MIGRATE", "h", "1", "", "0", "5", "KEYS", "a"]), [7]);
    }

    #[test]
    fn arguments_the_server_would_refuse_give_no_keys() {
        assert_eq!(keys(&["EVAL", "s", "x"]), Vec::<usize>::new());
        assert_eq!(keys(&["EVAL", "s", "-1"]), Vec::<usize>::new());
        assert_eq!(keys(&["EVAL", "s", "5", "a"]), Vec::<usize>::new());
        assert_eq!(
            keys(&["EVAL", "s", "99999999999999999999999"]),
            Vec::<usize>::new()
        );
        assert_eq!(keys(&["GET"]), Vec::<usize>::new());
        assert_eq!(keys(&["XREAD", "STREAMS"]), Vec::<usize>::new());
    }
}
