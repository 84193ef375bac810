//! Accounts in memory; their audited changes append to a shared `FakeAudit`.

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::{AdminTally, AuditEvent, Email, Role, User, UserId};

use super::{FakeAudit, Order, current, keyset_page, lowercase};
use crate::{
    RepositoryError, UniqueField,
    pagination::{Page, PageRequest},
    ports::{AdminChange, AdminGuard, UserFilter, UserRepository},
};

#[derive(Default)]
pub struct FakeUsers {
    pub(super) users: Mutex<Vec<User>>,
    audit: Arc<FakeAudit>,
}

impl FakeUsers {
    /// Accounts whose changes append their events to `audit`.
    pub fn new(audit: Arc<FakeAudit>) -> Self {
        Self {
            users: Mutex::default(),
            audit,
        }
    }

    fn audited(&self, event: Option<&AuditEvent>) {
        if let Some(event) = event {
            self.audit.0.lock().expect("lock").push(event.clone());
        }
    }

    /// Replaces the account `id` with `after` (deletes it when `None`) if the last-admin `rule`
    /// allows, under one lock: the tally and the change are atomic.
    fn admin_change(&self, id: UserId, after: Option<&User>, guard: AdminGuard<'_>) -> AdminChange {
        let mut users = self.users.lock().expect("lock");
        let Some(at) = current(&users, id, guard.expected_updated_at) else {
            return AdminChange::Stale;
        };
        let tally = AdminTally {
            target_was_admin: users[at].has_role(Role::Admin),
            remaining: admins(&users, id)
                + u64::from(after.is_some_and(|u| u.has_role(Role::Admin))),
        };
        if !(guard.rule)(tally) {
            return AdminChange::Refused(tally);
        }
        match after {
            Some(user) => users[at] = user.clone(),
            None => {
                users.remove(at);
            }
        }
        self.audited(Some(guard.audit));
        AdminChange::Applied
    }

    /// The username of the account `id`, or empty if there is none.
    pub(super) fn username_of(&self, id: UserId) -> String {
        let users = self.users.lock().expect("lock");
        users
            .iter()
            .find(|u| u.id() == id)
            .map_or_else(String::new, |u| u.username().as_ref().to_owned())
    }
}

/// The unique field `user` would share with one of `others`, if any.
fn clash<'a>(
    user: &User,
    mut others: impl Iterator<Item = &'a User> + Clone,
) -> Option<UniqueField> {
    if others.clone().any(|u| u.username() == user.username()) {
        return Some(UniqueField::Username);
    }
    (user.email().is_some() && others.any(|u| u.email() == user.email()))
        .then_some(UniqueField::Email)
}

/// Administrators other than `except`.
fn admins(users: &[User], except: UserId) -> u64 {
    users
        .iter()
        .filter(|u| u.id() != except && u.has_role(Role::Admin))
        .count() as u64
}

#[async_trait]
impl UserRepository for FakeUsers {
    async fn insert(&self, user: &User, audit: &AuditEvent) -> Result<(), RepositoryError> {
        let mut users = self.users.lock().expect("lock");
        if let Some(field) = clash(user, users.iter()) {
            return Err(RepositoryError::Duplicate(field));
        }
        users.push(user.clone());
        self.audited(Some(audit));
        Ok(())
    }

    async fn find_by_id(&self, id: UserId) -> Result<Option<User>, RepositoryError> {
        let users = self.users.lock().expect("lock");
        Ok(users.iter().find(|u| u.id() == id).cloned())
    }

    async fn find_by_email(&self, email: &Email) -> Result<Option<User>, RepositoryError> {
        let users = self.users.lock().expect("lock");
        Ok(users.iter().find(|u| u.email() == Some(email)).cloned())
    }

    async fn ping(&self) -> Result<(), RepositoryError> {
        Ok(())
    }

    async fn roles_of(&self, id: UserId) -> Result<Option<Vec<Role>>, RepositoryError> {
        Ok(self.find_by_id(id).await?.map(|u| u.roles().to_vec()))
    }

    async fn list(
        &self,
        filter: &UserFilter,
        page: &PageRequest,
    ) -> Result<Page<User>, RepositoryError> {
        let prefix = lowercase(filter.username_prefix.as_ref());
        let users = self.users.lock().expect("lock");
        let matching = users.iter().filter(|u| {
            let name = u.username().as_ref().to_lowercase();
            prefix.as_ref().is_none_or(|p| name.starts_with(p.as_str()))
                && filter.email.as_ref().is_none_or(|e| u.email() == Some(e))
                && filter.role.is_none_or(|r| u.has_role(r))
        });
        Ok(keyset_page(matching.cloned(), page, Order::NewestFirst))
    }

    async fn update(
        &self,
        user: &User,
        expected: Option<DateTime<Utc>>,
        audit: Option<&AuditEvent>,
    ) -> Result<bool, RepositoryError> {
        let mut users = self.users.lock().expect("lock");
        if let Some(field) = clash(user, users.iter().filter(|u| u.id() != user.id())) {
            return Err(RepositoryError::Duplicate(field));
        }
        let Some(at) = current(&users, user.id(), expected) else {
            return Ok(false);
        };
        users[at] = user.clone();
        self.audited(audit);
        Ok(true)
    }

    async fn set_roles(
        &self,
        user: &User,
        guard: AdminGuard<'_>,
    ) -> Result<AdminChange, RepositoryError> {
        Ok(self.admin_change(user.id(), Some(user), guard))
    }

    async fn delete(
        &self,
        id: UserId,
        guard: AdminGuard<'_>,
    ) -> Result<AdminChange, RepositoryError> {
        Ok(self.admin_change(id, None, guard))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::contract;

    #[tokio::test]
    async fn the_fake_user_repository_passes_the_contract() {
        contract::user_repository(&FakeUsers::default()).await;
    }

    #[tokio::test]
    async fn the_fake_user_repository_passes_the_last_admin_contract() {
        contract::user_repository_admins(&FakeUsers::default()).await;
    }
}
