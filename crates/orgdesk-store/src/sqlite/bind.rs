//! Binding SeaORM values to an SQLite statement by their `$N` numbers.

use rusqlite::types::{ToSql, ToSqlOutput, Value as SqliteValue, ValueRef};
use sea_orm::Value;
use std::borrow::Cow;

/// Statements with at most this many values are prepared from their own text.
const FEW_VALUES: usize = 16;

/// Prepares `sql` (cached per connection) with `values` bound to its `$N` parameters.
///
/// SQLite reads `$1` as a parameter *named* "$1", numbered by first appearance, so
/// binding by number means reading each parameter's name, and SQLite finds a name by a
/// walk of the statement's parameter list: free for a few parameters, but for a
/// 1,000-row insert it cost more than running it. Such statements are rewritten with
/// `?N` (SQLite's own "parameter N") and bound by index. The rewrite is a scan and a copy
/// of the text, which most statements, with a handful of values, are spared.
pub(super) fn prepare_bound<'conn>(
    conn: &'conn rusqlite::Connection,
    sql: &str,
    values: &[Value],
) -> rusqlite::Result<rusqlite::CachedStatement<'conn>> {
    if values.len() <= FEW_VALUES {
        let mut statement = conn.prepare_cached(sql)?;
        bind_by_name(&mut statement, values)?;
        Ok(statement)
    } else {
        let mut statement = conn.prepare_cached(&sqlite_placeholders(sql))?;
        bind_by_index(&mut statement, values)?;
        Ok(statement)
    }
}

/// The statement with each `$N` written `?N`. Quoted text and identifiers are left as
/// they are.
fn sqlite_placeholders(sql: &str) -> Cow<'_, str> {
    if !sql.contains('$') {
        return Cow::Borrowed(sql);
    }
    // Every byte looked at is ASCII, so the text stays UTF-8 byte for byte.
    let mut bytes = sql.as_bytes().to_vec();
    let mut quote: Option<u8> = None;
    for index in 0..bytes.len() {
        let byte = bytes[index];
        match quote {
            Some(open) if byte == open => quote = None,
            Some(_) => {}
            None if byte == b'\'' || byte == b'"' => quote = Some(byte),
            None if byte == b'$' => {
                let after_word = index > 0
                    && (bytes[index - 1].is_ascii_alphanumeric() || bytes[index - 1] == b'_');
                let before_digit = bytes.get(index + 1).is_some_and(u8::is_ascii_digit);
                if before_digit && !after_word {
                    bytes[index] = b'?';
                }
            }
            None => {}
        }
    }
    Cow::Owned(String::from_utf8(bytes).expect("only ASCII bytes were replaced"))
}

/// Binds value N to the parameter named `$N` (or `?N`); a nameless `?` takes the value
/// of its position.
fn bind_by_name(statement: &mut rusqlite::Statement<'_>, values: &[Value]) -> rusqlite::Result<()> {
    for index in 1..=statement.parameter_count() {
        let number = match statement.parameter_name(index) {
            None => index,
            Some(name) => name
                .get(1..)
                .and_then(|digits| digits.parse::<usize>().ok())
                .filter(|number| *number > 0)
                .ok_or_else(|| rusqlite::Error::InvalidParameterName(name.to_owned()))?,
        };
        statement.raw_bind_parameter(index, Bound(value_numbered(values, number)?))?;
    }
    Ok(())
}

/// Binds value N to the parameter at index N (`?N`, or the Nth plain `?`).
fn bind_by_index(
    statement: &mut rusqlite::Statement<'_>,
    values: &[Value],
) -> rusqlite::Result<()> {
    for index in 1..=statement.parameter_count() {
        statement.raw_bind_parameter(index, Bound(value_numbered(values, index)?))?;
    }
    Ok(())
}

fn value_numbered(values: &[Value], number: usize) -> rusqlite::Result<&Value> {
    values.get(number - 1).ok_or_else(|| {
        rusqlite::Error::InvalidParameterName(format!(
            "${number}: the statement has {} values",
            values.len()
        ))
    })
}

/// One SeaORM value as SQLite stores it (booleans as 0/1, text borrowed, not copied).
struct Bound<'a>(&'a Value);

impl ToSql for Bound<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        let integer = |n: Option<i64>| n.map(SqliteValue::Integer);
        let owned = match self.0 {
            Value::String(Some(text)) => {
                return Ok(ToSqlOutput::Borrowed(ValueRef::Text(text.as_bytes())));
            }
            Value::Bytes(Some(bytes)) => return Ok(ToSqlOutput::Borrowed(ValueRef::Blob(bytes))),
            Value::Bool(v) => integer(v.map(i64::from)),
            Value::TinyInt(v) => integer(v.map(i64::from)),
            Value::SmallInt(v) => integer(v.map(i64::from)),
            Value::Int(v) => integer(v.map(i64::from)),
            Value::BigInt(v) => integer(*v),
            Value::TinyUnsigned(v) => integer(v.map(i64::from)),
            Value::SmallUnsigned(v) => integer(v.map(i64::from)),
            Value::Unsigned(v) => integer(v.map(i64::from)),
            Value::BigUnsigned(v) => match v {
                Some(n) => Some(SqliteValue::Integer(i64::try_from(*n).map_err(|err| {
                    rusqlite::Error::ToSqlConversionFailure(Box::new(err))
                })?)),
                None => None,
            },
            Value::Float(v) => v.map(|n| SqliteValue::Real(n.into())),
            Value::Double(v) => v.map(SqliteValue::Real),
            Value::Char(v) => v.map(|c| SqliteValue::Text(c.to_string())),
            Value::String(None) | Value::Bytes(None) => None,
            other => {
                return Err(rusqlite::Error::ToSqlConversionFailure(
                    format!("a value SQLite statements do not take: {other:?}").into(),
                ));
            }
        };
        Ok(ToSqlOutput::Owned(owned.unwrap_or(SqliteValue::Null)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_become_sqlite_numbered_ones_outside_quotes() {
        assert_eq!(
            sqlite_placeholders("SELECT $1, '$2', \"a$3\", x$4, $, $10 FROM t WHERE j = '$.k'"),
            "SELECT ?1, '$2', \"a$3\", x$4, $, ?10 FROM t WHERE j = '$.k'"
        );
        assert!(matches!(sqlite_placeholders("SELECT ?"), Cow::Borrowed(_)));
    }

    fn first_text(mut statement: rusqlite::CachedStatement<'_>) -> String {
        statement
            .raw_query()
            .next()
            .unwrap()
            .unwrap()
            .get(0)
            .unwrap()
    }

    #[test]
    fn numbered_parameters_bind_by_number_not_by_appearance() {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        let sql = "SELECT $2 || '-' || $1 || '-' || $2 || '$1'";
        let statement = prepare_bound(&conn, sql, &["a".into(), "b".into()]).unwrap();
        assert_eq!(first_text(statement), "b-a-b$1");
    }

    #[test]
    fn many_numbered_parameters_bind_by_number_not_by_appearance() {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        let count = FEW_VALUES + 4;
        let terms: Vec<String> = (1..=count).rev().map(|n| format!("${n}")).collect();
        let sql = format!("SELECT {} || '$1'", terms.join(" || '-' || "));
        let values: Vec<Value> = (1..=count).map(|n| n.to_string().into()).collect();
        let statement = prepare_bound(&conn, &sql, &values).unwrap();
        let expected: Vec<String> = (1..=count).rev().map(|n| n.to_string()).collect();
        assert_eq!(first_text(statement), format!("{}$1", expected.join("-")));
    }

    #[test]
    fn a_missing_value_is_an_error_naming_the_parameter() {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        let Err(err) = prepare_bound(&conn, "SELECT $1, $2", &[1i64.into()]) else {
            panic!("bound two parameters from one value");
        };
        assert!(err.to_string().contains("$2"), "{err}");
    }
}
