//! Tickets, their CC'd users and their messages.

use crate::dialect::{SearchPlan, SearchScope, ticket_in_large_scope, ticket_search_condition};
use crate::error::StoreError;
use crate::sql;
use orgdesk_core::hierarchy::MAX_DEPTH;
use orgdesk_core::model::{Actor, OrganizationRef, Ticket, TicketMessage, UserRef};
use orgdesk_core::ticket::{TicketPriority, TicketStatus};
use orgdesk_core::{AgentId, OrganizationId, TicketId, UserId};
use sea_orm::{ConnectionTrait, FromQueryResult, Value};
use std::collections::HashMap;

const SELECT: &str = "SELECT t.id, t.subject, t.status, t.priority, t.requester_id, u.name AS requester_name, \
     t.organization_id, o.name AS organization_name, t.department_id, t.assignee_id, t.created_at, t.updated_at, t.version \
     FROM tickets t JOIN users u ON u.id = t.requester_id LEFT JOIN organizations o ON o.id = t.organization_id";

#[derive(Debug, FromQueryResult)]
struct Row {
    id: i64,
    subject: String,
    status: String,
    priority: String,
    requester_id: i64,
    requester_name: String,
    organization_id: Option<i64>,
    organization_name: Option<String>,
    department_id: Option<i64>,
    assignee_id: Option<i64>,
    created_at: i64,
    updated_at: i64,
    version: i64,
}

impl Row {
    fn into_ticket(self, cc_ids: Vec<UserId>) -> Result<Ticket, StoreError> {
        let unreadable = |what: &str, value: &str| {
            StoreError::custom(format!(
                "ticket {} has an unknown {what} \"{value}\"",
                self.id
            ))
        };
        Ok(Ticket {
            id: TicketId(self.id),
            status: TicketStatus::parse(&self.status)
                .map_err(|_| unreadable("status", &self.status))?,
            priority: TicketPriority::parse(&self.priority)
                .map_err(|_| unreadable("priority", &self.priority))?,
            subject: self.subject,
            requester: UserRef {
                id: UserId(self.requester_id),
                name: self.requester_name,
            },
            organization: match (self.organization_id, self.organization_name) {
                (Some(id), Some(name)) => Some(OrganizationRef {
                    id: OrganizationId(id),
                    name,
                }),
                _ => None,
            },
            cc_ids,
            department_id: self.department_id,
            assignee_id: self.assignee_id.map(AgentId),
            created_at: self.created_at,
            updated_at: self.updated_at,
            version: self.version,
        })
    }
}

/// Tickets from rows, each with its CC'd users (one query for the whole page).
async fn with_ccs<C: ConnectionTrait>(conn: &C, rows: Vec<Row>) -> Result<Vec<Ticket>, StoreError> {
    let ids: Vec<TicketId> = rows.iter().map(|row| TicketId(row.id)).collect();
    let mut ccs = cc_ids_of(conn, &ids).await?;
    rows.into_iter()
        .map(|row| {
            let cc_ids = ccs.remove(&TicketId(row.id)).unwrap_or_default();
            row.into_ticket(cc_ids)
        })
        .collect()
}

async fn cc_ids_of<C: ConnectionTrait>(
    conn: &C,
    tickets: &[TicketId],
) -> Result<HashMap<TicketId, Vec<UserId>>, StoreError> {
    #[derive(FromQueryResult)]
    struct Cc {
        ticket_id: i64,
        user_id: i64,
    }
    let mut by_ticket: HashMap<TicketId, Vec<UserId>> = HashMap::new();
    if tickets.is_empty() {
        return Ok(by_ticket);
    }
    let ccs: Vec<Cc> = sql::all(
        conn,
        &format!(
            "SELECT ticket_id, user_id FROM ticket_ccs WHERE ticket_id IN ({}) ORDER BY ticket_id, id",
            sql::placeholders(1, tickets.len())
        ),
        tickets.iter().map(|id| id.0.into()).collect(),
    )
    .await?;
    for cc in ccs {
        by_ticket
            .entry(TicketId(cc.ticket_id))
            .or_default()
            .push(UserId(cc.user_id));
    }
    Ok(by_ticket)
}

pub struct NewTicketRow<'a> {
    pub subject: &'a str,
    pub status: TicketStatus,
    pub priority: TicketPriority,
    pub requester: UserId,
    pub organization: Option<OrganizationId>,
    pub department_id: Option<i64>,
    pub assignee: Option<AgentId>,
    pub at: i64,
}

/// Rows per multi-row INSERT (~1,000 parameters: see `users::INSERT_CHUNK`).
const INSERT_CHUNK: usize = 100;

/// Inserts tickets in multi-row statements; returns their ids in input order. Both
/// engines number the rows of one INSERT in the order of its VALUES, so the returned
/// ids, sorted, line up with the input.
pub async fn insert_many<C: ConnectionTrait>(
    conn: &C,
    new: &[NewTicketRow<'_>],
) -> Result<Vec<TicketId>, StoreError> {
    let mut ids = Vec::with_capacity(new.len());
    for chunk in new.chunks(INSERT_CHUNK) {
        let mut values: Vec<Value> = Vec::with_capacity(chunk.len() * 8);
        let mut tuples = Vec::with_capacity(chunk.len());
        for row in chunk {
            let n = values.len();
            tuples.push(format!(
                "(${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, 1)",
                n + 1,
                n + 2,
                n + 3,
                n + 4,
                n + 5,
                n + 6,
                n + 7,
                n + 8,
                n + 8
            ));
            values.extend([
                row.subject.into(),
                row.status.as_str().into(),
                row.priority.as_str().into(),
                row.requester.0.into(),
                row.organization.map(|o| o.0).into(),
                row.department_id.into(),
                row.assignee.map(|a| a.0).into(),
                row.at.into(),
            ]);
        }
        let returned: Vec<sql::Scalar<i64>> = sql::all(
            conn,
            &format!(
                "INSERT INTO tickets (subject, status, priority, requester_id, organization_id, department_id, assignee_id, created_at, updated_at, version) \
                 VALUES {} RETURNING id AS value",
                tuples.join(", ")
            ),
            values,
        )
        .await?;
        let mut chunk_ids: Vec<i64> = returned.into_iter().map(|row| row.value).collect();
        if chunk_ids.len() != chunk.len() {
            return Err(StoreError::custom(format!(
                "inserted {} tickets but got {} ids back",
                chunk.len(),
                chunk_ids.len()
            )));
        }
        chunk_ids.sort_unstable();
        ids.extend(chunk_ids.into_iter().map(TicketId));
    }
    Ok(ids)
}

pub async fn find<C: ConnectionTrait>(
    conn: &C,
    id: TicketId,
) -> Result<Option<Ticket>, StoreError> {
    let rows: Vec<Row> = sql::all(
        conn,
        &format!("{SELECT} WHERE t.id = $1"),
        vec![id.0.into()],
    )
    .await?;
    Ok(with_ccs(conn, rows).await?.pop())
}

/// Replaces the ticket's CC list with `users` (in that order).
pub async fn set_ccs<C: ConnectionTrait>(
    conn: &C,
    ticket: TicketId,
    users: &[UserId],
) -> Result<(), StoreError> {
    sql::execute(
        conn,
        "DELETE FROM ticket_ccs WHERE ticket_id = $1",
        vec![ticket.0.into()],
    )
    .await?;
    let pairs: Vec<(TicketId, UserId)> = users.iter().map(|user| (ticket, *user)).collect();
    add_ccs(conn, &pairs).await
}

/// Adds (ticket, user) CC pairs, in multi-row statements.
pub async fn add_ccs<C: ConnectionTrait>(
    conn: &C,
    pairs: &[(TicketId, UserId)],
) -> Result<(), StoreError> {
    for chunk in pairs.chunks(INSERT_CHUNK * 4) {
        let tuples: Vec<String> = (0..chunk.len())
            .map(|n| format!("(${}, ${})", 2 * n + 1, 2 * n + 2))
            .collect();
        let values: Vec<Value> = chunk
            .iter()
            .flat_map(|(ticket, user)| [Value::from(ticket.0), Value::from(user.0)])
            .collect();
        sql::execute(
            conn,
            &format!(
                "INSERT INTO ticket_ccs (ticket_id, user_id) VALUES {}",
                tuples.join(", ")
            ),
            values,
        )
        .await?;
    }
    Ok(())
}

/// CCs, on each of `tickets`, every manager of the ticket's organization who asked to
/// be copied on its new tickets (except the requester and anyone already CC'd).
pub async fn cc_auto_cc_managers<C: ConnectionTrait>(
    conn: &C,
    tickets: &[TicketId],
) -> Result<u64, StoreError> {
    let mut added = 0;
    for chunk in tickets.chunks(INSERT_CHUNK * 5) {
        let values: Vec<Value> = chunk.iter().map(|id| Value::from(id.0)).collect();
        // `u.manager` written out: the managers' partial index is chosen only then.
        added += sql::execute(
            conn,
            &format!(
                "INSERT INTO ticket_ccs (ticket_id, user_id) \
                 SELECT t.id, u.id FROM tickets t JOIN users u ON u.organization_id = t.organization_id \
                 AND u.manager AND u.auto_cc AND u.id <> t.requester_id \
                 WHERE t.id IN ({}) \
                 AND NOT EXISTS (SELECT 1 FROM ticket_ccs c WHERE c.ticket_id = t.id AND c.user_id = u.id) \
                 ORDER BY t.id, u.id",
                sql::placeholders(1, chunk.len())
            ),
            values,
        )
        .await?;
    }
    Ok(added)
}

pub struct TicketUpdate<'a> {
    pub subject: &'a str,
    pub status: TicketStatus,
    pub priority: TicketPriority,
    pub organization: Option<OrganizationId>,
    pub department_id: Option<i64>,
    pub assignee: Option<AgentId>,
    pub at: i64,
}

/// Writes the ticket's fields if its version is still `version`, bumping it; false when
/// someone changed it in between.
pub async fn update<C: ConnectionTrait>(
    conn: &C,
    id: TicketId,
    version: i64,
    change: &TicketUpdate<'_>,
) -> Result<bool, StoreError> {
    Ok(sql::execute(
        conn,
        "UPDATE tickets SET subject = $1, status = $2, priority = $3, organization_id = $4, department_id = $5, \
         assignee_id = $6, updated_at = $7, version = version + 1 WHERE id = $8 AND version = $9",
        vec![
            change.subject.into(),
            change.status.as_str().into(),
            change.priority.as_str().into(),
            change.organization.map(|o| o.0).into(),
            change.department_id.into(),
            change.assignee.map(|a| a.0).into(),
            change.at.into(),
            id.0.into(),
            version.into(),
        ],
    )
    .await?
        == 1)
}

/// Which organizations' tickets a list covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrganizationScope {
    Only(OrganizationId),
    /// The organization and every organization below it.
    WithDescendants(OrganizationId),
}

#[derive(Debug, Clone, Default)]
pub struct TicketFilter {
    pub organization: Option<OrganizationScope>,
    pub requester: Option<UserId>,
    /// Tickets the user requested or is CC'd on.
    pub participant: Option<UserId>,
    pub status: Option<TicketStatus>,
    pub assignee: Option<AgentId>,
    /// Whether the requester is (true) or is not (false) a manager of the ticket's
    /// organization.
    pub requester_manager: Option<bool>,
    /// Words that must all appear, and where.
    pub search: Option<(Vec<String>, SearchScope)>,
}

impl TicketFilter {
    /// True when something other than status or search narrows the tickets to a small
    /// set, so a search is best checked ticket by ticket.
    fn is_narrowed(&self) -> bool {
        self.organization.is_some() || self.requester.is_some() || self.participant.is_some()
    }
}

/// Trees of at least this many organizations are listed by walking tickets newest
/// first (see `list`). Where the two plans cost the same: a tree of n organizations at
/// ~10 tickets each costs ~10n rows to gather, and a walk ~50 × (all tickets / 10n)
/// rows; at a million tickets they meet near 700 organizations.
const LARGE_TREE: usize = 500;

/// The organization and those below it, stopping once `cap` are found.
async fn subtree_ids<C: ConnectionTrait>(
    conn: &C,
    root: OrganizationId,
    cap: usize,
) -> Result<Vec<i64>, StoreError> {
    let rows: Vec<sql::Scalar<i64>> = sql::all(
        conn,
        "WITH RECURSIVE tree(id, depth) AS (SELECT CAST($1 AS BIGINT), CAST(0 AS BIGINT) \
         UNION ALL SELECT o.id, t.depth + 1 FROM organizations o JOIN tree t ON o.parent_id = t.id WHERE t.depth < $3) \
         SELECT id AS value FROM tree LIMIT $2",
        vec![root.0.into(), (cap as i64).into(), (MAX_DEPTH as i64).into()],
    )
    .await?;
    Ok(rows.into_iter().map(|row| row.value).collect())
}

/// Tickets matching `filter`, newest first, with ids below `before`.
pub async fn list<C: ConnectionTrait>(
    conn: &C,
    filter: &TicketFilter,
    before: Option<TicketId>,
    limit: u64,
) -> Result<Vec<Ticket>, StoreError> {
    let mut values: Vec<Value> = vec![before.map_or(i64::MAX, |id| id.0).into()];
    let mut conditions = vec!["t.id < $1".to_owned()];
    let mut prefix = String::new();
    let push = |values: &mut Vec<Value>, value: Value| {
        values.push(value);
        values.len()
    };
    match filter.organization {
        Some(OrganizationScope::Only(id)) => {
            let n = push(&mut values, id.0.into());
            conditions.push(format!("t.organization_id = ${n}"));
        }
        Some(OrganizationScope::WithDescendants(id)) => {
            // A small tree: its organizations' tickets, each an index range, sorted.
            // A large one holds many of the newest tickets, so walking all tickets
            // newest first finds a page sooner than gathering and sorting the tree's.
            let tree = subtree_ids(conn, id, LARGE_TREE).await?;
            if tree.len() < LARGE_TREE {
                let first = values.len() + 1;
                values.extend(tree.iter().map(|id| Value::from(*id)));
                conditions.push(format!(
                    "t.organization_id IN ({})",
                    sql::placeholders(first, tree.len())
                ));
            } else {
                let n = push(&mut values, id.0.into());
                let max = push(&mut values, (MAX_DEPTH as i64).into());
                prefix = format!(
                    "WITH RECURSIVE scope(id, depth) AS (SELECT CAST(${n} AS BIGINT), CAST(0 AS BIGINT) \
                     UNION ALL SELECT o.id, s.depth + 1 FROM organizations o JOIN scope s ON o.parent_id = s.id WHERE s.depth < ${max}) "
                );
                conditions.push(ticket_in_large_scope(conn.get_database_backend()).to_owned());
            }
        }
        None => {}
    }
    if let Some(requester) = filter.requester {
        let n = push(&mut values, requester.0.into());
        conditions.push(format!("t.requester_id = ${n}"));
    }
    if let Some(user) = filter.participant {
        let n = push(&mut values, user.0.into());
        conditions.push(format!(
            "(t.requester_id = ${n} OR t.id IN (SELECT ticket_id FROM ticket_ccs WHERE user_id = ${n}))"
        ));
    }
    if let Some(status) = filter.status {
        let n = push(&mut values, status.as_str().into());
        conditions.push(format!("t.status = ${n}"));
    }
    if let Some(assignee) = filter.assignee {
        let n = push(&mut values, assignee.0.into());
        conditions.push(format!("t.assignee_id = ${n}"));
    }
    if let Some(manager) = filter.requester_manager {
        let n = push(&mut values, true.into());
        let exists = format!(
            "EXISTS (SELECT 1 FROM users m WHERE m.id = t.requester_id AND m.manager = ${n} \
             AND m.organization_id = t.organization_id)"
        );
        conditions.push(if manager {
            exists
        } else {
            format!("NOT {exists}")
        });
    }
    if let Some((terms, scope)) = &filter.search {
        let plan = if filter.is_narrowed() {
            SearchPlan::ProbeEach
        } else {
            SearchPlan::IndexFirst
        };
        let param = values.len() + 1;
        let (condition, value) =
            ticket_search_condition(conn.get_database_backend(), terms, *scope, plan, param);
        values.push(value);
        conditions.push(condition);
    }
    values.push((limit as i64).into());
    let statement = format!(
        "{prefix}{SELECT} WHERE {} ORDER BY t.id DESC LIMIT ${}",
        conditions.join(" AND "),
        values.len()
    );
    let rows: Vec<Row> = sql::all(conn, &statement, values).await?;
    with_ccs(conn, rows).await
}

pub struct NewMessageRow<'a> {
    pub ticket: TicketId,
    pub author: &'a Actor,
    pub body: &'a str,
    pub internal: bool,
    pub at: i64,
}

/// Inserts messages in multi-row statements (ids not needed: first messages of new tickets).
pub async fn insert_messages<C: ConnectionTrait>(
    conn: &C,
    new: &[NewMessageRow<'_>],
) -> Result<(), StoreError> {
    for chunk in new.chunks(INSERT_CHUNK) {
        let mut values: Vec<Value> = Vec::with_capacity(chunk.len() * 7);
        let mut tuples = Vec::with_capacity(chunk.len());
        for row in chunk {
            tuples.push(format!("({})", sql::placeholders(values.len() + 1, 7)));
            values.extend([
                row.ticket.0.into(),
                row.author.kind().into(),
                row.author.id().into(),
                row.author.name().into(),
                row.body.into(),
                row.internal.into(),
                row.at.into(),
            ]);
        }
        sql::execute(
            conn,
            &format!(
                "INSERT INTO ticket_messages (ticket_id, author_type, author_id, author_name, body, internal, created_at) VALUES {}",
                tuples.join(", ")
            ),
            values,
        )
        .await?;
    }
    Ok(())
}

pub async fn insert_message<C: ConnectionTrait>(
    conn: &C,
    new: &NewMessageRow<'_>,
) -> Result<i64, StoreError> {
    sql::scalar(
        conn,
        "INSERT INTO ticket_messages (ticket_id, author_type, author_id, author_name, body, internal, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id AS value",
        vec![
            new.ticket.0.into(),
            new.author.kind().into(),
            new.author.id().into(),
            new.author.name().into(),
            new.body.into(),
            new.internal.into(),
            new.at.into(),
        ],
    )
    .await?
    .ok_or_else(|| StoreError::custom("INSERT … RETURNING gave no id".into()))
}

/// Marks the ticket as changed (a new message) and sets its status.
pub async fn touch<C: ConnectionTrait>(
    conn: &C,
    id: TicketId,
    status: TicketStatus,
    at: i64,
) -> Result<(), StoreError> {
    sql::execute(
        conn,
        "UPDATE tickets SET status = $1, updated_at = $2, version = version + 1 WHERE id = $3",
        vec![status.as_str().into(), at.into(), id.0.into()],
    )
    .await?;
    Ok(())
}

/// The ticket's messages in order, after message `after`; internal notes only when
/// `with_internal`.
pub async fn messages<C: ConnectionTrait>(
    conn: &C,
    ticket: TicketId,
    with_internal: bool,
    after: i64,
    limit: u64,
) -> Result<Vec<TicketMessage>, StoreError> {
    #[derive(FromQueryResult)]
    struct MessageRow {
        id: i64,
        ticket_id: i64,
        author_type: String,
        author_id: Option<i64>,
        author_name: String,
        body: String,
        internal: bool,
        created_at: i64,
    }
    let mut statement =
        "SELECT id, ticket_id, author_type, author_id, author_name, body, internal, created_at \
         FROM ticket_messages WHERE ticket_id = $1 AND id > $2"
            .to_owned();
    let mut values: Vec<Value> = vec![ticket.0.into(), after.into(), (limit as i64).into()];
    if !with_internal {
        statement.push_str(" AND internal = $4");
        values.push(false.into());
    }
    statement.push_str(" ORDER BY id LIMIT $3");
    let rows: Vec<MessageRow> = sql::all(conn, &statement, values).await?;
    Ok(rows
        .into_iter()
        .map(|row| TicketMessage {
            id: row.id,
            ticket_id: TicketId(row.ticket_id),
            author: Actor::stored(&row.author_type, row.author_id, row.author_name),
            body: row.body,
            internal: row.internal,
            created_at: row.created_at,
        })
        .collect())
}

/// Every message body of the ticket with whether it is internal, in order: what its
/// search document is rebuilt from.
pub async fn message_bodies<C: ConnectionTrait>(
    conn: &C,
    ticket: TicketId,
) -> Result<Vec<(String, bool)>, StoreError> {
    #[derive(FromQueryResult)]
    struct Body {
        body: String,
        internal: bool,
    }
    let bodies: Vec<Body> = sql::all(
        conn,
        "SELECT body, internal FROM ticket_messages WHERE ticket_id = $1 ORDER BY id",
        vec![ticket.0.into()],
    )
    .await?;
    Ok(bodies.into_iter().map(|b| (b.body, b.internal)).collect())
}
