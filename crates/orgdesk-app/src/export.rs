//! Exports: every organization as rows of the bulk file's columns (see
//! `orgdesk_core::bulk`), read in one snapshot a page at a time, so memory stays bounded
//! whatever the number of organizations and the file is one moment's state.

use crate::fields::{FieldReader, show_fields};
use crate::organizations::list_organizations_on;
use crate::{App, PageRequest};
use orgdesk_core::bulk::{Column, RecordKind, field_cell};
use orgdesk_core::model::Organization;
use orgdesk_core::{OrganizationId, Result};
use orgdesk_store::{fields, organizations as orgs};
use std::collections::HashMap;

/// Organizations read per statement.
const EXPORT_PAGE: i64 = 500;

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
            .map(|parent| {
                parent
                    .external_id
                    .clone()
                    .unwrap_or_else(|| parent.name.clone())
            })
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

impl App {
    /// Every organization, in name order, as the header row and then one row each:
    /// `row` receives the cells. Custom fields that are not retired follow the fixed
    /// columns. Returns how many organizations were written.
    pub async fn export_organizations(
        &self,
        mut row: impl FnMut(Vec<String>) -> Result<()>,
    ) -> Result<u64> {
        // One read transaction: the whole file is one moment's state, on either engine.
        let reads = self.store().begin_read().await?;
        let mut columns: Vec<Column> = RecordKind::Organizations.columns().to_vec();
        columns.extend(
            fields::list_definitions(&reads)
                .await?
                .into_iter()
                .filter(|field| !field.retired)
                .map(|field| Column::Field(field.key)),
        );
        row(columns.iter().map(|c| c.header().into_owned()).collect())?;
        let mut written = 0;
        let mut cursor = None;
        loop {
            let page = PageRequest {
                limit: Some(EXPORT_PAGE),
                cursor,
            };
            let mut found =
                list_organizations_on(&reads, None, None, None, Vec::new(), &page).await?;
            show_fields(&reads, &FieldReader::Everything, &mut found.items).await?;
            let mut parent_ids: Vec<OrganizationId> =
                found.items.iter().filter_map(|o| o.parent_id).collect();
            parent_ids.sort_by_key(|id| id.0);
            parent_ids.dedup();
            let parents: HashMap<OrganizationId, Organization> =
                orgs::get_many(&reads, &parent_ids)
                    .await?
                    .into_iter()
                    .map(|parent| (parent.id, parent))
                    .collect();
            for organization in &found.items {
                row(columns
                    .iter()
                    .map(|column| organization_cell(column, organization, &parents))
                    .collect())?;
                written += 1;
            }
            match found.next_cursor {
                Some(next) => cursor = Some(next),
                None => break,
            }
        }
        orgdesk_store::finish_read(reads).await?;
        Ok(written)
    }
}
