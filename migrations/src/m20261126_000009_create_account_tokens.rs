//! Single-use tokens sent by mail (verification, password reset, email change): only their
//! SHA-256 is stored, with the address they were sent to, encrypted like `users.email`.

use sea_orm_migration::{prelude::*, schema::*};

use crate::idents::{AccountTokens, Users};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AccountTokens::Table)
                    .col(pk_uuid(AccountTokens::Id))
                    .col(uuid(AccountTokens::UserId))
                    .col(string_len(AccountTokens::Purpose, 32))
                    // Hex SHA-256: looked up by it, so unique.
                    .col(string_len_uniq(AccountTokens::TokenHash, 64))
                    .col(text(AccountTokens::Address))
                    .col(timestamp_with_time_zone(AccountTokens::ExpiresAt))
                    .col(timestamp_with_time_zone(AccountTokens::CreatedAt))
                    // A deleted account takes its tokens with it.
                    .foreign_key(
                        ForeignKey::create()
                            .name("account_tokens_user_id_fkey")
                            .from(AccountTokens::Table, AccountTokens::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // Revoking every token of an account for a purpose.
        manager
            .create_index(
                Index::create()
                    .name("account_tokens_user_id_purpose_idx")
                    .table(AccountTokens::Table)
                    .col(AccountTokens::UserId)
                    .col(AccountTokens::Purpose)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(AccountTokens::Table).to_owned())
            .await
    }
}
