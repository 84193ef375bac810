//! `UserRepository` with sea-orm: one implementation for PostgreSQL and SQLite.

use anyhow::Context;
use application::{RepositoryError, UniqueField, ports::UserRepository};
use async_trait::async_trait;
use domain::{Email, PasswordHash, Role, User, UserId, Username};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    JoinType, QueryFilter, QuerySelect, RelationTrait, SqlErr, TransactionTrait,
};
use uuid::Uuid;

use crate::entities::{roles, user_roles, users};

pub struct SqlUsers {
    db: DatabaseConnection,
}

impl SqlUsers {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }

    async fn with_roles(
        &self,
        model: Option<users::Model>,
    ) -> Result<Option<User>, RepositoryError> {
        let Some(model) = model else {
            return Ok(None);
        };
        let names: Vec<String> = user_roles::Entity::find()
            .select_only()
            .column(roles::Column::Name)
            .join(JoinType::InnerJoin, user_roles::Relation::Role.def())
            .filter(user_roles::Column::UserId.eq(model.id))
            .into_tuple()
            .all(&self.db)
            .await
            .context("loading a user's roles")?;
        to_domain(model, &names).map(Some)
    }
}

fn to_domain(model: users::Model, role_names: &[String]) -> Result<User, RepositoryError> {
    let roles = role_names
        .iter()
        .map(|name| name.parse::<Role>())
        .collect::<Result<Vec<_>, _>>()
        .context("a stored role is unknown to this version")?;
    Ok(User::restore(
        UserId::from_uuid(model.id),
        Username::parse(&model.username).context("a stored username is invalid")?,
        Email::parse(&model.email).context("a stored email is invalid")?,
        PasswordHash::new(model.password_hash),
        roles,
        model.created_at,
        model.updated_at,
    ))
}

/// Names the field behind a unique violation. PostgreSQL names the index
/// (`users_email_key`), SQLite the column (`users.email`) or the expression index.
fn duplicate_field(err: &DbErr) -> Option<UniqueField> {
    match err.sql_err()? {
        SqlErr::UniqueConstraintViolation(message) if message.contains("email") => {
            Some(UniqueField::Email)
        }
        SqlErr::UniqueConstraintViolation(message) if message.contains("username") => {
            Some(UniqueField::Username)
        }
        _ => None,
    }
}

fn write_error(err: DbErr) -> RepositoryError {
    match duplicate_field(&err) {
        Some(field) => RepositoryError::Duplicate(field),
        None => RepositoryError::Unexpected(anyhow::Error::new(err).context("writing a user")),
    }
}

async fn role_ids<C: ConnectionTrait>(db: &C, roles: &[Role]) -> Result<Vec<Uuid>, DbErr> {
    let names: Vec<&str> = roles.iter().map(Role::as_str).collect();
    roles::Entity::find()
        .select_only()
        .column(roles::Column::Id)
        .filter(roles::Column::Name.is_in(names))
        .into_tuple()
        .all(db)
        .await
}

#[async_trait]
impl UserRepository for SqlUsers {
    async fn insert(&self, user: &User) -> Result<(), RepositoryError> {
        let txn = self.db.begin().await.map_err(write_error)?;
        users::Entity::insert(users::ActiveModel {
            id: Set(user.id().as_uuid()),
            username: Set(user.username().as_ref().to_owned()),
            email: Set(user.email().as_ref().to_owned()),
            password_hash: Set(user.password_hash().as_ref().to_owned()),
            created_at: Set(user.created_at()),
            updated_at: Set(user.updated_at()),
        })
        .exec_without_returning(&txn)
        .await
        .map_err(write_error)?;
        let ids = role_ids(&txn, user.roles()).await.map_err(write_error)?;
        if ids.len() != user.roles().len() {
            return Err(RepositoryError::Unexpected(anyhow::anyhow!(
                "the roles table lacks one of {:?}: are the migrations applied?",
                user.roles()
            )));
        }
        user_roles::Entity::insert_many(ids.into_iter().map(|role_id| user_roles::ActiveModel {
            user_id: Set(user.id().as_uuid()),
            role_id: Set(role_id),
        }))
        .exec_without_returning(&txn)
        .await
        .map_err(write_error)?;
        txn.commit().await.map_err(write_error)
    }

    async fn find_by_id(&self, id: UserId) -> Result<Option<User>, RepositoryError> {
        let model = users::Entity::find_by_id(id.as_uuid())
            .one(&self.db)
            .await
            .context("finding a user by id")?;
        self.with_roles(model).await
    }

    async fn find_by_email(&self, email: &Email) -> Result<Option<User>, RepositoryError> {
        let model = users::Entity::find()
            .filter(users::Column::Email.eq(email.as_ref()))
            .one(&self.db)
            .await
            .context("finding a user by email")?;
        self.with_roles(model).await
    }

    async fn ping(&self) -> Result<(), RepositoryError> {
        self.db.ping().await.context("database ping")?;
        Ok(())
    }
}
