//! `?q=` on posts is a case-insensitive substring of the title, `lower(title) LIKE '%q%'`. On
//! PostgreSQL a GIN index of `lower(title)` trigrams (`pg_trgm`, a trusted extension since
//! PostgreSQL 13: a role with CREATE on the database may install it) answers that from the
//! index instead of reading every title, so a search that matches nothing costs a few index
//! pages whatever the table's size. The extension goes to `public`, or stays wherever an
//! operator installed it, never into a per-tenant schema that could be dropped with it.
//! SQLite keeps the scan (its `lower()` folds ASCII only, which the trigram tokenizer would not
//! match exactly).

use sea_orm_migration::{
    prelude::*,
    sea_orm::{ConnectionTrait, DbBackend, Statement},
};

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
        let db = manager.get_connection();
        db.execute_unprepared("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public")
            .await?;
        let row = db
            .query_one_raw(Statement::from_string(
                DbBackend::Postgres,
                "SELECT n.nspname AS schema FROM pg_extension e \
                 JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm'",
            ))
            .await?
            .ok_or_else(|| DbErr::Custom("pg_trgm is not installed".into()))?;
        let schema: String = row.try_get("", "schema")?;
        let schema = schema.replace('"', "\"\"");
        db.execute_unprepared(&format!(
            "CREATE INDEX posts_title_trgm_idx ON posts USING gin (lower(title) \"{schema}\".gin_trgm_ops)"
        ))
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
