//! `resp decode --pcap`: each direction of each TCP connection in a
//! capture decoded on its own, as the capture arrives.

use crate::cli::DecodeArgs;
use crate::decode::Input;
use crate::json;
use crate::pcap::{Capture, Flow, PcapError, Segment};
use crate::sink::Sink;
use bytes::BytesMut;
use resp_core::{DecodeError, Protocol};
use std::collections::HashMap;
use std::io::{self, Write};

/// How a capture's decoding ended.
pub(crate) enum Ended {
    /// Every flow ended between frames.
    Clean,
    /// Some flow held a malformed frame, or lost bytes.
    Errors,
    /// Some flow stopped inside a frame (and none had an error).
    Incomplete,
    /// The input is not a capture this reads.
    Capture(PcapError),
}

/// One direction of one connection.
struct Direction {
    sink: Sink,
    input: BytesMut,
    /// The sequence number of its next payload byte, once known.
    next_seq: Option<u32>,
    /// Where the frame in progress starts, in this flow's bytes.
    frame_start: u64,
    /// An error ended it: the rest of its bytes are not read (nor kept).
    failed: bool,
}

struct Flows<'a, W: Write> {
    args: &'a DecodeArgs,
    out: &'a mut W,
    flows: HashMap<Flow, Direction>,
    /// The flow whose label was printed last.
    labelled: Option<Flow>,
    /// A frame's text, printed once it is complete, under its label.
    frame: Vec<u8>,
    errors: bool,
    incomplete: bool,
}

pub(crate) fn run(
    args: &DecodeArgs,
    input: &mut Input<'_>,
    out: &mut impl Write,
) -> io::Result<Ended> {
    let mut capture = Capture::default();
    let mut flows = Flows {
        args,
        out,
        flows: HashMap::new(),
        labelled: None,
        frame: Vec::new(),
        errors: false,
        incomplete: false,
    };
    loop {
        loop {
            match capture.next(&mut input.buffer) {
                Ok(Some(segment)) => flows.segment(segment)?,
                Ok(None) => break,
                Err(error) => return Ok(Ended::Capture(error)),
            }
        }
        flows.out.flush()?;
        if !input.more()? {
            break;
        }
    }
    let mut open: Vec<Flow> = flows
        .flows
        .iter()
        .filter(|(_, direction)| !direction.failed && !direction.is_between_frames())
        .map(|(flow, _)| *flow)
        .collect();
    open.sort();
    for flow in open {
        flows.stopped_inside_a_frame(flow)?;
    }
    Ok(if flows.errors {
        Ended::Errors
    } else if flows.incomplete {
        Ended::Incomplete
    } else {
        Ended::Clean
    })
}

impl Direction {
    fn is_between_frames(&self) -> bool {
        self.input.is_empty() && self.sink.is_idle()
    }
}

impl<W: Write> Flows<'_, W> {
    fn segment(&mut self, segment: Segment) -> io::Result<()> {
        let protocol = if self.args.resp2 {
            Protocol::Resp2
        } else {
            Protocol::Resp3
        };
        let (json, limits) = (self.args.json, self.args.frame_limits());
        let direction = self.flows.entry(segment.flow).or_insert_with(|| Direction {
            sink: Sink::new(json, limits, protocol),
            input: BytesMut::new(),
            next_seq: None,
            frame_start: 0,
            failed: false,
        });
        let start = segment.seq.wrapping_add(u32::from(segment.syn));
        let expected = *direction.next_seq.get_or_insert(start);
        let mut payload = &segment.payload[..];
        // How far this segment starts past the next byte: below zero, it
        // repeats bytes already read (a retransmission).
        let ahead = start.wrapping_sub(expected) as i32;
        if ahead < 0 {
            payload = payload
                .get(ahead.unsigned_abs() as usize..)
                .unwrap_or_default();
        }
        let lost = ahead > 0 || segment.truncated;
        if !direction.failed && lost {
            direction.failed = true;
            direction.input = BytesMut::new();
            let missing = if segment.truncated {
                "the capture cut a packet short (its snap length)".to_owned()
            } else {
                format!("{ahead} bytes are missing from the capture")
            };
            self.report(segment.flow, &missing, None)?;
        }
        let Some(direction) = self.flows.get_mut(&segment.flow) else {
            return Ok(());
        };
        if !direction.failed {
            direction.input.extend_from_slice(payload);
            direction.next_seq = Some(expected.wrapping_add(payload.len() as u32));
            self.decode(segment.flow)?;
        }
        if segment.end {
            let between = self
                .flows
                .get(&segment.flow)
                .is_none_or(|direction| direction.failed || direction.is_between_frames());
            if !between {
                self.stopped_inside_a_frame(segment.flow)?;
            }
            self.flows.remove(&segment.flow);
        }
        Ok(())
    }

    /// Prints every frame complete in `flow`, each under its label.
    fn decode(&mut self, flow: Flow) -> io::Result<()> {
        loop {
            let Some(direction) = self.flows.get_mut(&flow) else {
                return Ok(());
            };
            match direction.sink.next(&mut direction.input, &mut self.frame)? {
                Ok(Some(_)) => {
                    direction.frame_start = direction.sink.position();
                    self.label(flow)?;
                    self.out.write_all(&self.frame)?;
                    self.frame.clear();
                }
                Ok(None) => return Ok(()),
                Err(error) => {
                    direction.failed = true;
                    direction.input = BytesMut::new();
                    self.frame.clear();
                    return self.report(flow, error.kind().message(), Some(&error));
                }
            }
        }
    }

    fn label(&mut self, flow: Flow) -> io::Result<()> {
        if self.labelled == Some(flow) {
            return Ok(());
        }
        self.labelled = Some(flow);
        if self.args.json {
            writeln!(self.out, "{{\"flow\":\"{flow}\"}}")
        } else {
            writeln!(self.out, "# {flow}")
        }
    }

    fn stopped_inside_a_frame(&mut self, flow: Flow) -> io::Result<()> {
        self.incomplete = true;
        let start = self
            .flows
            .get(&flow)
            .map_or(0, |direction| direction.frame_start);
        if self.args.json {
            self.label(flow)?;
            writeln!(self.out, "{{\"incomplete\":{{\"offset\":{start}}}}}")
        } else {
            self.out.flush()?;
            eprintln!("resp: {flow}: ends inside the frame that starts at byte {start}");
            Ok(())
        }
    }

    /// A flow's error: bytes lost, or a malformed frame at an offset.
    fn report(&mut self, flow: Flow, message: &str, error: Option<&DecodeError>) -> io::Result<()> {
        self.errors = true;
        if self.args.json {
            self.label(flow)?;
            let (kind, offset) = match error {
                Some(error) => (error.kind().name(), error.offset()),
                None => ("capture-gap", 0),
            };
            writeln!(
                self.out,
                "{{\"error\":{{\"kind\":\"{kind}\",\"offset\":{offset},\"message\":{}}}}}",
                json::json_string(message.as_bytes())
            )
        } else {
            self.out.flush()?;
            match error {
                Some(error) => eprintln!("resp: {flow}: {message} at byte {}", error.offset()),
                None => eprintln!("resp: {flow}: {message}"),
            }
            Ok(())
        }
    }
}
