//! Creating, reading, changing and deleting organizations.

use crate::errors::unique_or_internal;
use crate::fields::{FieldInput, FieldReader, show_fields, show_fields_to_actor, write_values};
use crate::history::{Record, parent_moved, record_all};
use crate::locking::{Lockable, lock};
use crate::{App, PageRequest, now_ms};
use orgdesk_core::contact::check_contact_count;
use orgdesk_core::error::check_version;
use orgdesk_core::model::{Action, Actor, Agent, Change, Organization, Page};
use orgdesk_core::text::{EXTERNAL_ID_MAX_CHARS, SUMMARY_MAX_CHARS, optional_text, query_text};
use orgdesk_core::{Contact, EmailDomain, Entity, Error, OrganizationId, OrganizationName, Result};
use orgdesk_store::dialect::{UniqueKey, lock_hierarchy};
use orgdesk_store::organizations::{self as orgs, OrganizationFilter};
use orgdesk_store::{ConnectionTrait, StoreError, domains, users};
use serde_json::json;

/// A contact entry as it arrives, before validation.
#[derive(Debug, Clone)]
pub struct ContactInput {
    pub kind: String,
    pub label: Option<String>,
    pub value: String,
}

/// A stored contact detail as input again: to send back a list with one changed.
impl From<&Contact> for ContactInput {
    fn from(contact: &Contact) -> Self {
        ContactInput {
            kind: contact.kind.as_str().to_owned(),
            label: contact.label.clone(),
            value: contact.value.clone(),
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct NewOrganization {
    pub name: String,
    pub summary: Option<String>,
    pub parent_id: Option<OrganizationId>,
    pub contacts: Vec<ContactInput>,
    pub domains: Vec<String>,
    pub external_id: Option<String>,
    /// Custom field values by key.
    pub fields: FieldInput,
}

/// What to change; `None` leaves a field as it is, `Some(None)` clears it.
#[derive(Debug, Clone, Default)]
pub struct OrganizationChanges {
    pub name: Option<String>,
    pub summary: Option<Option<String>>,
    pub parent_id: Option<Option<OrganizationId>>,
    pub contacts: Option<Vec<ContactInput>>,
    pub external_id: Option<Option<String>>,
    /// Custom field values by key; `null` clears one, keys not sent stay as they are.
    pub fields: Option<FieldInput>,
    /// The version the caller last read; a mismatch refuses the change.
    pub expected_version: Option<i64>,
}

pub(crate) fn parse_contacts(inputs: &[ContactInput]) -> Result<Vec<Contact>> {
    check_contact_count(inputs.len())?;
    inputs
        .iter()
        .enumerate()
        .map(|(index, c)| Contact::parse(index, &c.kind, c.label.as_deref(), &c.value))
        .collect()
}

fn parse_external_id(input: Option<&str>) -> Result<Option<String>> {
    optional_text("external_id", input, EXTERNAL_ID_MAX_CHARS)
}

fn contacts_json(contacts: &[Contact]) -> serde_json::Value {
    serde_json::to_value(contacts).unwrap_or(serde_json::Value::Null)
}

/// A domain as an organization's own: valid, and not free mail unless forced.
pub(crate) fn parse_owned_domain(input: &str, force: bool) -> Result<EmailDomain> {
    let domain = EmailDomain::parse(input)?;
    if domain.is_free_mail() && !force {
        return Err(Error::validation(
            "domain",
            format!(
                "{domain} is a free mail provider shared by unrelated people; send \"force\": true to associate it anyway"
            ),
        ));
    }
    Ok(domain)
}

/// Refuses a name already used by an organization other than `except`.
pub(crate) async fn check_name_free<C: ConnectionTrait>(
    conn: &C,
    name: &OrganizationName,
    except: Option<OrganizationId>,
) -> Result<()> {
    match orgs::find_head_by_name_key(conn, name.key()).await? {
        Some(head) if Some(OrganizationId(head.id)) != except => {
            Err(Error::NameTaken { name: head.name })
        }
        _ => Ok(()),
    }
}

async fn check_external_id_free<C: ConnectionTrait>(
    conn: &C,
    external_id: Option<&str>,
    except: Option<OrganizationId>,
) -> Result<()> {
    let Some(external_id) = external_id else {
        return Ok(());
    };
    match orgs::find_head_by_external_id(conn, external_id).await? {
        Some(head) if Some(OrganizationId(head.id)) != except => Err(Error::ExternalIdTaken {
            account: "organization",
            external_id: external_id.to_owned(),
        }),
        _ => Ok(()),
    }
}

/// Refuses a domain that already belongs to an organization.
pub(crate) async fn check_domain_free<C: ConnectionTrait>(
    conn: &C,
    domain: &EmailDomain,
) -> Result<()> {
    match domains::owner(conn, domain.as_str()).await? {
        Some(owner) => Err(Error::DomainTaken {
            domain: domain.to_string(),
            organization: owner.name,
        }),
        None => Ok(()),
    }
}

/// Stores the association; a concurrent association of the same domain is refused by
/// the unique index and reported as taken.
pub(crate) async fn associate_domain<C: ConnectionTrait>(
    conn: &C,
    organization: OrganizationId,
    domain: &EmailDomain,
    at: i64,
) -> Result<()> {
    domains::insert(conn, organization, domain.as_str(), at)
        .await
        .map_err(|err| {
            unique_or_internal(err, UniqueKey::EmailDomain, || Error::DomainTaken {
                domain: domain.to_string(),
                organization: "another organization".into(),
            })
        })
}

fn map_write_error(err: StoreError, name: &str, external_id: Option<&str>) -> Error {
    match orgdesk_store::dialect::unique_violation(&err) {
        Some(UniqueKey::OrganizationName) => Error::NameTaken {
            name: name.to_owned(),
        },
        Some(UniqueKey::OrganizationExternalId) => Error::ExternalIdTaken {
            account: "organization",
            external_id: external_id.unwrap_or_default().to_owned(),
        },
        _ => err.into(),
    }
}

/// A new organization as history records it: a `created` event with every value set,
/// and `child_added` on its parent.
pub(crate) struct Created<'a> {
    pub id: OrganizationId,
    pub name: &'a str,
    pub summary: Option<&'a str>,
    pub parent: Option<OrganizationId>,
    pub contacts: &'a [Contact],
    pub domains: &'a [EmailDomain],
    pub external_id: Option<&'a str>,
    pub field_changes: Vec<Change>,
}

impl<'a> Created<'a> {
    pub(crate) fn records(self, actor: &'a Actor, at: i64) -> Vec<Record<'a>> {
        let mut changes = vec![Change::new("name", json!(null), self.name)];
        if let Some(summary) = self.summary {
            changes.push(Change::new("summary", json!(null), summary));
        }
        if let Some(parent) = self.parent {
            changes.push(Change::new("parent_id", json!(null), parent.0));
        }
        if !self.contacts.is_empty() {
            changes.push(Change::new(
                "contacts",
                json!([]),
                contacts_json(self.contacts),
            ));
        }
        if !self.domains.is_empty() {
            let list: Vec<&str> = self.domains.iter().map(EmailDomain::as_str).collect();
            changes.push(Change::new("domains", json!([]), json!(list)));
        }
        if let Some(external_id) = self.external_id {
            changes.push(Change::new("external_id", json!(null), external_id));
        }
        changes.extend(self.field_changes);
        let mut records = vec![Record {
            organization: self.id,
            actor,
            action: Action::Created,
            user: None,
            changes,
            at,
        }];
        if let Some(parent) = self.parent {
            records.push(Record {
                organization: parent,
                actor,
                action: Action::ChildAdded,
                user: None,
                changes: vec![Change::new("children", json!(null), self.id.0)],
                at,
            });
        }
        records
    }
}

impl App {
    pub(crate) async fn require_organization<C: ConnectionTrait>(
        &self,
        conn: &C,
        id: OrganizationId,
    ) -> Result<orgs::Head> {
        orgs::find_head(conn, id)
            .await?
            .ok_or_else(|| Error::not_found(Entity::Organization, id))
    }

    /// An organization referred to from a request body: a missing one is bad input.
    pub(crate) async fn require_referenced_organization<C: ConnectionTrait>(
        &self,
        conn: &C,
        field: &str,
        id: OrganizationId,
    ) -> Result<orgs::Head> {
        orgs::find_head(conn, id)
            .await?
            .ok_or_else(|| Error::validation(field, format!("organization {id} does not exist")))
    }

    pub async fn create_organization(
        &self,
        actor: &Actor,
        new: NewOrganization,
    ) -> Result<Organization> {
        let name = OrganizationName::parse(&new.name)?;
        let summary = optional_text("summary", new.summary.as_deref(), SUMMARY_MAX_CHARS)?;
        let contacts = parse_contacts(&new.contacts)?;
        let external_id = parse_external_id(new.external_id.as_deref())?;
        let mut domains_to_add = Vec::new();
        for input in &new.domains {
            let domain = parse_owned_domain(input, false)?;
            if !domains_to_add.contains(&domain) {
                domains_to_add.push(domain);
            }
        }
        let at = now_ms();

        let tx = self.store().begin_write().await?;
        check_name_free(&tx, &name, None).await?;
        check_external_id_free(&tx, external_id.as_deref(), None).await?;
        if let Some(parent) = new.parent_id {
            // The hierarchy lock keeps the parent's depth as read until the insert; the
            // row lock keeps the parent from being deleted meanwhile.
            lock_hierarchy(&tx).await?;
            lock(&tx, Lockable::Organization, parent.0).await?;
            self.require_referenced_organization(&tx, "parent_id", parent)
                .await?;
            let chain = orgs::chain(&tx, parent).await?;
            orgdesk_core::hierarchy::check_depth(chain.len())?;
        }
        for domain in &domains_to_add {
            check_domain_free(&tx, domain).await?;
        }
        let id = orgs::insert(
            &tx,
            &orgs::NewOrganizationRow {
                name: name.as_str(),
                name_key: name.key(),
                summary: summary.as_deref(),
                contacts: &contacts,
                parent_id: new.parent_id,
                external_id: external_id.as_deref(),
                at,
            },
        )
        .await
        .map_err(|err| map_write_error(err, name.as_str(), external_id.as_deref()))?;
        for domain in &domains_to_add {
            associate_domain(&tx, id, domain, at).await?;
        }
        let writer = match new.fields.is_empty() {
            true => None,
            false => Some(FieldReader::of_actor(&tx, actor).await?),
        };
        let field_changes = match &writer {
            Some(writer) => write_values(&tx, writer, id, &new.fields).await?,
            None => Vec::new(),
        };

        let created = Created {
            id,
            name: name.as_str(),
            summary: summary.as_deref(),
            parent: new.parent_id,
            contacts: &contacts,
            domains: &domains_to_add,
            external_id: external_id.as_deref(),
            field_changes,
        };
        record_all(&tx, created.records(actor, at)).await?;
        let mut organization = orgs::find(&tx, id)
            .await?
            .ok_or_else(|| Error::not_found(Entity::Organization, id))?;
        if let Some(writer) = &writer {
            show_fields(&tx, writer, std::slice::from_mut(&mut organization)).await?;
        }
        orgdesk_store::commit(tx).await?;
        Ok(organization)
    }

    /// One organization, with the custom field values `reader` may see.
    pub async fn get_organization(
        &self,
        reader: &Agent,
        id: OrganizationId,
    ) -> Result<Organization> {
        let reads = self.store().reads().await?;
        let mut organization = orgs::find(&reads, id)
            .await?
            .ok_or_else(|| Error::not_found(Entity::Organization, id))?;
        let reader = FieldReader::Agent(reader.clone());
        show_fields(&reads, &reader, std::slice::from_mut(&mut organization)).await?;
        Ok(organization)
    }

    /// One organization without its custom field values (for pages that show its name
    /// or check its version).
    pub async fn get_organization_without_fields(
        &self,
        id: OrganizationId,
    ) -> Result<Organization> {
        orgs::find(&self.store().reads().await?, id)
            .await?
            .ok_or_else(|| Error::not_found(Entity::Organization, id))
    }

    /// The names of the organizations with these ids that exist (a history page names the
    /// organizations its changes refer to).
    pub async fn organization_names(
        &self,
        ids: &[OrganizationId],
    ) -> Result<std::collections::HashMap<OrganizationId, String>> {
        Ok(orgs::get_many(self.store().reader(), ids)
            .await?
            .into_iter()
            .map(|org| (org.id, org.name))
            .collect())
    }

    /// The organization with exactly this name (names are unique in any letter case).
    pub async fn find_organization_by_name(&self, name: &str) -> Result<Option<Organization>> {
        let reader = &self.store().reads().await?;
        match orgs::find_head_by_name_key(reader, &orgdesk_core::text::name_key(name)).await? {
            Some(head) => Ok(orgs::find(reader, OrganizationId(head.id)).await?),
            None => Ok(None),
        }
    }

    /// Whether no organization exists yet (a fresh install, or a database the bench may
    /// fill).
    pub async fn has_no_organizations(&self) -> Result<bool> {
        let first = orgs::list(
            self.store().reader(),
            &OrganizationFilter::default(),
            None,
            1,
        )
        .await?;
        Ok(first.is_empty())
    }

    /// Organizations in name order, narrowed as `query` says, with the custom field
    /// values `reader` may see.
    pub async fn list_organizations(
        &self,
        reader: &Agent,
        query: &OrganizationQuery<'_>,
        page: &PageRequest,
    ) -> Result<Page<Organization>> {
        let reads = self.store().reads().await?;
        let reader = FieldReader::Agent(reader.clone());
        let mut fields = Vec::with_capacity(query.fields.len());
        for (key, value) in &query.fields {
            fields.push(App::field_filter(&reads, &reader, key, value).await?);
        }
        let mut page =
            list_organizations_on(&reads, query.q, query.parent, query.domain, fields, page)
                .await?;
        show_fields(&reads, &reader, &mut page.items).await?;
        Ok(page)
    }

    pub async fn update_organization(
        &self,
        actor: &Actor,
        id: OrganizationId,
        changes: OrganizationChanges,
    ) -> Result<Organization> {
        let new_name = changes
            .name
            .as_deref()
            .map(OrganizationName::parse)
            .transpose()?;
        let new_summary = changes
            .summary
            .as_ref()
            .map(|s| optional_text("summary", s.as_deref(), SUMMARY_MAX_CHARS))
            .transpose()?;
        let new_contacts = changes
            .contacts
            .as_deref()
            .map(parse_contacts)
            .transpose()?;
        let new_external_id = changes
            .external_id
            .as_ref()
            .map(|e| parse_external_id(e.as_deref()))
            .transpose()?;
        let at = now_ms();

        let tx = self.store().begin_write().await?;
        if changes.parent_id.is_some() {
            lock_hierarchy(&tx).await?;
        }
        lock(&tx, Lockable::Organization, id.0).await?;
        let current = orgs::find(&tx, id)
            .await?
            .ok_or_else(|| Error::not_found(Entity::Organization, id))?;
        check_version(changes.expected_version, current.version)?;

        let mut recorded = Vec::new();
        let mut name = OrganizationName::parse(&current.name)?;
        if let Some(new_name) = new_name
            && new_name.as_str() != current.name
        {
            check_name_free(&tx, &new_name, Some(id)).await?;
            recorded.push(Change::new(
                "name",
                current.name.as_str(),
                new_name.as_str(),
            ));
            name = new_name;
        }
        let mut summary = current.summary.clone();
        if let Some(new_summary) = new_summary
            && new_summary != current.summary
        {
            recorded.push(Change::new(
                "summary",
                current.summary.clone(),
                new_summary.clone(),
            ));
            summary = new_summary;
        }
        let mut contacts = current.contacts.clone();
        if let Some(new_contacts) = new_contacts
            && new_contacts != current.contacts
        {
            recorded.push(Change::new(
                "contacts",
                contacts_json(&current.contacts),
                contacts_json(&new_contacts),
            ));
            contacts = new_contacts;
        }
        let mut external_id = current.external_id.clone();
        if let Some(new_external_id) = new_external_id
            && new_external_id != current.external_id
        {
            check_external_id_free(&tx, new_external_id.as_deref(), Some(id)).await?;
            recorded.push(Change::new(
                "external_id",
                current.external_id.clone(),
                new_external_id.clone(),
            ));
            external_id = new_external_id;
        }
        let mut parent_id = current.parent_id;
        if let Some(new_parent) = changes.parent_id
            && new_parent != current.parent_id
        {
            if let Some(parent) = new_parent {
                self.require_referenced_organization(&tx, "parent_id", parent)
                    .await?;
                crate::hierarchy::check_placement(&tx, id, name.as_str(), parent).await?;
            }
            recorded.push(Change::new(
                "parent_id",
                current.parent_id.map(|p| p.0),
                new_parent.map(|p| p.0),
            ));
            parent_id = new_parent;
        }
        let writer = match &changes.fields {
            Some(input) => {
                let writer = FieldReader::of_actor(&tx, actor).await?;
                recorded.extend(write_values(&tx, &writer, id, input).await?);
                Some(writer)
            }
            None => None,
        };
        if recorded.is_empty() {
            let mut current = current;
            show_fields_to_actor(
                &tx,
                actor,
                writer.as_ref(),
                std::slice::from_mut(&mut current),
            )
            .await?;
            return Ok(current);
        }

        let written = orgs::update(
            &tx,
            id,
            current.version,
            &orgs::OrganizationUpdate {
                name: name.as_str(),
                name_key: name.key(),
                summary: summary.as_deref(),
                contacts: &contacts,
                parent_id,
                external_id: external_id.as_deref(),
                at,
            },
        )
        .await
        .map_err(|err| map_write_error(err, name.as_str(), external_id.as_deref()))?;
        if !written {
            let now = orgs::find_head(&tx, id)
                .await?
                .map(|h| h.version)
                .unwrap_or_default();
            return Err(Error::VersionConflict {
                expected: current.version,
                current: now,
            });
        }
        record_all(
            &tx,
            parent_moved(actor, id, current.parent_id, parent_id, recorded, at),
        )
        .await?;
        let mut organization = orgs::find(&tx, id)
            .await?
            .ok_or_else(|| Error::not_found(Entity::Organization, id))?;
        show_fields_to_actor(
            &tx,
            actor,
            writer.as_ref(),
            std::slice::from_mut(&mut organization),
        )
        .await?;
        orgdesk_store::commit(tx).await?;
        Ok(organization)
    }

    /// Deletes an organization. Its members become unaffiliated, its children top-level,
    /// its domains are released; the users and children themselves are kept, and the
    /// deletion is recorded on the organization and on each former child.
    pub async fn delete_organization(&self, by: &Agent, id: OrganizationId) -> Result<()> {
        crate::auth::require_admin(by, "delete organizations")?;
        let actor = &by.actor();
        let at = now_ms();
        // Every member leaves and every child is detached: as many as it has.
        let tx = self.store().begin_bulk_write().await?;
        lock_hierarchy(&tx).await?;
        lock(&tx, Lockable::Organization, id.0).await?;
        let current = orgs::find(&tx, id)
            .await?
            .ok_or_else(|| Error::not_found(Entity::Organization, id))?;
        let children = orgs::child_ids(&tx, id).await?;
        // Organizations before users: the lock order every writer follows.
        orgs::detach_children(&tx, id, at).await?;
        crate::history::members_left_with(&tx, id, actor, at).await?;
        let members =
            users::change_organization(&tx, users::Movers::MembersOf(id), None, None, false, at)
                .await?;
        // Every event of the deletion in one statement: one per former child, the
        // parent's, and the organization's own.
        let mut records: Vec<Record<'_>> = children
            .iter()
            .map(|(child, _)| Record {
                organization: *child,
                actor,
                action: Action::ParentDeleted,
                user: None,
                changes: vec![Change::new("parent_id", id.0, json!(null))],
                at,
            })
            .collect();
        if let Some(parent) = current.parent_id {
            records.push(Record {
                organization: parent,
                actor,
                action: Action::ChildRemoved,
                user: None,
                changes: vec![Change::new("children", id.0, json!(null))],
                at,
            });
        }
        let child_ids: Vec<i64> = children.iter().map(|(child, _)| child.0).collect();
        records.push(Record {
            organization: id,
            actor,
            action: Action::Deleted,
            user: None,
            changes: vec![
                Change::new("name", current.name.as_str(), json!(null)),
                Change::new("members", members as i64, 0),
                Change::new("children", json!(child_ids), json!([])),
                Change::new("domains", json!(current.domains), json!([])),
            ],
            at,
        });
        record_all(&tx, records).await?;
        // The files of its notes go once the deletion has committed.
        let blob_keys = orgdesk_store::notes::blob_keys_of_organization(&tx, id).await?;
        orgs::delete(&tx, id).await?;
        orgdesk_store::commit(tx).await?;
        self.delete_blobs_after_commit(&blob_keys).await;
        Ok(())
    }
}

/// How a list of organizations is narrowed.
#[derive(Debug, Clone, Default)]
pub struct OrganizationQuery<'a> {
    /// A name prefix, any letter case.
    pub q: Option<&'a str>,
    /// `Some(None)`: top-level organizations; `Some(Some(id))`: children of `id`.
    pub parent: Option<Option<OrganizationId>>,
    /// The organization owning this email domain.
    pub domain: Option<&'a str>,
    /// Organizations holding a value in each of these custom fields: (key, value as
    /// typed).
    pub fields: Vec<(&'a str, &'a str)>,
}

/// Organizations in name order, narrowed by a name prefix, a parent, a domain or a
/// custom field's (field, filter key), read on `conn`; without field values.
pub(crate) async fn list_organizations_on<C: ConnectionTrait>(
    conn: &C,
    q: Option<&str>,
    parent: Option<Option<OrganizationId>>,
    domain: Option<&str>,
    fields: Vec<(orgdesk_core::fields::FieldId, String)>,
    page: &PageRequest,
) -> Result<Page<Organization>> {
    let limit = page.limit()?;
    let after = page.position("organizations")?;
    let q = query_text("q", q)?;
    let domain = match query_text("domain", domain)? {
        Some(domain) => Some(EmailDomain::parse(domain)?.as_str().to_owned()),
        None => None,
    };
    let filter = OrganizationFilter {
        name_prefix: q.map(orgdesk_core::text::name_key),
        parent,
        domain,
        fields,
    };
    let rows = orgs::list(conn, &filter, after.as_deref(), limit + 1).await?;
    Ok(crate::cursor::page(rows, limit, "organizations", |org| {
        orgdesk_core::text::name_key(&org.name)
    }))
}
