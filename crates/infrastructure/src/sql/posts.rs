//! `PostRepository` with sea-orm. A post and a page of posts are each one statement on `posts`
//! alone, which carries its author's username. The number of comments is the post's
//! `comment_count` column, kept exact by triggers on `comments` (migration `m20261127_000012`),
//! not counted per read.
//! A page reads only the start of each body and its length, stored beside the body when it is
//! written (migration `m20261128_000014`).

use application::{
    RepositoryError,
    pagination::{Cursor, Page, PageRequest},
    ports::{PostFilter, PostRepository},
    views::{PostSummary, PostView},
};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::{Post, PostBody, PostId, PostTitle, UserId};
use sea_orm::{
    ActiveValue::{NotSet, Set},
    ColumnTrait, Condition, ConnectionTrait, DbBackend, EntityTrait, FromQueryResult, QueryFilter,
    QueryOrder, QuerySelect, QueryTrait, Select, Statement,
    sea_query::{BinOper, Expr, ExprTrait, Query},
};
use serde::Deserialize;
use uuid::Uuid;

use super::db::Db;
use super::{
    authored::author_ref,
    batch::insert_in_thousands,
    entities::posts,
    folded::Rows,
    keyset,
    limit::limited,
    prepared::Prepared,
    versioned::{delete_guarded, update_guarded},
};
use crate::unavailable::DbContext;

pub struct SqlPosts {
    db: Db,
    /// A post by id (`find`).
    by_id: Prepared,
    /// How a page's rows are read (folded on SQLite).
    summaries: Rows,
}

#[derive(FromQueryResult, Deserialize)]
struct SummaryRow {
    id: Uuid,
    author_id: Uuid,
    title: String,
    excerpt: String,
    body_length: i32,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    author_username: String,
    comment_count: i64,
}

#[derive(FromQueryResult)]
struct PostRow {
    id: Uuid,
    author_id: Uuid,
    title: String,
    body: String,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    author_username: String,
    comment_count: i64,
}

impl SqlPosts {
    pub fn new(db: impl Into<Db>) -> Self {
        let db = db.into();
        let by_id = Condition::all().add(posts::Column::Id.eq(Uuid::nil()));
        let backend = db.get_database_backend();
        Self {
            by_id: Prepared::new(Self::view_select(by_id).build(backend)),
            summaries: Rows::of::<SummaryRow, posts::Entity>(backend),
            db,
        }
    }

    /// The statement `list` runs, for the query-plan test (`EXPLAIN`).
    pub fn list_statement(&self, filter: &PostFilter, page: &PageRequest) -> Statement {
        let condition = list_condition(self.db.get_database_backend(), filter, page);
        limited(&Self::summaries_select(condition), page.limit + 1, &self.db)
    }

    /// Bulk path for seeding (the benchmark): `posts` in multi-row `INSERT`s of 1,000 rows.
    /// Not on the port: the server inserts one post per request.
    pub async fn insert_batch(&self, posts: &[Post]) -> Result<(), RepositoryError> {
        insert_in_thousands::<posts::Entity, _, _>(&self.db, posts, active, "inserting posts").await
    }

    /// A post with its author's name: one row by primary key, so no order and no limit (on
    /// PostgreSQL an `ORDER BY` here planned a sort of the one row).
    fn view_select(condition: Condition) -> Select<posts::Entity> {
        posts::Entity::find()
            .select_only()
            .columns([
                posts::Column::Id,
                posts::Column::AuthorId,
                posts::Column::Title,
                posts::Column::Body,
                posts::Column::CreatedAt,
                posts::Column::UpdatedAt,
                posts::Column::CommentCount,
                posts::Column::AuthorUsername,
            ])
            .filter(condition)
    }

    async fn views(&self, statement: Statement) -> Result<Vec<PostView>, RepositoryError> {
        let rows = PostRow::find_by_statement(statement)
            .all(&self.db)
            .await
            .db_context("reading posts")?;
        rows.into_iter().map(to_view).collect()
    }

    /// A list reads what it shows of each body from the columns written with it (`excerpt`,
    /// `body_length`), never the body.
    fn summaries_select(condition: Condition) -> Select<posts::Entity> {
        posts::Entity::find()
            .select_only()
            .columns([
                posts::Column::Id,
                posts::Column::AuthorId,
                posts::Column::Title,
                posts::Column::CreatedAt,
                posts::Column::UpdatedAt,
                posts::Column::CommentCount,
                posts::Column::Excerpt,
                posts::Column::BodyLength,
                posts::Column::AuthorUsername,
            ])
            .filter(condition)
            .order_by_desc(posts::Column::CreatedAt)
            .order_by_desc(posts::Column::Id)
    }

    async fn summaries(
        &self,
        condition: Condition,
        limit: u64,
    ) -> Result<Vec<PostSummary>, RepositoryError> {
        let statement = limited(&Self::summaries_select(condition), limit, &self.db);
        let rows = self
            .summaries
            .all(&self.db, statement, |a: &SummaryRow, b| {
                (b.created_at, b.id).cmp(&(a.created_at, a.id))
            })
            .await
            .db_context("reading posts")?;
        Ok(rows
            .into_iter()
            .map(|row| {
                let comment_count = u64::try_from(row.comment_count).unwrap_or(0);
                PostSummary {
                    id: PostId::from_uuid(row.id),
                    title: PostTitle::from_storage(row.title),
                    excerpt: row.excerpt,
                    body_length: u64::try_from(row.body_length).unwrap_or(0),
                    author: author_ref(row.author_id, row.author_username),
                    comment_count,
                    created_at: row.created_at,
                    updated_at: row.updated_at,
                }
            })
            .collect())
    }
}

fn list_condition(backend: DbBackend, filter: &PostFilter, page: &PageRequest) -> Condition {
    let mut condition = Condition::all();
    if let Some(author) = filter.author {
        condition = condition.add(posts::Column::AuthorId.eq(author.as_uuid()));
    }
    if let Some(q) = &filter.title_contains {
        let q = q.as_ref().to_lowercase();
        if backend == DbBackend::Sqlite
            && let Some(candidates) = title_search_candidates(&q)
        {
            condition = condition.add(candidates);
        }
        let title = (posts::Entity, posts::Column::Title);
        condition = condition.add(keyset::lower_like(backend, title, "%", &q, "%"));
    }
    if let Some(cursor) = &page.after {
        condition = condition.add(keyset::before(
            posts::Column::CreatedAt,
            posts::Column::Id,
            cursor,
        ));
    }
    condition
}

/// SQLite: the posts whose titles hold every trigram of `q`, from the FTS5 index
/// (`posts_title_search`, migration `m20261127_000011`), as a phrase (in double quotes, a `"`
/// doubled). Its case folding is wider than `lower()`'s, so the `LIKE` still decides; under
/// three characters there is no trigram and no index (`None`: the `LIKE` alone, a scan).
fn title_search_candidates(q: &str) -> Option<Expr> {
    if q.chars().count() < 3 {
        return None;
    }
    let phrase = format!("\"{}\"", q.replace('"', "\"\""));
    let matching = Query::select()
        .column("post_id")
        .from("posts_title_search")
        .and_where(Expr::col("posts_title_search").binary(BinOper::Custom("MATCH"), phrase))
        .to_owned();
    Some(Expr::col((posts::Entity, posts::Column::Id)).in_subquery(matching))
}

fn active(post: &Post) -> posts::ActiveModel {
    let (excerpt, body_length) = excerpt_of(post);
    posts::ActiveModel {
        id: Set(post.id().as_uuid()),
        author_id: Set(post.author_id().as_uuid()),
        title: Set(post.title().as_ref().to_owned()),
        body: Set(post.body().as_ref().to_owned()),
        created_at: Set(post.created_at()),
        updated_at: Set(post.updated_at()),
        comment_count: NotSet,
        excerpt: Set(excerpt),
        body_length: Set(body_length),
        author_username: NotSet,
    }
}

/// The excerpt and length stored beside the body (a body has at most 50,000 characters).
fn excerpt_of(post: &Post) -> (String, i32) {
    let (excerpt, length) = PostSummary::excerpt_of(post.body().as_ref());
    (excerpt, i32::try_from(length).unwrap_or(i32::MAX))
}

fn to_view(row: PostRow) -> Result<PostView, RepositoryError> {
    let comment_count = u64::try_from(row.comment_count).unwrap_or(0);
    let post = Post::restore(
        PostId::from_uuid(row.id),
        UserId::from_uuid(row.author_id),
        PostTitle::from_storage(row.title),
        PostBody::from_storage(row.body),
        row.created_at,
        row.updated_at,
    );
    Ok(PostView {
        post,
        author: author_ref(row.author_id, row.author_username),
        comment_count,
    })
}

#[async_trait]
impl PostRepository for SqlPosts {
    async fn insert(&self, post: &Post) -> Result<(), RepositoryError> {
        posts::Entity::insert(active(post))
            .exec_without_returning(&self.db)
            .await
            .db_context("inserting a post")?;
        Ok(())
    }

    async fn find(&self, id: PostId) -> Result<Option<PostView>, RepositoryError> {
        let statement = self.by_id.bind([id.as_uuid().into()]);
        Ok(self.views(statement).await?.pop())
    }

    async fn list(
        &self,
        filter: &PostFilter,
        page: &PageRequest,
    ) -> Result<Page<PostSummary>, RepositoryError> {
        let condition = list_condition(self.db.get_database_backend(), filter, page);
        let rows = self.summaries(condition, page.limit + 1).await?;
        Ok(Page::from_rows(rows, page.limit, |s| Cursor {
            created_at: s.created_at,
            id: s.id.as_uuid(),
        }))
    }

    async fn update(
        &self,
        post: &Post,
        expected: Option<DateTime<Utc>>,
    ) -> Result<bool, RepositoryError> {
        let (excerpt, body_length) = excerpt_of(post);
        let changes = posts::Entity::update_many()
            .col_expr(posts::Column::Title, Expr::value(post.title().as_ref()))
            .col_expr(posts::Column::Body, Expr::value(post.body().as_ref()))
            .col_expr(posts::Column::Excerpt, Expr::value(excerpt))
            .col_expr(posts::Column::BodyLength, Expr::value(body_length))
            .col_expr(posts::Column::UpdatedAt, Expr::value(post.updated_at()));
        Ok(
            update_guarded(&self.db, changes, post.id().as_uuid(), expected)
                .await
                .db_context("updating a post")?,
        )
    }

    async fn delete(
        &self,
        id: PostId,
        expected: Option<DateTime<Utc>>,
    ) -> Result<bool, RepositoryError> {
        // One statement: the foreign key's ON DELETE CASCADE removes the comments with it.
        Ok(
            delete_guarded::<posts::Entity, _>(&self.db, id.as_uuid(), expected)
                .await
                .db_context("deleting a post")?,
        )
    }
}
