//! `MailOutbox` with sea-orm. Each message (address, subject, bodies: the bodies carry
//! tokens) is one ciphertext under the data keyring, bound to its row. A claim moves the
//! row's `next_attempt_at` forward only if no one else moved it first.

use super::db::Db;
use std::sync::Arc;

use anyhow::Context;
use application::{
    RepositoryError,
    ports::{Mail, MailOutbox, QueuedMail},
};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::Email;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::Expr,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::entities::mail_outbox;
use crate::{crypto::EmailProtection, unavailable::DbContext};

const SEAL_PURPOSE: &str = "mail_outbox.message";

#[derive(Serialize, Deserialize)]
struct Sealed {
    to: String,
    subject: String,
    text: String,
    html: String,
}

pub struct SqlMailOutbox {
    db: Db,
    protection: Arc<EmailProtection>,
}

impl SqlMailOutbox {
    pub fn new(db: impl Into<Db>, protection: Arc<EmailProtection>) -> Self {
        Self {
            db: db.into(),
            protection,
        }
    }

    fn open(&self, model: &mail_outbox::Model) -> anyhow::Result<Mail> {
        let plain = self
            .protection
            .open_bytes(SEAL_PURPOSE, model.id, &model.message)?;
        let sealed: Sealed = serde_json::from_slice(&plain).context("a queued mail is not JSON")?;
        Ok(Mail {
            to: Email::parse(&sealed.to).context("a queued mail's address is invalid")?,
            subject: sealed.subject,
            text: sealed.text,
            html: sealed.html,
        })
    }
}

#[async_trait]
impl MailOutbox for SqlMailOutbox {
    async fn enqueue(&self, mail: &Mail, now: DateTime<Utc>) -> Result<(), RepositoryError> {
        let id = Uuid::now_v7();
        let plain = serde_json::to_vec(&Sealed {
            to: mail.to.as_ref().to_owned(),
            subject: mail.subject.clone(),
            text: mail.text.clone(),
            html: mail.html.clone(),
        })
        .context("encoding a mail")?;
        let message = self
            .protection
            .seal_bytes(SEAL_PURPOSE, id, &plain)
            .context("encrypting a mail")?;
        mail_outbox::Entity::insert(mail_outbox::ActiveModel {
            id: Set(id),
            message: Set(message),
            attempts: Set(0),
            next_attempt_at: Set(now),
            created_at: Set(now),
        })
        .exec_without_returning(&self.db)
        .await
        .db_context("queueing a mail")?;
        Ok(())
    }

    async fn claim_due(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: u64,
    ) -> Result<Vec<QueuedMail>, RepositoryError> {
        let due = mail_outbox::Entity::find()
            .filter(mail_outbox::Column::NextAttemptAt.lte(now))
            .order_by_asc(mail_outbox::Column::NextAttemptAt)
            .order_by_asc(mail_outbox::Column::Id)
            .limit(limit)
            .all(&self.db)
            .await
            .db_context("reading due mail")?;
        let mut claimed = Vec::with_capacity(due.len());
        for model in due {
            let won = mail_outbox::Entity::update_many()
                .col_expr(mail_outbox::Column::NextAttemptAt, Expr::value(lease_until))
                .filter(mail_outbox::Column::Id.eq(model.id))
                .filter(mail_outbox::Column::NextAttemptAt.eq(model.next_attempt_at))
                .exec(&self.db)
                .await
                .db_context("claiming a mail")?
                .rows_affected
                == 1;
            if !won {
                continue;
            }
            match self.open(&model) {
                Ok(mail) => claimed.push(QueuedMail {
                    id: model.id,
                    mail,
                    attempts: u32::try_from(model.attempts).unwrap_or(0),
                }),
                Err(err) => {
                    // Sealed under a key that is gone, or corrupt: it can never be sent.
                    tracing::error!(mail_id = %model.id, error = ?err, "a queued mail cannot be read; dropping it");
                    self.remove(model.id).await?;
                }
            }
        }
        Ok(claimed)
    }

    async fn remove(&self, id: Uuid) -> Result<(), RepositoryError> {
        mail_outbox::Entity::delete_by_id(id)
            .exec(&self.db)
            .await
            .db_context("removing a mail")?;
        Ok(())
    }

    async fn retry_at(
        &self,
        id: Uuid,
        attempts: u32,
        at: DateTime<Utc>,
    ) -> Result<(), RepositoryError> {
        mail_outbox::Entity::update_many()
            .col_expr(
                mail_outbox::Column::Attempts,
                Expr::value(i32::try_from(attempts).unwrap_or(i32::MAX)),
            )
            .col_expr(mail_outbox::Column::NextAttemptAt, Expr::value(at))
            .filter(mail_outbox::Column::Id.eq(id))
            .exec(&self.db)
            .await
            .db_context("rescheduling a mail")?;
        Ok(())
    }
}
