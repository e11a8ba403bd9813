//! Full-text search words. Text is cut into words here, the same way for both engines,
//! before either sees it: SQLite's FTS5 and PostgreSQL's `tsvector` each get the words
//! separated by single spaces, so a search finds the same tickets on both.
//!
//! A word is a run of letters and digits (Unicode), lower-cased; everything else
//! separates words (`acme.com` is `acme com`, `re-open` is `re open`).

use crate::error::{Error, Result};

/// Words a search may combine: every one must match.
pub const TERMS_MAX: usize = 8;
/// Longer runs (hashes, base64) are cut to this many characters, in documents and
/// searches alike, so they still match and never bloat an index entry.
const WORD_MAX_CHARS: usize = 64;

fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(|word| {
            word.chars()
                .take(WORD_MAX_CHARS)
                .flat_map(char::to_lowercase)
                .collect()
        })
}

/// The searchable form of a text: its words, lower-cased, separated by single spaces.
pub fn document(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in words(text) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&word);
    }
    out
}

/// The words of a search box, each to be matched as a word prefix (`print` finds
/// "printer"). Blank input is no search; input without a single word is refused.
pub fn terms(query: &str) -> Result<Option<Vec<String>>> {
    let Some(query) = crate::text::query_text("q", Some(query))? else {
        return Ok(None);
    };
    let mut terms: Vec<String> = Vec::new();
    for word in words(query) {
        if !terms.contains(&word) {
            terms.push(word);
        }
    }
    if terms.is_empty() {
        return Err(Error::validation("q", "must contain a letter or a digit"));
    }
    if terms.len() > TERMS_MAX {
        return Err(Error::validation(
            "q",
            format!("at most {TERMS_MAX} words (got {})", terms.len()),
        ));
    }
    Ok(Some(terms))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_keep_only_lower_cased_words() {
        assert_eq!(
            document("Re: Printer JAMMED at acme.com (3rd floor)!"),
            "re printer jammed at acme com 3rd floor"
        );
        assert_eq!(document("Café — Zürich"), "café zürich");
        assert_eq!(document("  \n "), "");
    }

    #[test]
    fn search_terms_are_distinct_words_and_blank_means_no_search() {
        assert_eq!(terms("   ").unwrap(), None);
        assert_eq!(
            terms("Printer printer, jam").unwrap(),
            Some(vec!["printer".to_owned(), "jam".to_owned()])
        );
        assert_eq!(terms("?!").unwrap_err().code(), "validation_failed");
        assert!(terms("a b c d e f g h i").is_err());
    }

    #[test]
    fn long_runs_are_cut_alike_in_documents_and_searches() {
        let long = "x".repeat(100);
        assert_eq!(document(&long).chars().count(), WORD_MAX_CHARS);
        assert_eq!(terms(&long).unwrap().unwrap()[0], document(&long));
    }
}
