//! Bulk inserts for seeding (the benchmark): multi-row `INSERT`s of 1,000 rows. Not on the
//! ports: the server inserts one row per request.

use application::RepositoryError;
use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait};

use crate::unavailable::DbContext;

/// Inserts `rows` into `E` as `active` makes them, 1,000 to a statement.
pub(super) async fn insert_in_thousands<E: EntityTrait, T, A>(
    db: &impl ConnectionTrait,
    rows: &[T],
    active: impl Fn(&T) -> A,
    what: &'static str,
) -> Result<(), RepositoryError>
where
    A: ActiveModelTrait<Entity = E>,
{
    for chunk in rows.chunks(1000) {
        E::insert_many(chunk.iter().map(&active))
            .exec_without_returning(db)
            .await
            .db_context(what)?;
    }
    Ok(())
}
