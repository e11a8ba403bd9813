//! The migrations must build the same schema on both engines: same tables, same
//! columns with the same nullability, same indexes (unique or not) over the same
//! columns.
//!
//! Each engine's schema is compared with one reviewed description of it, the snapshot
//! `snapshots/schema_parity__schema.snap`: the SQLite run checks SQLite against it and
//! the PostgreSQL run (`ORGDESK_TEST_DATABASE_URL`, as CI sets) checks PostgreSQL against
//! it and against a freshly migrated SQLite database. So neither run can pass by having
//! nothing to compare, and a migration that changes the schema shows up as a snapshot
//! diff to review (`INSTA_UPDATE=always`).

use orgdesk_store::dialect::TICKET_SEARCH_TABLE;
use orgdesk_store::{DatabaseUrl, Store};
use orgdesk_testkit::TestDb;
use sea_orm::{FromQueryResult, Statement};
use std::collections::{BTreeMap, BTreeSet};

/// One index: unique or not, partial (over the rows a condition selects) or not, over
/// which columns in order.
type Index = (bool, bool, Vec<String>);

#[derive(Debug, Default, PartialEq, Eq)]
struct Table {
    /// column → nullable
    columns: BTreeMap<String, bool>,
    indexes: BTreeSet<Index>,
}

type Schema = BTreeMap<String, Table>;

/// The schema as reviewed text: one line per column and per index.
fn describe(schema: &Schema) -> String {
    let mut text = String::new();
    for (name, table) in schema {
        text.push_str(&format!("{name}\n"));
        for (column, nullable) in &table.columns {
            let null = if *nullable { "null" } else { "not null" };
            text.push_str(&format!("  column {column} {null}\n"));
        }
        for (unique, partial, columns) in &table.indexes {
            let kind = match (*unique, *partial) {
                (true, false) => "unique index",
                (true, true) => "partial unique index",
                (false, false) => "index",
                (false, true) => "partial index",
            };
            text.push_str(&format!("  {kind} ({})\n", columns.join(", ")));
        }
    }
    text
}

#[derive(Debug, FromQueryResult)]
struct Name {
    name: String,
}

#[derive(Debug, FromQueryResult)]
struct SqliteColumn {
    name: String,
    notnull: i64,
    pk: i64,
}

#[derive(Debug, FromQueryResult)]
struct SqliteIndex {
    name: String,
    unique: i64,
    origin: String,
    partial: i64,
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
        let mut indexes = BTreeSet::new();
        let listed: Vec<SqliteIndex> =
            rows(store, &format!("PRAGMA index_list(\"{}\")", table.name)).await;
        for index in listed.into_iter().filter(|i| i.origin != "pk") {
            let cols: Vec<Name> = rows(
                store,
                &format!(
                    "SELECT name FROM pragma_index_info('{}') ORDER BY seqno",
                    index.name
                ),
            )
            .await;
            indexes.insert((
                index.unique == 1,
                index.partial == 1,
                cols.into_iter().map(|c| c.name).collect(),
            ));
        }
        schema.insert(table.name, Table { columns, indexes });
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
    struct IndexRow {
        table_name: String,
        is_unique: bool,
        is_partial: bool,
        columns: String,
    }
    let mut schema = Schema::new();
    let columns: Vec<Column> = rows(store, "SELECT table_name::text AS table_name, column_name::text AS column_name, is_nullable::text AS is_nullable FROM information_schema.columns WHERE table_schema = 'public'").await;
    for c in columns {
        schema
            .entry(c.table_name)
            .or_default()
            .columns
            .insert(c.column_name, c.is_nullable == "YES");
    }
    let indexes: Vec<IndexRow> = rows(
        store,
        "SELECT t.relname::text AS table_name, i.indisunique AS is_unique, \
         i.indpred IS NOT NULL AS is_partial, \
         string_agg(a.attname::text, ',' ORDER BY k.ord) AS columns \
         FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace \
         CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord) \
         JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum \
         WHERE n.nspname = 'public' AND NOT i.indisprimary GROUP BY i.indexrelid, t.relname, i.indisunique, i.indpred",
    )
    .await;
    for index in indexes {
        schema.entry(index.table_name).or_default().indexes.insert((
            index.is_unique,
            index.is_partial,
            index.columns.split(',').map(str::to_owned).collect(),
        ));
    }
    schema
}

/// The full-text index is each engine's own by design (FTS5 and its shadow tables; a
/// table of tsvectors): it must exist, and is compared no further.
fn without_search_tables(mut schema: Schema) -> Schema {
    assert!(schema.contains_key(TICKET_SEARCH_TABLE), "{schema:?}");
    schema.retain(|table, _| !table.starts_with(TICKET_SEARCH_TABLE));
    assert!(
        schema.contains_key("organizations") && schema.contains_key("users"),
        "{schema:?}"
    );
    schema
}

async fn migrated_sqlite(dir: &tempfile::TempDir) -> Store {
    let sqlite = Store::connect(&DatabaseUrl::sqlite_file(&dir.path().join("parity.db")))
        .await
        .unwrap();
    sqlite.migrate().await.unwrap();
    sqlite
}

#[tokio::test]
async fn migrations_build_the_reviewed_schema_on_this_engine() {
    let dir = tempfile::tempdir().unwrap();
    let sqlite = without_search_tables(sqlite_schema(&migrated_sqlite(&dir).await).await);
    let db = TestDb::new().await;
    if db.is_postgres() {
        let pg = Store::connect(db.url()).await.unwrap();
        pg.migrate().await.unwrap();
        let postgres = without_search_tables(postgres_schema(&pg).await);
        pg.close().await.unwrap();
        // Side by side first, so a difference names both engines' views of it.
        assert_eq!(describe(&sqlite), describe(&postgres));
        insta::assert_snapshot!("schema", describe(&postgres));
    } else {
        insta::assert_snapshot!("schema", describe(&sqlite));
    }
}
