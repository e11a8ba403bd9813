//! Keyset pagination: opaque cursors that encode where the previous page ended.
//!
//! A cursor names the list that made it (`organizations:acme`, base64url), so a cursor
//! from another list, or a string that merely decodes, is refused instead of silently
//! starting somewhere arbitrary.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use orgdesk_core::{Error, Result};

pub const DEFAULT_LIMIT: u64 = 50;
pub const MAX_LIMIT: u64 = 500;

/// A page request as it arrives: `?limit=&cursor=`.
#[derive(Debug, Clone, Default)]
pub struct PageRequest {
    /// As sent: negative and zero are refused like any other number out of range.
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

impl PageRequest {
    pub fn first(limit: u64) -> Self {
        Self {
            limit: Some(i64::try_from(limit).unwrap_or(i64::MAX)),
            cursor: None,
        }
    }

    pub(crate) fn limit(&self) -> Result<u64> {
        match self.limit {
            None => Ok(DEFAULT_LIMIT),
            Some(limit) if (1..=MAX_LIMIT as i64).contains(&limit) => Ok(limit as u64),
            Some(limit) => Err(Error::validation(
                "limit",
                format!("must be between 1 and {MAX_LIMIT} (got {limit})"),
            )),
        }
    }

    /// The decoded position in `list`, if a cursor was given.
    pub(crate) fn position(&self, list: &str) -> Result<Option<String>> {
        self.cursor
            .as_deref()
            .filter(|cursor| !cursor.is_empty())
            .map(|cursor| {
                URL_SAFE_NO_PAD
                    .decode(cursor)
                    .ok()
                    .and_then(|bytes| String::from_utf8(bytes).ok())
                    .and_then(|text| {
                        let (made_by, position) = text.split_once(':')?;
                        (made_by == list).then(|| position.to_owned())
                    })
                    // Positions are names and ids: a control character was never
                    // in a cursor this server made (and a NUL would reach the database).
                    .filter(|position| !position.chars().any(char::is_control))
                    .ok_or_else(invalid_cursor)
            })
            .transpose()
    }

    /// The position in `list` as an id (for id-ordered lists).
    pub(crate) fn id_position(&self, list: &str) -> Result<Option<i64>> {
        self.position(list)?
            .map(|text| text.parse().map_err(|_| invalid_cursor()))
            .transpose()
    }

    /// The position in `list` as a count of items already given (for short lists
    /// with a fixed order, such as the chain of ancestors).
    pub(crate) fn offset_position(&self, list: &str) -> Result<usize> {
        self.id_position(list)?
            .map(|count| usize::try_from(count).map_err(|_| invalid_cursor()))
            .transpose()
            .map(Option::unwrap_or_default)
    }
}

pub(crate) fn invalid_cursor() -> Error {
    Error::validation("cursor", "is not a cursor this list returned")
}

fn encode(list: &str, position: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("{list}:{position}"))
}

/// Builds a page of `list` from `limit + 1` fetched rows: the extra row only says more
/// exist.
pub(crate) fn page<T>(
    mut items: Vec<T>,
    limit: u64,
    list: &str,
    position_of: impl Fn(&T) -> String,
) -> orgdesk_core::model::Page<T> {
    let more = items.len() as u64 > limit;
    items.truncate(limit as usize);
    let next_cursor = if more {
        items.last().map(|last| encode(list, &position_of(last)))
    } else {
        None
    };
    orgdesk_core::model::Page { items, next_cursor }
}
