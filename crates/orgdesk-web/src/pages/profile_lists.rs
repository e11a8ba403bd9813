//! The lists on the organization profile — children, members, tickets — each a page of
//! its own: the profile's address carries each list's filters and cursor, so "Next"
//! pages one section and keeps the others where they were.

use super::render::listed;
use super::render::{query_escape, refusal_text};
use super::tickets::status_text;
use orgdesk_app::core::model::{Organization, Page, Ticket};
use orgdesk_app::core::{Error, OrganizationId};
use orgdesk_app::{OrganizationTicketQuery, PageRequest};
use serde::Deserialize;

/// Rows of each list shown on the profile at a time.
pub const SECTION_ROWS: i64 = 20;

/// The profile's address: each list's filters and cursor.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct ProfileQuery {
    /// `managers` shows only the organization's managers.
    #[serde(default)]
    pub members: String,
    pub members_cursor: Option<String>,
    pub children_cursor: Option<String>,
    /// A ticket status, or blank for any.
    #[serde(default)]
    pub status: String,
    /// `1`: the subsidiaries' tickets too.
    #[serde(default)]
    pub subsidiaries: String,
    /// `1`: only tickets requested by a manager of the ticket's organization.
    #[serde(default)]
    pub by_manager: String,
    /// Words of the tickets' subjects, replies and notes.
    #[serde(default)]
    pub q: String,
    pub tickets_cursor: Option<String>,
    pub entitlements_cursor: Option<String>,
}

/// Which list's cursor an address moves.
#[derive(Clone, Copy)]
pub enum Section {
    Members,
    Children,
    Tickets,
    Entitlements,
}

impl ProfileQuery {
    pub fn managers_only(&self) -> bool {
        self.members == "managers"
    }

    pub fn with_subsidiaries(&self) -> bool {
        self.subsidiaries == "1"
    }

    pub fn by_manager_only(&self) -> bool {
        self.by_manager == "1"
    }

    fn cursor(&self, section: Section) -> Option<String> {
        match section {
            Section::Members => self.members_cursor.clone(),
            Section::Children => self.children_cursor.clone(),
            Section::Tickets => self.tickets_cursor.clone(),
            Section::Entitlements => self.entitlements_cursor.clone(),
        }
        .filter(|c| !c.is_empty())
    }

    /// The profile of `id` with these filters, and `section` at `cursor` (the first
    /// page when `None`); the anchor brings the browser back to that section.
    pub fn address(&self, id: i64, section: Section, cursor: Option<&str>) -> String {
        let mut query = self.clone();
        match section {
            Section::Members => query.members_cursor = cursor.map(str::to_owned),
            Section::Children => query.children_cursor = cursor.map(str::to_owned),
            Section::Tickets => query.tickets_cursor = cursor.map(str::to_owned),
            Section::Entitlements => query.entitlements_cursor = cursor.map(str::to_owned),
        }
        let pairs = [
            ("members", Some(query.members)),
            ("members_cursor", query.members_cursor),
            ("children_cursor", query.children_cursor),
            ("status", Some(query.status)),
            ("subsidiaries", Some(query.subsidiaries)),
            ("by_manager", Some(query.by_manager)),
            ("q", Some(query.q)),
            ("tickets_cursor", query.tickets_cursor),
            ("entitlements_cursor", query.entitlements_cursor),
        ];
        let parts: Vec<String> = pairs
            .into_iter()
            .filter_map(|(key, value)| value.filter(|v| !v.is_empty()).map(|v| (key, v)))
            .map(|(key, value)| format!("{key}={}", query_escape(&value)))
            .collect();
        let anchor = match section {
            Section::Members => "members-heading",
            Section::Children => "hierarchy-heading",
            Section::Tickets => "tickets-heading",
            Section::Entitlements => "entitlements-heading",
        };
        if parts.is_empty() {
            format!("/agent/organizations/{id}#{anchor}")
        } else {
            format!("/agent/organizations/{id}?{}#{anchor}", parts.join("&"))
        }
    }

    /// The first rows of `section`, at this query's cursor.
    pub fn page(&self, section: Section) -> PageRequest {
        PageRequest {
            limit: Some(SECTION_ROWS),
            cursor: self.cursor(section),
        }
    }

    /// Whether `section` shows a later page than its first.
    pub fn paged(&self, section: Section) -> bool {
        self.cursor(section).is_some()
    }
}

/// A list's pager: where its first and next pages are.
pub struct Pager {
    pub first: Option<String>,
    pub next: Option<String>,
}

impl Pager {
    pub fn new(query: &ProfileQuery, id: i64, section: Section, next: Option<&str>) -> Self {
        Pager {
            first: query
                .paged(section)
                .then(|| query.address(id, section, None)),
            next: next.map(|cursor| query.address(id, section, Some(cursor))),
        }
    }
}

pub struct TicketRow {
    pub id: i64,
    pub subject: String,
    pub requester: String,
    pub organization: Option<String>,
    pub status: &'static str,
    pub status_text: String,
}

/// The tickets section: a page of rows, or the reason the filters were refused.
pub struct TicketsSection {
    pub rows: Vec<TicketRow>,
    pub pager: Pager,
    pub error: Option<String>,
}

/// The tickets section from the profile's read: a page of rows, or why the filters
/// were refused.
pub fn tickets_section(
    org: &Organization,
    query: &ProfileQuery,
    found: Result<Page<Ticket>, Error>,
) -> Result<TicketsSection, Error> {
    let (found, error) = listed(found, refusal_text)?;
    let own = org.id;
    Ok(TicketsSection {
        pager: Pager::new(query, own.0, Section::Tickets, found.next_cursor.as_deref()),
        rows: found
            .items
            .into_iter()
            .map(|ticket| ticket_row(ticket, own))
            .collect(),
        error,
    })
}

/// The ticket filters of the profile's address.
pub fn ticket_query(query: &ProfileQuery) -> OrganizationTicketQuery {
    OrganizationTicketQuery {
        include_descendants: query.with_subsidiaries(),
        status: Some(query.status.clone()).filter(|s| !s.is_empty()),
        q: Some(query.q.clone()),
        requester_manager: query.by_manager_only().then_some(true),
    }
}

/// A row; a subsidiary's ticket names the subsidiary.
fn ticket_row(ticket: Ticket, own: OrganizationId) -> TicketRow {
    TicketRow {
        id: ticket.id.0,
        organization: ticket.organization.filter(|o| o.id != own).map(|o| o.name),
        subject: ticket.subject,
        requester: ticket.requester.name,
        status: ticket.status.as_str(),
        status_text: status_text(ticket.status),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sections_next_page_keeps_the_other_lists_where_they_were() {
        let query = ProfileQuery {
            members: "managers".into(),
            status: "open".into(),
            tickets_cursor: Some("tickets:9".into()),
            ..Default::default()
        };
        assert_eq!(
            query.address(7, Section::Members, Some("members:3")),
            "/agent/organizations/7?members=managers&members_cursor=members%3A3&status=open&tickets_cursor=tickets%3A9#members-heading"
        );
        assert_eq!(
            query.address(7, Section::Tickets, None),
            "/agent/organizations/7?members=managers&status=open#tickets-heading"
        );
        assert_eq!(
            ProfileQuery::default().address(7, Section::Children, None),
            "/agent/organizations/7#hierarchy-heading"
        );
    }
}
