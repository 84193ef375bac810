//! Changing and removing accounts, by their owner or by an administrator.

use domain::{AdminTally, AuditAction, Email, Password, Role, User, UserId, Username};

use super::{UserError, UserService};
use crate::{
    Actor,
    audit::record_after_the_fact,
    authz::{UserAction, authorize_user},
    ports::{AdminChange, AdminGuard},
    throttle::{Guarded, check_password, reauthentication_bucket},
    views::{FullUser, IfMatch},
};

/// A change of username and/or email. Self-service email changes need the current password.
#[derive(Debug, Default)]
pub struct ProfileUpdate {
    pub username: Option<Username>,
    pub email: Option<Email>,
    pub current_password: Option<String>,
}

/// `user`, if `if_match` (when given) still names its full record.
fn unchanged(user: User, if_match: Option<&IfMatch>) -> Result<User, UserError> {
    let full = FullUser::new(user);
    if if_match.is_some_and(|m| !m.matches(&full.version_tag())) {
        return Err(UserError::PreconditionFailed);
    }
    Ok(full.user().clone())
}

/// What a change subject to the last-admin rule came to, as the use case answers it.
fn admin_change(change: AdminChange) -> Result<(), UserError> {
    match change {
        AdminChange::Applied => Ok(()),
        AdminChange::Stale => Err(UserError::PreconditionFailed),
        AdminChange::Refused(tally) => {
            tracing::info!(?tally, "refused: the change would leave no administrator");
            Err(UserError::LastAdmin)
        }
    }
}

impl UserService {
    /// Every re-check of the current password reserves an attempt in the account's
    /// re-authentication bucket first: wrong guesses through a stolen session meet a lock-out.
    async fn check_current_password(
        &self,
        user: &User,
        given: Option<&str>,
    ) -> Result<(), UserError> {
        let given = given.ok_or(UserError::CurrentPasswordRequired)?;
        let checked = check_password(
            self.ports.attempts.as_ref(),
            self.ports.hasher.as_ref(),
            &self.lockout,
            &reauthentication_bucket(user.id()),
            given,
            Some(user.password_hash()),
        )
        .await?;
        match checked {
            Guarded::Refused { retry_after } => Err(UserError::LockedOut { retry_after }),
            Guarded::Checked { matches: true, .. } => Ok(()),
            Guarded::Checked { locked, .. } => {
                if let Some(lock) = locked {
                    tracing::warn!(
                        user_id = %user.id(),
                        seconds = lock.as_secs(),
                        "password re-checks locked out after wrong current passwords"
                    );
                }
                Err(UserError::InvalidCurrentPassword)
            }
        }
    }

    pub async fn update_profile(
        &self,
        actor: &Actor,
        id: UserId,
        update: ProfileUpdate,
        if_match: Option<&IfMatch>,
    ) -> Result<FullUser, UserError> {
        authorize_user(actor, UserAction::Update, Some(id))?;
        let mut user = unchanged(self.find(id).await?, if_match)?;
        let email_changes = update
            .email
            .as_ref()
            .is_some_and(|e| Some(e) != user.email());
        if email_changes && actor.user_id == id {
            self.check_current_password(&user, update.current_password.as_deref())
                .await?;
        }
        if email_changes
            && actor.user_id == id
            && let (Some(mail), Some(new_email)) = (&self.email_changes, &update.email)
        {
            return self
                .request_email_change(actor, user, update.username, new_email.clone(), mail)
                .await
                .map(FullUser::new);
        }
        let seen = user.updated_at();
        let username = update.username.unwrap_or_else(|| user.username().clone());
        let now = self.ports.clock.now();
        user.update_profile(username, update.email, now);
        // The event names the account, never the old or new address.
        let event =
            email_changes.then(|| actor.audit(AuditAction::EmailChanged, now).with_target(id));
        if !self
            .ports
            .users
            .update(&user, Some(seen), event.as_ref())
            .await?
        {
            return Err(UserError::PreconditionFailed);
        }
        Ok(FullUser::new(user))
    }

    /// A user moving their own account to `new_email`: the username (if given) changes now,
    /// the address only once the token mailed to it comes back. The old address gets a notice
    /// without any secret. The new address must be free now, and still when confirmed.
    async fn request_email_change(
        &self,
        actor: &Actor,
        mut user: User,
        username: Option<Username>,
        new_email: Email,
        mail: &crate::mail::AccountMail,
    ) -> Result<User, UserError> {
        if self.ports.users.find_by_email(&new_email).await?.is_some() {
            return Err(UserError::EmailTaken);
        }
        let now = self.ports.clock.now();
        if let Some(username) = username.filter(|u| u != user.username()) {
            let seen = user.updated_at();
            user.update_profile(username, None, now);
            if !self.ports.users.update(&user, Some(seen), None).await? {
                return Err(UserError::PreconditionFailed);
            }
        }
        let event = actor
            .audit(AuditAction::EmailChangeRequested, now)
            .with_target(user.id());
        mail.send_token(
            &user,
            crate::ports::TokenPurpose::ChangeEmail,
            &new_email,
            Some(&event),
        )
        .await?;
        if let Some(old) = user.email() {
            mail.queue(mail.templates().email_change_notice(old, user.username()))
                .await;
        }
        tracing::info!(user_id = %user.id(), "email change requested; waiting for confirmation");
        Ok(user)
    }

    /// Changes the caller's password and ends every other session of theirs.
    pub async fn change_password(
        &self,
        actor: &Actor,
        current_password: &str,
        new_password: Password,
    ) -> Result<(), UserError> {
        let mut user = self.find(actor.user_id).await?;
        self.check_current_password(&user, Some(current_password))
            .await?;
        let account_words = [
            user.username().as_ref(),
            user.email().map_or("", AsRef::as_ref),
        ];
        let hash = self
            .ports
            .hash_new_password(&new_password, &account_words)
            .await?
            .map_err(UserError::WeakPassword)?;
        let seen = user.updated_at();
        let now = self.ports.clock.now();
        user.change_password(hash, now);
        let event = actor
            .audit(AuditAction::PasswordChanged, now)
            .with_target(actor.user_id);
        if !self
            .ports
            .users
            .update(&user, Some(seen), Some(&event))
            .await?
        {
            return Err(UserError::PreconditionFailed);
        }
        for session in self.ports.sessions.list_for_user(actor.user_id).await? {
            if session.id() != actor.session_id {
                self.ports.sessions.delete(session.id()).await?;
            }
        }
        tracing::info!(user_id = %actor.user_id, "password changed; other sessions ended");
        Ok(())
    }

    /// Deletes the account and its posts and comments, and ends all its sessions. Deleting
    /// one's own account needs `current_password`; an administrator deleting another's does not.
    pub async fn delete(
        &self,
        actor: &Actor,
        id: UserId,
        if_match: Option<&IfMatch>,
        current_password: Option<&str>,
    ) -> Result<(), UserError> {
        authorize_user(actor, UserAction::Delete, Some(id))?;
        let user = unchanged(self.find(id).await?, if_match)?;
        if actor.user_id == id {
            let given = current_password.ok_or(UserError::ReauthenticationRequired)?;
            self.check_current_password(&user, Some(given)).await?;
        }
        let guard = if_match.map(|_| user.updated_at());
        let event = actor
            .audit(AuditAction::AccountDeleted, self.ports.clock.now())
            .with_target(id);
        // The last-admin rule is ours; the repository judges it inside the deletion's
        // transaction, where no concurrent change can slip in between.
        admin_change(
            self.ports
                .users
                .delete(
                    id,
                    AdminGuard::new(guard, &event, &AdminTally::keeps_an_administrator),
                )
                .await?,
        )?;
        self.ports.sessions.delete_all_for_user(id).await?;
        tracing::info!(user_id = %id, actor = %actor.user_id, "account deleted");
        Ok(())
    }

    /// Replaces the user's roles (`user` is always kept). Takes effect on their next request.
    pub async fn set_roles(
        &self,
        actor: &Actor,
        id: UserId,
        roles: Vec<Role>,
        if_match: Option<&IfMatch>,
    ) -> Result<FullUser, UserError> {
        authorize_user(actor, UserAction::AssignRoles, Some(id))?;
        let mut user = unchanged(self.find(id).await?, if_match)?;
        let seen = user.updated_at();
        let now = self.ports.clock.now();
        user.set_roles(roles, now);
        let event = actor.audit(AuditAction::RolesChanged, now).with_target(id);
        admin_change(
            self.ports
                .users
                .set_roles(
                    &user,
                    AdminGuard::new(Some(seen), &event, &AdminTally::keeps_an_administrator),
                )
                .await?,
        )?;
        tracing::info!(user_id = %id, roles = ?user.roles(), actor = %actor.user_id, "roles changed");
        Ok(FullUser::new(user))
    }

    /// Ends every session of the user at once.
    pub async fn end_sessions(&self, actor: &Actor, id: UserId) -> Result<u64, UserError> {
        authorize_user(actor, UserAction::EndSessions, Some(id))?;
        self.find(id).await?;
        let ended = self.ports.sessions.delete_all_for_user(id).await?;
        let event = actor
            .audit(AuditAction::UserSessionsEnded, self.ports.clock.now())
            .with_target(id);
        record_after_the_fact(self.ports.audit.as_ref(), &event).await;
        Ok(ended)
    }
}
