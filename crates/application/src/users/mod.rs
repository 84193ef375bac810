//! User accounts seen from their owner and from operators.

mod create_admin;
mod profile;

use std::sync::Arc;

use crate::ports::{Clock, PasswordHasher, UserRepository};

pub use create_admin::{CreateAdminError, CreateAdminInput};
pub use profile::ProfileError;

#[derive(Clone)]
pub struct UserService {
    users: Arc<dyn UserRepository>,
    hasher: Arc<dyn PasswordHasher>,
    clock: Arc<dyn Clock>,
}

impl UserService {
    pub fn new(
        users: Arc<dyn UserRepository>,
        hasher: Arc<dyn PasswordHasher>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            users,
            hasher,
            clock,
        }
    }
}
