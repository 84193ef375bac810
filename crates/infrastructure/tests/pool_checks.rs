//! The PostgreSQL pool does not check a connection it lends again within a second of its
//! return (sqlx checked it as it came back), but does check one that sat idle longer: a
//! connection the server ended meanwhile is replaced, unseen by the caller. Runs in
//! `.ci/run`'s PostgreSQL pass (`--include-ignored`).

use infrastructure::{PING_IF_IDLE_FOR, config::DatabaseSettings, connect_database};
use sea_orm::{ConnectionTrait, DatabaseConnection};
use secrecy::SecretString;
use uuid::Uuid;

async fn pool(url: &str, max_connections: u32) -> DatabaseConnection {
    let settings = DatabaseSettings::Postgres {
        url: SecretString::from(url.to_owned()),
        schema: None,
        max_connections,
    };
    connect_database(&settings).await.expect("connects")
}

#[tokio::test]
#[ignore = "needs PostgreSQL: .ci/run runs it"]
async fn a_connection_the_server_ended_while_idle_is_replaced_before_it_is_lent() {
    let url = std::env::var("DATABASE_URL")
        .ok()
        .filter(|u| u.starts_with("postgres"))
        .expect("DATABASE_URL names a PostgreSQL server (.ci/run starts one)");
    // The pool's connections carry a name of their own, so only they are ended.
    let name = format!("pool-check-{}", Uuid::now_v7().simple());
    let separator = if url.contains('?') { '&' } else { '?' };
    let db = pool(&format!("{url}{separator}application_name={name}"), 2).await;
    db.execute_unprepared("SELECT 1").await.expect("answers");

    let admin = pool(&url, 1).await;
    let ended = admin
        .execute_unprepared(&format!(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '{name}'"
        ))
        .await
        .expect("ends the pool's connections");
    assert!(
        ended.rows_affected() >= 1,
        "no connection of the pool was found"
    );

    tokio::time::sleep(PING_IF_IDLE_FOR * 2).await;
    for query in 0..5 {
        db.execute_unprepared("SELECT 1").await.unwrap_or_else(|e| {
            panic!("query {query} after the server ended the pool's connection: {e}")
        });
    }
}
