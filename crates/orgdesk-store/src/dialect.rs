//! Every line that differs between SQLite and PostgreSQL lives here.

use crate::error::StoreError;
use crate::sql;
use sea_orm::{ConnectionTrait, DbBackend, SqlErr};

/// Arbitrary key of the PostgreSQL advisory lock that serializes hierarchy changes.
const HIERARCHY_LOCK_KEY: i64 = 0x6f72_6764_6573_6b01;

/// Serializes changes to the organization hierarchy until the transaction ends, so two
/// concurrent parent changes cannot both pass the cycle check. SQLite needs nothing: a
/// write transaction there already holds the database's single write lock
/// (`BEGIN IMMEDIATE`).
pub async fn lock_hierarchy<C: ConnectionTrait>(conn: &C) -> Result<(), StoreError> {
    match conn.get_database_backend() {
        DbBackend::Postgres => {
            sql::execute(
                conn,
                "SELECT pg_advisory_xact_lock($1)",
                vec![HIERARCHY_LOCK_KEY.into()],
            )
            .await?;
            Ok(())
        }
        _ => Ok(()),
    }
}

// ---- Locking what a write decides on ------------------------------------------------
//
// A use case that reads a row, decides in Rust, then writes must hold the row from the
// read to the commit, or a concurrent writer on PostgreSQL (READ COMMITTED) can change it
// in between: a removal aimed at one organization lands after the user moved to
// another, a customer's reply reopens a ticket an agent just closed. So such a use case
// first locks the rows it will decide on, then reads them. On SQLite a write
// transaction already holds the database's single write lock (`BEGIN IMMEDIATE`), so
// locking is a no-op there and costs no statement.
//
// `FOR NO KEY UPDATE` is the lock PostgreSQL's own UPDATE takes: it excludes other
// writers of the row, but not inserts elsewhere whose foreign key merely points at it
// (those take `KEY SHARE`), so opening a ticket never waits on its organization's lock.
//
// Lock order, followed everywhere so two transactions never wait on each other: the
// hierarchy lock, then organizations, usergroups, users, tickets, agents; within one
// kind, ascending ids (what `lock_rows` does).

/// A kind of row that writes lock before deciding on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lockable {
    Organization,
    Usergroup,
    User,
    Ticket,
    Agent,
    /// A custom field's definition: value writes hold it so a choice cannot be dropped
    /// from the field while an organization is being given it.
    Field,
}

impl Lockable {
    fn table(self) -> &'static str {
        match self {
            Lockable::Organization => "organizations",
            Lockable::Usergroup => "usergroups",
            Lockable::User => "users",
            Lockable::Ticket => "tickets",
            Lockable::Agent => "agents",
            Lockable::Field => "organization_fields",
        }
    }
}

/// The clause that makes a `SELECT` lock the rows it reads until the transaction ends
/// (empty on SQLite, whose write transactions exclude each other).
pub fn for_update(backend: DbBackend) -> &'static str {
    match backend {
        DbBackend::Postgres => " FOR NO KEY UPDATE",
        _ => "",
    }
}

/// Locks one row until the transaction ends (see the lock order above). A missing row
/// is not an error: the read that follows finds it missing.
pub async fn lock_row<C: ConnectionTrait>(
    conn: &C,
    kind: Lockable,
    id: i64,
) -> Result<(), StoreError> {
    lock_rows(conn, kind, &[id]).await
}

/// Locks rows of one kind in ascending id order, in one statement.
pub async fn lock_rows<C: ConnectionTrait>(
    conn: &C,
    kind: Lockable,
    ids: &[i64],
) -> Result<(), StoreError> {
    let backend = conn.get_database_backend();
    if backend != DbBackend::Postgres || ids.is_empty() {
        return Ok(());
    }
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    for chunk in ids.chunks(1000) {
        let statement = format!(
            "SELECT id FROM {} WHERE id IN ({}) ORDER BY id{}",
            kind.table(),
            sql::placeholders(1, chunk.len()),
            for_update(backend)
        );
        sql::execute(
            conn,
            &statement,
            chunk.iter().map(|&id| id.into()).collect(),
        )
        .await?;
    }
    Ok(())
}

/// Which uniqueness rule a write broke.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UniqueKey {
    OrganizationName,
    OrganizationExternalId,
    UserEmail,
    UserExternalId,
    AgentEmail,
    EmailDomain,
    UsergroupName,
    OrganizationFieldKey,
    Other,
}

/// Recognizes a unique-constraint violation on either engine. SQLite names the columns
/// (`UNIQUE constraint failed: organizations.name_key`), PostgreSQL the index
/// (`ux_organizations_name_key`); both contain the table and column.
pub fn unique_violation(err: &StoreError) -> Option<UniqueKey> {
    let sqlx_message = match err.db_err().sql_err() {
        Some(SqlErr::UniqueConstraintViolation(message)) => Some(message),
        _ => None,
    };
    let message = sqlx_message
        .as_deref()
        .or_else(|| crate::sqlite::unique_violation_message(err.db_err()))?;
    let key = if message.contains("usergroups") && message.contains("name_key") {
        UniqueKey::UsergroupName
    } else if message.contains("organization_fields") {
        UniqueKey::OrganizationFieldKey
    } else if message.contains("organization_domains") {
        UniqueKey::EmailDomain
    } else if message.contains("organizations") && message.contains("name_key") {
        UniqueKey::OrganizationName
    } else if message.contains("organizations") && message.contains("external_id") {
        UniqueKey::OrganizationExternalId
    } else if message.contains("users") && message.contains("external_id") {
        UniqueKey::UserExternalId
    } else if message.contains("users") && message.contains("email_key") {
        UniqueKey::UserEmail
    } else if message.contains("agents") && message.contains("email_key") {
        UniqueKey::AgentEmail
    } else {
        UniqueKey::Other
    };
    Some(key)
}

/// The column definition suffix that makes text compare byte by byte, so keyset
/// pagination and prefix ranges behave the same on both engines whatever the
/// PostgreSQL database's collation.
pub(crate) fn bytewise_collation(backend: DbBackend) -> &'static str {
    match backend {
        DbBackend::Postgres => "COLLATE \"C\"",
        _ => "",
    }
}

/// "The ticket's organization is in the `scope` CTE" for a large tree, written so the
/// engine walks tickets newest first and checks each against the scope, stopping at
/// the LIMIT, instead of gathering every ticket of the tree and sorting them. SQLite:
/// the unary `+` keeps it from answering through the organization index. PostgreSQL
/// estimates a recursive CTE at a few dozen rows and gathered the tree's tickets
/// anyway (2.5 s for a tree of 45,000 organizations); `+ 0` hides the index and the
/// array turns the scope into one value computed once.
pub(crate) fn ticket_in_large_scope(backend: DbBackend) -> &'static str {
    match backend {
        DbBackend::Postgres => "t.organization_id + 0 = ANY(ARRAY(SELECT id FROM scope))",
        _ => "+t.organization_id IN (SELECT id FROM scope)",
    }
}

// ---- Full-text search of tickets -------------------------------------------------
//
// One search document per ticket, in a table named `ticket_search` on both engines: the
// public part (subject and replies, what the portal may search) and the internal part
// (agents' notes). The text arrives already cut into lower-cased words by
// `orgdesk_core::search::document`, so both engines index the same words. Every write
// happens in the transaction that changes the ticket, so the index never lags.
//
// SQLite: an FTS5 table whose rowid is the ticket id. PostgreSQL: a table of stripped
// `tsvector`s (positions are not needed: searches match words, not phrases) with GIN
// indexes, one over the public part and one over everything.

/// The table the full-text index lives in (its SQLite shadow tables share the prefix).
pub const TICKET_SEARCH_TABLE: &str = "ticket_search";

pub(crate) fn create_ticket_search(backend: DbBackend) -> Vec<&'static str> {
    match backend {
        DbBackend::Postgres => vec![
            "CREATE TABLE ticket_search (\
               ticket_id BIGINT PRIMARY KEY REFERENCES tickets (id) ON DELETE CASCADE, \
               public_doc tsvector NOT NULL, \
               all_doc tsvector NOT NULL)",
            "CREATE INDEX ix_ticket_search_public ON ticket_search USING GIN (public_doc)",
            "CREATE INDEX ix_ticket_search_all ON ticket_search USING GIN (all_doc)",
        ],
        // Diacritics are kept, as PostgreSQL's `simple` configuration keeps them.
        _ => vec![
            "CREATE VIRTUAL TABLE ticket_search USING fts5(\
               public_doc, internal_doc, tokenize = 'unicode61 remove_diacritics 0')",
        ],
    }
}

/// Writes a ticket's whole search document, replacing any earlier one.
pub async fn put_ticket_search<C: ConnectionTrait>(
    conn: &C,
    ticket: i64,
    public_doc: &str,
    internal_doc: &str,
) -> Result<(), StoreError> {
    let (delete, insert) = match conn.get_database_backend() {
        DbBackend::Postgres => (
            "DELETE FROM ticket_search WHERE ticket_id = $1",
            "INSERT INTO ticket_search (ticket_id, public_doc, all_doc) VALUES ($1, \
               strip(to_tsvector('simple', $2)), strip(to_tsvector('simple', $2 || ' ' || $3)))",
        ),
        _ => (
            "DELETE FROM ticket_search WHERE rowid = $1",
            "INSERT INTO ticket_search (rowid, public_doc, internal_doc) VALUES ($1, $2, $3)",
        ),
    };
    sql::execute(conn, delete, vec![ticket.into()]).await?;
    sql::execute(
        conn,
        insert,
        vec![ticket.into(), public_doc.into(), internal_doc.into()],
    )
    .await?;
    Ok(())
}

/// Writes the search documents of new tickets: (ticket id, public words), in
/// multi-row statements. New tickets have no internal notes yet.
pub async fn insert_ticket_search<C: ConnectionTrait>(
    conn: &C,
    documents: &[(i64, String)],
) -> Result<(), StoreError> {
    let tuple = match conn.get_database_backend() {
        DbBackend::Postgres => |a: usize, b: usize| {
            format!(
                "(${a}, strip(to_tsvector('simple', ${b})), strip(to_tsvector('simple', ${b})))"
            )
        },
        _ => |a: usize, b: usize| format!("(${a}, ${b}, '')"),
    };
    let columns = match conn.get_database_backend() {
        DbBackend::Postgres => "ticket_id, public_doc, all_doc",
        _ => "rowid, public_doc, internal_doc",
    };
    for chunk in documents.chunks(200) {
        let tuples: Vec<String> = (0..chunk.len())
            .map(|n| tuple(2 * n + 1, 2 * n + 2))
            .collect();
        let values: Vec<sea_orm::Value> = chunk
            .iter()
            .flat_map(|(id, doc)| [sea_orm::Value::from(*id), doc.as_str().into()])
            .collect();
        sql::execute(
            conn,
            &format!(
                "INSERT INTO ticket_search ({columns}) VALUES {}",
                tuples.join(", ")
            ),
            values,
        )
        .await?;
    }
    Ok(())
}

/// Adds the words of one new message to its ticket's search document.
pub async fn append_ticket_search<C: ConnectionTrait>(
    conn: &C,
    ticket: i64,
    internal: bool,
    doc: &str,
) -> Result<(), StoreError> {
    let statement = match (conn.get_database_backend(), internal) {
        (DbBackend::Postgres, false) => {
            "UPDATE ticket_search SET public_doc = public_doc || strip(to_tsvector('simple', $2)), \
             all_doc = all_doc || strip(to_tsvector('simple', $2)) WHERE ticket_id = $1"
        }
        (DbBackend::Postgres, true) => {
            "UPDATE ticket_search SET all_doc = all_doc || strip(to_tsvector('simple', $2)) WHERE ticket_id = $1"
        }
        (_, false) => {
            "UPDATE ticket_search SET public_doc = public_doc || ' ' || $2 WHERE rowid = $1"
        }
        (_, true) => {
            "UPDATE ticket_search SET internal_doc = internal_doc || ' ' || $2 WHERE rowid = $1"
        }
    };
    sql::execute(conn, statement, vec![ticket.into(), doc.into()]).await?;
    Ok(())
}

/// Which part of the search document a search may look at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SearchScope {
    /// Subject and replies: what the requester and CC'd users can read.
    Public,
    /// Internal notes too: agents.
    Everything,
}

/// How a search combines with the rest of a ticket query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SearchPlan {
    /// The query is already narrowed (one organization, one user): check each of its
    /// tickets against the index, a seek per ticket, however common the words are.
    ProbeEach,
    /// Nothing else narrows the query: let the index find the matching tickets.
    IndexFirst,
}

/// A condition on `t.id` (tickets aliased `t`) that holds for tickets whose document
/// contains every one of `terms`, and the value to bind as parameter `$param`.
/// `terms` are words from `orgdesk_core::search::terms`: letters and digits only, so
/// they need no quoting beyond what is done here.
pub(crate) fn ticket_search_condition(
    backend: DbBackend,
    terms: &[String],
    scope: SearchScope,
    plan: SearchPlan,
    param: usize,
) -> (String, sea_orm::Value) {
    match backend {
        DbBackend::Postgres => {
            let column = match scope {
                SearchScope::Public => "public_doc",
                SearchScope::Everything => "all_doc",
            };
            // plainto_tsquery ANDs the words and parses them as the documents were.
            let query = terms.join(" ");
            let matches = format!("s.{column} @@ plainto_tsquery('simple', ${param})");
            let condition = match plan {
                SearchPlan::ProbeEach => format!(
                    "EXISTS (SELECT 1 FROM ticket_search s WHERE s.ticket_id = t.id AND {matches})"
                ),
                SearchPlan::IndexFirst => {
                    format!("t.id IN (SELECT s.ticket_id FROM ticket_search s WHERE {matches})")
                }
            };
            (condition, query.into())
        }
        _ => {
            let query = terms
                .iter()
                .map(|term| match scope {
                    SearchScope::Public => format!("public_doc : \"{term}\""),
                    SearchScope::Everything => format!("\"{term}\""),
                })
                .collect::<Vec<_>>()
                .join(" AND ");
            let condition = match plan {
                SearchPlan::ProbeEach => format!(
                    "EXISTS (SELECT 1 FROM ticket_search WHERE ticket_search MATCH ${param} AND ticket_search.rowid = t.id)"
                ),
                SearchPlan::IndexFirst => format!(
                    "t.id IN (SELECT rowid FROM ticket_search WHERE ticket_search MATCH ${param})"
                ),
            };
            (condition, query.into())
        }
    }
}
