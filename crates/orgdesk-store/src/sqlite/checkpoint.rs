//! Checkpoints of the write-ahead log, off the write path.
//!
//! SQLite's own rule (`wal_autocheckpoint`) makes the COMMIT that takes the log past a
//! thousand pages copy them all into the database before it returns: with the writer
//! held and on the request's thread, several milliseconds every few hundred writes, and
//! more than half of all the time writes spent committing. The writer's connection
//! instead only notes how large the log has grown after each COMMIT (a WAL hook), and
//! past [`CHECKPOINT_PAGES`] wakes a task that checkpoints on a reader connection on the
//! blocking pool while writes go on (SQLite's PASSIVE mode never blocks the writer).
//!
//! A log that never stops growing would be the price of checkpoints that run beside
//! the writes: SQLite starts the log over only when a write begins after a checkpoint
//! copied all of it, which never happens while writes keep coming. So each round ends
//! with the writer held for a last short pass over what arrived meanwhile; the next
//! write then starts the log from its beginning.

use super::Placement;
use super::pool::{PooledConnection, SqlitePool};
use std::cell::Cell;
use std::ffi::c_int;
use std::sync::Arc;
use tokio::sync::Notify;

/// Pages in the log past which a checkpoint round starts: ten times SQLite's default
/// for its own automatic checkpoints (about 40 MiB of log). A round copies each page
/// once however often the log holds it, and writes keep returning to the same pages
/// (a table's last leaf, an organization's row, busy index leaves), so a longer log
/// copies far fewer pages per write: users created one per request went ~20 % faster
/// than with 1,000 (BENCHMARKS.md). Readers find a page in a longer log through the
/// log's hash index, a few probes more.
pub(super) const CHECKPOINT_PAGES: c_int = 10_000;

/// Passes made beside the writes before the last one with the writer held: each copies
/// what arrived during the one before, so they get shorter.
const PASSES_BESIDE_WRITES: usize = 3;

thread_local! {
    /// The log's size in pages after the last COMMIT on this thread, from the hook.
    static LOG_PAGES: Cell<c_int> = const { Cell::new(0) };
}

/// The writer's WAL hook: SQLite calls it on the committing thread, inside COMMIT.
pub(super) fn note_log_size(_: &rusqlite::hooks::Wal, pages: c_int) -> rusqlite::Result<()> {
    LOG_PAGES.set(pages);
    Ok(())
}

/// Whether the COMMIT that just ran on this thread left the log large enough for a
/// checkpoint round.
pub(super) fn log_wants_checkpoint() -> bool {
    LOG_PAGES.replace(0) >= CHECKPOINT_PAGES
}

/// Runs checkpoint rounds for `writer`'s database each time its commits ask for one,
/// until the writer's pool is gone or closed.
pub(crate) fn start(writer: &SqlitePool, readers: SqlitePool) {
    let wanted = writer.checkpoint_wanted();
    let writer = writer.downgrade();
    tokio::spawn(async move {
        loop {
            wanted.notified().await;
            let Some(writer) = writer.upgrade() else {
                return;
            };
            if let Err(err) = round(&writer, &readers).await {
                // The store is closing (a command finishing): nothing failed.
                if writer.is_closed() || readers.is_closed() {
                    return;
                }
                tracing::warn!(error = %err, "a checkpoint of the SQLite log failed; the next commit retries");
            }
        }
    });
}

async fn round(writer: &SqlitePool, readers: &SqlitePool) -> Result<(), sea_orm::DbErr> {
    for _ in 0..PASSES_BESIDE_WRITES {
        let (log, copied) = passive_checkpoint(readers).await?;
        if log - copied < CHECKPOINT_PAGES / 4 {
            break;
        }
    }
    let held = writer.acquire().await?;
    // A write may have left its group's transaction open for this task (it waits for
    // the writer like a write): commit it first, as a bulk write would.
    let _ = held.commit_open_group();
    passive_checkpoint_on(&held).await?;
    Ok(())
}

/// One PASSIVE checkpoint on a reader: the log's size and the pages copied so far.
async fn passive_checkpoint(readers: &SqlitePool) -> Result<(c_int, c_int), sea_orm::DbErr> {
    passive_checkpoint_on(&readers.acquire().await?).await
}

async fn passive_checkpoint_on(conn: &PooledConnection) -> Result<(c_int, c_int), sea_orm::DbErr> {
    conn.run(
        Placement::Blocking,
        |conn| {
            conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |row| {
                Ok((row.get(1)?, row.get(2)?))
            })
        },
        super::exec_error,
    )
    .await
}

/// The signal a writer pool's commits give when the log wants a checkpoint.
pub(super) type CheckpointWanted = Arc<Notify>;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sqlite::{SqlitePoolOptions, SqliteTransaction};
    use sea_orm::{DbBackend, Statement};

    fn pool(dir: &tempfile::TempDir, max_connections: usize, writer: bool) -> SqlitePool {
        SqlitePool::open(SqlitePoolOptions {
            path: dir.path().join("log.db"),
            max_connections,
            cache_mib: 2,
            checkpoint_in_background: writer,
        })
        .unwrap()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_log_starts_over_while_writes_keep_coming() {
        let dir = tempfile::tempdir().unwrap();
        let writer = pool(&dir, 1, true);
        let readers = pool(&dir, 2, false);
        start(&writer, readers.clone());
        let write = |sql: &'static str| {
            let writer = writer.clone();
            async move {
                let tx = SqliteTransaction::begin_write(&writer, Placement::Inline)
                    .await
                    .unwrap();
                tx.execute(Statement::from_string(DbBackend::Sqlite, sql))
                    .await
                    .unwrap();
                tx.commit().await.unwrap();
            }
        };
        write("CREATE TABLE t (id INTEGER PRIMARY KEY, body BLOB)").await;
        // Each write adds a page of its own to the log. The log has started over when
        // its header's salts change (SQLite draws new ones each time it writes the log
        // from its beginning again); the rounds run at the machine's pace, so the writes
        // go on until that is seen, up to far more than a round needs.
        let first_salts = log_salts(&dir);
        const MOST_WRITES: usize = 60_000;
        let mut writes = 0;
        while writes < MOST_WRITES && log_salts(&dir) == first_salts {
            for _ in 0..100 {
                write("INSERT INTO t (body) VALUES (zeroblob(3000))").await;
            }
            writes += 100;
        }
        assert_ne!(
            log_salts(&dir),
            first_salts,
            "the log never started over in {writes} writes"
        );
        let conn = readers.acquire().await.unwrap();
        let rows = conn
            .query_one(
                Placement::Inline,
                Statement::from_string(DbBackend::Sqlite, "SELECT COUNT(*) AS n FROM t"),
            )
            .await
            .unwrap()
            .unwrap();
        assert_eq!(rows.try_get::<i64>("", "n").unwrap(), writes as i64);
    }

    /// The two salts in the log's header (bytes 16–23), which SQLite draws anew each
    /// time it starts writing the log from its beginning.
    fn log_salts(dir: &tempfile::TempDir) -> [u8; 8] {
        use std::io::Read;
        let mut header = [0u8; 24];
        std::fs::File::open(dir.path().join("log.db-wal"))
            .unwrap()
            .read_exact(&mut header)
            .unwrap();
        header[16..24].try_into().unwrap()
    }
}
