//! An author's posts are listed newest first by `(created_at, id)`, like every list: the index
//! on `(author_id, created_at)` gave the rows for one author in `created_at` order but left ties
//! on `id` to a sort. `(author_id, created_at, id)` serves the filter, the keyset bound
//! `(created_at, id) < (x, y)` and the order from one range, and replaces it.

use sea_orm_migration::prelude::*;

use crate::idents::Posts;

#[derive(DeriveMigrationName)]
pub struct Migration;

const OLD: &str = "posts_author_id_created_at_idx";
const NEW: &str = "posts_author_id_created_at_id_idx";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name(NEW)
                    .table(Posts::Table)
                    .col(Posts::AuthorId)
                    .col(Posts::CreatedAt)
                    .col(Posts::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_index(Index::drop().name(OLD).table(Posts::Table).to_owned())
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name(OLD)
                    .table(Posts::Table)
                    .col(Posts::AuthorId)
                    .col(Posts::CreatedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_index(Index::drop().name(NEW).table(Posts::Table).to_owned())
            .await
    }
}
