//! Re-encrypting stored emails under the current data key (`agora rotate-data-key`). Works in
//! batches, each committed on its own, so it can be interrupted and run again: rows already
//! under the current key and indexed under their address as this version normalises it are
//! left alone, and a second run rewrites nothing. A row it cannot rewrite (an address an
//! earlier version stored that no longer parses, a key that is gone, two legacy spellings of
//! one address) is logged, counted and skipped: it never stops the run.

use anyhow::Context;
use domain::Email;
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, DatabaseTransaction, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, TransactionTrait, sea_query::Expr,
};
use uuid::Uuid;

use super::entities::users;
use crate::crypto::EmailProtection;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RotationReport {
    /// The id of the key every email is now encrypted under.
    pub key_id: String,
    pub rewritten: u64,
    pub batches: u64,
    /// Rows left as they were because they cannot be read or rewritten (each one is logged
    /// with its user id); a later run tries them again.
    pub skipped: u64,
}

pub async fn rotate_emails(
    db: &DatabaseConnection,
    emails: &EmailProtection,
    batch_size: u64,
) -> anyhow::Result<RotationReport> {
    let mut report = RotationReport {
        key_id: emails.current_key_id().to_owned(),
        rewritten: 0,
        batches: 0,
        skipped: 0,
    };
    let mut after: Option<Uuid> = None;
    loop {
        // Every row, not only those under an old key: an address an earlier version stored
        // under looser normalisation (a Unicode domain, a decomposed letter) is under the
        // current key but indexed under its old spelling, and only decrypting it shows that.
        let mut page = Condition::all();
        if let Some(after) = after {
            page = page.add(users::Column::Id.gt(after));
        }
        let rows: Vec<(Uuid, String, Option<String>)> = users::Entity::find()
            .select_only()
            .column(users::Column::Id)
            .column(users::Column::Email)
            .column(users::Column::EmailBlindIndex)
            .filter(page)
            .order_by_asc(users::Column::Id)
            .limit(Ord::max(batch_size, 1))
            .into_tuple()
            .all(db)
            .await
            .context("reading a batch of emails")?;
        let Some(last) = rows.last().map(|r| r.0) else {
            break;
        };
        after = Some(last);
        let txn = db.begin().await.context("starting a batch")?;
        for (id, stored, index) in rows {
            let outcome = match emails.open(id, &stored) {
                Ok(email) => {
                    let current = !emails.needs_rewrite(&stored, index.as_deref())
                        && index.as_deref() == Some(emails.index(&email).as_str());
                    if current {
                        continue;
                    }
                    rewrite(&txn, emails, id, &email, stored).await
                }
                Err(err) => Err(err),
            };
            match outcome {
                Ok(rows) => report.rewritten += rows,
                Err(err) => {
                    report.skipped += 1;
                    tracing::warn!(user_id = %id, error = %format!("{err:#}"), "email left as it is: it cannot be read or rewritten");
                }
            }
        }
        txn.commit().await.context("committing a batch")?;
        report.batches += 1;
        tracing::info!(
            batch = report.batches,
            rewritten = report.rewritten,
            skipped = report.skipped,
            "batch re-encrypted"
        );
    }
    if report.skipped > 0 {
        tracing::warn!(
            skipped = report.skipped,
            "some emails could not be rewritten; see the warnings above for their user ids"
        );
    }
    Ok(report)
}

/// Re-encrypts one row inside a savepoint, so a failed statement (a unique violation on
/// PostgreSQL aborts the whole transaction otherwise) takes only this row back.
async fn rewrite(
    txn: &DatabaseTransaction,
    emails: &EmailProtection,
    id: Uuid,
    email: &Email,
    stored: String,
) -> anyhow::Result<u64> {
    let sealed = emails.seal(id, email)?;
    let savepoint = txn.begin().await.context("starting a savepoint")?;
    // Only if nobody changed the row since it was read; a changed row is already current.
    let done = users::Entity::update_many()
        .col_expr(users::Column::Email, Expr::value(sealed))
        .col_expr(
            users::Column::EmailBlindIndex,
            Expr::value(emails.index(email)),
        )
        .filter(users::Column::Id.eq(id))
        .filter(users::Column::Email.eq(stored))
        .exec(&savepoint)
        .await
        .with_context(|| format!("re-encrypting the email of user {id}"))?;
    savepoint.commit().await.context("releasing a savepoint")?;
    Ok(done.rows_affected)
}
