//! Example invocations of a command, written from its argument docs in the
//! command table: what tests send to a real server to check what the table
//! says about a command (its keys, its generated method).

use resp_core::{ArgKind, ArgSpec, CommandSpec};

/// A few invocations of `command`, its name (and container) first: only
/// what is required, then with every optional argument, then with each
/// one-of's later alternatives and repeated arguments given two and three
/// times. Keys are `k1`, `k2`, … in order of appearance.
pub fn invocations(command: &CommandSpec) -> Vec<Vec<String>> {
    let widest = widest_one_of(command.arguments).max(1);
    let mut all = Vec::new();
    for choice in 0..widest {
        for (optional, repeat) in [(false, 1), (true, 1), (true, 2), (true, 3)] {
            let mut writer = Writer {
                out: command.words().map(str::to_owned).collect(),
                keys: 0,
                choice,
                optional,
                repeat,
            };
            writer.arguments(command.arguments);
            if !all.contains(&writer.out) {
                all.push(writer.out);
            }
        }
    }
    all
}

fn widest_one_of(arguments: &[ArgSpec]) -> usize {
    arguments
        .iter()
        .map(|arg| {
            let own = if arg.kind == ArgKind::OneOf {
                arg.arguments.len()
            } else {
                0
            };
            own.max(widest_one_of(arg.arguments))
        })
        .max()
        .unwrap_or(0)
}

struct Writer {
    out: Vec<String>,
    keys: usize,
    /// Which alternative each one-of takes (wrapping).
    choice: usize,
    /// Whether optional arguments are given.
    optional: bool,
    /// How many times a repeatable argument is given.
    repeat: usize,
}

impl Writer {
    fn arguments(&mut self, arguments: &[ArgSpec]) {
        for arg in arguments {
            if arg.is_optional() && !self.optional {
                continue;
            }
            let times = if arg.is_multiple() { self.repeat } else { 1 };
            for time in 0..times {
                let token_again = arg.flags.contains(resp_core::ArgFlags::MULTIPLE_TOKEN);
                if let Some(token) = arg.token
                    && arg.kind != ArgKind::PureToken
                    && (time == 0 || token_again)
                {
                    self.out.push(token.to_owned());
                }
                self.value(arg);
            }
        }
    }

    fn value(&mut self, arg: &ArgSpec) {
        let text = match arg.kind {
            ArgKind::Key => {
                self.keys += 1;
                format!("k{}", self.keys)
            }
            ArgKind::Integer => "1".to_owned(),
            ArgKind::Double => "1.5".to_owned(),
            ArgKind::String => "v".to_owned(),
            ArgKind::Pattern => "p*".to_owned(),
            ArgKind::UnixTime => "1700000000".to_owned(),
            ArgKind::PureToken => arg.token.unwrap_or_default().to_owned(),
            ArgKind::OneOf => {
                if let Some(alternative) =
                    arg.arguments.get(self.choice % arg.arguments.len().max(1))
                {
                    self.arguments(std::slice::from_ref(alternative));
                }
                return;
            }
            ArgKind::Block => {
                self.arguments(arg.arguments);
                return;
            }
        };
        self.out.push(text);
    }
}
