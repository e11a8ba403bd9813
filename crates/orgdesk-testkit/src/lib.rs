//! Test support: a fresh database on the engine chosen by `ORGDESK_TEST_DATABASE_URL`
//! (unset: a temporary SQLite file; `postgres://…`: a new, uniquely named database on
//! that server, dropped afterwards), and the real router driven in process.

mod http;
mod s3;
mod smtp;

pub use http::{ADMIN_EMAIL, ADMIN_PASSWORD, Part, Response, TEST_CLIENT, TestApp, multipart_body};
pub use s3::{S3_SERVER_ENV, S3Server};
pub use smtp::{ReceivedMail, SMTP_PYTHON_ENV, SmtpServer};

use orgdesk_app::DatabaseUrl;
use sea_orm::{ConnectionTrait, Database};

/// Every file below `root`, as paths relative to it, sorted: what a store keeps on disk
/// (a blob store's folder, an S3 server's), staging files included.
pub fn files_under(root: &std::path::Path) -> Vec<String> {
    let mut found = Vec::new();
    let mut folders = vec![root.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).expect("read a folder") {
            let path = entry.expect("a folder entry").path();
            if path.is_dir() {
                folders.push(path);
            } else {
                found.push(
                    path.strip_prefix(root)
                        .expect("below the root")
                        .display()
                        .to_string(),
                );
            }
        }
    }
    found.sort();
    found
}

/// The variable naming the PostgreSQL server tests use.
pub const TEST_DATABASE_ENV: &str = "ORGDESK_TEST_DATABASE_URL";

/// A database that exists for one test.
pub struct TestDb {
    url: DatabaseUrl,
    _dir: Option<tempfile::TempDir>,
    postgres: Option<PostgresCleanup>,
}

struct PostgresCleanup {
    server_url: String,
    name: String,
}

impl TestDb {
    pub async fn new() -> Self {
        match std::env::var(TEST_DATABASE_ENV)
            .ok()
            .filter(|url| !url.trim().is_empty())
        {
            Some(server) if server.starts_with("postgres") => Self::postgres(server).await,
            Some(other) if other.starts_with("sqlite") => {
                panic!("{TEST_DATABASE_ENV}: leave it unset for SQLite (got {other})")
            }
            Some(other) => panic!("{TEST_DATABASE_ENV} must be a postgres:// URL (got {other})"),
            None => {
                let dir = tempfile::tempdir().expect("temporary directory");
                let url = DatabaseUrl::sqlite_file(&dir.path().join("orgdesk.db"));
                Self {
                    url,
                    _dir: Some(dir),
                    postgres: None,
                }
            }
        }
    }

    async fn postgres(server_url: String) -> Self {
        let name = format!("orgdesk_test_{}", uuid::Uuid::new_v4().simple());
        let admin = Database::connect(&server_url)
            .await
            .unwrap_or_else(|err| panic!("cannot reach PostgreSQL at {server_url}: {err}"));
        admin
            .execute_unprepared(&format!("CREATE DATABASE {name}"))
            .await
            .expect("create test database");
        admin.close().await.ok();
        let url = DatabaseUrl::parse(&replace_database(&server_url, &name)).expect("postgres url");
        Self {
            url,
            _dir: None,
            postgres: Some(PostgresCleanup { server_url, name }),
        }
    }

    pub fn url(&self) -> &DatabaseUrl {
        &self.url
    }

    pub fn is_postgres(&self) -> bool {
        self.postgres.is_some()
    }

    /// Runs one SQL statement on the database directly, for what no interface can do
    /// (ageing a token past its expiry, say). Returns the rows it changed.
    pub async fn execute(&self, sql: &str) -> u64 {
        let store = self.store().await;
        let changed = store
            .reader()
            .execute_unprepared(sql)
            .await
            .unwrap_or_else(|err| panic!("{sql}: {err}"))
            .rows_affected();
        store.close().await.ok();
        changed
    }

    /// The first column of the first row of a query, as a number.
    pub async fn number(&self, sql: &str) -> i64 {
        self.first_value(sql).await
    }

    /// The first column of the first row of a query, as text.
    pub async fn text(&self, sql: &str) -> String {
        self.first_value(sql).await
    }

    async fn first_value<T: sea_orm::TryGetable>(&self, sql: &str) -> T {
        let store = self.store().await;
        let row = store
            .reader()
            .query_one_raw(sea_orm::Statement::from_string(store.backend(), sql))
            .await
            .unwrap_or_else(|err| panic!("{sql}: {err}"))
            .unwrap_or_else(|| panic!("{sql}: no row"));
        let value = row
            .try_get_by_index(0)
            .unwrap_or_else(|err| panic!("{sql}: {err:?}"));
        store.close().await.ok();
        value
    }

    /// orgdesk's own connections to this database (the engine's driver as the server
    /// uses it).
    async fn store(&self) -> orgdesk_store::Store {
        orgdesk_store::Store::connect(&self.url)
            .await
            .expect("connect to the test database")
    }
}

/// `postgres://u@h:p/old?x` → `postgres://u@h:p/NEW?x`.
fn replace_database(server_url: &str, name: &str) -> String {
    let (base, query) = match server_url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (server_url, None),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let host_part = match base[scheme_end..].find('/') {
        Some(slash) => &base[..scheme_end + slash],
        None => base,
    };
    match query {
        Some(query) => format!("{host_part}/{name}?{query}"),
        None => format!("{host_part}/{name}"),
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Some(cleanup) = self.postgres.take() else {
            return;
        };
        // Drop runs outside async context: use a private runtime on a plain thread.
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async {
                if let Ok(admin) = Database::connect(&cleanup.server_url).await {
                    let _ = admin
                        .execute_unprepared(&format!(
                            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                            cleanup.name
                        ))
                        .await;
                    let _ = admin.close().await;
                }
            });
        })
        .join();
    }
}

#[cfg(test)]
mod tests {
    use super::replace_database;

    #[test]
    fn replaces_only_the_database_name() {
        assert_eq!(
            replace_database("postgres://postgres@127.0.0.1:5432/postgres", "t1"),
            "postgres://postgres@127.0.0.1:5432/t1"
        );
        assert_eq!(
            replace_database("postgres://u:p@h/db?sslmode=disable", "t1"),
            "postgres://u:p@h/t1?sslmode=disable"
        );
        assert_eq!(
            replace_database("postgres://u@h", "t1"),
            "postgres://u@h/t1"
        );
    }
}
