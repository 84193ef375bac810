//! Connecting to the configured database and bringing its schema up to date.

use std::time::Duration;

use anyhow::Context;
use migration::{Migrator, MigratorTrait};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, Statement,
    TransactionTrait,
};
use secrecy::ExposeSecret;

use crate::config::DatabaseSettings;

/// Any fixed number works: every instance must use the same one.
const MIGRATION_LOCK_KEY: i64 = 0x6167_6f72_615f_6d67;

pub async fn connect_database(settings: &DatabaseSettings) -> anyhow::Result<DatabaseConnection> {
    let mut options = match settings {
        DatabaseSettings::Sqlite { path } => {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir)
                    .with_context(|| format!("DATA_DIR: cannot create {}", dir.display()))?;
            }
            let mut options = ConnectOptions::new(format!("sqlite://{}?mode=rwc", path.display()));
            // SQLite takes one writer at a time: a small pool, WAL, and sqlx's busy timeout
            // (sqlx also turns foreign keys on for every connection).
            options.max_connections(4).min_connections(1);
            options
        }
        DatabaseSettings::Postgres {
            url,
            schema,
            max_connections,
        } => {
            let mut options = ConnectOptions::new(url.expose_secret().to_owned());
            options.max_connections(*max_connections).min_connections(1);
            if let Some(schema) = schema {
                options.set_schema_search_path(schema.clone());
            }
            options
        }
    };
    options
        .connect_timeout(Duration::from_secs(5))
        .acquire_timeout(Duration::from_secs(5))
        .sqlx_logging(false);
    let db = Database::connect(options)
        .await
        .context("DATABASE_URL: cannot connect to the database")?;
    if db.get_database_backend() == DbBackend::Sqlite {
        db.execute_unprepared("PRAGMA journal_mode = WAL")
            .await
            .context("configuring SQLite")?;
    }
    Ok(db)
}

/// Applies pending migrations. On PostgreSQL an advisory lock makes instances that start
/// together take turns, so only one of them migrates.
pub async fn migrate(db: &DatabaseConnection) -> anyhow::Result<()> {
    match db.get_database_backend() {
        DbBackend::Postgres => {
            let txn = db.begin().await?;
            txn.execute_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT pg_advisory_xact_lock($1)",
                [MIGRATION_LOCK_KEY.into()],
            ))
            .await
            .context("taking the migration lock")?;
            Migrator::up(&txn, None)
                .await
                .context("applying migrations")?;
            txn.commit().await.context("committing migrations")?;
        }
        _ => Migrator::up(db, None)
            .await
            .context("applying migrations")?,
    }
    Ok(())
}
