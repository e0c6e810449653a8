//! What a server says about its commands, read from the frames of
//! `COMMAND` (every command's `COMMAND INFO`) and `COMMAND DOCS`.

use resp_core::Frame;
use std::collections::BTreeMap;

/// One command or subcommand, with its docs merged in.
#[derive(Debug)]
pub(crate) struct Command {
    pub(crate) name: String,
    pub(crate) arity: i64,
    pub(crate) flags: Vec<String>,
    pub(crate) acl_categories: Vec<String>,
    pub(crate) tips: Vec<String>,
    pub(crate) key_specs: Vec<KeySpec>,
    pub(crate) docs: Docs,
    pub(crate) subcommands: Vec<Command>,
}

#[derive(Debug)]
pub(crate) struct KeySpec {
    pub(crate) flags: Vec<String>,
    pub(crate) begin_search: BeginSearch,
    pub(crate) find_keys: FindKeys,
}

#[derive(Debug)]
pub(crate) enum BeginSearch {
    Index(i64),
    Keyword { keyword: String, start_from: i64 },
    Unknown,
}

#[derive(Debug)]
pub(crate) enum FindKeys {
    Range {
        last_key: i64,
        step: i64,
        limit: i64,
    },
    Keynum {
        keynum_index: i64,
        first_key: i64,
        step: i64,
    },
    Unknown,
}

#[derive(Debug, Default)]
pub(crate) struct Docs {
    pub(crate) summary: String,
    pub(crate) since: String,
    pub(crate) group: String,
    pub(crate) complexity: String,
    pub(crate) deprecated_since: Option<String>,
    pub(crate) replaced_by: Option<String>,
    pub(crate) arguments: Vec<Argument>,
    pub(crate) subcommands: BTreeMap<String, Docs>,
}

#[derive(Debug, Clone)]
pub(crate) struct Argument {
    pub(crate) name: String,
    pub(crate) kind: String,
    pub(crate) key_spec_index: Option<i64>,
    pub(crate) token: Option<String>,
    pub(crate) flags: Vec<String>,
    pub(crate) since: Option<String>,
    pub(crate) display: Option<String>,
    pub(crate) arguments: Vec<Argument>,
}

/// Every command of a `COMMAND` reply, with the docs of a `COMMAND DOCS`
/// reply, sorted by name at every level.
pub(crate) fn commands(info: &Frame, docs: &Frame) -> Vec<Command> {
    let mut docs = docs_map(docs);
    let mut commands: Vec<Command> = items(info)
        .iter()
        .map(|entry| command(entry, docs.remove(&name_of(entry))))
        .collect();
    commands.sort_by(|a, b| a.name.cmp(&b.name));
    commands
}

fn name_of(entry: &Frame) -> String {
    text(&items(entry)[0])
}

fn command(entry: &Frame, docs: Option<Docs>) -> Command {
    let fields = items(entry);
    let name = text(&fields[0]);
    let mut docs = docs.unwrap_or_else(|| panic!("COMMAND DOCS has no entry for {name}"));
    let mut subcommands: Vec<Command> = items(&fields[9])
        .iter()
        .map(|sub| {
            let sub_name = name_of(sub);
            let sub_docs = docs.subcommands.remove(&sub_name);
            command(sub, sub_docs)
        })
        .collect();
    subcommands.sort_by(|a, b| a.name.cmp(&b.name));
    Command {
        arity: integer(&fields[1]),
        flags: texts(&fields[2]),
        acl_categories: texts(&fields[6])
            .into_iter()
            .map(|c| c.trim_start_matches('@').to_owned())
            .collect(),
        tips: texts(&fields[7]),
        key_specs: items(&fields[8]).iter().map(key_spec).collect(),
        docs,
        subcommands,
        name,
    }
}

fn key_spec(frame: &Frame) -> KeySpec {
    let flags = texts(field(frame, "flags").expect("key spec flags"));
    let begin = field(frame, "begin_search").expect("begin_search");
    let spec = field(begin, "spec");
    let number = |name: &str| integer(field(spec.expect("a spec"), name).expect(name));
    let begin_search = match text(field(begin, "type").expect("type")).as_str() {
        "index" => BeginSearch::Index(number("index")),
        "keyword" => BeginSearch::Keyword {
            keyword: text(field(spec.unwrap(), "keyword").unwrap()),
            start_from: number("startfrom"),
        },
        "unknown" => BeginSearch::Unknown,
        other => panic!("unknown begin_search type {other}"),
    };
    let find = field(frame, "find_keys").expect("find_keys");
    let spec = field(find, "spec");
    let number = |name: &str| integer(field(spec.expect("a spec"), name).expect(name));
    let find_keys = match text(field(find, "type").expect("type")).as_str() {
        "range" => FindKeys::Range {
            last_key: number("lastkey"),
            step: number("keystep"),
            limit: number("limit"),
        },
        "keynum" => FindKeys::Keynum {
            keynum_index: number("keynumidx"),
            first_key: number("firstkey"),
            step: number("keystep"),
        },
        "unknown" => FindKeys::Unknown,
        other => panic!("unknown find_keys type {other}"),
    };
    KeySpec {
        flags,
        begin_search,
        find_keys,
    }
}

fn docs_map(frame: &Frame) -> BTreeMap<String, Docs> {
    pairs(frame)
        .into_iter()
        .map(|(name, doc)| (text(name), docs(doc)))
        .collect()
}

fn docs(frame: &Frame) -> Docs {
    let string = |name: &str| field(frame, name).map(text);
    Docs {
        summary: string("summary").unwrap_or_default(),
        since: string("since").unwrap_or_default(),
        group: string("group").unwrap_or_default(),
        complexity: string("complexity").unwrap_or_default(),
        deprecated_since: string("deprecated_since"),
        replaced_by: string("replaced_by"),
        arguments: field(frame, "arguments")
            .map(|args| items(args).iter().map(argument).collect())
            .unwrap_or_default(),
        subcommands: field(frame, "subcommands")
            .map(docs_map)
            .unwrap_or_default(),
    }
}

fn argument(frame: &Frame) -> Argument {
    let string = |name: &str| field(frame, name).map(text);
    Argument {
        name: string("name").expect("argument name"),
        kind: string("type").expect("argument type"),
        key_spec_index: field(frame, "key_spec_index").map(integer),
        token: string("token"),
        flags: field(frame, "flags").map(texts).unwrap_or_default(),
        since: string("since"),
        display: string("display_text"),
        arguments: field(frame, "arguments")
            .map(|args| items(args).iter().map(argument).collect())
            .unwrap_or_default(),
    }
}

pub(crate) fn field<'a>(frame: &'a Frame, name: &str) -> Option<&'a Frame> {
    pairs(frame)
        .into_iter()
        .find(|(key, _)| key.as_bytes() == Some(name.as_bytes()))
        .map(|(_, value)| value)
}

/// A map's pairs, in RESP3's map form or RESP2's flat array.
fn pairs(frame: &Frame) -> Vec<(&Frame, &Frame)> {
    if let Some(pairs) = frame.pairs() {
        return pairs.iter().map(|(k, v)| (k, v)).collect();
    }
    items(frame).chunks(2).map(|p| (&p[0], &p[1])).collect()
}

fn items(frame: &Frame) -> &[Frame] {
    frame
        .items()
        .unwrap_or_else(|| panic!("expected an aggregate, got {frame:?}"))
}

fn texts(frame: &Frame) -> Vec<String> {
    items(frame).iter().map(text).collect()
}

pub(crate) fn text(frame: &Frame) -> String {
    let bytes = frame
        .as_bytes()
        .unwrap_or_else(|| panic!("expected a string, got {frame:?}"));
    String::from_utf8(bytes.to_vec()).expect("UTF-8 text")
}

fn integer(frame: &Frame) -> i64 {
    match frame {
        Frame::Integer(n) => *n,
        other => panic!("expected an integer, got {other:?}"),
    }
}
