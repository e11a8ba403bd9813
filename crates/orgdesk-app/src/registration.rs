//! Self-registration in the portal. By default an address must be confirmed first: the
//! registration waits (with its password's hash) until the link mailed to the address
//! is used, and only then becomes a user — who may then join an organization by the
//! address's domain and gain the usergroups linked to it. Without that, anyone could
//! register as someone@their-customer.com and read what that customer's members may.
//! The answer is the same for a new address and one that has an account (whose holder
//! is told by mail instead), so registering reveals no accounts. An admin may switch
//! confirmation off where every address is trusted (an intranet).

use crate::auth::{check_password, hash_password, new_token, token_hash};
use crate::user_creation::{NewUser, insert_users_on, validate};
use crate::{App, millis, now_ms};
use orgdesk_core::mail::MailKind;
use orgdesk_core::model::{Actor, Agent, User};
use orgdesk_core::{EmailAddress, Error, PersonName, Result};
use orgdesk_store::mail::{self as queue, MailTemplate};
use orgdesk_store::{registrations, users};
use std::time::Duration;

/// How long the link of a registration works.
pub const REGISTRATION_LIFETIME: Duration = Duration::from_secs(24 * 60 * 60);

const VERIFY_REGISTRATIONS: &str = "verify_registrations";

/// What a registration came to.
#[derive(Debug, Clone)]
pub enum Registration {
    /// Confirmation is off: the user exists and may sign in.
    Created(User),
    /// A mail went to the address (a link to confirm it, or, when it has an account, a
    /// word to its holder); nothing else is told.
    Mailed,
}

/// Settings an admin changes while the server runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuntimeSettings {
    /// Portal registrations need the mailed link before they become users.
    pub verify_registrations: bool,
}

#[derive(Debug, Clone, Default)]
pub struct RuntimeSettingsChanges {
    pub verify_registrations: Option<bool>,
}

fn portal_registration() -> Actor {
    Actor::System {
        name: "portal registration".into(),
    }
}

impl App {
    /// Registers in the portal. Each try counts against the source address's
    /// registration allowance (429 once spent).
    pub async fn register_user(
        &self,
        name: &str,
        email: &str,
        password: &str,
        from: std::net::IpAddr,
    ) -> Result<Registration> {
        self.throttle().registration(from)?;
        if !self.runtime_settings().await?.verify_registrations {
            let user = self
                .create_user(
                    &portal_registration(),
                    NewUser {
                        name: name.into(),
                        email: email.into(),
                        password: Some(password.into()),
                        ..Default::default()
                    },
                )
                .await?;
            return Ok(Registration::Created(user));
        }
        let name = PersonName::parse(name)?;
        let email = EmailAddress::parse(email)?;
        check_password(password)?;
        let hash = hash_password(password).await?;
        let at = now_ms();
        let settings = self.mail_settings();
        let tx = self.store().begin_write().await?;
        if let Some(holder) = users::find_id_by_email_key(&tx, email.key()).await? {
            let link = settings.link_or_path("/portal/forgot-password");
            let body = crate::mail::texts::account_exists(&link);
            self.queue_account_mail(
                &tx,
                holder,
                MailKind::AccountExists,
                "You already have an account",
                &body,
            )
            .await?;
        } else {
            let token = new_token();
            registrations::replace(
                &tx,
                &registrations::NewPending {
                    email_key: email.key(),
                    email: email.as_str(),
                    name: name.as_str(),
                    password_hash: &hash,
                    token_hash: &token_hash(&token),
                    at,
                    expires_at: at + millis(REGISTRATION_LIFETIME),
                },
            )
            .await?;
            let link = settings.link_or_path(&format!("/portal/confirm?token={token}"));
            let body = crate::mail::texts::registration(&link);
            let (prefix, suffix) =
                crate::mail::message_id_parts(settings, MailKind::Registration.as_str());
            queue::insert_to_address(
                &tx,
                email.as_str(),
                name.as_str(),
                &MailTemplate {
                    kind: MailKind::Registration.as_str(),
                    subject: "Confirm your address",
                    body: &body,
                    message_id_prefix: &prefix,
                    message_id_suffix: &suffix,
                    thread_id: None,
                    ticket_id: None,
                    organization_id: None,
                    at,
                },
            )
            .await?;
        }
        orgdesk_store::commit(tx).await?;
        self.mail_queued();
        Ok(Registration::Mailed)
    }

    /// Uses a registration's mailed link: the registration becomes a user (the email
    /// domain association applies), and the link stops working.
    pub async fn confirm_registration(&self, token: &str) -> Result<User> {
        let at = now_ms();
        let tx = self.store().begin_write().await?;
        let pending = registrations::find_by_token(&tx, &token_hash(token.trim()))
            .await?
            .ok_or_else(|| {
                Error::validation(
                    "token",
                    "this link confirms no registration (it may have been used, or replaced by a newer one); register again",
                )
            })?;
        if pending.expires_at <= at {
            return Err(Error::validation(
                "token",
                "this link has expired; register again",
            ));
        }
        let mut valid = validate(&NewUser {
            name: pending.name.clone(),
            email: pending.email.clone(),
            ..Default::default()
        })
        .await?;
        valid.password_hash = Some(pending.password_hash.clone());
        // Deleting is the claim on the link: of two uses at once, the second finds it
        // gone (on PostgreSQL it waits for the first to commit) and is refused.
        if !registrations::delete(&tx, pending.id).await? {
            return Err(Error::validation(
                "token",
                "this link was already used; sign in",
            ));
        }
        let user = insert_users_on(&tx, &portal_registration(), vec![valid], at)
            .await?
            .pop()
            .expect("one user in, one user out");
        orgdesk_store::commit(tx).await?;
        Ok(user)
    }

    /// The settings admins change at run time.
    pub async fn runtime_settings(&self) -> Result<RuntimeSettings> {
        let verify = registrations::setting(self.store().reader(), VERIFY_REGISTRATIONS).await?;
        Ok(RuntimeSettings {
            verify_registrations: verify.as_deref() != Some("false"),
        })
    }

    /// Changes run-time settings (admins only).
    pub async fn change_runtime_settings(
        &self,
        by: &Agent,
        changes: RuntimeSettingsChanges,
    ) -> Result<RuntimeSettings> {
        crate::auth::require_admin(by, "change settings")?;
        if let Some(verify) = changes.verify_registrations {
            let tx = self.store().begin_write().await?;
            registrations::set_setting(&tx, VERIFY_REGISTRATIONS, &verify.to_string()).await?;
            orgdesk_store::commit(tx).await?;
        }
        self.runtime_settings().await
    }
}
