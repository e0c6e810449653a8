//! Properties over random frames: round trips in both directions, chunking
//! invariance (also of errors), and agreement with the nom reference decoder.

mod common;

use common::arb::{arb_frame, arb_stream, cuts};
use common::{End, Outcome, decode_cut, oracle};
use proptest::prelude::*;
use resp_core::{Limits, Protocol};

fn config() -> ProptestConfig {
    // PROPTEST_CASES overrides this, so CI can run more than a developer's loop.
    ProptestConfig {
        cases: 512,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn decode_of_encode_is_identity(frame in arb_frame()) {
        let wire = frame.encode_to_vec().unwrap();
        prop_assert_eq!(wire.len(), frame.encoded_len());
        let decoded = decode_cut(&wire, &[], Limits::default(), Protocol::Resp3);
        prop_assert_eq!(&decoded, &Outcome { frames: vec![frame], end: End::Clean });
        // Encoder output is canonical: it re-encodes byte for byte.
        prop_assert_eq!(decoded.frames[0].encode_to_vec().unwrap(), wire);
    }

    #[test]
    fn chunking_does_not_matter((frames, wire) in arb_stream(), cuts in cuts(4096)) {
        let chunked = decode_cut(&wire, &cuts, Limits::default(), Protocol::Resp3);
        prop_assert_eq!(chunked, Outcome { frames, end: End::Clean });
    }

    #[test]
    fn chunking_does_not_change_errors(
        (_, mut wire) in arb_stream(),
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4),
        cuts in cuts(4096),
        tight in any::<bool>(),
    ) {
        for (at, byte) in edits {
            let at = at.index(wire.len());
            wire[at] = byte;
        }
        let limits = if tight {
            Limits::default().with_max_depth(3).with_max_bulk_len(8).with_max_aggregate_len(4).with_max_line_len(8)
        } else {
            Limits::default()
        };
        let whole = decode_cut(&wire, &[], limits, Protocol::Resp3);
        if let End::Error(error) = whole.end {
            prop_assert!(error.offset() < wire.len() as u64);
        }
        prop_assert_eq!(decode_cut(&wire, &cuts, limits, Protocol::Resp3), whole);
    }

    #[test]
    fn decoder_agrees_with_the_nom_reference((_, wire) in arb_stream(), cuts in cuts(4096)) {
        let reference = oracle::frames(&wire);
        let decoded = decode_cut(&wire, &cuts, Limits::default(), Protocol::Resp3);
        prop_assert_eq!(decoded, Outcome { frames: reference, end: End::Clean });
    }
}
