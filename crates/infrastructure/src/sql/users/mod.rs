//! `UserRepository` with sea-orm: one implementation for PostgreSQL and SQLite. Emails are
//! sealed on the way in and opened on the way out; look-ups go through their blind index.

use super::db::Db;
use application::{
    RepositoryError,
    ports::{AdminChange, AdminGuard, UserRepository},
};
use async_trait::async_trait;
use domain::{AuditEvent, Email, Role, User, UserId};
use std::sync::Arc;

use application::{
    pagination::{Cursor, Page, PageRequest},
    ports::UserFilter,
};
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::{NotSet, Set},
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    QueryTrait, Select, Statement, TransactionTrait,
    sea_query::Expr,
};
use uuid::Uuid;

use super::{
    audit::append,
    entities::{user_roles, users},
    folded::Rows,
    keyset,
    limit::limited,
    prepared::Prepared,
    roles::{grant, holders_of, is_admin, role_ids, roles_named},
    versioned::{delete_guarded, update_guarded},
};
use crate::{crypto::EmailProtection, unavailable::DbContext};

mod rows;
mod writes;

use self::writes::{abandon, finish, write_error};

pub struct SqlUsers {
    db: Db,
    emails: Arc<EmailProtection>,
    /// An account's row, by id and by the email's blind index: it carries the role names
    /// (`users.role_names`), so no read of an account joins its roles.
    by_id: Prepared,
    by_email: Prepared,
    /// How a page's rows are read (folded on SQLite).
    page: Rows,
}

impl SqlUsers {
    pub fn new(db: impl Into<Db>, emails: Arc<EmailProtection>) -> Self {
        let db = db.into();
        let backend = db.get_database_backend();
        let account = |select: Select<users::Entity>| Prepared::new(select.build(backend));
        Self {
            by_id: account(users::Entity::find_by_id(Uuid::nil())),
            by_email: account(
                users::Entity::find().filter(users::Column::EmailBlindIndex.eq(String::new())),
            ),
            page: Rows::of::<users::Model, users::Entity>(backend),
            db,
            emails,
        }
    }

    /// The statement `list` runs, for the query-plan test (`EXPLAIN`).
    /// `LIMIT n` is written into the SQL (`limited`): bound, it made SQLite prepare the
    /// statement again on every run.
    pub fn list_statement(&self, filter: &UserFilter, page: &PageRequest) -> Statement {
        limited(&self.list_select(filter, page), page.limit + 1, &self.db)
    }

    fn list_select(&self, filter: &UserFilter, page: &PageRequest) -> Select<users::Entity> {
        let mut condition = Condition::all();
        if let Some(prefix) = &filter.username_prefix {
            let prefix = prefix.as_ref().to_lowercase();
            let username = (users::Entity, users::Column::Username);
            condition = condition.add(keyset::lower_like(
                self.db.get_database_backend(),
                username,
                "",
                &prefix,
                "%",
            ));
        }
        if let Some(email) = &filter.email {
            condition = condition.add(users::Column::EmailBlindIndex.eq(self.emails.index(email)));
        }
        if let Some(role) = filter.role {
            condition = condition.add(users::Column::Id.in_subquery(holders_of(role)));
        }
        if let Some(cursor) = &page.after {
            condition = condition.add(keyset::before(
                users::Column::CreatedAt,
                users::Column::Id,
                cursor,
            ));
        }
        users::Entity::find()
            .filter(condition)
            .order_by_desc(users::Column::CreatedAt)
            .order_by_desc(users::Column::Id)
    }
}

#[async_trait]
impl UserRepository for SqlUsers {
    async fn insert(&self, user: &User, audit: &AuditEvent) -> Result<(), RepositoryError> {
        let (email, email_index) = self
            .protect(user)?
            .ok_or_else(|| RepositoryError::bug("a new account has no email"))?;
        let txn = self.db.begin().await.map_err(write_error)?;
        users::Entity::insert(users::ActiveModel {
            id: Set(user.id().as_uuid()),
            username: Set(user.username().as_ref().to_owned()),
            email: Set(email),
            email_blind_index: Set(Some(email_index)),
            password_hash: Set(user.password_hash().as_ref().to_owned()),
            created_at: Set(user.created_at()),
            updated_at: Set(user.updated_at()),
            email_verified: Set(user.email_verified()),
            role_names: NotSet,
        })
        .exec_without_returning(&txn)
        .await
        .map_err(write_error)?;
        let ids = role_ids(&txn, user.roles()).await.map_err(write_error)?;
        if ids.len() != user.roles().len() {
            return Err(RepositoryError::bug(format!(
                "the roles table lacks one of {:?}: are the migrations applied?",
                user.roles()
            )));
        }
        grant(&txn, user.id().as_uuid(), ids)
            .await
            .map_err(write_error)?;
        append(&txn, audit).await.map_err(write_error)?;
        txn.commit().await.map_err(write_error)
    }

    async fn find_by_id(&self, id: UserId) -> Result<Option<User>, RepositoryError> {
        self.find_one(
            self.by_id.bind([id.as_uuid().into()]),
            "finding a user by id",
        )
        .await
    }

    async fn find_by_id_holding(
        &self,
        id: UserId,
        roles: &[Role],
    ) -> Result<Option<User>, RepositoryError> {
        self.row(
            self.by_id.bind([id.as_uuid().into()]),
            "finding a user by id",
        )
        .await?
        .map(|model| self.to_domain(model, roles.to_vec()))
        .transpose()
    }

    async fn find_by_email(&self, email: &Email) -> Result<Option<User>, RepositoryError> {
        self.find_one(
            self.by_email.bind([self.emails.index(email).into()]),
            "finding a user by email",
        )
        .await
    }

    async fn ping(&self) -> Result<(), RepositoryError> {
        self.db.ping().await.db_context("database ping")?;
        Ok(())
    }

    async fn roles_of(&self, id: UserId) -> Result<Option<Vec<Role>>, RepositoryError> {
        // No row: no account; a row with `NULL`: no role.
        let row: Option<Option<String>> = users::Entity::find_by_id(id.as_uuid())
            .select_only()
            .column(users::Column::RoleNames)
            .into_tuple()
            .one(&self.db)
            .await
            .db_context("reading a user's roles")?;
        row.map(|names| roles_named(names.as_deref())).transpose()
    }

    async fn list(
        &self,
        filter: &UserFilter,
        page: &PageRequest,
    ) -> Result<Page<User>, RepositoryError> {
        let users = self
            .page
            .all(
                &self.db,
                self.list_statement(filter, page),
                |a: &users::Model, b| (b.created_at, b.id).cmp(&(a.created_at, a.id)),
            )
            .await
            .db_context("listing users")?
            .into_iter()
            .map(|model| self.account(model))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Page::from_rows(users, page.limit, Cursor::after_user))
    }

    async fn update(
        &self,
        user: &User,
        expected: Option<DateTime<Utc>>,
        audit: Option<&AuditEvent>,
    ) -> Result<bool, RepositoryError> {
        let protected = self.protect(user)?;
        let txn = self.db.begin().await.map_err(write_error)?;
        let mut statement = users::Entity::update_many();
        if let Some((email, email_index)) = protected {
            statement = statement
                .col_expr(users::Column::Email, Expr::value(email))
                .col_expr(users::Column::EmailBlindIndex, Expr::value(email_index));
        }
        let changes = statement
            .col_expr(
                users::Column::Username,
                Expr::value(user.username().as_ref()),
            )
            .col_expr(
                users::Column::PasswordHash,
                Expr::value(user.password_hash().as_ref()),
            )
            .col_expr(
                users::Column::EmailVerified,
                Expr::value(user.email_verified()),
            )
            .col_expr(users::Column::UpdatedAt, Expr::value(user.updated_at()));
        if !update_guarded(&txn, changes, user.id().as_uuid(), expected)
            .await
            .map_err(write_error)?
        {
            abandon(txn).await?;
            return Ok(false);
        }
        if let Some(audit) = audit {
            append(&txn, audit).await.map_err(write_error)?;
        }
        txn.commit().await.map_err(write_error)?;
        Ok(true)
    }

    async fn set_roles(
        &self,
        user: &User,
        guard: AdminGuard<'_>,
    ) -> Result<AdminChange, RepositoryError> {
        let txn = self.begin_admin_change().await?;
        let touch = users::Entity::update_many()
            .col_expr(users::Column::UpdatedAt, Expr::value(user.updated_at()));
        if !update_guarded(&txn, touch, user.id().as_uuid(), guard.expected_updated_at)
            .await
            .map_err(write_error)?
        {
            abandon(txn).await?;
            return Ok(AdminChange::Stale);
        }
        let target_was_admin = is_admin(&txn, user.id().as_uuid())
            .await
            .map_err(write_error)?;
        user_roles::Entity::delete_many()
            .filter(user_roles::Column::UserId.eq(user.id().as_uuid()))
            .exec(&txn)
            .await
            .map_err(write_error)?;
        let ids = role_ids(&txn, user.roles()).await.map_err(write_error)?;
        grant(&txn, user.id().as_uuid(), ids)
            .await
            .map_err(write_error)?;
        finish(txn, target_was_admin, guard).await
    }

    async fn delete(
        &self,
        id: UserId,
        guard: AdminGuard<'_>,
    ) -> Result<AdminChange, RepositoryError> {
        let txn = self.begin_admin_change().await?;
        let target_was_admin = is_admin(&txn, id.as_uuid()).await.map_err(write_error)?;
        // Foreign keys cascade: the account's roles, posts (with their comments) and comments go too.
        if !delete_guarded::<users::Entity, _>(&txn, id.as_uuid(), guard.expected_updated_at)
            .await
            .map_err(write_error)?
        {
            abandon(txn).await?;
            return Ok(AdminChange::Stale);
        }
        finish(txn, target_was_admin, guard).await
    }
}
