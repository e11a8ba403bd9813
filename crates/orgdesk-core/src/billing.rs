//! Billing on tickets: time logged (minutes, billable or not, the day worked) and
//! charges (an amount in a currency). Money is exact: an amount is an integer count of
//! its currency's minor units (cents for EUR, yen for JPY, fils for KWD), read from and
//! written as a decimal string, never a float.

use crate::error::{Error, Result};
use crate::text::optional_text;
use crate::{AgentId, OrganizationId, TicketId};
use iso_currency::Currency as IsoCurrency;
use rust_decimal::Decimal;
use time::Date;

/// One time entry covers at most a week of work.
pub const MINUTES_MAX: i64 = 7 * 24 * 60;
/// A note on a time entry or a charge's description.
pub const ENTRY_TEXT_MAX_CHARS: usize = 1_000;
/// The largest charge, in major units: far above any real charge, far below where a
/// total of many could overflow 64 bits.
const AMOUNT_MAX_MAJOR: i64 = 1_000_000_000;

/// Minutes of work: a whole number, more than zero, at most a week.
pub fn minutes(value: i64) -> Result<i64> {
    if value <= 0 {
        return Err(Error::validation(
            "minutes",
            format!("must be more than zero (got {value})"),
        ));
    }
    if value > MINUTES_MAX {
        return Err(Error::validation(
            "minutes",
            format!("one entry covers at most a week ({MINUTES_MAX} minutes; got {value})"),
        ));
    }
    Ok(value)
}

/// A note on a time entry or a charge's description: optional, one paragraph.
pub fn entry_text(field: &str, value: Option<&str>) -> Result<Option<String>> {
    optional_text(field, value, ENTRY_TEXT_MAX_CHARS)
}

/// An ISO 4217 currency of money: one with minor units (not gold, not `XXX`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Currency {
    code: IsoCurrency,
    exponent: u32,
}

impl Currency {
    /// A currency by its code, in any letter case (`eur` is `EUR`).
    pub fn parse(code: &str) -> Result<Self> {
        let upper = code.trim().to_ascii_uppercase();
        let Some(found) = IsoCurrency::from_code(&upper) else {
            return Err(Error::validation(
                "currency",
                format!("\"{}\" is not an ISO 4217 currency code", code.trim()),
            ));
        };
        let Some(exponent) = found.exponent() else {
            return Err(Error::validation(
                "currency",
                format!("{upper} is not a currency of money (it has no minor units)"),
            ));
        };
        Ok(Self {
            code: found,
            exponent: u32::from(exponent),
        })
    }

    pub fn code(self) -> &'static str {
        self.code.code()
    }

    /// Digits after the decimal point: 2 for EUR, 0 for JPY, 3 for KWD.
    pub fn exponent(self) -> u32 {
        self.exponent
    }

    /// An amount given as a decimal string (`"12.50"`), in minor units: more than
    /// zero, with no more decimals than the currency has (`12.345 EUR` is refused,
    /// never rounded).
    pub fn minor_units(self, amount: &str) -> Result<i64> {
        let text = amount.trim();
        let well_formed = !text.is_empty()
            && text.split_once('.').map_or(
                text.bytes().all(|b| b.is_ascii_digit()),
                |(whole, fraction)| {
                    !whole.is_empty()
                        && !fraction.is_empty()
                        && whole.bytes().all(|b| b.is_ascii_digit())
                        && fraction.bytes().all(|b| b.is_ascii_digit())
                },
            );
        if !well_formed {
            return Err(Error::validation(
                "amount",
                format!("must be a decimal number like \"12.50\", more than zero (got \"{text}\")"),
            ));
        }
        let decimals = text.split_once('.').map_or(0, |(_, f)| f.len()) as u32;
        let value: Decimal = text
            .parse()
            .map_err(|_| Error::validation("amount", format!("\"{text}\" is too long")))?;
        let value = value.normalize();
        if value.scale() > self.exponent {
            return Err(Error::validation(
                "amount",
                match self.exponent {
                    0 => format!(
                        "{} has no minor units: give a whole number (got \"{text}\")",
                        self.code()
                    ),
                    n => format!(
                        "{} has {n} decimal{}; \"{text}\" has {decimals}",
                        self.code(),
                        if n == 1 { "" } else { "s" }
                    ),
                },
            ));
        }
        if value.is_zero() {
            return Err(Error::validation("amount", "must be more than zero"));
        }
        if value > Decimal::from(AMOUNT_MAX_MAJOR) {
            return Err(Error::validation(
                "amount",
                format!("must be at most {AMOUNT_MAX_MAJOR} {}", self.code()),
            ));
        }
        let minor = value * Decimal::from(10_i64.pow(self.exponent));
        i64::try_from(minor).map_err(|_| Error::validation("amount", "is too large"))
    }

    /// Minor units as the decimal string people and clients read: `1250` EUR is
    /// `"12.50"`, `1200` JPY is `"1200"`, `1250` KWD is `"1.250"`.
    pub fn format(self, minor_units: i64) -> String {
        Decimal::new(minor_units, self.exponent).to_string()
    }
}

/// Time logged on a ticket.
#[derive(Debug, Clone, PartialEq)]
pub struct TimeEntry {
    pub id: i64,
    pub ticket_id: TicketId,
    pub agent: EntryAgent,
    pub minutes: i64,
    pub billable: bool,
    pub note: Option<String>,
    pub worked_on: Date,
    pub version: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

/// An amount charged on a ticket.
#[derive(Debug, Clone, PartialEq)]
pub struct Charge {
    pub id: i64,
    pub ticket_id: TicketId,
    pub agent: EntryAgent,
    pub currency: Currency,
    pub amount_minor: i64,
    pub description: Option<String>,
    pub version: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

impl Charge {
    /// The amount as a decimal string.
    pub fn amount(&self) -> String {
        self.currency.format(self.amount_minor)
    }
}

/// The agent who logged an entry.
#[derive(Debug, Clone, PartialEq)]
pub struct EntryAgent {
    pub id: AgentId,
    pub name: String,
}

/// What the billing view shows: total and billable time, and the amount per currency.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct BillingTotals {
    pub total_minutes: i64,
    pub billable_minutes: i64,
    /// By currency code, in minor units, currencies in alphabetical order.
    pub amounts: Vec<(Currency, i64)>,
}

/// Which entries the billing view lists (the seeds' two toggles: time and charges).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BillingDetails {
    #[default]
    None,
    Time,
    Charges,
    All,
}

impl BillingDetails {
    /// `time`, `charges`, `all`; blank or absent is none.
    pub fn parse(value: Option<&str>) -> Result<Self> {
        match value.map(str::trim) {
            None | Some("") | Some("none") => Ok(Self::None),
            Some("time") => Ok(Self::Time),
            Some("charges") => Ok(Self::Charges),
            Some("all") => Ok(Self::All),
            Some(other) => Err(Error::validation(
                "details",
                format!("must be time, charges or all (got \"{other}\")"),
            )),
        }
    }

    pub fn time(self) -> bool {
        matches!(self, Self::Time | Self::All)
    }

    pub fn charges(self) -> bool {
        matches!(self, Self::Charges | Self::All)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Time => "time",
            Self::Charges => "charges",
            Self::All => "all",
        }
    }
}

/// One line of the billing view's details: a time entry or a charge, with its ticket.
#[derive(Debug, Clone, PartialEq)]
pub enum BillingEntry {
    Time {
        entry: TimeEntry,
        ticket_subject: String,
        organization_id: Option<OrganizationId>,
    },
    Charge {
        charge: Charge,
        ticket_subject: String,
        organization_id: Option<OrganizationId>,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minutes_are_more_than_zero_and_at_most_a_week() {
        assert_eq!(minutes(1).unwrap(), 1);
        assert_eq!(minutes(MINUTES_MAX).unwrap(), MINUTES_MAX);
        for bad in [0, -5, MINUTES_MAX + 1] {
            let err = minutes(bad).unwrap_err();
            assert!(err.to_string().starts_with("minutes: "), "{err}");
        }
    }

    #[test]
    fn amounts_become_minor_units_by_the_currency_s_exponent() {
        let eur = Currency::parse("eur").unwrap();
        assert_eq!(eur.code(), "EUR");
        assert_eq!(eur.minor_units("12.50").unwrap(), 1250);
        assert_eq!(eur.minor_units("12.5").unwrap(), 1250);
        assert_eq!(eur.minor_units("7").unwrap(), 700);
        assert_eq!(eur.minor_units("0.01").unwrap(), 1);
        let jpy = Currency::parse("JPY").unwrap();
        assert_eq!(jpy.minor_units("1200").unwrap(), 1200);
        assert_eq!(jpy.minor_units("1200.0").unwrap(), 1200);
        let kwd = Currency::parse("KWD").unwrap();
        assert_eq!(kwd.minor_units("1.255").unwrap(), 1255);
    }

    #[test]
    fn over_precise_malformed_and_non_positive_amounts_are_refused() {
        let eur = Currency::parse("EUR").unwrap();
        for bad in [
            "12.345",
            "",
            " ",
            "12,50",
            "1e3",
            "-5",
            "+5",
            "0",
            "0.00",
            ".5",
            "5.",
            "12.50 EUR",
            "NaN",
            "1_000",
        ] {
            let err = eur.minor_units(bad).unwrap_err();
            assert!(err.to_string().starts_with("amount: "), "{bad:?}: {err}");
        }
        assert!(
            eur.minor_units("12.345")
                .unwrap_err()
                .to_string()
                .contains("EUR has 2 decimals")
        );
        assert!(Currency::parse("JPY").unwrap().minor_units("1.5").is_err());
        assert!(eur.minor_units("1000000000.01").is_err());
        assert!(eur.minor_units("99999999999999999999999999999").is_err());
    }

    #[test]
    fn only_iso_currencies_of_money_are_accepted() {
        for bad in ["EURO", "ABC", "", "XAU", "XXX"] {
            let err = Currency::parse(bad).unwrap_err();
            assert!(err.to_string().starts_with("currency: "), "{bad:?}: {err}");
        }
    }

    #[test]
    fn minor_units_format_back_as_their_currency_writes_them() {
        let format = |code: &str, minor: i64| Currency::parse(code).unwrap().format(minor);
        assert_eq!(format("EUR", 1250), "12.50");
        assert_eq!(format("EUR", 7), "0.07");
        assert_eq!(format("JPY", 1200), "1200");
        assert_eq!(format("KWD", 1250), "1.250");
    }

    #[test]
    fn details_name_the_toggles() {
        assert_eq!(BillingDetails::parse(None).unwrap(), BillingDetails::None);
        assert!(BillingDetails::parse(Some("all")).unwrap().time());
        assert!(!BillingDetails::parse(Some("time")).unwrap().charges());
        assert!(BillingDetails::parse(Some("everything")).is_err());
    }
}
