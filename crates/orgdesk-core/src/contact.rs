//! Typed contact details of an organization: phone, email, website, address, social.

use crate::domain::EmailDomain;
use crate::email::EmailAddress;
use crate::error::{Error, Result};
use crate::text::bounded_text;
use serde::{Deserialize, Serialize};

pub const CONTACTS_MAX: usize = 50;
const LABEL_MAX_CHARS: usize = 100;
const VALUE_MAX_CHARS: usize = 1_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContactKind {
    Phone,
    Email,
    Website,
    Address,
    Social,
}

impl ContactKind {
    /// The kind's name on the wire and in storage.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Phone => "phone",
            Self::Email => "email",
            Self::Website => "website",
            Self::Address => "address",
            Self::Social => "social",
        }
    }

    pub fn parse(field: &str, input: &str) -> Result<Self> {
        match input {
            "phone" => Ok(Self::Phone),
            "email" => Ok(Self::Email),
            "website" => Ok(Self::Website),
            "address" => Ok(Self::Address),
            "social" => Ok(Self::Social),
            other => Err(Error::validation(
                field,
                format!(
                    "unknown kind \"{other}\" (expected phone, email, website, address or social)"
                ),
            )),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    pub kind: ContactKind,
    pub label: Option<String>,
    pub value: String,
}

impl Contact {
    /// Validates one entry; `index` places it in error messages (`contacts[2].value`).
    pub fn parse(index: usize, kind: &str, label: Option<&str>, value: &str) -> Result<Self> {
        let kind = ContactKind::parse(&format!("contacts[{index}].kind"), kind)?;
        let value_field = format!("contacts[{index}].value");
        let label = crate::text::optional_text(
            &format!("contacts[{index}].label"),
            label,
            LABEL_MAX_CHARS,
        )?;
        let value = bounded_text(&value_field, value, VALUE_MAX_CHARS)?;
        let value = match kind {
            ContactKind::Phone => parse_phone(&value_field, &value)?,
            ContactKind::Email => EmailAddress::parse(&value)
                .map_err(|_| {
                    Error::validation(
                        &value_field,
                        format!("\"{value}\" is not a valid email address"),
                    )
                })?
                .as_str()
                .to_owned(),
            ContactKind::Website => parse_website(&value_field, &value)?,
            ContactKind::Address => value,
            ContactKind::Social => {
                if value.contains(char::is_whitespace) {
                    return Err(Error::validation(
                        &value_field,
                        "a social profile is a handle or a link, without spaces",
                    ));
                }
                value
            }
        };
        Ok(Self { kind, label, value })
    }
}

/// Checks that a list is not longer than we store.
pub fn check_contact_count(count: usize) -> Result<()> {
    if count > CONTACTS_MAX {
        return Err(Error::validation(
            "contacts",
            format!("at most {CONTACTS_MAX} entries"),
        ));
    }
    Ok(())
}

/// Phone numbers keep their formatting, but must be digits with the usual separators,
/// an optional leading `+` and an optional extension.
fn parse_phone(field: &str, value: &str) -> Result<String> {
    let (number, _extension) = match value.to_lowercase().find(" ext") {
        Some(at) => value.split_at(at),
        None => (value, ""),
    };
    let allowed = |c: char| c.is_ascii_digit() || " +-().".contains(c);
    let digits = number.chars().filter(char::is_ascii_digit).count();
    if !number.chars().all(allowed) || number[1..].contains('+') || !(3..=20).contains(&digits) {
        return Err(Error::validation(
            field,
            format!(
                "\"{value}\" is not a phone number (digits, spaces, + - ( ) . and an optional \" ext 12\")"
            ),
        ));
    }
    Ok(value.to_owned())
}

/// A website is an http(s) address or a bare domain name; bare names get `https://`.
fn parse_website(field: &str, value: &str) -> Result<String> {
    let lower = value.to_lowercase();
    let (scheme, rest) = if let Some(rest) = lower.strip_prefix("https://") {
        ("https://", rest)
    } else if let Some(rest) = lower.strip_prefix("http://") {
        ("http://", rest)
    } else if lower.contains("://") {
        return Err(Error::validation(field, "a website must use http or https"));
    } else {
        ("https://", lower.as_str())
    };
    let host_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (host, port) = match rest[..host_end].split_once(':') {
        Some((host, port)) if !port.is_empty() && port.chars().all(|c| c.is_ascii_digit()) => {
            (host, Some(port))
        }
        Some(_) => {
            return Err(Error::validation(
                field,
                format!("\"{value}\" is not a website address"),
            ));
        }
        None => (&rest[..host_end], None),
    };
    if EmailDomain::parse(host).is_err() || value.contains(char::is_whitespace) {
        return Err(Error::validation(
            field,
            format!("\"{value}\" is not a website address"),
        ));
    }
    let original_rest = &value[value.len() - rest.len()..];
    let port = port.map(|port| format!(":{port}")).unwrap_or_default();
    Ok(format!(
        "{scheme}{host}{port}{}",
        &original_rest[host_end..]
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_is_validated_by_its_own_rule() {
        assert!(Contact::parse(0, "phone", None, "+44 (0)20 7946-0958 ext 12").is_ok());
        assert!(Contact::parse(0, "phone", None, "call me").is_err());
        assert!(Contact::parse(0, "phone", None, "12").is_err());
        assert!(Contact::parse(0, "email", Some("Billing"), "billing@acme.com").is_ok());
        assert!(Contact::parse(0, "email", None, "billing").is_err());
        assert!(Contact::parse(0, "address", None, "1 Main St\nSpringfield").is_ok());
        assert!(Contact::parse(0, "social", None, "@acme").is_ok());
        assert!(Contact::parse(0, "social", None, "a b").is_err());
        assert!(Contact::parse(0, "fax", None, "123").is_err());
    }

    #[test]
    fn websites_get_a_scheme_and_lower_case_host_but_keep_their_path() {
        let site = Contact::parse(0, "website", None, "WWW.Acme.com/About?Us").unwrap();
        assert_eq!(site.value, "https://www.acme.com/About?Us");
        let site = Contact::parse(0, "website", None, "http://acme.co.uk:8080/x").unwrap();
        assert_eq!(site.value, "http://acme.co.uk:8080/x");
        assert!(Contact::parse(0, "website", None, "ftp://acme.com").is_err());
        assert!(Contact::parse(0, "website", None, "not a site").is_err());
    }

    #[test]
    fn errors_name_the_entry_and_its_part() {
        let err = Contact::parse(3, "email", None, "nope").unwrap_err();
        assert!(matches!(err, Error::Validation { ref field, .. } if field == "contacts[3].value"));
    }
}
