//! One SQLite snapshot for all the reads of one request.
//!
//! A web request reads in several places: the token's holder when it authenticates,
//! then the use case's own statements. Each read transaction costs SQLite a lock and an
//! unlock of its WAL read mark (a mutex shared by every connection to the file and, as
//! often as not, a `fcntl` system call), and on a point read that was a third of the
//! request's database time. Inside [`one_snapshot`], the first read on an SQLite
//! store's read pool begins a read transaction that every later read of the same task
//! joins — plain statements on [`crate::Store::reader`], [`crate::Store::reads`] and
//! [`crate::Store::begin_read`] alike — until the work ends or something begins to
//! write ([`close`]): from then on the task reads as it would outside the scope, one
//! transaction per read, so it sees what it wrote.
//!
//! Nothing here holds a second reader while the first is held: every read of the task
//! goes through the one snapshot, so a request needs one connection, not one per read.
//! The web layer wraps requests without a body (GET, HEAD) in it, so no snapshot is
//! held while a client sends a body. PostgreSQL reads are untouched.

use crate::sqlite::{SqlitePool, SqliteTransaction};
use sea_orm::DbErr;
use std::cell::RefCell;
use std::future::Future;
use std::sync::Arc;

tokio::task_local! {
    static SLOT: RefCell<Slot>;
}

enum Slot {
    /// No read yet.
    Open,
    /// The snapshot the task's reads on `pool` join.
    Holding {
        pool: SqlitePool,
        snapshot: Arc<SqliteTransaction>,
    },
    /// The task began to write: its reads run as outside the scope.
    Closed,
}

/// Runs `work` with one snapshot for its reads (see the module's documentation).
pub async fn one_snapshot<F: Future>(work: F) -> F::Output {
    SLOT.scope(RefCell::new(Slot::Open), work).await
}

/// The snapshot the current task's reads on `pool` join, begun by the first of them;
/// `None` outside [`one_snapshot`], after [`close`], or for another pool.
pub(crate) async fn joined(pool: &SqlitePool) -> Result<Option<Arc<SqliteTransaction>>, DbErr> {
    let held = SLOT.try_with(|slot| match &*slot.borrow() {
        Slot::Open => Some(None),
        Slot::Holding {
            pool: held,
            snapshot,
        } if held.same_as(pool) => Some(Some(Arc::clone(snapshot))),
        Slot::Holding { .. } | Slot::Closed => None,
    });
    match held {
        Ok(Some(Some(snapshot))) => Ok(Some(snapshot)),
        Ok(Some(None)) => {
            let snapshot = Arc::new(SqliteTransaction::begin_read(pool).await?);
            SLOT.with(|slot| {
                let mut slot = slot.borrow_mut();
                // Unless a write began meanwhile (a future of the same task), the
                // task's later reads join this snapshot.
                if matches!(*slot, Slot::Open) {
                    *slot = Slot::Holding {
                        pool: pool.clone(),
                        snapshot: Arc::clone(&snapshot),
                    };
                }
            });
            Ok(Some(snapshot))
        }
        Ok(None) | Err(_) => Ok(None),
    }
}

/// Ends the current task's snapshot, if it has one, before it writes: what it reads
/// afterwards must see its own writes.
pub(crate) fn close() {
    // Taken out first and dropped after: ending the snapshot runs its ROLLBACK.
    let ended = SLOT.try_with(|slot| slot.replace(Slot::Closed));
    drop(ended);
}

#[cfg(test)]
mod tests {
    use super::one_snapshot;
    use crate::sqlite::{SqlitePool, SqlitePoolOptions};
    use crate::{Pool, Store};
    use sea_orm::{ConnectionTrait, DbBackend, Statement};
    use std::time::Duration;

    /// A store over a new file holding table `t` with one row, whose read pool has
    /// `readers` connections.
    async fn store(dir: &tempfile::TempDir, readers: usize) -> Store {
        let open = |max_connections| {
            SqlitePool::open(SqlitePoolOptions {
                path: dir.path().join("snapshot.db"),
                max_connections,
                cache_mib: 2,
                checkpoint_in_background: false,
            })
            .unwrap()
        };
        let write = Pool::sqlite(open(1));
        let read = Pool::sqlite(open(readers));
        let store = Store { read, write };
        let tx = store.begin_write().await.unwrap();
        tx.execute_unprepared(
            "CREATE TABLE t (id INTEGER PRIMARY KEY); INSERT INTO t (id) VALUES (1)",
        )
        .await
        .unwrap();
        crate::commit(tx).await.unwrap();
        store
    }

    async fn rows_in_t(conn: &impl ConnectionTrait) -> i64 {
        let statement = Statement::from_string(DbBackend::Sqlite, "SELECT COUNT(*) AS n FROM t");
        let row = conn.query_one_raw(statement).await.unwrap().unwrap();
        row.try_get::<i64>("", "n").unwrap()
    }

    async fn add_row(store: &Store, id: i64) {
        let tx = store.begin_write().await.unwrap();
        tx.execute_unprepared(&format!("INSERT INTO t (id) VALUES ({id})"))
            .await
            .unwrap();
        crate::commit(tx).await.unwrap();
    }

    #[tokio::test]
    async fn the_reads_of_one_request_see_one_state_of_the_database() {
        let dir = tempfile::tempdir().unwrap();
        let store = store(&dir, 4).await;
        one_snapshot(async {
            assert_eq!(rows_in_t(store.reader()).await, 1);
            // Another request (another task) writes meanwhile.
            let other = store.clone();
            tokio::spawn(async move { add_row(&other, 2).await })
                .await
                .unwrap();
            assert_eq!(rows_in_t(&store.reads().await.unwrap()).await, 1);
            assert_eq!(rows_in_t(&store.begin_read().await.unwrap()).await, 1);
            assert_eq!(rows_in_t(store.reader()).await, 1);
        })
        .await;
        assert_eq!(
            rows_in_t(store.reader()).await,
            2,
            "the snapshot ended with the request"
        );
    }

    #[tokio::test]
    async fn a_request_reads_what_it_wrote_once_it_began_to_write() {
        let dir = tempfile::tempdir().unwrap();
        let store = store(&dir, 4).await;
        one_snapshot(async {
            assert_eq!(rows_in_t(store.reader()).await, 1);
            add_row(&store, 2).await;
            assert_eq!(rows_in_t(store.reader()).await, 2);
            assert_eq!(rows_in_t(&store.reads().await.unwrap()).await, 2);
            add_row(&store, 3).await;
            assert_eq!(rows_in_t(&store.begin_read().await.unwrap()).await, 3);
        })
        .await;
    }

    #[tokio::test]
    async fn every_read_of_a_request_shares_one_connection() {
        let dir = tempfile::tempdir().unwrap();
        // One reader: a read that wanted a second connection would wait forever.
        let store = store(&dir, 1).await;
        let reads_nested = one_snapshot(async {
            let reads = store.reads().await.unwrap();
            let read = store.begin_read().await.unwrap();
            rows_in_t(store.reader()).await + rows_in_t(&reads).await + rows_in_t(&read).await
        });
        let rows = tokio::time::timeout(Duration::from_secs(10), reads_nested)
            .await
            .expect("a read of the request waited for a second connection");
        assert_eq!(rows, 3);
    }
}
