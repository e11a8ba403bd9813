//! Names and free-text values: trimmed, bounded, with a normalized key for
//! case-insensitive uniqueness.

use crate::error::{Error, Result};

pub const NAME_MAX_CHARS: usize = 255;
pub const SUMMARY_MAX_CHARS: usize = 65_535;
pub const POSITION_MAX_CHARS: usize = 255;
pub const EXTERNAL_ID_MAX_CHARS: usize = 255;

/// A trimmed, non-empty string of at most `max` characters, without control characters.
pub fn bounded_text(field: &str, input: &str, max: usize) -> Result<String> {
    let trimmed = input.trim();
    if trimmed.is_empty() {
        return Err(Error::validation(field, "must not be blank"));
    }
    let chars = trimmed.chars().count();
    if chars > max {
        return Err(Error::validation(
            field,
            format!("must be at most {max} characters (got {chars})"),
        ));
    }
    if trimmed
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        return Err(Error::validation(
            field,
            "must not contain control characters",
        ));
    }
    Ok(trimmed.to_owned())
}

/// A search parameter (`?q=`, `?domain=`): one line of text. Any control character is
/// refused, so nothing a client types can reach the database as a byte it refuses (a
/// NUL makes PostgreSQL reject the whole statement). Blank means "no filter".
pub fn query_text<'a>(field: &str, input: Option<&'a str>) -> Result<Option<&'a str>> {
    let Some(input) = input else {
        return Ok(None);
    };
    if input.chars().any(char::is_control) {
        return Err(Error::validation(
            field,
            "must not contain control characters",
        ));
    }
    let trimmed = input.trim();
    Ok((!trimmed.is_empty()).then_some(trimmed))
}

/// Like [`bounded_text`], but blank input means "no value".
pub fn optional_text(field: &str, input: Option<&str>, max: usize) -> Result<Option<String>> {
    match input {
        Some(value) if !value.trim().is_empty() => bounded_text(field, value, max).map(Some),
        _ => Ok(None),
    }
}

/// The key that makes names unique regardless of letter case, spacing and look-alike
/// spellings (see [`crate::lookalike`]); name searches match it by prefix.
pub fn name_key(name: &str) -> String {
    crate::lookalike::comparison_key(name)
}

/// A one-line name (of an organization, a person, a usergroup) in its display form.
fn single_line_name(input: &str) -> Result<String> {
    let name = bounded_text(
        "name",
        &crate::lookalike::display_form("name", input)?,
        NAME_MAX_CHARS,
    )?;
    if name.contains(['\n', '\r', '\t']) {
        return Err(Error::validation("name", "must be a single line"));
    }
    Ok(name)
}

/// An organization's name: 1–255 characters after trimming, unique case-insensitively.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrganizationName {
    name: String,
    key: String,
}

impl OrganizationName {
    pub fn parse(input: &str) -> Result<Self> {
        let name = single_line_name(input)?;
        let key = name_key(&name);
        Ok(Self { name, key })
    }
    pub fn as_str(&self) -> &str {
        &self.name
    }
    /// Lower-cased form stored in a uniquely indexed column.
    pub fn key(&self) -> &str {
        &self.key
    }
}

/// A person's display name (user or agent).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonName(String);

impl PersonName {
    pub fn parse(input: &str) -> Result<Self> {
        single_line_name(input).map(Self)
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    pub fn into_string(self) -> String {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn organization_name_is_trimmed_and_keyed_in_lower_case() {
        let name = OrganizationName::parse("  Acme Corp ").unwrap();
        assert_eq!(name.as_str(), "Acme Corp");
        assert_eq!(name.key(), "acme corp");
    }

    #[test]
    fn organization_name_refuses_blank_overlong_and_multiline() {
        assert!(OrganizationName::parse("   ").is_err());
        assert!(OrganizationName::parse(&"x".repeat(256)).is_err());
        assert!(OrganizationName::parse(&"é".repeat(255)).is_ok());
        assert!(OrganizationName::parse("a\nb").is_err());
    }

    #[test]
    fn query_text_refuses_control_characters_and_treats_blank_as_absent() {
        assert_eq!(query_text("q", Some(" acme ")).unwrap(), Some("acme"));
        assert_eq!(query_text("q", Some("  ")).unwrap(), None);
        assert_eq!(query_text("q", None).unwrap(), None);
        for hostile in ["\0", "a\0b", "a\nb", "\u{1b}[31m", "\u{85}"] {
            let err = query_text("q", Some(hostile)).unwrap_err();
            assert!(
                matches!(&err, Error::Validation { field, .. } if field == "q"),
                "{hostile:?}"
            );
        }
    }

    #[test]
    fn optional_text_treats_blank_as_absent() {
        assert_eq!(optional_text("summary", Some("  "), 10).unwrap(), None);
        assert_eq!(
            optional_text("summary", Some(" x "), 10).unwrap(),
            Some("x".into())
        );
        assert!(optional_text("summary", Some("12345678901"), 10).is_err());
    }
}
