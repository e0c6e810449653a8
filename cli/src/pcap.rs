//! TCP payloads out of a libpcap capture (`tcpdump -w -`), read as the
//! bytes arrive, so `resp decode --pcap` can follow a live capture.
//!
//! Link types: Ethernet (with 802.1Q tags), BSD loopback, raw IP, Linux
//! cooked (v1 and v2); IPv4 (unfragmented) and IPv6 (TCP right after the
//! fixed header). Anything else in the capture is skipped.

use bytes::{Buf, BytesMut};
use std::fmt;
use std::net::IpAddr;

/// The most bytes one packet record may claim: larger ones are not a capture.
const MAX_RECORD: u32 = 256 * 1024;

/// One direction of one TCP connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct Flow {
    pub(crate) source: (IpAddr, u16),
    pub(crate) destination: (IpAddr, u16),
}

impl fmt::Display for Flow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let side = |f: &mut fmt::Formatter<'_>, (ip, port): (IpAddr, u16)| match ip {
            IpAddr::V4(ip) => write!(f, "{ip}:{port}"),
            IpAddr::V6(ip) => write!(f, "[{ip}]:{port}"),
        };
        side(f, self.source)?;
        f.write_str(" > ")?;
        side(f, self.destination)
    }
}

/// A TCP segment of the capture.
#[derive(Debug)]
pub(crate) struct Segment {
    pub(crate) flow: Flow,
    pub(crate) seq: u32,
    /// SYN: the payload, if any, starts at `seq + 1`.
    pub(crate) syn: bool,
    /// FIN or RST: the direction ends.
    pub(crate) end: bool,
    /// Whether the capture cut the packet short (its snap length).
    pub(crate) truncated: bool,
    pub(crate) payload: Vec<u8>,
}

/// Why the input is not a capture this reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PcapError {
    /// The first bytes are no pcap magic number.
    NotPcap,
    /// A pcapng capture (tcpdump writes pcap with `-w`; `editcap -F pcap`
    /// converts).
    Pcapng,
    /// A link type this does not read.
    LinkType(u32),
    /// A packet record claims more than [`MAX_RECORD`] bytes.
    Record(u32),
}

impl fmt::Display for PcapError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotPcap => f.write_str("not a pcap capture (no pcap magic number)"),
            Self::Pcapng => f.write_str(
                "a pcapng capture: write pcap (tcpdump -w) or convert it (editcap -F pcap)",
            ),
            Self::LinkType(link) => write!(f, "link type {link} is not read"),
            Self::Record(len) => write!(f, "a packet record of {len} bytes is not a capture"),
        }
    }
}

/// Reads a pcap stream record by record.
#[derive(Debug, Default)]
pub(crate) struct Capture {
    /// Set once the global header is read.
    format: Option<Format>,
}

#[derive(Debug, Clone, Copy)]
struct Format {
    big_endian: bool,
    link: u32,
}

impl Capture {
    /// The next TCP segment from the front of `input`, consuming what it
    /// read (packets that are not TCP are skipped); `None` when a whole
    /// record has not arrived yet.
    pub(crate) fn next(&mut self, input: &mut BytesMut) -> Result<Option<Segment>, PcapError> {
        loop {
            let Some(format) = self.format else {
                if input.len() < 24 {
                    return Ok(None);
                }
                let magic = [input[0], input[1], input[2], input[3]];
                let big_endian = match magic {
                    [0xa1, 0xb2, 0xc3, 0xd4] | [0xa1, 0xb2, 0x3c, 0x4d] => true,
                    [0xd4, 0xc3, 0xb2, 0xa1] | [0x4d, 0x3c, 0xb2, 0xa1] => false,
                    [0x0a, 0x0d, 0x0d, 0x0a] => return Err(PcapError::Pcapng),
                    _ => return Err(PcapError::NotPcap),
                };
                let link = read_u32(&input[20..24], big_endian) & 0x0fff_ffff;
                if !matches!(link, 0 | 1 | 12 | 101 | 108 | 113 | 276) {
                    return Err(PcapError::LinkType(link));
                }
                self.format = Some(Format { big_endian, link });
                input.advance(24);
                continue;
            };
            if input.len() < 16 {
                return Ok(None);
            }
            let captured = read_u32(&input[8..12], format.big_endian);
            let original = read_u32(&input[12..16], format.big_endian);
            if captured > MAX_RECORD {
                return Err(PcapError::Record(captured));
            }
            let record_len = 16 + captured as usize;
            if input.len() < record_len {
                return Ok(None);
            }
            let record = input.split_to(record_len);
            if let Some(mut segment) = tcp_segment(format, &record[16..]) {
                segment.truncated = original > captured;
                return Ok(Some(segment));
            }
        }
    }
}

fn read_u32(bytes: &[u8], big_endian: bool) -> u32 {
    let bytes = [bytes[0], bytes[1], bytes[2], bytes[3]];
    if big_endian {
        u32::from_be_bytes(bytes)
    } else {
        u32::from_le_bytes(bytes)
    }
}

fn be16(bytes: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes([*bytes.get(at)?, *bytes.get(at + 1)?]))
}

/// The IP packet of a link-layer frame, and its IP version (4 or 6).
fn ip_packet(format: Format, frame: &[u8]) -> Option<&[u8]> {
    let ethertype_ip = |ethertype: u16| matches!(ethertype, 0x0800 | 0x86dd);
    match format.link {
        // Ethernet, with any 802.1Q tags.
        1 => {
            let mut at = 12;
            let mut ethertype = be16(frame, at)?;
            while matches!(ethertype, 0x8100 | 0x88a8) {
                at += 4;
                ethertype = be16(frame, at)?;
            }
            ethertype_ip(ethertype).then(|| frame.get(at + 2..))?
        }
        // BSD loopback: a 4-byte address family, in host or network order.
        0 | 108 => frame.get(4..),
        // Raw IP.
        12 | 101 => Some(frame),
        // Linux cooked capture v1: the protocol at bytes 14-15.
        113 => ethertype_ip(be16(frame, 14)?).then(|| frame.get(16..))?,
        // Linux cooked capture v2: the protocol first.
        276 => ethertype_ip(be16(frame, 0)?).then(|| frame.get(20..))?,
        _ => None,
    }
}

fn tcp_segment(format: Format, frame: &[u8]) -> Option<Segment> {
    let ip = ip_packet(format, frame)?;
    let (source, destination, tcp) = match ip.first()? >> 4 {
        4 => {
            let header = usize::from(ip.first()? & 0x0f) * 4;
            let total = usize::from(be16(ip, 2)?);
            let fragment = be16(ip, 6)? & 0x3fff; // more-fragments flag, offset
            if *ip.get(9)? != 6 || fragment != 0 || header < 20 {
                return None;
            }
            let address = |at: usize| -> Option<IpAddr> {
                let bytes: [u8; 4] = ip.get(at..at + 4)?.try_into().ok()?;
                Some(IpAddr::from(bytes))
            };
            let end = total.min(ip.len()).max(header);
            (address(12)?, address(16)?, ip.get(header..end)?)
        }
        6 => {
            if *ip.get(6)? != 6 {
                return None;
            }
            let payload = usize::from(be16(ip, 4)?);
            let address = |at: usize| -> Option<IpAddr> {
                let bytes: [u8; 16] = ip.get(at..at + 16)?.try_into().ok()?;
                Some(IpAddr::from(bytes))
            };
            let end = (40 + payload).min(ip.len());
            (address(8)?, address(24)?, ip.get(40..end)?)
        }
        _ => return None,
    };
    let offset = usize::from(tcp.get(12)? >> 4) * 4;
    let flags = *tcp.get(13)?;
    let seq = u32::from_be_bytes(tcp.get(4..8)?.try_into().ok()?);
    Some(Segment {
        flow: Flow {
            source: (source, be16(tcp, 0)?),
            destination: (destination, be16(tcp, 2)?),
        },
        seq,
        syn: flags & 0x02 != 0,
        end: flags & 0x05 != 0,
        truncated: false,
        payload: tcp.get(offset.max(20)..)?.to_vec(),
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A little-endian pcap header for Ethernet.
    pub(crate) fn header() -> Vec<u8> {
        let mut out = vec![0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0];
        out.extend([0; 8]);
        out.extend(65535u32.to_le_bytes());
        out.extend(1u32.to_le_bytes());
        out
    }

    /// One Ethernet/IPv4/TCP packet record from `from` to `to` (ports on
    /// 127.0.0.1), with `flags` and `payload`.
    pub(crate) fn packet(from: u16, to: u16, seq: u32, flags: u8, payload: &[u8]) -> Vec<u8> {
        let mut tcp = Vec::new();
        tcp.extend(from.to_be_bytes());
        tcp.extend(to.to_be_bytes());
        tcp.extend(seq.to_be_bytes());
        tcp.extend([0; 4]); // ack
        tcp.extend([5 << 4, flags, 0xff, 0xff, 0, 0, 0, 0]);
        tcp.extend_from_slice(payload);
        let mut ip = vec![0x45, 0];
        ip.extend(u16::try_from(20 + tcp.len()).unwrap().to_be_bytes());
        ip.extend([0, 0, 0x40, 0, 64, 6, 0, 0]);
        ip.extend([127, 0, 0, 1, 127, 0, 0, 1]);
        ip.extend(tcp);
        let mut frame = vec![0; 12];
        frame.extend([0x08, 0x00]);
        frame.extend(ip);
        let mut record = vec![0; 8];
        let len = u32::try_from(frame.len()).unwrap();
        record.extend(len.to_le_bytes());
        record.extend(len.to_le_bytes());
        record.extend(frame);
        record
    }

    #[test]
    fn segments_come_out_of_a_capture_in_any_pieces() {
        let mut capture = header();
        capture.extend(packet(40000, 6379, 7, 0x02, b""));
        capture.extend(packet(40000, 6379, 8, 0x18, b"*1\r\n$4\r\nPING\r\n"));
        capture.extend(packet(6379, 40000, 90, 0x19, b"+PONG\r\n"));
        for piece in [1, 7, capture.len()] {
            let mut reader = Capture::default();
            let mut input = BytesMut::new();
            let mut segments = Vec::new();
            for bytes in capture.chunks(piece) {
                input.extend_from_slice(bytes);
                while let Some(segment) = reader.next(&mut input).unwrap() {
                    segments.push(segment);
                }
            }
            assert_eq!(segments.len(), 3);
            assert!(segments[0].syn && segments[0].payload.is_empty());
            assert_eq!(segments[1].payload, b"*1\r\n$4\r\nPING\r\n");
            assert_eq!(
                segments[1].flow.to_string(),
                "127.0.0.1:40000 > 127.0.0.1:6379"
            );
            assert!(segments[2].end && segments[2].seq == 90);
        }
    }

    /// The segments read, and the error that stopped reading, if any.
    type Read = (Vec<(Flow, u32, Vec<u8>)>, Option<PcapError>);

    fn segments_of(capture: &[u8], piece: usize) -> Read {
        let mut reader = Capture::default();
        let mut input = BytesMut::new();
        let mut segments = Vec::new();
        for bytes in capture.chunks(piece.max(1)) {
            input.extend_from_slice(bytes);
            loop {
                match reader.next(&mut input) {
                    Ok(Some(segment)) => {
                        segments.push((segment.flow, segment.seq, segment.payload))
                    }
                    Ok(None) => break,
                    Err(error) => return (segments, Some(error)),
                }
            }
        }
        (segments, None)
    }

    /// Records of random bytes, most shaped enough to reach the IP and TCP
    /// parsing: an IPv4 or IPv6 ethertype and version nibble.
    fn hostile_capture(frames: &[(Vec<u8>, u8)]) -> Vec<u8> {
        let mut capture = header();
        for (frame, shape) in frames {
            let mut frame = frame.clone();
            if frame.len() > 15 && shape % 3 != 0 {
                let (ethertype, version) = if shape % 3 == 1 {
                    (0x0800u16, 0x45)
                } else {
                    (0x86dd, 0x60)
                };
                frame[12..14].copy_from_slice(&ethertype.to_be_bytes());
                frame[14] = version;
            }
            let len = u32::try_from(frame.len()).unwrap();
            capture.extend([0; 8]);
            capture.extend(len.to_le_bytes());
            capture.extend((len + u32::from(shape % 2)).to_le_bytes());
            capture.extend(frame);
        }
        capture
    }

    proptest::proptest! {
        /// Hostile records: no panic, and the same segments in any pieces.
        #[test]
        fn hostile_records_read_the_same_in_any_pieces(
            frames in proptest::collection::vec(
                (proptest::collection::vec(proptest::prelude::any::<u8>(), 0..160), proptest::prelude::any::<u8>()),
                0..24,
            ),
            piece in 1usize..64,
        ) {
            let capture = hostile_capture(&frames);
            let whole = segments_of(&capture, capture.len());
            proptest::prop_assert!(whole.1.is_none());
            proptest::prop_assert_eq!(segments_of(&capture, piece), whole);
        }
    }

    #[test]
    fn what_is_not_a_capture_says_so() {
        let mut reader = Capture::default();
        let mut input = BytesMut::from(&b"*1\r\n$4\r\nPING\r\n+OK\r\n:1\r\n:2\r\n"[..]);
        assert_eq!(reader.next(&mut input).unwrap_err(), PcapError::NotPcap);
        let mut input = BytesMut::from(&[0x0a, 0x0d, 0x0d, 0x0a][..]);
        input.extend([0; 20]);
        assert_eq!(
            Capture::default().next(&mut input).unwrap_err(),
            PcapError::Pcapng
        );
        let mut huge = header();
        huge.extend([0; 8]);
        huge.extend(u32::MAX.to_le_bytes());
        huge.extend(u32::MAX.to_le_bytes());
        let mut input = BytesMut::from(&huge[..]);
        assert_eq!(
            Capture::default().next(&mut input).unwrap_err(),
            PcapError::Record(u32::MAX)
        );
    }
}
