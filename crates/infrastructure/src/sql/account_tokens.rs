//! `AccountTokens` with sea-orm: tokens kept as their SHA-256 only, the address they were
//! sent to sealed under the data keyring, taken by a guarded delete so only one taker wins.

use std::sync::Arc;

use anyhow::Context;
use application::{
    RepositoryError,
    ports::{AccountToken, AccountTokens, TokenPurpose},
};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::{AuditEvent, Email, TokenDigest, UserId};
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, TransactionTrait};
use uuid::Uuid;

use super::db::Db;
use super::{audit::append, entities::account_tokens};
use crate::{
    crypto::EmailProtection,
    unavailable::{DbContext, repository_error},
};

const SEAL_PURPOSE: &str = "account_tokens.address";

pub struct SqlAccountTokens {
    db: Db,
    protection: Arc<EmailProtection>,
}

impl SqlAccountTokens {
    pub fn new(db: impl Into<Db>, protection: Arc<EmailProtection>) -> Self {
        Self {
            db: db.into(),
            protection,
        }
    }

    fn to_port(&self, model: account_tokens::Model) -> Result<AccountToken, RepositoryError> {
        let plain = self
            .protection
            .open_bytes(SEAL_PURPOSE, model.id, &model.address)?;
        let address = String::from_utf8(plain).context("a token's address is not UTF-8")?;
        Ok(AccountToken {
            digest: parse_hex(&model.token_hash).context("a stored token hash is not hex")?,
            user: UserId::from_uuid(model.user_id),
            purpose: purpose_of(&model.purpose).context("unknown token purpose")?,
            address: Email::parse(&address).context("a token's address is invalid")?,
            expires_at: model.expires_at,
        })
    }

    async fn find_model(
        &self,
        purpose: TokenPurpose,
        digest: &TokenDigest,
        now: DateTime<Utc>,
    ) -> Result<Option<account_tokens::Model>, RepositoryError> {
        account_tokens::Entity::find()
            .filter(account_tokens::Column::TokenHash.eq(hex(digest)))
            .filter(account_tokens::Column::Purpose.eq(purpose.as_str()))
            .filter(account_tokens::Column::ExpiresAt.gt(now))
            .one(&self.db)
            .await
            .db_context("finding an account token")
    }
}

fn hex(digest: &TokenDigest) -> String {
    digest.0.iter().map(|b| format!("{b:02x}")).collect()
}

fn parse_hex(s: &str) -> Option<TokenDigest> {
    let mut out = [0u8; 32];
    if s.len() != 64 {
        return None;
    }
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(s.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(TokenDigest(out))
}

fn purpose_of(s: &str) -> Option<TokenPurpose> {
    [
        TokenPurpose::VerifyEmail,
        TokenPurpose::ResetPassword,
        TokenPurpose::ChangeEmail,
    ]
    .into_iter()
    .find(|p| p.as_str() == s)
}

#[async_trait]
impl AccountTokens for SqlAccountTokens {
    async fn insert(
        &self,
        token: &AccountToken,
        audit: Option<&AuditEvent>,
    ) -> Result<(), RepositoryError> {
        let id = Uuid::now_v7();
        let address = self
            .protection
            .seal_bytes(SEAL_PURPOSE, id, token.address.as_ref().as_bytes())
            .context("encrypting a token's address")?;
        let write = |e| repository_error(e, "storing an account token");
        let txn = self.db.begin().await.map_err(write)?;
        // Expired tokens of the account go as new ones come, so the table stays small.
        account_tokens::Entity::delete_many()
            .filter(account_tokens::Column::UserId.eq(token.user.as_uuid()))
            .filter(account_tokens::Column::ExpiresAt.lte(Utc::now()))
            .exec(&txn)
            .await
            .map_err(write)?;
        account_tokens::Entity::insert(account_tokens::ActiveModel {
            id: Set(id),
            user_id: Set(token.user.as_uuid()),
            purpose: Set(token.purpose.as_str().to_owned()),
            token_hash: Set(hex(&token.digest)),
            address: Set(address),
            expires_at: Set(token.expires_at),
            created_at: Set(Utc::now()),
        })
        .exec_without_returning(&txn)
        .await
        .map_err(write)?;
        if let Some(audit) = audit {
            append(&txn, audit).await.map_err(write)?;
        }
        txn.commit().await.map_err(write)
    }

    async fn find(
        &self,
        purpose: TokenPurpose,
        digest: &TokenDigest,
        now: DateTime<Utc>,
    ) -> Result<Option<AccountToken>, RepositoryError> {
        self.find_model(purpose, digest, now)
            .await?
            .map(|m| self.to_port(m))
            .transpose()
    }

    async fn take(
        &self,
        purpose: TokenPurpose,
        digest: &TokenDigest,
        now: DateTime<Utc>,
    ) -> Result<Option<AccountToken>, RepositoryError> {
        let Some(model) = self.find_model(purpose, digest, now).await? else {
            return Ok(None);
        };
        // Only the taker whose delete removed the row has the token.
        let deleted = account_tokens::Entity::delete_by_id(model.id)
            .exec(&self.db)
            .await
            .db_context("taking an account token")?;
        if deleted.rows_affected != 1 {
            return Ok(None);
        }
        self.to_port(model).map(Some)
    }

    async fn revoke_all(
        &self,
        user: UserId,
        purpose: TokenPurpose,
    ) -> Result<u64, RepositoryError> {
        let deleted = account_tokens::Entity::delete_many()
            .filter(account_tokens::Column::UserId.eq(user.as_uuid()))
            .filter(account_tokens::Column::Purpose.eq(purpose.as_str()))
            .exec(&self.db)
            .await
            .db_context("revoking account tokens")?;
        Ok(deleted.rows_affected)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_round_trip_through_hex() {
        let digest = TokenDigest([0xab; 32]);
        assert_eq!(parse_hex(&hex(&digest)), Some(digest));
        assert_eq!(parse_hex("zz"), None);
    }
}
