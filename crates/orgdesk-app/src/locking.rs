//! Locking the rows a write decides on, before reading them (see
//! `orgdesk_store::dialect` for why and in which order). A no-op on SQLite.

use orgdesk_core::Result;
use orgdesk_store::ConnectionTrait;
pub(crate) use orgdesk_store::dialect::Lockable;

pub(crate) async fn lock<C: ConnectionTrait>(conn: &C, kind: Lockable, id: i64) -> Result<()> {
    Ok(orgdesk_store::dialect::lock_row(conn, kind, id).await?)
}

pub(crate) async fn lock_all<C: ConnectionTrait>(
    conn: &C,
    kind: Lockable,
    ids: impl IntoIterator<Item = i64>,
) -> Result<()> {
    let ids: Vec<i64> = ids.into_iter().collect();
    Ok(orgdesk_store::dialect::lock_rows(conn, kind, &ids).await?)
}
