//! What the profile's sections change: email domains (with the matches dialog),
//! children, and members' manager flag. Each is a plain form: success redirects back
//! with a sentence saying what happened; a refusal shows the profile again with what was
//! typed and the reason beside the section.

use super::lookup::organization_named;
use super::profile::{Refusal, refused_profile};
use super::render::Form;
use super::render::{Chrome, PageError, page, query_escape, redirect_with_flash, refusal_text};
use super::session::AgentSession;
use crate::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum_extra::extract::CookieJar;
use orgdesk_app::DomainMatchGroup;
use orgdesk_app::core::model::User;
use orgdesk_app::core::{EmailDomain, Error, OrganizationId, UserId};
use orgdesk_app::{ChildRef, Invitation, MembershipChanges, PageRequest};
use serde::Deserialize;

fn profile_address(id: OrganizationId) -> String {
    format!("/agent/organizations/{}", id.0)
}

/// A refusal that belongs on the page, or a failure that gets an error page.
fn shown_on_page(err: Error) -> Result<Error, PageError> {
    match err {
        Error::Internal(_) | Error::NotFound { .. } | Error::Forbidden(_) => Err(err.into()),
        other => Ok(other),
    }
}

#[derive(Deserialize)]
pub struct AddDomainForm {
    csrf: String,
    domain: String,
    #[serde(default)]
    force: Option<String>,
}

/// Adds a domain, then opens the matches dialog: who already has an address there.
pub async fn add_domain(
    State(app): State<AppState>,
    session: AgentSession,
    jar: CookieJar,
    Path(id): Path<i64>,
    Form(form): Form<AddDomainForm>,
) -> Result<Response, PageError> {
    session.require_csrf(&form.csrf)?;
    let id = OrganizationId(id);
    let force = form.force.is_some();
    match app
        .add_domain(&session.agent.actor(), id, &form.domain, force)
        .await
    {
        Ok(added) => {
            let matching = added.unaffiliated + added.other_organization;
            let sentence = match matching {
                0 => format!("Domain {} added. No existing user matches.", added.domain),
                1 => format!("Domain {} added. 1 existing user matches.", added.domain),
                n => format!("Domain {} added. {n} existing users match.", added.domain),
            };
            let to = if matching == 0 {
                profile_address(id)
            } else {
                format!(
                    "{}/domains/{}/matches",
                    profile_address(id),
                    query_escape(&added.domain)
                )
            };
            Ok(redirect_with_flash(jar, &to, sentence))
        }
        Err(err) => {
            let err = shown_on_page(err)?;
            // Free mail is refused unless the agent insists: offer exactly that.
            let offer_force = !force
                && EmailDomain::parse(&form.domain).is_ok_and(|domain| domain.is_free_mail());
            let refusal = Refusal {
                domain_typed: Some(form.domain),
                domain_error: Some(
                    refusal_text(&err).replace("; send \"force\": true to associate it anyway", ""),
                ),
                offer_force,
                ..Default::default()
            };
            refused_profile(&app, &session, &jar, id, &err, refusal).await
        }
    }
}

/// One group of the dialog: how many users, and a page of their names.
struct MatchGroup {
    count: i64,
    names: Vec<String>,
    first: Option<String>,
    next: Option<String>,
}

/// Names per page of each group in the matches dialog.
const MATCHES_SHOWN: i64 = 50;

/// A user of the dialog's lists, with the organization they are in now.
fn matched_name(user: User) -> String {
    match user.organization {
        Some(organization) => format!("{} ({})", user.name, organization.name),
        None => user.name,
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "agent/domain_matches.html")]
struct MatchesPage {
    chrome: Chrome,
    id: i64,
    name: String,
    domain: String,
    unaffiliated: MatchGroup,
    other_organization: MatchGroup,
}

#[derive(Deserialize, Default)]
pub struct MatchesQuery {
    /// Where each group's list of names is.
    unaffiliated: Option<String>,
    other_organization: Option<String>,
}

/// The matches dialog (a page of its own, so it works without the script). Each group
/// lists its names a page at a time; the counts cover everyone.
pub async fn matches(
    State(app): State<AppState>,
    session: AgentSession,
    jar: CookieJar,
    Path((id, domain)): Path<(i64, String)>,
    Query(query): Query<MatchesQuery>,
) -> Result<Response, PageError> {
    let id = OrganizationId(id);
    let organization = app.get_organization_without_fields(id).await?;
    let found = app.domain_matches(id, &domain).await?;
    let domain = EmailDomain::parse(&domain)
        .map(|d| d.as_str().to_owned())
        .unwrap_or(domain);
    let address = |unaffiliated: Option<&str>, other: Option<&str>| {
        let mut parts = Vec::new();
        if let Some(cursor) = unaffiliated {
            parts.push(format!("unaffiliated={}", query_escape(cursor)));
        }
        if let Some(cursor) = other {
            parts.push(format!("other_organization={}", query_escape(cursor)));
        }
        let base = format!("/agent/organizations/{}/domains/{domain}/matches", id.0);
        if parts.is_empty() {
            base
        } else {
            format!("{base}?{}", parts.join("&"))
        }
    };
    let unaffiliated_cursor = query.unaffiliated.filter(|c| !c.is_empty());
    let other_cursor = query.other_organization.filter(|c| !c.is_empty());
    let mut groups = Vec::with_capacity(2);
    for (group, count, cursor) in [
        (
            DomainMatchGroup::Unaffiliated,
            found.unaffiliated.count,
            &unaffiliated_cursor,
        ),
        (
            DomainMatchGroup::OtherOrganization,
            found.other_organization.count,
            &other_cursor,
        ),
    ] {
        let request = PageRequest {
            limit: Some(MATCHES_SHOWN),
            cursor: cursor.clone(),
        };
        let names = app.domain_match_page(id, &domain, group, &request).await?;
        let next = names.next_cursor.as_deref().map(|next| match group {
            DomainMatchGroup::Unaffiliated => address(Some(next), other_cursor.as_deref()),
            DomainMatchGroup::OtherOrganization => {
                address(unaffiliated_cursor.as_deref(), Some(next))
            }
        });
        let first = cursor.is_some().then(|| match group {
            DomainMatchGroup::Unaffiliated => address(None, other_cursor.as_deref()),
            DomainMatchGroup::OtherOrganization => address(unaffiliated_cursor.as_deref(), None),
        });
        groups.push(MatchGroup {
            count,
            names: names.items.into_iter().map(matched_name).collect(),
            first,
            next,
        });
    }
    let other_organization = groups.pop().expect("two groups");
    let unaffiliated = groups.pop().expect("two groups");
    let dialog = MatchesPage {
        chrome: Chrome::new(&session, "organizations", &jar),
        id: id.0,
        name: organization.name,
        domain,
        unaffiliated,
        other_organization,
    };
    Ok(page(jar, dialog))
}

#[derive(Deserialize)]
pub struct ApplyForm {
    csrf: String,
    /// `unaffiliated`, `other_organization` or `both`.
    groups: String,
}

/// Brings the chosen groups of matching users into the organization, in one step.
pub async fn apply(
    State(app): State<AppState>,
    session: AgentSession,
    jar: CookieJar,
    Path((id, domain)): Path<(i64, String)>,
    Form(form): Form<ApplyForm>,
) -> Result<Response, PageError> {
    session.require_csrf(&form.csrf)?;
    let id = OrganizationId(id);
    let (unaffiliated, other) = match form.groups.as_str() {
        "unaffiliated" => (true, false),
        "other_organization" => (false, true),
        _ => (true, true),
    };
    let moved = app
        .apply_domain_matches(&session.agent.actor(), id, &domain, unaffiliated, other)
        .await?;
    let organization = app.get_organization_without_fields(id).await?;
    let sentence = match moved {
        1 => format!("1 user joined {}.", organization.name),
        n => format!("{n} users joined {}.", organization.name),
    };
    Ok(redirect_with_flash(jar, &profile_address(id), sentence))
}

#[derive(Deserialize)]
pub struct CsrfOnly {
    csrf: String,
}

/// Removes a domain: users stay where they are; new users of it no longer join.
pub async fn remove_domain(
    State(app): State<AppState>,
    session: AgentSession,
    jar: CookieJar,
    Path((id, domain)): Path<(i64, String)>,
    Form(form): Form<CsrfOnly>,
) -> Result<Response, PageError> {
    session.require_csrf(&form.csrf)?;
    let id = OrganizationId(id);
    app.remove_domain(&session.agent.actor(), id, &domain)
        .await?;
    Ok(redirect_with_flash(
        jar,
        &profile_address(id),
        format!("Domain {domain} removed. Its users stay where they are."),
    ))
}

#[derive(Deserialize)]
pub struct AddChildForm {
    csrf: String,
    /// An organization picked from the suggestions …
    organization_id: Option<i64>,
    /// … or a name: that organization, or a new one when none has it.
    #[serde(default)]
    name: String,
}

pub async fn add_child(
    State(app): State<AppState>,
    session: AgentSession,
    jar: CookieJar,
    Path(id): Path<i64>,
    Form(form): Form<AddChildForm>,
) -> Result<Response, PageError> {
    session.require_csrf(&form.csrf)?;
    let id = OrganizationId(id);
    let child = match form.organization_id {
        Some(child) => ChildRef::Existing(OrganizationId(child)),
        None => ChildRef::Named(form.name.clone()),
    };
    match app.add_child(&session.agent.actor(), id, child).await {
        Ok((child, created)) => {
            let sentence = if created {
                format!("{} was created as a new child.", child.name)
            } else {
                format!("{} is now a child.", child.name)
            };
            Ok(redirect_with_flash(jar, &profile_address(id), sentence))
        }
        Err(err) => {
            let err = shown_on_page(err)?;
            let refusal = Refusal {
                child_typed: Some(form.name),
                child_error: Some(refusal_text(&err)),
                ..Default::default()
            };
            refused_profile(&app, &session, &jar, id, &err, refusal).await
        }
    }
}

pub async fn detach_child(
    State(app): State<AppState>,
    session: AgentSession,
    jar: CookieJar,
    Path((id, child)): Path<(i64, i64)>,
    Form(form): Form<CsrfOnly>,
) -> Result<Response, PageError> {
    session.require_csrf(&form.csrf)?;
    let id = OrganizationId(id);
    let child = app
        .get_organization_without_fields(OrganizationId(child))
        .await?;
    app.detach_child(&session.agent.actor(), id, child.id)
        .await?;
    Ok(redirect_with_flash(
        jar,
        &profile_address(id),
        format!("{} is now a top-level organization.", child.name),
    ))
}

struct CandidateRow {
    id: i64,
    name: String,
    /// Why it cannot be a child, in words; none when it can.
    invalid: Option<&'static str>,
}

/// Shown inside the add-child form: its buttons submit that form.
#[derive(Template, WebTemplate)]
#[template(path = "agent/_child_candidates.html")]
struct CandidatesPartial {
    typed: String,
    candidates: Vec<CandidateRow>,
    /// No organization has exactly the typed name: offer to create it.
    offer_create: bool,
}

#[derive(Deserialize)]
pub struct CandidatesQuery {
    #[serde(default)]
    q: String,
}

/// The add-child suggestions for what was typed: a fragment the script shows under the
/// box. Invalid candidates come greyed out with the reason.
pub async fn child_candidates(
    State(app): State<AppState>,
    session: AgentSession,
    Path(id): Path<i64>,
    Query(query): Query<CandidatesQuery>,
) -> Result<Response, PageError> {
    let id = OrganizationId(id);
    let typed = query.q.trim().to_owned();
    let found = if typed.is_empty() {
        Vec::new()
    } else {
        app.child_candidates(&session.agent, id, Some(&typed), &PageRequest::first(10))
            .await?
            .items
    };
    let exact = orgdesk_app::core::text::name_key(&typed);
    let offer_create = !typed.is_empty()
        && !found
            .iter()
            .any(|c| orgdesk_app::core::text::name_key(&c.organization.name) == exact);
    let candidates = found
        .into_iter()
        .map(|candidate| CandidateRow {
            id: candidate.organization.id.0,
            name: candidate.organization.name,
            invalid: candidate.reason.map(|reason| match reason.as_str() {
                "self" => "invalid: itself",
                "ancestor" => "invalid: an ancestor",
                _ => "invalid: already a child",
            }),
        })
        .collect();
    Ok(CandidatesPartial {
        typed,
        candidates,
        offer_create,
    }
    .into_response())
}

#[derive(Deserialize)]
pub struct ManagerForm {
    csrf: String,
    /// `true` makes the member a manager, anything else a plain member.
    manager: String,
}

/// Toggles a member's manager flag.
pub async fn set_manager(
    State(app): State<AppState>,
    session: AgentSession,
    jar: CookieJar,
    Path((id, user)): Path<(i64, i64)>,
    Form(form): Form<ManagerForm>,
) -> Result<Response, PageError> {
    session.require_csrf(&form.csrf)?;
    let id = OrganizationId(id);
    let manager = form.manager == "true";
    let changes = MembershipChanges {
        position: None,
        manager: Some(manager),
    };
    let member = app
        .put_member(&session.agent.actor(), id, UserId(user), changes)
        .await?;
    let sentence = if manager {
        format!("{} is now a manager.", member.name)
    } else {
        format!("{} is no longer a manager.", member.name)
    };
    Ok(redirect_with_flash(jar, &profile_address(id), sentence))
}

#[derive(Deserialize)]
pub struct PositionForm {
    csrf: String,
    #[serde(default)]
    position: String,
}

/// Changes a member's position (empty clears it).
pub async fn set_position(
    State(app): State<AppState>,
    session: AgentSession,
    jar: CookieJar,
    Path((id, user)): Path<(i64, i64)>,
    Form(form): Form<PositionForm>,
) -> Result<Response, PageError> {
    session.require_csrf(&form.csrf)?;
    let id = OrganizationId(id);
    let position = Some(form.position.trim().to_owned()).filter(|p| !p.is_empty());
    let changes = MembershipChanges {
        position: Some(position),
        manager: None,
    };
    let member = app
        .put_member(&session.agent.actor(), id, UserId(user), changes)
        .await?;
    let sentence = match &member.position {
        Some(position) => format!("{} is now {position}.", member.name),
        None => format!("{} has no position now.", member.name),
    };
    Ok(redirect_with_flash(jar, &profile_address(id), sentence))
}

#[derive(Template, WebTemplate)]
#[template(path = "agent/confirm_remove_member.html")]
struct ConfirmRemovePage {
    chrome: Chrome,
    id: i64,
    organization: String,
    user_id: i64,
    user: String,
}

/// Removing a member asks first (a second step, without the script too).
pub async fn confirm_remove_member(
    State(app): State<AppState>,
    session: AgentSession,
    jar: CookieJar,
    Path((id, user)): Path<(i64, i64)>,
) -> Result<Response, PageError> {
    let organization = app
        .get_organization_without_fields(OrganizationId(id))
        .await?;
    let member = app.get_user(UserId(user)).await?;
    let confirm = ConfirmRemovePage {
        chrome: Chrome::new(&session, "organizations", &jar),
        id,
        organization: organization.name,
        user_id: user,
        user: member.name,
    };
    Ok(page(jar, confirm))
}

pub async fn remove_member(
    State(app): State<AppState>,
    session: AgentSession,
    jar: CookieJar,
    Path((id, user)): Path<(i64, i64)>,
    Form(form): Form<CsrfOnly>,
) -> Result<Response, PageError> {
    session.require_csrf(&form.csrf)?;
    let id = OrganizationId(id);
    let member = app.get_user(UserId(user)).await?;
    app.remove_member(&session.agent.actor(), id, member.id)
        .await?;
    Ok(redirect_with_flash(
        jar,
        &profile_address(id),
        format!("{} is no longer a member.", member.name),
    ))
}

#[derive(Deserialize)]
pub struct LinkForm {
    csrf: String,
    usergroup_id: i64,
}

/// Links a usergroup: every member, present and future, is in it (admins only).
pub async fn link_usergroup(
    State(app): State<AppState>,
    session: AgentSession,
    jar: CookieJar,
    Path(id): Path<i64>,
    Form(form): Form<LinkForm>,
) -> Result<Response, PageError> {
    session.require_csrf(&form.csrf)?;
    let id = OrganizationId(id);
    let group = app.get_usergroup(form.usergroup_id).await?;
    app.link_usergroup(&session.agent, id, group.id).await?;
    Ok(redirect_with_flash(
        jar,
        &profile_address(id),
        format!("Every member is now in {}.", group.name),
    ))
}

pub async fn unlink_usergroup(
    State(app): State<AppState>,
    session: AgentSession,
    jar: CookieJar,
    Path((id, group)): Path<(i64, i64)>,
    Form(form): Form<CsrfOnly>,
) -> Result<Response, PageError> {
    session.require_csrf(&form.csrf)?;
    let id = OrganizationId(id);
    let group = app.get_usergroup(group).await?;
    app.unlink_usergroup(&session.agent, id, group.id).await?;
    Ok(redirect_with_flash(
        jar,
        &profile_address(id),
        format!(
            "{} is unlinked; members added to it directly stay in it.",
            group.name
        ),
    ))
}

#[derive(Deserialize)]
pub struct ParentForm {
    csrf: String,
    version: i64,
    /// The parent's name; empty makes the organization top-level.
    #[serde(default)]
    parent: String,
}

/// Sets (by name) or clears the parent, against the version the page showed.
pub async fn set_parent(
    State(app): State<AppState>,
    session: AgentSession,
    jar: CookieJar,
    Path(id): Path<i64>,
    Form(form): Form<ParentForm>,
) -> Result<Response, PageError> {
    session.require_csrf(&form.csrf)?;
    let id = OrganizationId(id);
    let typed = form.parent.trim().to_owned();
    let result = match organization_named(&app, "parent", &typed).await {
        Ok(parent) => {
            let changes = orgdesk_app::OrganizationChanges {
                parent_id: Some(parent.map(|p: orgdesk_app::core::model::Organization| p.id)),
                expected_version: Some(form.version),
                ..Default::default()
            };
            app.update_organization(&session.agent.actor(), id, changes)
                .await
        }
        Err(err) => Err(err),
    };
    match result {
        Ok(org) => {
            let sentence = match org.parent_id {
                Some(_) => format!("{} is now under {typed}.", org.name),
                None => format!("{} is now a top-level organization.", org.name),
            };
            Ok(redirect_with_flash(jar, &profile_address(id), sentence))
        }
        Err(err) => {
            let err = shown_on_page(err)?;
            let refusal = Refusal {
                parent_typed: Some(typed),
                parent_error: Some(refusal_text(&err)),
                ..Default::default()
            };
            refused_profile(&app, &session, &jar, id, &err, refusal).await
        }
    }
}

#[derive(Deserialize)]
pub struct AddContactForm {
    csrf: String,
    version: i64,
    kind: String,
    #[serde(default)]
    label: String,
    value: String,
}

/// A change to an organization's list of contact details.
struct ContactChange<F> {
    /// Changes the list as stored.
    edit: F,
    /// What the flash message says was done: "Contact detail added to".
    done: &'static str,
    /// The new detail as typed (kind, label, value), shown again when refused.
    typed: Option<(String, String, String)>,
}

/// Saves the organization's contact details as the change leaves them, against the
/// version the page showed: a change made meanwhile is refused, not overwritten.
async fn save_contacts(
    app: &AppState,
    session: &AgentSession,
    jar: CookieJar,
    id: OrganizationId,
    version: i64,
    change: ContactChange<impl FnOnce(&mut Vec<orgdesk_app::ContactInput>) -> Result<(), Error>>,
) -> Result<Response, PageError> {
    let current = app.get_organization_without_fields(id).await?;
    let mut contacts: Vec<orgdesk_app::ContactInput> =
        current.contacts.iter().map(Into::into).collect();
    (change.edit)(&mut contacts)?;
    let (done, typed) = (change.done, change.typed);
    let changes = orgdesk_app::OrganizationChanges {
        contacts: Some(contacts),
        expected_version: Some(version),
        ..Default::default()
    };
    match app
        .update_organization(&session.agent.actor(), id, changes)
        .await
    {
        Ok(org) => Ok(redirect_with_flash(
            jar,
            &profile_address(id),
            format!("{done} {}.", org.name),
        )),
        Err(err) => {
            let err = shown_on_page(err)?;
            let refusal = Refusal {
                contact_typed: typed,
                contact_error: Some(refusal_text(&err)),
                ..Default::default()
            };
            refused_profile(app, session, &jar, id, &err, refusal).await
        }
    }
}

/// Adds a contact detail.
pub async fn add_contact(
    State(app): State<AppState>,
    session: AgentSession,
    jar: CookieJar,
    Path(id): Path<i64>,
    Form(form): Form<AddContactForm>,
) -> Result<Response, PageError> {
    session.require_csrf(&form.csrf)?;
    let added = orgdesk_app::ContactInput {
        kind: form.kind.clone(),
        label: Some(form.label.trim().to_owned()).filter(|l| !l.is_empty()),
        value: form.value.clone(),
    };
    let change = ContactChange {
        edit: |contacts: &mut Vec<_>| {
            contacts.push(added);
            Ok(())
        },
        done: "Contact detail added to",
        typed: Some((form.kind, form.label, form.value)),
    };
    let id = OrganizationId(id);
    save_contacts(&app, &session, jar, id, form.version, change).await
}

#[derive(Deserialize)]
pub struct RemoveContactForm {
    csrf: String,
    version: i64,
}

/// Removes the contact detail at `index`.
pub async fn remove_contact(
    State(app): State<AppState>,
    session: AgentSession,
    jar: CookieJar,
    Path((id, index)): Path<(i64, usize)>,
    Form(form): Form<RemoveContactForm>,
) -> Result<Response, PageError> {
    session.require_csrf(&form.csrf)?;
    let change = ContactChange {
        edit: |contacts: &mut Vec<_>| {
            if index >= contacts.len() {
                return Err(Error::not_found(
                    orgdesk_app::core::Entity::Route,
                    "that contact detail",
                ));
            }
            contacts.remove(index);
            Ok(())
        },
        done: "Contact detail removed from",
        typed: None,
    };
    let id = OrganizationId(id);
    save_contacts(&app, &session, jar, id, form.version, change).await
}

#[derive(Deserialize)]
pub struct EditContactForm {
    csrf: String,
    version: i64,
    #[serde(default)]
    label: String,
    value: String,
}

/// Changes the label and value of the contact detail at `index` (edited in place).
pub async fn edit_contact(
    State(app): State<AppState>,
    session: AgentSession,
    jar: CookieJar,
    Path((id, index)): Path<(i64, usize)>,
    Form(form): Form<EditContactForm>,
) -> Result<Response, PageError> {
    session.require_csrf(&form.csrf)?;
    let change = ContactChange {
        edit: |contacts: &mut Vec<orgdesk_app::ContactInput>| {
            let Some(contact) = contacts.get_mut(index) else {
                return Err(Error::not_found(
                    orgdesk_app::core::Entity::Route,
                    "that contact detail",
                ));
            };
            contact.label = Some(form.label.trim().to_owned()).filter(|l| !l.is_empty());
            contact.value = form.value.clone();
            Ok(())
        },
        done: "Contact detail saved for",
        typed: None,
    };
    let id = OrganizationId(id);
    save_contacts(&app, &session, jar, id, form.version, change).await
}

/// A message to the organization's members, as typed.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct MessageForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    pub subject: String,
    #[serde(default)]
    pub body: String,
}

/// Writes to the members: one mail each, queued now; the sentence says how many.
pub async fn write_to_members(
    State(app): State<AppState>,
    session: AgentSession,
    jar: CookieJar,
    Path(id): Path<i64>,
    Form(form): Form<MessageForm>,
) -> Result<Response, PageError> {
    session.require_csrf(&form.csrf)?;
    let id = OrganizationId(id);
    match app
        .write_to_organization(&session.agent.actor(), id, &form.subject, &form.body)
        .await
    {
        Ok(recipients) => Ok(redirect_with_flash(
            jar,
            &format!("{}#members-heading", profile_address(id)),
            match recipients {
                0 => "No member takes mail, so nothing was sent.".to_owned(),
                1 => "Your message is on its way to 1 member.".to_owned(),
                many => format!("Your message is on its way to {many} members."),
            },
        )),
        Err(err) => {
            let err = shown_on_page(err)?;
            let box_label = match &err {
                Error::Validation { field, .. } if field == "body" => "Message",
                _ => "Subject",
            };
            let refusal = Refusal {
                message_error: Some(format!("{box_label}: {}", refusal_text(&err))),
                message_typed: Some(form),
                ..Default::default()
            };
            refused_profile(&app, &session, &jar, id, &err, refusal).await
        }
    }
}

/// An invitation into the organization, as typed.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct InviteForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub position: String,
    /// A ticked checkbox; absent when unticked.
    pub manager: Option<String>,
}

/// Invites a person: they become a member and get a mail with a link to set a password.
pub async fn invite(
    State(app): State<AppState>,
    session: AgentSession,
    jar: CookieJar,
    Path(id): Path<i64>,
    Form(form): Form<InviteForm>,
) -> Result<Response, PageError> {
    session.require_csrf(&form.csrf)?;
    let id = OrganizationId(id);
    let position = form.position.trim();
    let invitation = Invitation {
        email: form.email.clone(),
        name: form.name.clone(),
        position: (!position.is_empty()).then(|| position.to_owned()),
        manager: form.manager.is_some(),
    };
    match app
        .invite_to_organization(&session.agent.actor(), id, invitation)
        .await
    {
        Ok(user) => Ok(redirect_with_flash(
            jar,
            &format!("{}#members-heading", profile_address(id)),
            format!(
                "{} is a member now; a mail with a link to set a password is on its way to {}.",
                user.name, user.email
            ),
        )),
        Err(err) => {
            let err = shown_on_page(err)?;
            let refusal = Refusal {
                invite_error: Some(refusal_text(&err)),
                invite_typed: Some(form),
                ..Default::default()
            };
            refused_profile(&app, &session, &jar, id, &err, refusal).await
        }
    }
}
