//! Concurrent write transactions on SQLite's single writer share one COMMIT.
//!
//! A COMMIT costs far more than the statements of a small write: every page the
//! transaction dirtied goes to the WAL as a frame of its own (two system calls each),
//! and the WAL is later copied into the database page by page (see
//! [`checkpoint`](super::checkpoint)). Creating a user dirties about a dozen pages and spends three quarters of its time
//! committing them, and many of those pages are the same from one write to the next
//! (the tails of the users and events tables and their time indexes, the file header).
//!
//! So writes that run on the request's task (not bulk writes) are savepoints inside
//! the writer's transaction. When one finishes while another write is already queued
//! for the writer, it leaves the transaction open for that one and waits; the last of
//! such a run — nobody queued, or [`MAX_GROUP`] writes in — commits for all and tells
//! each the outcome. The guarantees stay those of one transaction per write:
//! - no write is reported done before the COMMIT that holds it succeeded, and a COMMIT
//!   that fails fails every write in it (nothing of them stays);
//! - a write that fails or is abandoned rolls back to its savepoint: the others' work
//!   is untouched;
//! - writes still run one at a time on the one connection, in the order they took it,
//!   each seeing the ones before it, exactly as if each had committed alone: the
//!   single writer stays the lock that orders them (the hierarchy's too);
//! - no constraint is checked at COMMIT (the schema declares no deferred key), so one
//!   write's fault cannot fail another's COMMIT.
//!
//! A write that left the transaction open waits at most [`GROUP_STALL`] for the one it
//! left it to (that one's request may have gone away before taking the writer); then it
//! takes the writer itself and commits.

use std::time::Duration;
use tokio::sync::oneshot;

/// Writes that may share one COMMIT: bounds how long the first of them waits for it
/// (writes of single rows take tens of microseconds each).
pub(super) const MAX_GROUP: usize = 32;

/// How long a write waits for its group's COMMIT before it sees to it itself.
pub(super) const GROUP_STALL: Duration = Duration::from_millis(5);

/// The savepoint a grouped write runs in.
pub(super) const SAVEPOINT: &str = "SAVEPOINT grouped_write";
pub(super) const RELEASE: &str = "RELEASE grouped_write";
pub(super) const ROLLBACK_TO: &str = "ROLLBACK TO grouped_write";

/// How a group's COMMIT ended, as told to each write in it.
pub(super) type Outcome = Result<(), String>;

/// The writes whose work sits in a connection's open transaction, waiting for its
/// COMMIT. Empty whenever the connection is outside a transaction. Dropped with its
/// connection (a connection closed with a transaction open rolls it back), which tells
/// every waiting write that its work was lost.
#[derive(Default)]
pub(super) struct CommitGroup {
    waiting: Vec<oneshot::Sender<Outcome>>,
}

impl CommitGroup {
    pub(super) fn is_empty(&self) -> bool {
        self.waiting.is_empty()
    }

    /// Whether one more write may leave its work for a later COMMIT.
    pub(super) fn has_room(&self) -> bool {
        self.waiting.len() + 1 < MAX_GROUP
    }

    /// Adds a write that leaves its work in the transaction; it learns the outcome of
    /// the COMMIT that ends it from the receiver.
    pub(super) fn join(&mut self) -> oneshot::Receiver<Outcome> {
        let (tell, told) = oneshot::channel();
        self.waiting.push(tell);
        told
    }

    /// Tells every waiting write how the transaction ended, and empties the group.
    pub(super) fn settle(&mut self, outcome: &Outcome) {
        for write in self.waiting.drain(..) {
            // A write whose request went away no longer listens; its work is settled
            // all the same.
            let _ = write.send(outcome.clone());
        }
    }
}

/// The message a write gets when its group's transaction ended without a COMMIT.
pub(super) const LOST: &str = "the write was rolled back with the transaction it shared (its connection failed before the COMMIT)";
