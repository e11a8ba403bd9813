//! Keys already met earlier in a file (emails, external ids, names), to report a key
//! used twice with both lines. Each key is kept as a 64-bit fingerprint and the line it
//! was on, packed into 12 bytes whatever the key's length, so a file of a million users
//! needs tens of megabytes here, not the file's size. Two different keys sharing a
//! fingerprint — about one chance in 10¹³ for a million keys — would be reported as the
//! same key, and the message quotes the key so the mistake would show.

use hashbrown::HashTable;
use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};

/// A fingerprint and a line, as three 32-bit words: 12 bytes an entry where a map of
/// two `u64`s takes 16 (a table of a million keys spends 2²¹ entries either way).
#[derive(Debug, Clone, Copy)]
struct Entry([u32; 3]);

/// The line of a key met past line 4,294,967,294 is kept aside, in `far_lines`.
const FAR: u32 = u32::MAX;

impl Entry {
    fn new(fingerprint: u64, line: u64) -> Self {
        let line = u32::try_from(line)
            .ok()
            .filter(|&l| l != FAR)
            .unwrap_or(FAR);
        Entry([fingerprint as u32, (fingerprint >> 32) as u32, line])
    }

    fn fingerprint(&self) -> u64 {
        u64::from(self.0[0]) | (u64::from(self.0[1]) << 32)
    }
}

#[derive(Debug, Default)]
pub(crate) struct Seen {
    entries: HashTable<Entry>,
    far_lines: HashMap<u64, u64>,
}

impl Seen {
    /// Makes room for `keys` keys in all, so a set that will grow that large is
    /// allocated once: each doubling of a hash table holds the old table and the new one
    /// at once, and three sets doubling near the end of a million-row file made the
    /// import's peak memory.
    pub fn expect(&mut self, keys: u64) {
        let keys = usize::try_from(keys).unwrap_or(usize::MAX);
        self.entries
            .reserve(keys.saturating_sub(self.entries.len()), Entry::fingerprint);
    }

    /// Notes `key` on `line`; the earlier line it was on, if any (that line stays the
    /// one remembered).
    pub fn earlier(&mut self, key: &str, line: u64) -> Option<u64> {
        // `DefaultHasher::new()` has fixed keys: the same key, the same fingerprint.
        let mut hasher = DefaultHasher::new();
        key.hash(&mut hasher);
        let fingerprint = hasher.finish();
        // The fingerprint is a hash already: the table uses it as it is.
        match self.entries.entry(
            fingerprint,
            |entry| entry.fingerprint() == fingerprint,
            Entry::fingerprint,
        ) {
            hashbrown::hash_table::Entry::Occupied(first) => match first.get().0[2] {
                FAR => self.far_lines.get(&fingerprint).copied(),
                first => Some(u64::from(first)),
            },
            hashbrown::hash_table::Entry::Vacant(slot) => {
                let entry = Entry::new(fingerprint, line);
                if entry.0[2] == FAR {
                    self.far_lines.insert(fingerprint, line);
                }
                slot.insert(entry);
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

    #[test]
    fn lines_past_four_billion_are_remembered_exactly() {
        let mut seen = Seen::default();
        let far = u64::from(u32::MAX) + 17;
        assert_eq!(seen.earlier("ann@acme.com", far), None);
        assert_eq!(seen.earlier("bob@acme.com", u64::from(u32::MAX)), None);
        assert_eq!(seen.earlier("cid@acme.com", u64::from(u32::MAX) - 1), None);
        assert_eq!(seen.earlier("ann@acme.com", far + 1), Some(far));
        assert_eq!(
            seen.earlier("bob@acme.com", far + 2),
            Some(u64::from(u32::MAX))
        );
        assert_eq!(
            seen.earlier("cid@acme.com", far + 3),
            Some(u64::from(u32::MAX) - 1)
        );
    }

    #[test]
    fn room_made_ahead_changes_nothing_seen() {
        let mut seen = Seen::default();
        assert_eq!(seen.earlier("ann@acme.com", 2), None);
        seen.expect(10_000);
        assert_eq!(seen.earlier("ann@acme.com", 5), Some(2));
        for n in 0..10_000u64 {
            assert_eq!(seen.earlier(&format!("user{n}@acme.com"), n + 10), None);
        }
        assert_eq!(seen.earlier("user9999@acme.com", 1), Some(10_009));
    }
}
