//! The command table's key finding, checked against a real server's
//! `COMMAND GETKEYSANDFLAGS` over invocations written from each command's
//! argument docs.

use resp_core::{CommandSpec, Frame, KeyFlags};
use resp_test_support::{RedisServer, Replies, invocations};

/// Every command with key specs, over every example invocation the server
/// accepts: the same keys as the server finds, and for specs whose flags do
/// not vary with the arguments, the same reading and writing.
#[test]
fn keys_match_the_server_for_every_command_with_keys() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let mut redis = Replies::new(server.connect(), 64 * 1024);
    let (mut compared, mut commands) = (0, 0);
    let mut mismatches = Vec::new();
    let mut never_compared = Vec::new();
    for spec in CommandSpec::all()
        .iter()
        .flat_map(|c| std::iter::once(c).chain(c.subcommands))
    {
        if spec.key_specs.is_empty() {
            continue;
        }
        commands += 1;
        let variable = spec
            .key_specs
            .iter()
            .any(|k| k.flags.contains(KeyFlags::VARIABLE_FLAGS));
        let before = compared;
        for args in invocations(spec) {
            let mut request = vec!["COMMAND".to_owned(), "GETKEYSANDFLAGS".to_owned()];
            request.extend(args.iter().cloned());
            let reply = redis.command(&request[..]);
            let theirs: Vec<(String, KeyFlags)> = match &reply {
                Frame::Array(keys) => keys.iter().map(key_and_flags).collect(),
                // Arguments the server refuses, or no keys found: nothing to compare.
                _ => continue,
            };
            let ours: Vec<(String, KeyFlags)> = spec
                .keys(&args)
                .map(|key| (args[key.position].clone(), key.flags))
                .collect();
            compared += 1;
            let names = |keys: &[(String, KeyFlags)]| {
                let mut names: Vec<String> = keys.iter().map(|(n, _)| n.clone()).collect();
                names.sort();
                names
            };
            let access = |keys: &[(String, KeyFlags)]| {
                let mut access: Vec<(String, bool, bool)> = keys
                    .iter()
                    .map(|(n, f)| (n.clone(), f.reads(), f.writes()))
                    .collect();
                access.sort();
                access
            };
            if names(&ours) != names(&theirs) || !variable && access(&ours) != access(&theirs) {
                mismatches.push(format!("{args:?}: ours {ours:?}, the server's {theirs:?}"));
            }
        }
        if compared == before {
            never_compared.push(spec);
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} mismatches:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
    assert!(commands > 150, "only {commands} commands with keys");
    assert!(compared > 500, "only {compared} invocations compared");
    // Only commands whose "keys" are shard channels (`not_key`), which the
    // server does not report as keys, go without a comparison.
    let names: Vec<&str> = never_compared.iter().map(|spec| spec.name).collect();
    for spec in &never_compared {
        let channels_only = spec
            .key_specs
            .iter()
            .all(|k| k.flags.contains(KeyFlags::NOT_KEY));
        assert!(
            channels_only,
            "no invocation of {} was compared ({names:?})",
            spec.name
        );
    }
    eprintln!(
        "{compared} invocations of {commands} commands agree with the server; not compared: {names:?}"
    );
}

fn key_and_flags(entry: &Frame) -> (String, KeyFlags) {
    let parts = entry.items().expect("[key, flags]");
    let name = String::from_utf8(parts[0].as_bytes().unwrap().to_vec()).unwrap();
    let flags = parts[1]
        .items()
        .unwrap()
        .iter()
        .map(|f| std::str::from_utf8(f.as_bytes().unwrap()).unwrap())
        .map(|f| KeyFlags::from_name(f).unwrap_or_else(|| panic!("unknown key flag {f}")))
        .fold(KeyFlags::empty(), KeyFlags::union);
    (name, flags)
}
