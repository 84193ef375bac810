//! What every handler can reach: the application services.

use application::{auth::AuthService, health::Readiness, users::UserService};

#[derive(Clone)]
pub struct AppState {
    pub auth: AuthService,
    pub users: UserService,
    pub readiness: Readiness,
}
