//! Migrations over one SQLite connection.
//!
//! sea-orm-migration speaks to SeaORM's own connection type, so the migration
//! connection is SeaORM's proxy connection over one pooled rusqlite connection: the
//! writer's, held for the whole run, so nothing writes while the schema changes.

use super::pool::PooledConnection;
use super::{Placement, SqlitePool};
use sea_orm::{
    Database, DatabaseConnection, DbBackend, DbErr, ProxyDatabaseTrait, ProxyExecResult, ProxyRow,
    Statement,
};
use std::sync::Arc;

/// A SeaORM connection over `pool`'s connection, for `Migrator::up`.
pub(crate) async fn migration_connection(pool: &SqlitePool) -> Result<DatabaseConnection, DbErr> {
    let conn = pool.acquire().await?;
    let proxy: Box<dyn ProxyDatabaseTrait> = Box::new(MigrationConnection(conn));
    Database::connect_proxy(DbBackend::Sqlite, Arc::new(proxy)).await
}

struct MigrationConnection(PooledConnection);

impl std::fmt::Debug for MigrationConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MigrationConnection")
    }
}

#[async_trait::async_trait]
impl ProxyDatabaseTrait for MigrationConnection {
    async fn query(&self, statement: Statement) -> Result<Vec<ProxyRow>, DbErr> {
        self.0.query_rows(Placement::Inline, statement, None).await
    }

    async fn execute(&self, statement: Statement) -> Result<ProxyExecResult, DbErr> {
        self.0.execute_rows(Placement::Inline, statement).await
    }

    // SQLite migrations run outside transactions (sea-orm-migration's default there).
    // The proxy interface cannot report a failed COMMIT, so one that fails stops the
    // migration run here rather than letting it carry on as if it had committed.
    async fn begin(&self) {
        if let Err(err) = self.0.control("BEGIN IMMEDIATE") {
            panic!("a migration could not begin its transaction: {err}");
        }
    }

    async fn commit(&self) {
        if let Err(err) = self.0.control("COMMIT") {
            panic!("a migration's transaction failed to commit: {err}");
        }
    }

    async fn rollback(&self) {
        let _ = self.0.control("ROLLBACK");
    }
}
