//! Comments on posts: same rules as posts, one level down.

use std::sync::Arc;

use domain::{Comment, CommentBody, CommentId, PostId};
use thiserror::Error;
use uuid::Uuid;

use crate::{
    Actor, RepositoryError,
    authz::{ContentAction, ContentKind, Forbidden, authorize_content},
    content::{lost_race, writable},
    pagination::{Page, PageRequest},
    ports::{Clock, CommentRepository, PostRepository},
    views::{CommentView, IfMatch},
};

/// A page of `post`'s comments, or `PostNotFound`. A comment exists only with its post (the
/// foreign key cascades a post's deletion to its comments), so a page that holds comments
/// proves the post exists: only an empty page asks for the post, to tell "no comments" from
/// "no such post". A page of comments is one read, not a read of the post and then one of them.
async fn page_of(
    comments: &dyn CommentRepository,
    posts: &dyn PostRepository,
    post: PostId,
    page: &PageRequest,
) -> Result<Page<CommentView>, CommentError> {
    let found = comments.list_for_post(post, page).await?;
    if found.items.is_empty() && posts.find(post).await?.is_none() {
        return Err(CommentError::PostNotFound);
    }
    Ok(found)
}

#[derive(Clone)]
pub struct CommentService {
    comments: Arc<dyn CommentRepository>,
    posts: Arc<dyn PostRepository>,
    /// Anonymous reads, which may lag: the primary unless a read replica is wired.
    public_reads: (Arc<dyn CommentRepository>, Arc<dyn PostRepository>),
    clock: Arc<dyn Clock>,
}

crate::use_case_error! {
    #[derive(Debug, Error)]
    pub enum CommentError {
        #[error("no such post")]
        PostNotFound,
        #[error("no such comment")]
        NotFound,
        #[error(transparent)]
        Forbidden(#[from] Forbidden),
        #[error("the comment changed since it was read")]
        PreconditionFailed,
    }
    repository: {
        RepositoryError::MissingParent => Self::PostNotFound,
    }
}

impl CommentService {
    pub fn new(
        comments: Arc<dyn CommentRepository>,
        posts: Arc<dyn PostRepository>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            public_reads: (comments.clone(), posts.clone()),
            comments,
            posts,
            clock,
        }
    }

    /// Anonymous reads go to these adapters (a read replica), which may lag the primary.
    /// Signed-in readers and every write stay on the primary.
    #[must_use]
    pub fn with_public_reads(
        mut self,
        comments: Arc<dyn CommentRepository>,
        posts: Arc<dyn PostRepository>,
    ) -> Self {
        self.public_reads = (comments, posts);
        self
    }

    /// Where a read by `reader` goes: the replica for an anonymous reader, else the primary.
    fn reader(&self, reader: Option<&Actor>) -> (&dyn CommentRepository, &dyn PostRepository) {
        match reader {
            None => (self.public_reads.0.as_ref(), self.public_reads.1.as_ref()),
            Some(_) => (self.comments.as_ref(), self.posts.as_ref()),
        }
    }

    /// A list read on the primary.
    pub async fn list(
        &self,
        post: PostId,
        page: &PageRequest,
    ) -> Result<Page<CommentView>, CommentError> {
        page_of(self.comments.as_ref(), self.posts.as_ref(), post, page).await
    }

    /// A list read by `reader` (`None`: anonymous, which may be served by the replica).
    pub async fn list_for(
        &self,
        reader: Option<&Actor>,
        post: PostId,
        page: &PageRequest,
    ) -> Result<Page<CommentView>, CommentError> {
        let (comments, posts) = self.reader(reader);
        page_of(comments, posts, post, page).await
    }

    /// A read on the primary.
    pub async fn get(&self, id: CommentId) -> Result<CommentView, CommentError> {
        self.comments.find(id).await?.ok_or(CommentError::NotFound)
    }

    /// A read by `reader` (`None`: anonymous, which may be served by the replica).
    pub async fn get_for(
        &self,
        reader: Option<&Actor>,
        id: CommentId,
    ) -> Result<CommentView, CommentError> {
        let (comments, _) = self.reader(reader);
        comments.find(id).await?.ok_or(CommentError::NotFound)
    }

    pub async fn create(
        &self,
        actor: &Actor,
        post: PostId,
        body: CommentBody,
    ) -> Result<CommentView, CommentError> {
        authorize_content(actor, ContentKind::Comment, ContentAction::Create, None)?;
        let comment = Comment::create(
            CommentId::from_uuid(Uuid::now_v7()),
            post,
            actor.user_id,
            body,
            self.clock.now(),
        );
        // A missing post surfaces as the foreign key's `MissingParent`: no check-then-insert race.
        self.comments.insert(&comment).await?;
        self.get(comment.id()).await
    }

    pub async fn update(
        &self,
        actor: &Actor,
        id: CommentId,
        body: CommentBody,
        if_match: Option<&IfMatch>,
    ) -> Result<CommentView, CommentError> {
        let mut view = writable(actor, ContentAction::Update, self.get(id).await?, if_match)?;
        let seen = view.comment.updated_at();
        view.comment.edit(body, self.clock.now());
        if !self.comments.update(&view.comment, Some(seen)).await? {
            return Err(lost_race(self.comments.find(id).await));
        }
        self.get(id).await
    }

    pub async fn delete(
        &self,
        actor: &Actor,
        id: CommentId,
        if_match: Option<&IfMatch>,
    ) -> Result<(), CommentError> {
        let view = writable(actor, ContentAction::Delete, self.get(id).await?, if_match)?;
        let guard = if_match.map(|_| view.comment.updated_at());
        if !self.comments.delete(id, guard).await? {
            return Err(lost_race(self.comments.find(id).await));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
