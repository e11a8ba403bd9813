//! Exports: every organization or user as rows of the bulk file's columns (see
//! `orgdesk_core::bulk`), read in one snapshot a page at a time, so memory stays bounded
//! whatever the number of organizations and the file is one moment's state.

use crate::fields::{FieldReader, show_fields};
use crate::organizations::list_organizations_on;
use crate::{App, PageRequest};
use orgdesk_core::bulk::{Column, RecordKind, field_cell};
use orgdesk_core::model::{Organization, User};
use orgdesk_core::{OrganizationId, Result, UserId};
use orgdesk_store::{Transaction, fields, organizations as orgs, usergroups, users};
use std::collections::HashMap;

/// Records read per statement.
const EXPORT_PAGE: i64 = 500;

/// How a file names an organization (a parent, a user's organization): its external id,
/// else its name.
fn organization_reference(organization: &Organization) -> String {
    organization
        .external_id
        .clone()
        .unwrap_or_else(|| organization.name.clone())
}

/// A user's cell for `column`. Usergroups are one per line: a name may hold commas.
fn user_cell(
    column: &Column,
    user: &User,
    organizations: &HashMap<OrganizationId, Organization>,
    usergroups: &HashMap<UserId, Vec<(i64, String)>>,
) -> String {
    match column {
        Column::ExternalId => user.external_id.clone().unwrap_or_default(),
        Column::Name => user.name.clone(),
        Column::Email => user.email.clone(),
        Column::Organization => user
            .organization
            .as_ref()
            .and_then(|o| organizations.get(&o.id))
            .map(organization_reference)
            .unwrap_or_default(),
        Column::Position => user.position.clone().unwrap_or_default(),
        Column::Manager => user.manager.to_string(),
        Column::Usergroups => usergroups
            .get(&user.id)
            .map(|groups| {
                groups
                    .iter()
                    .map(|(_, name)| name.as_str())
                    .collect::<Vec<_>>()
                    .join("\n")
            })
            .unwrap_or_default(),
        // Organizations' columns: not in a users file.
        _ => String::new(),
    }
}

/// An organization's cell for `column`.
fn organization_cell(
    column: &Column,
    organization: &Organization,
    parents: &HashMap<OrganizationId, Organization>,
) -> String {
    match column {
        Column::ExternalId => organization.external_id.clone().unwrap_or_default(),
        Column::Name => organization.name.clone(),
        // The parent's external id names it best; its name otherwise.
        Column::Parent => organization
            .parent_id
            .and_then(|id| parents.get(&id))
            .map(organization_reference)
            .unwrap_or_default(),
        Column::Domains => organization.domains.join(" "),
        Column::Summary => organization.summary.clone().unwrap_or_default(),
        Column::Contact(kind) => organization
            .contacts
            .iter()
            .filter(|contact| contact.kind == *kind)
            .map(|contact| contact.value.as_str())
            .collect::<Vec<_>>()
            .join("\n"),
        Column::Field(key) => organization
            .fields
            .iter()
            .find(|field| field.key == *key)
            .map(|field| field_cell(&field.value))
            .unwrap_or_default(),
        // Users' columns: not in an organizations file.
        _ => String::new(),
    }
}

/// An export under way: its snapshot and where it has got. Each call of
/// [`Export::next_rows`] reads one page, so a caller streams the file at the pace it
/// writes it.
pub struct Export {
    reads: Option<Transaction>,
    kind: RecordKind,
    columns: Vec<Column>,
    header_sent: bool,
    /// Where the next page starts: the organizations' cursor, the last user's id.
    organizations_cursor: Option<String>,
    users_after: i64,
    done: bool,
    /// Records written so far.
    pub written: u64,
}

impl Export {
    /// The next rows of the file (the header row first), or `None` at the end, when
    /// the snapshot has been let go.
    pub async fn next_rows(&mut self) -> Result<Option<Vec<Vec<String>>>> {
        if !self.header_sent {
            self.header_sent = true;
            return Ok(Some(vec![
                self.columns
                    .iter()
                    .map(|c| c.header().into_owned())
                    .collect(),
            ]));
        }
        if self.done {
            if let Some(reads) = self.reads.take() {
                orgdesk_store::finish_read(reads).await?;
            }
            return Ok(None);
        }
        let rows = match self.kind {
            RecordKind::Organizations => self.organizations_page().await?,
            RecordKind::Users => self.users_page().await?,
        };
        self.written += rows.len() as u64;
        if rows.is_empty() {
            return Box::pin(self.next_rows()).await;
        }
        Ok(Some(rows))
    }

    fn reads(&self) -> &Transaction {
        self.reads
            .as_ref()
            .expect("the snapshot is held until the end")
    }

    async fn organizations_page(&mut self) -> Result<Vec<Vec<String>>> {
        let page = PageRequest {
            limit: Some(EXPORT_PAGE),
            cursor: self.organizations_cursor.take(),
        };
        let reads = self.reads();
        let mut found = list_organizations_on(reads, None, None, None, Vec::new(), &page).await?;
        show_fields(reads, &FieldReader::Everything, &mut found.items).await?;
        let mut parent_ids: Vec<OrganizationId> =
            found.items.iter().filter_map(|o| o.parent_id).collect();
        parent_ids.sort_by_key(|id| id.0);
        parent_ids.dedup();
        let parents: HashMap<OrganizationId, Organization> = orgs::get_many(reads, &parent_ids)
            .await?
            .into_iter()
            .map(|parent| (parent.id, parent))
            .collect();
        let rows = found
            .items
            .iter()
            .map(|organization| {
                self.columns
                    .iter()
                    .map(|column| organization_cell(column, organization, &parents))
                    .collect()
            })
            .collect();
        match found.next_cursor {
            Some(next) => self.organizations_cursor = Some(next),
            None => self.done = true,
        }
        Ok(rows)
    }

    async fn users_page(&mut self) -> Result<Vec<Vec<String>>> {
        let reads = self.reads();
        let found = users::list(
            reads,
            &users::UserFilter::default(),
            self.users_after,
            EXPORT_PAGE as u64,
        )
        .await?;
        let last_page = found.len() < EXPORT_PAGE as usize;
        let mut organization_ids: Vec<OrganizationId> = found
            .iter()
            .filter_map(|u| u.organization.as_ref().map(|o| o.id))
            .collect();
        organization_ids.sort_by_key(|id| id.0);
        organization_ids.dedup();
        let organizations: HashMap<OrganizationId, Organization> =
            orgs::get_many(reads, &organization_ids)
                .await?
                .into_iter()
                .map(|o| (o.id, o))
                .collect();
        let ids: Vec<UserId> = found.iter().map(|u| u.id).collect();
        let groups = usergroups::direct_of(reads, &ids).await?;
        let rows = found
            .iter()
            .map(|user| {
                self.columns
                    .iter()
                    .map(|column| user_cell(column, user, &organizations, &groups))
                    .collect()
            })
            .collect();
        if let Some(last) = found.last() {
            self.users_after = last.id.0;
        }
        self.done = last_page;
        Ok(rows)
    }
}

impl App {
    /// Starts an export of every organization (in name order; custom fields that are
    /// not retired follow the fixed columns) or every user (in id order), read in one
    /// snapshot: the whole file is one moment's state, on either engine.
    pub async fn export(&self, kind: RecordKind) -> Result<Export> {
        let reads = self.store().begin_read().await?;
        let mut columns: Vec<Column> = kind.columns().to_vec();
        if kind == RecordKind::Organizations {
            columns.extend(
                fields::list_definitions(&reads)
                    .await?
                    .into_iter()
                    .filter(|field| !field.retired)
                    .map(|field| Column::Field(field.key)),
            );
        }
        Ok(Export {
            reads: Some(reads),
            kind,
            columns,
            header_sent: false,
            organizations_cursor: None,
            users_after: 0,
            done: false,
            written: 0,
        })
    }
}
