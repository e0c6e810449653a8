//! Where a request goes: over a shared upstream connection, over the
//! client's own one, or nowhere because the proxy answers it.
//!
//! Pure functions of the command and the client's state, so the rules can
//! be read and tested apart from any socket.

use resp_core::{AclCategories, ArgList, Command, CommandSpec, ConnectionEffect};

/// What a command does to the connection that carries it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Effect {
    /// Nothing: any connection may carry it, between other clients' commands.
    Stateless,
    /// `WATCH`: the connection is the client's until `UNWATCH`, or until
    /// the transaction it guards ends.
    Watch,
    /// `MULTI`: the connection is the client's until `EXEC` or `DISCARD`.
    Multi,
    /// `UNWATCH`: ends a `WATCH` outside a transaction.
    Unwatch,
    /// `EXEC` or `DISCARD`: a transaction ends with its reply.
    ExecOrDiscard,
    /// A blocking command: the connection is the client's until it replies.
    Blocks,
    /// Subscriptions, `MONITOR`, `CLIENT TRACKING`, `SELECT`
    /// of another database: the connection is the client's from now on.
    Sticks,
    /// `SELECT 0`: back to the database shared connections use.
    SelectsDefault,
    /// Answered by the proxy itself (`HELLO`, `AUTH`, `QUIT`, `CLIENT SETNAME` …).
    Local(Local),
}

/// The commands the proxy answers without an upstream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Local {
    Hello,
    Auth,
    Quit,
    ClientSetName,
    ClientGetName,
    /// `RESET`: the client's own connection, and whatever state it held
    /// upstream, is dropped; on a shared connection it would reset the
    /// proxy's own session there.
    Reset,
    /// `CLIENT REPLY`: `ON` is how every connection is; `OFF` and `SKIP`
    /// are refused, since replies to a client's commands share their
    /// upstream connection with other clients' and are always read.
    ClientReply,
}

/// What `args` (the command name first) does, ignoring case as Redis does:
/// the core's [`ConnectionEffect`], read as what it means for sharing an
/// upstream connection.
pub(crate) fn effect<L: ArgList + ?Sized>(args: &L) -> Effect {
    match ConnectionEffect::of(args) {
        ConnectionEffect::Watch => Effect::Watch,
        ConnectionEffect::Multi => Effect::Multi,
        ConnectionEffect::Unwatch => Effect::Unwatch,
        ConnectionEffect::EndsTransaction => Effect::ExecOrDiscard,
        ConnectionEffect::Reset => Effect::Local(Local::Reset),
        ConnectionEffect::Blocks(_) => Effect::Blocks,
        ConnectionEffect::Subscribes
        | ConnectionEffect::Monitor
        | ConnectionEffect::Tracking
        | ConnectionEffect::Select { default: false } => Effect::Sticks,
        ConnectionEffect::ReplyMode => Effect::Local(Local::ClientReply),
        ConnectionEffect::Select { default: true } => Effect::SelectsDefault,
        ConnectionEffect::Hello => Effect::Local(Local::Hello),
        ConnectionEffect::Auth => Effect::Local(Local::Auth),
        ConnectionEffect::Quit => Effect::Local(Local::Quit),
        ConnectionEffect::SetName => Effect::Local(Local::ClientSetName),
        ConnectionEffect::GetName => Effect::Local(Local::ClientGetName),
        _ => Effect::Stateless,
    }
}

/// The effect of the command a client sent last, when it depends on the
/// name alone: a pipeline of one command looks the table up once, not once
/// per command (the lookup was the proxy's largest cost of its own on
/// `GET -P 16`).
#[derive(Debug, Default)]
pub(crate) struct LastEffect {
    name: [u8; 16],
    len: usize,
    administers: bool,
}

impl LastEffect {
    /// What `command` does, and whether it administers the server.
    pub(crate) fn of(&mut self, command: &Command<'_>) -> (Effect, bool) {
        let name = command.name();
        if self.len > 0 && self.name.get(..self.len) == Some(name) {
            return (Effect::Stateless, self.administers);
        }
        let effect = effect(command);
        self.len = 0;
        // Stateless by name alone: no subcommands, no argument that can
        // make it block (`XREAD … BLOCK`) or switch databases. Such a
        // command's entry is its name's, so it says whether it administers.
        let by_name_alone = CommandSpec::find(name).filter(|spec| {
            effect == Effect::Stateless
                && name.len() <= self.name.len()
                && spec.subcommands.is_empty()
                && !matches!(spec.name, "xread" | "xreadgroup")
        });
        let Some(spec) = by_name_alone else {
            return (effect, administers(command));
        };
        self.name[..name.len()].copy_from_slice(name);
        self.len = name.len();
        self.administers = spec.acl_categories.contains(AclCategories::ADMIN);
        (effect, self.administers)
    }
}

/// Whether `args` is an administrative command (Redis's `@admin`
/// category: `CONFIG`, `ACL`, `MONITOR`, `DEBUG`, …), which would read the
/// server's configuration and users, or act on the server, with the
/// proxy's own upstream credentials.
pub(crate) fn administers(args: &(impl ArgList + ?Sized)) -> bool {
    CommandSpec::of(args).is_some_and(|spec| spec.acl_categories.contains(AclCategories::ADMIN))
}

/// How long the client's own connection stays its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Hold {
    /// Not held: requests go over shared connections.
    None,
    /// Until the replies in flight on it have arrived (a blocking command,
    /// a request too large to queue behind others, the end of a transaction).
    UntilReplied,
    /// Until `UNWATCH`, or the end of the transaction the watch guards.
    Watching,
    /// Until `EXEC` or `DISCARD`.
    Transaction,
    /// Until the client disconnects.
    Sticky,
}

impl Hold {
    /// The hold after a request with `effect` is sent, from `self`. A hold
    /// that ends does so with the reply to the request that ends it, so
    /// until then the connection carries what follows.
    pub(crate) fn after(self, effect: Effect) -> Self {
        match (self, effect) {
            (_, Effect::Sticks) | (Self::Sticky, _) => Self::Sticky,
            (_, Effect::Multi) => Self::Transaction,
            // WATCH inside MULTI is refused; the transaction goes on.
            (Self::Transaction, Effect::Watch) => Self::Transaction,
            (_, Effect::Watch) => Self::Watching,
            (Self::Watching, Effect::Unwatch) => Self::UntilReplied,
            (Self::Transaction, Effect::ExecOrDiscard) => Self::UntilReplied,
            (hold, Effect::Blocks) => hold.max(Self::UntilReplied),
            (hold, _) => hold,
        }
    }

    /// Whether a request with `effect` goes over the client's own connection.
    pub(crate) fn needs_own(self, effect: Effect) -> bool {
        self != Self::None
            || matches!(
                effect,
                Effect::Watch | Effect::Multi | Effect::Blocks | Effect::Sticks
            )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(command: &str) -> Effect {
        effect(&command.split(' ').collect::<Vec<_>>())
    }

    #[test]
    fn stateful_commands_are_told_apart_in_any_case() {
        assert_eq!(of("get k"), Effect::Stateless);
        assert_eq!(of("multi"), Effect::Multi);
        assert_eq!(of("Watch k"), Effect::Watch);
        assert_eq!(of("EXEC"), Effect::ExecOrDiscard);
        assert_eq!(of("unwatch"), Effect::Unwatch);
        assert_eq!(of("blpop q 0"), Effect::Blocks);
        assert_eq!(of("XREAD COUNT 1 STREAMS s 0"), Effect::Stateless);
        assert_eq!(of("xread block 0 streams s $"), Effect::Blocks);
        assert_eq!(of("subscribe a b"), Effect::Sticks);
        assert_eq!(of("select 3"), Effect::Sticks);
        assert_eq!(of("select 0"), Effect::SelectsDefault);
        assert_eq!(of("client tracking on"), Effect::Sticks);
        assert_eq!(
            of("client setname app"),
            Effect::Local(Local::ClientSetName)
        );
        assert_eq!(of("client list"), Effect::Stateless);
        assert_eq!(of("CLIENT REPLY off"), Effect::Local(Local::ClientReply));
        assert_eq!(of("hello 3"), Effect::Local(Local::Hello));
        assert_eq!(of("reset"), Effect::Local(Local::Reset));
        assert_eq!(
            of("averyveryverylongcommandnamethatisnocommand"),
            Effect::Stateless
        );
    }

    #[test]
    fn the_last_effect_is_kept_only_when_the_name_decides_it() {
        use bytes::BytesMut;
        let mut last = LastEffect::default();
        let mut decoder = resp_core::CommandDecoder::new();
        let mut effect_of = |line: &str| {
            let mut input = BytesMut::from(format!("{line}\r\n").as_bytes());
            let command = decoder.decode(&mut input).unwrap().unwrap();
            last.of(&command).0
        };
        assert_eq!(effect_of("GET a"), Effect::Stateless);
        assert_eq!(effect_of("GET b"), Effect::Stateless);
        assert_eq!(effect_of("XREAD STREAMS s 0"), Effect::Stateless);
        assert_eq!(effect_of("XREAD BLOCK 10 STREAMS s 0"), Effect::Blocks);
        assert_eq!(effect_of("SELECT 0"), Effect::SelectsDefault);
        assert_eq!(effect_of("SELECT 3"), Effect::Sticks);
        assert_eq!(effect_of("CLIENT LIST"), Effect::Stateless);
        assert_eq!(
            effect_of("CLIENT SETNAME a"),
            Effect::Local(Local::ClientSetName)
        );
    }

    #[test]
    fn administrative_commands_are_told_apart_by_the_table() {
        let administers = |command: &str| administers(&command.split(' ').collect::<Vec<_>>()[..]);
        assert!(administers("config get requirepass"));
        assert!(administers("CONFIG GET *"));
        assert!(administers("acl list"));
        assert!(administers("acl getuser default"));
        assert!(administers("monitor"));
        assert!(!administers("acl whoami"));
        assert!(!administers("get config"));
        assert!(!administers("info"));
    }

    #[test]
    fn holds_last_while_their_state_does() {
        let hold = Hold::None.after(of("multi"));
        assert_eq!(hold, Hold::Transaction);
        assert_eq!(hold.after(of("set k v")), Hold::Transaction);
        // Queued inside the transaction, UNWATCH ends nothing.
        assert_eq!(hold.after(of("unwatch")), Hold::Transaction);
        assert_eq!(hold.after(of("exec")), Hold::UntilReplied);
        let watching = Hold::None.after(of("watch k"));
        assert_eq!(watching, Hold::Watching);
        assert_eq!(watching.after(of("get k")), Hold::Watching);
        assert_eq!(watching.after(of("unwatch")), Hold::UntilReplied);
        assert_eq!(watching.after(of("multi")), Hold::Transaction);
        // EXEC without MULTI is refused; the watch stays.
        assert_eq!(watching.after(of("exec")), Hold::Watching);
        assert_eq!(Hold::None.after(of("blpop q 1")), Hold::UntilReplied);
        assert_eq!(Hold::Transaction.after(of("blpop q 1")), Hold::Transaction);
        assert_eq!(Hold::Sticky.after(of("exec")), Hold::Sticky);
        assert_eq!(Hold::None.after(of("subscribe c")), Hold::Sticky);
        assert!(Hold::None.needs_own(of("watch k")));
        assert!(!Hold::None.needs_own(of("get k")));
        assert!(Hold::UntilReplied.needs_own(of("get k")));
    }
}
