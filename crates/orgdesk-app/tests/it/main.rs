//! Use cases run directly on a real database (the engine `ORGDESK_TEST_DATABASE_URL`
//! chooses): what has no HTTP route yet, and rules best checked below the API.

mod concurrency;
mod ticket_creation;
mod user_creation;
