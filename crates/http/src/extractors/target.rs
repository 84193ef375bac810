//! The resource a request names: `Id<T>` is the path's `{id}` as the domain id it is, and
//! `Guarded<T>` is what an edit or delete needs, who asks, which one, and `If-Match`.

use actix_web::{FromRequest, HttpRequest, dev::Payload, web::Path};
use application::{Actor, views::IfMatch};
use domain::{CommentId, PostId, SessionId, UserId};
use futures_util::future::LocalBoxFuture;
use std::future::{Ready, ready};
use uuid::Uuid;

use super::{AuthUser, Preconditions};

/// A domain id a path's `{id}` can name.
pub trait PathId: Sized + 'static {
    fn from_path(id: Uuid) -> Self;
}

macro_rules! path_ids {
    ($($id:ident),+) => {$(
        impl PathId for $id {
            fn from_path(id: Uuid) -> Self {
                $id::from_uuid(id)
            }
        }
    )+};
}

path_ids!(UserId, SessionId, PostId, CommentId);

/// The path's `{id}`; a malformed one is answered as the app's `PathConfig` says (404).
pub struct Id<T>(pub T);

impl<T: PathId> FromRequest for Id<T> {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, actix_web::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let id = Path::<Uuid>::from_request(req, payload).into_inner();
        ready(id.map(|id| Id(T::from_path(id.into_inner()))))
    }
}

/// An authenticated write to the resource `{id}` names, guarded by `If-Match`. Checked in the
/// order of separate extractors: credentials (401/403), then the path (404).
pub struct Guarded<T> {
    pub actor: Actor,
    pub id: T,
    pub if_match: Option<IfMatch>,
}

impl<T> Guarded<T> {
    pub fn if_match(&self) -> Option<&IfMatch> {
        self.if_match.as_ref()
    }
}

impl<T: PathId> FromRequest for Guarded<T> {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, actix_web::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let user = AuthUser::from_request(req, payload);
        let id = Id::<T>::from_request(req, payload).into_inner();
        let pre = Preconditions::from_request(req, payload).into_inner();
        Box::pin(async move {
            let user = user.await?;
            let Id(id) = id?;
            Ok(Guarded {
                actor: user.actor,
                id,
                if_match: pre?.if_match,
            })
        })
    }
}
