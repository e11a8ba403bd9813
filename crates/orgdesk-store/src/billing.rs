//! Time entries and charges on tickets, and their roll-up to organizations: totals are
//! sums in SQL over the organization's tickets (and, when asked, its subsidiaries'),
//! details a keyset-paged list of both kinds together, newest first.

use crate::error::StoreError;
use crate::sql;
use crate::tickets::OrganizationScope;
use orgdesk_core::billing::{BillingEntry, BillingTotals, Charge, Currency, EntryAgent, TimeEntry};
use orgdesk_core::day::{format_day, parse_day};
use orgdesk_core::hierarchy::MAX_DEPTH;
use orgdesk_core::{AgentId, OrganizationId, TicketId};
use sea_orm::{ConnectionTrait, FromQueryResult, Value};
use time::Date;

/// What a time entry says, as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct TimeTerms {
    pub minutes: i64,
    pub billable: bool,
    pub note: Option<String>,
    pub worked_on: Date,
}

/// What a charge says, as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct ChargeTerms {
    pub currency: Currency,
    pub amount_minor: i64,
    pub description: Option<String>,
}

const TIME_SELECT: &str = "SELECT e.id, e.ticket_id, e.agent_id, a.name AS agent_name, e.minutes, e.billable, e.note, \
     e.worked_on, e.version, e.created_at, e.updated_at \
     FROM ticket_time_entries e JOIN agents a ON a.id = e.agent_id";

const CHARGE_SELECT: &str = "SELECT c.id, c.ticket_id, c.agent_id, a.name AS agent_name, c.currency, c.amount_minor, \
     c.description, c.version, c.created_at, c.updated_at \
     FROM ticket_charges c JOIN agents a ON a.id = c.agent_id";

#[derive(Debug, FromQueryResult)]
struct TimeRow {
    id: i64,
    ticket_id: i64,
    agent_id: i64,
    agent_name: String,
    minutes: i64,
    billable: bool,
    note: Option<String>,
    worked_on: String,
    version: i64,
    created_at: i64,
    updated_at: i64,
}

impl TimeRow {
    fn into_entry(self) -> Result<TimeEntry, StoreError> {
        let worked_on = parse_day("worked_on", &self.worked_on).map_err(|_| {
            StoreError::custom(format!("time entry {} has an unreadable day", self.id))
        })?;
        Ok(TimeEntry {
            id: self.id,
            ticket_id: TicketId(self.ticket_id),
            agent: EntryAgent {
                id: AgentId(self.agent_id),
                name: self.agent_name,
            },
            minutes: self.minutes,
            billable: self.billable,
            note: self.note,
            worked_on,
            version: self.version,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

#[derive(Debug, FromQueryResult)]
struct ChargeRow {
    id: i64,
    ticket_id: i64,
    agent_id: i64,
    agent_name: String,
    currency: String,
    amount_minor: i64,
    description: Option<String>,
    version: i64,
    created_at: i64,
    updated_at: i64,
}

fn stored_currency(code: &str, what: &str) -> Result<Currency, StoreError> {
    Currency::parse(code)
        .map_err(|_| StoreError::custom(format!("{what} has an unknown currency {code}")))
}

impl ChargeRow {
    fn into_charge(self) -> Result<Charge, StoreError> {
        Ok(Charge {
            currency: stored_currency(&self.currency, &format!("charge {}", self.id))?,
            id: self.id,
            ticket_id: TicketId(self.ticket_id),
            agent: EntryAgent {
                id: AgentId(self.agent_id),
                name: self.agent_name,
            },
            amount_minor: self.amount_minor,
            description: self.description,
            version: self.version,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

// --- time entries ---------------------------------------------------------------------

pub async fn insert_time<C: ConnectionTrait>(
    conn: &C,
    ticket: TicketId,
    agent: AgentId,
    terms: &TimeTerms,
    at: i64,
) -> Result<i64, StoreError> {
    sql::scalar(
        conn,
        "INSERT INTO ticket_time_entries (ticket_id, agent_id, minutes, billable, note, worked_on, version, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, 1, $7, $7) RETURNING id AS value",
        vec![
            ticket.0.into(),
            agent.0.into(),
            terms.minutes.into(),
            terms.billable.into(),
            terms.note.clone().into(),
            format_day(terms.worked_on).into(),
            at.into(),
        ],
    )
    .await?
    .ok_or_else(|| StoreError::custom("insert returned no row".into()))
}

pub async fn find_time<C: ConnectionTrait>(
    conn: &C,
    id: i64,
) -> Result<Option<TimeEntry>, StoreError> {
    let row: Option<TimeRow> = sql::one(
        conn,
        &format!("{TIME_SELECT} WHERE e.id = $1"),
        vec![id.into()],
    )
    .await?;
    row.map(TimeRow::into_entry).transpose()
}

/// A ticket's time entries, newest first, with ids below `before`.
pub async fn time_of_ticket<C: ConnectionTrait>(
    conn: &C,
    ticket: TicketId,
    before: Option<i64>,
    limit: u64,
) -> Result<Vec<TimeEntry>, StoreError> {
    let rows: Vec<TimeRow> = sql::all(
        conn,
        &format!("{TIME_SELECT} WHERE e.ticket_id = $1 AND e.id < $2 ORDER BY e.id DESC LIMIT $3"),
        vec![
            ticket.0.into(),
            before.unwrap_or(i64::MAX).into(),
            (limit as i64).into(),
        ],
    )
    .await?;
    rows.into_iter().map(TimeRow::into_entry).collect()
}

/// Writes new terms and bumps the version, only if it is still `expected_version`.
pub async fn update_time<C: ConnectionTrait>(
    conn: &C,
    id: i64,
    expected_version: i64,
    terms: &TimeTerms,
    at: i64,
) -> Result<bool, StoreError> {
    let rows = sql::execute(
        conn,
        "UPDATE ticket_time_entries SET minutes = $1, billable = $2, note = $3, worked_on = $4, updated_at = $5, \
         version = version + 1 WHERE id = $6 AND version = $7",
        vec![
            terms.minutes.into(),
            terms.billable.into(),
            terms.note.clone().into(),
            format_day(terms.worked_on).into(),
            at.into(),
            id.into(),
            expected_version.into(),
        ],
    )
    .await?;
    Ok(rows == 1)
}

pub async fn delete_time<C: ConnectionTrait>(conn: &C, id: i64) -> Result<bool, StoreError> {
    let rows = sql::execute(
        conn,
        "DELETE FROM ticket_time_entries WHERE id = $1",
        vec![id.into()],
    )
    .await?;
    Ok(rows == 1)
}

// --- charges --------------------------------------------------------------------------

pub async fn insert_charge<C: ConnectionTrait>(
    conn: &C,
    ticket: TicketId,
    agent: AgentId,
    terms: &ChargeTerms,
    at: i64,
) -> Result<i64, StoreError> {
    sql::scalar(
        conn,
        "INSERT INTO ticket_charges (ticket_id, agent_id, currency, amount_minor, description, version, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, 1, $6, $6) RETURNING id AS value",
        vec![
            ticket.0.into(),
            agent.0.into(),
            terms.currency.code().into(),
            terms.amount_minor.into(),
            terms.description.clone().into(),
            at.into(),
        ],
    )
    .await?
    .ok_or_else(|| StoreError::custom("insert returned no row".into()))
}

pub async fn find_charge<C: ConnectionTrait>(
    conn: &C,
    id: i64,
) -> Result<Option<Charge>, StoreError> {
    let row: Option<ChargeRow> = sql::one(
        conn,
        &format!("{CHARGE_SELECT} WHERE c.id = $1"),
        vec![id.into()],
    )
    .await?;
    row.map(ChargeRow::into_charge).transpose()
}

/// A ticket's charges, newest first, with ids below `before`.
pub async fn charges_of_ticket<C: ConnectionTrait>(
    conn: &C,
    ticket: TicketId,
    before: Option<i64>,
    limit: u64,
) -> Result<Vec<Charge>, StoreError> {
    let rows: Vec<ChargeRow> = sql::all(
        conn,
        &format!(
            "{CHARGE_SELECT} WHERE c.ticket_id = $1 AND c.id < $2 ORDER BY c.id DESC LIMIT $3"
        ),
        vec![
            ticket.0.into(),
            before.unwrap_or(i64::MAX).into(),
            (limit as i64).into(),
        ],
    )
    .await?;
    rows.into_iter().map(ChargeRow::into_charge).collect()
}

pub async fn update_charge<C: ConnectionTrait>(
    conn: &C,
    id: i64,
    expected_version: i64,
    terms: &ChargeTerms,
    at: i64,
) -> Result<bool, StoreError> {
    let rows = sql::execute(
        conn,
        "UPDATE ticket_charges SET currency = $1, amount_minor = $2, description = $3, updated_at = $4, \
         version = version + 1 WHERE id = $5 AND version = $6",
        vec![
            terms.currency.code().into(),
            terms.amount_minor.into(),
            terms.description.clone().into(),
            at.into(),
            id.into(),
            expected_version.into(),
        ],
    )
    .await?;
    Ok(rows == 1)
}

pub async fn delete_charge<C: ConnectionTrait>(conn: &C, id: i64) -> Result<bool, StoreError> {
    let rows = sql::execute(
        conn,
        "DELETE FROM ticket_charges WHERE id = $1",
        vec![id.into()],
    )
    .await?;
    Ok(rows == 1)
}

// --- the organization's billing -------------------------------------------------------

/// The organizations a scope covers, as SQL: a `WITH` prefix (empty for one
/// organization) and a condition on the tickets `t`. Takes `$1` (and `$2`).
fn scope_sql(scope: &OrganizationScope) -> (String, &'static str, Vec<Value>) {
    match scope {
        OrganizationScope::Only(id) => (String::new(), "t.organization_id = $1", vec![id.0.into()]),
        OrganizationScope::WithDescendants(id) => (
            "WITH RECURSIVE scope(id, depth) AS (SELECT CAST($1 AS BIGINT), CAST(0 AS BIGINT) \
             UNION ALL SELECT o.id, s.depth + 1 FROM organizations o JOIN scope s ON o.parent_id = s.id \
             WHERE s.depth < $2) "
                .to_owned(),
            "t.organization_id IN (SELECT id FROM scope)",
            vec![id.0.into(), (MAX_DEPTH as i64).into()],
        ),
    }
}

/// Total and billable minutes, and the amount charged per currency, over the tickets
/// of the scope: three sums, never the entries themselves.
pub async fn totals<C: ConnectionTrait>(
    conn: &C,
    scope: &OrganizationScope,
) -> Result<BillingTotals, StoreError> {
    #[derive(FromQueryResult)]
    struct TimeSums {
        total_minutes: i64,
        billable_minutes: i64,
    }
    #[derive(FromQueryResult)]
    struct Amount {
        currency: String,
        amount: i64,
    }
    let (prefix, condition, values) = scope_sql(scope);
    let time: Option<TimeSums> = sql::one(
        conn,
        &format!(
            "{prefix}SELECT CAST(COALESCE(SUM(e.minutes), 0) AS BIGINT) AS total_minutes, \
             CAST(COALESCE(SUM(CASE WHEN e.billable THEN e.minutes ELSE 0 END), 0) AS BIGINT) AS billable_minutes \
             FROM ticket_time_entries e JOIN tickets t ON t.id = e.ticket_id WHERE {condition}"
        ),
        values.clone(),
    )
    .await?;
    let amounts: Vec<Amount> = sql::all(
        conn,
        &format!(
            "{prefix}SELECT c.currency, CAST(SUM(c.amount_minor) AS BIGINT) AS amount \
             FROM ticket_charges c JOIN tickets t ON t.id = c.ticket_id WHERE {condition} \
             GROUP BY c.currency ORDER BY c.currency"
        ),
        values,
    )
    .await?;
    let time = time.unwrap_or(TimeSums {
        total_minutes: 0,
        billable_minutes: 0,
    });
    Ok(BillingTotals {
        total_minutes: time.total_minutes,
        billable_minutes: time.billable_minutes,
        amounts: amounts
            .into_iter()
            .map(|row| Ok((stored_currency(&row.currency, "a charge")?, row.amount)))
            .collect::<Result<_, StoreError>>()?,
    })
}

/// Where a page of billing entries continues: the last entry's (created_at, kind, id),
/// kind `t` (time) or `c` (charge).
pub type EntryPosition = (i64, String, i64);

/// The scope's entries of the kinds asked for, newest first (by when they were
/// logged), after `after`: one keyset query per kind, merged.
pub async fn entries<C: ConnectionTrait>(
    conn: &C,
    scope: &OrganizationScope,
    time: bool,
    charges: bool,
    after: Option<&EntryPosition>,
    limit: u64,
) -> Result<Vec<BillingEntry>, StoreError> {
    #[derive(FromQueryResult)]
    struct TicketOf {
        ticket_subject: String,
        organization_id: Option<i64>,
    }
    let (prefix, condition, values) = scope_sql(scope);
    // Each kind's rows before the position, in the merged order (kind `t` sorts after
    // `c` at the same instant, as the position compares them).
    let keyset = |alias: &str, kind: &str, values: &mut Vec<Value>| match after {
        Some((created_at, after_kind, id)) => {
            let n = values.len();
            values.extend([
                (*created_at).into(),
                after_kind.clone().into(),
                (*id).into(),
            ]);
            format!(
                " AND ({alias}.created_at, CAST('{kind}' AS TEXT), {alias}.id) < (${}, ${}, ${})",
                n + 1,
                n + 2,
                n + 3
            )
        }
        None => String::new(),
    };
    let mut merged: Vec<(EntryPosition, BillingEntry)> = Vec::new();
    if time {
        let mut values = values.clone();
        let after = keyset("e", "t", &mut values);
        values.push((limit as i64).into());
        let sql_text = format!(
            "{prefix}SELECT e.id, e.ticket_id, e.agent_id, a.name AS agent_name, e.minutes, e.billable, e.note, \
             e.worked_on, e.version, e.created_at, e.updated_at, t.subject AS ticket_subject, t.organization_id \
             FROM ticket_time_entries e JOIN tickets t ON t.id = e.ticket_id JOIN agents a ON a.id = e.agent_id \
             WHERE {condition}{after} ORDER BY e.created_at DESC, e.id DESC LIMIT ${}",
            values.len()
        );
        let statement = sql::statement(conn, &sql_text, values);
        for row in conn.query_all_raw(statement).await? {
            let ticket = TicketOf::from_query_result(&row, "")?;
            let entry = TimeRow::from_query_result(&row, "")?.into_entry()?;
            merged.push((
                (entry.created_at, "t".to_owned(), entry.id),
                BillingEntry::Time {
                    entry,
                    ticket_subject: ticket.ticket_subject,
                    organization_id: ticket.organization_id.map(OrganizationId),
                },
            ));
        }
    }
    if charges {
        let mut values = values;
        let after = keyset("c", "c", &mut values);
        values.push((limit as i64).into());
        let sql_text = format!(
            "{prefix}SELECT c.id, c.ticket_id, c.agent_id, a.name AS agent_name, c.currency, c.amount_minor, \
             c.description, c.version, c.created_at, c.updated_at, t.subject AS ticket_subject, t.organization_id \
             FROM ticket_charges c JOIN tickets t ON t.id = c.ticket_id JOIN agents a ON a.id = c.agent_id \
             WHERE {condition}{after} ORDER BY c.created_at DESC, c.id DESC LIMIT ${}",
            values.len()
        );
        let statement = sql::statement(conn, &sql_text, values);
        for row in conn.query_all_raw(statement).await? {
            let ticket = TicketOf::from_query_result(&row, "")?;
            let charge = ChargeRow::from_query_result(&row, "")?.into_charge()?;
            merged.push((
                (charge.created_at, "c".to_owned(), charge.id),
                BillingEntry::Charge {
                    charge,
                    ticket_subject: ticket.ticket_subject,
                    organization_id: ticket.organization_id.map(OrganizationId),
                },
            ));
        }
    }
    merged.sort_by(|(a, _), (b, _)| b.cmp(a));
    merged.truncate(limit as usize);
    Ok(merged.into_iter().map(|(_, entry)| entry).collect())
}
