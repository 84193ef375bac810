//! What every handler can reach: the application services, and the CSRF tokens.

use application::{
    audit::AuditService, auth::AuthService, comments::CommentService, health::Readiness,
    posts::PostService, throttle::Throttle, users::UserService,
};

use crate::CsrfTokens;

#[derive(Clone)]
pub struct AppState {
    pub auth: AuthService,
    pub users: UserService,
    pub posts: PostService,
    pub comments: CommentService,
    pub readiness: Readiness,
    pub throttle: Throttle,
    pub audit: AuditService,
    pub csrf: CsrfTokens,
}
