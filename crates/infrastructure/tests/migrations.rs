//! The migrations that protect emails and create the audit trail are reversible: down and up
//! again on a real SQLite file (and on PostgreSQL when `DATABASE_URL` is set, in a schema of
//! its own).

use infrastructure::{config::DatabaseSettings, connect_database, migrate};
use migration::{Migrator, MigratorTrait};
use sea_orm::ConnectionTrait;
use secrecy::SecretString;
use uuid::Uuid;

async fn settings() -> (DatabaseSettings, Option<tempfile::TempDir>) {
    match std::env::var("DATABASE_URL").ok().filter(|u| !u.is_empty()) {
        Some(url) => {
            let schema = format!("test_{}", Uuid::now_v7().simple());
            let db = sea_orm::Database::connect(&url).await.expect("connect");
            db.execute_unprepared(&format!("CREATE SCHEMA \"{schema}\""))
                .await
                .expect("schema");
            db.close().await.ok();
            let settings = DatabaseSettings::Postgres {
                url: SecretString::from(url),
                schema: Some(schema),
                max_connections: 2,
            };
            (settings, None)
        }
        None => {
            let dir = tempfile::tempdir().expect("tempdir");
            let settings = DatabaseSettings::Sqlite {
                path: dir.path().join("agora.db"),
            };
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
