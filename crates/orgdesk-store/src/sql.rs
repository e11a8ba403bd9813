//! Small helpers to run portable raw SQL (`$N` placeholders) through SeaORM.

use crate::error::StoreError;
use sea_orm::{ConnectionTrait, FromQueryResult, Statement, Value};

pub(crate) fn statement<C: ConnectionTrait>(conn: &C, sql: &str, values: Vec<Value>) -> Statement {
    Statement::from_sql_and_values(conn.get_database_backend(), sql, values)
}

pub(crate) async fn all<T: FromQueryResult, C: ConnectionTrait>(
    conn: &C,
    sql: &str,
    values: Vec<Value>,
) -> Result<Vec<T>, StoreError> {
    Ok(T::find_by_statement(statement(conn, sql, values))
        .all(conn)
        .await?)
}

pub(crate) async fn one<T: FromQueryResult, C: ConnectionTrait>(
    conn: &C,
    sql: &str,
    values: Vec<Value>,
) -> Result<Option<T>, StoreError> {
    Ok(T::find_by_statement(statement(conn, sql, values))
        .one(conn)
        .await?)
}

/// Runs a statement and returns how many rows it touched.
pub(crate) async fn execute<C: ConnectionTrait>(
    conn: &C,
    sql: &str,
    values: Vec<Value>,
) -> Result<u64, StoreError> {
    Ok(conn
        .execute_raw(statement(conn, sql, values))
        .await?
        .rows_affected())
}

/// A single value of a one-column result (`RETURNING id`, `COUNT(*)`).
#[derive(Debug, FromQueryResult)]
pub(crate) struct Scalar<T: sea_orm::TryGetable> {
    pub(crate) value: T,
}

pub(crate) async fn scalar<T: sea_orm::TryGetable, C: ConnectionTrait>(
    conn: &C,
    sql: &str,
    values: Vec<Value>,
) -> Result<Option<T>, StoreError> {
    Ok(one::<Scalar<T>, C>(conn, sql, values)
        .await?
        .map(|row| row.value))
}

/// `$1, $2, …` starting at `first`, for `IN (…)` lists.
pub(crate) fn placeholders(first: usize, count: usize) -> String {
    use std::fmt::Write;
    // Written into one string: a bulk statement lists thousands of them.
    let mut list = String::with_capacity(count * 7);
    for n in first..first + count {
        if n > first {
            list.push_str(", ");
        }
        write!(list, "${n}").expect("writing to a String cannot fail");
    }
    list
}

/// Ids per `IN (…)` list: well under either engine's parameter limit.
pub(crate) const IN_CHUNK: usize = 1000;

/// Which of `ids` exist in `table` (a fixed table name, never input), in one statement
/// per thousand ids.
pub(crate) async fn existing_ids<C: ConnectionTrait>(
    conn: &C,
    table: &'static str,
    ids: &[i64],
) -> Result<Vec<i64>, StoreError> {
    let mut found = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(IN_CHUNK) {
        let rows: Vec<Scalar<i64>> = all(
            conn,
            &format!(
                "SELECT id AS value FROM {table} WHERE id IN ({})",
                placeholders(1, chunk.len())
            ),
            chunk.iter().map(|&id| id.into()).collect(),
        )
        .await?;
        found.extend(rows.into_iter().map(|row| row.value));
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::placeholders;

    #[test]
    fn placeholders_number_from_first_and_separate_with_commas() {
        assert_eq!(placeholders(1, 3), "$1, $2, $3");
        assert_eq!(placeholders(10, 2), "$10, $11");
        assert_eq!(placeholders(4, 1), "$4");
        assert_eq!(placeholders(1, 0), "");
    }
}
