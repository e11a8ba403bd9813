//! The organization profile: what agents keep open all day. One page with a fixed
//! number of queries whatever the organization's size — members, children and tickets
//! are first pages. The name and summary are edited in place; the version read travels
//! with the form, so a change someone made meanwhile is explained, never overwritten.

use super::entitlements::{EntitlementForm, EntitlementRow, entitlement_rows};
use super::profile_actions::{InviteForm, MessageForm};
use super::profile_lists::{
    Pager, ProfileQuery, Section, TicketRow, ticket_query, tickets_section,
};
use super::properties::{PropertiesView, TypedProperties, properties_view};
use super::render::Form;
use super::render::{Chrome, PageError, page, redirect_with_flash, refusal_text};
use super::session::AgentSession;
use super::tickets::{Choice, status_choices};
use super::time_text::{human_time, iso_time};
use crate::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::Query;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::CookieJar;
use orgdesk_app::core::model::Organization;
use orgdesk_app::core::{Error, OrganizationId};
use orgdesk_app::{OrganizationChanges, OrganizationProfile, ProfileRequest};
use serde::Deserialize;

pub struct OrgView {
    id: i64,
    name: String,
    member_count: i64,
    contacts: Vec<ContactView>,
    domains: Vec<String>,
    external_id: Option<String>,
    version: i64,
    created_iso: String,
    created_text: String,
    updated_iso: String,
    updated_text: String,
}

struct ContactView {
    kind: &'static str,
    label: Option<String>,
    value: String,
}

struct Link {
    id: i64,
    name: String,
}

struct MemberRow {
    id: i64,
    name: String,
    email: String,
    position: Option<String>,
    manager: bool,
}

/// The field an in-place edit saves.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum EditedField {
    Name,
    Summary,
}

impl EditedField {
    fn word(self) -> &'static str {
        match self {
            EditedField::Name => "name",
            EditedField::Summary => "summary",
        }
    }
}

/// Someone changed the organization after the agent opened it, as the page says it.
struct Conflict {
    message: String,
    /// Their summary as stored now, when the agent was editing the summary.
    theirs: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "agent/organization.html")]
struct ProfilePage {
    chrome: Chrome,
    org: OrgView,
    ancestors: Vec<Link>,
    children: Vec<Link>,
    children_pager: Pager,
    members: Vec<MemberRow>,
    members_pager: Pager,
    /// The lists' filters and cursors, as the address carries them.
    query: ProfileQuery,
    managers_address: String,
    all_members_address: String,
    statuses: Vec<Choice>,
    usergroups: Vec<Link>,
    tickets: Vec<TicketRow>,
    tickets_pager: Pager,
    tickets_error: Option<String>,
    member_typed: String,
    member_error: Option<String>,
    /// What the name and summary boxes show: the stored text, or what the agent typed
    /// when it was refused.
    name_typed: String,
    summary_typed: String,
    /// The version the summary form sends back.
    summary_version: i64,
    name_error: Option<String>,
    summary_error: Option<String>,
    conflict: Option<Conflict>,
    domain_typed: String,
    domain_error: Option<String>,
    offer_force: bool,
    child_typed: String,
    child_error: Option<String>,
    parent_typed: String,
    parent_error: Option<String>,
    contact_kinds: Vec<(&'static str, &'static str, bool)>,
    contact_label: String,
    contact_value: String,
    contact_error: Option<String>,
    properties: PropertiesView,
    entitlements: Vec<EntitlementRow>,
    entitlements_pager: Pager,
    entitlement_new: EntitlementForm,
    entitlement_error: Option<String>,
    message_new: MessageForm,
    message_error: Option<String>,
    invite_new: InviteForm,
    invite_error: Option<String>,
}

/// The kinds of contact detail, as (value, label) for the menu.
const CONTACT_KINDS: [(&str, &str); 5] = [
    ("phone", "Phone"),
    ("email", "Email"),
    ("website", "Website"),
    ("address", "Address"),
    ("social", "Social profile"),
];

fn org_view(org: &Organization) -> OrgView {
    OrgView {
        id: org.id.0,
        name: org.name.clone(),
        member_count: org.member_count,
        contacts: org
            .contacts
            .iter()
            .map(|c| ContactView {
                kind: c.kind.as_str(),
                label: c.label.clone(),
                value: c.value.clone(),
            })
            .collect(),
        domains: org.domains.clone(),
        external_id: org.external_id.clone(),
        version: org.version,
        created_iso: iso_time(org.created_at),
        created_text: human_time(org.created_at),
        updated_iso: iso_time(org.updated_at),
        updated_text: human_time(org.updated_at),
    }
}

/// What a refused change puts back on the page: what was typed, and why, beside the
/// section it belongs to.
#[derive(Default)]
pub(super) struct Refusal {
    pub name_typed: Option<String>,
    pub summary_typed: Option<String>,
    pub name_error: Option<String>,
    pub summary_error: Option<String>,
    /// The field being saved when someone else had changed the organization.
    pub conflict: Option<EditedField>,
    pub domain_typed: Option<String>,
    pub domain_error: Option<String>,
    /// The domain is free mail: offer to add it anyway.
    pub offer_force: bool,
    pub child_typed: Option<String>,
    pub child_error: Option<String>,
    pub parent_typed: Option<String>,
    pub parent_error: Option<String>,
    /// (kind, label, value) of a refused new contact detail.
    pub contact_typed: Option<(String, String, String)>,
    pub contact_error: Option<String>,
    pub member_typed: Option<String>,
    pub member_error: Option<String>,
    /// The properties form as typed, and why it was refused.
    pub properties_typed: Option<TypedProperties>,
    pub properties_error: Option<String>,
    /// A refused new entitlement, as typed, and why.
    pub entitlement_typed: Option<EntitlementForm>,
    pub entitlement_error: Option<String>,
    /// A refused change of an entitlement: (its id, the form as typed, why).
    pub entitlement_editing: Option<(i64, EntitlementForm, String)>,
    /// A refused message to the members, as typed, and why.
    pub message_typed: Option<MessageForm>,
    pub message_error: Option<String>,
    /// A refused invitation, as typed, and why.
    pub invite_typed: Option<InviteForm>,
    pub invite_error: Option<String>,
}

/// The profile again after a refusal, with the status the refusal calls for.
pub(super) async fn refused_profile(
    app: &AppState,
    session: &AgentSession,
    jar: &CookieJar,
    id: OrganizationId,
    err: &Error,
    refusal: Refusal,
) -> Result<Response, PageError> {
    let status = match err {
        Error::VersionConflict { .. } => StatusCode::PRECONDITION_FAILED,
        Error::Validation { .. } => StatusCode::UNPROCESSABLE_ENTITY,
        _ => StatusCode::CONFLICT,
    };
    let profile = profile_page(app, session, jar, id, &ProfileQuery::default(), refusal).await?;
    Ok((status, profile).into_response())
}

async fn profile_page(
    app: &AppState,
    session: &AgentSession,
    jar: &CookieJar,
    id: OrganizationId,
    query: &ProfileQuery,
    refusal: Refusal,
) -> Result<ProfilePage, PageError> {
    let profile = app
        .organization_profile(
            &session.agent,
            id,
            &ProfileRequest {
                children: query.page(Section::Children),
                members: query.page(Section::Members),
                members_manager: query.managers_only().then_some(true),
                tickets: ticket_query(query),
                tickets_page: query.page(Section::Tickets),
                entitlements: query.page(Section::Entitlements),
            },
        )
        .await?;
    let OrganizationProfile {
        organization: org,
        ancestors,
        children,
        members,
        tickets,
        usergroups,
        fields,
        entitlements,
    } = profile;
    let tickets = tickets_section(&org, query, tickets)?;
    let filtered_members = |members: &str| {
        ProfileQuery {
            members: members.to_owned(),
            ..query.clone()
        }
        .address(id.0, Section::Members, None)
    };
    let link = |o: &Organization| Link {
        id: o.id.0,
        name: o.name.clone(),
    };
    Ok(ProfilePage {
        chrome: Chrome::new(session, "organizations", jar),
        ancestors: ancestors
            .into_iter()
            .map(|a| Link {
                id: a.id.0,
                name: a.name,
            })
            .collect(),
        children: children.items.iter().map(link).collect(),
        children_pager: Pager::new(query, id.0, Section::Children, children.next_cursor.as_deref()),
        members_pager: Pager::new(query, id.0, Section::Members, members.next_cursor.as_deref()),
        managers_address: filtered_members("managers"),
        all_members_address: filtered_members(""),
        statuses: status_choices(),
        query: query.clone(),
        members: members
            .items
            .into_iter()
            .map(|user| MemberRow {
                id: user.id.0,
                name: user.name,
                email: user.email,
                position: user.position,
                manager: user.manager,
            })
            .collect(),
        usergroups: usergroups
            .into_iter()
            .map(|g| Link {
                id: g.id,
                name: g.name,
            })
            .collect(),
        tickets: tickets.rows,
        tickets_pager: tickets.pager,
        tickets_error: tickets.error,
        member_typed: refusal.member_typed.unwrap_or_default(),
        member_error: refusal.member_error,
        name_typed: refusal.name_typed.unwrap_or_else(|| org.name.clone()),
        summary_typed: refusal
            .summary_typed
            .unwrap_or_else(|| org.summary.clone().unwrap_or_default()),
        summary_version: org.version,
        name_error: refusal.name_error,
        summary_error: refusal.summary_error,
        domain_typed: refusal.domain_typed.unwrap_or_default(),
        domain_error: refusal.domain_error,
        offer_force: refusal.offer_force,
        child_typed: refusal.child_typed.unwrap_or_default(),
        child_error: refusal.child_error,
        parent_typed: refusal.parent_typed.unwrap_or_default(),
        parent_error: refusal.parent_error,
        contact_kinds: CONTACT_KINDS
            .iter()
            .map(|&(value, label)| {
                let chosen = refusal
                    .contact_typed
                    .as_ref()
                    .is_some_and(|(kind, _, _)| kind == value);
                (value, label, chosen)
            })
            .collect(),
        contact_label: refusal
            .contact_typed
            .as_ref()
            .map(|(_, label, _)| label.clone())
            .unwrap_or_default(),
        contact_value: refusal
            .contact_typed
            .as_ref()
            .map(|(_, _, value)| value.clone())
            .unwrap_or_default(),
        contact_error: refusal.contact_error,
        entitlements: entitlement_rows(
            &entitlements.items,
            refusal.entitlement_editing.as_ref(),
        ),
        entitlements_pager: Pager::new(
            query,
            id.0,
            Section::Entitlements,
            entitlements.next_cursor.as_deref(),
        ),
        entitlement_new: refusal.entitlement_typed.unwrap_or_default(),
        entitlement_error: refusal.entitlement_error,
        message_new: refusal.message_typed.unwrap_or_default(),
        message_error: refusal.message_error,
        invite_new: refusal.invite_typed.unwrap_or_default(),
        invite_error: refusal.invite_error,
        properties: properties_view(
            &session.agent,
            &fields,
            &org.fields,
            refusal.properties_typed.as_ref(),
            refusal.properties_error,
        ),
        conflict: refusal.conflict.map(|field| Conflict {
            message: format!(
                "Someone changed this organization after you opened it ({}). Your text is kept below; save again to replace theirs, or reload to see it.",
                field.word()
            ),
            theirs: (field == EditedField::Summary)
                .then(|| org.summary.clone().unwrap_or_default()),
        }),
        org: org_view(&org),
    })
}

pub async fn show(
    State(app): State<AppState>,
    session: AgentSession,
    jar: CookieJar,
    Path(id): Path<i64>,
    Query(query): Query<ProfileQuery>,
) -> Result<Response, PageError> {
    let profile = profile_page(
        &app,
        &session,
        &jar,
        OrganizationId(id),
        &query,
        Refusal::default(),
    )
    .await?;
    Ok(page(jar, profile))
}

#[derive(Deserialize)]
pub struct EditForm {
    csrf: String,
    version: i64,
    name: Option<String>,
    summary: Option<String>,
}

/// Saves the name or the summary (whichever the form sent) against the version the
/// page was rendered with.
pub async fn edit(
    State(app): State<AppState>,
    session: AgentSession,
    jar: CookieJar,
    Path(id): Path<i64>,
    Form(form): Form<EditForm>,
) -> Result<Response, PageError> {
    session.require_csrf(&form.csrf)?;
    let id = OrganizationId(id);
    let summary = form
        .summary
        .as_ref()
        .map(|text| Some(text.trim().to_owned()).filter(|t| !t.is_empty()));
    let changes = OrganizationChanges {
        name: form.name.clone(),
        summary,
        expected_version: Some(form.version),
        ..Default::default()
    };
    let field = if form.name.is_some() {
        EditedField::Name
    } else {
        EditedField::Summary
    };
    match app
        .update_organization(&session.agent.actor(), id, changes)
        .await
    {
        Ok(org) => Ok(redirect_with_flash(
            jar,
            &format!("/agent/organizations/{}", org.id.0),
            format!("The {} of {} is saved.", field.word(), org.name),
        )),
        Err(err @ (Error::Internal(_) | Error::NotFound { .. })) => Err(err.into()),
        Err(err) => {
            let mut refusal = Refusal {
                name_typed: form.name,
                summary_typed: form.summary,
                ..Default::default()
            };
            match (&err, field) {
                (Error::VersionConflict { .. }, _) => refusal.conflict = Some(field),
                (_, EditedField::Name) => refusal.name_error = Some(refusal_text(&err)),
                (_, EditedField::Summary) => refusal.summary_error = Some(refusal_text(&err)),
            }
            refused_profile(&app, &session, &jar, id, &err, refusal).await
        }
    }
}
