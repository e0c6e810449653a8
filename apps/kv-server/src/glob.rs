//! Redis's glob patterns (`stringmatchlen`), for KEYS, SCAN, PSUBSCRIBE and
//! CONFIG GET: `*`, `?`, `[abc]`, `[^a-z]` and `\` escapes.

/// Whether `text` matches `pattern`.
pub(crate) fn matches(pattern: &[u8], text: &[u8], nocase: bool) -> bool {
    let eq = |a: u8, b: u8| {
        if nocase {
            a.eq_ignore_ascii_case(&b)
        } else {
            a == b
        }
    };
    let (mut p, mut t) = (0, 0);
    // Where the last `*` was, and the text position it is trying.
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        let step = match pattern.get(p) {
            Some(b'*') => {
                star = Some((p, t));
                p += 1;
                continue;
            }
            Some(b'?') => Some(p + 1),
            Some(b'[') => class(pattern, p, text[t], nocase),
            Some(b'\\') if p + 1 < pattern.len() => eq(pattern[p + 1], text[t]).then_some(p + 2),
            Some(&c) => eq(c, text[t]).then_some(p + 1),
            None => None,
        };
        match (step, star) {
            (Some(next), _) => {
                p = next;
                t += 1;
            }
            // Let the last `*` take one more byte and try again.
            (None, Some((star_p, star_t))) => {
                p = star_p + 1;
                t = star_t + 1;
                star = Some((star_p, star_t + 1));
            }
            (None, None) => return false,
        }
    }
    pattern[p.min(pattern.len())..].iter().all(|&c| c == b'*')
}

/// Matches `byte` against the class starting at `pattern[open]` (`[`);
/// returns where the pattern goes on.
fn class(pattern: &[u8], open: usize, byte: u8, nocase: bool) -> Option<usize> {
    let fold = |b: u8| if nocase { b.to_ascii_lowercase() } else { b };
    let byte = fold(byte);
    let mut p = open + 1;
    let negate = pattern.get(p) == Some(&b'^');
    if negate {
        p += 1;
    }
    let mut matched = false;
    loop {
        match pattern.get(p) {
            // An unclosed class ends with the pattern, as in Redis.
            None => break,
            Some(b']') => {
                p += 1;
                break;
            }
            Some(b'\\') if p + 1 < pattern.len() => {
                matched |= fold(pattern[p + 1]) == byte;
                p += 2;
            }
            Some(&low) if pattern.get(p + 1) == Some(&b'-') && p + 2 < pattern.len() => {
                let (low, high) = (fold(low), fold(pattern[p + 2]));
                let (low, high) = if low > high { (high, low) } else { (low, high) };
                matched |= (low..=high).contains(&byte);
                p += 3;
            }
            Some(&c) => {
                matched |= fold(c) == byte;
                p += 1;
            }
        }
    }
    (matched != negate).then_some(p)
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn globs() {
        assert!(matches(b"*", b"anything", false));
        assert!(matches(b"h?llo", b"hello", false));
        assert!(matches(b"h*llo", b"heeeello", false));
        assert!(matches(b"h[ae]llo", b"hallo", false));
        assert!(!matches(b"h[^e]llo", b"hello", false));
        assert!(matches(b"h[a-b]llo", b"hbllo", false));
        assert!(matches(b"news.*", b"news.sport", false));
        assert!(!matches(b"news.*", b"new", false));
        assert!(matches(b"a\\*b", b"a*b", false));
        assert!(matches(b"SAVE", b"save", true));
    }
}
