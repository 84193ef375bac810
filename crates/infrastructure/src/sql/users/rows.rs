//! Users as rows: the account read back with the roles its row names and its email opened,
//! and the email sealed with its blind index on the way in.

use anyhow::Context;
use application::RepositoryError;
use domain::{Email, PasswordHash, Role, User, UserId, Username};
use sea_orm::{FromQueryResult, Statement};

use super::SqlUsers;
use crate::sql::{entities::users, roles::roles_named};
use crate::unavailable::DbContext;

impl SqlUsers {
    pub(super) fn to_domain(
        &self,
        model: users::Model,
        roles: Vec<Role>,
    ) -> Result<User, RepositoryError> {
        // One unreadable address must not take down every read of the row (and every list
        // holding it): the account is returned without it, and the cause is logged.
        let email = match self.emails.open(model.id, &model.email) {
            Ok(email) => Some(email),
            Err(err) => {
                tracing::warn!(user_id = %model.id, error = %format!("{err:#}"), "a stored email cannot be read");
                None
            }
        };
        to_domain(model, email, roles)
    }

    /// The sealed email and its blind index, as stored; `None` for an unreadable address,
    /// which is then left as it is.
    pub(super) fn protect(&self, user: &User) -> Result<Option<(String, String)>, RepositoryError> {
        let Some(email) = user.email() else {
            return Ok(None);
        };
        let sealed = self
            .emails
            .seal(user.id().as_uuid(), email)
            .context("encrypting an email")?;
        Ok(Some((sealed, self.emails.index(email))))
    }

    /// The row a statement on `users` finds.
    pub(super) async fn row(
        &self,
        statement: Statement,
        what: &'static str,
    ) -> Result<Option<users::Model>, RepositoryError> {
        users::Model::find_by_statement(statement)
            .one(&self.db)
            .await
            .db_context(what)
    }

    /// The account a statement on `users` finds (its row carries the role names).
    pub(super) async fn find_one(
        &self,
        statement: Statement,
        what: &'static str,
    ) -> Result<Option<User>, RepositoryError> {
        self.row(statement, what)
            .await?
            .map(|model| self.account(model))
            .transpose()
    }

    /// An account read from its row, with the roles its row names.
    pub(super) fn account(&self, model: users::Model) -> Result<User, RepositoryError> {
        let roles = roles_named(model.role_names.as_deref())?;
        self.to_domain(model, roles)
    }
}

fn to_domain(
    model: users::Model,
    email: Option<Email>,
    roles: Vec<Role>,
) -> Result<User, RepositoryError> {
    Ok(User::restore(
        UserId::from_uuid(model.id),
        Username::parse(&model.username).context("a stored username is invalid")?,
        email,
        model.email_verified,
        PasswordHash::new(model.password_hash),
        roles,
        model.created_at,
        model.updated_at,
    ))
}
