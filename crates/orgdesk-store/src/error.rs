//! The one error storage reports: the database's own error, kept whole so its cause
//! reaches the log, and turned into the use cases' error in one place.

use sea_orm::DbErr;

/// A database failure.
#[derive(Debug, thiserror::Error)]
#[error("the database failed")]
pub struct StoreError(#[source] DbErr);

impl StoreError {
    /// A failure found by our own code (a row that should be there, a value that should
    /// read back).
    pub(crate) fn custom(message: String) -> Self {
        StoreError(DbErr::Custom(message))
    }

    /// The database's own error, for recognizing what failed (a unique violation).
    pub fn db_err(&self) -> &DbErr {
        &self.0
    }
}

impl From<DbErr> for StoreError {
    fn from(err: DbErr) -> Self {
        StoreError(err)
    }
}

/// Back to SeaORM's error, for migrations (whose trait speaks `DbErr`).
impl From<StoreError> for DbErr {
    fn from(err: StoreError) -> Self {
        err.0
    }
}

/// Storage failures mean nothing to the caller: internal, with the cause kept.
impl From<StoreError> for orgdesk_core::Error {
    fn from(err: StoreError) -> Self {
        orgdesk_core::Error::internal_from("storage failed", err)
    }
}

pub type StoreResult<T> = Result<T, StoreError>;
