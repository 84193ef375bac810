//! The migrations that protect emails and create the audit trail are reversible: down and up
//! again on a real SQLite file (and on PostgreSQL when `DATABASE_URL` is set, in a schema of
//! its own).

mod common;

use infrastructure::{config::DatabaseSettings, connect_database, migrate};
use migration::{Migrator, MigratorTrait};
use sea_orm::ConnectionTrait;

async fn settings() -> (DatabaseSettings, Option<tempfile::TempDir>) {
    match std::env::var("DATABASE_URL").ok().filter(|u| !u.is_empty()) {
        Some(url) => (common::postgres_settings(url, 2).await, None),
        None => {
            let (settings, dir) = common::sqlite_settings();
            (settings, Some(dir))
        }
    }
}

#[tokio::test]
async fn the_latest_migrations_go_down_and_up_again() {
    let (settings, _dir) = settings().await;
    let db = connect_database(&settings).await.expect("connect");
    migrate(&db).await.expect("up");
    Migrator::down(&db, Some(2)).await.expect("down");
    Migrator::up(&db, None).await.expect("up again");
    db.execute_unprepared("SELECT email_blind_index FROM users")
        .await
        .expect("the blind index column is back");
    db.execute_unprepared("SELECT action FROM audit_events")
        .await
        .expect("the audit table is back");
}
