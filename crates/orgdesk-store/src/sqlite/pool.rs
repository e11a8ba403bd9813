//! A pool of SQLite connections, and the statements and transactions run on one.

use super::rows::{self, Budgeted};
use super::{Placement, connection_error, exec_error, query_error};
use sea_orm::{DbErr, ExecResult, ProxyExecResult, ProxyRow, QueryResult, Statement};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// How long a request may wait for a free connection before it fails.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a statement waits for another process's lock on the file.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);
/// Prepared statements kept per connection. The store has well under a hundred
/// distinct statements; lists of ids make a few more (one per list length).
const STATEMENT_CACHE: usize = 256;
/// How long a read may hold a runtime thread before it moves to the blocking pool.
/// The reads behind a page take tens of microseconds; a millisecond is far beyond
/// them yet short enough that other requests barely notice.
pub(crate) const INLINE_BUDGET: Duration = Duration::from_millis(1);

#[derive(Debug, Clone)]
pub(crate) struct SqlitePoolOptions {
    pub(crate) path: PathBuf,
    pub(crate) max_connections: usize,
    /// Each connection's page cache. SQLite's default (2 MiB) lets index pages of a
    /// large database fall out between writes, which cost a fifth of bulk-insert
    /// throughput at a million users.
    pub(crate) cache_mib: i64,
}

type Shared = Arc<Mutex<rusqlite::Connection>>;

/// Connections to one SQLite file, opened as needed up to a maximum and kept open.
#[derive(Clone)]
pub(crate) struct SqlitePool {
    inner: Arc<PoolInner>,
}

struct PoolInner {
    options: SqlitePoolOptions,
    idle: Mutex<Vec<Shared>>,
    permits: Arc<Semaphore>,
}

impl std::fmt::Debug for SqlitePool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqlitePool")
            .field("options", &self.inner.options)
            .finish_non_exhaustive()
    }
}

impl SqlitePool {
    /// The same pool (a clone of it), not merely one over the same file.
    pub(crate) fn same_as(&self, other: &SqlitePool) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }

    /// Opens the first connection at once, so a file that cannot be opened says so at
    /// start-up.
    pub(crate) fn open(options: SqlitePoolOptions) -> Result<Self, DbErr> {
        let first = open_connection(&options).map_err(connection_error)?;
        let permits = Arc::new(Semaphore::new(options.max_connections));
        Ok(Self {
            inner: Arc::new(PoolInner {
                options,
                idle: Mutex::new(vec![Arc::new(Mutex::new(first))]),
                permits,
            }),
        })
    }

    pub(crate) async fn acquire(&self) -> Result<PooledConnection, DbErr> {
        let permit = tokio::time::timeout(
            ACQUIRE_TIMEOUT,
            Arc::clone(&self.inner.permits).acquire_owned(),
        )
        .await
        .map_err(|_| {
            connection_error(format!(
                "no SQLite connection became free within {} seconds",
                ACQUIRE_TIMEOUT.as_secs()
            ))
        })?
        .map_err(|_| connection_error("the SQLite pool is closed"))?;
        let idle = self.inner.idle_connections().pop();
        let conn = match idle {
            Some(conn) => conn,
            None => Arc::new(Mutex::new(
                open_connection(&self.inner.options).map_err(connection_error)?,
            )),
        };
        Ok(PooledConnection {
            conn: Some(conn),
            pool: Arc::clone(&self.inner),
            _permit: permit,
        })
    }

    /// Closes the idle connections and refuses new checkouts.
    pub(crate) fn close(&self) {
        self.inner.permits.close();
        self.inner.idle_connections().clear();
    }
}

impl PoolInner {
    fn idle_connections(&self) -> MutexGuard<'_, Vec<Shared>> {
        self.idle.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

fn open_connection(options: &SqlitePoolOptions) -> rusqlite::Result<rusqlite::Connection> {
    let conn = rusqlite::Connection::open(&options.path)?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    // Readers never block the writer nor each other; the mode is kept in the file.
    let _mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))?;
    conn.execute_batch(&format!(
        "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA cache_size = {};",
        -options.cache_mib * 1024
    ))?;
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    Ok(conn)
}

fn lock(conn: &Shared) -> MutexGuard<'_, rusqlite::Connection> {
    conn.lock().unwrap_or_else(PoisonError::into_inner)
}

/// One connection taken from the pool; it goes back when dropped.
pub(crate) struct PooledConnection {
    conn: Option<Shared>,
    pool: Arc<PoolInner>,
    _permit: OwnedSemaphorePermit,
}

impl PooledConnection {
    fn shared(&self) -> &Shared {
        self.conn
            .as_ref()
            .expect("a pooled connection is held until dropped")
    }

    /// Runs `work` on this connection where `placement` says.
    async fn run<T: Send + 'static>(
        &self,
        placement: Placement,
        work: impl FnOnce(&rusqlite::Connection) -> rusqlite::Result<T> + Send + 'static,
        failed: fn(rusqlite::Error) -> DbErr,
    ) -> Result<T, DbErr> {
        if placement == Placement::Blocking {
            let conn = Arc::clone(self.shared());
            tokio::task::spawn_blocking(move || work(&lock(&conn)).map_err(failed))
                .await
                .map_err(|err| connection_error(format!("an SQLite statement failed: {err}")))?
        } else {
            work(&lock(self.shared())).map_err(failed)
        }
    }

    /// Reads rows. A read runs here first; one still running after [`INLINE_BUDGET`]
    /// is stopped and run again on the blocking pool, so a read whose time grows with
    /// the data (a walk of a large tree, a broad text search) holds a runtime thread
    /// for at most the budget, whoever wrote it and whatever it is given.
    pub(super) async fn query_rows(
        &self,
        placement: Placement,
        statement: Statement,
        limit: Option<usize>,
    ) -> Result<Vec<ProxyRow>, DbErr> {
        if placement == Placement::Inline {
            let conn = lock(self.shared());
            match rows::query_within(&conn, &statement, limit, INLINE_BUDGET) {
                Ok(Budgeted::Read(rows)) => return Ok(rows),
                Ok(Budgeted::OverBudget) => {}
                Err(err) => return Err(query_error(err)),
            }
        }
        self.run(
            Placement::Blocking,
            move |conn| rows::query(conn, &statement, limit),
            query_error,
        )
        .await
    }

    pub(super) async fn execute_rows(
        &self,
        placement: Placement,
        statement: Statement,
    ) -> Result<ProxyExecResult, DbErr> {
        self.run(
            placement,
            move |conn| rows::execute(conn, &statement),
            exec_error,
        )
        .await
    }

    pub(crate) async fn query_all(
        &self,
        placement: Placement,
        statement: Statement,
    ) -> Result<Vec<QueryResult>, DbErr> {
        let rows = self.query_rows(placement, statement, None).await?;
        Ok(rows.into_iter().map(QueryResult::from).collect())
    }

    pub(crate) async fn query_one(
        &self,
        placement: Placement,
        statement: Statement,
    ) -> Result<Option<QueryResult>, DbErr> {
        let rows = self.query_rows(placement, statement, Some(1)).await?;
        Ok(rows.into_iter().next().map(QueryResult::from))
    }

    pub(crate) async fn execute(
        &self,
        placement: Placement,
        statement: Statement,
    ) -> Result<ExecResult, DbErr> {
        Ok(self.execute_rows(placement, statement).await?.into())
    }

    pub(crate) async fn execute_unprepared(
        &self,
        placement: Placement,
        sql: &str,
    ) -> Result<ExecResult, DbErr> {
        let sql = sql.to_owned();
        let result = self
            .run(
                placement,
                move |conn| rows::execute_unprepared(conn, &sql),
                exec_error,
            )
            .await?;
        Ok(result.into())
    }

    /// Transaction control (BEGIN, COMMIT, ROLLBACK): always here, always short.
    pub(super) fn control(&self, sql: &str) -> Result<(), DbErr> {
        let conn = lock(self.shared());
        // Prepared once per connection, like every other statement.
        let mut statement = conn.prepare_cached(sql).map_err(exec_error)?;
        statement.raw_execute().map_err(exec_error)?;
        Ok(())
    }

    /// Whether a statement on the blocking pool still holds this connection (its
    /// request was abandoned mid-statement).
    fn busy_elsewhere(&self) -> bool {
        Arc::strong_count(self.shared()) > 1
    }
}

impl Drop for PooledConnection {
    fn drop(&mut self) {
        let Some(conn) = self.conn.take() else { return };
        // Only a connection that nothing else holds and that is outside any transaction
        // goes back. Otherwise it is closed when its last holder lets go, and closing
        // rolls back whatever it had open.
        if Arc::strong_count(&conn) == 1 && lock(&conn).is_autocommit() {
            self.pool.idle_connections().push(conn);
        }
    }
}

/// A transaction on one pooled connection. Dropped without [`commit`](Self::commit),
/// it rolls back.
pub(crate) struct SqliteTransaction {
    conn: PooledConnection,
    placement: Placement,
    open: bool,
}

impl SqliteTransaction {
    /// `BEGIN IMMEDIATE` takes the write lock at once, so a transaction that reads
    /// before it writes can never fail with "database is locked" halfway; a read
    /// transaction's plain `BEGIN` reads one snapshot from its first statement on.
    pub(crate) async fn begin(
        pool: &SqlitePool,
        immediate: bool,
        placement: Placement,
    ) -> Result<Self, DbErr> {
        let conn = pool.acquire().await?;
        conn.control(if immediate {
            "BEGIN IMMEDIATE"
        } else {
            "BEGIN"
        })?;
        Ok(Self {
            conn,
            placement,
            open: true,
        })
    }

    pub(crate) async fn query_all(&self, statement: Statement) -> Result<Vec<QueryResult>, DbErr> {
        self.conn.query_all(self.placement, statement).await
    }

    pub(crate) async fn query_one(
        &self,
        statement: Statement,
    ) -> Result<Option<QueryResult>, DbErr> {
        self.conn.query_one(self.placement, statement).await
    }

    pub(crate) async fn execute(&self, statement: Statement) -> Result<ExecResult, DbErr> {
        self.conn.execute(self.placement, statement).await
    }

    pub(crate) async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        self.conn.execute_unprepared(self.placement, sql).await
    }

    /// Commits, reporting a failed COMMIT (the transaction then rolls back on drop).
    pub(crate) fn commit(mut self) -> Result<(), DbErr> {
        self.conn.control("COMMIT")?;
        self.open = false;
        Ok(())
    }
}

impl Drop for SqliteTransaction {
    fn drop(&mut self) {
        if self.open && !self.conn.busy_elsewhere() {
            // A failed rollback leaves the connection inside a transaction, so it is
            // not returned to the pool (see `PooledConnection::drop`).
            let _ = self.conn.control("ROLLBACK");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::DbBackend;
    use std::time::Instant;

    /// A pool over a new file holding `schema`.
    async fn pool(dir: &tempfile::TempDir, max_connections: usize, schema: &str) -> SqlitePool {
        let pool = SqlitePool::open(SqlitePoolOptions {
            path: dir.path().join("pool.db"),
            max_connections,
            cache_mib: 2,
        })
        .unwrap();
        let conn = pool.acquire().await.unwrap();
        conn.execute_unprepared(Placement::Inline, schema)
            .await
            .unwrap();
        drop(conn);
        pool
    }

    const TABLE_T: &str = "CREATE TABLE t (id INTEGER PRIMARY KEY)";

    fn statement(sql: &str) -> Statement {
        Statement::from_string(DbBackend::Sqlite, sql)
    }

    async fn count(pool: &SqlitePool, table: &str) -> i64 {
        let conn = pool.acquire().await.unwrap();
        let row = conn
            .query_one(
                Placement::Inline,
                statement(&format!("SELECT COUNT(*) AS n FROM {table}")),
            )
            .await
            .unwrap()
            .unwrap();
        row.try_get::<i64>("", "n").unwrap()
    }

    /// A recursive count that takes far longer than the inline budget.
    const LONG_READ: &str = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n \
                             WHERE i < 3000000) SELECT COUNT(*) AS n FROM n";

    #[tokio::test]
    async fn a_read_past_its_budget_finishes_on_the_blocking_pool_and_keeps_its_transaction() {
        let dir = tempfile::tempdir().unwrap();
        let pool = pool(&dir, 2, TABLE_T).await;
        let tx = SqliteTransaction::begin(&pool, true, Placement::Inline)
            .await
            .unwrap();
        tx.execute(statement("INSERT INTO t (id) VALUES (1)"))
            .await
            .unwrap();
        // This test's runtime has one thread: another task gets to run during the
        // read only if the read left that thread.
        let turns = Arc::new(std::sync::atomic::AtomicU64::new(0));
        let other_task = tokio::spawn({
            let turns = Arc::clone(&turns);
            async move {
                loop {
                    turns.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    tokio::task::yield_now().await;
                }
            }
        });
        let started = Instant::now();
        let row = tx.query_one(statement(LONG_READ)).await.unwrap().unwrap();
        let turns_during_read = turns.load(std::sync::atomic::Ordering::Relaxed);
        other_task.abort();
        assert!(
            started.elapsed() > INLINE_BUDGET,
            "the read was meant to be long"
        );
        assert!(
            turns_during_read > 0,
            "the long read held the runtime's thread"
        );
        assert_eq!(row.try_get::<i64>("", "n").unwrap(), 3_000_000);
        tx.commit().unwrap();
        assert_eq!(count(&pool, "t").await, 1);
    }

    #[tokio::test]
    async fn a_failed_commit_is_reported_and_nothing_of_the_transaction_stays() {
        let dir = tempfile::tempdir().unwrap();
        let pool = pool(
            &dir,
            1,
            "CREATE TABLE parent (id INTEGER PRIMARY KEY); \
             CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER \
               REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED)",
        )
        .await;
        let tx = SqliteTransaction::begin(&pool, true, Placement::Inline)
            .await
            .unwrap();
        // A deferred foreign key is checked at COMMIT, which then fails.
        tx.execute(statement(
            "INSERT INTO child (id, parent_id) VALUES (1, 99)",
        ))
        .await
        .unwrap();
        let err = tx.commit().unwrap_err();
        assert!(err.to_string().contains("FOREIGN KEY"), "{err}");
        assert_eq!(count(&pool, "child").await, 0);
        // The one connection went back to the pool outside any transaction.
        let tx = SqliteTransaction::begin(&pool, true, Placement::Inline)
            .await
            .unwrap();
        tx.execute(statement("INSERT INTO parent (id) VALUES (1)"))
            .await
            .unwrap();
        tx.commit().unwrap();
        assert_eq!(count(&pool, "parent").await, 1);
    }

    #[tokio::test]
    async fn a_dropped_transaction_rolls_back_wherever_it_ran() {
        let dir = tempfile::tempdir().unwrap();
        let pool = pool(&dir, 1, TABLE_T).await;
        for placement in [Placement::Inline, Placement::Blocking] {
            let tx = SqliteTransaction::begin(&pool, true, placement)
                .await
                .unwrap();
            tx.execute(statement("INSERT INTO t (id) VALUES (1)"))
                .await
                .unwrap();
            drop(tx);
            assert_eq!(count(&pool, "t").await, 0, "{placement:?}");
        }
    }

    #[tokio::test]
    async fn a_bulk_transaction_runs_its_statements_off_the_runtime_and_commits() {
        let dir = tempfile::tempdir().unwrap();
        let pool = pool(&dir, 1, "").await;
        let tx = SqliteTransaction::begin(&pool, true, Placement::Blocking)
            .await
            .unwrap();
        tx.execute_unprepared("CREATE TABLE t (id INTEGER PRIMARY KEY)")
            .await
            .unwrap();
        tx.execute(statement(
            "INSERT INTO t (id) WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 \
             FROM n WHERE i < 1000) SELECT i FROM n",
        ))
        .await
        .unwrap();
        let rows = tx.query_all(statement("SELECT id FROM t")).await.unwrap();
        assert_eq!(rows.len(), 1000);
        tx.commit().unwrap();
        assert_eq!(count(&pool, "t").await, 1000);
    }
}
