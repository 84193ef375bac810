//! `?q=` on posts is a case-insensitive substring of the title, `lower(title) LIKE '%q%'`. On
//! PostgreSQL a GIN index of `lower(title)` trigrams (`pg_trgm`, a trusted extension since
//! PostgreSQL 13: a role with CREATE on the database may install it) answers that from the
//! index instead of reading every title, so a search that matches nothing costs a few index
//! pages whatever the table's size. The extension goes to `public`, or stays wherever an
//! operator installed it, never into a per-tenant schema that could be dropped with it.
//! SQLite has its own index, FTS5's trigram tokenizer (`m20261127_000011`).

use sea_orm_migration::{
    prelude::*,
    sea_orm::{ConnectionTrait, DbBackend},
};

/// Fixed text, no outside value: the operator class is qualified with the extension's schema,
/// which only the catalog knows, so PL/pgSQL quotes it (`%I`).
const CREATE_TRIGRAM_INDEX: &str = r#"
DO $$
DECLARE trgm_schema name;
BEGIN
  CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public;
  SELECT n.nspname INTO trgm_schema FROM pg_extension e
    JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm';
  EXECUTE format(
    'CREATE INDEX posts_title_trgm_idx ON posts USING gin (lower(title) %I.gin_trgm_ops)',
    trgm_schema);
END $$
"#;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        manager
            .get_connection()
            .execute_unprepared(CREATE_TRIGRAM_INDEX)
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        manager
            .get_connection()
            .execute_unprepared("DROP INDEX IF EXISTS posts_title_trgm_idx")
            .await?;
        Ok(())
    }
}
