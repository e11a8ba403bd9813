//! Name keys follow the look-alike rule (`orgdesk_core::lookalike`): NFKC, invisible
//! characters dropped, spaces collapsed. Keys were `lower(trim(name))` before, which no
//! SQL function of either engine can recompute, so this migration recomputes them in
//! Rust, a batch of rows at a time, writing only the keys that change.
//!
//! Two organizations (or usergroups) whose names were look-alikes would now share a
//! key, which the unique index refuses: the first to hold it (the one already stored
//! under it, else the older) keeps it, the other keeps its old key (its name stays
//! reachable and editable; renaming it applies the rule), and the migration says so in
//! the log instead of failing the upgrade.

use crate::sql;
use orgdesk_core::text::name_key;
use sea_orm::{ConnectionTrait, DbErr, FromQueryResult};
use sea_orm_migration::prelude::*;
use std::collections::HashSet;

pub(crate) struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0005_lookalike_name_keys"
    }
}

const BATCH: i64 = 5_000;

#[derive(FromQueryResult)]
struct Named {
    id: i64,
    name: String,
    name_key: String,
}

/// Rewrites `table.name_key` from `table.name`. With `unique`, a key already held by
/// another row is left as it was.
async fn recompute<C: ConnectionTrait>(conn: &C, table: &str, unique: bool) -> Result<(), DbErr> {
    let mut taken: HashSet<String> = HashSet::new();
    if unique {
        let keys: Vec<sql::Scalar<String>> = sql::all(
            conn,
            &format!("SELECT name_key AS value FROM {table}"),
            vec![],
        )
        .await?;
        taken.extend(keys.into_iter().map(|row| row.value));
    }
    let mut after = 0_i64;
    loop {
        let rows: Vec<Named> = sql::all(
            conn,
            &format!("SELECT id, name, name_key FROM {table} WHERE id > $1 ORDER BY id LIMIT $2"),
            vec![after.into(), BATCH.into()],
        )
        .await?;
        let Some(last) = rows.last() else {
            return Ok(());
        };
        after = last.id;
        for row in rows {
            let key = name_key(&row.name);
            if key == row.name_key {
                continue;
            }
            if unique && !taken.insert(key.clone()) {
                tracing::warn!(
                    table,
                    id = row.id,
                    name = row.name,
                    "name looks like another's; its old key is kept until it is renamed"
                );
                continue;
            }
            sql::execute(
                conn,
                &format!("UPDATE {table} SET name_key = $1 WHERE id = $2"),
                vec![key.into(), row.id.into()],
            )
            .await?;
            if unique {
                taken.remove(&row.name_key);
            }
        }
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let conn = manager.get_connection();
        recompute(conn, "organizations", true).await?;
        recompute(conn, "usergroups", true).await?;
        recompute(conn, "users", false).await
    }
}
