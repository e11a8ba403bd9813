//! Email domains that associate users with organizations.
//!
//! A domain is normalized (trimmed, lower case, a leading `@` dropped, internationalized
//! names in their ASCII form) and must be a registrable name by the public suffix
//! list's algorithm: `acme.co.uk` is fine, the bare suffix `co.uk` is not. A name under
//! a top-level label the list does not know (`acme.example`, `corp.internal`,
//! `sales.acme.local`) falls under the list's default rule `*` (its last label is the
//! suffix), so intranet and documentation domains are accepted; a lone label
//! (`localhost`, `example`) is not. Well-known free mail providers are recognised so the
//! caller can refuse them unless forced.

use crate::error::Error;
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EmailDomain(String);

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DomainError {
    Invalid(String),
    PublicSuffix(String),
}

impl fmt::Display for DomainError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DomainError::Invalid(reason) => write!(f, "{reason}"),
            DomainError::PublicSuffix(domain) => write!(
                f,
                "{domain} is a public suffix shared by many owners, not an organization's domain"
            ),
        }
    }
}

impl From<DomainError> for Error {
    fn from(err: DomainError) -> Self {
        Error::validation("domain", err.to_string())
    }
}

impl EmailDomain {
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let trimmed = input.trim();
        let without_at = trimmed.strip_prefix('@').unwrap_or(trimmed);
        let without_dot = without_at.strip_suffix('.').unwrap_or(without_at);
        if without_dot.is_empty() {
            return Err(DomainError::Invalid("must not be blank".into()));
        }
        if without_dot.contains(|c: char| c == '@' || c == '/' || c == ':' || c.is_whitespace()) {
            return Err(DomainError::Invalid(format!(
                "\"{without_dot}\" is not a domain name (use e.g. acme.com)"
            )));
        }
        let ascii = idna::domain_to_ascii(without_dot).map_err(|_| {
            DomainError::Invalid(format!("\"{without_dot}\" is not a valid domain name"))
        })?;
        check_shape(&ascii)?;
        let parsed = addr::parse_domain_name(&ascii).map_err(|_| {
            DomainError::Invalid(format!("\"{without_dot}\" is not a valid domain name"))
        })?;
        if parsed.root().is_none() && !parsed.has_known_suffix() {
            return Err(DomainError::Invalid(format!(
                "\"{ascii}\" is a single label, not a domain (use e.g. acme.com or acme.internal)"
            )));
        }
        if parsed.root().is_none() {
            return Err(DomainError::PublicSuffix(ascii));
        }
        Ok(EmailDomain(ascii))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The registrable part (`acme.co.uk` for `support.acme.co.uk`).
    pub fn registrable(&self) -> &str {
        addr::parse_domain_name(&self.0)
            .ok()
            .and_then(|name| name.root())
            .map(|root| &self.0[self.0.len() - root.len()..])
            .unwrap_or(&self.0)
    }

    /// True for the mail services anyone can sign up to, whose users share nothing.
    pub fn is_free_mail(&self) -> bool {
        FREE_MAIL_PROVIDERS.contains(&self.0.as_str())
            || FREE_MAIL_PROVIDERS.contains(&self.registrable())
    }
}

/// The longest name DNS carries, and the longest label.
const MAX_NAME: usize = 253;
const MAX_LABEL: usize = 63;

/// Refuses what cannot be an organization's domain whatever the suffix list says: an IP
/// address, empty or overlong labels, an overlong name.
fn check_shape(ascii: &str) -> Result<(), DomainError> {
    let invalid = |why: &str| Err(DomainError::Invalid(format!("\"{ascii}\" {why}")));
    if ascii.len() > MAX_NAME {
        return invalid(&format!("is longer than {MAX_NAME} characters"));
    }
    let labels: Vec<&str> = ascii.split('.').collect();
    if labels.iter().any(|label| label.is_empty()) {
        return invalid("has an empty label (two dots in a row, or a leading dot)");
    }
    if labels.iter().any(|label| label.len() > MAX_LABEL) {
        return invalid(&format!("has a label longer than {MAX_LABEL} characters"));
    }
    let last = labels[labels.len() - 1];
    if last.bytes().all(|b| b.is_ascii_digit()) {
        return invalid("is an IP address, not a domain name");
    }
    Ok(())
}

impl fmt::Display for EmailDomain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Free mail providers with many unrelated users. Sorted for review; matched on the
/// domain itself and on its registrable part.
const FREE_MAIL_PROVIDERS: &[&str] = &[
    "126.com",
    "163.com",
    "aim.com",
    "aol.com",
    "btinternet.com",
    "comcast.net",
    "fastmail.com",
    "free.fr",
    "gmail.com",
    "gmx.at",
    "gmx.com",
    "gmx.de",
    "gmx.net",
    "googlemail.com",
    "hey.com",
    "hotmail.co.uk",
    "hotmail.com",
    "hotmail.de",
    "hotmail.fr",
    "hotmail.it",
    "icloud.com",
    "laposte.net",
    "libero.it",
    "live.co.uk",
    "live.com",
    "live.de",
    "live.fr",
    "mac.com",
    "mail.com",
    "mail.ru",
    "me.com",
    "msn.com",
    "naver.com",
    "orange.fr",
    "outlook.com",
    "outlook.de",
    "outlook.fr",
    "pm.me",
    "proton.me",
    "protonmail.ch",
    "protonmail.com",
    "qq.com",
    "rocketmail.com",
    "seznam.cz",
    "t-online.de",
    "tuta.io",
    "tutanota.com",
    "verizon.net",
    "wanadoo.fr",
    "web.de",
    "yahoo.co.jp",
    "yahoo.co.uk",
    "yahoo.com",
    "yahoo.de",
    "yahoo.fr",
    "yandex.com",
    "yandex.ru",
    "ymail.com",
    "zoho.com",
];

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn domain_is_trimmed_lowered_and_loses_a_leading_at() {
        assert_eq!(
            EmailDomain::parse("  @ACME.com ").unwrap().as_str(),
            "acme.com"
        );
        assert_eq!(
            EmailDomain::parse("acme.co.uk.").unwrap().as_str(),
            "acme.co.uk"
        );
    }

    #[test]
    fn internationalized_domain_takes_its_ascii_form() {
        assert_eq!(
            EmailDomain::parse("Bücher.DE").unwrap().as_str(),
            "xn--bcher-kva.de"
        );
    }

    #[test]
    fn bare_public_suffixes_are_refused() {
        for suffix in ["com", "co.uk", "github.io", "@co.uk", "ru.com"] {
            assert!(
                matches!(
                    EmailDomain::parse(suffix),
                    Err(DomainError::PublicSuffix(_))
                ),
                "{suffix} accepted"
            );
        }
    }

    #[test]
    fn malformed_names_and_unknown_suffixes_are_refused() {
        for bad in [
            "",
            "  ",
            "a b.com",
            "a..b.com",
            "-a.com",
            "john@acme.com",
            "acme",
            "localhost",
            "example",
            "http://acme.com",
            "xn--a.com",
            "192.168.1.10",
            "10.0.0.1.",
            "[::1]",
            ".acme.com",
        ] {
            assert!(
                matches!(EmailDomain::parse(bad), Err(DomainError::Invalid(_))),
                "{bad:?} accepted"
            );
        }
    }

    #[test]
    fn names_under_a_top_level_label_the_list_does_not_know_are_accepted() {
        for (input, registrable) in [
            ("acme.example", "acme.example"),
            ("corp.internal", "corp.internal"),
            ("sales.acme.local", "acme.local"),
            ("ACME.lan", "acme.lan"),
        ] {
            let domain = EmailDomain::parse(input).unwrap_or_else(|err| panic!("{input}: {err}"));
            assert_eq!(domain.registrable(), registrable, "{input}");
        }
    }

    #[test]
    fn overlong_labels_and_names_are_refused() {
        let label = "a".repeat(64);
        assert!(matches!(
            EmailDomain::parse(&format!("{label}.com")),
            Err(DomainError::Invalid(_))
        ));
        let long = format!("{}.com", ["abcdefghij"; 25].join("."));
        assert!(long.len() > 253);
        assert!(matches!(
            EmailDomain::parse(&long),
            Err(DomainError::Invalid(_))
        ));
        let fits = format!("{}.com", "a".repeat(63));
        assert!(EmailDomain::parse(&fits).is_ok());
    }

    #[test]
    fn subdomains_are_kept_as_given() {
        let domain = EmailDomain::parse("support.acme.co.uk").unwrap();
        assert_eq!(domain.as_str(), "support.acme.co.uk");
        assert_eq!(domain.registrable(), "acme.co.uk");
    }

    #[test]
    fn free_mail_providers_are_recognised_with_their_subdomains() {
        assert!(EmailDomain::parse("Gmail.com").unwrap().is_free_mail());
        assert!(EmailDomain::parse("yahoo.co.uk").unwrap().is_free_mail());
        assert!(EmailDomain::parse("eu.mail.ru").unwrap().is_free_mail());
        assert!(!EmailDomain::parse("acme.com").unwrap().is_free_mail());
    }

    proptest! {
        #[test]
        fn normalization_is_idempotent(label in "[a-zA-Z][a-zA-Z0-9]{0,10}(-[a-zA-Z0-9]{1,10})?", tld in prop::sample::select(vec!["com", "org", "co.uk", "de", "io"]), at in any::<bool>(), pad in " {0,3}") {
            let input = format!("{pad}{}{label}.{tld}{pad}", if at { "@" } else { "" });
            let Ok(once) = EmailDomain::parse(&input) else {
                // Some generated names are public suffixes themselves (ru.com, uk.com):
                // refused for that reason and no other.
                prop_assert!(matches!(EmailDomain::parse(&input), Err(DomainError::PublicSuffix(_))), "{input:?}");
                return Ok(());
            };
            let twice = EmailDomain::parse(once.as_str()).unwrap();
            prop_assert_eq!(&once, &twice);
            prop_assert_eq!(once.as_str(), once.as_str().to_lowercase());
            prop_assert!(!once.as_str().starts_with('@'));
        }

        #[test]
        fn under_a_top_level_label_no_rule_knows_names_of_two_labels_or_more_are_domains(
            labels in prop::collection::vec("[a-z][a-z0-9]{0,8}(-[a-z0-9]{1,5})?", 1..4),
            // Seven to ten letters between x and q: no top-level domain looks like that.
            tld in "x[a-z]{5,8}q",
        ) {
            let name = format!("{}.{tld}", labels.join("."));
            let domain = EmailDomain::parse(&name);
            prop_assert!(domain.is_ok(), "{}: {:?}", name, domain);
            let domain = domain.unwrap();
            prop_assert_eq!(domain.as_str(), name.as_str());
            // The default rule makes the lone label a public suffix; and a single label
            // is never a domain.
            let with_dot = format!("{tld}.");
            prop_assert!(EmailDomain::parse(&tld).is_err());
            prop_assert!(EmailDomain::parse(&with_dot).is_err());
        }

        #[test]
        fn parse_never_panics_and_accepted_domains_are_ascii(input in "\\PC{0,40}") {
            if let Ok(domain) = EmailDomain::parse(&input) {
                prop_assert!(domain.as_str().is_ascii());
                prop_assert!(domain.as_str().contains('.'));
            }
        }
    }
}
