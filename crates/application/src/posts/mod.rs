//! Posts: anyone reads; authors edit and delete their own; moderators delete any; admins anything.

use std::sync::Arc;

use domain::{Post, PostBody, PostId, PostTitle};
use thiserror::Error;
use uuid::Uuid;

use crate::{
    Actor, DependencyError,
    authz::{Forbidden, PostAction, authorize_post},
    pagination::{Page, PageRequest},
    ports::{Clock, Freshness, PostFilter, PostRepository},
    views::{IfMatch, PostSummary, PostView},
};

#[derive(Clone)]
pub struct PostService {
    posts: Arc<dyn PostRepository>,
    /// Reads that may lag ([`Freshness::MayLag`]); the primary unless a replica is wired.
    stale: Arc<dyn PostRepository>,
    clock: Arc<dyn Clock>,
}

pub struct PostInput {
    pub title: PostTitle,
    pub body: PostBody,
}

#[derive(Debug, Error)]
pub enum PostError {
    #[error("no such post")]
    NotFound,
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    #[error("the post changed since it was read")]
    PreconditionFailed,
    #[error(transparent)]
    Dependency(#[from] DependencyError),
}

crate::repository_errors_are_dependency_failures!(PostError);

impl PostService {
    pub fn new(posts: Arc<dyn PostRepository>, clock: Arc<dyn Clock>) -> Self {
        Self {
            stale: posts.clone(),
            posts,
            clock,
        }
    }

    /// Reads that may lag go to `replica` (writes and fresh reads stay on the primary).
    pub fn with_replica(mut self, replica: Arc<dyn PostRepository>) -> Self {
        self.stale = replica;
        self
    }

    fn reader(&self, freshness: Freshness) -> &dyn PostRepository {
        match freshness {
            Freshness::MayLag => self.stale.as_ref(),
            Freshness::OwnWrites => self.posts.as_ref(),
        }
    }

    /// A fresh list (the primary).
    pub async fn list(
        &self,
        filter: &PostFilter,
        page: &PageRequest,
    ) -> Result<Page<PostSummary>, PostError> {
        self.list_with(filter, page, Freshness::OwnWrites).await
    }

    pub async fn list_with(
        &self,
        filter: &PostFilter,
        page: &PageRequest,
        freshness: Freshness,
    ) -> Result<Page<PostSummary>, PostError> {
        Ok(self.reader(freshness).list(filter, page).await?)
    }

    /// A fresh read (the primary).
    pub async fn get(&self, id: PostId) -> Result<PostView, PostError> {
        self.get_with(id, Freshness::OwnWrites).await
    }

    pub async fn get_with(&self, id: PostId, freshness: Freshness) -> Result<PostView, PostError> {
        self.reader(freshness)
            .find(id)
            .await?
            .ok_or(PostError::NotFound)
    }

    pub async fn create(&self, actor: &Actor, input: PostInput) -> Result<PostView, PostError> {
        authorize_post(actor, PostAction::Create, None)?;
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

    /// Finds the post, checks the actor may act on it and that `if_match` still holds.
    async fn load_for(
        &self,
        actor: &Actor,
        action: PostAction,
        id: PostId,
        if_match: Option<&IfMatch>,
    ) -> Result<PostView, PostError> {
        let view = self.get(id).await?;
        authorize_post(actor, action, Some(&view.post))?;
        if if_match.is_some_and(|m| !m.matches(&view.version_tag())) {
            return Err(PostError::PreconditionFailed);
        }
        Ok(view)
    }

    pub async fn update(
        &self,
        actor: &Actor,
        id: PostId,
        input: PostInput,
        if_match: Option<&IfMatch>,
    ) -> Result<PostView, PostError> {
        let mut view = self
            .load_for(actor, PostAction::Update, id, if_match)
            .await?;
        let seen = view.post.updated_at();
        view.post.edit(input.title, input.body, self.clock.now());
        // Guarded by what was read, so a concurrent edit is never silently overwritten.
        if !self.posts.update(&view.post, Some(seen)).await? {
            return Err(self.lost_race(id).await);
        }
        self.get(id).await
    }

    pub async fn delete(
        &self,
        actor: &Actor,
        id: PostId,
        if_match: Option<&IfMatch>,
    ) -> Result<(), PostError> {
        let view = self
            .load_for(actor, PostAction::Delete, id, if_match)
            .await?;
        let guard = if_match.map(|_| view.post.updated_at());
        if !self.posts.delete(id, guard).await? {
            return Err(self.lost_race(id).await);
        }
        tracing::info!(post_id = %id, actor = %actor.user_id, "post deleted");
        Ok(())
    }

    async fn lost_race(&self, id: PostId) -> PostError {
        match self.posts.find(id).await {
            Ok(Some(_)) => PostError::PreconditionFailed,
            Ok(None) => PostError::NotFound,
            Err(err) => err.into(),
        }
    }
}

#[cfg(test)]
mod tests;
