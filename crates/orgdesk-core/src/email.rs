//! Email addresses of users and agents.

use crate::domain::EmailDomain;
use crate::error::{Error, Result};
use std::str::FromStr;

pub const EMAIL_MAX_CHARS: usize = 254;

/// A syntactically valid address, with its domain in ASCII form and a lower-cased key
/// used for case-insensitive uniqueness and lookups.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailAddress {
    address: String,
    key: String,
    domain: String,
}

impl EmailAddress {
    pub fn parse(input: &str) -> Result<Self> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(Error::validation("email", "must not be blank"));
        }
        if trimmed.chars().count() > EMAIL_MAX_CHARS {
            return Err(Error::validation(
                "email",
                format!("must be at most {EMAIL_MAX_CHARS} characters"),
            ));
        }
        let parsed = email_address::EmailAddress::from_str(trimmed).map_err(|err| {
            Error::validation(
                "email",
                format!("\"{trimmed}\" is not a valid email address: {err}"),
            )
        })?;
        let domain = idna::domain_to_ascii(parsed.domain()).map_err(|_| {
            Error::validation("email", format!("\"{trimmed}\" has an invalid domain"))
        })?;
        if domain.starts_with('[') || !domain.contains('.') {
            return Err(Error::validation(
                "email",
                format!("\"{trimmed}\" must have a domain name such as example.com"),
            ));
        }
        let local = parsed.local_part();
        let key = format!("{}@{}", local.to_lowercase(), domain);
        Ok(Self {
            address: format!("{local}@{domain}"),
            key,
            domain,
        })
    }

    pub fn as_str(&self) -> &str {
        &self.address
    }
    pub fn key(&self) -> &str {
        &self.key
    }
    /// The part before the last `@`, as written.
    pub fn local_part(&self) -> &str {
        self.address
            .rsplit_once('@')
            .map_or(self.address.as_str(), |(local, _)| local)
    }
    /// The domain part in lower-case ASCII: what domain associations match against.
    pub fn domain(&self) -> &str {
        &self.domain
    }
    /// The domain as an association candidate, when it is one.
    pub fn association_domain(&self) -> Option<EmailDomain> {
        EmailDomain::parse(&self.domain).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_domain_is_lowered_and_ascii_and_key_ignores_case() {
        let email = EmailAddress::parse(" Jane.Doe@Bücher.DE ").unwrap();
        assert_eq!(email.as_str(), "Jane.Doe@xn--bcher-kva.de");
        assert_eq!(email.key(), "jane.doe@xn--bcher-kva.de");
        assert_eq!(email.domain(), "xn--bcher-kva.de");
    }

    #[test]
    fn invalid_emails_are_refused_naming_the_field() {
        for bad in [
            "",
            "jane",
            "jane@",
            "@acme.com",
            "jane@localhost",
            "a b@acme.com",
        ] {
            let err = EmailAddress::parse(bad).unwrap_err();
            assert!(
                matches!(err, Error::Validation { ref field, .. } if field == "email"),
                "{bad:?}"
            );
        }
    }
}
