//! Billing: agents log time and charges on tickets; both roll up to the ticket's
//! organization (and, on request, to its parents' views). An entry is changed or
//! removed by the agent who logged it or by an admin, against the version read; each
//! addition, change and removal is in the organization's activity stream.

use crate::history::{Record, record};
use crate::locking::{Lockable, lock};
use crate::{App, PageRequest, now_ms};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use orgdesk_core::billing::{
    BillingDetails, BillingEntry, BillingTotals, Charge, Currency, TimeEntry, entry_text, minutes,
};
use orgdesk_core::day::{format_day, parse_day, today};
use orgdesk_core::error::check_version;
use orgdesk_core::model::{Action, Agent, Change, Page, Ticket};
use orgdesk_core::{Entity, Error, OrganizationId, Result, TicketId};
use orgdesk_store::ConnectionTrait;
use orgdesk_store::billing::{self, ChargeTerms, EntryPosition, TimeTerms};
use orgdesk_store::tickets::OrganizationScope;
use serde_json::{Value, json};

/// Time to log: minutes (required), billable (default yes), a note, the day worked
/// (`YYYY-MM-DD`, default today).
#[derive(Debug, Clone, Default)]
pub struct NewTime {
    pub minutes: i64,
    pub billable: Option<bool>,
    pub note: Option<String>,
    pub worked_on: Option<String>,
}

/// What to change in a time entry; `None` keeps a term, `note: Some(None)` clears it.
#[derive(Debug, Clone, Default)]
pub struct TimeChanges {
    pub minutes: Option<i64>,
    pub billable: Option<bool>,
    pub note: Option<Option<String>>,
    pub worked_on: Option<String>,
    pub expected_version: Option<i64>,
}

/// A charge: an amount as a decimal string in an ISO 4217 currency, a description.
#[derive(Debug, Clone, Default)]
pub struct NewCharge {
    pub amount: String,
    pub currency: String,
    pub description: Option<String>,
}

/// What to change in a charge; `description: Some(None)` clears it.
#[derive(Debug, Clone, Default)]
pub struct ChargeChanges {
    pub amount: Option<String>,
    pub currency: Option<String>,
    pub description: Option<Option<String>>,
    pub expected_version: Option<i64>,
}

/// What the organization's billing view asks for.
#[derive(Debug, Clone, Default)]
pub struct BillingRequest {
    /// `time`, `charges` or `all`: which entries to list with the totals.
    pub details: Option<String>,
    /// Also the tickets of every organization below it.
    pub include_descendants: bool,
    pub page: PageRequest,
}

/// An organization's billing: totals, and the entries asked for.
#[derive(Debug, Clone)]
pub struct OrganizationBilling {
    pub totals: BillingTotals,
    pub details: BillingDetails,
    pub include_descendants: bool,
    /// Empty unless details were asked for.
    pub entries: Page<BillingEntry>,
}

const ENTRIES_CURSOR: &str = "billing";

fn day_or_today(given: Option<&str>) -> Result<time::Date> {
    match given.map(str::trim).filter(|day| !day.is_empty()) {
        Some(day) => parse_day("worked_on", day),
        None => Ok(today()),
    }
}

fn time_json(entry_id: i64, ticket: TicketId, terms: &TimeTerms) -> Value {
    json!({
        "id": entry_id,
        "ticket": ticket.0,
        "minutes": terms.minutes,
        "billable": terms.billable,
        "worked_on": format_day(terms.worked_on),
        "note": terms.note,
    })
}

fn charge_json(charge_id: i64, ticket: TicketId, terms: &ChargeTerms) -> Value {
    json!({
        "id": charge_id,
        "ticket": ticket.0,
        "amount": terms.currency.format(terms.amount_minor),
        "currency": terms.currency.code(),
        "description": terms.description,
    })
}

fn time_terms(entry: &TimeEntry) -> TimeTerms {
    TimeTerms {
        minutes: entry.minutes,
        billable: entry.billable,
        note: entry.note.clone(),
        worked_on: entry.worked_on,
    }
}

fn charge_terms(charge: &Charge) -> ChargeTerms {
    ChargeTerms {
        currency: charge.currency,
        amount_minor: charge.amount_minor,
        description: charge.description.clone(),
    }
}

/// Only the agent who logged an entry, or an admin, changes or removes it.
fn require_logger_or_admin(
    by: &Agent,
    logger: &orgdesk_core::billing::EntryAgent,
    what: &str,
) -> Result<()> {
    if by.may_change_work_of(logger.id) {
        Ok(())
    } else {
        Err(Error::Forbidden(format!(
            "only the agent who logged it ({}) or an admin can {what} it",
            logger.name
        )))
    }
}

/// A position in the merged list of entries, as an opaque cursor.
fn entries_cursor(entry: &BillingEntry) -> String {
    let (created_at, kind, id) = match entry {
        BillingEntry::Time { entry, .. } => (entry.created_at, "t", entry.id),
        BillingEntry::Charge { charge, .. } => (charge.created_at, "c", charge.id),
    };
    format!("{created_at}.{kind}.{id}")
}

fn entries_position(page: &PageRequest) -> Result<Option<EntryPosition>> {
    let Some(cursor) = page.cursor.as_deref() else {
        return Ok(None);
    };
    let bad = || Error::validation("cursor", "is not a cursor of this billing list");
    let decoded = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| bad())?;
    let text = String::from_utf8(decoded).map_err(|_| bad())?;
    let position = text
        .strip_prefix(&format!("{ENTRIES_CURSOR}:"))
        .ok_or_else(bad)?;
    let mut parts = position.split('.');
    let created_at = parts.next().and_then(|p| p.parse().ok()).ok_or_else(bad)?;
    let kind = parts
        .next()
        .filter(|k| *k == "t" || *k == "c")
        .ok_or_else(bad)?;
    let id = parts.next().and_then(|p| p.parse().ok()).ok_or_else(bad)?;
    Ok(Some((created_at, kind.to_owned(), id)))
}

impl App {
    /// The ticket, locked while its billing changes, and the organization it bills to.
    async fn locked_ticket<C: ConnectionTrait>(&self, conn: &C, id: TicketId) -> Result<Ticket> {
        lock(conn, Lockable::Ticket, id.0).await?;
        self.require_ticket(conn, id).await
    }

    /// Records a billing event in the activity of the ticket's organization (a ticket
    /// without one has no organization to bill).
    async fn record_billing<C: ConnectionTrait>(
        &self,
        conn: &C,
        ticket: &Ticket,
        by: &Agent,
        action: Action,
        change: Change,
        at: i64,
    ) -> Result<()> {
        let Some(organization) = &ticket.organization else {
            return Ok(());
        };
        let subject = Change::new("subject", Value::Null, ticket.subject.as_str());
        record(
            conn,
            Record {
                organization: organization.id,
                actor: &by.actor(),
                action,
                user: None,
                changes: vec![change, subject],
                at,
            },
        )
        .await
    }

    async fn require_time<C: ConnectionTrait>(&self, conn: &C, id: i64) -> Result<TimeEntry> {
        billing::find_time(conn, id)
            .await?
            .ok_or_else(|| Error::not_found(Entity::TimeEntry, id))
    }

    async fn require_charge<C: ConnectionTrait>(&self, conn: &C, id: i64) -> Result<Charge> {
        billing::find_charge(conn, id)
            .await?
            .ok_or_else(|| Error::not_found(Entity::Charge, id))
    }

    pub async fn get_time_entry(&self, id: i64) -> Result<TimeEntry> {
        self.require_time(&self.store().reads().await?, id).await
    }

    pub async fn get_charge(&self, id: i64) -> Result<Charge> {
        self.require_charge(&self.store().reads().await?, id).await
    }

    /// A ticket's time entries, newest first.
    pub async fn ticket_time_entries(
        &self,
        ticket: TicketId,
        page: &PageRequest,
    ) -> Result<Page<TimeEntry>> {
        let reads = self.store().reads().await?;
        self.require_ticket(&reads, ticket).await?;
        let limit = page.limit()?;
        let before = page.id_position("time_entries")?;
        let found = billing::time_of_ticket(&reads, ticket, before, limit + 1).await?;
        Ok(crate::cursor::page(found, limit, "time_entries", |e| {
            e.id.to_string()
        }))
    }

    /// A ticket's charges, newest first.
    pub async fn ticket_charges(
        &self,
        ticket: TicketId,
        page: &PageRequest,
    ) -> Result<Page<Charge>> {
        let reads = self.store().reads().await?;
        self.require_ticket(&reads, ticket).await?;
        let limit = page.limit()?;
        let before = page.id_position("charges")?;
        let found = billing::charges_of_ticket(&reads, ticket, before, limit + 1).await?;
        Ok(crate::cursor::page(found, limit, "charges", |c| {
            c.id.to_string()
        }))
    }

    pub async fn log_time(&self, by: &Agent, ticket: TicketId, new: NewTime) -> Result<TimeEntry> {
        let terms = TimeTerms {
            minutes: minutes(new.minutes)?,
            billable: new.billable.unwrap_or(true),
            note: entry_text("note", new.note.as_deref())?,
            worked_on: day_or_today(new.worked_on.as_deref())?,
        };
        let at = now_ms();
        let tx = self.store().begin_write().await?;
        let current = self.locked_ticket(&tx, ticket).await?;
        let id = billing::insert_time(&tx, ticket, by.id, &terms, at).await?;
        let change = Change::new("time", Value::Null, time_json(id, ticket, &terms));
        self.record_billing(&tx, &current, by, Action::TimeLogged, change, at)
            .await?;
        let entry = self.require_time(&tx, id).await?;
        orgdesk_store::commit(tx).await?;
        Ok(entry)
    }

    pub async fn change_time(
        &self,
        by: &Agent,
        id: i64,
        changes: TimeChanges,
    ) -> Result<TimeEntry> {
        let at = now_ms();
        let tx = self.store().begin_write().await?;
        let found = self.require_time(&tx, id).await?;
        let ticket = self.locked_ticket(&tx, found.ticket_id).await?;
        let current = self.require_time(&tx, id).await?;
        require_logger_or_admin(by, &current.agent, "change")?;
        check_version(changes.expected_version, current.version)?;
        let was = time_terms(&current);
        let terms = TimeTerms {
            minutes: minutes(changes.minutes.unwrap_or(was.minutes))?,
            billable: changes.billable.unwrap_or(was.billable),
            note: match &changes.note {
                Some(note) => entry_text("note", note.as_deref())?,
                None => was.note.clone(),
            },
            worked_on: match &changes.worked_on {
                Some(day) => parse_day("worked_on", day.trim())?,
                None => was.worked_on,
            },
        };
        if terms == was {
            return Ok(current);
        }
        if !billing::update_time(&tx, id, current.version, &terms, at).await? {
            let now = self.require_time(&tx, id).await?;
            return Err(Error::VersionConflict {
                expected: current.version,
                current: now.version,
            });
        }
        let change = Change::new(
            "time",
            time_json(id, ticket.id, &was),
            time_json(id, ticket.id, &terms),
        );
        self.record_billing(&tx, &ticket, by, Action::TimeChanged, change, at)
            .await?;
        let changed = self.require_time(&tx, id).await?;
        orgdesk_store::commit(tx).await?;
        Ok(changed)
    }

    pub async fn remove_time(&self, by: &Agent, id: i64) -> Result<TimeEntry> {
        let at = now_ms();
        let tx = self.store().begin_write().await?;
        let found = self.require_time(&tx, id).await?;
        let ticket = self.locked_ticket(&tx, found.ticket_id).await?;
        let current = self.require_time(&tx, id).await?;
        require_logger_or_admin(by, &current.agent, "remove")?;
        billing::delete_time(&tx, id).await?;
        let change = Change::new(
            "time",
            time_json(id, ticket.id, &time_terms(&current)),
            Value::Null,
        );
        self.record_billing(&tx, &ticket, by, Action::TimeRemoved, change, at)
            .await?;
        orgdesk_store::commit(tx).await?;
        Ok(current)
    }

    pub async fn add_charge(&self, by: &Agent, ticket: TicketId, new: NewCharge) -> Result<Charge> {
        let currency = Currency::parse(&new.currency)?;
        let terms = ChargeTerms {
            currency,
            amount_minor: currency.minor_units(&new.amount)?,
            description: entry_text("description", new.description.as_deref())?,
        };
        let at = now_ms();
        let tx = self.store().begin_write().await?;
        let current = self.locked_ticket(&tx, ticket).await?;
        let id = billing::insert_charge(&tx, ticket, by.id, &terms, at).await?;
        let change = Change::new("charge", Value::Null, charge_json(id, ticket, &terms));
        self.record_billing(&tx, &current, by, Action::ChargeAdded, change, at)
            .await?;
        let charge = self.require_charge(&tx, id).await?;
        orgdesk_store::commit(tx).await?;
        Ok(charge)
    }

    pub async fn change_charge(
        &self,
        by: &Agent,
        id: i64,
        changes: ChargeChanges,
    ) -> Result<Charge> {
        let at = now_ms();
        let tx = self.store().begin_write().await?;
        let found = self.require_charge(&tx, id).await?;
        let ticket = self.locked_ticket(&tx, found.ticket_id).await?;
        let current = self.require_charge(&tx, id).await?;
        require_logger_or_admin(by, &current.agent, "change")?;
        check_version(changes.expected_version, current.version)?;
        let was = charge_terms(&current);
        let currency = match &changes.currency {
            Some(code) => Currency::parse(code)?,
            None => was.currency,
        };
        // The amount as given, or the stored one read in the (possibly new) currency:
        // 12.50 EUR cannot silently become 12 JPY.
        let amount = changes
            .amount
            .clone()
            .unwrap_or_else(|| was.currency.format(was.amount_minor));
        let terms = ChargeTerms {
            currency,
            amount_minor: currency.minor_units(&amount)?,
            description: match &changes.description {
                Some(text) => entry_text("description", text.as_deref())?,
                None => was.description.clone(),
            },
        };
        if terms == was {
            return Ok(current);
        }
        if !billing::update_charge(&tx, id, current.version, &terms, at).await? {
            let now = self.require_charge(&tx, id).await?;
            return Err(Error::VersionConflict {
                expected: current.version,
                current: now.version,
            });
        }
        let change = Change::new(
            "charge",
            charge_json(id, ticket.id, &was),
            charge_json(id, ticket.id, &terms),
        );
        self.record_billing(&tx, &ticket, by, Action::ChargeChanged, change, at)
            .await?;
        let changed = self.require_charge(&tx, id).await?;
        orgdesk_store::commit(tx).await?;
        Ok(changed)
    }

    pub async fn remove_charge(&self, by: &Agent, id: i64) -> Result<Charge> {
        let at = now_ms();
        let tx = self.store().begin_write().await?;
        let found = self.require_charge(&tx, id).await?;
        let ticket = self.locked_ticket(&tx, found.ticket_id).await?;
        let current = self.require_charge(&tx, id).await?;
        require_logger_or_admin(by, &current.agent, "remove")?;
        billing::delete_charge(&tx, id).await?;
        let change = Change::new(
            "charge",
            charge_json(id, ticket.id, &charge_terms(&current)),
            Value::Null,
        );
        self.record_billing(&tx, &ticket, by, Action::ChargeRemoved, change, at)
            .await?;
        orgdesk_store::commit(tx).await?;
        Ok(current)
    }

    /// The organization's billing: total and billable time and the amount per currency
    /// over its tickets (and its subsidiaries' with `include_descendants`), summed in
    /// SQL; with `details`, the entries of that kind, newest first, a page at a time.
    pub async fn organization_billing(
        &self,
        id: OrganizationId,
        request: &BillingRequest,
    ) -> Result<OrganizationBilling> {
        let details = BillingDetails::parse(request.details.as_deref())?;
        let limit = request.page.limit()?;
        let after = entries_position(&request.page)?;
        let reads = self.store().reads().await?;
        self.require_organization(&reads, id).await?;
        let scope = if request.include_descendants {
            OrganizationScope::WithDescendants(id)
        } else {
            OrganizationScope::Only(id)
        };
        let totals = billing::totals(&reads, &scope).await?;
        let mut found = billing::entries(
            &reads,
            &scope,
            details.time(),
            details.charges(),
            after.as_ref(),
            limit + 1,
        )
        .await?;
        let next_cursor = if found.len() as u64 > limit {
            found.truncate(limit as usize);
            found.last().map(|last| {
                URL_SAFE_NO_PAD.encode(format!("{ENTRIES_CURSOR}:{}", entries_cursor(last)))
            })
        } else {
            None
        };
        Ok(OrganizationBilling {
            totals,
            details,
            include_descendants: request.include_descendants,
            entries: Page {
                items: found,
                next_cursor,
            },
        })
    }
}
