//! HTTP integration tests: the real router on a real database, on the engine chosen by
//! `ORGDESK_TEST_DATABASE_URL` (unset: SQLite; `postgres://…`: PostgreSQL).

mod api;
mod binary;
mod browser;
mod import;
mod openapi;
mod pages;
