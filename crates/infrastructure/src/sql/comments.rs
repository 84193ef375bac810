//! `CommentRepository` with sea-orm: a page of comments is one statement on `comments` alone,
//! which carries each author's username.

use super::db::Db;
use application::{
    RepositoryError,
    pagination::{Cursor, Page, PageRequest},
    ports::CommentRepository,
    views::CommentView,
};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::{Comment, CommentBody, CommentId, PostId, UserId};
use sea_orm::{
    ActiveValue::{NotSet, Set},
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter, QueryOrder,
    QuerySelect, Select, SqlErr, Statement,
    sea_query::Expr,
};
use serde::Deserialize;
use uuid::Uuid;

use super::{
    authored::author_ref,
    batch::insert_in_thousands,
    entities::comments,
    folded::Rows,
    keyset,
    limit::limited,
    versioned::{delete_guarded, update_guarded},
};
use crate::unavailable::{DbContext, repository_error};

pub struct SqlComments {
    db: Db,
    /// How a page's rows are read (folded on SQLite).
    page: Rows,
}

#[derive(FromQueryResult, Deserialize)]
struct CommentRow {
    id: Uuid,
    post_id: Uuid,
    author_id: Uuid,
    body: String,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    author_username: String,
}

impl SqlComments {
    pub fn new(db: impl Into<Db>) -> Self {
        let db = db.into();
        Self {
            page: Rows::of::<CommentRow, comments::Entity>(db.get_database_backend()),
            db,
        }
    }

    /// The statement `list_for_post` runs, for the query-plan test (`EXPLAIN`).
    pub fn list_statement(&self, post: PostId, page: &PageRequest) -> Statement {
        limited(
            &Self::select(list_condition(post, page)),
            page.limit + 1,
            &self.db,
        )
    }

    /// Bulk path for seeding (the benchmark): multi-row `INSERT`s of 1,000 rows. Not on the
    /// port: the server inserts one comment per request.
    pub async fn insert_batch(&self, comments: &[Comment]) -> Result<(), RepositoryError> {
        insert_in_thousands::<comments::Entity, _, _>(
            &self.db,
            comments,
            active,
            "inserting comments",
        )
        .await
    }

    fn select(condition: Condition) -> Select<comments::Entity> {
        comments::Entity::find()
            .select_only()
            .columns([
                comments::Column::Id,
                comments::Column::PostId,
                comments::Column::AuthorId,
                comments::Column::Body,
                comments::Column::CreatedAt,
                comments::Column::UpdatedAt,
                comments::Column::AuthorUsername,
            ])
            .filter(condition)
            .order_by_asc(comments::Column::CreatedAt)
            .order_by_asc(comments::Column::Id)
    }

    /// The comments `condition` finds, oldest first, at most `limit`.
    async fn views(
        &self,
        condition: Condition,
        limit: u64,
    ) -> Result<Vec<CommentView>, RepositoryError> {
        let statement = limited(&Self::select(condition), limit, &self.db);
        self.page
            .all(&self.db, statement, |a: &CommentRow, b| {
                (a.created_at, a.id).cmp(&(b.created_at, b.id))
            })
            .await
            .db_context("reading comments")?
            .into_iter()
            .map(to_view)
            .collect()
    }
}

fn list_condition(post: PostId, page: &PageRequest) -> Condition {
    let mut condition = Condition::all().add(comments::Column::PostId.eq(post.as_uuid()));
    if let Some(cursor) = &page.after {
        condition = condition.add(keyset::after(
            comments::Column::CreatedAt,
            comments::Column::Id,
            cursor,
        ));
    }
    condition
}

fn active(comment: &Comment) -> comments::ActiveModel {
    comments::ActiveModel {
        id: Set(comment.id().as_uuid()),
        post_id: Set(comment.post_id().as_uuid()),
        author_id: Set(comment.author_id().as_uuid()),
        body: Set(comment.body().as_ref().to_owned()),
        created_at: Set(comment.created_at()),
        updated_at: Set(comment.updated_at()),
        author_username: NotSet,
    }
}

fn to_view(row: CommentRow) -> Result<CommentView, RepositoryError> {
    Ok(CommentView {
        comment: Comment::restore(
            CommentId::from_uuid(row.id),
            PostId::from_uuid(row.post_id),
            UserId::from_uuid(row.author_id),
            CommentBody::from_storage(row.body),
            row.created_at,
            row.updated_at,
        ),
        author: author_ref(row.author_id, row.author_username),
    })
}

#[async_trait]
impl CommentRepository for SqlComments {
    async fn insert(&self, comment: &Comment) -> Result<(), RepositoryError> {
        let result = comments::Entity::insert(active(comment))
            .exec_without_returning(&self.db)
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(err)
                if matches!(
                    err.sql_err(),
                    Some(SqlErr::ForeignKeyConstraintViolation(_))
                ) =>
            {
                Err(RepositoryError::MissingParent)
            }
            Err(err) => Err(repository_error(err, "inserting a comment")),
        }
    }

    async fn find(&self, id: CommentId) -> Result<Option<CommentView>, RepositoryError> {
        let condition = Condition::all().add(comments::Column::Id.eq(id.as_uuid()));
        CommentRow::find_by_statement(limited(&Self::select(condition), 1, &self.db))
            .one(&self.db)
            .await
            .db_context("reading a comment")?
            .map(to_view)
            .transpose()
    }

    async fn list_for_post(
        &self,
        post: PostId,
        page: &PageRequest,
    ) -> Result<Page<CommentView>, RepositoryError> {
        let rows = self
            .views(list_condition(post, page), page.limit + 1)
            .await?;
        Ok(Page::from_rows(rows, page.limit, |v| Cursor {
            created_at: v.comment.created_at(),
            id: v.comment.id().as_uuid(),
        }))
    }

    async fn update(
        &self,
        comment: &Comment,
        expected: Option<DateTime<Utc>>,
    ) -> Result<bool, RepositoryError> {
        let changes = comments::Entity::update_many()
            .col_expr(comments::Column::Body, Expr::value(comment.body().as_ref()))
            .col_expr(
                comments::Column::UpdatedAt,
                Expr::value(comment.updated_at()),
            );
        Ok(
            update_guarded(&self.db, changes, comment.id().as_uuid(), expected)
                .await
                .db_context("updating a comment")?,
        )
    }

    async fn delete(
        &self,
        id: CommentId,
        expected: Option<DateTime<Utc>>,
    ) -> Result<bool, RepositoryError> {
        Ok(
            delete_guarded::<comments::Entity, _>(&self.db, id.as_uuid(), expected)
                .await
                .db_context("deleting a comment")?,
        )
    }
}
