//! The only crate of orgdesk that speaks SQL.
//!
//! One implementation serves SQLite and PostgreSQL, chosen at run time from the URL.
//! Queries are portable SQL with `$N` placeholders (accepted by both engines); the few
//! lines that differ per engine live in [`dialect`].

pub mod agents;
pub mod dialect;
pub mod domains;
mod error;
pub mod events;
mod migration;
pub mod organizations;
mod sql;
pub mod tickets;
pub mod tokens;
pub mod user_events;
pub mod usergroups;
pub mod users;

pub use error::{StoreError, StoreResult};
pub use sea_orm::{ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr};

use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, Database, SqliteTransactionMode, TransactionOptions, TransactionTrait,
};
use sea_orm_migration::MigratorTrait;
use std::fmt;
use std::time::Duration;

/// A database URL whose password never reaches a log line.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl(String);

impl DatabaseUrl {
    pub fn parse(url: &str) -> Result<Self, String> {
        if url.starts_with("sqlite:")
            || url.starts_with("postgres://")
            || url.starts_with("postgresql://")
        {
            Ok(Self(url.to_owned()))
        } else {
            Err(format!(
                "unsupported database URL (expected sqlite://PATH or postgres://…): {}",
                Self(url.to_owned())
            ))
        }
    }
    /// An SQLite file URL for `path`, created when missing.
    pub fn sqlite_file(path: &std::path::Path) -> Self {
        Self(format!("sqlite://{}?mode=rwc", path.display()))
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
    pub fn is_sqlite(&self) -> bool {
        self.0.starts_with("sqlite:")
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // postgres://user:secret@host/db → postgres://user:***@host/db
        match (self.0.find("://"), self.0.rfind('@')) {
            (Some(scheme_end), Some(at)) if at > scheme_end => {
                let credentials = &self.0[scheme_end + 3..at];
                match credentials.find(':') {
                    Some(colon) => write!(
                        f,
                        "{}{}:***{}",
                        &self.0[..scheme_end + 3],
                        &credentials[..colon],
                        &self.0[at..]
                    ),
                    None => f.write_str(&self.0),
                }
            }
            _ => f.write_str(&self.0),
        }
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DatabaseUrl({self})")
    }
}

/// Connections to the database: a pool for reads and one for write transactions.
///
/// On SQLite the write pool holds a single connection, so writers queue in the
/// application instead of spinning on SQLite's busy handler, and every write
/// transaction starts with `BEGIN IMMEDIATE` so a transaction that reads before it
/// writes can never fail with "database is locked". On PostgreSQL both are one pool.
#[derive(Clone, Debug)]
pub struct Store {
    read: DatabaseConnection,
    write: DatabaseConnection,
}

impl Store {
    pub async fn connect(url: &DatabaseUrl) -> Result<Self, StoreError> {
        if url.is_sqlite() {
            let read = Database::connect(sqlite_options(url, 4, 16)).await?;
            let write = Database::connect(sqlite_options(url, 1, 64)).await?;
            Ok(Self { read, write })
        } else {
            probe_postgres(url).await?;
            let mut options = ConnectOptions::new(url.expose());
            options
                .sqlx_logging(false)
                .max_connections(16)
                .acquire_timeout(Duration::from_secs(30));
            let pool = Database::connect(options).await?;
            Ok(Self {
                read: pool.clone(),
                write: pool,
            })
        }
    }

    /// Brings the schema up to date. Runs over the single write connection on SQLite
    /// (migrations toggle per-connection pragmas).
    pub async fn migrate(&self) -> Result<(), StoreError> {
        Ok(migration::Migrator::up(&self.write, None).await?)
    }

    pub fn backend(&self) -> DbBackend {
        self.read.get_database_backend()
    }

    /// The connection for reads outside a transaction.
    pub fn reader(&self) -> &DatabaseConnection {
        &self.read
    }

    /// Starts a read-only transaction: the statements of one request read one
    /// consistent snapshot (WAL on SQLite; `REPEATABLE READ, READ ONLY` on PostgreSQL),
    /// on one connection taken from the pool once. End it with [`finish_read`].
    pub async fn begin_read(&self) -> Result<DatabaseTransaction, StoreError> {
        self.read
            .begin_with_config(
                Some(sea_orm::IsolationLevel::RepeatableRead),
                Some(sea_orm::AccessMode::ReadOnly),
            )
            .await
            .map_err(StoreError::from)
    }

    /// Starts a write transaction (`BEGIN IMMEDIATE` on SQLite). Dropping it without
    /// `commit()` rolls back.
    pub async fn begin_write(&self) -> Result<DatabaseTransaction, StoreError> {
        self.write
            .begin_with_options(TransactionOptions {
                sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                ..Default::default()
            })
            .await
            .map_err(StoreError::from)
    }

    pub async fn close(self) -> Result<(), StoreError> {
        self.read.close().await?;
        Ok(self.write.close().await?)
    }
}

/// Ends a read transaction (it changed nothing, so committing only releases it).
pub async fn finish_read(tx: DatabaseTransaction) -> Result<(), StoreError> {
    Ok(tx.commit().await?)
}

/// Commits a write transaction.
pub async fn commit(tx: DatabaseTransaction) -> Result<(), StoreError> {
    Ok(tx.commit().await?)
}

/// How long a PostgreSQL server may take to accept a first connection.
const POSTGRES_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Opens one connection before the pool is built, so that a server that is down or
/// refuses says so at once ("connection refused at HOST:PORT") instead of a pool timing
/// out half a minute later.
async fn probe_postgres(url: &DatabaseUrl) -> Result<(), StoreError> {
    use sea_orm::sqlx::ConnectOptions as _;
    use sea_orm::sqlx::postgres::PgConnectOptions;
    let options: PgConnectOptions = url
        .expose()
        .parse()
        .map_err(|err| unreachable_error(format!("the URL {url} cannot be read: {err}")))?;
    let at = format!("{}:{}", options.get_host(), options.get_port());
    match tokio::time::timeout(POSTGRES_CONNECT_TIMEOUT, options.connect()).await {
        Ok(Ok(connection)) => {
            let _ = sea_orm::sqlx::Connection::close(connection).await;
            Ok(())
        }
        Ok(Err(sea_orm::sqlx::Error::Io(io)))
            if io.kind() == std::io::ErrorKind::ConnectionRefused =>
        {
            Err(unreachable_error(format!(
                "connection refused at {at}: is PostgreSQL running there?"
            )))
        }
        Ok(Err(err)) => Err(unreachable_error(format!("PostgreSQL at {at}: {err}"))),
        Err(_) => Err(unreachable_error(format!(
            "no answer from PostgreSQL at {at} within {} seconds",
            POSTGRES_CONNECT_TIMEOUT.as_secs()
        ))),
    }
}

fn unreachable_error(message: String) -> StoreError {
    StoreError::from(sea_orm::DbErr::Conn(sea_orm::RuntimeErr::Internal(message)))
}

/// Options of an SQLite pool. `cache_mib` is each connection's page cache: SQLite's
/// default (2 MiB) lets index pages of a large database fall out between writes, which
/// cost a fifth of bulk-insert throughput at a million users.
fn sqlite_options(url: &DatabaseUrl, connections: u32, cache_mib: i64) -> ConnectOptions {
    let mut options = ConnectOptions::new(url.expose());
    options
        .sqlx_logging(false)
        .max_connections(connections)
        .min_connections(1)
        .acquire_timeout(Duration::from_secs(30))
        // A local file cannot drop a connection: checking each one out with a round
        // trip to its worker thread only doubles every statement's cost.
        .test_before_acquire(false)
        .map_sqlx_sqlite_opts(move |o| {
            o.create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(10))
                .pragma("cache_size", (-cache_mib * 1024).to_string())
        });
    options
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_url_hides_its_password() {
        let url = DatabaseUrl::parse("postgres://orgdesk:s3cret@db:5432/orgdesk").unwrap();
        assert_eq!(url.to_string(), "postgres://orgdesk:***@db:5432/orgdesk");
        assert!(!format!("{url:?}").contains("s3cret"));
        assert!(DatabaseUrl::parse("mysql://x").is_err());
    }
}
