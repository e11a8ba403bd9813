//! Turning storage failures into the errors use cases report. Most need nothing: a
//! `StoreError` becomes an internal error (cause kept) through `?`. What remains is
//! recognizing the unique violations that mean a conflict the caller can act on.

use orgdesk_core::Error;
use orgdesk_store::StoreError;
use orgdesk_store::dialect::{UniqueKey, unique_violation};

/// Maps a unique violation of `key` to `conflict()` (the pre-check inside the
/// transaction usually catches it first; this covers concurrent writers), anything else
/// to an internal error.
pub(crate) fn unique_or_internal(
    err: StoreError,
    key: UniqueKey,
    conflict: impl FnOnce() -> Error,
) -> Error {
    match unique_violation(&err) {
        Some(found) if found == key => conflict(),
        _ => err.into(),
    }
}

/// Names the batch entry a validation error is about: `subject` → `tickets[3].subject`.
pub(crate) fn in_batch(list: &str, index: usize, err: Error) -> Error {
    match err {
        Error::Validation { field, message } => {
            Error::validation(format!("{list}[{index}].{field}"), message)
        }
        other => other,
    }
}
