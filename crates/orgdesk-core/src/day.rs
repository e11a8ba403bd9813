//! Calendar days as the API writes them: `YYYY-MM-DD`.

use crate::error::{Error, Result};
use time::Date;
use time::format_description::BorrowedFormatItem;
use time::macros::format_description;

const FORMAT: &[BorrowedFormatItem<'static>] = format_description!("[year]-[month]-[day]");

/// A day sent as `YYYY-MM-DD`; anything else is refused naming `field`.
pub fn parse_day(field: &str, input: &str) -> Result<Date> {
    let text = input.trim();
    Date::parse(text, FORMAT).map_err(|_| {
        Error::validation(
            field,
            format!("must be a date as YYYY-MM-DD; got \"{text}\""),
        )
    })
}

/// A day as `YYYY-MM-DD` (which also sorts as text).
pub fn format_day(day: Date) -> String {
    day.format(FORMAT).unwrap_or_default()
}

/// Today in UTC, the calendar the server keeps.
pub fn today() -> Date {
    time::OffsetDateTime::now_utc().date()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_are_year_month_day_and_real() {
        let day = parse_day("on", " 2028-02-29 ").unwrap();
        assert_eq!(format_day(day), "2028-02-29");
        for bad in ["2027-02-29", "29/02/2028", "2028-2-9", "", "tomorrow"] {
            assert!(parse_day("on", bad).is_err(), "{bad}");
        }
    }
}
