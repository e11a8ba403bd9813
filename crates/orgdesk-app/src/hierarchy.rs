//! Parents, children and the rule that no organization is its own ancestor.
//!
//! Every parent change runs in a write transaction that first takes the hierarchy lock
//! and only then reads the proposed parent's ancestor chain, so two concurrent changes
//! (A under B, B under A) are checked one after the other and cannot both pass.

use crate::fields::{FieldReader, show_fields, show_fields_to_actor};
use crate::history::{parent_moved, record_all};
use crate::organizations::{NewOrganization, list_organizations_on};
use crate::{App, PageRequest, now_ms};
use orgdesk_core::hierarchy::{CandidateReason, check_new_parent, classify_child_candidate};
use orgdesk_core::model::{Actor, Agent, Change, Organization, Page};
use orgdesk_core::{Entity, Error, OrganizationId, OrganizationName, Result};
use orgdesk_store::ConnectionTrait;
use orgdesk_store::dialect::lock_hierarchy;
use orgdesk_store::organizations::{self as orgs, OrganizationFilter};

/// Refuses placing `child` (named `child_name`) under `parent` when that would close a
/// cycle or nest its subtree past the deepest level; a missing parent is 404. Both ways
/// of setting a parent (PATCH and adding a child) check here, under the hierarchy lock.
pub(crate) async fn check_placement<C: ConnectionTrait>(
    conn: &C,
    child: OrganizationId,
    child_name: &str,
    parent: OrganizationId,
) -> Result<()> {
    let chain = orgs::chain(conn, parent).await?;
    if chain.is_empty() {
        return Err(Error::not_found(Entity::Organization, parent));
    }
    let height = orgs::subtree_height(conn, child).await?;
    check_new_parent(child, child_name, &chain, height)
}

/// A child to attach: an existing organization, or one named (created when no
/// organization has that name).
#[derive(Debug, Clone)]
pub enum ChildRef {
    Existing(OrganizationId),
    Named(String),
}

/// An organization offered as a child, and why it cannot be one when it cannot.
#[derive(Debug, Clone)]
pub struct ChildCandidate {
    pub organization: Organization,
    pub reason: Option<CandidateReason>,
}

impl App {
    pub async fn list_children(
        &self,
        reader: &Agent,
        id: OrganizationId,
        page: &PageRequest,
    ) -> Result<Page<Organization>> {
        let reads = self.store().reads().await?;
        self.require_organization(&reads, id).await?;
        let mut page =
            list_organizations_on(&reads, None, Some(Some(id)), None, Vec::new(), page).await?;
        show_fields(&reads, &FieldReader::Agent(reader.clone()), &mut page.items).await?;
        Ok(page)
    }

    /// The parent first, the root last. (Were a cycle ever stored, the list ends where
    /// it would repeat.)
    pub async fn list_ancestors(
        &self,
        viewer: &Agent,
        id: OrganizationId,
        page: &PageRequest,
    ) -> Result<Page<Organization>> {
        let reader = &self.store().reads().await?;
        self.require_organization(reader, id).await?;
        let limit = page.limit()?;
        let given = page.offset_position("ancestors")?;
        let chain = orgs::chain(reader, id).await?;
        let mut seen = std::collections::HashSet::new();
        // The chain is bounded by the hierarchy's depth limit: the page is a slice of it.
        let ids: Vec<OrganizationId> = chain
            .iter()
            .map(|link| link.id)
            .take_while(|id| seen.insert(*id))
            .skip(1 + given)
            .take(limit as usize + 1)
            .collect();
        let mut rows = orgs::get_many(reader, &ids).await?;
        show_fields(reader, &FieldReader::Agent(viewer.clone()), &mut rows).await?;
        let indexed = rows.into_iter().enumerate().collect();
        let page = crate::cursor::page(indexed, limit, "ancestors", |(index, _)| {
            (given + index + 1).to_string()
        });
        Ok(Page {
            items: page.items.into_iter().map(|(_, org)| org).collect(),
            next_cursor: page.next_cursor,
        })
    }

    /// Every organization below, nearest levels first.
    pub async fn list_descendants(
        &self,
        viewer: &Agent,
        id: OrganizationId,
        page: &PageRequest,
    ) -> Result<Page<Organization>> {
        let reader = &self.store().reads().await?;
        self.require_organization(reader, id).await?;
        let limit = page.limit()?;
        let after = match page.position("descendants")? {
            Some(position) => Some(
                position
                    .split_once(':')
                    .and_then(|(depth, id)| Some((depth.parse().ok()?, id.parse().ok()?)))
                    .ok_or_else(crate::cursor::invalid_cursor)?,
            ),
            None => None,
        };
        let rows = orgs::descendants(reader, id, after, limit + 1).await?;
        let page = crate::cursor::page(rows, limit, "descendants", |(depth, org)| {
            format!("{depth}:{}", org.id)
        });
        let mut items: Vec<Organization> = page.items.into_iter().map(|(_, org)| org).collect();
        show_fields(reader, &FieldReader::Agent(viewer.clone()), &mut items).await?;
        Ok(Page {
            items,
            next_cursor: page.next_cursor,
        })
    }

    /// Organizations whose name starts with `q`, in name order, each marked valid or not
    /// as a child of `id`.
    pub async fn child_candidates(
        &self,
        viewer: &Agent,
        id: OrganizationId,
        q: Option<&str>,
        page: &PageRequest,
    ) -> Result<Page<ChildCandidate>> {
        let reader = &self.store().reads().await?;
        self.require_organization(reader, id).await?;
        let limit = page.limit()?;
        let after = page.position("child_candidates")?;
        let ancestors: Vec<OrganizationId> = orgs::chain(reader, id)
            .await?
            .iter()
            .skip(1)
            .map(|link| link.id)
            .collect();
        let filter = OrganizationFilter {
            name_prefix: orgdesk_core::text::query_text("q", q)?.map(orgdesk_core::text::name_key),
            ..Default::default()
        };
        let mut found = orgs::list(reader, &filter, after.as_deref(), limit + 1).await?;
        show_fields(reader, &FieldReader::Agent(viewer.clone()), &mut found).await?;
        let page = crate::cursor::page(found, limit, "child_candidates", |org| {
            orgdesk_core::text::name_key(&org.name)
        });
        let items = page
            .items
            .into_iter()
            .map(|organization| {
                let reason = classify_child_candidate(
                    id,
                    &ancestors,
                    organization.id,
                    organization.parent_id,
                );
                ChildCandidate {
                    organization,
                    reason,
                }
            })
            .collect();
        Ok(Page {
            items,
            next_cursor: page.next_cursor,
        })
    }

    /// Makes an organization a child of `parent`. Returns the child and whether it was
    /// created (a name no organization has).
    pub async fn add_child(
        &self,
        actor: &Actor,
        parent: OrganizationId,
        child: ChildRef,
    ) -> Result<(Organization, bool)> {
        let child_id = match child {
            ChildRef::Existing(id) => id,
            ChildRef::Named(name) => {
                let name = OrganizationName::parse(&name)?;
                match orgs::find_head_by_name_key(self.store().reader(), name.key()).await? {
                    Some(head) => OrganizationId(head.id),
                    None => {
                        self.require_organization(self.store().reader(), parent)
                            .await?;
                        let new = NewOrganization {
                            name: name.as_str().to_owned(),
                            parent_id: Some(parent),
                            ..Default::default()
                        };
                        return match self.create_organization(actor, new).await {
                            Ok(created) => Ok((created, true)),
                            // Created concurrently under that name: attach that one instead.
                            Err(Error::NameTaken { .. }) => {
                                let head =
                                    orgs::find_head_by_name_key(self.store().reader(), name.key())
                                        .await?
                                        .ok_or_else(|| Error::NameTaken {
                                            name: name.as_str().to_owned(),
                                        })?;
                                Ok((
                                    self.set_parent(actor, OrganizationId(head.id), Some(parent))
                                        .await?,
                                    false,
                                ))
                            }
                            Err(other) => Err(other),
                        };
                    }
                }
            }
        };
        self.require_organization(self.store().reader(), parent)
            .await?;
        Ok((self.set_parent(actor, child_id, Some(parent)).await?, false))
    }

    /// Detaches a direct child, which becomes a top-level organization.
    pub async fn detach_child(
        &self,
        actor: &Actor,
        parent: OrganizationId,
        child: OrganizationId,
    ) -> Result<()> {
        self.require_organization(self.store().reader(), parent)
            .await?;
        let tx = self.store().begin_write().await?;
        lock_hierarchy(&tx).await?;
        let head = orgs::find_head(&tx, child).await?;
        if head.as_ref().and_then(|h| h.parent_id) != Some(parent.0) {
            return Err(Error::not_found(Entity::Child, child));
        }
        let at = now_ms();
        orgs::set_parent(&tx, child, None, at).await?;
        let moved = vec![Change::new("parent_id", parent.0, serde_json::Value::Null)];
        record_all(
            &tx,
            parent_moved(actor, child, Some(parent), None, moved, at),
        )
        .await?;
        orgdesk_store::commit(tx).await?;
        Ok(())
    }

    /// Moves `child` under `parent` (or to the top level), refusing cycles. The child is
    /// named in the request body, so an unknown child is bad input rather than a 404.
    pub async fn set_parent(
        &self,
        actor: &Actor,
        child: OrganizationId,
        parent: Option<OrganizationId>,
    ) -> Result<Organization> {
        let at = now_ms();
        let tx = self.store().begin_write().await?;
        lock_hierarchy(&tx).await?;
        let head = self
            .require_referenced_organization(&tx, "organization_id", child)
            .await?;
        let current_parent = head.parent_id.map(OrganizationId);
        if current_parent != parent {
            if let Some(parent) = parent {
                check_placement(&tx, child, &head.name, parent).await?;
            }
            orgs::set_parent(&tx, child, parent, at).await?;
            let moved = vec![Change::new(
                "parent_id",
                current_parent.map(|p| p.0),
                parent.map(|p| p.0),
            )];
            record_all(
                &tx,
                parent_moved(actor, child, current_parent, parent, moved, at),
            )
            .await?;
        }
        orgdesk_store::commit(tx).await?;
        let reads = self.store().reads().await?;
        let mut organization = orgs::find(&reads, child)
            .await?
            .ok_or_else(|| Error::not_found(Entity::Organization, child))?;
        show_fields_to_actor(&reads, actor, None, std::slice::from_mut(&mut organization)).await?;
        Ok(organization)
    }
}
