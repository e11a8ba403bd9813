//! Times on pages: the exact instant in `datetime` (the script shows it in the viewer's
//! time zone), and a readable UTC text for browsers without the script.

use time::OffsetDateTime;
use time::macros::format_description;

pub fn iso_time(ms: i64) -> String {
    crate::api::v1::timestamp(ms)
}

/// `24 Nov 2026, 19:14 UTC`.
pub fn human_time(ms: i64) -> String {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .and_then(|t| {
            t.format(format_description!(
                "[day padding:none] [month repr:short] [year], [hour]:[minute] UTC"
            ))
            .ok()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_read_as_day_month_year_and_utc_clock() {
        assert_eq!(human_time(1_795_547_644_960), "24 Nov 2026, 19:14 UTC");
        assert_eq!(iso_time(1_795_547_644_960), "2026-11-24T19:14:04.960Z");
    }
}
