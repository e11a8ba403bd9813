//! The migration that moves stored name keys to the look-alike rule, run on a database
//! holding keys made by the old rule (`lower(trim(name))`).

use orgdesk_store::{ConnectionTrait, Store};
use orgdesk_testkit::TestDb;
use sea_orm::{FromQueryResult, Statement};

#[derive(FromQueryResult)]
struct Key {
    name_key: String,
}

async fn key_of(store: &Store, table: &str, id: i64) -> String {
    Key::find_by_statement(Statement::from_string(
        store.backend(),
        format!("SELECT name_key FROM {table} WHERE id = {id}"),
    ))
    .one(store.reader())
    .await
    .unwrap()
    .unwrap()
    .name_key
}

#[tokio::test]
async fn old_keys_are_recomputed_and_a_look_alike_pair_keeps_the_first_holder() {
    let db = TestDb::new().await;
    let store = Store::connect(db.url()).await.unwrap();
    store.migrate().await.unwrap();
    let conn = store.reader();
    // Rows as the old rule keyed them, and the migration not yet run.
    for (id, name, old_key) in [
        (1, "Globex Holdings", "globex holdings"),
        (2, "Globex\u{00A0}Holdings", "globex\u{00A0}holdings"),
        (3, "Cafe\u{301} Crème", "cafe\u{301} crème"),
        (4, "ＡＣＭＥ", "ａｃｍｅ"),
    ] {
        conn.execute_raw(Statement::from_sql_and_values(
            store.backend(),
            "INSERT INTO organizations (id, name, name_key, created_at, updated_at) VALUES ($1, $2, $3, 0, 0)",
            [id.into(), name.into(), old_key.into()],
        ))
        .await
        .unwrap();
    }
    conn.execute_raw(Statement::from_sql_and_values(
        store.backend(),
        "INSERT INTO users (name, email, email_key, email_domain, name_key, created_at, updated_at) \
         VALUES ($1, 'zoe@example.org', 'zoe@example.org', 'example.org', $2, 0, 0)",
        ["Ｚｏë\u{200B}".into(), "ｚｏë\u{200B}".into()],
    ))
    .await
    .unwrap();
    conn.execute_unprepared(
        "DELETE FROM seaql_migrations WHERE version = 'm0005_lookalike_name_keys'",
    )
    .await
    .unwrap();

    store.migrate().await.unwrap();

    assert_eq!(key_of(&store, "organizations", 1).await, "globex holdings");
    assert_eq!(
        key_of(&store, "organizations", 2).await,
        "globex\u{00A0}holdings",
        "its look-alike already held the new key: the old one is kept"
    );
    assert_eq!(key_of(&store, "organizations", 3).await, "café crème");
    assert_eq!(key_of(&store, "organizations", 4).await, "acme");
    assert_eq!(key_of(&store, "users", 1).await, "zoë");
}
