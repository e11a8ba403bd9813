//! SQLite, run on the task that asks.
//!
//! A statement on an embedded database costs microseconds, far less than handing it to
//! another thread and waiting for the answer (which is what an async driver over SQLite
//! does: two context switches and a wake-up per statement). So each request's task
//! takes a connection from a small pool and runs its statements on it directly
//! (rusqlite over the bundled SQLite). Statements that can run long — walks of a large
//! tree, full-text searches, set-based changes — are run on tokio's blocking pool
//! instead, so they never stall the requests sharing a runtime thread: a read moves
//! there by itself once it outlasts a small budget, and a write transaction of a
//! batch or a set-based change is placed there when it begins (see [`Placement`]).
//!
//! The store's SQL stays what it is for PostgreSQL: `$N` placeholders are bound by
//! number (SQLite reads `$1` as a named parameter), and rows come back as SeaORM
//! [`QueryResult`]s, so `FromQueryResult` row types read them unchanged.

mod bind;
mod checkpoint;
mod group_commit;
mod migrate;
mod pool;
mod rows;

pub(crate) use checkpoint::start as start_checkpoints;
pub(crate) use migrate::migration_connection;
pub(crate) use pool::{SqlitePool, SqlitePoolOptions, SqliteTransaction};

use sea_orm::{DbErr, RuntimeErr};

/// Where a connection runs its statements.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Placement {
    /// On the caller's thread: the usual case, microseconds per statement. A read
    /// still running after [`pool::INLINE_BUDGET`] moves to the blocking pool.
    Inline,
    /// On tokio's blocking pool: for transactions whose statements grow with the data
    /// or the input (batches, set-based changes), which would otherwise hold a runtime
    /// thread for their whole length. PostgreSQL is unaffected: its statements already
    /// wait on a socket.
    Blocking,
}

/// SQLite's message for a broken UNIQUE constraint ("UNIQUE constraint failed:
/// users.email_key"), which names the table and column that [`crate::dialect`] reads.
pub(crate) fn unique_violation_message(err: &DbErr) -> Option<&str> {
    match err {
        DbErr::Exec(RuntimeErr::Internal(message))
        | DbErr::Query(RuntimeErr::Internal(message))
            if message.starts_with("UNIQUE constraint failed") =>
        {
            Some(message)
        }
        _ => None,
    }
}

fn exec_error(err: rusqlite::Error) -> DbErr {
    DbErr::Exec(RuntimeErr::Internal(err.to_string()))
}

fn exec_error_message(message: &str) -> DbErr {
    DbErr::Exec(RuntimeErr::Internal(message.to_owned()))
}

fn query_error(err: rusqlite::Error) -> DbErr {
    DbErr::Query(RuntimeErr::Internal(err.to_string()))
}

fn connection_error(err: impl std::fmt::Display) -> DbErr {
    DbErr::Conn(RuntimeErr::Internal(err.to_string()))
}
