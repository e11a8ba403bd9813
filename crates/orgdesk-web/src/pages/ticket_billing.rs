//! Time and charges on a ticket's page: the entries logged so far, a form to log time
//! and one to add a charge; each entry's own page to correct it, and a confirmation
//! step to remove it (for the agent who logged it, and admins).

use super::render::{Chrome, Form, PageError, page, redirect_with_flash, refusal_text};
use super::session::AgentSession;
use super::ticket::{Refusal, refused};
use crate::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::CookieJar;
use orgdesk_app::core::billing::{Charge, EntryAgent, TimeEntry};
use orgdesk_app::core::day::format_day;
use orgdesk_app::core::{Error, TicketId};
use orgdesk_app::{ChargeChanges, NewCharge, NewTime, PageRequest, TimeChanges};
use serde::Deserialize;

/// Entries of each kind shown on the ticket (the API pages through any more).
const SHOWN: i64 = 50;

/// `1 h 30 min`, `45 min`, `2 h`.
pub fn duration_text(minutes: i64) -> String {
    match (minutes / 60, minutes % 60) {
        (0, m) => format!("{m} min"),
        (h, 0) => format!("{h} h"),
        (h, m) => format!("{h} h {m} min"),
    }
}

pub struct TimeRow {
    pub id: i64,
    pub agent: String,
    pub duration: String,
    pub billable: bool,
    pub worked_on: String,
    pub note: Option<String>,
    pub may_change: bool,
}

pub struct ChargeRow {
    pub id: i64,
    pub agent: String,
    pub amount: String,
    pub currency: String,
    pub description: Option<String>,
    pub may_change: bool,
}

/// The time form as typed (minutes as text: a refusal shows it again as it was).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct TimeForm {
    #[serde(default)]
    csrf: String,
    version: Option<i64>,
    #[serde(default)]
    pub minutes: String,
    /// A checkbox: present when ticked.
    pub billable: Option<String>,
    #[serde(default)]
    pub worked_on: String,
    #[serde(default)]
    pub note: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ChargeForm {
    #[serde(default)]
    csrf: String,
    version: Option<i64>,
    #[serde(default)]
    pub amount: String,
    #[serde(default)]
    pub currency: String,
    #[serde(default)]
    pub description: String,
}

/// The section's data on the ticket page.
pub struct TicketBilling {
    pub time: Vec<TimeRow>,
    pub charges: Vec<ChargeRow>,
    pub time_form: TimeForm,
    pub time_error: Option<String>,
    pub charge_form: ChargeForm,
    pub charge_error: Option<String>,
}

/// Forms of the section refused, with what was typed and why.
#[derive(Default)]
pub struct BillingRefusal {
    pub time: Option<(TimeForm, String)>,
    pub charge: Option<(ChargeForm, String)>,
}

fn may_change(session: &AgentSession, logger: &EntryAgent) -> bool {
    session.agent.may_change_work_of(logger.id)
}

fn time_row(entry: TimeEntry, session: &AgentSession) -> TimeRow {
    TimeRow {
        id: entry.id,
        may_change: may_change(session, &entry.agent),
        agent: entry.agent.name,
        duration: duration_text(entry.minutes),
        billable: entry.billable,
        worked_on: format_day(entry.worked_on),
        note: entry.note,
    }
}

fn charge_row(charge: Charge, session: &AgentSession) -> ChargeRow {
    ChargeRow {
        id: charge.id,
        may_change: may_change(session, &charge.agent),
        amount: charge.amount(),
        currency: charge.currency.code().to_owned(),
        agent: charge.agent.name,
        description: charge.description,
    }
}

pub async fn ticket_billing(
    app: &AppState,
    session: &AgentSession,
    ticket: TicketId,
    refusal: BillingRefusal,
) -> Result<TicketBilling, PageError> {
    let first = PageRequest {
        limit: Some(SHOWN),
        cursor: None,
    };
    let time = app.ticket_time_entries(ticket, &first).await?;
    let charges = app.ticket_charges(ticket, &first).await?;
    let (time_form, time_error) = match refusal.time {
        Some((form, reason)) => (form, Some(reason)),
        None => (
            TimeForm {
                billable: Some("on".into()),
                ..TimeForm::default()
            },
            None,
        ),
    };
    let (charge_form, charge_error) = match refusal.charge {
        Some((form, reason)) => (form, Some(reason)),
        None => (ChargeForm::default(), None),
    };
    Ok(TicketBilling {
        time: time
            .items
            .into_iter()
            .map(|e| time_row(e, session))
            .collect(),
        charges: charges
            .items
            .into_iter()
            .map(|c| charge_row(c, session))
            .collect(),
        time_form,
        time_error,
        charge_form,
        charge_error,
    })
}

/// The ticket's Time and charges section: where every change here leads back to.
fn billing_section(ticket: TicketId) -> String {
    format!("/agent/tickets/{}#billing-heading", ticket.0)
}

fn minutes_typed(text: &str) -> Result<i64, Error> {
    text.trim()
        .parse()
        .map_err(|_| Error::validation("minutes", "must be a whole number of minutes"))
}

fn optional(text: &str) -> Option<String> {
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

/// Why a form was refused, naming the box as the form labels it.
fn refusal(err: &Error) -> String {
    match err {
        Error::Validation { field, message } => {
            let label = match field.as_str() {
                "minutes" => "Minutes",
                "worked_on" => "Day worked",
                "note" => "Note",
                "amount" => "Amount",
                "currency" => "Currency",
                "description" => "Description",
                _ => return refusal_text(err),
            };
            format!("{label}: {message}.")
        }
        other => refusal_text(other),
    }
}

pub async fn log_time(
    State(app): State<AppState>,
    session: AgentSession,
    jar: CookieJar,
    Path(id): Path<i64>,
    Form(form): Form<TimeForm>,
) -> Result<Response, PageError> {
    session.require_csrf(&form.csrf)?;
    let ticket = TicketId(id);
    let logged = match minutes_typed(&form.minutes) {
        Ok(minutes) => {
            let new = NewTime {
                minutes,
                billable: Some(form.billable.is_some()),
                note: optional(&form.note),
                worked_on: optional(&form.worked_on),
            };
            app.log_time(&session.agent, ticket, new).await
        }
        Err(err) => Err(err),
    };
    match logged {
        Ok(entry) => Ok(redirect_with_flash(
            jar,
            &billing_section(ticket),
            format!("{} logged.", duration_text(entry.minutes)),
        )),
        Err(err) => {
            let reason = refusal(&err);
            let refusal = Refusal::billing(BillingRefusal {
                time: Some((form, reason)),
                ..Default::default()
            });
            refused(&app, &session, &jar, ticket, err, refusal).await
        }
    }
}

pub async fn add_charge(
    State(app): State<AppState>,
    session: AgentSession,
    jar: CookieJar,
    Path(id): Path<i64>,
    Form(form): Form<ChargeForm>,
) -> Result<Response, PageError> {
    session.require_csrf(&form.csrf)?;
    let ticket = TicketId(id);
    let new = NewCharge {
        amount: form.amount.clone(),
        currency: form.currency.clone(),
        description: optional(&form.description),
    };
    match app.add_charge(&session.agent, ticket, new).await {
        Ok(charge) => Ok(redirect_with_flash(
            jar,
            &billing_section(ticket),
            format!("{} {} charged.", charge.amount(), charge.currency.code()),
        )),
        Err(err) => {
            let reason = refusal(&err);
            let refusal = Refusal::billing(BillingRefusal {
                charge: Some((form, reason)),
                ..Default::default()
            });
            refused(&app, &session, &jar, ticket, err, refusal).await
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "agent/billing_entry.html")]
struct EntryPage {
    chrome: Chrome,
    ticket_id: i64,
    /// `time` or `charge`.
    kind: &'static str,
    id: i64,
    version: i64,
    logged_by: String,
    time: TimeForm,
    charge: ChargeForm,
    error: Option<String>,
}

impl EntryPage {
    /// A time entry's page, its form holding `form` (the stored terms, or as typed).
    fn time(
        session: &AgentSession,
        jar: &CookieJar,
        entry: &TimeEntry,
        form: TimeForm,
        error: Option<String>,
    ) -> Self {
        EntryPage {
            chrome: Chrome::new(session, "tickets", jar),
            ticket_id: entry.ticket_id.0,
            kind: "time",
            id: entry.id,
            version: entry.version,
            logged_by: entry.agent.name.clone(),
            // Saving again after a conflict replaces what is stored now.
            time: TimeForm {
                version: Some(entry.version),
                ..form
            },
            charge: ChargeForm::default(),
            error,
        }
    }

    /// A charge's page, its form holding `form` (the stored terms, or as typed).
    fn charge(
        session: &AgentSession,
        jar: &CookieJar,
        charge: &Charge,
        form: ChargeForm,
        error: Option<String>,
    ) -> Self {
        EntryPage {
            chrome: Chrome::new(session, "tickets", jar),
            ticket_id: charge.ticket_id.0,
            kind: "charge",
            id: charge.id,
            version: charge.version,
            logged_by: charge.agent.name.clone(),
            time: TimeForm::default(),
            charge: ChargeForm {
                version: Some(charge.version),
                ..form
            },
            error,
        }
    }
}

fn time_form_of(entry: &TimeEntry) -> TimeForm {
    TimeForm {
        csrf: String::new(),
        version: Some(entry.version),
        minutes: entry.minutes.to_string(),
        billable: entry.billable.then(|| "on".to_owned()),
        worked_on: format_day(entry.worked_on),
        note: entry.note.clone().unwrap_or_default(),
    }
}

fn charge_form_of(charge: &Charge) -> ChargeForm {
    ChargeForm {
        csrf: String::new(),
        version: Some(charge.version),
        amount: charge.amount(),
        currency: charge.currency.code().to_owned(),
        description: charge.description.clone().unwrap_or_default(),
    }
}

/// A time entry's page: its terms in a form to correct them.
pub async fn time_entry(
    State(app): State<AppState>,
    session: AgentSession,
    jar: CookieJar,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let entry = app.get_time_entry(id).await?;
    let view = EntryPage::time(&session, &jar, &entry, time_form_of(&entry), None);
    Ok(page(jar, view))
}

pub async fn save_time_entry(
    State(app): State<AppState>,
    session: AgentSession,
    jar: CookieJar,
    Path(id): Path<i64>,
    Form(form): Form<TimeForm>,
) -> Result<Response, PageError> {
    session.require_csrf(&form.csrf)?;
    let entry = app.get_time_entry(id).await?;
    let saved = match minutes_typed(&form.minutes) {
        Ok(minutes) => {
            let changes = TimeChanges {
                minutes: Some(minutes),
                billable: Some(form.billable.is_some()),
                note: Some(optional(&form.note)),
                worked_on: Some(form.worked_on.clone()),
                expected_version: form.version,
            };
            app.change_time(&session.agent, id, changes).await
        }
        Err(err) => Err(err),
    };
    match saved {
        Ok(_) => Ok(redirect_with_flash(
            jar,
            &billing_section(entry.ticket_id),
            "Time entry saved.",
        )),
        Err(err @ (Error::Internal(_) | Error::NotFound { .. } | Error::Forbidden(_))) => {
            Err(err.into())
        }
        Err(err) => {
            let view = EntryPage::time(&session, &jar, &entry, form, Some(entry_refusal(&err)));
            Ok((status_of(&err), page(jar, view)).into_response())
        }
    }
}

/// A charge's page: its terms in a form to correct them.
pub async fn charge(
    State(app): State<AppState>,
    session: AgentSession,
    jar: CookieJar,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let charge = app.get_charge(id).await?;
    let view = EntryPage::charge(&session, &jar, &charge, charge_form_of(&charge), None);
    Ok(page(jar, view))
}

pub async fn save_charge(
    State(app): State<AppState>,
    session: AgentSession,
    jar: CookieJar,
    Path(id): Path<i64>,
    Form(form): Form<ChargeForm>,
) -> Result<Response, PageError> {
    session.require_csrf(&form.csrf)?;
    let charge = app.get_charge(id).await?;
    let changes = ChargeChanges {
        amount: Some(form.amount.clone()),
        currency: Some(form.currency.clone()),
        description: Some(optional(&form.description)),
        expected_version: form.version,
    };
    match app.change_charge(&session.agent, id, changes).await {
        Ok(_) => Ok(redirect_with_flash(
            jar,
            &billing_section(charge.ticket_id),
            "Charge saved.",
        )),
        Err(err @ (Error::Internal(_) | Error::NotFound { .. } | Error::Forbidden(_))) => {
            Err(err.into())
        }
        Err(err) => {
            let view = EntryPage::charge(&session, &jar, &charge, form, Some(entry_refusal(&err)));
            Ok((status_of(&err), page(jar, view)).into_response())
        }
    }
}

fn entry_refusal(err: &Error) -> String {
    match err {
        Error::VersionConflict { .. } => "Someone changed this entry after you opened it. Your values are kept below; save again to replace theirs, or reload to see them.".to_owned(),
        other => refusal(other),
    }
}

fn status_of(err: &Error) -> StatusCode {
    match err {
        Error::VersionConflict { .. } => StatusCode::PRECONDITION_FAILED,
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "agent/confirm_remove_billing.html")]
struct ConfirmRemovePage {
    chrome: Chrome,
    what: String,
    action: String,
    back: String,
}

#[derive(Deserialize)]
pub struct CsrfForm {
    csrf: String,
}

pub async fn confirm_remove_time(
    State(app): State<AppState>,
    session: AgentSession,
    jar: CookieJar,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let entry = app.get_time_entry(id).await?;
    let view = ConfirmRemovePage {
        chrome: Chrome::new(&session, "tickets", &jar),
        what: format!(
            "{} logged by {} for {}",
            duration_text(entry.minutes),
            entry.agent.name,
            format_day(entry.worked_on)
        ),
        action: format!("/agent/time-entries/{id}/remove"),
        back: billing_section(entry.ticket_id),
    };
    Ok(page(jar, view))
}

pub async fn remove_time(
    State(app): State<AppState>,
    session: AgentSession,
    jar: CookieJar,
    Path(id): Path<i64>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, PageError> {
    session.require_csrf(&form.csrf)?;
    let removed = app.remove_time(&session.agent, id).await?;
    Ok(redirect_with_flash(
        jar,
        &billing_section(removed.ticket_id),
        format!("{} removed.", duration_text(removed.minutes)),
    ))
}

pub async fn confirm_remove_charge(
    State(app): State<AppState>,
    session: AgentSession,
    jar: CookieJar,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let charge = app.get_charge(id).await?;
    let view = ConfirmRemovePage {
        chrome: Chrome::new(&session, "tickets", &jar),
        what: format!(
            "the charge of {} {} by {}",
            charge.amount(),
            charge.currency.code(),
            charge.agent.name
        ),
        action: format!("/agent/charges/{id}/remove"),
        back: billing_section(charge.ticket_id),
    };
    Ok(page(jar, view))
}

pub async fn remove_charge(
    State(app): State<AppState>,
    session: AgentSession,
    jar: CookieJar,
    Path(id): Path<i64>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, PageError> {
    session.require_csrf(&form.csrf)?;
    let removed = app.remove_charge(&session.agent, id).await?;
    Ok(redirect_with_flash(
        jar,
        &billing_section(removed.ticket_id),
        format!(
            "The charge of {} {} is removed.",
            removed.amount(),
            removed.currency.code()
        ),
    ))
}
