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

#[tokio::test]
async fn posts_written_before_the_stored_excerpt_get_it_from_their_bodies() {
    use application::{
        pagination::PageRequest, ports::PostFilter, ports::PostRepository, views::PostSummary,
    };
    use sea_orm::sea_query::{Alias, Query};

    assert_eq!(
        usize::try_from(migration::POSTS_EXCERPT_CHARS).expect("positive"),
        PostSummary::EXCERPT_CHARS,
        "the migration fills excerpts of the length lists show"
    );
    let (settings, _dir) = settings().await;
    let db = connect_database(&settings).await.expect("connect");
    migrate(&db).await.expect("up");
    Migrator::down(&db, Some(1)).await.expect("down");
    let users = common::sql_users(db.clone());
    let author = common::register(
        &users,
        &format!("old{}", &uuid::Uuid::now_v7().simple().to_string()[24..]),
        chrono::Utc::now(),
    )
    .await;
    // A body longer than the excerpt, of two-byte characters: lengths count characters.
    let body = format!("{}{}", "é".repeat(PostSummary::EXCERPT_CHARS), "tail");
    let id = uuid::Uuid::now_v7();
    let now = chrono::Utc::now();
    let insert = Query::insert()
        .into_table(Alias::new("posts"))
        .columns(
            [
                "id",
                "author_id",
                "title",
                "body",
                "created_at",
                "updated_at",
            ]
            .map(Alias::new),
        )
        .values_panic([
            id.into(),
            author.id().as_uuid().into(),
            "written before".into(),
            body.clone().into(),
            now.into(),
            now.into(),
        ])
        .to_owned();
    db.execute(&insert).await.expect("a post in the old schema");
    Migrator::up(&db, None).await.expect("up again");

    let posts = infrastructure::SqlPosts::new(db.clone());
    let filter = PostFilter {
        author: Some(author.id()),
        title_contains: None,
    };
    let page = posts
        .list(&filter, &PageRequest::first(5))
        .await
        .expect("lists");
    assert_eq!(page.items.len(), 1);
    let summary = &page.items[0];
    assert_eq!(summary.excerpt, "é".repeat(PostSummary::EXCERPT_CHARS));
    assert_eq!(summary.body_length, body.chars().count() as u64);
}
