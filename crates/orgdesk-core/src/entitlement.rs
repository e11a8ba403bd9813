//! Entitlements: products or services an organization has access to, optionally
//! between two days. Active means today falls inside the days given (both included).

use crate::day::{format_day, parse_day};
use crate::error::{Error, Result};
use crate::ids::OrganizationId;
use crate::text::{NAME_MAX_CHARS, bounded_text, optional_text};
use time::Date;

pub const NOTES_MAX_CHARS: usize = 10_000;

#[derive(Debug, Clone, PartialEq)]
pub struct Entitlement {
    pub id: i64,
    pub organization_id: OrganizationId,
    pub terms: EntitlementTerms,
    pub created_at: i64,
    pub updated_at: i64,
    pub version: i64,
}

/// Where today falls against an entitlement's days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntitlementState {
    /// It starts later.
    Upcoming,
    Active,
    /// It ended.
    Expired,
}

impl EntitlementState {
    pub fn as_str(self) -> &'static str {
        match self {
            EntitlementState::Upcoming => "upcoming",
            EntitlementState::Active => "active",
            EntitlementState::Expired => "expired",
        }
    }
}

/// What an entitlement says: its name, days and notes, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntitlementTerms {
    pub name: String,
    pub starts_on: Option<Date>,
    pub ends_on: Option<Date>,
    pub notes: Option<String>,
}

impl EntitlementTerms {
    /// Parses the terms: a one-line name of 1–255 characters, days as `YYYY-MM-DD`
    /// (blank means open-ended), the end not before the start, notes up to 10,000
    /// characters with their line breaks.
    pub fn parse(
        name: &str,
        starts_on: Option<&str>,
        ends_on: Option<&str>,
        notes: Option<&str>,
    ) -> Result<Self> {
        let name = bounded_text("name", name, NAME_MAX_CHARS)?;
        if name.contains(['\n', '\r', '\t']) {
            return Err(Error::validation("name", "must be a single line"));
        }
        let day = |field: &str, input: Option<&str>| -> Result<Option<Date>> {
            match input.map(str::trim) {
                Some(text) if !text.is_empty() => parse_day(field, text).map(Some),
                _ => Ok(None),
            }
        };
        let starts_on = day("starts_on", starts_on)?;
        let ends_on = day("ends_on", ends_on)?;
        if let (Some(start), Some(end)) = (starts_on, ends_on)
            && end < start
        {
            return Err(Error::validation(
                "ends_on",
                format!(
                    "must not be before starts_on ({} is before {})",
                    format_day(end),
                    format_day(start)
                ),
            ));
        }
        let notes = optional_text(
            "notes",
            notes.map(|n| n.replace("\r\n", "\n")).as_deref(),
            NOTES_MAX_CHARS,
        )?;
        Ok(Self {
            name,
            starts_on,
            ends_on,
            notes,
        })
    }

    pub fn state_on(&self, today: Date) -> EntitlementState {
        match (self.starts_on, self.ends_on) {
            (Some(start), _) if today < start => EntitlementState::Upcoming,
            (_, Some(end)) if today > end => EntitlementState::Expired,
            _ => EntitlementState::Active,
        }
    }

    /// The terms as history records them.
    pub fn json(&self) -> serde_json::Value {
        serde_json::json!({
            "name": self.name,
            "starts_on": self.starts_on.map(format_day),
            "ends_on": self.ends_on.map(format_day),
            "notes": self.notes,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn terms(starts: Option<&str>, ends: Option<&str>) -> Result<EntitlementTerms> {
        EntitlementTerms::parse("Premium support", starts, ends, None)
    }

    #[test]
    fn an_entitlement_is_active_from_its_first_to_its_last_day() {
        let bounded = terms(Some("2026-01-01"), Some("2026-12-31")).unwrap();
        assert_eq!(
            bounded.state_on(date!(2025 - 12 - 31)),
            EntitlementState::Upcoming
        );
        assert_eq!(
            bounded.state_on(date!(2026 - 01 - 01)),
            EntitlementState::Active
        );
        assert_eq!(
            bounded.state_on(date!(2026 - 12 - 31)),
            EntitlementState::Active
        );
        assert_eq!(
            bounded.state_on(date!(2027 - 01 - 01)),
            EntitlementState::Expired
        );
        let open = terms(None, Some("")).unwrap();
        assert_eq!(
            open.state_on(date!(1999 - 01 - 01)),
            EntitlementState::Active
        );
        let from = terms(Some("2030-01-01"), None).unwrap();
        assert_eq!(
            from.state_on(date!(2029 - 12 - 31)),
            EntitlementState::Upcoming
        );
    }

    #[test]
    fn bad_terms_are_refused_naming_the_input() {
        let field = |result: Result<EntitlementTerms>| match result {
            Err(Error::Validation { field, .. }) => field,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            field(terms(Some("2026-12-31"), Some("2026-01-01"))),
            "ends_on"
        );
        assert_eq!(field(terms(Some("31/12/2026"), None)), "starts_on");
        assert_eq!(
            field(EntitlementTerms::parse(" ", None, None, None)),
            "name"
        );
        assert_eq!(
            field(EntitlementTerms::parse("a\nb", None, None, None)),
            "name"
        );
        let notes = "x".repeat(NOTES_MAX_CHARS + 1);
        assert_eq!(
            field(EntitlementTerms::parse("A", None, None, Some(&notes))),
            "notes"
        );
        let same_day = terms(Some("2026-05-01"), Some("2026-05-01")).unwrap();
        assert_eq!(
            same_day.state_on(date!(2026 - 05 - 01)),
            EntitlementState::Active
        );
    }
}
