//! When two names are the same name to a person.
//!
//! "Globex Holdings" must not be joined by a copy with a trailing zero-width space, a
//! no-break or doubled space, fullwidth letters, or "Café" spelt with a combining accent
//! beside the precomposed one. So a name is stored in a *display form* (what was typed,
//! minus what is invisible or unsafe) and compared through a *key* under which all
//! those spellings coincide.

use crate::error::{Error, Result};
use unicode_normalization::UnicodeNormalization;

/// Characters that reorder how text is displayed (U+202E turns "moc.emca" into
/// "acme.com" on screen). Never needed in a name: refused.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Invisible characters that have no place in a name (zero-width space, word joiner,
/// byte order mark, soft hyphen, invisible operators): removed from what is stored.
fn is_invisible_filler(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}' | '\u{180E}' | '\u{200B}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}'
    )
}

/// Unicode's default-ignorable code points: drawn as nothing. Some carry meaning in
/// display (a zero-width joiner inside an emoji or a Persian word), so the display form
/// keeps them, but they never tell two names apart.
fn is_default_ignorable(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{034F}'
            | '\u{061C}'
            | '\u{115F}'..='\u{1160}'
            | '\u{17B4}'..='\u{17B5}'
            | '\u{180B}'..='\u{180F}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            | '\u{3164}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FEFF}'
            | '\u{FFA0}'
            | '\u{1BCA0}'..='\u{1BCA3}'
            | '\u{1D173}'..='\u{1D17A}'
            | '\u{E0000}'..='\u{E0FFF}'
    )
}

/// Space within a line: ' ', no-break, en, em, ideographic spaces and the like. Line
/// breaks and tabs are control characters, left to the callers' rules.
fn is_inline_space(c: char) -> bool {
    c.is_whitespace() && !c.is_control()
}

/// Runs of inline space become one ' ', and none is left at either end.
fn collapse_spaces(text: impl Iterator<Item = char>) -> String {
    let mut out = String::new();
    let mut pending_space = false;
    for c in text {
        if is_inline_space(c) {
            pending_space = !out.is_empty();
        } else {
            if pending_space {
                out.push(' ');
                pending_space = false;
            }
            out.push(c);
        }
    }
    out
}

/// The form a name is stored and shown in: bidirectional controls refused (422 naming
/// `field`), invisible fillers removed, canonically composed (NFC: "Café" typed with a
/// combining accent becomes the precomposed é it looks like), spaces collapsed. Letters
/// are kept as typed otherwise (fullwidth stays fullwidth on screen).
pub fn display_form(field: &str, input: &str) -> Result<String> {
    if let Some(c) = input.chars().find(|&c| is_bidi_control(c)) {
        return Err(Error::validation(
            field,
            format!(
                "must not contain bidirectional control characters (found U+{:04X})",
                c as u32
            ),
        ));
    }
    Ok(collapse_spaces(
        input.chars().filter(|&c| !is_invisible_filler(c)).nfc(),
    ))
}

/// The key under which look-alike names coincide: compatibility forms folded (NFKC:
/// fullwidth "Ｇ" is "G", "ﬁ" is "fi"), default-ignorable characters dropped, lower case,
/// spaces collapsed. Stored in a uniquely indexed column; also what name searches match.
pub fn comparison_key(name: &str) -> String {
    let folded: String = name
        .nfkc()
        .filter(|&c| !is_default_ignorable(c))
        .collect::<String>()
        .to_lowercase();
    // Lower-casing can leave text that is no longer in NFKC (e.g. "İ" → "i̇").
    collapse_spaces(folded.nfkc())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key_of(input: &str) -> String {
        comparison_key(&display_form("name", input).unwrap())
    }

    #[test]
    fn look_alike_spellings_share_one_key() {
        let original = key_of("Globex Holdings");
        for copy in [
            "Globex Holdings\u{200B}",
            "Globex Holdings\u{2060}",
            "\u{FEFF}Globex Holdings",
            "Glo\u{00AD}bex Holdings",
            "Globex\u{00A0}Holdings",
            "Globex  Holdings",
            "Globex\u{3000}Holdings",
            "ＧＬＯＢＥＸ Ｈｏｌｄｉｎｇｓ",
            "globex holdings",
            "Globex \u{200D}Holdings ",
        ] {
            assert_eq!(key_of(copy), original, "{copy:?}");
        }
        assert_eq!(key_of("Cafe\u{301}"), key_of("Café"));
    }

    #[test]
    fn different_names_keep_different_keys() {
        assert_ne!(key_of("Globex Holdings"), key_of("Globex Holding"));
        assert_ne!(key_of("Café"), key_of("Cafe"));
        assert_ne!(key_of("GlobexHoldings"), key_of("Globex Holdings"));
    }

    #[test]
    fn the_display_form_keeps_what_was_typed_but_drops_what_is_invisible() {
        assert_eq!(
            display_form("name", "  Globex\u{200B}  Holdings\u{00A0}").unwrap(),
            "Globex Holdings"
        );
        assert_eq!(display_form("name", "Cafe\u{301}").unwrap(), "Café");
        assert_eq!(display_form("name", "ＡＣＭＥ").unwrap(), "ＡＣＭＥ");
        // A zero-width joiner inside an emoji sequence is part of what is shown.
        assert_eq!(
            display_form("name", "Team \u{1F469}\u{200D}\u{1F4BB}").unwrap(),
            "Team \u{1F469}\u{200D}\u{1F4BB}"
        );
    }

    #[test]
    fn bidirectional_controls_are_refused_naming_the_field() {
        for hostile in ["Acme\u{202E}moc", "\u{2066}Acme", "Acme\u{200F}"] {
            let err = display_form("name", hostile).unwrap_err();
            assert!(
                matches!(&err, Error::Validation { field, message } if field == "name" && message.contains("bidirectional")),
                "{hostile:?}: {err}"
            );
        }
    }
}
