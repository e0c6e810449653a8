//! The shapes of the table's entries, one field per thing `COMMAND INFO`
//! and `COMMAND DOCS` say.

use core::fmt;

/// Declares a set of named flags over an integer, with each flag's name as
/// the server spells it, so the generator can check that it knows every
/// name a server reports.
macro_rules! flag_set {
    ($(#[$meta:meta])* $set:ident: $repr:ty {
        $($(#[$flag_meta:meta])* $flag:ident = $bit:literal, $text:literal;)*
    }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
        pub struct $set($repr);

        impl $set {
            $($(#[$flag_meta])* pub const $flag: Self = Self(1 << $bit);)*

            /// Each flag with the name the server gives it.
            pub const NAMES: &'static [(&'static str, Self)] = &[$(($text, Self::$flag)),*];

            /// No flag at all.
            pub const fn empty() -> Self {
                Self(0)
            }

            /// Both sets together.
            pub const fn union(self, other: Self) -> Self {
                Self(self.0 | other.0)
            }

            /// Whether every flag of `other` is in this set.
            pub const fn contains(self, other: Self) -> bool {
                self.0 & other.0 == other.0
            }

            /// The flag the server calls `name` (in any letter case).
            pub fn from_name(name: &str) -> Option<Self> {
                Self::NAMES
                    .iter()
                    .find(|(text, _)| text.eq_ignore_ascii_case(name))
                    .map(|&(_, flag)| flag)
            }

            /// The names of the flags in this set, in the table's order.
            pub fn names(self) -> impl Iterator<Item = &'static str> {
                Self::NAMES
                    .iter()
                    .filter(move |&&(_, flag)| self.contains(flag))
                    .map(|&(text, _)| text)
            }
        }

        impl fmt::Debug for $set {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_set().entries(self.names()).finish()
            }
        }
    };
}

flag_set! {
    /// A command's flags, as `COMMAND INFO` lists them.
    ///
    /// ```
    /// use resp_core::CommandFlags;
    ///
    /// let flags = CommandFlags::WRITE.union(CommandFlags::DENYOOM);
    /// assert!(flags.contains(CommandFlags::WRITE) && !flags.contains(CommandFlags::READONLY));
    /// assert_eq!(flags.names().collect::<Vec<_>>(), ["write", "denyoom"]);
    /// assert_eq!(CommandFlags::from_name("BLOCKING"), Some(CommandFlags::BLOCKING));
    /// ```
    CommandFlags: u32 {
        /// It may change the data set.
        WRITE = 0, "write";
        /// It never changes the data set.
        READONLY = 1, "readonly";
        /// It may grow memory, so it is refused past `maxmemory`.
        DENYOOM = 2, "denyoom";
        /// A module's command.
        MODULE = 3, "module";
        /// An administrative command.
        ADMIN = 4, "admin";
        /// Part of publish/subscribe.
        PUBSUB = 5, "pubsub";
        /// Not allowed in scripts.
        NOSCRIPT = 6, "noscript";
        /// It may hold its reply back until something happens.
        BLOCKING = 7, "blocking";
        /// Allowed while the data set loads.
        LOADING = 8, "loading";
        /// Allowed on a replica with stale data.
        STALE = 9, "stale";
        /// Not shown by `MONITOR`.
        SKIP_MONITOR = 10, "skip_monitor";
        /// Not logged by the slow log.
        SKIP_SLOWLOG = 11, "skip_slowlog";
        /// Served by a cluster node in the importing state after `ASKING`.
        ASKING = 12, "asking";
        /// Constant or logarithmic time.
        FAST = 13, "fast";
        /// Allowed before authentication.
        NO_AUTH = 14, "no_auth";
        /// It may be replicated though it does not write.
        MAY_REPLICATE = 15, "may_replicate";
        /// A Sentinel command.
        SENTINEL = 16, "sentinel";
        /// Only in Sentinel.
        ONLY_SENTINEL = 17, "only_sentinel";
        /// It may be called with no key though it has key arguments.
        NO_MANDATORY_KEYS = 18, "no_mandatory_keys";
        /// Protected by the `enable-*-command` settings.
        PROTECTED = 19, "protected";
        /// A module's command that finds its keys itself.
        MODULE_GETKEYS = 20, "module_getkeys";
        /// A module's command refused in a cluster.
        MODULE_NO_CLUSTER = 21, "module_no_cluster";
        /// Refused while the data set loads asynchronously.
        NO_ASYNC_LOADING = 22, "no_async_loading";
        /// Refused inside `MULTI`.
        NO_MULTI = 23, "no_multi";
        /// Its key positions depend on its arguments.
        MOVABLEKEYS = 24, "movablekeys";
        /// Allowed while a script or function is busy.
        ALLOW_BUSY = 25, "allow_busy";
        /// A module's command that finds its channels itself.
        MODULE_GETCHANNELS = 26, "module_getchannels";
        /// It may touch keys it does not name.
        TOUCHES_ARBITRARY_KEYS = 27, "touches_arbitrary_keys";
    }
}

flag_set! {
    /// A command's ACL categories (`@read`, `@write`, …), without the `@`.
    ///
    /// ```
    /// use resp_core::{AclCategories, CommandSpec};
    ///
    /// let blpop = CommandSpec::find(b"BLPOP").unwrap();
    /// assert!(blpop.acl_categories.contains(AclCategories::BLOCKING));
    /// ```
    AclCategories: u32 {
        /// Reads or changes keys, databases or their metadata.
        KEYSPACE = 0, "keyspace";
        /// Reads from keys.
        READ = 1, "read";
        /// Writes to keys.
        WRITE = 2, "write";
        /// Sets.
        SET = 3, "set";
        /// Sorted sets.
        SORTEDSET = 4, "sortedset";
        /// Lists.
        LIST = 5, "list";
        /// Hashes.
        HASH = 6, "hash";
        /// Strings.
        STRING = 7, "string";
        /// Bitmaps.
        BITMAP = 8, "bitmap";
        /// HyperLogLogs.
        HYPERLOGLOG = 9, "hyperloglog";
        /// Geospatial indexes.
        GEO = 10, "geo";
        /// Streams.
        STREAM = 11, "stream";
        /// Publish/subscribe.
        PUBSUB = 12, "pubsub";
        /// Administration.
        ADMIN = 13, "admin";
        /// Fast commands.
        FAST = 14, "fast";
        /// Every command that is not fast.
        SLOW = 15, "slow";
        /// Commands that may block.
        BLOCKING = 16, "blocking";
        /// Commands that may be dangerous.
        DANGEROUS = 17, "dangerous";
        /// The connection itself.
        CONNECTION = 18, "connection";
        /// Transactions.
        TRANSACTION = 19, "transaction";
        /// Scripts and functions.
        SCRIPTING = 20, "scripting";
    }
}

flag_set! {
    /// How a command uses the keys one of its key specs finds.
    ///
    /// ```
    /// use resp_core::KeyFlags;
    ///
    /// let flags = KeyFlags::RW.union(KeyFlags::ACCESS);
    /// assert!(flags.reads() && flags.writes());
    /// assert!(!KeyFlags::OW.reads() && KeyFlags::OW.writes());
    /// ```
    KeyFlags: u16 {
        /// Read and written.
        RW = 0, "RW";
        /// Only read.
        RO = 1, "RO";
        /// Overwritten: written without being read.
        OW = 2, "OW";
        /// Removed.
        RM = 3, "RM";
        /// Its value is returned or used.
        ACCESS = 4, "access";
        /// Its value is updated in place.
        UPDATE = 5, "update";
        /// Data is added to it.
        INSERT = 6, "insert";
        /// Data is removed from it.
        DELETE = 7, "delete";
        /// Not a key, though found like one.
        NOT_KEY = 8, "not_key";
        /// The spec may not find every key.
        INCOMPLETE = 9, "incomplete";
        /// The flags depend on the arguments.
        VARIABLE_FLAGS = 10, "variable_flags";
    }
}

impl KeyFlags {
    /// Whether the command reads the key (`RO` or `RW`).
    pub const fn reads(self) -> bool {
        self.contains(Self::RO) || self.contains(Self::RW)
    }

    /// Whether the command may change the key (`RW`, `OW` or `RM`).
    pub const fn writes(self) -> bool {
        self.contains(Self::RW) || self.contains(Self::OW) || self.contains(Self::RM)
    }
}

flag_set! {
    /// How often an argument may appear.
    ArgFlags: u8 {
        /// It may be left out.
        OPTIONAL = 0, "optional";
        /// It may be repeated.
        MULTIPLE = 1, "multiple";
        /// Each repetition carries its token again (`GET p GET q`).
        MULTIPLE_TOKEN = 2, "multiple_token";
    }
}

/// One Redis command or subcommand.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct CommandSpec {
    /// Lower case, as the server reports it; a subcommand's is
    /// `container|sub` (`client|setname`).
    pub name: &'static str,
    /// The argument count, the name included: exactly this many, or at
    /// least `-arity` when negative.
    pub arity: i16,
    /// What kind of command it is.
    pub flags: CommandFlags,
    /// Its ACL categories.
    pub acl_categories: AclCategories,
    /// Hints for clients, such as `request_policy:all_shards` or
    /// `nondeterministic_output`, as the server spells them.
    pub tips: &'static [&'static str],
    /// Where its keys are.
    pub key_specs: &'static [KeySpec],
    /// Its group in the documentation (`string`, `list`, `server`, …).
    pub group: &'static str,
    /// The server version that introduced it.
    pub since: &'static str,
    /// One line on what it does.
    pub summary: &'static str,
    /// Its time complexity, as the documentation states it.
    pub complexity: &'static str,
    /// The version that deprecated it, if it is deprecated.
    pub deprecated_since: Option<&'static str>,
    /// What to use instead, when it is deprecated.
    pub replaced_by: Option<&'static str>,
    /// Its arguments after the name (after the subcommand's name for a
    /// subcommand).
    pub arguments: &'static [ArgSpec],
    /// Its subcommands, sorted by name.
    pub subcommands: &'static [CommandSpec],
}

/// Where one group of a command's keys is, and how they are used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeySpec {
    /// How the command uses these keys.
    pub flags: KeyFlags,
    /// Where the search for the first key starts.
    pub begin_search: BeginSearch,
    /// Which arguments from there are keys.
    pub find_keys: FindKeys,
}

/// Where a key spec's search starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BeginSearch {
    /// At this argument (the name is 0).
    Index(usize),
    /// Right after the keyword, searched from `start_from` (from the end
    /// when negative).
    Keyword {
        /// The keyword, such as `STREAMS`.
        keyword: &'static str,
        /// Where the search starts; counted from the end when negative.
        start_from: isize,
    },
    /// The server cannot say; the argument docs may (see [`ArgSpec::token`]).
    Unknown,
}

/// Which arguments, from where the search began, are keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FindKeys {
    /// A range: every `step`th argument up to `last_key` (relative to the
    /// first key; from the end when negative, or a `1/limit` share of the
    /// remaining arguments when `limit` is above 1).
    Range {
        /// The last key, relative to the first, or from the end if negative.
        last_key: isize,
        /// The distance between keys.
        step: usize,
        /// With `last_key` -1, the share of the remaining arguments that
        /// are keys (2: half of them); 0 for all.
        limit: usize,
    },
    /// A count argument then that many keys.
    Keynum {
        /// Where the count is, relative to the first argument searched.
        keynum_index: usize,
        /// Where the first key is, relative to the first argument searched.
        first_key: usize,
        /// The distance between keys.
        step: usize,
    },
    /// The server cannot say.
    Unknown,
}

/// The type of an argument, as `COMMAND DOCS` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ArgKind {
    /// A string.
    String,
    /// An integer.
    Integer,
    /// A floating-point number.
    Double,
    /// A key name.
    Key,
    /// A glob-style pattern.
    Pattern,
    /// A Unix time.
    UnixTime,
    /// Just its token, with no value (`NX`).
    PureToken,
    /// One of its arguments.
    OneOf,
    /// All of its arguments, in order.
    Block,
}

/// One argument of a command.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct ArgSpec {
    /// Its name in the documentation.
    pub name: &'static str,
    /// Its type.
    pub kind: ArgKind,
    /// For a key, which of the command's key specs finds it.
    pub key_spec_index: Option<usize>,
    /// The keyword written before its value (`EX`), or the whole argument
    /// for a pure token.
    pub token: Option<&'static str>,
    /// Whether it is optional and may be repeated.
    pub flags: ArgFlags,
    /// The server version that added it, when later than the command.
    pub since: Option<&'static str>,
    /// How the documentation shows it, when not by its name.
    pub display: Option<&'static str>,
    /// A one-of's alternatives, or a block's parts.
    pub arguments: &'static [ArgSpec],
}

impl ArgSpec {
    /// Whether it may be left out.
    pub const fn is_optional(&self) -> bool {
        self.flags.contains(ArgFlags::OPTIONAL)
    }

    /// Whether it may be repeated.
    pub const fn is_multiple(&self) -> bool {
        self.flags.contains(ArgFlags::MULTIPLE)
    }
}
