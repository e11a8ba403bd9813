//! Binding SeaORM values to an SQLite statement by their `$N` numbers.

use rusqlite::types::{ToSql, ToSqlOutput, Value as SqliteValue, ValueRef};
use sea_orm::Value;

/// Binds `values` to `statement`. SQLite reads `$1` as a parameter *named* "$1" and
/// numbers parameters by first appearance, so `… $2 … $1` would bind backwards if
/// bound by position: each parameter is bound by the number in its name.
pub(super) fn bind_numbered(
    statement: &mut rusqlite::Statement<'_>,
    values: &[Value],
) -> rusqlite::Result<()> {
    for index in 1..=statement.parameter_count() {
        let number = statement
            .parameter_name(index)
            .and_then(|name| name.strip_prefix('$'))
            .and_then(|digits| digits.parse::<usize>().ok())
            .unwrap_or(index);
        let value = values.get(number - 1).ok_or_else(|| {
            rusqlite::Error::InvalidParameterName(format!(
                "${number}: the statement has {} values",
                values.len()
            ))
        })?;
        statement.raw_bind_parameter(index, Bound(value))?;
    }
    Ok(())
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
    fn numbered_parameters_bind_by_number_not_by_appearance() {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        let mut statement = conn.prepare("SELECT $2 || '-' || $1 || '-' || $2").unwrap();
        bind_numbered(&mut statement, &["a".into(), "b".into()]).unwrap();
        let text: String = statement
            .raw_query()
            .next()
            .unwrap()
            .unwrap()
            .get(0)
            .unwrap();
        assert_eq!(text, "b-a-b");
    }

    #[test]
    fn a_missing_value_is_an_error_naming_the_parameter() {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        let mut statement = conn.prepare("SELECT $1, $2").unwrap();
        let err = bind_numbered(&mut statement, &[1i64.into()]).unwrap_err();
        assert!(err.to_string().contains("$2"), "{err}");
    }
}
