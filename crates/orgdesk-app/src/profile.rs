//! The organization profile as the agent app shows it, read with a fixed number of
//! statements whatever the organization's size: the organization (with domains and
//! usergroup links), its ancestors' names, a page of children, a page of members, its
//! linked usergroups. Its tickets come from [`App::tickets_of`], whose filters may be
//! refused on their own without failing the rest of the page.

use crate::tickets::OrganizationTicketQuery;
use crate::{App, PageRequest};
use orgdesk_core::hierarchy::ChainLink;
use orgdesk_core::model::{Organization, Page, Ticket, User, Usergroup};
use orgdesk_core::{Entity, Error, OrganizationId, Result};
use orgdesk_store::{organizations as orgs, usergroups};

/// What the profile asks of each list.
#[derive(Debug, Clone, Default)]
pub struct ProfileRequest {
    pub children: PageRequest,
    pub members: PageRequest,
    /// `Some(true)`: managers only.
    pub members_manager: Option<bool>,
}

#[derive(Debug, Clone)]
pub struct OrganizationProfile {
    pub organization: Organization,
    /// From the root down to the parent.
    pub ancestors: Vec<ChainLink>,
    pub children: Page<Organization>,
    pub members: Page<User>,
    pub usergroups: Vec<Usergroup>,
}

impl App {
    /// One organization's profile (404 when it does not exist).
    pub async fn organization_profile(
        &self,
        id: OrganizationId,
        request: &ProfileRequest,
    ) -> Result<OrganizationProfile> {
        let reader = self.store.reader();
        let organization = orgs::find(reader, id)
            .await?
            .ok_or_else(|| Error::not_found(Entity::Organization, id))?;
        // The chain starts with the organization itself; a cycle (never stored) ends it.
        let mut seen = std::collections::HashSet::new();
        let mut ancestors: Vec<ChainLink> = orgs::chain(reader, id)
            .await?
            .into_iter()
            .take_while(|link| seen.insert(link.id))
            .skip(1)
            .collect();
        ancestors.reverse();
        let children = self
            .list_organizations(None, Some(Some(id)), None, &request.children)
            .await?;
        let members = if organization.member_count == 0 {
            // Still checks the page request, as the list would.
            request.members.limit()?;
            Page {
                items: Vec::new(),
                next_cursor: None,
            }
        } else {
            self.list_users(None, Some(id), request.members_manager, &request.members)
                .await?
        };
        let usergroups = usergroups::get_many(reader, &organization.usergroup_ids).await?;
        Ok(OrganizationProfile {
            organization,
            ancestors,
            children,
            members,
            usergroups,
        })
    }

    /// The tickets of an organization already read (no second look-up), newest first.
    pub async fn tickets_of(
        &self,
        organization: &Organization,
        query: &OrganizationTicketQuery,
        page: &PageRequest,
    ) -> Result<Page<Ticket>> {
        let filter = crate::tickets::organization_filter(organization.id, query)?;
        self.tickets_page(&filter, page).await
    }
}
