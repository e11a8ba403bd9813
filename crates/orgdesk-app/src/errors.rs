//! Turning storage failures into the errors use cases report.

use orgdesk_core::Error;
use orgdesk_store::DbErr;
use orgdesk_store::dialect::{UniqueKey, unique_violation};

/// A failure with no meaning for the caller: logged by the adapter, shown as generic.
pub(crate) fn internal(err: DbErr) -> Error {
    Error::Internal(err.to_string())
}

/// Maps a unique violation of `key` to `conflict()` (the pre-check inside the
/// transaction usually catches it first; this covers concurrent writers), anything else
/// to an internal error.
pub(crate) fn unique_or_internal(
    err: DbErr,
    key: UniqueKey,
    conflict: impl FnOnce() -> Error,
) -> Error {
    match unique_violation(&err) {
        Some(found) if found == key => conflict(),
        _ => internal(err),
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
