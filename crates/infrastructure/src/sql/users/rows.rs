//! Users as rows: the account read back with its roles and its email opened, and the
//! email sealed with its blind index on the way in.

use anyhow::Context;
use application::RepositoryError;
use domain::{Email, PasswordHash, Role, User, UserId, Username};
use sea_orm::{ConnectionTrait, DbErr, FromQueryResult, IdenStatic, SelectA, SelectB, Statement};

use super::SqlUsers;
use crate::sql::{
    entities::{roles, users},
    roles::parse_roles,
};
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

    /// The one account a `with_roles(..).select_also(roles)` statement finds, with its roles:
    /// one row per role, or one row with no role.
    pub(super) async fn find_one(
        &self,
        statement: Statement,
        what: &'static str,
    ) -> Result<Option<User>, RepositoryError> {
        let rows = self
            .db
            .query_all_raw(statement)
            .await
            .db_context(what)?
            .iter()
            .map(|row| {
                Ok((
                    users::Model::from_query_result(row, SelectA.as_str())?,
                    roles::Model::from_query_result_optional(row, SelectB.as_str())?,
                ))
            })
            .collect::<Result<Vec<_>, DbErr>>()
            .db_context(what)?;
        let mut rows = rows.into_iter();
        let Some((model, first)) = rows.next() else {
            return Ok(None);
        };
        let names: Vec<String> = first
            .into_iter()
            .chain(rows.filter_map(|(_, role)| role))
            .map(|role| role.name)
            .collect();
        self.to_domain(model, parse_roles(&names)?).map(Some)
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
