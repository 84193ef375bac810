//! Posts: anyone reads; authors edit and delete their own; moderators delete any; admins anything.

use std::sync::Arc;

use domain::{Post, PostBody, PostId, PostTitle};
use thiserror::Error;
use uuid::Uuid;

use crate::{
    Actor,
    authz::{ContentAction, ContentKind, Forbidden, authorize_content},
    content::{lost_race, writable},
    pagination::{Page, PageRequest},
    ports::{Clock, PostFilter, PostRepository},
    views::{IfMatch, PostSummary, PostView},
};

#[derive(Clone)]
pub struct PostService {
    posts: Arc<dyn PostRepository>,
    /// Anonymous reads, which may lag: the primary unless a read replica is wired.
    public_reads: Arc<dyn PostRepository>,
    clock: Arc<dyn Clock>,
}

pub struct PostInput {
    pub title: PostTitle,
    pub body: PostBody,
}

crate::use_case_error! {
    #[derive(Debug, Error)]
    pub enum PostError {
        #[error("no such post")]
        NotFound,
        #[error(transparent)]
        Forbidden(#[from] Forbidden),
        #[error("the post changed since it was read")]
        PreconditionFailed,
    }
}

impl PostService {
    pub fn new(posts: Arc<dyn PostRepository>, clock: Arc<dyn Clock>) -> Self {
        Self {
            public_reads: posts.clone(),
            posts,
            clock,
        }
    }

    /// Anonymous reads go to `repo` (a read replica), which may lag the primary. Signed-in
    /// readers, every write and everything security-related stay on the primary, so an
    /// author always reads their own writes.
    #[must_use]
    pub fn with_public_reads(mut self, repo: Arc<dyn PostRepository>) -> Self {
        self.public_reads = repo;
        self
    }

    /// Where a read by `reader` goes: the replica for an anonymous reader, else the primary.
    fn reader(&self, reader: Option<&Actor>) -> &dyn PostRepository {
        match reader {
            None => self.public_reads.as_ref(),
            Some(_) => self.posts.as_ref(),
        }
    }

    /// A list read on the primary.
    pub async fn list(
        &self,
        filter: &PostFilter,
        page: &PageRequest,
    ) -> Result<Page<PostSummary>, PostError> {
        Ok(self.posts.list(filter, page).await?)
    }

    /// A list read by `reader` (`None`: anonymous, which may be served by the replica).
    pub async fn list_for(
        &self,
        reader: Option<&Actor>,
        filter: &PostFilter,
        page: &PageRequest,
    ) -> Result<Page<PostSummary>, PostError> {
        Ok(self.reader(reader).list(filter, page).await?)
    }

    /// A read on the primary.
    pub async fn get(&self, id: PostId) -> Result<PostView, PostError> {
        self.posts.find(id).await?.ok_or(PostError::NotFound)
    }

    /// A read by `reader` (`None`: anonymous, which may be served by the replica).
    pub async fn get_for(&self, reader: Option<&Actor>, id: PostId) -> Result<PostView, PostError> {
        self.reader(reader)
            .find(id)
            .await?
            .ok_or(PostError::NotFound)
    }

    pub async fn create(&self, actor: &Actor, input: PostInput) -> Result<PostView, PostError> {
        authorize_content(actor, ContentKind::Post, ContentAction::Create, None)?;
        let post = Post::create(
            PostId::from_uuid(Uuid::now_v7()),
            actor.user_id,
            input.title,
            input.body,
            self.clock.now(),
        );
        self.posts.insert(&post).await?;
        self.get(post.id()).await
    }

    pub async fn update(
        &self,
        actor: &Actor,
        id: PostId,
        input: PostInput,
        if_match: Option<&IfMatch>,
    ) -> Result<PostView, PostError> {
        let mut view = writable(actor, ContentAction::Update, self.get(id).await?, if_match)?;
        let seen = view.post.updated_at();
        view.post.edit(input.title, input.body, self.clock.now());
        // Guarded by what was read, so a concurrent edit is never silently overwritten.
        if !self.posts.update(&view.post, Some(seen)).await? {
            return Err(lost_race(self.posts.find(id).await));
        }
        self.get(id).await
    }

    pub async fn delete(
        &self,
        actor: &Actor,
        id: PostId,
        if_match: Option<&IfMatch>,
    ) -> Result<(), PostError> {
        let view = writable(actor, ContentAction::Delete, self.get(id).await?, if_match)?;
        let guard = if_match.map(|_| view.post.updated_at());
        if !self.posts.delete(id, guard).await? {
            return Err(lost_race(self.posts.find(id).await));
        }
        tracing::info!(post_id = %id, actor = %actor.user_id, "post deleted");
        Ok(())
    }
}

#[cfg(test)]
mod tests;
