//! The roles of accounts: their names as `users.role_names` holds them, granted, and the
//! administrator queries behind the last-admin rule.

use anyhow::Context;
use application::RepositoryError;
use domain::Role;
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DatabaseTransaction, DbBackend, DbErr, EntityTrait, JoinType,
    PaginatorTrait, QueryFilter, QuerySelect, RelationTrait,
    sea_query::{Expr, ExprTrait, Query, SelectStatement},
};
use uuid::Uuid;

use super::entities::{roles, user_roles};

/// Between the names in `users.role_names` (migration `m20261128_000016`). Role names are fixed
/// words without commas (`Role::as_str`).
const ROLE_SEPARATOR: &str = ",";

/// The roles `users.role_names` names (`NULL`: none), in `Role`'s order (as an account holds
/// them), each once.
pub(super) fn roles_named(joined: Option<&str>) -> Result<Vec<Role>, RepositoryError> {
    let mut roles = joined
        .into_iter()
        .flat_map(|names| names.split(ROLE_SEPARATOR))
        .map(str::parse::<Role>)
        .collect::<Result<Vec<_>, _>>()
        .context("a stored role is unknown to this version")?;
    roles.sort();
    roles.dedup();
    Ok(roles)
}

/// `SELECT user_id` of every holder of `role`, for an `IN (...)` filter.
pub(super) fn holders_of(role: Role) -> SelectStatement {
    Query::select()
        .column((user_roles::Entity, user_roles::Column::UserId))
        .from(user_roles::Entity)
        .inner_join(
            roles::Entity,
            Expr::col((roles::Entity, roles::Column::Id))
                .equals((user_roles::Entity, user_roles::Column::RoleId)),
        )
        .and_where(Expr::col((roles::Entity, roles::Column::Name)).eq(role.as_str()))
        .to_owned()
}

pub(super) async fn role_ids<C: ConnectionTrait>(
    db: &C,
    roles: &[Role],
) -> Result<Vec<Uuid>, DbErr> {
    let names: Vec<&str> = roles.iter().map(Role::as_str).collect();
    roles::Entity::find()
        .select_only()
        .column(roles::Column::Id)
        .filter(roles::Column::Name.is_in(names))
        .into_tuple()
        .all(db)
        .await
}

/// Gives `user` the roles `role_ids`.
pub(super) async fn grant<C: ConnectionTrait>(
    db: &C,
    user: Uuid,
    role_ids: Vec<Uuid>,
) -> Result<(), DbErr> {
    user_roles::Entity::insert_many(role_ids.into_iter().map(|role_id| user_roles::ActiveModel {
        user_id: Set(user),
        role_id: Set(role_id),
    }))
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// Serialises changes that could take an administrator away, from the first statement of
/// their transaction: everything they read after it (is the account an admin, how many remain)
/// is current until they commit. PostgreSQL locks the `admin` role row; SQLite takes its one
/// write lock with a write that changes nothing (a transaction that read first could not
/// write after another writer committed).
pub(super) async fn lock_admin_changes(txn: &DatabaseTransaction) -> Result<(), DbErr> {
    if txn.get_database_backend() == DbBackend::Postgres {
        roles::Entity::find()
            .filter(roles::Column::Name.eq(Role::Admin.as_str()))
            .lock_exclusive()
            .one(txn)
            .await?;
    } else {
        roles::Entity::update_many()
            .col_expr(roles::Column::Name, Expr::col(roles::Column::Name))
            .filter(roles::Column::Name.eq(Role::Admin.as_str()))
            .exec(txn)
            .await?;
    }
    Ok(())
}

pub(super) async fn admin_count(txn: &DatabaseTransaction) -> Result<u64, DbErr> {
    user_roles::Entity::find()
        .join(JoinType::InnerJoin, user_roles::Relation::Role.def())
        .filter(roles::Column::Name.eq(Role::Admin.as_str()))
        .count(txn)
        .await
}

pub(super) async fn is_admin(txn: &DatabaseTransaction, user: Uuid) -> Result<bool, DbErr> {
    Ok(user_roles::Entity::find()
        .join(JoinType::InnerJoin, user_roles::Relation::Role.def())
        .filter(user_roles::Column::UserId.eq(user))
        .filter(roles::Column::Name.eq(Role::Admin.as_str()))
        .count(txn)
        .await?
        > 0)
}
