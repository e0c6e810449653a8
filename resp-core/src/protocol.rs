//! Which RESP version a connection speaks.

/// The protocol version of a connection.
///
/// RESP2 is what every Redis speaks after connecting; RESP3 is negotiated with
/// `HELLO 3`. A decoder in [`Protocol::Resp2`] mode rejects the type bytes
/// that only RESP3 defines, so a RESP2-only peer that sends them is caught at
/// the first such byte instead of being silently accepted.
///
/// ```
/// use resp_core::Protocol;
///
/// assert_eq!(Protocol::default(), Protocol::Resp3);
/// assert!(Protocol::Resp3.allows_resp3_types());
/// assert!(!Protocol::Resp2.allows_resp3_types());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Protocol {
    /// RESP2: simple strings, errors, integers, bulk strings and arrays only.
    Resp2,
    /// RESP3: every RESP2 type plus maps, sets, pushes, attributes, doubles,
    /// booleans, big numbers, verbatim and blob errors, nulls and streaming.
    /// Decoding in this mode also accepts all RESP2 input.
    #[default]
    Resp3,
}

impl Protocol {
    /// Whether RESP3-only type bytes (`_ , # ! = ( % ~ > |` and streaming) are accepted.
    pub const fn allows_resp3_types(self) -> bool {
        matches!(self, Self::Resp3)
    }
}
