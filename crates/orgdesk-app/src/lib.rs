//! The use cases of orgdesk. Each public method of [`App`] is one thing a person or an
//! integrator does; it validates input with `orgdesk-core`, runs in one transaction
//! where it writes, and records history. Adapters (HTTP API, pages, CLI) call these and
//! nothing below them.

mod auth;
mod cursor;
mod domains;
mod errors;
mod hierarchy;
mod history;
mod locking;
mod members;
mod organizations;
mod portal_tickets;
mod throttle;
mod tickets;
mod user_creation;
mod usergroups;
mod users;

pub use auth::{NewAgent, Principal};
pub use cursor::PageRequest;
pub use domains::{DomainAdded, DomainMatches, MatchedUsers};
pub use hierarchy::{ChildCandidate, ChildRef};
pub use members::MembershipChanges;
pub use organizations::{ContactInput, NewOrganization, OrganizationChanges};
pub use orgdesk_core as core;
pub use orgdesk_store::DatabaseUrl;
pub use portal_tickets::PortalScope;
pub use tickets::{NewMessage, NewTicket, OrganizationTicketQuery, TicketChanges, TicketQuery};
pub use user_creation::NewUser;
pub use users::{OwnProfileChanges, UserChanges};

use orgdesk_core::Result;
use orgdesk_store::Store;

/// The running application: storage plus settings. Cheap to clone.
#[derive(Clone, Debug)]
pub struct App {
    store: Store,
    sign_in: std::sync::Arc<throttle::SignInThrottle>,
}

impl App {
    /// Connects to the database and brings its schema up to date.
    pub async fn open(url: &DatabaseUrl) -> Result<Self> {
        let store = Store::connect(url).await.map_err(errors::internal)?;
        store.migrate().await.map_err(errors::internal)?;
        Ok(Self {
            store,
            sign_in: std::sync::Arc::new(throttle::SignInThrottle::new()),
        })
    }

    pub fn backend_name(&self) -> &'static str {
        match self.store.backend() {
            orgdesk_store::DbBackend::Postgres => "postgres",
            _ => "sqlite",
        }
    }

    pub async fn close(self) -> Result<()> {
        self.store.close().await.map_err(errors::internal)
    }
}

/// Milliseconds since the Unix epoch: how every timestamp is stored.
pub fn now_ms() -> i64 {
    let now = time::OffsetDateTime::now_utc();
    (now.unix_timestamp_nanos() / 1_000_000) as i64
}
