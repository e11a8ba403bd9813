//! Newtype identifiers, so an organization id can never be passed where a user id is meant.

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

id_type!(
    /// Identifies an organization.
    OrganizationId
);
id_type!(
    /// Identifies an end user (customer).
    UserId
);
id_type!(
    /// Identifies an agent (staff member).
    AgentId
);
id_type!(
    /// Identifies a ticket.
    TicketId
);
