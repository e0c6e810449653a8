//! [`ConnectionEffect`]: what a command does to the connection that carries
//! it, beyond its reply, for proxies and pools that share connections.

use super::blocking::{BlockingWait, blocking_wait};
use crate::table::{ArgList, CommandFlags, CommandSpec};

/// What a command does to the connection that carries it: whether other
/// clients' commands may still share that connection, and for how long.
///
/// The server's table flags pub/sub and blocking commands; which commands
/// open and close transactions, change the database or the reply mode, or
/// set up the connection itself is written here, once, keyed by the
/// table's own names.
///
/// ```
/// use resp_core::ConnectionEffect;
///
/// assert_eq!(ConnectionEffect::of(&["get", "k"]), ConnectionEffect::None);
/// assert_eq!(ConnectionEffect::of(&["MULTI"]), ConnectionEffect::Multi);
/// assert!(matches!(ConnectionEffect::of(&["BLPOP", "q", "0"]), ConnectionEffect::Blocks(_)));
/// assert_eq!(ConnectionEffect::of(&["XREAD", "STREAMS", "s", "0"]), ConnectionEffect::None);
/// assert_eq!(ConnectionEffect::of(&["ssubscribe", "c"]), ConnectionEffect::Subscribes);
/// assert_eq!(ConnectionEffect::of(&["SELECT", "0"]), ConnectionEffect::Select { default: true });
/// assert_eq!(ConnectionEffect::of(&["client", "setname", "n"]), ConnectionEffect::SetName);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConnectionEffect {
    /// None: any connection may carry it, between other clients' commands.
    None,
    /// `WATCH`: the connection is the caller's until `UNWATCH`, or until
    /// the transaction it guards ends.
    Watch,
    /// `UNWATCH`.
    Unwatch,
    /// `MULTI`: the connection is the caller's until `EXEC` or `DISCARD`.
    Multi,
    /// `EXEC` or `DISCARD`: the transaction ends with its reply.
    EndsTransaction,
    /// `RESET`: the connection's state goes back to a new connection's.
    Reset,
    /// It holds its reply back up to this long.
    Blocks(BlockingWait),
    /// `SUBSCRIBE`, `PSUBSCRIBE`, `SSUBSCRIBE`: the connection carries
    /// messages from now on.
    Subscribes,
    /// `UNSUBSCRIBE`, `PUNSUBSCRIBE`, `SUNSUBSCRIBE`.
    Unsubscribes,
    /// `MONITOR`: the connection carries every command the server runs.
    Monitor,
    /// `CLIENT TRACKING`: invalidations arrive on or for this connection.
    Tracking,
    /// `CLIENT REPLY`: replies may be skipped from now on.
    ReplyMode,
    /// `SELECT`: another database from now on (`default` when it is 0).
    Select {
        /// Whether it selects database 0, the one a new connection has.
        default: bool,
    },
    /// `HELLO`: the protocol, and perhaps the user and name, change.
    Hello,
    /// `AUTH`: the user changes.
    Auth,
    /// `QUIT`: the server closes the connection after the reply.
    Quit,
    /// `CLIENT SETNAME`.
    SetName,
    /// `CLIENT GETNAME`.
    GetName,
}

impl ConnectionEffect {
    /// The effect of `args`, the command's name first, in any letter case.
    pub fn of<L: ArgList + ?Sized>(args: &L) -> Self {
        let Some(command) = CommandSpec::of(args) else {
            return Self::None;
        };
        match command.name {
            "watch" => Self::Watch,
            "unwatch" => Self::Unwatch,
            "multi" => Self::Multi,
            "exec" | "discard" => Self::EndsTransaction,
            "reset" => Self::Reset,
            "monitor" => Self::Monitor,
            "client|tracking" => Self::Tracking,
            "client|reply" => Self::ReplyMode,
            "client|setname" => Self::SetName,
            "client|getname" => Self::GetName,
            "select" => Self::Select {
                default: args.arg(1) == Some(b"0"),
            },
            "hello" => Self::Hello,
            "auth" => Self::Auth,
            "quit" => Self::Quit,
            name if command.flags.contains(CommandFlags::PUBSUB) => {
                match crate::push::SubscriptionKind::from_name(name.as_bytes()) {
                    Some(kind) if kind.is_subscribe() => Self::Subscribes,
                    Some(_) => Self::Unsubscribes,
                    None => Self::None,
                }
            }
            _ => blocking_wait(args).map_or(Self::None, Self::Blocks),
        }
    }
}
