//! Key hash slots: CRC16 (the XMODEM variant) of the key's hash tag, or of
//! the whole key when it has none, modulo 16384.

/// How many hash slots a cluster has; [`key_slot`] returns less than this.
pub const SLOT_COUNT: u16 = 16384;

/// Redis Cluster support for clients and proxies: the hash slot a key
/// belongs to, and where a `MOVED` or `ASK` redirection points.
///
/// Both are pure functions of bytes, so a proxy can route a request it has
/// just decoded, and a client can follow a redirection it has just read,
/// without this crate knowing anything about connections.
///
/// The hash slot `key` belongs to.
///
/// Keys sharing a hash tag share a slot, which is what lets a multi-key
/// command touch them on one node.
///
/// ```
/// use resp_core::key_slot;
///
/// assert_eq!(key_slot(b"foo"), 12182);
/// assert_eq!(key_slot(b"{user1000}.following"), key_slot(b"{user1000}.followers"));
/// ```
pub fn key_slot(key: &[u8]) -> u16 {
    crc16(hash_tag(key)) % SLOT_COUNT
}

/// The part of `key` that is hashed: what lies between the first `{` and
/// the first `}` after it, if that is not empty; otherwise the whole key.
///
/// ```
/// use resp_core::hash_tag;
///
/// assert_eq!(hash_tag(b"{user1000}.following"), b"user1000");
/// assert_eq!(hash_tag(b"foo{}{bar}"), b"foo{}{bar}"); // an empty tag counts as none
/// assert_eq!(hash_tag(b"foo{{bar}}zap"), b"{bar");
/// assert_eq!(hash_tag(b"foo{bar}{zap}"), b"bar");
/// ```
pub fn hash_tag(key: &[u8]) -> &[u8] {
    let Some(open) = memchr::memchr(b'{', key) else {
        return key;
    };
    let after = &key[open + 1..];
    match memchr::memchr(b'}', after) {
        Some(close) if close > 0 => &after[..close],
        _ => key,
    }
}

/// CRC16 with polynomial 0x1021, initial value 0, no reflection.
fn crc16(data: &[u8]) -> u16 {
    data.iter().fold(0, |crc, &byte| {
        (crc << 8) ^ CRC16_TABLE[usize::from((crc >> 8) as u8 ^ byte)]
    })
}

/// The CRC of every byte value, one table lookup per input byte.
const CRC16_TABLE: [u16; 256] = {
    let mut table = [0; 256];
    let mut index = 0;
    while index < 256 {
        let mut crc = (index as u16) << 8;
        let mut bit = 0;
        while bit < 8 {
            crc = if crc & 0x8000 != 0 {
                (crc << 1) ^ 0x1021
            } else {
                crc << 1
            };
            bit += 1;
        }
        table[index] = crc;
        index += 1;
    }
    table
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc16_matches_the_cluster_specification() {
        // The check value the Redis Cluster specification gives.
        assert_eq!(crc16(b"123456789"), 0x31C3);
        assert_eq!(crc16(b""), 0);
    }

    #[test]
    fn slots_of_known_keys() {
        assert_eq!(key_slot(b"foo"), 12182);
        assert_eq!(key_slot(b"bar"), 5061);
        assert_eq!(key_slot(b"123456789"), 0x31C3 % SLOT_COUNT);
        assert_eq!(key_slot(b""), 0);
    }

    #[test]
    fn hash_tags() {
        assert_eq!(hash_tag(b"plain"), b"plain");
        assert_eq!(hash_tag(b"{a}"), b"a");
        assert_eq!(hash_tag(b"x{a}y{b}"), b"a");
        assert_eq!(hash_tag(b"{}a"), b"{}a");
        assert_eq!(hash_tag(b"a{b"), b"a{b");
        assert_eq!(hash_tag(b"a}b{"), b"a}b{");
        assert_eq!(hash_tag(b"a}{b}"), b"b");
        assert_eq!(key_slot(b"x{a}y"), key_slot(b"a"));
    }
}
