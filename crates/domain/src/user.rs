//! A user account.

use chrono::{DateTime, Utc};

use crate::{
    Email, PasswordHash, Role, UserId, Username,
    stamps::{Stamps, stamped},
};

#[derive(Debug, Clone)]
pub struct User {
    id: UserId,
    username: Username,
    /// `None` when the stored address cannot be read by this version: written by an earlier
    /// one under looser rules, or sealed under a key that is gone. The account stays usable
    /// (listed, shown, deleted); its next email change gives it a valid address again.
    email: Option<Email>,
    /// Whether the owner proved they read mail at `email` (a verification or email-change
    /// token sent there came back). Any other change of the address clears it.
    email_verified: bool,
    password_hash: PasswordHash,
    roles: Vec<Role>,
    stamps: Stamps,
}

impl User {
    /// A newly registered account: it holds the `user` role and nothing more.
    pub fn register(
        id: UserId,
        username: Username,
        email: Email,
        password_hash: PasswordHash,
        now: DateTime<Utc>,
    ) -> Self {
        Self::with_roles(id, username, email, password_hash, vec![Role::User], now)
    }

    /// An account created by an operator with the given roles (the `user` role is always kept).
    pub fn with_roles(
        id: UserId,
        username: Username,
        email: Email,
        password_hash: PasswordHash,
        mut roles: Vec<Role>,
        now: DateTime<Utc>,
    ) -> Self {
        roles.push(Role::User);
        Self::restore(
            id,
            username,
            Some(email),
            false,
            password_hash,
            roles,
            now,
            now,
        )
    }

    /// Rebuilds a user read back from storage; `email` is `None` if it cannot be read.
    #[allow(clippy::too_many_arguments)]
    pub fn restore(
        id: UserId,
        username: Username,
        email: Option<Email>,
        email_verified: bool,
        password_hash: PasswordHash,
        mut roles: Vec<Role>,
        created_at: DateTime<Utc>,
        updated_at: DateTime<Utc>,
    ) -> Self {
        distinct(&mut roles);
        Self {
            id,
            username,
            email,
            email_verified,
            password_hash,
            roles,
            stamps: Stamps::restore(created_at, updated_at),
        }
    }

    /// Changes the username and, if given, the email; `updated_at` always moves forward.
    pub fn update_profile(&mut self, username: Username, email: Option<Email>, now: DateTime<Utc>) {
        self.username = username;
        if email.is_some() && email.as_ref() != self.email.as_ref() {
            self.email = email;
            self.email_verified = false;
        }
        self.stamps.touch(now);
    }

    /// The owner proved they read mail at `address`. Does nothing (and says so) when the
    /// account's address is no longer that one: a token sent to an old address proves nothing.
    pub fn verify_email(&mut self, address: &Email, now: DateTime<Utc>) -> bool {
        if self.email.as_ref() != Some(address) {
            return false;
        }
        if !self.email_verified {
            self.email_verified = true;
            self.stamps.touch(now);
        }
        true
    }

    /// Moves the account to `address`, which its owner just proved they read.
    pub fn confirm_new_email(&mut self, address: Email, now: DateTime<Utc>) {
        self.email = Some(address);
        self.email_verified = true;
        self.stamps.touch(now);
    }

    pub fn email_verified(&self) -> bool {
        self.email_verified
    }

    pub fn change_password(&mut self, hash: PasswordHash, now: DateTime<Utc>) {
        self.password_hash = hash;
        self.stamps.touch(now);
    }

    /// Replaces the roles; every account keeps the `user` role.
    pub fn set_roles(&mut self, mut roles: Vec<Role>, now: DateTime<Utc>) {
        roles.push(Role::User);
        distinct(&mut roles);
        self.roles = roles;
        self.stamps.touch(now);
    }

    pub fn id(&self) -> UserId {
        self.id
    }

    pub fn username(&self) -> &Username {
        &self.username
    }

    /// `None` if the stored address cannot be read (see the field).
    pub fn email(&self) -> Option<&Email> {
        self.email.as_ref()
    }

    pub fn password_hash(&self) -> &PasswordHash {
        &self.password_hash
    }

    pub fn roles(&self) -> &[Role] {
        &self.roles
    }

    pub fn has_role(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }
}

stamped!(User);

/// Sorts `roles` and keeps each once.
fn distinct(roles: &mut Vec<Role>) {
    roles.sort();
    roles.dedup();
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn sample(roles: Vec<Role>) -> User {
        User::with_roles(
            UserId::from_uuid(Uuid::now_v7()),
            Username::parse("ada").expect("valid"),
            Email::parse("ada@example.com").expect("valid"),
            PasswordHash::new("$2b$04$x".into()),
            roles,
            Utc::now(),
        )
    }

    #[test]
    fn a_new_account_holds_only_the_user_role() {
        let user = User::register(
            UserId::from_uuid(Uuid::now_v7()),
            Username::parse("ada").expect("valid"),
            Email::parse("ada@example.com").expect("valid"),
            PasswordHash::new("$2b$04$x".into()),
            Utc::now(),
        );
        assert_eq!(user.roles(), &[Role::User]);
        assert_eq!(user.created_at(), user.updated_at());
    }

    #[test]
    fn set_roles_keeps_the_user_role_and_moves_updated_at() {
        let mut user = sample(vec![Role::Admin]);
        let before = user.updated_at();
        user.set_roles(vec![Role::Moderator], before);
        assert_eq!(user.roles(), &[Role::User, Role::Moderator]);
        assert!(user.updated_at() > before);
    }

    #[test]
    fn an_unreadable_email_stays_unknown_until_a_new_one_is_given() {
        let mut user = User::restore(
            UserId::from_uuid(Uuid::now_v7()),
            Username::parse("ada").expect("valid"),
            None,
            false,
            PasswordHash::new("$2b$04$x".into()),
            vec![Role::User],
            Utc::now(),
            Utc::now(),
        );
        user.update_profile(Username::parse("ada2").expect("valid"), None, Utc::now());
        assert_eq!(
            user.email(),
            None,
            "a username change does not invent an address"
        );
        let email = Email::parse("ada@example.com").expect("valid");
        user.update_profile(user.username().clone(), Some(email.clone()), Utc::now());
        assert_eq!(user.email(), Some(&email));
    }

    #[test]
    fn verification_holds_only_for_the_current_address_and_a_change_clears_it() {
        let mut user = sample(vec![]);
        let old = user.email().cloned().expect("an address");
        assert!(!user.email_verified());
        let other = Email::parse("bob@example.com").expect("valid");
        assert!(!user.verify_email(&other, Utc::now()));
        assert!(!user.email_verified());
        assert!(user.verify_email(&old, Utc::now()));
        assert!(user.email_verified());
        user.update_profile(user.username().clone(), Some(old.clone()), Utc::now());
        assert!(user.email_verified(), "the same address stays verified");
        user.update_profile(user.username().clone(), Some(other.clone()), Utc::now());
        assert!(!user.email_verified());
        user.confirm_new_email(old, Utc::now());
        assert!(user.email_verified());
    }

    #[test]
    fn an_admin_also_keeps_the_user_role_once() {
        let user = sample(vec![Role::Admin, Role::User]);
        assert_eq!(user.roles(), &[Role::User, Role::Admin]);
        assert!(user.has_role(Role::Admin));
    }
}
