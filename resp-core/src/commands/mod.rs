//! A function per Redis command, generated from the command table's
//! argument docs: each packs its command as a [`Cmd`](crate::Cmd), with
//! required arguments as parameters and optional ones set on the command's
//! options type.
//!
//! Both clients' `Commands` traits and [`PipelineCommands`] send what these
//! functions pack; reach for them directly to build a command once and
//! send it anywhere [`Args`](crate::Args) goes.
//!
//! - keys, strings and patterns take anything [`Arg`](crate::Arg); integers
//!   an `i64`, doubles an `f64`;
//! - a choice of tokens is an enum ([`LmoveWherefrom::Left`]), any other
//!   choice a type with a constructor per alternative
//!   ([`XaddIdOrAuto::auto_id`]);
//! - repeated arguments take an iterator, repeated field-value blocks an
//!   iterator of tuples;
//! - `name_with` takes the options type: [`SetOptions`], [`ZaddOptions`],
//!   [`XaddOptions`].
//!
//! Commands newer than the table's server still go through `call`.
//!
//! ```
//! use resp_core::commands::{self, SetOptions, XaddIdOrAuto, XaddOptions, XaddStrategy};
//! use resp_core::pack_command;
//!
//! let set = commands::set_with("k", "v", SetOptions::new().nx().ex(10));
//! let zadd = commands::zadd_with("board", [(1.5, "ada")], commands::ZaddOptions::new().gt().ch());
//! let xadd = commands::xadd_with(
//!     "events",
//!     XaddIdOrAuto::auto_id(),
//!     [("kind", "login")],
//!     XaddOptions::new().trim(XaddStrategy::Maxlen, Some(commands::XaddOperator::Approximately), 1000, None),
//! );
//! let mut out = Vec::new();
//! pack_command(&mut out, &set);
//! assert_eq!(out, b"*6\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n$2\r\nNX\r\n$2\r\nEX\r\n$2\r\n10\r\n");
//! assert_eq!(format!("{zadd:?}"), r#"["ZADD", "board", "GT", "CH", "1.5", "ada"]"#);
//! assert_eq!(
//!     format!("{xadd:?}"),
//!     r#"["XADD", "events", "MAXLEN", "~", "1000", "*", "kind", "login"]"#
//! );
//! ```

mod generated;

pub use generated::*;
