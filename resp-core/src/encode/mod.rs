//! The packer: frames, commands, pipelines, streamed values and replies.

mod arg;
mod chunked;
mod cmd;
mod command;
mod frame;
mod number;
mod reply;

pub use arg::{Arg, Args, CommandName};
pub use chunked::ChunkedEncoder;
pub use cmd::Cmd;
pub use command::{
    Pipeline, Reserve, pack_command, pack_pipeline, pack_transaction, write_command,
};
pub use reply::{DoubleFormat, ReplyWriter};
