//! An `AuthService` wired to fakes.

use std::sync::Arc;

use chrono::Utc;
use domain::SessionId;

use super::{
    FakeAttempts, FakeAudit, FakeClock, FakeDeviceTokens, FakeHasher, FakeSessions, FakeStrength,
    FakeTokens, FakeUsers,
};
use crate::{
    auth::{AuthService, AuthSettings, CredentialPorts},
    ports::SessionStore,
};

/// An `AuthService` wired to fakes, with handles on the fakes a test may want to poke.
pub struct Harness {
    pub auth: AuthService,
    /// Counts verifications: what a login costs, known account or not.
    pub hasher: Arc<FakeHasher>,
    pub sessions: Arc<FakeSessions>,
    /// Advance it to expire tokens, sessions and lock-outs.
    pub clock: Arc<FakeClock>,
    /// The trail the service writes.
    pub audit: Arc<FakeAudit>,
}

impl Harness {
    /// Whether the session `id` is still stored.
    pub async fn has_session(&self, id: SessionId) -> bool {
        let stored = self.sessions.get(id).await.expect("the fake store answers");
        stored.is_some()
    }
}

pub fn harness(settings: AuthSettings) -> Harness {
    let clock = Arc::new(FakeClock::new(Utc::now()));
    let audit = Arc::new(FakeAudit::default());
    let hasher = Arc::new(FakeHasher::default());
    let sessions = Arc::new(FakeSessions::default());
    let ports = CredentialPorts {
        users: Arc::new(FakeUsers::new(audit.clone())),
        hasher: hasher.clone(),
        strength: Arc::new(FakeStrength),
        sessions: sessions.clone(),
        clock: clock.clone(),
        attempts: Arc::new(FakeAttempts::new(clock.clone())),
        audit: audit.clone(),
    };
    let tokens = Arc::new(FakeTokens::new(clock.clone()));
    let auth = AuthService::new(ports, tokens, Arc::new(FakeDeviceTokens), settings);
    Harness {
        auth,
        hasher,
        sessions,
        clock,
        audit,
    }
}
