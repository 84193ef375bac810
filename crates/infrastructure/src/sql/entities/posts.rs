use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "posts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub author_id: Uuid,
    pub title: String,
    pub body: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// Kept exact by triggers on `comments` (migration `m20261127_000012`); never written here.
    pub comment_count: i64,
    /// What a list shows of the body, written with it (migration `m20261128_000014`).
    pub excerpt: String,
    /// The body's length in characters, written with it.
    pub body_length: i32,
    /// The author's username, kept by the database (migration `m20261128_000015`); never
    /// written here.
    pub author_username: String,
}

written_by_a_user!();
