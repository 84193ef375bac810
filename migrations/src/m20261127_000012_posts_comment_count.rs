//! Every post carries the number of its comments, `posts.comment_count`, so a post and a page
//! of posts read it instead of counting the comments of every row (a correlated `COUNT(*)` per
//! post). It starts from a count of the comments already there, and triggers on `comments`
//! keep it exact in the same transaction as the write: +1 after an insert, -1 after a delete,
//! including the deletes an `ON DELETE CASCADE` makes (a post's comments go with the post; an
//! account's comments on other posts go with the account). A comment never moves to another
//! post (nothing updates `comments.post_id`).
//!
//! On PostgreSQL each update takes the post's row lock, so concurrent comments on one post
//! queue for it and none is lost; on SQLite writes are serialised anyway.

use sea_orm_migration::{
    prelude::*,
    sea_orm::{ConnectionTrait, DbBackend},
};

use crate::idents::Posts;

const BACKFILL: &str = "UPDATE posts SET comment_count = \
     (SELECT COUNT(*) FROM comments WHERE comments.post_id = posts.id)";

const UP: &str = "UPDATE posts SET comment_count = comment_count + 1 WHERE id = new.post_id";
const DOWN: &str = "UPDATE posts SET comment_count = comment_count - 1 WHERE id = old.post_id";

fn sqlite() -> Vec<String> {
    vec![
        format!("CREATE TRIGGER comments_count_insert AFTER INSERT ON comments BEGIN {UP}; END"),
        format!("CREATE TRIGGER comments_count_delete AFTER DELETE ON comments BEGIN {DOWN}; END"),
    ]
}

fn postgres() -> Vec<String> {
    vec![
        format!(
            "CREATE FUNCTION comments_count_insert() RETURNS trigger LANGUAGE plpgsql AS $$ \
             BEGIN {UP}; RETURN NULL; END $$"
        ),
        format!(
            "CREATE FUNCTION comments_count_delete() RETURNS trigger LANGUAGE plpgsql AS $$ \
             BEGIN {DOWN}; RETURN NULL; END $$"
        ),
        "CREATE TRIGGER comments_count_insert AFTER INSERT ON comments \
         FOR EACH ROW EXECUTE FUNCTION comments_count_insert()"
            .to_owned(),
        "CREATE TRIGGER comments_count_delete AFTER DELETE ON comments \
         FOR EACH ROW EXECUTE FUNCTION comments_count_delete()"
            .to_owned(),
    ]
}

const DROP_SQLITE: [&str; 2] = [
    "DROP TRIGGER IF EXISTS comments_count_insert",
    "DROP TRIGGER IF EXISTS comments_count_delete",
];

const DROP_POSTGRES: [&str; 4] = [
    "DROP TRIGGER IF EXISTS comments_count_insert ON comments",
    "DROP TRIGGER IF EXISTS comments_count_delete ON comments",
    "DROP FUNCTION IF EXISTS comments_count_insert()",
    "DROP FUNCTION IF EXISTS comments_count_delete()",
];

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Posts::Table)
                    .add_column(
                        ColumnDef::new(Posts::CommentCount)
                            .big_integer()
                            .not_null()
                            .default(0),
                    )
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        let triggers = match manager.get_database_backend() {
            DbBackend::Postgres => postgres(),
            _ => sqlite(),
        };
        for statement in std::iter::once(BACKFILL.to_owned()).chain(triggers) {
            db.execute_unprepared(&statement).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let drops: &[&str] = match manager.get_database_backend() {
            DbBackend::Postgres => &DROP_POSTGRES,
            _ => &DROP_SQLITE,
        };
        for statement in drops {
            db.execute_unprepared(statement).await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Posts::Table)
                    .drop_column(Posts::CommentCount)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }
}
