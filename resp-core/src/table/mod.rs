//! The command table: what each Redis command is, as the server describes
//! itself in `COMMAND INFO` and `COMMAND DOCS`.
//!
//! The table is generated from a real `redis-server` (`tools/gen-commands`)
//! and committed, so every part of the workspace that needs to know what a
//! command is (whether it blocks, subscribes or only reads, where its keys
//! are, how many arguments it takes, how a cluster fans it out) reads the
//! same entry. Commands newer than the generating server have no entry;
//! they still go through `call` like any other.

mod arg_list;
mod generated;
mod keys;
mod types;

pub use arg_list::ArgList;
pub use keys::{Key, Keys};
pub use types::{
    AclCategories, ArgFlags, ArgKind, ArgSpec, BeginSearch, CommandFlags, CommandSpec, FindKeys,
    KeyFlags, KeySpec,
};

/// The `redis-server` version the table was generated from.
///
/// ```
/// assert!(resp_core::TABLE_SERVER_VERSION.starts_with('7'));
/// ```
pub const TABLE_SERVER_VERSION: &str = generated::SERVER_VERSION;

impl CommandSpec {
    /// Every top-level command of the table, sorted by name; subcommands
    /// are in each container's [`subcommands`](Self::subcommands).
    ///
    /// ```
    /// let commands = resp_core::CommandSpec::all();
    /// assert!(commands.len() > 200);
    /// assert!(commands.windows(2).all(|w| w[0].name < w[1].name));
    /// ```
    pub fn all() -> &'static [CommandSpec] {
        COMMANDS
    }

    /// The top-level command called `name`, in any letter case, without
    /// allocating.
    ///
    /// ```
    /// use resp_core::{CommandFlags, CommandSpec};
    ///
    /// let get = CommandSpec::find(b"get").unwrap();
    /// assert_eq!((get.name, get.arity), ("get", 2));
    /// assert!(get.flags.contains(CommandFlags::READONLY));
    /// assert!(CommandSpec::find(b"BLPOP").unwrap().flags.contains(CommandFlags::BLOCKING));
    /// assert!(CommandSpec::find(b"NOSUCHCOMMAND").is_none());
    /// ```
    pub fn find(name: &[u8]) -> Option<&'static CommandSpec> {
        // Integers first: the few entries whose first eight bytes match,
        // then the whole name.
        let key = prefix(name);
        let start = PREFIXES.partition_point(|&other| other < key);
        let candidates = PREFIXES[start..].iter().take_while(|&&other| other == key);
        (start..)
            .zip(candidates)
            .map(|(at, _)| &COMMANDS[at])
            .find(|command| command.name.as_bytes().eq_ignore_ascii_case(name))
    }

    /// The entry for a command given as its arguments, name first: a
    /// subcommand's own entry (`CLIENT SETNAME`, `CONFIG GET`,
    /// `XINFO STREAM`) when the container has one by that name, the
    /// command's entry otherwise.
    ///
    /// ```
    /// use resp_core::CommandSpec;
    ///
    /// let setname = CommandSpec::of(&["client", "SetName", "worker"]).unwrap();
    /// assert_eq!((setname.name, setname.arity), ("client|setname", 3));
    /// assert_eq!(CommandSpec::of(&["CLIENT"]).unwrap().name, "client");
    /// assert_eq!(CommandSpec::of(&["GET", "k"]).unwrap().name, "get");
    /// ```
    pub fn of<L: ArgList + ?Sized>(args: &L) -> Option<&'static CommandSpec> {
        let command = Self::find(args.arg(0)?)?;
        let sub = args.arg(1).and_then(|sub| command.subcommand(sub));
        Some(sub.unwrap_or(command))
    }

    /// The subcommand `name` of this container (`GETNAME` of `CLIENT`).
    ///
    /// ```
    /// use resp_core::CommandSpec;
    ///
    /// let config = CommandSpec::find(b"CONFIG").unwrap();
    /// assert_eq!(config.subcommand(b"get").unwrap().name, "config|get");
    /// ```
    pub fn subcommand(&self, name: &[u8]) -> Option<&'static CommandSpec> {
        find_in(self.subcommands, name, self.name.len() + 1)
    }

    /// The name as a user types it: `GET`, `CLIENT SETNAME`.
    ///
    /// ```
    /// let setname = resp_core::CommandSpec::of(&["CLIENT", "SETNAME"]).unwrap();
    /// assert_eq!(setname.words().collect::<Vec<_>>(), ["client", "setname"]);
    /// ```
    pub fn words(&self) -> impl Iterator<Item = &'static str> + use<> {
        self.name.split('|')
    }

    /// Whether the command can hold its reply back on purpose (`BLPOP`,
    /// `XREAD … BLOCK`), by its `blocking` flag.
    pub fn is_blocking(&self) -> bool {
        self.flags.contains(CommandFlags::BLOCKING)
    }

    /// Whether it only reads: `readonly` and not `write`.
    pub fn is_read_only(&self) -> bool {
        self.flags.contains(CommandFlags::READONLY) && !self.flags.contains(CommandFlags::WRITE)
    }

    /// The value of the tip `request_policy:…` (`all_shards`, `all_nodes`,
    /// `multi_shard`, `special`), which tells a cluster client where to
    /// send the command.
    ///
    /// ```
    /// use resp_core::CommandSpec;
    ///
    /// assert_eq!(CommandSpec::find(b"DBSIZE").unwrap().request_policy(), Some("all_shards"));
    /// assert_eq!(CommandSpec::find(b"DBSIZE").unwrap().response_policy(), Some("agg_sum"));
    /// assert_eq!(CommandSpec::find(b"GET").unwrap().request_policy(), None);
    /// ```
    pub fn request_policy(&self) -> Option<&'static str> {
        self.tip("request_policy")
    }

    /// The value of the tip `response_policy:…` (`agg_sum`,
    /// `all_succeeded`, `one_succeeded`, …), which tells a cluster client
    /// how to merge the replies of a command sent to several nodes.
    pub fn response_policy(&self) -> Option<&'static str> {
        self.tip("response_policy")
    }

    fn tip(&self, name: &str) -> Option<&'static str> {
        self.tips.iter().find_map(|tip| {
            tip.strip_prefix(name)
                .and_then(|rest| rest.strip_prefix(':'))
        })
    }

    /// Whether `argc` arguments (the name included, and a subcommand's
    /// container name) are a count this command takes: exactly `arity`, or
    /// at least `-arity` when it is negative.
    ///
    /// ```
    /// use resp_core::CommandSpec;
    ///
    /// let get = CommandSpec::find(b"GET").unwrap();
    /// assert!(get.takes_count(2) && !get.takes_count(3));
    /// let mset = CommandSpec::find(b"MSET").unwrap();
    /// assert!(mset.takes_count(3) && mset.takes_count(5) && !mset.takes_count(2));
    /// ```
    pub fn takes_count(&self, argc: usize) -> bool {
        let arity = self.arity.unsigned_abs() as usize;
        if self.arity < 0 {
            argc >= arity
        } else {
            argc == arity
        }
    }
}

/// Every top-level command, sorted by name, for indexes computed when the
/// crate compiles.
pub(crate) const ALL_COMMANDS: &[CommandSpec] = generated::ALL;

/// Every top-level command, sorted by name.
static COMMANDS: &[CommandSpec] = generated::ALL;

/// The [`prefix`] of each of [`COMMANDS`], in the same order (sorted too,
/// as the names are), computed when the crate compiles.
static PREFIXES: [u64; generated::ALL.len()] = prefixes();

const fn prefixes() -> [u64; generated::ALL.len()] {
    let mut out = [0; generated::ALL.len()];
    let mut at = 0;
    while at < out.len() {
        out[at] = prefix(generated::ALL[at].name.as_bytes());
        at += 1;
    }
    out
}

/// A name's first eight bytes in lower case, as one big-endian integer
/// padded with zeros: integers in the order of the names they start.
const fn prefix(name: &[u8]) -> u64 {
    let mut key = 0;
    let mut at = 0;
    while at < 8 {
        key <<= 8;
        if at < name.len() {
            key |= name[at].to_ascii_lowercase() as u64;
        }
        at += 1;
    }
    key
}

/// Binary search of `table` (sorted by name) for `name`, in any letter
/// case, comparing each entry's name after its first `skip` bytes (a
/// subcommand's `container|`).
fn find_in(
    table: &'static [CommandSpec],
    name: &[u8],
    skip: usize,
) -> Option<&'static CommandSpec> {
    table
        .binary_search_by(|spec| {
            let own = spec.name.as_bytes().get(skip..).unwrap_or_default();
            own.iter()
                .map(u8::to_ascii_lowercase)
                .cmp(name.iter().map(u8::to_ascii_lowercase))
        })
        .ok()
        .map(|at| &table[at])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_level_of_the_table_is_sorted_and_lower_case() {
        fn check(table: &'static [CommandSpec], skip: usize) {
            for pair in table.windows(2) {
                assert!(
                    pair[0].name < pair[1].name,
                    "{} then {}",
                    pair[0].name,
                    pair[1].name
                );
            }
            for spec in table {
                assert_eq!(spec.name, spec.name.to_ascii_lowercase());
                assert!(find_in(table, &spec.name.as_bytes()[skip..], skip).is_some());
                check(spec.subcommands, spec.name.len() + 1);
            }
        }
        check(CommandSpec::all(), 0);
        assert!(PREFIXES.windows(2).all(|pair| pair[0] <= pair[1]));
    }

    #[test]
    fn unknown_subcommands_fall_back_to_their_container() {
        assert_eq!(CommandSpec::of(&["CONFIG", "NOPE"]).unwrap().name, "config");
        assert_eq!(CommandSpec::of(&["get", "CONFIG"]).unwrap().name, "get");
        assert!(CommandSpec::of::<[&str]>(&[]).is_none());
        assert!(CommandSpec::find(b"").is_none());
        assert!(CommandSpec::find("GET\u{0}".as_bytes()).is_none());
    }
}
