//! The migrations must build the same schema on both engines: same tables, same
//! columns with the same nullability, same unique indexes. Runs when
//! `ORGDESK_TEST_DATABASE_URL` names a PostgreSQL server (as CI does); with SQLite
//! alone there is nothing to compare against, which the test says on its output.

use orgdesk_store::dialect::TICKET_SEARCH_TABLE;
use orgdesk_store::{DatabaseUrl, Store};
use orgdesk_testkit::TestDb;
use sea_orm::{FromQueryResult, Statement};
use std::collections::BTreeMap;

/// table → (columns with nullability, unique indexes as column lists)
type Schema = BTreeMap<String, (BTreeMap<String, bool>, Vec<Vec<String>>)>;

#[derive(Debug, FromQueryResult)]
struct Name {
    name: String,
}

#[derive(Debug, FromQueryResult)]
struct SqliteColumn {
    name: String,
    notnull: i32,
    pk: i32,
}

#[derive(Debug, FromQueryResult)]
struct SqliteIndex {
    name: String,
    unique: i32,
    origin: String,
}

async fn rows<T: FromQueryResult>(store: &Store, sql: &str) -> Vec<T> {
    T::find_by_statement(Statement::from_string(store.backend(), sql))
        .all(store.reader())
        .await
        .expect(sql)
}

async fn sqlite_schema(store: &Store) -> Schema {
    let mut schema = Schema::new();
    let tables: Vec<Name> = rows(
        store,
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
    )
    .await;
    for table in tables {
        let columns: Vec<SqliteColumn> =
            rows(store, &format!("PRAGMA table_info(\"{}\")", table.name)).await;
        let columns = columns
            .into_iter()
            .map(|c| (c.name, c.notnull == 0 && c.pk == 0))
            .collect();
        let mut unique = Vec::new();
        let indexes: Vec<SqliteIndex> =
            rows(store, &format!("PRAGMA index_list(\"{}\")", table.name)).await;
        for index in indexes
            .into_iter()
            .filter(|i| i.unique == 1 && i.origin != "pk")
        {
            let cols: Vec<Name> = rows(
                store,
                &format!(
                    "SELECT name FROM pragma_index_info('{}') ORDER BY seqno",
                    index.name
                ),
            )
            .await;
            unique.push(cols.into_iter().map(|c| c.name).collect());
        }
        unique.sort();
        schema.insert(table.name, (columns, unique));
    }
    schema
}

async fn postgres_schema(store: &Store) -> Schema {
    #[derive(Debug, FromQueryResult)]
    struct Column {
        table_name: String,
        column_name: String,
        is_nullable: String,
    }
    #[derive(Debug, FromQueryResult)]
    struct Unique {
        table_name: String,
        columns: String,
    }
    let mut schema = Schema::new();
    let columns: Vec<Column> = rows(store, "SELECT table_name::text AS table_name, column_name::text AS column_name, is_nullable::text AS is_nullable FROM information_schema.columns WHERE table_schema = 'public'").await;
    for c in columns {
        schema
            .entry(c.table_name)
            .or_default()
            .0
            .insert(c.column_name, c.is_nullable == "YES");
    }
    let uniques: Vec<Unique> = rows(
        store,
        "SELECT t.relname::text AS table_name, string_agg(a.attname::text, ',' ORDER BY k.ord) AS columns \
         FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace \
         CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord) \
         JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum \
         WHERE n.nspname = 'public' AND i.indisunique AND NOT i.indisprimary GROUP BY i.indexrelid, t.relname",
    )
    .await;
    for u in uniques {
        schema
            .entry(u.table_name)
            .or_default()
            .1
            .push(u.columns.split(',').map(str::to_owned).collect());
    }
    for (_, unique) in schema.values_mut() {
        unique.sort();
    }
    schema
}

#[tokio::test]
async fn migrations_build_the_same_schema_on_sqlite_and_postgres() {
    let postgres = TestDb::new().await;
    if !postgres.is_postgres() {
        println!(
            "schema parity: ORGDESK_TEST_DATABASE_URL is not set; nothing to compare SQLite with"
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let sqlite = Store::connect(&DatabaseUrl::sqlite_file(&dir.path().join("parity.db")))
        .await
        .unwrap();
    sqlite.migrate().await.unwrap();
    let pg = Store::connect(postgres.url()).await.unwrap();
    pg.migrate().await.unwrap();

    let (mut sqlite_schema, mut postgres_schema) =
        (sqlite_schema(&sqlite).await, postgres_schema(&pg).await);
    // The full-text index is each engine's own by design (FTS5 and its shadow tables;
    // a table of tsvectors): it must exist on both, and is compared no further.
    for schema in [&mut sqlite_schema, &mut postgres_schema] {
        assert!(schema.contains_key(TICKET_SEARCH_TABLE), "{schema:?}");
        schema.retain(|table, _| !table.starts_with(TICKET_SEARCH_TABLE));
    }
    assert!(
        sqlite_schema.contains_key("organizations") && sqlite_schema.contains_key("users"),
        "{sqlite_schema:?}"
    );
    assert_eq!(sqlite_schema, postgres_schema);
    pg.close().await.unwrap();
}
