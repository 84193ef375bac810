//! User accounts seen from their owner and from operators.

mod admin;
mod create_admin;
mod error;
mod profile;
mod read;

use crate::{auth::CredentialPorts, throttle::LockoutPolicy};

pub use admin::ProfileUpdate;
pub use create_admin::{CreateAdminError, CreateAdminInput};
pub use error::UserError;
pub use profile::ProfileError;
pub use read::RoleGrant;

#[derive(Clone)]
pub struct UserService {
    /// Re-checks of the current password count toward a lock-out like logins do.
    ports: CredentialPorts,
    lockout: LockoutPolicy,
    /// Set: a user changing their own email gets a confirmation mail at the new address and
    /// the change waits for it. Unset: the change is immediate.
    email_changes: Option<crate::mail::AccountMail>,
}

impl UserService {
    /// Self-service email changes wait for the confirmation mailed through `mail`.
    pub fn with_email_changes(mut self, mail: crate::mail::AccountMail) -> Self {
        self.email_changes = Some(mail);
        self
    }

    /// The account `id`, or `UserError::NotFound`.
    async fn find(&self, id: domain::UserId) -> Result<domain::User, UserError> {
        self.ports
            .users
            .find_by_id(id)
            .await?
            .ok_or(UserError::NotFound)
    }

    pub fn new(ports: CredentialPorts, lockout: LockoutPolicy) -> Self {
        Self {
            ports,
            lockout,
            email_changes: None,
        }
    }
}

#[cfg(test)]
mod tests;
