//! A post, and a comment on one.

use chrono::{DateTime, Duration, Utc};

use crate::{CommentBody, CommentId, PostBody, PostId, PostTitle, UserId};

/// The next `updated_at`: never equal to the last one, so it can guard concurrent edits.
fn next_stamp(previous: DateTime<Utc>, now: DateTime<Utc>) -> DateTime<Utc> {
    now.max(previous + Duration::microseconds(1))
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Post {
    id: PostId,
    author_id: UserId,
    title: PostTitle,
    body: PostBody,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl Post {
    pub fn create(
        id: PostId,
        author_id: UserId,
        title: PostTitle,
        body: PostBody,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            id,
            author_id,
            title,
            body,
            created_at: now,
            updated_at: now,
        }
    }

    pub fn restore(
        id: PostId,
        author_id: UserId,
        title: PostTitle,
        body: PostBody,
        created_at: DateTime<Utc>,
        updated_at: DateTime<Utc>,
    ) -> Self {
        Self {
            id,
            author_id,
            title,
            body,
            created_at,
            updated_at,
        }
    }

    pub fn edit(&mut self, title: PostTitle, body: PostBody, now: DateTime<Utc>) {
        self.title = title;
        self.body = body;
        self.updated_at = next_stamp(self.updated_at, now);
    }

    pub fn id(&self) -> PostId {
        self.id
    }

    pub fn author_id(&self) -> UserId {
        self.author_id
    }

    pub fn is_authored_by(&self, user: UserId) -> bool {
        self.author_id == user
    }

    pub fn title(&self) -> &PostTitle {
        &self.title
    }

    pub fn body(&self) -> &PostBody {
        &self.body
    }

    pub fn created_at(&self) -> DateTime<Utc> {
        self.created_at
    }

    pub fn updated_at(&self) -> DateTime<Utc> {
        self.updated_at
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    id: CommentId,
    post_id: PostId,
    author_id: UserId,
    body: CommentBody,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl Comment {
    pub fn create(
        id: CommentId,
        post_id: PostId,
        author_id: UserId,
        body: CommentBody,
        now: DateTime<Utc>,
    ) -> Self {
        Self::restore(id, post_id, author_id, body, now, now)
    }

    pub fn restore(
        id: CommentId,
        post_id: PostId,
        author_id: UserId,
        body: CommentBody,
        created_at: DateTime<Utc>,
        updated_at: DateTime<Utc>,
    ) -> Self {
        Self {
            id,
            post_id,
            author_id,
            body,
            created_at,
            updated_at,
        }
    }

    pub fn edit(&mut self, body: CommentBody, now: DateTime<Utc>) {
        self.body = body;
        self.updated_at = next_stamp(self.updated_at, now);
    }

    pub fn id(&self) -> CommentId {
        self.id
    }

    pub fn post_id(&self) -> PostId {
        self.post_id
    }

    pub fn author_id(&self) -> UserId {
        self.author_id
    }

    pub fn is_authored_by(&self, user: UserId) -> bool {
        self.author_id == user
    }

    pub fn body(&self) -> &CommentBody {
        &self.body
    }

    pub fn created_at(&self) -> DateTime<Utc> {
        self.created_at
    }

    pub fn updated_at(&self) -> DateTime<Utc> {
        self.updated_at
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn post(now: DateTime<Utc>) -> Post {
        Post::create(
            PostId::from_uuid(Uuid::now_v7()),
            UserId::from_uuid(Uuid::now_v7()),
            PostTitle::parse("Hello").expect("valid"),
            PostBody::parse("World").expect("valid"),
            now,
        )
    }

    #[test]
    fn an_edit_always_moves_updated_at_forward() {
        let now = Utc::now();
        let mut p = post(now);
        p.edit(
            PostTitle::parse("New").expect("valid"),
            PostBody::parse("Body").expect("valid"),
            now,
        );
        assert!(
            p.updated_at() > p.created_at(),
            "even within the same microsecond"
        );
        assert_eq!(p.title().as_ref(), "New");
    }

    #[test]
    fn authorship_is_by_user_id() {
        let p = post(Utc::now());
        assert!(p.is_authored_by(p.author_id()));
        assert!(!p.is_authored_by(UserId::from_uuid(Uuid::now_v7())));
    }
}
