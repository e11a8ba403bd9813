//! Importing users. A row updates the user it matches — by `external_id`, else by
//! email (any letter case) — or creates one. Absent columns leave a user's values as
//! they are; an empty cell clears an optional one (`external_id`, `position`), except:
//! - an empty `name` keeps the name (a new user is named after their email);
//! - an empty `organization` lets the email domain association place a new user,
//!   exactly as the API does, and leaves an existing user where they are (the
//!   association never moves existing users);
//! - `usergroups` lists the user's direct usergroups, one per line or separated by
//!   commas or semicolons (a line that is a usergroup's whole name is that usergroup,
//!   commas and all); an empty cell takes the user out of every direct usergroup.

use super::csv_rows::{CsvRows, RawRow};
use super::read_ahead::ReadAhead;
use super::seen::Seen;
use super::{ImportProgress, Problems, Refusal, Tally, reason};
use crate::history::{UserRecord, record_for_user};
use crate::members::{parse_position, place_user};
use crate::user_creation::{ValidUser, insert_checked_users_on};
use crate::usergroups::record_direct_membership;
use crate::{App, now_ms};
use orgdesk_core::bulk::{Column, Header, Problem, parse_flag, split_names};
use orgdesk_core::model::{Action, Actor, Change, User, Usergroup};
use orgdesk_core::text::{EXTERNAL_ID_MAX_CHARS, name_key, optional_text};
use orgdesk_core::{EmailAddress, Error, OrganizationId, PersonName, Result};
use orgdesk_store::{ConnectionTrait, domains, organizations as orgs, usergroups, users};
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

/// Every usergroup, by name key: a helpdesk has tens of them, not millions.
struct Usergroups {
    by_key: HashMap<String, Usergroup>,
}

impl Usergroups {
    async fn load<C: ConnectionTrait>(conn: &C) -> Result<Self> {
        let mut by_key = HashMap::new();
        let mut after = 0;
        loop {
            let page = usergroups::list(conn, after, 500).await?;
            let Some(last) = page.last() else { break };
            after = last.id;
            by_key.extend(page.into_iter().map(|g| (name_key(&g.name), g)));
        }
        Ok(Usergroups { by_key })
    }

    fn get(&self, name: &str) -> Option<&Usergroup> {
        self.by_key.get(&name_key(name))
    }

    fn by_id(&self, id: i64) -> Option<&Usergroup> {
        self.by_key.values().find(|g| g.id == id)
    }

    /// The usergroups a cell names, or the names that are none.
    fn parse(&self, cell: &str) -> std::result::Result<BTreeSet<i64>, Vec<String>> {
        let mut ids = BTreeSet::new();
        let mut unknown = Vec::new();
        for line in cell.lines().map(str::trim).filter(|l| !l.is_empty()) {
            if let Some(group) = self.get(line) {
                ids.insert(group.id);
                continue;
            }
            for name in split_names(line) {
                match self.get(name) {
                    Some(group) => {
                        ids.insert(group.id);
                    }
                    None => unknown.push(name.to_owned()),
                }
            }
        }
        if unknown.is_empty() {
            Ok(ids)
        } else {
            Err(unknown)
        }
    }
}

/// A row's values, each checked. `None` means the column is absent (or, for
/// `organization`, empty): the user's value stays.
struct UserLine {
    line: u64,
    email: EmailAddress,
    name: Option<PersonName>,
    external_id: Option<Option<String>>,
    organization: Option<String>,
    position: Option<Option<String>>,
    manager: Option<bool>,
    usergroups: Option<BTreeSet<i64>>,
}

/// Reads a row's cells, adding a problem for each that breaks its rule.
fn parse_line(
    header: &Header,
    row: &RawRow,
    groups: &Usergroups,
    problems: &mut Problems,
) -> Option<UserLine> {
    let cell = |column: Column| {
        header
            .position(&column)
            .map(|index| row.cells[index].as_str())
    };
    let before = problems.count();
    let mut problem = |column: &str, code: &str, message: String| {
        problems.add(Problem::new(row.line, Some(column), code, message));
    };
    let email = match EmailAddress::parse(cell(Column::Email).unwrap_or_default()) {
        Ok(email) => Some(email),
        Err(err) => {
            problem("email", "invalid", reason(err));
            None
        }
    };
    let name = match cell(Column::Name).map(str::trim).filter(|n| !n.is_empty()) {
        Some(text) => match PersonName::parse(text) {
            Ok(name) => Some(name),
            Err(err) => {
                problem("name", "invalid", reason(err));
                None
            }
        },
        None => None,
    };
    let external_id = match cell(Column::ExternalId) {
        Some(text) => match optional_text("external_id", Some(text), EXTERNAL_ID_MAX_CHARS) {
            Ok(value) => Some(value),
            Err(err) => {
                problem("external_id", "invalid", reason(err));
                None
            }
        },
        None => None,
    };
    let organization = cell(Column::Organization)
        .map(str::trim)
        .filter(|o| !o.is_empty())
        .map(str::to_owned);
    let position = match cell(Column::Position) {
        Some(text) => match parse_position(Some(text)) {
            Ok(value) => Some(value),
            Err(err) => {
                problem("position", "invalid", reason(err));
                None
            }
        },
        None => None,
    };
    let manager = match cell(Column::Manager) {
        Some(text) => match parse_flag(text) {
            Ok(flag) => Some(flag),
            Err(message) => {
                problem("manager", "invalid", message);
                None
            }
        },
        None => None,
    };
    let usergroups = match cell(Column::Usergroups) {
        Some(text) => match groups.parse(text) {
            Ok(ids) => Some(ids),
            Err(unknown) => {
                problem(
                    "usergroups",
                    "unknown_usergroup",
                    format!(
                        "no usergroup is named {}",
                        unknown
                            .iter()
                            .map(|n| format!("\"{n}\""))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                );
                None
            }
        },
        None => None,
    };
    if problems.count() != before {
        return None;
    }
    Some(UserLine {
        line: row.line,
        email: email?,
        name,
        external_id,
        organization,
        position,
        manager,
        usergroups,
    })
}

/// Entries [`References`] keeps of each kind before it starts over: a few MiB.
const REMEMBERED_REFERENCES: usize = 100_000;

/// What rows' `organization` cells and email domains lead to, remembered from batch to
/// batch: a file of a million users names each organization many times, and looking
/// them up again for every batch was a fifth of an import's time. Filled inside one
/// transaction (a pass's snapshot) and valid for it: importing users changes no
/// organization and no domain. Bounded: it starts over when full.
#[derive(Default)]
struct References {
    /// A cell's text → the organization with that external id, else that name.
    organizations: HashMap<String, Option<OrganizationId>>,
    /// An email domain → the organization that owns it.
    owners: HashMap<String, Option<OrganizationId>>,
}

impl References {
    /// Looks up what `lines` name that is not yet known.
    async fn learn<C: ConnectionTrait>(&mut self, conn: &C, lines: &[UserLine]) -> Result<()> {
        let references = unknown(
            &mut self.organizations,
            lines.iter().filter_map(|l| l.organization.as_deref()),
        );
        if !references.is_empty() {
            let keys: Vec<String> = references.iter().map(|r| name_key(r)).collect();
            let key_refs: Vec<&str> = keys.iter().map(String::as_str).collect();
            let named = orgs::directory_matching(conn, &references, &key_refs).await?;
            let mut by_external_id = HashMap::new();
            let mut by_name = HashMap::new();
            for entry in &named {
                if let Some(external_id) = &entry.external_id {
                    by_external_id.insert(external_id.as_str(), OrganizationId(entry.id));
                }
                by_name.insert(entry.name_key.as_str(), OrganizationId(entry.id));
            }
            for (reference, key) in references.iter().zip(&keys) {
                let found = by_external_id
                    .get(reference)
                    .or_else(|| by_name.get(key.as_str()))
                    .copied();
                self.organizations.insert((*reference).to_owned(), found);
            }
        }

        // Where new users without an organization cell would go.
        let domains = unknown(
            &mut self.owners,
            lines
                .iter()
                .filter(|l| l.organization.is_none())
                .map(|l| l.email.domain()),
        );
        if !domains.is_empty() {
            let owners = domains::owners(conn, &domains).await?;
            for domain in domains {
                let owner = owners.get(domain).map(|o| o.id);
                self.owners.insert(domain.to_owned(), owner);
            }
        }
        Ok(())
    }

    /// The organization a learned cell names, if any.
    fn organization(&self, reference: &str) -> Option<OrganizationId> {
        self.organizations.get(reference).copied().flatten()
    }

    /// The organization owning a learned domain, if any.
    fn owner(&self, domain: &str) -> Option<OrganizationId> {
        self.owners.get(domain).copied().flatten()
    }
}

/// The keys not yet in `known`, each once; `known` starts over first when they would
/// take it past [`REMEMBERED_REFERENCES`].
fn unknown<'a>(
    known: &mut HashMap<String, Option<OrganizationId>>,
    keys: impl Iterator<Item = &'a str>,
) -> Vec<&'a str> {
    let mut unknown: Vec<&str> = keys.filter(|k| !known.contains_key(*k)).collect();
    unknown.sort_unstable();
    unknown.dedup();
    if known.len() + unknown.len() > REMEMBERED_REFERENCES {
        known.clear();
    }
    unknown
}

/// Where a row leads: the user it updates (none: it creates one), and the
/// organization its `organization` cell names.
struct Resolved {
    existing: Option<User>,
    organization: Option<OrganizationId>,
}

/// Looks up, for a batch of rows, the users they match and the organizations they
/// name, and checks what needs the database: an organization that exists, an email or
/// external id not held by another user, and a position or manager flag only for a
/// user who will be in an organization. Rows with a problem resolve to `None`.
async fn resolve<C: ConnectionTrait>(
    conn: &C,
    lines: &[UserLine],
    references: &mut References,
    problems: &mut Problems,
) -> Result<Vec<Option<Resolved>>> {
    let email_keys: Vec<&str> = lines.iter().map(|l| l.email.key()).collect();
    let external_ids: Vec<&str> = lines
        .iter()
        .filter_map(|l| l.external_id.as_ref()?.as_deref())
        .collect();
    let found = users::matching(conn, &email_keys, &external_ids).await?;
    let mut by_email: HashMap<String, &User> = HashMap::with_capacity(found.len());
    let mut by_external_id: HashMap<&str, &User> = HashMap::new();
    for user in &found {
        by_email.insert(EmailAddress::parse(&user.email)?.key().to_owned(), user);
        if let Some(external_id) = &user.external_id {
            by_external_id.insert(external_id, user);
        }
    }

    references.learn(conn, lines).await?;

    let mut resolved = Vec::with_capacity(lines.len());
    for line in lines {
        let mut problem = |column: &str, code: &str, message: String| {
            problems.add(Problem::new(line.line, Some(column), code, message));
        };
        let by_id = line
            .external_id
            .as_ref()
            .and_then(|id| id.as_deref())
            .and_then(|id| by_external_id.get(id).copied());
        let by_address = by_email.get(line.email.key()).copied();
        let existing = match (by_id, by_address) {
            (Some(a), Some(b)) if a.id != b.id => {
                problem(
                    "email",
                    "email_taken",
                    format!(
                        "{} belongs to another user ({}) than the one with this external_id ({})",
                        line.email.as_str(),
                        b.name,
                        a.name
                    ),
                );
                resolved.push(None);
                continue;
            }
            (a, b) => a.or(b),
        };
        let organization = match &line.organization {
            Some(reference) => match references.organization(reference) {
                Some(id) => Some(id),
                None => {
                    problem(
                        "organization",
                        "unknown_organization",
                        format!("no organization has the external_id or name \"{reference}\""),
                    );
                    resolved.push(None);
                    continue;
                }
            },
            None => None,
        };
        // The organization the user will be in, for the position and manager rule.
        let joins = organization.or_else(|| match existing {
            Some(user) => user.organization.as_ref().map(|o| o.id),
            None => references.owner(line.email.domain()),
        });
        let position = match &line.position {
            Some(position) => position.clone(),
            None => existing.and_then(|u| u.position.clone()),
        };
        let manager = line
            .manager
            .unwrap_or_else(|| existing.is_some_and(|u| u.manager));
        if joins.is_none() && (position.is_some() || manager) {
            let column = if position.is_some() {
                "position"
            } else {
                "manager"
            };
            problem(
                column,
                "no_organization",
                format!(
                    "only a member of an organization has a position or manager flag, and {} joins none (no organization named, none owns {})",
                    line.email.as_str(),
                    line.email.domain()
                ),
            );
            resolved.push(None);
            continue;
        }
        resolved.push(Some(Resolved {
            existing: existing.cloned(),
            organization,
        }));
    }
    Ok(resolved)
}

/// Checks every row of a users file; problems go to `problems`.
pub(super) async fn validate(
    app: &App,
    rows: CsvRows,
    header: Header,
    problems: &mut Problems,
    progress: &dyn ImportProgress,
) -> Result<Tally> {
    let reads = app.store().begin_read().await?;
    let groups = Arc::new(Usergroups::load(&reads).await?);
    let has_external_ids = header.position(&Column::ExternalId).is_some();
    let mut batches = parse_ahead(rows, header, &groups);
    let mut emails = Seen::default();
    let mut external_ids = Seen::default();
    let mut matched = Seen::default();
    let mut references = References::default();
    let mut tally = Tally::default();
    let mut sized = false;
    while let Some(batch) = batches.next().await? {
        if !sized && let Some(expected) = batch.expected_rows {
            // Rows read so far matched users in this proportion: the rest will too.
            let matching =
                u128::from(expected) * u128::from(tally.updated) / u128::from(tally.rows.max(1));
            emails.expect(expected);
            if has_external_ids {
                external_ids.expect(expected);
            }
            matched.expect(u64::try_from(matching).unwrap_or(expected));
            sized = true;
        }
        problems.absorb(batch.problems);
        let mut lines = Vec::with_capacity(batch.lines.len());
        for line in batch.lines {
            let mut twice = false;
            if let Some(first) = emails.earlier(line.email.key(), line.line) {
                problems.add(Problem::new(
                    line.line,
                    Some("email"),
                    "duplicate_in_file",
                    format!("{} is also on line {first}", line.email.as_str()),
                ));
                twice = true;
            }
            if let Some(Some(external_id)) = &line.external_id
                && let Some(first) = external_ids.earlier(external_id, line.line)
            {
                problems.add(Problem::new(
                    line.line,
                    Some("external_id"),
                    "duplicate_in_file",
                    format!("\"{external_id}\" is also on line {first}"),
                ));
                twice = true;
            }
            if !twice {
                lines.push(line);
            }
        }
        let resolved = resolve(&reads, &lines, &mut references, problems).await?;
        for (line, resolved) in lines.iter().zip(resolved) {
            let Some(resolved) = resolved else { continue };
            match &resolved.existing {
                Some(user) => {
                    if let Some(first) = matched.earlier(&user.id.0.to_string(), line.line) {
                        problems.add(Problem::new(
                            line.line,
                            None,
                            "duplicate_in_file",
                            format!(
                                "this row and line {first} both match the user {} <{}>",
                                user.name, user.email
                            ),
                        ));
                    }
                    tally.updated += 1;
                }
                None => tally.created += 1,
            }
        }
        tally.rows = batch.rows;
        progress.rows(batch.rows, batch.bytes);
    }
    orgdesk_store::finish_read(reads).await?;
    Ok(tally)
}

/// The file's rows parsed into [`UserLine`]s a batch ahead (see [`ReadAhead`]).
fn parse_ahead(rows: CsvRows, header: Header, groups: &Arc<Usergroups>) -> ReadAhead<UserLine> {
    let groups = Arc::clone(groups);
    ReadAhead::start(rows, move |row, problems| {
        parse_line(&header, row, &groups, problems)
    })
}

/// Applies a users file that passed validation, inside `tx`.
pub(super) async fn apply<C: ConnectionTrait>(
    tx: &C,
    actor: &Actor,
    path: &std::path::Path,
    progress: &dyn ImportProgress,
) -> std::result::Result<Tally, Refusal> {
    let (rows, header) = super::open_file(orgdesk_core::bulk::RecordKind::Users, path)
        .map_err(|found| Refusal::Problems(Problems::from(found)))?;
    let groups = Arc::new(Usergroups::load(tx).await?);
    let mut batches = parse_ahead(rows, header, &groups);
    let mut problems = Problems::default();
    let mut references = References::default();
    let mut tally = Tally::default();
    let at = now_ms();
    while let Some(batch) = batches.next().await? {
        problems.absorb(batch.problems);
        let lines = batch.lines;
        let resolved = resolve(tx, &lines, &mut references, &mut problems).await?;
        if !problems.is_empty() {
            return Err(Refusal::Problems(problems));
        }
        let mut new_users = Vec::new();
        let mut new_groups = Vec::new();
        for (line, resolved) in lines.into_iter().zip(resolved) {
            let resolved = resolved.expect("no problems, so every row resolved");
            match &resolved.existing {
                Some(user) => {
                    if update_existing(tx, actor, user, &line, resolved.organization, &groups, at)
                        .await?
                    {
                        tally.updated += 1;
                    } else {
                        tally.unchanged += 1;
                    }
                }
                None => {
                    let name = match line.name {
                        Some(name) => name,
                        None => PersonName::parse(line.email.local_part())?,
                    };
                    new_groups.push(line.usergroups.unwrap_or_default());
                    new_users.push(ValidUser {
                        name_key: name_key(name.as_str()),
                        name,
                        email: line.email,
                        position: line.position.flatten(),
                        manager: line.manager.unwrap_or(false),
                        external_id: line.external_id.flatten(),
                        organization_id: resolved.organization,
                        password_hash: None,
                    });
                }
            }
        }
        tally.created += new_users.len() as u64;
        let created = insert_checked_users_on(tx, actor, new_users, at).await?;
        for (user, wanted) in created.iter().zip(new_groups) {
            for id in wanted {
                let group = groups
                    .by_id(id)
                    .expect("usergroups were read in this transaction");
                usergroups::add_member(tx, id, user.id, at).await?;
                record_direct_membership(tx, actor, user, Action::UsergroupMemberAdded, group, at)
                    .await?;
            }
        }
        tally.rows = batch.rows;
        progress.rows(batch.rows, batch.bytes);
    }
    if !problems.is_empty() {
        return Err(Refusal::Problems(problems));
    }
    Ok(tally)
}

/// Brings an existing user in line with a row; whether anything changed.
async fn update_existing<C: ConnectionTrait>(
    tx: &C,
    actor: &Actor,
    user: &User,
    line: &UserLine,
    organization: Option<OrganizationId>,
    groups: &Usergroups,
    at: i64,
) -> Result<bool> {
    let mut own_changes = Vec::new();
    let name = line
        .name
        .as_ref()
        .map_or(user.name.as_str(), PersonName::as_str);
    if name != user.name || line.email.as_str() != user.email {
        if name != user.name {
            own_changes.push(Change::new("name", user.name.as_str(), name));
        }
        if line.email.as_str() != user.email {
            own_changes.push(Change::new(
                "email",
                user.email.as_str(),
                line.email.as_str(),
            ));
        }
        users::set_identity(tx, user.id, name, &line.email, at).await?;
    }
    if let Some(external_id) = &line.external_id
        && *external_id != user.external_id
    {
        own_changes.push(Change::new(
            "external_id",
            user.external_id.as_deref(),
            external_id.as_deref(),
        ));
        users::set_external_id(tx, user.id, external_id.as_deref(), at).await?;
    }
    let mut changed = !own_changes.is_empty();
    record_for_user(
        tx,
        UserRecord {
            user: user.id,
            actor,
            action: Action::Updated,
            changes: own_changes,
            at,
        },
    )
    .await?;

    let current = user.organization.as_ref().map(|o| o.id);
    let target = organization.or(current);
    let moving = target != current;
    let position = match &line.position {
        Some(position) => position.clone(),
        None if moving => None,
        None => user.position.clone(),
    };
    let manager = line.manager.unwrap_or(!moving && user.manager);
    if moving || position != user.position || manager != user.manager {
        place_user(tx, actor, user, target, position, manager, at).await?;
        changed = true;
    }

    if let Some(wanted) = &line.usergroups {
        let held: BTreeSet<i64> = usergroups::direct_of(tx, &[user.id])
            .await?
            .remove(&user.id)
            .unwrap_or_default()
            .into_iter()
            .map(|(id, _)| id)
            .collect();
        if held != *wanted {
            changed = true;
            // The user as they are now, so the records land on their organization.
            let member = users::find(tx, user.id)
                .await?
                .ok_or_else(|| Error::not_found(orgdesk_core::Entity::User, user.id))?;
            for id in wanted.difference(&held) {
                let group = groups
                    .by_id(*id)
                    .expect("usergroups were read in this transaction");
                usergroups::add_member(tx, *id, user.id, at).await?;
                record_direct_membership(
                    tx,
                    actor,
                    &member,
                    Action::UsergroupMemberAdded,
                    group,
                    at,
                )
                .await?;
            }
            for id in held.difference(wanted) {
                usergroups::remove_member(tx, *id, user.id).await?;
                if let Some(group) = groups.by_id(*id) {
                    record_direct_membership(
                        tx,
                        actor,
                        &member,
                        Action::UsergroupMemberRemoved,
                        group,
                        at,
                    )
                    .await?;
                }
            }
        }
    }
    Ok(changed)
}
