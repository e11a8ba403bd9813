//! Billing: time entries and charges on tickets, and the organization's roll-up.

use super::tickets::PersonRefBody;
use super::types::{PageQuery, expected_version, timestamp};
use crate::AppState;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{AgentAuth, Json, Path, Query, double_option};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use orgdesk_app::core::billing::{BillingEntry, Charge, EntryAgent, TimeEntry};
use orgdesk_app::core::day::format_day;
use orgdesk_app::core::model::Page;
use orgdesk_app::core::{OrganizationId, TicketId};
use orgdesk_app::{
    BillingRequest, ChargeChanges, NewCharge, NewTime, OrganizationBilling, PageRequest,
    TimeChanges,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

fn person(agent: EntryAgent) -> PersonRefBody {
    PersonRefBody {
        id: agent.id.0,
        name: agent.name,
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TimeEntryResponse {
    pub id: i64,
    pub ticket_id: i64,
    /// The agent who logged it.
    pub agent: PersonRefBody,
    pub minutes: i64,
    pub billable: bool,
    pub note: Option<String>,
    /// The day worked, `YYYY-MM-DD`.
    pub worked_on: String,
    pub created_at: String,
    pub updated_at: String,
    /// Send it back as `If-Match` (or `"version"`) to refuse stale writes.
    pub version: i64,
}

impl From<TimeEntry> for TimeEntryResponse {
    fn from(entry: TimeEntry) -> Self {
        TimeEntryResponse {
            id: entry.id,
            ticket_id: entry.ticket_id.0,
            agent: person(entry.agent),
            minutes: entry.minutes,
            billable: entry.billable,
            note: entry.note,
            worked_on: format_day(entry.worked_on),
            created_at: timestamp(entry.created_at),
            updated_at: timestamp(entry.updated_at),
            version: entry.version,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ChargeResponse {
    pub id: i64,
    pub ticket_id: i64,
    /// The agent who charged it.
    pub agent: PersonRefBody,
    /// A decimal string with the currency's own number of decimals (`"12.50"` EUR,
    /// `"1200"` JPY, `"1.250"` KWD).
    pub amount: String,
    /// ISO 4217 code.
    pub currency: String,
    pub description: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub version: i64,
}

impl From<Charge> for ChargeResponse {
    fn from(charge: Charge) -> Self {
        ChargeResponse {
            id: charge.id,
            ticket_id: charge.ticket_id.0,
            agent: person(charge.agent.clone()),
            amount: charge.amount(),
            currency: charge.currency.code().to_owned(),
            description: charge.description,
            created_at: timestamp(charge.created_at),
            updated_at: timestamp(charge.updated_at),
            version: charge.version,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TimeEntryList {
    pub data: Vec<TimeEntryResponse>,
    pub next_cursor: Option<String>,
}

impl From<Page<TimeEntry>> for TimeEntryList {
    fn from(page: Page<TimeEntry>) -> Self {
        TimeEntryList {
            data: page.items.into_iter().map(Into::into).collect(),
            next_cursor: page.next_cursor,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ChargeList {
    pub data: Vec<ChargeResponse>,
    pub next_cursor: Option<String>,
}

impl From<Page<Charge>> for ChargeList {
    fn from(page: Page<Charge>) -> Self {
        ChargeList {
            data: page.items.into_iter().map(Into::into).collect(),
            next_cursor: page.next_cursor,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTimeEntryBody {
    /// Whole minutes, more than zero (at most a week, 10080).
    pub minutes: i64,
    /// Default `true`.
    pub billable: Option<bool>,
    pub note: Option<String>,
    /// The day worked, `YYYY-MM-DD`; default today (UTC).
    pub worked_on: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateTimeEntryBody {
    pub minutes: Option<i64>,
    pub billable: Option<bool>,
    /// `null` clears it.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub note: Option<Option<String>>,
    pub worked_on: Option<String>,
    /// The version you read; alternatively send it as `If-Match`.
    pub version: Option<i64>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateChargeBody {
    /// A decimal string, more than zero, with at most the currency's decimals:
    /// `"12.50"` EUR, `"1200"` JPY, `"1.250"` KWD. Never a JSON number.
    pub amount: String,
    /// ISO 4217 code, e.g. `EUR`.
    pub currency: String,
    pub description: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateChargeBody {
    pub amount: Option<String>,
    pub currency: Option<String>,
    /// `null` clears it.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub description: Option<Option<String>>,
    pub version: Option<i64>,
}

/// Logs time on a ticket.
#[utoipa::path(post, path = "/api/v1/tickets/{id}/time-entries", tag = "billing", security(("agent" = [])), params(("id" = i64, Path)),
    request_body = CreateTimeEntryBody,
    responses((status = 201, body = TimeEntryResponse), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_time_entry(
    State(app): State<AppState>,
    AgentAuth(agent): AgentAuth,
    Path(id): Path<i64>,
    Json(body): Json<CreateTimeEntryBody>,
) -> Result<(StatusCode, axum::Json<TimeEntryResponse>), ApiError> {
    let new = NewTime {
        minutes: body.minutes,
        billable: body.billable,
        note: body.note,
        worked_on: body.worked_on,
    };
    let entry = app.log_time(&agent, TicketId(id), new).await?;
    Ok((StatusCode::CREATED, axum::Json(entry.into())))
}

/// A ticket's time entries, newest first.
#[utoipa::path(get, path = "/api/v1/tickets/{id}/time-entries", tag = "billing", security(("agent" = [])), params(("id" = i64, Path), PageQuery),
    responses((status = 200, body = TimeEntryList), (status = 404, body = ErrorBody)))]
async fn list_time_entries(
    State(app): State<AppState>,
    AgentAuth(_agent): AgentAuth,
    Path(id): Path<i64>,
    Query(page): Query<PageQuery>,
) -> Result<axum::Json<TimeEntryList>, ApiError> {
    Ok(axum::Json(
        app.ticket_time_entries(TicketId(id), &(&page).into())
            .await?
            .into(),
    ))
}

#[utoipa::path(get, path = "/api/v1/time-entries/{id}", tag = "billing", security(("agent" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = TimeEntryResponse), (status = 404, body = ErrorBody)))]
async fn get_time_entry(
    State(app): State<AppState>,
    AgentAuth(_agent): AgentAuth,
    Path(id): Path<i64>,
) -> Result<axum::Json<TimeEntryResponse>, ApiError> {
    Ok(axum::Json(app.get_time_entry(id).await?.into()))
}

/// Corrects a time entry: the agent who logged it, or an admin.
#[utoipa::path(patch, path = "/api/v1/time-entries/{id}", tag = "billing", security(("agent" = [])), params(("id" = i64, Path), ("If-Match" = Option<String>, Header, description = "the version last read")),
    request_body = UpdateTimeEntryBody,
    responses((status = 200, body = TimeEntryResponse), (status = 403, description = "not the agent who logged it, and not an admin", body = ErrorBody), (status = 404, body = ErrorBody), (status = 412, description = "stale version", body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_time_entry(
    State(app): State<AppState>,
    AgentAuth(agent): AgentAuth,
    Path(id): Path<i64>,
    headers: HeaderMap,
    Json(body): Json<UpdateTimeEntryBody>,
) -> Result<axum::Json<TimeEntryResponse>, ApiError> {
    let changes = TimeChanges {
        minutes: body.minutes,
        billable: body.billable,
        note: body.note,
        worked_on: body.worked_on,
        expected_version: expected_version(&headers, body.version)?,
    };
    Ok(axum::Json(
        app.change_time(&agent, id, changes).await?.into(),
    ))
}

/// Removes a time entry: the agent who logged it, or an admin.
#[utoipa::path(delete, path = "/api/v1/time-entries/{id}", tag = "billing", security(("agent" = [])), params(("id" = i64, Path)),
    responses((status = 204, description = "removed"), (status = 403, description = "not the agent who logged it, and not an admin", body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn delete_time_entry(
    State(app): State<AppState>,
    AgentAuth(agent): AgentAuth,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    app.remove_time(&agent, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Charges an amount on a ticket.
#[utoipa::path(post, path = "/api/v1/tickets/{id}/charges", tag = "billing", security(("agent" = [])), params(("id" = i64, Path)),
    request_body = CreateChargeBody,
    responses((status = 201, body = ChargeResponse), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_charge(
    State(app): State<AppState>,
    AgentAuth(agent): AgentAuth,
    Path(id): Path<i64>,
    Json(body): Json<CreateChargeBody>,
) -> Result<(StatusCode, axum::Json<ChargeResponse>), ApiError> {
    let new = NewCharge {
        amount: body.amount,
        currency: body.currency,
        description: body.description,
    };
    let charge = app.add_charge(&agent, TicketId(id), new).await?;
    Ok((StatusCode::CREATED, axum::Json(charge.into())))
}

/// A ticket's charges, newest first.
#[utoipa::path(get, path = "/api/v1/tickets/{id}/charges", tag = "billing", security(("agent" = [])), params(("id" = i64, Path), PageQuery),
    responses((status = 200, body = ChargeList), (status = 404, body = ErrorBody)))]
async fn list_charges(
    State(app): State<AppState>,
    AgentAuth(_agent): AgentAuth,
    Path(id): Path<i64>,
    Query(page): Query<PageQuery>,
) -> Result<axum::Json<ChargeList>, ApiError> {
    Ok(axum::Json(
        app.ticket_charges(TicketId(id), &(&page).into())
            .await?
            .into(),
    ))
}

#[utoipa::path(get, path = "/api/v1/charges/{id}", tag = "billing", security(("agent" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = ChargeResponse), (status = 404, body = ErrorBody)))]
async fn get_charge(
    State(app): State<AppState>,
    AgentAuth(_agent): AgentAuth,
    Path(id): Path<i64>,
) -> Result<axum::Json<ChargeResponse>, ApiError> {
    Ok(axum::Json(app.get_charge(id).await?.into()))
}

/// Corrects a charge: the agent who charged it, or an admin. A new currency alone
/// keeps the amount, which must then fit the new currency's decimals.
#[utoipa::path(patch, path = "/api/v1/charges/{id}", tag = "billing", security(("agent" = [])), params(("id" = i64, Path), ("If-Match" = Option<String>, Header, description = "the version last read")),
    request_body = UpdateChargeBody,
    responses((status = 200, body = ChargeResponse), (status = 403, description = "not the agent who charged it, and not an admin", body = ErrorBody), (status = 404, body = ErrorBody), (status = 412, description = "stale version", body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_charge(
    State(app): State<AppState>,
    AgentAuth(agent): AgentAuth,
    Path(id): Path<i64>,
    headers: HeaderMap,
    Json(body): Json<UpdateChargeBody>,
) -> Result<axum::Json<ChargeResponse>, ApiError> {
    let changes = ChargeChanges {
        amount: body.amount,
        currency: body.currency,
        description: body.description,
        expected_version: expected_version(&headers, body.version)?,
    };
    Ok(axum::Json(
        app.change_charge(&agent, id, changes).await?.into(),
    ))
}

/// Removes a charge: the agent who charged it, or an admin.
#[utoipa::path(delete, path = "/api/v1/charges/{id}", tag = "billing", security(("agent" = [])), params(("id" = i64, Path)),
    responses((status = 204, description = "removed"), (status = 403, description = "not the agent who charged it, and not an admin", body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn delete_charge(
    State(app): State<AppState>,
    AgentAuth(agent): AgentAuth,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    app.remove_charge(&agent, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct BillingQuery {
    /// `time`, `charges` or `all`: list those entries with the totals.
    pub details: Option<String>,
    /// Also the tickets of every organization below this one.
    #[serde(default)]
    pub include_descendants: bool,
    /// Entries per page, 1–500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page of entries.
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CurrencyTotal {
    pub currency: String,
    /// A decimal string, exact.
    pub amount: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TicketRefBody {
    pub id: i64,
    pub subject: String,
}

/// A time entry or a charge, with its ticket.
#[derive(Debug, Serialize, ToSchema)]
pub struct BillingEntryBody {
    /// `time` or `charge`.
    pub kind: String,
    pub id: i64,
    pub ticket: TicketRefBody,
    /// The ticket's organization (a subsidiary's with `include_descendants`).
    pub organization_id: Option<i64>,
    pub agent: PersonRefBody,
    /// The day worked (time), or the day charged.
    pub date: String,
    /// Time only.
    pub minutes: Option<i64>,
    /// Time only.
    pub billable: Option<bool>,
    /// Charges only: a decimal string.
    pub amount: Option<String>,
    /// Charges only.
    pub currency: Option<String>,
    /// The time entry's note, or the charge's description.
    pub text: Option<String>,
    pub created_at: String,
}

impl From<BillingEntry> for BillingEntryBody {
    fn from(entry: BillingEntry) -> Self {
        match entry {
            BillingEntry::Time {
                entry,
                ticket_subject,
                organization_id,
            } => BillingEntryBody {
                kind: "time".into(),
                id: entry.id,
                ticket: TicketRefBody {
                    id: entry.ticket_id.0,
                    subject: ticket_subject,
                },
                organization_id: organization_id.map(|id| id.0),
                agent: person(entry.agent),
                date: format_day(entry.worked_on),
                minutes: Some(entry.minutes),
                billable: Some(entry.billable),
                amount: None,
                currency: None,
                text: entry.note,
                created_at: timestamp(entry.created_at),
            },
            BillingEntry::Charge {
                charge,
                ticket_subject,
                organization_id,
            } => BillingEntryBody {
                kind: "charge".into(),
                id: charge.id,
                ticket: TicketRefBody {
                    id: charge.ticket_id.0,
                    subject: ticket_subject,
                },
                organization_id: organization_id.map(|id| id.0),
                date: timestamp(charge.created_at)[..10].to_owned(),
                amount: Some(charge.amount()),
                currency: Some(charge.currency.code().to_owned()),
                agent: person(charge.agent),
                minutes: None,
                billable: None,
                text: charge.description,
                created_at: timestamp(charge.created_at),
            },
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BillingResponse {
    pub organization_id: i64,
    pub include_descendants: bool,
    /// `none`, `time`, `charges` or `all`.
    pub details: String,
    pub total_minutes: i64,
    pub billable_minutes: i64,
    /// The amount charged per currency (never added across currencies), by code.
    pub totals: Vec<CurrencyTotal>,
    /// The entries asked for by `details`, newest first; empty without it.
    pub entries: Vec<BillingEntryBody>,
    pub next_cursor: Option<String>,
}

/// The organization's billing: total and billable time, and the total charged per
/// currency, over its tickets (and its subsidiaries' with `include_descendants`);
/// with `details`, the entries themselves.
#[utoipa::path(get, path = "/api/v1/organizations/{id}/billing", tag = "billing", security(("agent" = [])), params(("id" = i64, Path), BillingQuery),
    responses((status = 200, body = BillingResponse), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn organization_billing(
    State(app): State<AppState>,
    AgentAuth(_agent): AgentAuth,
    Path(id): Path<i64>,
    Query(query): Query<BillingQuery>,
) -> Result<axum::Json<BillingResponse>, ApiError> {
    let request = BillingRequest {
        details: query.details,
        include_descendants: query.include_descendants,
        page: PageRequest {
            limit: query.limit,
            cursor: query.cursor,
        },
    };
    let billing: OrganizationBilling = app
        .organization_billing(OrganizationId(id), &request)
        .await?;
    Ok(axum::Json(BillingResponse {
        organization_id: id,
        include_descendants: billing.include_descendants,
        details: billing.details.as_str().to_owned(),
        total_minutes: billing.totals.total_minutes,
        billable_minutes: billing.totals.billable_minutes,
        totals: billing
            .totals
            .amounts
            .iter()
            .map(|(currency, minor)| CurrencyTotal {
                currency: currency.code().to_owned(),
                amount: currency.format(*minor),
            })
            .collect(),
        entries: billing.entries.items.into_iter().map(Into::into).collect(),
        next_cursor: billing.entries.next_cursor,
    }))
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_time_entry, list_time_entries))
        .routes(routes!(
            get_time_entry,
            update_time_entry,
            delete_time_entry
        ))
        .routes(routes!(create_charge, list_charges))
        .routes(routes!(get_charge, update_charge, delete_charge))
        .routes(routes!(organization_billing))
}
