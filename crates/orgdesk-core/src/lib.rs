//! The pure heart of orgdesk: the types and rules that do not depend on storage or
//! transport. Everything here is deterministic and tested without IO.

pub mod billing;
pub mod bulk;
pub mod contact;
pub mod day;
pub mod domain;
pub mod email;
pub mod entitlement;
pub mod error;
pub mod fields;
pub mod hierarchy;
pub mod ids;
pub mod lookalike;
pub mod mail;
pub mod model;
pub mod note;
pub mod search;
pub mod text;
pub mod ticket;
pub mod usergroup;

pub use contact::{Contact, ContactKind};
pub use domain::{DomainError, EmailDomain};
pub use email::EmailAddress;
pub use error::{Entity, Error, Internal, Result};
pub use ids::{AgentId, OrganizationId, TicketId, UserId};
pub use text::{OrganizationName, PersonName};
