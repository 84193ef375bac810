//! What the post and comment use cases share: a write to content is allowed by its author's
//! rights and guarded by the version the client read.

use domain::UserId;

use crate::{
    Actor, RepositoryError,
    authz::{ContentAction, ContentKind, Forbidden, authorize_content},
    comments::CommentError,
    posts::PostError,
    views::{CommentView, IfMatch, PostView},
};

/// A post or comment as its use case reads it before changing it.
pub(crate) trait Content {
    const KIND: ContentKind;
    /// The use case's error, with its outcomes for content that is gone or changed since read.
    type Error: From<Forbidden> + From<RepositoryError>;
    const NOT_FOUND: Self::Error;
    const PRECONDITION_FAILED: Self::Error;

    fn author_id(&self) -> UserId;
    fn version_tag(&self) -> String;
}

/// `Content` for a view whose row is in `$row`, with its kind and its use case's error.
macro_rules! content {
    ($view:ident, $row:ident, $kind:ident, $error:ident) => {
        impl Content for $view {
            const KIND: ContentKind = ContentKind::$kind;
            type Error = $error;
            const NOT_FOUND: $error = $error::NotFound;
            const PRECONDITION_FAILED: $error = $error::PreconditionFailed;

            fn author_id(&self) -> UserId {
                self.$row.author_id()
            }

            fn version_tag(&self) -> String {
                $view::version_tag(self)
            }
        }
    };
}

content!(PostView, post, Post, PostError);
content!(CommentView, comment, Comment, CommentError);

/// `view`, once `actor` may do `action` to it (judged by its author) and `if_match`, when
/// given, still names it.
pub(crate) fn writable<C: Content>(
    actor: &Actor,
    action: ContentAction,
    view: C,
    if_match: Option<&IfMatch>,
) -> Result<C, C::Error> {
    authorize_content(actor, C::KIND, action, Some(view.author_id()))?;
    if if_match.is_some_and(|m| !m.matches(&view.version_tag())) {
        return Err(C::PRECONDITION_FAILED);
    }
    Ok(view)
}

/// Why a guarded write changed nothing, from a fresh read: the content is gone, or it
/// changed since it was read.
pub(crate) fn lost_race<C: Content>(found: Result<Option<C>, RepositoryError>) -> C::Error {
    match found {
        Ok(Some(_)) => C::PRECONDITION_FAILED,
        Ok(None) => C::NOT_FOUND,
        Err(err) => err.into(),
    }
}
