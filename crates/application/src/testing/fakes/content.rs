//! Posts and comments in memory.

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::{Comment, CommentId, Post, PostId, UserId};

use super::{FakeUsers, Order, Versioned, current, keyset_page, lowercase};
use crate::{
    RepositoryError,
    pagination::{Page, PageRequest},
    ports::{CommentRepository, PostFilter, PostRepository},
    views::{AuthorRef, CommentView, PostSummary, PostView},
};

/// Posts and comments in memory, authored by the accounts of a `FakeUsers`: implements both
/// `PostRepository` and `CommentRepository`, so counts and cascades agree.
#[derive(Default)]
pub struct FakeContent {
    users: Arc<FakeUsers>,
    posts: Mutex<Vec<Post>>,
    comments: Mutex<Vec<Comment>>,
}

impl FakeContent {
    pub fn new(users: Arc<FakeUsers>) -> Self {
        Self {
            users,
            posts: Mutex::default(),
            comments: Mutex::default(),
        }
    }

    /// A primary and a replica over the same accounts. Nothing writes to the replica, so a read
    /// that finds a row came from the primary.
    pub fn primary_and_replica() -> (Arc<Self>, Arc<Self>) {
        let users = Arc::new(FakeUsers::default());
        (
            Arc::new(Self::new(users.clone())),
            Arc::new(Self::new(users)),
        )
    }

    fn author(&self, id: UserId) -> AuthorRef {
        AuthorRef {
            id,
            username: self.users.username_of(id),
        }
    }

    fn comment_count(&self, post: PostId) -> u64 {
        let comments = self.comments.lock().expect("lock");
        comments.iter().filter(|c| c.post_id() == post).count() as u64
    }

    fn summary(&self, post: &Post) -> PostSummary {
        let (excerpt, body_length) = PostSummary::excerpt_of(post.body().as_ref());
        PostSummary {
            id: post.id(),
            title: post.title().clone(),
            excerpt,
            body_length,
            author: self.author(post.author_id()),
            comment_count: self.comment_count(post.id()),
            created_at: post.created_at(),
            updated_at: post.updated_at(),
        }
    }

    fn comment_view(&self, comment: Comment) -> CommentView {
        CommentView {
            author: self.author(comment.author_id()),
            comment,
        }
    }
}

/// Replaces the stored `row` if it is there at `expected` (when given).
fn replace<T: Versioned + Clone>(rows: &mut [T], row: &T, expected: Option<DateTime<Utc>>) -> bool {
    let Some(at) = current(rows, row.key(), expected) else {
        return false;
    };
    rows[at] = row.clone();
    true
}

/// Removes the row `id` if it is there at `expected` (when given).
fn remove<T: Versioned>(rows: &mut Vec<T>, id: T::Id, expected: Option<DateTime<Utc>>) -> bool {
    let Some(at) = current(rows, id, expected) else {
        return false;
    };
    rows.remove(at);
    true
}

#[async_trait]
impl PostRepository for FakeContent {
    async fn insert(&self, post: &Post) -> Result<(), RepositoryError> {
        self.posts.lock().expect("lock").push(post.clone());
        Ok(())
    }

    async fn find(&self, id: PostId) -> Result<Option<PostView>, RepositoryError> {
        let posts = self.posts.lock().expect("lock");
        let post = posts.iter().find(|p| p.id() == id).cloned();
        Ok(post.map(|post| PostView {
            author: self.author(post.author_id()),
            comment_count: self.comment_count(id),
            post,
        }))
    }

    async fn list(
        &self,
        filter: &PostFilter,
        page: &PageRequest,
    ) -> Result<Page<PostSummary>, RepositoryError> {
        let needle = lowercase(filter.title_contains.as_ref());
        let posts = self.posts.lock().expect("lock");
        let matching = posts.iter().filter(|p| {
            let title = p.title().as_ref().to_lowercase();
            filter.author.is_none_or(|a| p.author_id() == a)
                && needle.as_ref().is_none_or(|n| title.contains(n.as_str()))
        });
        let page = keyset_page(matching.cloned(), page, Order::NewestFirst);
        Ok(page.map(|post| self.summary(&post)))
    }

    async fn update(
        &self,
        post: &Post,
        expected: Option<DateTime<Utc>>,
    ) -> Result<bool, RepositoryError> {
        Ok(replace(
            &mut self.posts.lock().expect("lock"),
            post,
            expected,
        ))
    }

    async fn delete(
        &self,
        id: PostId,
        expected: Option<DateTime<Utc>>,
    ) -> Result<bool, RepositoryError> {
        let deleted = remove(&mut self.posts.lock().expect("lock"), id, expected);
        if deleted {
            let mut comments = self.comments.lock().expect("lock");
            comments.retain(|c| c.post_id() != id);
        }
        Ok(deleted)
    }
}

#[async_trait]
impl CommentRepository for FakeContent {
    async fn insert(&self, comment: &Comment) -> Result<(), RepositoryError> {
        let posts = self.posts.lock().expect("lock");
        if !posts.iter().any(|p| p.id() == comment.post_id()) {
            return Err(RepositoryError::MissingParent);
        }
        self.comments.lock().expect("lock").push(comment.clone());
        Ok(())
    }

    async fn find(&self, id: CommentId) -> Result<Option<CommentView>, RepositoryError> {
        let comments = self.comments.lock().expect("lock");
        let comment = comments.iter().find(|c| c.id() == id).cloned();
        Ok(comment.map(|c| self.comment_view(c)))
    }

    async fn list_for_post(
        &self,
        post: PostId,
        page: &PageRequest,
    ) -> Result<Page<CommentView>, RepositoryError> {
        let comments = self.comments.lock().expect("lock");
        let of_post = comments.iter().filter(|c| c.post_id() == post);
        let page = keyset_page(of_post.cloned(), page, Order::OldestFirst);
        Ok(page.map(|c| self.comment_view(c)))
    }

    async fn update(
        &self,
        comment: &Comment,
        expected: Option<DateTime<Utc>>,
    ) -> Result<bool, RepositoryError> {
        Ok(replace(
            &mut self.comments.lock().expect("lock"),
            comment,
            expected,
        ))
    }

    async fn delete(
        &self,
        id: CommentId,
        expected: Option<DateTime<Utc>>,
    ) -> Result<bool, RepositoryError> {
        Ok(remove(
            &mut self.comments.lock().expect("lock"),
            id,
            expected,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::contract;

    #[tokio::test]
    async fn the_fake_content_passes_the_post_and_comment_contracts() {
        let users = Arc::new(FakeUsers::default());
        let content = FakeContent::new(users.clone());
        contract::post_repository(users.as_ref(), &content).await;
        contract::comment_repository(users.as_ref(), &content, &content).await;
        contract::authors_by_current_name(users.as_ref(), &content, &content).await;
    }
}
