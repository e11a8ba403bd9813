//! Email domain associations: adding and removing them, and bringing existing users
//! whose email matches into the organization (set-based, whatever their number).

use crate::history::{Record, UserRecord, members_moved, record, record_all, record_for_users};
use crate::locking::{Lockable, lock};
use crate::organizations::{associate_domain, check_domain_free, parse_owned_domain};
use crate::{App, PageRequest, now_ms};
use orgdesk_core::model::{Action, Actor, Change, Page, User};
use orgdesk_core::{EmailDomain, Entity, Error, OrganizationId, Result, UserId};
use orgdesk_store::domains::{self, MatchGroup};
use orgdesk_store::{ConnectionTrait, organizations as orgs, users};
use serde_json::json;

/// How many matching users a matches listing shows per group.
pub const MATCHES_SHOWN: u64 = 50;

/// A domain just associated, with the existing users it matches.
#[derive(Debug, Clone)]
pub struct DomainAdded {
    pub domain: String,
    pub unaffiliated: i64,
    pub other_organization: i64,
}

#[derive(Debug, Clone)]
pub struct MatchedUsers {
    pub count: i64,
    /// The first [`MATCHES_SHOWN`] of them, in id order.
    pub users: Vec<User>,
}

/// The two groups of a domain's existing users.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DomainMatchGroup {
    /// Users with no organization.
    Unaffiliated,
    /// Users in another organization.
    OtherOrganization,
}

#[derive(Debug, Clone)]
pub struct DomainMatches {
    pub unaffiliated: MatchedUsers,
    pub other_organization: MatchedUsers,
}

/// A domain named in a URL: normalized like any other, unknown when it cannot be one.
fn domain_in_path(input: &str) -> Result<EmailDomain> {
    EmailDomain::parse(input).map_err(|_| Error::not_found(Entity::Domain, input))
}

impl App {
    async fn require_owned_domain<C: ConnectionTrait>(
        &self,
        conn: &C,
        organization: OrganizationId,
        input: &str,
    ) -> Result<EmailDomain> {
        self.require_organization(conn, organization).await?;
        let domain = domain_in_path(input)?;
        match domains::owner(conn, domain.as_str()).await? {
            Some(owner) if owner.id == organization => Ok(domain),
            _ => Err(Error::not_found(
                Entity::Domain,
                format!("{domain} of organization {organization}"),
            )),
        }
    }

    pub async fn add_domain(
        &self,
        actor: &Actor,
        organization: OrganizationId,
        input: &str,
        force: bool,
    ) -> Result<DomainAdded> {
        let domain = parse_owned_domain(input, force)?;
        let at = now_ms();
        let tx = self.store().begin_write().await?;
        lock(&tx, Lockable::Organization, organization.0).await?;
        self.require_organization(&tx, organization).await?;
        check_domain_free(&tx, &domain).await?;
        associate_domain(&tx, organization, &domain, at).await?;
        orgs::touch(&tx, organization, at).await?;
        record(
            &tx,
            Record {
                organization,
                actor,
                action: Action::DomainAdded,
                user: None,
                changes: vec![Change::new("domains", json!(null), domain.as_str())],
                at,
            },
        )
        .await?;
        orgdesk_store::commit(tx).await?;
        // The report is read after commit, so counting a large domain's users never
        // holds the write lock.
        let reader = self.store().reader();
        let unaffiliated = domains::count_matches(
            reader,
            organization,
            domain.as_str(),
            MatchGroup::Unaffiliated,
        )
        .await?;
        let other_organization = domains::count_matches(
            reader,
            organization,
            domain.as_str(),
            MatchGroup::OtherOrganization,
        )
        .await?;
        Ok(DomainAdded {
            domain: domain.to_string(),
            unaffiliated,
            other_organization,
        })
    }

    /// Removes the association; members who joined through it stay members.
    pub async fn remove_domain(
        &self,
        actor: &Actor,
        organization: OrganizationId,
        input: &str,
    ) -> Result<()> {
        let at = now_ms();
        let tx = self.store().begin_write().await?;
        lock(&tx, Lockable::Organization, organization.0).await?;
        let domain = self.require_owned_domain(&tx, organization, input).await?;
        domains::delete(&tx, organization, domain.as_str()).await?;
        orgs::touch(&tx, organization, at).await?;
        record(
            &tx,
            Record {
                organization,
                actor,
                action: Action::DomainRemoved,
                user: None,
                changes: vec![Change::new("domains", domain.as_str(), json!(null))],
                at,
            },
        )
        .await?;
        orgdesk_store::commit(tx).await?;
        Ok(())
    }

    /// Existing users whose email matches the domain, split by where they are now.
    pub async fn domain_matches(
        &self,
        organization: OrganizationId,
        input: &str,
    ) -> Result<DomainMatches> {
        let reader = self.store().reader();
        let domain = self
            .require_owned_domain(reader, organization, input)
            .await?;
        let mut groups = Vec::with_capacity(2);
        for group in [MatchGroup::Unaffiliated, MatchGroup::OtherOrganization] {
            let count =
                domains::count_matches(reader, organization, domain.as_str(), group).await?;
            let users = domains::list_matches(
                reader,
                organization,
                domain.as_str(),
                group,
                0,
                MATCHES_SHOWN,
            )
            .await?;
            groups.push(MatchedUsers { count, users });
        }
        let other_organization = groups.pop().expect("two groups");
        let unaffiliated = groups.pop().expect("two groups");
        Ok(DomainMatches {
            unaffiliated,
            other_organization,
        })
    }

    /// Brings the matching existing users into the organization, in one transaction of
    /// set-based statements. Returns how many users moved.
    /// One group of the domain's existing users, a page at a time in id order (the
    /// dialog's names beyond the first).
    pub async fn domain_match_page(
        &self,
        organization: OrganizationId,
        input: &str,
        group: DomainMatchGroup,
        page: &PageRequest,
    ) -> Result<Page<User>> {
        let reader = self.store().reader();
        let domain = self
            .require_owned_domain(reader, organization, input)
            .await?;
        let (stored, list) = match group {
            DomainMatchGroup::Unaffiliated => (MatchGroup::Unaffiliated, "matches_unaffiliated"),
            DomainMatchGroup::OtherOrganization => {
                (MatchGroup::OtherOrganization, "matches_other_organization")
            }
        };
        let limit = page.limit()?;
        let after = page.id_position(list)?.unwrap_or(0);
        let users = domains::list_matches(
            reader,
            organization,
            domain.as_str(),
            stored,
            after,
            limit + 1,
        )
        .await?;
        Ok(crate::cursor::page(users, limit, list, |user| {
            user.id.0.to_string()
        }))
    }

    pub async fn apply_domain_matches(
        &self,
        actor: &Actor,
        organization: OrganizationId,
        input: &str,
        unaffiliated: bool,
        other_organization: bool,
    ) -> Result<u64> {
        if !unaffiliated && !other_organization {
            return Err(Error::validation(
                "unaffiliated",
                "choose at least one group: unaffiliated or other_organization",
            ));
        }
        let at = now_ms();
        // Moves every matching user: as many as the domain has.
        let tx = self.store().begin_bulk_write().await?;
        lock(&tx, Lockable::Organization, organization.0).await?;
        let domain = self.require_owned_domain(&tx, organization, input).await?;
        // The users to move, locked, with where each is now: the move and its history
        // are both derived from this one read.
        let mut matched = Vec::new();
        for (wanted, group) in [
            (unaffiliated, MatchGroup::Unaffiliated),
            (other_organization, MatchGroup::OtherOrganization),
        ] {
            if wanted {
                matched.extend(
                    domains::lock_matches(&tx, organization, domain.as_str(), group).await?,
                );
            }
        }
        let ids: Vec<UserId> = matched.iter().map(|user| user.id).collect();
        let moved = users::change_organization(
            &tx,
            users::Movers::Ids(&ids),
            Some(organization),
            None,
            false,
            at,
        )
        .await?;
        let from: Vec<(UserId, Option<OrganizationId>)> = matched
            .iter()
            .map(|user| (user.id, user.organization_id))
            .collect();
        record_all(&tx, members_moved(actor, organization, &from, at)).await?;
        // Each user's own history: where they came from, and the place they had there
        // (a move makes them a plain member).
        let own = matched.into_iter().map(|user| {
            let mut changes = vec![Change::new(
                "organization_id",
                user.organization_id.map(|o| o.0),
                organization.0,
            )];
            if let Some(position) = user.position {
                changes.push(Change::new("position", position, json!(null)));
            }
            if user.manager {
                changes.push(Change::new("manager", true, false));
            }
            UserRecord {
                user: user.id,
                actor,
                action: Action::Updated,
                changes,
                at,
            }
        });
        record_for_users(&tx, own.collect()).await?;
        orgdesk_store::commit(tx).await?;
        Ok(moved)
    }
}
