//! Readiness: whether the dependencies a request needs are answering.

use std::sync::Arc;

use crate::ports::{SessionStore, UserRepository};

#[derive(Clone)]
pub struct Readiness {
    users: Arc<dyn UserRepository>,
    sessions: Arc<dyn SessionStore>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadinessReport {
    pub database: bool,
    pub session_store: bool,
}

impl ReadinessReport {
    pub fn ready(&self) -> bool {
        self.database && self.session_store
    }
}

impl Readiness {
    pub fn new(users: Arc<dyn UserRepository>, sessions: Arc<dyn SessionStore>) -> Self {
        Self { users, sessions }
    }

    /// A failure is logged with its cause and reported as `false`.
    pub async fn check(&self) -> ReadinessReport {
        let database = self.users.ping().await;
        let sessions = self.sessions.ping().await;
        if let Err(err) = &database {
            tracing::warn!(error = ?err, "readiness: database unavailable");
        }
        if let Err(err) = &sessions {
            tracing::warn!(error = ?err, "readiness: session store unavailable");
        }
        ReadinessReport {
            database: database.is_ok(),
            session_store: sessions.is_ok(),
        }
    }
}
