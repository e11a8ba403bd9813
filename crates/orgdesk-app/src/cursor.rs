//! Keyset pagination: opaque cursors that encode where the previous page ended.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use orgdesk_core::{Error, Result};

pub const DEFAULT_LIMIT: u64 = 50;
pub const MAX_LIMIT: u64 = 500;

/// A page request as it arrives: `?limit=&cursor=`.
#[derive(Debug, Clone, Default)]
pub struct PageRequest {
    pub limit: Option<u64>,
    pub cursor: Option<String>,
}

impl PageRequest {
    pub fn first(limit: u64) -> Self {
        Self {
            limit: Some(limit),
            cursor: None,
        }
    }

    pub(crate) fn limit(&self) -> Result<u64> {
        match self.limit {
            None => Ok(DEFAULT_LIMIT),
            Some(limit) if (1..=MAX_LIMIT).contains(&limit) => Ok(limit),
            Some(limit) => Err(Error::validation(
                "limit",
                format!("must be between 1 and {MAX_LIMIT} (got {limit})"),
            )),
        }
    }

    /// The decoded position, if a cursor was given.
    pub(crate) fn position(&self) -> Result<Option<String>> {
        self.cursor
            .as_deref()
            .filter(|cursor| !cursor.is_empty())
            .map(|cursor| {
                URL_SAFE_NO_PAD
                    .decode(cursor)
                    .ok()
                    .and_then(|bytes| String::from_utf8(bytes).ok())
                    // Positions are names and ids: a control character was never
                    // in a cursor this server made (and a NUL would reach the database).
                    .filter(|position| !position.chars().any(char::is_control))
                    .ok_or_else(invalid)
            })
            .transpose()
    }

    /// The position as an id (for id-ordered lists).
    pub(crate) fn id_position(&self) -> Result<Option<i64>> {
        self.position()?
            .map(|text| text.parse().map_err(|_| invalid()))
            .transpose()
    }
}

fn invalid() -> Error {
    Error::validation("cursor", "is not a cursor this list returned")
}

pub(crate) fn encode(position: &str) -> String {
    URL_SAFE_NO_PAD.encode(position)
}

/// Builds a page from `limit + 1` fetched rows: the extra row only says more exist.
pub(crate) fn page<T>(
    mut items: Vec<T>,
    limit: u64,
    position_of: impl Fn(&T) -> String,
) -> orgdesk_core::model::Page<T> {
    let more = items.len() as u64 > limit;
    items.truncate(limit as usize);
    let next_cursor = if more {
        items.last().map(|last| encode(&position_of(last)))
    } else {
        None
    };
    orgdesk_core::model::Page { items, next_cursor }
}
