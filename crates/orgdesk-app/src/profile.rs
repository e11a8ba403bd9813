//! The organization profile as the agent app shows it, read in one snapshot with a
//! fixed number of statements whatever the organization's size: the organization (with
//! domains and usergroup links), its ancestors' names, a page of children, of members
//! and of tickets, and its linked usergroups.

use crate::fields::{FieldReader, show_fields_with_definitions};
use crate::members::list_users_on;
use crate::organizations::list_organizations_on;
use crate::tickets::{OrganizationTicketQuery, organization_filter, tickets_page_on};
use crate::{App, PageRequest};
use orgdesk_core::entitlement::Entitlement;
use orgdesk_core::fields::FieldDefinition;
use orgdesk_core::hierarchy::ChainLink;
use orgdesk_core::model::{Agent, Organization, Page, Ticket, User, Usergroup};
use orgdesk_core::{Entity, Error, OrganizationId, Result};
use orgdesk_store::{organizations as orgs, usergroups};

/// What the profile asks of each list.
#[derive(Debug, Clone, Default)]
pub struct ProfileRequest {
    pub children: PageRequest,
    pub members: PageRequest,
    /// `Some(true)`: managers only.
    pub members_manager: Option<bool>,
    pub tickets: OrganizationTicketQuery,
    pub tickets_page: PageRequest,
    pub entitlements: PageRequest,
}

#[derive(Debug)]
pub struct OrganizationProfile {
    pub organization: Organization,
    /// From the root down to the parent.
    pub ancestors: Vec<ChainLink>,
    pub children: Page<Organization>,
    pub members: Page<User>,
    /// The tickets page, or why its filters were refused (the rest of the profile
    /// stands either way).
    pub tickets: std::result::Result<Page<Ticket>, Error>,
    pub usergroups: Vec<Usergroup>,
    /// The custom fields the viewer may see (values in `organization.fields`).
    pub fields: Vec<FieldDefinition>,
    /// Active today first.
    pub entitlements: Page<Entitlement>,
}

fn empty<T>() -> Page<T> {
    Page {
        items: Vec::new(),
        next_cursor: None,
    }
}

impl App {
    /// One organization's profile (404 when it does not exist).
    pub async fn organization_profile(
        &self,
        viewer: &Agent,
        id: OrganizationId,
        request: &ProfileRequest,
    ) -> Result<OrganizationProfile> {
        let read = self.store().begin_read().await?;
        let mut organization = orgs::find(&read, id)
            .await?
            .ok_or_else(|| Error::not_found(Entity::Organization, id))?;
        let reader = FieldReader::Agent(viewer.clone());
        let fields = show_fields_with_definitions(&read, &reader, &mut organization).await?;
        // The chain starts with the organization itself; a cycle (never stored) ends it.
        let mut seen = std::collections::HashSet::new();
        let mut ancestors: Vec<ChainLink> = orgs::chain(&read, id)
            .await?
            .into_iter()
            .take_while(|link| seen.insert(link.id))
            .skip(1)
            .collect();
        ancestors.reverse();
        let children = list_organizations_on(
            &read,
            None,
            Some(Some(id)),
            None,
            Vec::new(),
            &request.children,
        )
        .await?;
        let members = if organization.member_count == 0 {
            request.members.limit()?;
            empty()
        } else {
            list_users_on(
                &read,
                None,
                Some(id),
                request.members_manager,
                &request.members,
            )
            .await?
        };
        let tickets = match organization_filter(id, &request.tickets) {
            Ok(filter) => match tickets_page_on(&read, &filter, &request.tickets_page).await {
                Err(err @ Error::Validation { .. }) => Err(err),
                other => Ok(other?),
            },
            Err(err) => Err(err),
        };
        let usergroups = usergroups::get_many(&read, &organization.usergroup_ids).await?;
        let entitlements =
            crate::entitlements::entitlements_page_on(&read, id, &request.entitlements).await?;
        orgdesk_store::finish_read(read).await?;
        Ok(OrganizationProfile {
            organization,
            ancestors,
            children,
            members,
            tickets,
            usergroups,
            fields,
            entitlements,
        })
    }
}
