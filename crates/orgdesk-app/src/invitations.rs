//! Links mailed to a person that act for their account once: an invitation (an agent
//! adds a person to an organization by email; the link sets their first password, for a
//! week) and a password reset (asked for in the portal; the link sets a new password,
//! for an hour, and signs the account out everywhere). Agents' contacts, who have no
//! password, claim their portal account with a reset.

use crate::auth::{check_password, hash_password, new_token, token_hash};
use crate::user_creation::{NewUser, insert_users_on, validate};
use crate::{App, millis, now_ms};
use orgdesk_core::mail::MailKind;
use orgdesk_core::model::{Actor, User};
use orgdesk_core::{EmailAddress, Error, OrganizationId, Result, UserId};
use orgdesk_store::mail::{self as queue, MailTemplate, Recipients};
use orgdesk_store::tokens::{self, TokenOwner};
use orgdesk_store::{ConnectionTrait, account_links, users};
use std::net::IpAddr;
use std::time::Duration;

/// How long an invitation's link works.
pub const INVITATION_LIFETIME: Duration = Duration::from_secs(7 * 24 * 60 * 60);

/// How long a password reset's link works.
pub const PASSWORD_RESET_LIFETIME: Duration = Duration::from_secs(60 * 60);

const INVITATION: &str = "invitation";
const PASSWORD_RESET: &str = "password_reset";

/// A person an agent invites into an organization.
#[derive(Debug, Clone, Default)]
pub struct Invitation {
    pub email: String,
    pub name: String,
    pub position: Option<String>,
    pub manager: bool,
}

/// Why a link does not open the account, as a refusal of the `token` field.
fn unusable_link(reason: &str) -> Error {
    Error::validation("token", reason.to_owned())
}

impl App {
    /// Creates the user in the organization and mails them a link to set a password,
    /// in one transaction: the user, their membership, the link and the mail exist
    /// together or not at all.
    pub async fn invite_to_organization(
        &self,
        actor: &Actor,
        organization: OrganizationId,
        invitation: Invitation,
    ) -> Result<User> {
        let valid = validate(&NewUser {
            name: invitation.name,
            email: invitation.email,
            password: None,
            organization_id: Some(organization),
            position: invitation.position,
            manager: invitation.manager,
            external_id: None,
        })
        .await?;
        let at = now_ms();
        let tx = self.store().begin_write().await?;
        let org = self.require_organization(&tx, organization).await?;
        let user = insert_users_on(&tx, actor, vec![valid], at)
            .await?
            .pop()
            .expect("one user in, one user out");
        let token = new_token();
        account_links::insert(
            &tx,
            user.id,
            INVITATION,
            &token_hash(&token),
            at,
            at + millis(INVITATION_LIFETIME),
        )
        .await?;
        let settings = self.mail_settings();
        let link = settings.link_or_path(&format!("/portal/set-password?token={token}"));
        let body = crate::mail::texts::invitation(actor, &org.name, &link);
        self.queue_account_mail(
            &tx,
            user.id,
            MailKind::Invitation,
            &format!("Your account at {}", org.name),
            &body,
        )
        .await?;
        orgdesk_store::commit(tx).await?;
        self.mail_queued();
        Ok(user)
    }

    /// Sets the password of the account a mailed link names, and spends the link.
    pub async fn set_password_with_link(&self, token: &str, password: &str) -> Result<User> {
        check_password(password)?;
        let hash = hash_password(password).await?;
        let at = now_ms();
        let tx = self.store().begin_write().await?;
        let link = account_links::find_by_hash(&tx, &token_hash(token.trim()))
            .await?
            .filter(|link| link.purpose == INVITATION || link.purpose == PASSWORD_RESET)
            .ok_or_else(|| {
                unusable_link("this link does not open an account; ask for a new one")
            })?;
        if link.used_at.is_some() {
            return Err(unusable_link(
                "this link was already used; sign in, or ask for a new one",
            ));
        }
        if link.expires_at <= at {
            return Err(unusable_link("this link has expired; ask for a new one"));
        }
        if !account_links::mark_used(&tx, link.id, at).await? {
            return Err(unusable_link(
                "this link was already used; sign in, or ask for a new one",
            ));
        }
        let user = UserId(link.user_id);
        if self.require_user(&tx, user).await?.disabled {
            return Err(Error::Forbidden("this account is switched off".into()));
        }
        users::set_password_hash(&tx, user, &hash).await?;
        // Whoever held the old password is signed out.
        tokens::revoke_all(&tx, TokenOwner::User(user), None, at).await?;
        let stored = self.require_user(&tx, user).await?;
        orgdesk_store::commit(tx).await?;
        Ok(stored)
    }

    /// Mails a link to set a new password to the account of `email`, if there is an
    /// enabled one. The answer is the same either way, so the form tells nobody which
    /// addresses have accounts; tries count against the address's sign-in allowance,
    /// so it cannot flood a mailbox.
    pub async fn request_password_reset(&self, email: &str, from: IpAddr) -> Result<()> {
        let Ok(address) = EmailAddress::parse(email) else {
            return Err(Error::validation(
                "email",
                format!("\"{}\" is not an email address", email.trim()),
            ));
        };
        self.throttle()
            .sign_in(format!("password reset:{}", address.key()), from)?;
        let at = now_ms();
        let tx = self.store().begin_write().await?;
        let Some(user) = users::find_id_by_email_key(&tx, address.key()).await? else {
            return Ok(());
        };
        let stored = self.require_user(&tx, user).await?;
        if stored.disabled {
            return Ok(());
        }
        let token = new_token();
        account_links::insert(
            &tx,
            user,
            PASSWORD_RESET,
            &token_hash(&token),
            at,
            at + millis(PASSWORD_RESET_LIFETIME),
        )
        .await?;
        let link = self
            .mail_settings()
            .link_or_path(&format!("/portal/set-password?token={token}"));
        let body = crate::mail::texts::password_reset(&link);
        self.queue_account_mail(
            &tx,
            user,
            MailKind::PasswordReset,
            "Set a new password",
            &body,
        )
        .await?;
        orgdesk_store::commit(tx).await?;
        self.mail_queued();
        Ok(())
    }

    /// Queues a mail about a user's account to them: sent unless they are disabled,
    /// whatever their notification setting.
    pub(crate) async fn queue_account_mail<C: ConnectionTrait>(
        &self,
        conn: &C,
        user: UserId,
        kind: MailKind,
        subject: &str,
        body: &str,
    ) -> Result<()> {
        let settings = self.mail_settings();
        let (prefix, suffix) = crate::mail::message_id_parts(settings, kind.as_str());
        queue::insert_for(
            conn,
            Recipients::Account(user),
            &MailTemplate {
                kind: kind.as_str(),
                subject,
                body,
                message_id_prefix: &prefix,
                message_id_suffix: &suffix,
                thread_id: None,
                ticket_id: None,
                organization_id: None,
                at: now_ms(),
            },
        )
        .await?;
        Ok(())
    }
}
