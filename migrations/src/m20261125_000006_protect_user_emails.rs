//! Emails are stored encrypted (AES-256-GCM, a fresh nonce each time), so equal addresses no
//! longer give equal column values. Uniqueness and look-ups move to a keyed blind index: an
//! HMAC-SHA256 of the normalised address, in a column of its own.

use sea_orm_migration::{prelude::*, schema::*, sea_orm::DbBackend};

use crate::idents::Users;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // A ciphertext outgrows 255 characters for long addresses. SQLite enforces no length.
        if manager.get_database_backend() == DbBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared("ALTER TABLE users ALTER COLUMN email TYPE text")
                .await?;
        }
        // The old unique index would compare ciphertexts, which never repeat: it guards nothing.
        manager
            .drop_index(
                Index::drop()
                    .name("users_email_key")
                    .table(Users::Table)
                    .to_owned(),
            )
            .await?;
        // Nullable only because SQLite cannot add a NOT NULL column without a default; the
        // application always writes it, and `agora rotate-data-key` fills rows written before
        // this migration. NULLs do not collide in a unique index.
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .add_column(string_len_null(Users::EmailBlindIndex, 64))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("users_email_blind_index_key")
                    .table(Users::Table)
                    .col(Users::EmailBlindIndex)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("users_email_blind_index_key")
                    .table(Users::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .drop_column(Users::EmailBlindIndex)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("users_email_key")
                    .table(Users::Table)
                    .col(Users::Email)
                    .unique()
                    .to_owned(),
            )
            .await?;
        if manager.get_database_backend() == DbBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared("ALTER TABLE users ALTER COLUMN email TYPE varchar(255)")
                .await?;
        }
        Ok(())
    }
}
