//! The packer: frames, commands, pipelines, streamed values and replies.

mod frame;
mod number;
