//! Binding SeaORM values to an SQLite statement by their `$N` numbers.

use rusqlite::types::{ToSql, ToSqlOutput, Value as SqliteValue, ValueRef};
use sea_orm::Value;
use std::borrow::Cow;

/// The statement with each `$N` written `?N`. SQLite reads `$1` as a parameter *named*
/// "$1", numbered by first appearance, so binding by number would mean looking each
/// name up — a walk of the statement's parameter list per parameter, which made binding
/// a 1,000-parameter statement cost more than running it. `?N` is SQLite's own form for
/// "parameter N": its index is N. Quoted text and identifiers are left as they are.
pub(super) fn sqlite_placeholders(sql: &str) -> Cow<'_, str> {
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

/// Binds `values` to a statement prepared from [`sqlite_placeholders`]' text: the
/// parameter at index N is value N (`?N`, or the Nth plain `?`).
pub(super) fn bind_numbered(
    statement: &mut rusqlite::Statement<'_>,
    values: &[Value],
) -> rusqlite::Result<()> {
    for index in 1..=statement.parameter_count() {
        let value = values.get(index - 1).ok_or_else(|| {
            rusqlite::Error::InvalidParameterName(format!(
                "${index}: the statement has {} values",
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
    fn placeholders_become_sqlite_numbered_ones_outside_quotes() {
        assert_eq!(
            sqlite_placeholders("SELECT $1, '$2', \"a$3\", x$4, $, $10 FROM t WHERE j = '$.k'"),
            "SELECT ?1, '$2', \"a$3\", x$4, $, ?10 FROM t WHERE j = '$.k'"
        );
        assert!(matches!(sqlite_placeholders("SELECT ?"), Cow::Borrowed(_)));
    }

    #[test]
    fn numbered_parameters_bind_by_number_not_by_appearance() {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        let mut statement = conn
            .prepare(&sqlite_placeholders("SELECT $2 || '-' || $1 || '-' || $2"))
            .unwrap();
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
        let mut statement = conn.prepare(&sqlite_placeholders("SELECT $1, $2")).unwrap();
        let err = bind_numbered(&mut statement, &[1i64.into()]).unwrap_err();
        assert!(err.to_string().contains("$2"), "{err}");
    }
}
