//! User accounts seen from their owner and from operators.

mod admin;
mod create_admin;
mod error;
mod profile;

use std::sync::Arc;

use crate::ports::{
    AuditLog, Clock, PasswordHasher, PasswordStrength, SessionStore, UserRepository,
};

pub use admin::{ProfileUpdate, RoleGrant};
pub use create_admin::{CreateAdminError, CreateAdminInput};
pub use error::UserError;
pub use profile::ProfileError;

#[derive(Clone)]
pub struct UserService {
    users: Arc<dyn UserRepository>,
    hasher: Arc<dyn PasswordHasher>,
    strength: Arc<dyn PasswordStrength>,
    sessions: Arc<dyn SessionStore>,
    clock: Arc<dyn Clock>,
    audit: Arc<dyn AuditLog>,
}

impl UserService {
    pub fn new(
        users: Arc<dyn UserRepository>,
        hasher: Arc<dyn PasswordHasher>,
        strength: Arc<dyn PasswordStrength>,
        sessions: Arc<dyn SessionStore>,
        clock: Arc<dyn Clock>,
        audit: Arc<dyn AuditLog>,
    ) -> Self {
        Self {
            users,
            hasher,
            strength,
            sessions,
            clock,
            audit,
        }
    }
}
