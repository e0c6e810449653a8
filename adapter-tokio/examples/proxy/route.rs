//! Where a request goes: over a shared upstream connection, over the
//! client's own one, or nowhere because the proxy answers it.
//!
//! Pure functions of the command and the client's state, so the rules can
//! be read and tested apart from any socket.

/// What a command does to the connection that carries it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Effect {
    /// Nothing: any connection may carry it, between other clients' commands.
    Stateless,
    /// `MULTI` or `WATCH`: the connection is the client's until `EXEC`,
    /// `DISCARD` or (after `WATCH` alone) `UNWATCH`.
    BeginsTransaction,
    /// `EXEC`, `DISCARD`, `UNWATCH` or `RESET`: a transaction ends with its reply.
    EndsTransaction,
    /// A blocking command: the connection is the client's until it replies.
    Blocks,
    /// Subscriptions, `MONITOR`, `CLIENT TRACKING`, `CLIENT REPLY`, `SELECT`
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
}

/// What `args` (the command name first) does, ignoring case as Redis does.
pub(crate) fn effect<'a>(args: impl IntoIterator<Item = &'a [u8]>) -> Effect {
    let mut args = args.into_iter();
    let Some(name) = args.next() else {
        return Effect::Stateless;
    };
    let mut upper = [0u8; 24];
    let Some(name) = uppercase(name, &mut upper) else {
        return Effect::Stateless;
    };
    match name {
        b"MULTI" | b"WATCH" => Effect::BeginsTransaction,
        b"EXEC" | b"DISCARD" | b"UNWATCH" | b"RESET" => Effect::EndsTransaction,
        b"BLPOP" | b"BRPOP" | b"BRPOPLPUSH" | b"BLMOVE" | b"BLMPOP" | b"BZPOPMIN" | b"BZPOPMAX"
        | b"BZMPOP" | b"WAIT" | b"WAITAOF" => Effect::Blocks,
        b"XREAD" | b"XREADGROUP" => {
            if args.any(|arg| arg.eq_ignore_ascii_case(b"BLOCK")) {
                Effect::Blocks
            } else {
                Effect::Stateless
            }
        }
        b"SUBSCRIBE" | b"PSUBSCRIBE" | b"SSUBSCRIBE" | b"MONITOR" => Effect::Sticks,
        b"SELECT" => match args.next() {
            Some(b"0") => Effect::SelectsDefault,
            _ => Effect::Sticks,
        },
        b"HELLO" => Effect::Local(Local::Hello),
        b"AUTH" => Effect::Local(Local::Auth),
        b"QUIT" => Effect::Local(Local::Quit),
        b"CLIENT" => {
            let mut sub = [0u8; 24];
            match args.next().and_then(|arg| uppercase(arg, &mut sub)) {
                Some(b"TRACKING" | b"REPLY") => Effect::Sticks,
                Some(b"SETNAME") => Effect::Local(Local::ClientSetName),
                Some(b"GETNAME") => Effect::Local(Local::ClientGetName),
                _ => Effect::Stateless,
            }
        }
        _ => Effect::Stateless,
    }
}

/// `name` in upper case, if it is short enough to be a command name.
fn uppercase<'a>(name: &[u8], out: &'a mut [u8; 24]) -> Option<&'a [u8]> {
    let out = out.get_mut(..name.len())?;
    for (to, from) in out.iter_mut().zip(name) {
        *to = from.to_ascii_uppercase();
    }
    Some(out)
}

/// How long the client's own connection stays its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Hold {
    /// Not held: requests go over shared connections.
    None,
    /// Until the replies in flight on it have arrived (a blocking command,
    /// or a request too large to queue behind others).
    UntilReplied,
    /// Until a transaction ends.
    Transaction,
    /// Until the client disconnects.
    Sticky,
}

impl Hold {
    /// The hold after a request with `effect` is sent, from `self`.
    pub(crate) fn after(self, effect: Effect) -> Self {
        match effect {
            Effect::Sticks => Self::Sticky,
            _ if self == Self::Sticky => Self::Sticky,
            Effect::BeginsTransaction => Self::Transaction,
            Effect::Blocks => self.max(Self::UntilReplied),
            // The transaction ends when this reply arrives; until then the
            // connection must still carry what follows.
            Effect::EndsTransaction if self == Self::Transaction => Self::UntilReplied,
            Effect::SelectsDefault | Effect::Stateless | Effect::EndsTransaction => self,
            Effect::Local(_) => self,
        }
    }

    /// Whether a request with `effect` goes over the client's own connection.
    pub(crate) fn needs_own(self, effect: Effect) -> bool {
        self != Self::None
            || matches!(
                effect,
                Effect::BeginsTransaction | Effect::Blocks | Effect::Sticks
            )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(command: &str) -> Effect {
        effect(command.split(' ').map(str::as_bytes))
    }

    #[test]
    fn stateful_commands_are_told_apart_in_any_case() {
        assert_eq!(of("get k"), Effect::Stateless);
        assert_eq!(of("multi"), Effect::BeginsTransaction);
        assert_eq!(of("Watch k"), Effect::BeginsTransaction);
        assert_eq!(of("EXEC"), Effect::EndsTransaction);
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
        assert_eq!(of("hello 3"), Effect::Local(Local::Hello));
        assert_eq!(
            of("averyveryverylongcommandnamethatisnocommand"),
            Effect::Stateless
        );
    }

    #[test]
    fn holds_last_while_their_state_does() {
        let hold = Hold::None.after(of("multi"));
        assert_eq!(hold, Hold::Transaction);
        assert_eq!(hold.after(of("set k v")), Hold::Transaction);
        let hold = hold.after(of("exec"));
        assert_eq!(hold, Hold::UntilReplied);
        assert_eq!(Hold::None.after(of("blpop q 1")), Hold::UntilReplied);
        assert_eq!(Hold::Transaction.after(of("blpop q 1")), Hold::Transaction);
        assert_eq!(Hold::Sticky.after(of("exec")), Hold::Sticky);
        assert_eq!(Hold::None.after(of("subscribe c")), Hold::Sticky);
        assert!(Hold::None.needs_own(of("watch k")));
        assert!(!Hold::None.needs_own(of("get k")));
        assert!(Hold::UntilReplied.needs_own(of("get k")));
    }
}
