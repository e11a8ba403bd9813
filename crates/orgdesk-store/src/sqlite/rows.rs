//! Running one statement on an SQLite connection and reading its rows as SeaORM
//! values.

use super::bind::prepare_bound;
use rusqlite::types::ValueRef;
use sea_orm::{ProxyExecResult, ProxyRow, Statement, Value};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// Runs a statement that returns rows, reading at most `limit` of them.
pub(super) fn query(
    conn: &rusqlite::Connection,
    statement: &Statement,
    limit: Option<usize>,
) -> rusqlite::Result<Vec<ProxyRow>> {
    let mut prepared = prepare_bound(conn, &statement.sql, values_of(statement))?;
    read_rows(&mut prepared, limit)
}

/// What became of a read given a time budget.
pub(super) enum Budgeted {
    Read(Vec<ProxyRow>),
    /// The statement only reads and ran past its budget: SQLite interrupted it, which
    /// undoes nothing (an interrupted read leaves its transaction as it was), so it can
    /// be run again elsewhere.
    OverBudget,
}

/// Runs a statement like [`query`], but stops a read-only one that is still running
/// after `budget`. Statements that write (`INSERT … RETURNING`) always run to the end:
/// interrupting one would roll back its whole transaction.
pub(super) fn query_within(
    conn: &rusqlite::Connection,
    statement: &Statement,
    limit: Option<usize>,
    budget: Duration,
) -> rusqlite::Result<Budgeted> {
    let mut prepared = prepare_bound(conn, &statement.sql, values_of(statement))?;
    if !prepared.readonly() {
        return read_rows(&mut prepared, limit).map(Budgeted::Read);
    }
    let deadline = Instant::now() + budget;
    conn.progress_handler(PROGRESS_OPS, Some(move || Instant::now() > deadline))?;
    let read = read_rows(&mut prepared, limit);
    conn.progress_handler(0, None::<fn() -> bool>)?;
    match read {
        Ok(rows) => Ok(Budgeted::Read(rows)),
        Err(rusqlite::Error::SqliteFailure(err, _))
            if err.code == rusqlite::ErrorCode::OperationInterrupted =>
        {
            Ok(Budgeted::OverBudget)
        }
        Err(err) => Err(err),
    }
}

/// SQLite virtual-machine steps between looks at the clock: a few microseconds.
const PROGRESS_OPS: std::ffi::c_int = 1000;

/// Reads the rows of a prepared statement whose parameters are bound.
fn read_rows(
    prepared: &mut rusqlite::Statement<'_>,
    limit: Option<usize>,
) -> rusqlite::Result<Vec<ProxyRow>> {
    let columns: Vec<(String, ColumnKind)> = prepared
        .columns()
        .iter()
        .map(|column| {
            (
                column.name().to_owned(),
                ColumnKind::declared(column.decl_type()),
            )
        })
        .collect();
    let mut rows = prepared.raw_query();
    let mut read = Vec::new();
    while read.len() < limit.unwrap_or(usize::MAX)
        && let Some(row) = rows.next()?
    {
        let mut values = BTreeMap::new();
        for (index, (name, kind)) in columns.iter().enumerate() {
            // The first column of a name wins, as when reading a row by name elsewhere.
            if !values.contains_key(name) {
                values.insert(name.clone(), kind.value(row.get_ref(index)?)?);
            }
        }
        read.push(ProxyRow::new(values));
    }
    Ok(read)
}

/// Runs a statement for its effect. Rows it returns (`RETURNING`) are stepped through
/// and dropped, so the statement always runs to completion.
pub(super) fn execute(
    conn: &rusqlite::Connection,
    statement: &Statement,
) -> rusqlite::Result<ProxyExecResult> {
    let mut prepared = prepare_bound(conn, &statement.sql, values_of(statement))?;
    let mut rows = prepared.raw_query();
    while rows.next()?.is_some() {}
    drop(rows);
    Ok(outcome(conn))
}

/// Runs SQL text of one or more statements without parameters.
pub(super) fn execute_unprepared(
    conn: &rusqlite::Connection,
    sql: &str,
) -> rusqlite::Result<ProxyExecResult> {
    conn.execute_batch(sql)?;
    Ok(outcome(conn))
}

/// What the last statement on `conn` did: its inserted row id and the rows it changed.
fn outcome(conn: &rusqlite::Connection) -> ProxyExecResult {
    ProxyExecResult::new(
        u64::try_from(conn.last_insert_rowid()).unwrap_or(0),
        conn.changes(),
    )
}

fn values_of(statement: &Statement) -> &[Value] {
    statement
        .values
        .as_ref()
        .map(|values| values.0.as_slice())
        .unwrap_or(&[])
}

/// How a column's values are read: by the type its table declares, since SQLite
/// stores booleans as integers and a row type asks for `bool`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ColumnKind {
    Boolean,
    Integer,
    /// Text, or a computed column (no declared type): read as SQLite stored it.
    Other,
}

impl ColumnKind {
    fn declared(decl_type: Option<&str>) -> Self {
        let mentions = |declared: &str, word: &str| {
            declared
                .as_bytes()
                .windows(word.len())
                .any(|w| w.eq_ignore_ascii_case(word.as_bytes()))
        };
        match decl_type {
            Some(declared) if mentions(declared, "bool") => ColumnKind::Boolean,
            Some(declared) if mentions(declared, "int") => ColumnKind::Integer,
            _ => ColumnKind::Other,
        }
    }

    fn value(self, stored: ValueRef<'_>) -> rusqlite::Result<Value> {
        Ok(match (self, stored) {
            (ColumnKind::Boolean, ValueRef::Integer(n)) => Value::Bool(Some(n != 0)),
            (ColumnKind::Boolean, ValueRef::Null) => Value::Bool(None),
            (ColumnKind::Integer, ValueRef::Null) => Value::BigInt(None),
            (_, ValueRef::Null) => Value::String(None),
            (_, ValueRef::Integer(n)) => Value::BigInt(Some(n)),
            (_, ValueRef::Real(n)) => Value::Double(Some(n)),
            (_, ValueRef::Text(_)) => Value::String(Some(stored.as_str()?.to_owned())),
            (_, ValueRef::Blob(bytes)) => Value::Bytes(Some(bytes.to_vec())),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::{DbBackend, QueryResult};

    fn row(sql: &str) -> QueryResult {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE TABLE t (id INTEGER PRIMARY KEY, flag BOOLEAN, name TEXT, note TEXT);
             INSERT INTO t VALUES (7, 1, 'seven', NULL);",
        )
        .unwrap();
        let statement = Statement::from_string(DbBackend::Sqlite, sql);
        query(&conn, &statement, None).unwrap().remove(0).into()
    }

    #[test]
    fn declared_booleans_read_as_bool_and_integers_as_i64() {
        let row = row("SELECT id, flag, name, note FROM t");
        assert_eq!(row.try_get::<i64>("", "id").unwrap(), 7);
        assert!(row.try_get::<bool>("", "flag").unwrap());
        assert_eq!(row.try_get::<String>("", "name").unwrap(), "seven");
        assert_eq!(row.try_get::<Option<String>>("", "note").unwrap(), None);
    }

    #[test]
    fn computed_columns_read_as_stored() {
        let row = row("SELECT COUNT(*) AS n, 'x' || name AS label, NULL AS missing FROM t");
        assert_eq!(row.try_get::<i64>("", "n").unwrap(), 1);
        assert_eq!(row.try_get::<String>("", "label").unwrap(), "xseven");
        assert_eq!(row.try_get::<Option<i64>>("", "missing").unwrap(), None);
    }
}
