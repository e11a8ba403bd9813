//! The two things statements run on — a pool (for single reads) and a transaction —
//! each over SQLite (rusqlite, on the caller's task: see [`crate::sqlite`]) or
//! PostgreSQL (sqlx through SeaORM). Both implement SeaORM's `ConnectionTrait`, so the
//! store's functions take either and never ask which engine is beneath.

use crate::request_snapshot;
use crate::sqlite::{Placement, SqlitePool, SqliteTransaction};
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr, ExecResult,
    QueryResult, Statement,
};
use std::sync::Arc;

/// Statements outside a transaction: each takes a connection for itself (on SQLite,
/// reads inside [`crate::one_snapshot`] join the request's snapshot instead).
#[derive(Clone, Debug)]
pub struct Pool(PoolEngine);

#[derive(Clone, Debug)]
pub(crate) enum PoolEngine {
    Sqlite(SqlitePool),
    Postgres(DatabaseConnection),
}

impl Pool {
    pub(crate) fn sqlite(pool: SqlitePool) -> Self {
        Pool(PoolEngine::Sqlite(pool))
    }

    pub(crate) fn postgres(pool: DatabaseConnection) -> Self {
        Pool(PoolEngine::Postgres(pool))
    }

    /// The engine beneath, for what differs per engine: opening transactions,
    /// migrations.
    pub(crate) fn engine(&self) -> &PoolEngine {
        &self.0
    }

    pub(crate) async fn close(&self) -> Result<(), DbErr> {
        match &self.0 {
            PoolEngine::Sqlite(pool) => {
                pool.close();
                Ok(())
            }
            PoolEngine::Postgres(pool) => pool.clone().close().await,
        }
    }
}

#[async_trait::async_trait]
impl ConnectionTrait for Pool {
    fn get_database_backend(&self) -> DbBackend {
        match &self.0 {
            PoolEngine::Sqlite(_) => DbBackend::Sqlite,
            PoolEngine::Postgres(_) => DbBackend::Postgres,
        }
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        match &self.0 {
            PoolEngine::Sqlite(pool) => {
                request_snapshot::close();
                pool.acquire().await?.execute(Placement::Inline, stmt).await
            }
            PoolEngine::Postgres(pool) => pool.execute_raw(stmt).await,
        }
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        match &self.0 {
            PoolEngine::Sqlite(pool) => {
                request_snapshot::close();
                pool.acquire()
                    .await?
                    .execute_unprepared(Placement::Inline, sql)
                    .await
            }
            PoolEngine::Postgres(pool) => pool.execute_unprepared(sql).await,
        }
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        match &self.0 {
            PoolEngine::Sqlite(pool) => match request_snapshot::joined(pool).await? {
                Some(snapshot) => snapshot.query_one(stmt).await,
                None => {
                    pool.acquire()
                        .await?
                        .query_one(Placement::Inline, stmt)
                        .await
                }
            },
            PoolEngine::Postgres(pool) => pool.query_one_raw(stmt).await,
        }
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        match &self.0 {
            PoolEngine::Sqlite(pool) => match request_snapshot::joined(pool).await? {
                Some(snapshot) => snapshot.query_all(stmt).await,
                None => {
                    pool.acquire()
                        .await?
                        .query_all(Placement::Inline, stmt)
                        .await
                }
            },
            PoolEngine::Postgres(pool) => pool.query_all_raw(stmt).await,
        }
    }
}

/// A transaction: a read snapshot or a write. Dropped without being committed, it
/// rolls back.
pub struct Transaction(TransactionEngine);

enum TransactionEngine {
    Sqlite(SqliteTransaction),
    /// The request's read snapshot ([`crate::one_snapshot`]), which ends with the
    /// request, not with this handle.
    SqliteRequestSnapshot(Arc<SqliteTransaction>),
    Postgres(DatabaseTransaction),
}

impl std::fmt::Debug for Transaction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self.0 {
            TransactionEngine::Sqlite(_) => "Transaction(SQLite)",
            TransactionEngine::SqliteRequestSnapshot(_) => {
                "Transaction(SQLite, the request's snapshot)"
            }
            TransactionEngine::Postgres(_) => "Transaction(PostgreSQL)",
        })
    }
}

impl Transaction {
    pub(crate) fn sqlite(tx: SqliteTransaction) -> Self {
        Transaction(TransactionEngine::Sqlite(tx))
    }

    pub(crate) fn postgres(tx: DatabaseTransaction) -> Self {
        Transaction(TransactionEngine::Postgres(tx))
    }

    pub(crate) fn request_snapshot(snapshot: Arc<SqliteTransaction>) -> Self {
        Transaction(TransactionEngine::SqliteRequestSnapshot(snapshot))
    }

    /// Commits; a COMMIT the database refuses is reported, and nothing of the
    /// transaction stays.
    pub async fn commit(self) -> Result<(), DbErr> {
        match self.0 {
            TransactionEngine::Sqlite(tx) => tx.commit().await,
            // Only reads join it: there is nothing to commit, and the snapshot stays
            // for the request's other reads.
            TransactionEngine::SqliteRequestSnapshot(_) => Ok(()),
            TransactionEngine::Postgres(tx) => tx.commit().await,
        }
    }
}

#[async_trait::async_trait]
impl ConnectionTrait for Transaction {
    fn get_database_backend(&self) -> DbBackend {
        match &self.0 {
            TransactionEngine::Sqlite(_) | TransactionEngine::SqliteRequestSnapshot(_) => {
                DbBackend::Sqlite
            }
            TransactionEngine::Postgres(_) => DbBackend::Postgres,
        }
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        match &self.0 {
            TransactionEngine::Sqlite(tx) => tx.execute(stmt).await,
            TransactionEngine::SqliteRequestSnapshot(tx) => tx.execute(stmt).await,
            TransactionEngine::Postgres(tx) => tx.execute_raw(stmt).await,
        }
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        match &self.0 {
            TransactionEngine::Sqlite(tx) => tx.execute_unprepared(sql).await,
            TransactionEngine::SqliteRequestSnapshot(tx) => tx.execute_unprepared(sql).await,
            TransactionEngine::Postgres(tx) => tx.execute_unprepared(sql).await,
        }
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        match &self.0 {
            TransactionEngine::Sqlite(tx) => tx.query_one(stmt).await,
            TransactionEngine::SqliteRequestSnapshot(tx) => tx.query_one(stmt).await,
            TransactionEngine::Postgres(tx) => tx.query_one_raw(stmt).await,
        }
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        match &self.0 {
            TransactionEngine::Sqlite(tx) => tx.query_all(stmt).await,
            TransactionEngine::SqliteRequestSnapshot(tx) => tx.query_all(stmt).await,
            TransactionEngine::Postgres(tx) => tx.query_all_raw(stmt).await,
        }
    }
}

/// The statements of one request's read, on whatever suits the engine: on SQLite a
/// read transaction (one snapshot, and cheaper than a snapshot per statement: the
/// connection is taken once); on PostgreSQL the pool, a statement at a time, since a
/// transaction there costs three more round trips than the reads themselves. Reads
/// that must agree with each other whatever the engine (the profile page's lists) use
/// [`crate::Store::begin_read`]. Dropping it ends it.
pub struct Reads(ReadsEngine);

enum ReadsEngine {
    Snapshot(Transaction),
    Pool(Pool),
}

impl Reads {
    pub(crate) fn snapshot(tx: Transaction) -> Self {
        Reads(ReadsEngine::Snapshot(tx))
    }

    pub(crate) fn pool(pool: Pool) -> Self {
        Reads(ReadsEngine::Pool(pool))
    }
}

/// Runs `$call` on whichever connection `$reads` stands on.
macro_rules! on_reads {
    ($reads:expr, $conn:ident => $call:expr) => {
        match &$reads.0 {
            ReadsEngine::Snapshot($conn) => $call,
            ReadsEngine::Pool($conn) => $call,
        }
    };
}

#[async_trait::async_trait]
impl ConnectionTrait for Reads {
    fn get_database_backend(&self) -> DbBackend {
        on_reads!(self, conn => conn.get_database_backend())
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        on_reads!(self, conn => conn.execute_raw(stmt).await)
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        on_reads!(self, conn => conn.execute_unprepared(sql).await)
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        on_reads!(self, conn => conn.query_one_raw(stmt).await)
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        on_reads!(self, conn => conn.query_all_raw(stmt).await)
    }
}
