//! How user writes end: unique violations named, a refused change rolled back at once, and
//! a change that may take an administrator away held under `lock_admin_changes` until the
//! use case's rule has seen the tally.

use application::{
    RepositoryError, UniqueField,
    ports::{AdminChange, AdminGuard},
};
use domain::AdminTally;
use sea_orm::{DatabaseTransaction, DbErr, SqlErr, TransactionTrait};

use super::SqlUsers;
use crate::sql::{
    audit::append,
    roles::{admin_count, lock_admin_changes},
};
use crate::unavailable::repository_error;

impl SqlUsers {
    /// A transaction for a change that may take an administrator away, holding
    /// `lock_admin_changes` from its start (see `finish`).
    pub(super) async fn begin_admin_change(&self) -> Result<DatabaseTransaction, RepositoryError> {
        let txn = self.db.begin().await.map_err(write_error)?;
        lock_admin_changes(&txn).await.map_err(write_error)?;
        Ok(txn)
    }
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

/// Rolls back a transaction that wrote but must not be saved. Dropping it would only queue
/// the rollback on the connection: on SQLite its write lock would outlive the call, and the
/// next write transaction (one that read first) would fail at once with "database is locked".
pub(super) async fn abandon(txn: DatabaseTransaction) -> Result<(), RepositoryError> {
    txn.rollback().await.map_err(write_error)
}

pub(super) fn write_error(err: DbErr) -> RepositoryError {
    match duplicate_field(&err) {
        Some(field) => RepositoryError::Duplicate(field),
        None => repository_error(err, "writing a user"),
    }
}

/// Ends a change that may take an administrator away: counts the administrators it leaves
/// (inside its transaction, under `lock_admin_changes`) and commits it with its audit event
/// only if the use case's rule (`guard.rule`) accepts them; otherwise rolls it all back.
pub(super) async fn finish(
    txn: DatabaseTransaction,
    target_was_admin: bool,
    guard: AdminGuard<'_>,
) -> Result<AdminChange, RepositoryError> {
    let tally = AdminTally {
        target_was_admin,
        remaining: admin_count(&txn).await.map_err(write_error)?,
    };
    if !(guard.rule)(tally) {
        txn.rollback().await.map_err(write_error)?;
        return Ok(AdminChange::Refused(tally));
    }
    append(&txn, guard.audit).await.map_err(write_error)?;
    txn.commit().await.map_err(write_error)?;
    Ok(AdminChange::Applied)
}
