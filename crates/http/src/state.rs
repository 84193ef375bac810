//! What every handler can reach: the application services.

use application::{
    audit::AuditService, auth::AuthService, comments::CommentService, health::Readiness,
    posts::PostService, users::UserService,
};

#[derive(Clone)]
pub struct AppState {
    pub auth: AuthService,
    pub users: UserService,
    pub posts: PostService,
    pub comments: CommentService,
    pub readiness: Readiness,
    pub audit: AuditService,
}
