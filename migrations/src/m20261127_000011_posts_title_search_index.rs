//! SQLite's index for `?q=` on posts (PostgreSQL has its `pg_trgm` index, `m20261126_180100`):
//! an FTS5 table of every title with the trigram tokenizer, kept in step by triggers, so a
//! search reads the posts whose titles hold every trigram of the query instead of every title.
//!
//! The tokenizer folds case further than SQLite's ASCII-only `lower()` does, so it finds a
//! superset of what `lower(title) LIKE '%q%'` matches; the query keeps that `LIKE` on the
//! candidates, and what matches is exactly what it was. Fewer than three characters have no
//! trigram: such a search still reads every title.
//!
//! A row is tied to its post by `post_id`, not by the posts' rowid, which `VACUUM` may renumber
//! (posts has no `INTEGER PRIMARY KEY`). Deleting finds the row through the index: the old
//! title as a phrase, then the id (a title under three characters has no trigram and is
//! looked up by id alone, a scan of the search table for a rare case).

use sea_orm_migration::{
    prelude::*,
    sea_orm::{ConnectionTrait, DbBackend},
};

/// The old title as an FTS5 phrase: in double quotes, a `"` doubled.
const DELETE_OLD: &str = r#"
  DELETE FROM posts_title_search WHERE rowid IN (
    SELECT rowid FROM posts_title_search
    WHERE posts_title_search MATCH '"' || replace(old.title, '"', '""') || '"'
      AND post_id = old.id AND length(old.title) >= 3);
  DELETE FROM posts_title_search WHERE length(old.title) < 3 AND post_id = old.id;
"#;

fn create() -> Vec<String> {
    vec![
        "CREATE VIRTUAL TABLE posts_title_search USING fts5(title, post_id UNINDEXED, \
         tokenize = 'trigram')"
            .to_owned(),
        "INSERT INTO posts_title_search (title, post_id) SELECT title, id FROM posts".to_owned(),
        "CREATE TRIGGER posts_title_search_insert AFTER INSERT ON posts BEGIN \
         INSERT INTO posts_title_search (title, post_id) VALUES (new.title, new.id); END"
            .to_owned(),
        format!(
            "CREATE TRIGGER posts_title_search_delete AFTER DELETE ON posts BEGIN {DELETE_OLD} END"
        ),
        format!(
            "CREATE TRIGGER posts_title_search_update AFTER UPDATE OF title ON posts \
             WHEN new.title IS NOT old.title BEGIN {DELETE_OLD} \
             INSERT INTO posts_title_search (title, post_id) VALUES (new.title, new.id); END"
        ),
    ]
}

const DROP: [&str; 4] = [
    "DROP TRIGGER IF EXISTS posts_title_search_update",
    "DROP TRIGGER IF EXISTS posts_title_search_delete",
    "DROP TRIGGER IF EXISTS posts_title_search_insert",
    "DROP TABLE IF EXISTS posts_title_search",
];

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Sqlite {
            return Ok(());
        }
        for statement in create() {
            manager
                .get_connection()
                .execute_unprepared(&statement)
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Sqlite {
            return Ok(());
        }
        for statement in DROP {
            manager
                .get_connection()
                .execute_unprepared(statement)
                .await?;
        }
        Ok(())
    }
}
