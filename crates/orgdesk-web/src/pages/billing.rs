//! The organization's Billing tab: total and billable time and the amount charged per
//! currency over its tickets; the seeds' two toggles show the entries (the clock: time,
//! `$`: charges), and a third counts its subsidiaries too.

use super::render::{Chrome, PageError, page, query_escape};
use super::session::AgentSession;
use super::ticket_billing::duration_text;
use crate::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum_extra::extract::CookieJar;
use orgdesk_app::core::OrganizationId;
use orgdesk_app::core::billing::{BillingDetails, BillingEntry};
use orgdesk_app::core::day::format_day;
use orgdesk_app::{BillingRequest, PageRequest};
use serde::Deserialize;

const PAGE_SIZE: i64 = 50;

struct EntryRow {
    ticket_id: i64,
    ticket_subject: String,
    agent: String,
    date: String,
    /// `1 h 30 min` or `12.50 EUR`.
    quantity: String,
    /// Time that is not billable.
    not_billable: bool,
    text: Option<String>,
}

struct Toggle {
    href: String,
    on: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "agent/billing.html")]
struct BillingPage {
    chrome: Chrome,
    id: i64,
    name: String,
    total_time: String,
    billable_time: String,
    /// `12.50 EUR`, one per currency.
    amounts: Vec<String>,
    time_toggle: Toggle,
    charges_toggle: Toggle,
    subsidiaries_toggle: Toggle,
    showing_entries: bool,
    entries: Vec<EntryRow>,
    next_page: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct BillingQuery {
    #[serde(default)]
    details: String,
    #[serde(default)]
    include_descendants: bool,
    cursor: Option<String>,
}

fn href(id: i64, details: BillingDetails, subsidiaries: bool) -> String {
    let mut query = Vec::new();
    if details != BillingDetails::None {
        query.push(format!("details={}", details.as_str()));
    }
    if subsidiaries {
        query.push("include_descendants=true".to_owned());
    }
    let base = format!("/agent/organizations/{id}/billing");
    if query.is_empty() {
        base
    } else {
        format!("{base}?{}", query.join("&"))
    }
}

fn details_of(time: bool, charges: bool) -> BillingDetails {
    match (time, charges) {
        (true, true) => BillingDetails::All,
        (true, false) => BillingDetails::Time,
        (false, true) => BillingDetails::Charges,
        (false, false) => BillingDetails::None,
    }
}

fn row(entry: BillingEntry) -> EntryRow {
    match entry {
        BillingEntry::Time {
            entry,
            ticket_subject,
            ..
        } => EntryRow {
            ticket_id: entry.ticket_id.0,
            ticket_subject,
            agent: entry.agent.name,
            date: format_day(entry.worked_on),
            quantity: duration_text(entry.minutes),
            not_billable: !entry.billable,
            text: entry.note,
        },
        BillingEntry::Charge {
            charge,
            ticket_subject,
            ..
        } => EntryRow {
            ticket_id: charge.ticket_id.0,
            ticket_subject,
            quantity: format!("{} {}", charge.amount(), charge.currency.code()),
            date: super::time_text::iso_time(charge.created_at)[..10].to_owned(),
            agent: charge.agent.name,
            not_billable: false,
            text: charge.description,
        },
    }
}

pub async fn show(
    State(app): State<AppState>,
    session: AgentSession,
    jar: CookieJar,
    Path(id): Path<i64>,
    Query(query): Query<BillingQuery>,
) -> Result<Response, PageError> {
    let organization = app
        .get_organization_without_fields(OrganizationId(id))
        .await?;
    let request = BillingRequest {
        details: Some(query.details.clone()),
        include_descendants: query.include_descendants,
        page: PageRequest {
            limit: Some(PAGE_SIZE),
            cursor: query.cursor.clone(),
        },
    };
    let billing = app
        .organization_billing(OrganizationId(id), &request)
        .await?;
    let details = billing.details;
    let subsidiaries = billing.include_descendants;
    let view = BillingPage {
        chrome: Chrome::new(&session, "organizations", &jar),
        id,
        name: organization.name,
        total_time: duration_text(billing.totals.total_minutes),
        billable_time: duration_text(billing.totals.billable_minutes),
        amounts: billing
            .totals
            .amounts
            .iter()
            .map(|(currency, minor)| format!("{} {}", currency.format(*minor), currency.code()))
            .collect(),
        time_toggle: Toggle {
            href: href(
                id,
                details_of(!details.time(), details.charges()),
                subsidiaries,
            ),
            on: details.time(),
        },
        charges_toggle: Toggle {
            href: href(
                id,
                details_of(details.time(), !details.charges()),
                subsidiaries,
            ),
            on: details.charges(),
        },
        subsidiaries_toggle: Toggle {
            href: href(id, details, !subsidiaries),
            on: subsidiaries,
        },
        showing_entries: details != BillingDetails::None,
        next_page: billing.entries.next_cursor.map(|cursor| {
            let base = href(id, details, subsidiaries);
            let separator = if base.contains('?') { '&' } else { '?' };
            format!("{base}{separator}cursor={}", query_escape(&cursor))
        }),
        entries: billing.entries.items.into_iter().map(row).collect(),
    };
    Ok(page(jar, view))
}
