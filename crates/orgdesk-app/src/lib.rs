//! The use cases of orgdesk. Each public method of [`App`] is one thing a person or an
//! integrator does; it validates input with `orgdesk-core`, runs in one transaction
//! where it writes, and records history. Adapters (HTTP API, pages, CLI) call these and
//! nothing below them.

mod agents;
mod auth;
mod billing;
mod cursor;
mod domains;
mod entitlements;
mod errors;
mod export;
mod fields;
mod hierarchy;
mod history;
mod import;
mod invitations;
mod locking;
mod mail;
mod members;
mod notes;
mod organizations;
mod portal_tickets;
mod profile;
mod registration;
mod throttle;
mod tickets;
mod user_creation;
mod usergroups;
mod users;

pub use agents::{AgentChanges, NewAgent};
pub use auth::{IssuedToken, Principal};
pub use billing::{
    BillingRequest, ChargeChanges, NewCharge, NewTime, OrganizationBilling, TimeChanges,
};
pub use cursor::PageRequest;
pub use domains::{DomainAdded, DomainMatchGroup, DomainMatches, MatchedUsers};
pub use entitlements::{EntitlementChanges, NewEntitlement};
pub use export::Export;
pub use fields::{FieldChanges, FieldInput, FieldReader, NewField};
pub use hierarchy::{ChildCandidate, ChildRef};
pub use history::OrganizationHistory;
pub use import::{
    IMPORT_FILE_LIMIT_BYTES, ImportProgress, ImportReport, ImportStatus, ImportUpload,
    KEPT_PROBLEMS, LiveProgress, NoProgress,
};
pub use invitations::{INVITATION_LIFETIME, Invitation, PASSWORD_RESET_LIFETIME};
pub use mail::{MailSettings, MailTransport, MailWorker};
pub use members::MembershipChanges;
pub use notes::Uploads;
pub use organizations::{ContactInput, NewOrganization, OrganizationChanges, OrganizationQuery};
pub use orgdesk_blobs::{BlobLocation, BlobReader, BlobStore};
pub use orgdesk_core as core;
pub use orgdesk_store::{DatabaseUrl, one_snapshot};
pub use portal_tickets::PortalScope;
pub use profile::{OrganizationProfile, ProfileRequest};
pub use registration::{
    REGISTRATION_LIFETIME, Registration, RuntimeSettings, RuntimeSettingsChanges,
};
pub use tickets::{NewMessage, NewTicket, OrganizationTicketQuery, TicketChanges, TicketQuery};
pub use user_creation::NewUser;
pub use usergroups::UsergroupChanges;
pub use users::{OwnProfileChanges, UserChanges};

use orgdesk_core::Result;
use orgdesk_store::Store;
use std::time::Duration;

/// How the application behaves where an install may choose.
#[derive(Clone, Debug)]
pub struct Settings {
    /// How long a token (agent or portal) stays valid after it was last used.
    pub token_lifetime: Duration,
    /// Where files attached to notes are kept; without one, files are refused.
    pub blob_store: Option<BlobStore>,
    /// The largest file one may attach.
    pub upload_limit_bytes: u64,
    /// The sender of mail and where its links lead.
    pub mail: MailSettings,
}

impl Settings {
    pub const DEFAULT_TOKEN_LIFETIME: Duration = Duration::from_secs(30 * 24 * 60 * 60);
    pub const DEFAULT_UPLOAD_LIMIT_BYTES: u64 = 25 * 1024 * 1024;
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            token_lifetime: Self::DEFAULT_TOKEN_LIFETIME,
            blob_store: None,
            upload_limit_bytes: Self::DEFAULT_UPLOAD_LIMIT_BYTES,
            mail: MailSettings::default(),
        }
    }
}

/// The running application: storage plus settings. Cloning it is one reference count:
/// the web layer clones its state for every request.
#[derive(Clone, Debug)]
pub struct App(std::sync::Arc<Parts>);

#[derive(Debug)]
struct Parts {
    store: Store,
    settings: Settings,
    throttle: std::sync::Arc<throttle::Throttle>,
    running_imports: std::sync::Arc<import::RunningImports>,
    /// Wakes the mail worker when a committed change queued mail.
    mail_queued: std::sync::Arc<tokio::sync::Notify>,
}

impl App {
    /// Connects to the database and brings its schema up to date, with default settings.
    pub async fn open(url: &DatabaseUrl) -> Result<Self> {
        let store = Store::connect(url).await?;
        store.migrate().await?;
        Ok(Self(std::sync::Arc::new(Parts {
            store,
            settings: Settings::default(),
            throttle: std::sync::Arc::new(throttle::Throttle::new()),
            running_imports: Default::default(),
            mail_queued: Default::default(),
        })))
    }

    /// The same application (its storage and sign-in throttle) with other settings.
    pub fn with_settings(self, settings: Settings) -> Self {
        Self(std::sync::Arc::new(Parts {
            store: self.0.store.clone(),
            settings,
            throttle: self.0.throttle.clone(),
            running_imports: self.0.running_imports.clone(),
            mail_queued: self.0.mail_queued.clone(),
        }))
    }

    pub fn settings(&self) -> &Settings {
        &self.0.settings
    }

    fn store(&self) -> &Store {
        &self.0.store
    }

    fn throttle(&self) -> &throttle::Throttle {
        &self.0.throttle
    }

    fn running_imports(&self) -> &import::RunningImports {
        &self.0.running_imports
    }

    pub fn backend_name(&self) -> &'static str {
        match self.store().backend() {
            orgdesk_store::DbBackend::Postgres => "postgres",
            _ => "sqlite",
        }
    }

    pub async fn close(self) -> Result<()> {
        Ok(self.store().close().await?)
    }
}

/// A duration in milliseconds, as timestamps are added to (saturating far beyond any
/// date, so a huge setting cannot overflow).
pub(crate) fn millis(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX / 2)
}

/// Milliseconds since the Unix epoch: how every timestamp is stored.
pub fn now_ms() -> i64 {
    let now = time::OffsetDateTime::now_utc();
    (now.unix_timestamp_nanos() / 1_000_000) as i64
}
