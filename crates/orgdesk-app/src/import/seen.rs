//! Keys already met earlier in a file (emails, external ids, names), to report a key
//! used twice with both lines. Each key is kept as a 64-bit fingerprint and the line it
//! was on: 16 bytes whatever the key's length, so a file of a million users needs tens
//! of megabytes here, not the file's size. Two different keys sharing a fingerprint —
//! about one chance in 10¹³ for a million keys — would be reported as the same key, and
//! the message quotes the key so the mistake would show.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};

#[derive(Debug, Default)]
pub(crate) struct Seen {
    lines: HashMap<u64, u64>,
}

impl Seen {
    /// Notes `key` on `line`; the earlier line it was on, if any (that line stays the
    /// one remembered).
    pub fn earlier(&mut self, key: &str, line: u64) -> Option<u64> {
        // `DefaultHasher::new()` has fixed keys: the same key, the same fingerprint.
        let mut hasher = DefaultHasher::new();
        key.hash(&mut hasher);
        match self.lines.entry(hasher.finish()) {
            std::collections::hash_map::Entry::Occupied(first) => Some(*first.get()),
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(line);
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_met_again_names_the_line_it_was_first_on() {
        let mut seen = Seen::default();
        assert_eq!(seen.earlier("ann@acme.com", 2), None);
        assert_eq!(seen.earlier("bob@acme.com", 3), None);
        assert_eq!(seen.earlier("ann@acme.com", 7), Some(2));
        assert_eq!(seen.earlier("ann@acme.com", 9), Some(2));
    }
}
