//! A pool of SQLite connections, and the statements and transactions run on one.

use super::checkpoint::{self, CheckpointWanted};
use super::group_commit::{
    CommitGroup, GROUP_STALL, LOST, Outcome, RELEASE, ROLLBACK_TO, SAVEPOINT,
};
use super::rows::{self, Budgeted};
use super::{Placement, connection_error, exec_error, exec_error_message, query_error};
use sea_orm::{DbErr, ExecResult, ProxyExecResult, ProxyRow, QueryResult, Statement};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore, oneshot};

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
    /// Whether the log is checkpointed by [`checkpoint::start`]'s task instead of by
    /// the COMMIT that fills it (the writer's pool, in a server).
    pub(crate) checkpoint_in_background: bool,
}

/// A connection and, on the writer, the writes waiting for its open transaction's
/// COMMIT (see [`group_commit`](super::group_commit)).
pub(super) struct Connection {
    sqlite: rusqlite::Connection,
    group: CommitGroup,
    /// Told when a COMMIT leaves the log large (checkpoints in the background).
    checkpoint_wanted: Option<CheckpointWanted>,
}

type Shared = Arc<Mutex<Connection>>;

impl Connection {
    /// Transaction control (BEGIN, SAVEPOINT, COMMIT, ROLLBACK): always here, always
    /// short, prepared once per connection like every other statement.
    fn control(&self, sql: &str) -> Result<(), DbErr> {
        let mut statement = self.sqlite.prepare_cached(sql).map_err(exec_error)?;
        statement.raw_execute().map_err(exec_error)?;
        Ok(())
    }

    /// COMMIT, asking for a checkpoint when it left the log large.
    fn commit(&self) -> Result<(), DbErr> {
        self.control("COMMIT")?;
        if let Some(wanted) = &self.checkpoint_wanted
            && checkpoint::log_wants_checkpoint()
        {
            wanted.notify_one();
        }
        Ok(())
    }

    /// Whether the open transaction holds the work of writes waiting for its COMMIT.
    fn holds_waiting_writes(&self) -> bool {
        !self.group.is_empty()
    }

    /// Ends the transaction left open by earlier writes, if any, with a COMMIT (a
    /// ROLLBACK when that fails) and tells them the outcome, which it returns.
    fn commit_open(&mut self) -> Result<(), DbErr> {
        if self.sqlite.is_autocommit() {
            // SQLite ended the transaction itself: some errors (a full disk, an I/O
            // error) roll back the whole of it, whatever savepoint failed.
            if self.holds_waiting_writes() {
                self.group.settle(&Err(LOST.to_owned()));
                return Err(exec_error_message(LOST));
            }
            return Ok(());
        }
        let committed = self.commit();
        if committed.is_err() {
            let _ = self.control("ROLLBACK");
        }
        self.group
            .settle(&committed.as_ref().map_err(ToString::to_string).copied());
        committed
    }

    /// Rolls back the whole open transaction; the writes waiting for it learn their work
    /// was lost.
    fn abandon(&mut self) {
        let _ = self.control("ROLLBACK");
        self.group.settle(&Err(LOST.to_owned()));
    }
}

/// Connections to one SQLite file, opened as needed up to a maximum and kept open.
#[derive(Clone)]
pub(crate) struct SqlitePool {
    inner: Arc<PoolInner>,
}

struct PoolInner {
    options: SqlitePoolOptions,
    idle: Mutex<Vec<Shared>>,
    permits: Arc<Semaphore>,
    /// Tasks waiting for a connection: on the writer, those a finished write may
    /// leave its transaction open for.
    queued: AtomicUsize,
    checkpoint_wanted: CheckpointWanted,
}

impl Drop for PoolInner {
    fn drop(&mut self) {
        // The checkpoint task, if any, wakes to find the pool gone and ends.
        self.checkpoint_wanted.notify_one();
    }
}

impl std::fmt::Debug for SqlitePool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqlitePool")
            .field("options", &self.inner.options)
            .finish_non_exhaustive()
    }
}

/// A pool that may be gone.
pub(super) struct WeakPool(Weak<PoolInner>);

impl WeakPool {
    pub(super) fn upgrade(&self) -> Option<SqlitePool> {
        self.0.upgrade().map(|inner| SqlitePool { inner })
    }
}

/// Counts a task as queued for a connection until dropped (got one, or gave up).
struct InQueue<'a>(&'a AtomicUsize);

impl<'a> InQueue<'a> {
    fn enter(queued: &'a AtomicUsize) -> Self {
        queued.fetch_add(1, Ordering::SeqCst);
        InQueue(queued)
    }
}

impl Drop for InQueue<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
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
        let checkpoint_wanted = CheckpointWanted::default();
        let first = open_connection(&options, &checkpoint_wanted).map_err(connection_error)?;
        let permits = Arc::new(Semaphore::new(options.max_connections));
        Ok(Self {
            inner: Arc::new(PoolInner {
                options,
                idle: Mutex::new(vec![first]),
                permits,
                queued: AtomicUsize::new(0),
                checkpoint_wanted,
            }),
        })
    }

    pub(super) fn checkpoint_wanted(&self) -> CheckpointWanted {
        Arc::clone(&self.inner.checkpoint_wanted)
    }

    /// A handle that does not keep the pool open.
    pub(super) fn downgrade(&self) -> WeakPool {
        WeakPool(Arc::downgrade(&self.inner))
    }

    pub(super) fn is_closed(&self) -> bool {
        self.inner.permits.is_closed()
    }

    pub(crate) async fn acquire(&self) -> Result<PooledConnection, DbErr> {
        let in_queue = InQueue::enter(&self.inner.queued);
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
        drop(in_queue);
        let idle = self.inner.idle_connections().pop();
        let conn = match idle {
            Some(conn) => conn,
            None => open_connection(&self.inner.options, &self.inner.checkpoint_wanted)
                .map_err(connection_error)?,
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

fn open_connection(
    options: &SqlitePoolOptions,
    checkpoint_wanted: &CheckpointWanted,
) -> rusqlite::Result<Shared> {
    let conn = rusqlite::Connection::open(&options.path)?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    // Readers never block the writer nor each other; the mode is kept in the file.
    let _mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))?;
    conn.execute_batch(&format!(
        "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA cache_size = {};",
        -options.cache_mib * 1024
    ))?;
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    let checkpoint_wanted = options.checkpoint_in_background.then(|| {
        // Replaces SQLite's automatic checkpoints, which are a WAL hook too.
        conn.wal_hook(Some(checkpoint::note_log_size));
        Arc::clone(checkpoint_wanted)
    });
    Ok(Arc::new(Mutex::new(Connection {
        sqlite: conn,
        group: CommitGroup::default(),
        checkpoint_wanted,
    })))
}

fn lock(conn: &Shared) -> MutexGuard<'_, Connection> {
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

    fn lock(&self) -> MutexGuard<'_, Connection> {
        lock(self.shared())
    }

    /// The pool this connection came from.
    fn pool(&self) -> SqlitePool {
        SqlitePool {
            inner: Arc::clone(&self.pool),
        }
    }

    /// Whether another task is waiting for a connection of this pool.
    fn others_queued(&self) -> bool {
        self.pool.queued.load(Ordering::SeqCst) > 0
    }

    /// Commits the transaction that earlier writes left open on this connection, if
    /// any (see [`SqliteTransaction::begin_write`]).
    pub(super) fn commit_open_group(&self) -> Result<(), DbErr> {
        self.lock().commit_open()
    }

    /// Runs `work` on this connection where `placement` says.
    pub(super) async fn run<T: Send + 'static>(
        &self,
        placement: Placement,
        work: impl FnOnce(&rusqlite::Connection) -> rusqlite::Result<T> + Send + 'static,
        failed: fn(rusqlite::Error) -> DbErr,
    ) -> Result<T, DbErr> {
        if placement == Placement::Blocking {
            let conn = Arc::clone(self.shared());
            tokio::task::spawn_blocking(move || work(&lock(&conn).sqlite).map_err(failed))
                .await
                .map_err(|err| connection_error(format!("an SQLite statement failed: {err}")))?
        } else {
            work(&self.lock().sqlite).map_err(failed)
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
            let conn = self.lock();
            match rows::query_within(&conn.sqlite, &statement, limit, INLINE_BUDGET) {
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

    /// Transaction control (BEGIN, COMMIT, ROLLBACK).
    pub(super) fn control(&self, sql: &str) -> Result<(), DbErr> {
        self.lock().control(sql)
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
        // Only a connection that nothing else holds goes back, and only outside any
        // transaction or with one that waiting writes left open for the next write.
        // Otherwise it is closed when its last holder lets go: closing rolls back
        // whatever it had open, and tells the writes waiting for it (their group is
        // dropped with it).
        if Arc::strong_count(&conn) == 1 {
            let reusable = {
                let conn = lock(&conn);
                conn.sqlite.is_autocommit() || conn.holds_waiting_writes()
            };
            if reusable {
                self.pool.idle_connections().push(conn);
            }
        }
    }
}

/// What a transaction is, which decides how it begins and ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// `BEGIN`: every statement reads one snapshot.
    Read,
    /// `BEGIN IMMEDIATE` and a COMMIT of its own: bulk writes, whose length would
    /// hold a group's COMMIT back.
    WriteAlone,
    /// A write in the writer's transaction, committed with the writes next to it (see
    /// [`group_commit`](super::group_commit)): the write that begins the transaction,
    /// whose failure rolls back the whole of it (nothing else is in it yet), or one that
    /// joins it as a savepoint. A savepoint is not free (SQLite keeps a copy of each
    /// page as the write first changes it), so the first write goes without.
    GroupedWrite { savepoint: bool },
}

/// A transaction on one pooled connection. Dropped without [`commit`](Self::commit),
/// it rolls back.
pub(crate) struct SqliteTransaction {
    conn: PooledConnection,
    placement: Placement,
    kind: Kind,
    open: bool,
}

impl SqliteTransaction {
    /// A read transaction: a plain `BEGIN` reads one snapshot from its first statement
    /// on.
    pub(crate) async fn begin_read(pool: &SqlitePool) -> Result<Self, DbErr> {
        let conn = pool.acquire().await?;
        conn.control("BEGIN")?;
        Ok(Self {
            conn,
            placement: Placement::Inline,
            kind: Kind::Read,
            open: true,
        })
    }

    /// A write transaction on the writer. It holds the write lock from its start
    /// (`BEGIN IMMEDIATE`), so one that reads before it writes never fails with
    /// "database is locked" halfway. A write run on the caller's task joins the
    /// transaction that earlier writes left open for it, as a savepoint; a bulk write
    /// (on the blocking pool) first commits that transaction, then runs alone.
    pub(crate) async fn begin_write(
        pool: &SqlitePool,
        placement: Placement,
    ) -> Result<Self, DbErr> {
        let conn = pool.acquire().await?;
        let kind = {
            let mut writer = conn.lock();
            let grouped = placement == Placement::Inline && writer.group.has_room();
            if !grouped || writer.sqlite.is_autocommit() {
                // Errors here are the earlier writes' and were told to them.
                let _ = writer.commit_open();
            }
            let begins = writer.sqlite.is_autocommit();
            if begins {
                writer.control("BEGIN IMMEDIATE")?;
            }
            if grouped && begins {
                Kind::GroupedWrite { savepoint: false }
            } else if grouped {
                if let Err(err) = writer.control(SAVEPOINT) {
                    // A transaction holding earlier writes stays for their COMMIT.
                    if !writer.holds_waiting_writes() {
                        let _ = writer.control("ROLLBACK");
                    }
                    return Err(err);
                }
                Kind::GroupedWrite { savepoint: true }
            } else {
                Kind::WriteAlone
            }
        };
        Ok(Self {
            conn,
            placement,
            kind,
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

    /// Commits, reporting a failed COMMIT (nothing of the transaction then stays). A
    /// grouped write returns once the COMMIT that holds its work has ended.
    pub(crate) async fn commit(mut self) -> Result<(), DbErr> {
        let Kind::GroupedWrite { savepoint } = self.kind else {
            self.conn.lock().commit()?;
            self.open = false;
            return Ok(());
        };
        let pool = self.conn.pool();
        let told = {
            let mut writer = self.conn.lock();
            if savepoint {
                // A failed RELEASE leaves the write open: dropping it rolls it back.
                writer.control(RELEASE)?;
            }
            self.open = false;
            if self.conn.others_queued() && writer.group.has_room() {
                writer.group.join()
            } else {
                return writer.commit_open();
            }
        };
        // The connection goes back to the pool with the transaction open, for the write
        // queued next.
        drop(self);
        wait_for_group(pool, told).await
    }
}

/// Waits for the COMMIT of the transaction a write left open. Should the write it was
/// left to never take the writer (its request went away while queued), the write
/// takes the writer itself after [`GROUP_STALL`] and commits what is open.
async fn wait_for_group(
    pool: SqlitePool,
    mut told: oneshot::Receiver<Outcome>,
) -> Result<(), DbErr> {
    loop {
        match tokio::time::timeout(GROUP_STALL, &mut told).await {
            Ok(Ok(outcome)) => return outcome.map_err(|message| exec_error_message(&message)),
            Ok(Err(_)) => return Err(exec_error_message(LOST)),
            Err(_) => {
                // This write's own outcome comes through `told` like the others'.
                let _ = pool.acquire().await?.commit_open_group();
            }
        }
    }
}

impl Drop for SqliteTransaction {
    fn drop(&mut self) {
        if !self.open || self.conn.busy_elsewhere() {
            return;
        }
        let mut conn = self.conn.lock();
        if self.kind != (Kind::GroupedWrite { savepoint: true }) {
            // The transaction is this one's alone (a write that began it has had the
            // writer ever since, so nobody joined it yet). A failed rollback leaves the
            // connection inside a transaction, so it is not returned to the pool (see
            // `PooledConnection::drop`).
            let _ = conn.control("ROLLBACK");
            return;
        }
        // Undo this write alone: the work of the writes before it stays for their COMMIT.
        let undone = conn
            .control(ROLLBACK_TO)
            .and_then(|()| conn.control(RELEASE));
        if undone.is_err() {
            // Whatever state the transaction is in, none of it can be trusted.
            conn.abandon();
        } else if !conn.holds_waiting_writes() {
            let _ = conn.control("ROLLBACK");
        } else if !self.conn.others_queued() {
            let _ = conn.commit_open();
        }
        // Otherwise the transaction stays open for the write queued next, which
        // commits it with its own.
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
            checkpoint_in_background: false,
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
        let tx = SqliteTransaction::begin_write(&pool, Placement::Inline)
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
        tx.commit().await.unwrap();
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
        let tx = SqliteTransaction::begin_write(&pool, Placement::Inline)
            .await
            .unwrap();
        // A deferred foreign key is checked at COMMIT, which then fails.
        tx.execute(statement(
            "INSERT INTO child (id, parent_id) VALUES (1, 99)",
        ))
        .await
        .unwrap();
        let err = tx.commit().await.unwrap_err();
        assert!(err.to_string().contains("FOREIGN KEY"), "{err}");
        assert_eq!(count(&pool, "child").await, 0);
        // The one connection went back to the pool outside any transaction.
        let tx = SqliteTransaction::begin_write(&pool, Placement::Inline)
            .await
            .unwrap();
        tx.execute(statement("INSERT INTO parent (id) VALUES (1)"))
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert_eq!(count(&pool, "parent").await, 1);
    }

    #[tokio::test]
    async fn a_dropped_transaction_rolls_back_wherever_it_ran() {
        let dir = tempfile::tempdir().unwrap();
        let pool = pool(&dir, 1, TABLE_T).await;
        for placement in [Placement::Inline, Placement::Blocking] {
            let tx = SqliteTransaction::begin_write(&pool, placement)
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
        let tx = SqliteTransaction::begin_write(&pool, Placement::Blocking)
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
        tx.commit().await.unwrap();
        assert_eq!(count(&pool, "t").await, 1000);
    }

    /// Another pool over the same file, to look at what the writer committed.
    fn readers(dir: &tempfile::TempDir) -> SqlitePool {
        SqlitePool::open(SqlitePoolOptions {
            path: dir.path().join("pool.db"),
            max_connections: 2,
            cache_mib: 2,
            checkpoint_in_background: false,
        })
        .unwrap()
    }

    async fn insert(tx: &SqliteTransaction, table: &str, id: i64) -> Result<(), DbErr> {
        tx.execute(statement(&format!(
            "INSERT INTO {table} (id) VALUES ({id})"
        )))
        .await
        .map(drop)
    }

    /// A writer over a new file holding `schema`, readers beside it, and a first
    /// write that inserted row 1 into `table` and still holds the writer.
    struct FirstWrite {
        _dir: tempfile::TempDir,
        writer: SqlitePool,
        readers: SqlitePool,
        first: SqliteTransaction,
    }

    async fn first_write(schema: &str, table: &str) -> FirstWrite {
        let dir = tempfile::tempdir().unwrap();
        let writer = pool(&dir, 1, schema).await;
        let readers = readers(&dir);
        let first = SqliteTransaction::begin_write(&writer, Placement::Inline)
            .await
            .unwrap();
        insert(&first, table, 1).await.unwrap();
        FirstWrite {
            _dir: dir,
            writer,
            readers,
            first,
        }
    }

    /// Starts a write on a task of its own, which queues behind the one holding the
    /// writer and then runs `work` in its transaction; returns once it is queued.
    async fn queued_write<W, F>(
        writer: &SqlitePool,
        placement: Placement,
        work: W,
    ) -> tokio::task::JoinHandle<Result<(), DbErr>>
    where
        W: FnOnce(SqliteTransaction) -> F + Send + 'static,
        F: std::future::Future<Output = Result<(), DbErr>> + Send,
    {
        let handle = tokio::spawn({
            let writer = writer.clone();
            async move { work(SqliteTransaction::begin_write(&writer, placement).await?).await }
        });
        until_queued(writer, 1).await;
        handle
    }

    /// A write on its own task, queued behind the one holding the writer: once it has
    /// the writer it inserts row 2 into `t`, says so, and commits when told to.
    struct HeldWrite {
        inserted: oneshot::Receiver<()>,
        finish: oneshot::Sender<()>,
        outcome: tokio::task::JoinHandle<Result<(), DbErr>>,
    }

    impl HeldWrite {
        async fn spawn(writer: &SqlitePool, placement: Placement) -> Self {
            let (say_inserted, inserted) = oneshot::channel();
            let (finish, may_finish) = oneshot::channel::<()>();
            let outcome = queued_write(writer, placement, |tx| async move {
                insert(&tx, "t", 2).await?;
                say_inserted.send(()).unwrap();
                may_finish.await.unwrap();
                tx.commit().await
            })
            .await;
            Self {
                inserted,
                finish,
                outcome,
            }
        }
    }

    /// Yields until `pool` has `tasks` tasks queued for a connection.
    async fn until_queued(pool: &SqlitePool, tasks: usize) {
        while pool.inner.queued.load(Ordering::SeqCst) != tasks {
            tokio::task::yield_now().await;
        }
    }

    /// Polls `future` once, without letting other tasks run.
    async fn poll_once<F: std::future::Future>(future: std::pin::Pin<&mut F>) {
        let mut future = Some(future);
        std::future::poll_fn(|cx| {
            let _ = future.take().expect("polled once").poll(cx);
            std::task::Poll::Ready(())
        })
        .await;
    }

    #[tokio::test]
    async fn a_write_queued_behind_another_shares_its_commit_and_neither_is_done_before_it() {
        let FirstWrite {
            _dir,
            writer,
            readers,
            first,
        } = first_write(TABLE_T, "t").await;

        let second = HeldWrite::spawn(&writer, Placement::Inline).await;
        let first_commit = tokio::spawn(first.commit());
        second.inserted.await.unwrap();

        assert_eq!(count(&readers, "t").await, 0, "nothing committed yet");
        assert!(
            !first_commit.is_finished(),
            "the first write was reported done before the COMMIT that holds it"
        );
        second.finish.send(()).unwrap();
        second.outcome.await.unwrap().unwrap();
        first_commit.await.unwrap().unwrap();
        assert_eq!(count(&readers, "t").await, 2);
    }

    #[tokio::test]
    async fn a_write_that_fails_in_a_group_undoes_only_its_own_work() {
        let FirstWrite {
            _dir,
            writer,
            readers,
            first,
        } = first_write(TABLE_T, "t").await;
        let second = queued_write(&writer, Placement::Inline, |tx| async move {
            insert(&tx, "t", 2).await?;
            // The row taken by the first write: refused, and this write gives up.
            insert(&tx, "t", 1).await
        })
        .await;
        first.commit().await.unwrap();
        let refused = second.await.unwrap().unwrap_err();
        assert!(refused.to_string().contains("UNIQUE"), "{refused}");
        assert_eq!(count(&readers, "t").await, 1, "only the first write's row");
    }

    #[tokio::test]
    async fn a_refused_commit_fails_every_write_that_shared_it() {
        let FirstWrite {
            _dir,
            writer,
            readers,
            first,
        } = first_write(
            "CREATE TABLE parent (id INTEGER PRIMARY KEY); \
             CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER \
               REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED)",
            "parent",
        )
        .await;
        let second = queued_write(&writer, Placement::Inline, |tx| async move {
            // A deferred key is checked at COMMIT, which then fails for the group.
            tx.execute(statement(
                "INSERT INTO child (id, parent_id) VALUES (1, 99)",
            ))
            .await?;
            tx.commit().await
        })
        .await;
        let first_outcome = first.commit().await;
        let second_outcome = second.await.unwrap();
        assert!(
            second_outcome
                .unwrap_err()
                .to_string()
                .contains("FOREIGN KEY")
        );
        let err = first_outcome.expect_err("the first write was in the refused COMMIT");
        assert!(err.to_string().contains("FOREIGN KEY"), "{err}");
        assert_eq!(count(&readers, "parent").await, 0);
        assert_eq!(count(&readers, "child").await, 0);
    }

    #[tokio::test]
    async fn a_write_whose_successor_went_away_commits_by_itself() {
        let FirstWrite {
            _dir,
            writer,
            readers,
            first,
        } = first_write(TABLE_T, "t").await;
        let second = queued_write(&writer, Placement::Inline, |tx| async move {
            insert(&tx, "t", 2).await?;
            tx.commit().await
        })
        .await;
        // The first write leaves the transaction open for the second, whose request
        // goes away before it takes the writer.
        let commit = first.commit();
        tokio::pin!(commit);
        poll_once(commit.as_mut()).await;
        second.abort();
        tokio::time::timeout(Duration::from_secs(10), commit)
            .await
            .expect("the first write waited forever for its COMMIT")
            .unwrap();
        assert!(second.await.unwrap_err().is_cancelled());
        assert_eq!(count(&readers, "t").await, 1);
    }

    #[tokio::test]
    async fn a_bulk_write_commits_the_group_it_finds_open_before_it_runs() {
        let FirstWrite {
            _dir,
            writer,
            readers,
            first,
        } = first_write(TABLE_T, "t").await;
        let bulk = HeldWrite::spawn(&writer, Placement::Blocking).await;
        first.commit().await.unwrap();
        bulk.inserted.await.unwrap();
        assert_eq!(
            count(&readers, "t").await,
            1,
            "the first write committed while the bulk write is open"
        );
        bulk.finish.send(()).unwrap();
        bulk.outcome.await.unwrap().unwrap();
        assert_eq!(count(&readers, "t").await, 2);
    }
}
