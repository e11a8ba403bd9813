//! The only crate of orgdesk that speaks SQL.
//!
//! One implementation serves SQLite and PostgreSQL, chosen at run time from the URL.
//! Queries are portable SQL with `$N` placeholders (accepted by both engines); the few
//! lines that differ per engine live in [`dialect`]. Statements reach PostgreSQL through
//! sqlx (SeaORM) and SQLite through our own executor, which runs them on the calling
//! task (the `sqlite` module); both sit behind SeaORM's `ConnectionTrait`
//! ([`Pool`], [`Transaction`], [`Reads`]), so queries never ask which engine is beneath.
//! `docs/storage.md` says why.

pub mod account_links;
pub mod agents;
pub mod billing;
mod connection;
pub mod dialect;
pub mod domains;
pub mod entitlements;
mod error;
pub mod events;
pub mod fields;
pub mod imports;
pub mod mail;
mod migration;
pub mod notes;
pub mod organizations;
pub mod registrations;
mod request_snapshot;
mod sql;
mod sqlite;
pub mod tickets;
pub mod tokens;
pub mod user_events;
pub mod usergroups;
pub mod users;

use connection::PoolEngine;
pub use connection::{Pool, Reads, Transaction};
pub use error::{StoreError, StoreResult};
pub use request_snapshot::one_snapshot;
pub use sea_orm::{ConnectionTrait, DbBackend, DbErr};

use sea_orm::{ConnectOptions, Database, TransactionTrait};
use sea_orm_migration::MigratorTrait;
use sqlite::{Placement, SqlitePool, SqlitePoolOptions, SqliteTransaction};
use std::fmt;
use std::time::Duration;

/// A database URL whose password never reaches a log line.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl(String);

impl DatabaseUrl {
    pub fn parse(url: &str) -> Result<Self, String> {
        if url.starts_with("sqlite:") {
            let parsed = Self(url.to_owned());
            let in_memory = url.contains("mode=memory")
                || parsed.sqlite_path().is_some_and(|path| {
                    path.as_os_str().is_empty() || path.as_os_str() == ":memory:"
                });
            if in_memory {
                // Each SQLite connection would get a database of its own.
                Err(format!(
                    "{url}: orgdesk needs an SQLite file (its connections share it), not an in-memory database"
                ))
            } else {
                Ok(parsed)
            }
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
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
    /// The file of an SQLite URL (`sqlite://PATH`, `sqlite:PATH`, options after `?`
    /// ignored: the file is always created when missing).
    pub fn sqlite_path(&self) -> Option<std::path::PathBuf> {
        let rest = self.0.strip_prefix("sqlite:")?;
        let rest = rest.strip_prefix("//").unwrap_or(rest);
        let path = rest.split_once('?').map_or(rest, |(path, _)| path);
        Some(std::path::PathBuf::from(path))
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
/// On SQLite statements run on the calling task (see the `sqlite` module); the write
/// pool holds a single connection, so writers queue in the application instead of
/// spinning on SQLite's busy handler, and every write transaction starts with
/// `BEGIN IMMEDIATE` so a transaction that reads before it writes can never fail with
/// "database is locked". On PostgreSQL both are one sqlx pool.
#[derive(Clone, Debug)]
pub struct Store {
    read: Pool,
    write: Pool,
}

/// SQLite readers: statements run on the request's own thread, so a handful covers a
/// runtime's worker threads plus statements sent to the blocking pool.
const SQLITE_READERS: usize = 8;

/// Rows above which a write is a bulk write ([`Store::begin_write_for`]): a
/// multi-row statement of this many takes about a millisecond on SQLite.
pub const BULK_ROWS: usize = 50;

impl Store {
    pub async fn connect(url: &DatabaseUrl) -> Result<Self, StoreError> {
        if let Some(path) = url.sqlite_path() {
            let open = |max_connections, cache_mib, checkpoint_in_background| {
                SqlitePool::open(SqlitePoolOptions {
                    path: path.clone(),
                    max_connections,
                    cache_mib,
                    checkpoint_in_background,
                })
            };
            // The writer first: it is the connection that turns WAL on for a new file.
            let write = open(1, 64, true)?;
            let read = open(SQLITE_READERS, 16, false)?;
            sqlite::start_checkpoints(&write, read.clone());
            Ok(Self {
                read: Pool::sqlite(read),
                write: Pool::sqlite(write),
            })
        } else {
            probe_postgres(url).await?;
            let mut options = ConnectOptions::new(url.expose());
            options
                .sqlx_logging(false)
                .max_connections(16)
                .acquire_timeout(Duration::from_secs(30));
            let pool = Pool::postgres(Database::connect(options).await?);
            Ok(Self {
                read: pool.clone(),
                write: pool,
            })
        }
    }

    /// Brings the schema up to date, over the single write connection on SQLite.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        match self.write.engine() {
            PoolEngine::Sqlite(sqlite) => {
                let conn = sqlite::migration_connection(sqlite).await?;
                Ok(migration::Migrator::up(&conn, None).await?)
            }
            PoolEngine::Postgres(postgres) => Ok(migration::Migrator::up(postgres, None).await?),
        }
    }

    pub fn backend(&self) -> DbBackend {
        self.read.get_database_backend()
    }

    /// The connection for reads outside a transaction.
    pub fn reader(&self) -> &Pool {
        &self.read
    }

    /// The statements of one request's read: one snapshot on SQLite (inside
    /// [`one_snapshot`], the request's), the pool on PostgreSQL (see [`Reads`]).
    pub async fn reads(&self) -> Result<Reads, StoreError> {
        match self.read.engine() {
            PoolEngine::Sqlite(_) => Ok(Reads::snapshot(self.begin_read().await?)),
            PoolEngine::Postgres(_) => Ok(Reads::pool(self.read.clone())),
        }
    }

    /// Starts a read-only transaction: the statements of one request read one
    /// consistent snapshot (WAL on SQLite; `REPEATABLE READ, READ ONLY` on PostgreSQL),
    /// on one connection taken from the pool once. Inside [`one_snapshot`] on SQLite it
    /// is the request's snapshot. End it with [`finish_read`].
    pub async fn begin_read(&self) -> Result<Transaction, StoreError> {
        match self.read.engine() {
            PoolEngine::Sqlite(sqlite) => match request_snapshot::joined(sqlite).await? {
                Some(snapshot) => Ok(Transaction::request_snapshot(snapshot)),
                None => Ok(Transaction::sqlite(
                    SqliteTransaction::begin_read(sqlite).await?,
                )),
            },
            PoolEngine::Postgres(postgres) => Ok(Transaction::postgres(
                postgres
                    .begin_with_config(
                        Some(sea_orm::IsolationLevel::RepeatableRead),
                        Some(sea_orm::AccessMode::ReadOnly),
                    )
                    .await?,
            )),
        }
    }

    /// Starts a write transaction (`BEGIN IMMEDIATE` on SQLite). Dropping it without
    /// [`commit`] rolls back.
    pub async fn begin_write(&self) -> Result<Transaction, StoreError> {
        self.begin_write_placed(Placement::Inline).await
    }

    /// Starts a write transaction for a change whose size grows with its input or the
    /// data — a batch, a change to every member of an organization. On SQLite its
    /// statements run on the blocking pool, so it never holds a runtime thread for
    /// its whole length; otherwise it is [`begin_write`](Self::begin_write).
    pub async fn begin_bulk_write(&self) -> Result<Transaction, StoreError> {
        self.begin_write_placed(Placement::Blocking).await
    }

    /// [`begin_write`](Self::begin_write) for a change of `rows` rows: a bulk write
    /// above [`BULK_ROWS`].
    pub async fn begin_write_for(&self, rows: usize) -> Result<Transaction, StoreError> {
        if rows > BULK_ROWS {
            self.begin_bulk_write().await
        } else {
            self.begin_write().await
        }
    }

    async fn begin_write_placed(&self, placement: Placement) -> Result<Transaction, StoreError> {
        // The request's reads from here on must see what it writes.
        request_snapshot::close();
        match self.write.engine() {
            PoolEngine::Sqlite(sqlite) => Ok(Transaction::sqlite(
                SqliteTransaction::begin_write(sqlite, placement).await?,
            )),
            PoolEngine::Postgres(postgres) => Ok(Transaction::postgres(postgres.begin().await?)),
        }
    }

    pub async fn close(&self) -> Result<(), StoreError> {
        self.read.close().await?;
        Ok(self.write.close().await?)
    }
}

/// Ends a read transaction (it changed nothing, so committing only releases it).
pub async fn finish_read(tx: Transaction) -> Result<(), StoreError> {
    Ok(tx.commit().await?)
}

/// Commits a write transaction.
pub async fn commit(tx: Transaction) -> Result<(), StoreError> {
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

    #[test]
    fn an_sqlite_url_names_a_file_never_an_in_memory_database() {
        for url in [
            "sqlite::memory:",
            "sqlite://:memory:",
            "sqlite://",
            "sqlite://x.db?mode=memory",
        ] {
            let err = DatabaseUrl::parse(url).unwrap_err();
            assert!(err.contains("needs an SQLite file"), "{url}: {err}");
        }
        let url = DatabaseUrl::parse("sqlite:///var/lib/orgdesk/orgdesk.db?mode=rwc").unwrap();
        assert_eq!(
            url.sqlite_path(),
            Some(std::path::PathBuf::from("/var/lib/orgdesk/orgdesk.db"))
        );
        let url = DatabaseUrl::parse("sqlite://orgdesk-data/orgdesk.db").unwrap();
        assert_eq!(
            url.sqlite_path(),
            Some(std::path::PathBuf::from("orgdesk-data/orgdesk.db"))
        );
        let url = DatabaseUrl::parse("sqlite:x.db").unwrap();
        assert_eq!(url.sqlite_path(), Some(std::path::PathBuf::from("x.db")));
    }
}
