//! The version check behind `If-Match`, shared by users, posts and comments: a write touches a
//! row only while its `updated_at` is still the one the client read (or unconditionally when no
//! version was given), and reports whether it did.

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter, UpdateMany,
};
use uuid::Uuid;

use super::entities::{comments, posts, users};

/// An entity whose rows carry an id and the time they last changed, their version.
pub(super) trait Versioned: EntityTrait {
    const ID: Self::Column;
    const UPDATED_AT: Self::Column;
}

impl Versioned for users::Entity {
    const ID: users::Column = users::Column::Id;
    const UPDATED_AT: users::Column = users::Column::UpdatedAt;
}

impl Versioned for posts::Entity {
    const ID: posts::Column = posts::Column::Id;
    const UPDATED_AT: posts::Column = posts::Column::UpdatedAt;
}

impl Versioned for comments::Entity {
    const ID: comments::Column = comments::Column::Id;
    const UPDATED_AT: comments::Column = comments::Column::UpdatedAt;
}

/// The row `id`, and with `expected`, only while it last changed at exactly that time.
fn guarded<E: Versioned>(id: Uuid, expected: Option<DateTime<Utc>>) -> Condition {
    let condition = Condition::all().add(E::ID.eq(id));
    match expected {
        Some(at) => condition.add(E::UPDATED_AT.eq(at)),
        None => condition,
    }
}

/// Applies `changes` to the row `id` if it is still at version `expected`: false when the row
/// is gone or has changed since.
pub(super) async fn update_guarded<E: Versioned, C: ConnectionTrait>(
    db: &C,
    changes: UpdateMany<E>,
    id: Uuid,
    expected: Option<DateTime<Utc>>,
) -> Result<bool, DbErr> {
    let result = changes.filter(guarded::<E>(id, expected)).exec(db).await?;
    Ok(result.rows_affected == 1)
}

/// Deletes the row `id` if it is still at version `expected`: false when the row is gone or
/// has changed since.
pub(super) async fn delete_guarded<E: Versioned, C: ConnectionTrait>(
    db: &C,
    id: Uuid,
    expected: Option<DateTime<Utc>>,
) -> Result<bool, DbErr> {
    let result = E::delete_many()
        .filter(guarded::<E>(id, expected))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}
