//! A post, and a comment on one.

use chrono::{DateTime, Utc};

use crate::{
    CommentBody, CommentId, PostBody, PostId, PostTitle, UserId,
    stamps::{Stamps, stamped},
};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Post {
    id: PostId,
    author_id: UserId,
    title: PostTitle,
    body: PostBody,
    stamps: Stamps,
}

impl Post {
    pub fn create(
        id: PostId,
        author_id: UserId,
        title: PostTitle,
        body: PostBody,
        now: DateTime<Utc>,
    ) -> Self {
        Self::restore(id, author_id, title, body, now, now)
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
            stamps: Stamps::restore(created_at, updated_at),
        }
    }

    pub fn edit(&mut self, title: PostTitle, body: PostBody, now: DateTime<Utc>) {
        self.title = title;
        self.body = body;
        self.stamps.touch(now);
    }

    pub fn title(&self) -> &PostTitle {
        &self.title
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    id: CommentId,
    post_id: PostId,
    author_id: UserId,
    body: CommentBody,
    stamps: Stamps,
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
            stamps: Stamps::restore(created_at, updated_at),
        }
    }

    pub fn edit(&mut self, body: CommentBody, now: DateTime<Utc>) {
        self.body = body;
        self.stamps.touch(now);
    }

    pub fn post_id(&self) -> PostId {
        self.post_id
    }
}

/// What posts and comments share, for each (record => its id, its body): the id, the author
/// (authorship is by user id) and the body.
macro_rules! written {
    ($($record:ty => $id:ty, $body:ty);+ $(;)?) => {$(
        impl $record {
            pub fn id(&self) -> $id {
                self.id
            }

            pub fn author_id(&self) -> UserId {
                self.author_id
            }

            pub fn is_authored_by(&self, user: UserId) -> bool {
                self.author_id == user
            }

            pub fn body(&self) -> &$body {
                &self.body
            }
        }
    )+};
}

written!(Post => PostId, PostBody; Comment => CommentId, CommentBody);
stamped!(Post, Comment);

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
