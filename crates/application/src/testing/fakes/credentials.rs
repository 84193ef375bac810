//! Password hashing, password strength, access tokens and device tokens, in the clear.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::{Password, PasswordHash};

use super::FakeClock;
use crate::{
    DependencyError,
    ports::{
        AccessClaims, AccessTokens, Clock, DeviceTokens, InvalidToken, PasswordHasher,
        PasswordStrength, WeakPassword,
    },
};

/// Counts dummy verifications so tests can see unknown accounts cost a hash too.
#[derive(Default)]
pub struct FakeHasher {
    pub dummy_verifications: Mutex<u32>,
    /// Every verification, real or dummy: the CPU work a login costs.
    pub verifications: Mutex<u32>,
}

#[async_trait]
impl PasswordHasher for FakeHasher {
    async fn hash(&self, password: &Password) -> Result<PasswordHash, DependencyError> {
        Ok(PasswordHash::new(format!("plain:{}", password.expose())))
    }

    async fn verify(
        &self,
        candidate: &str,
        hash: Option<&PasswordHash>,
    ) -> Result<bool, DependencyError> {
        *self.verifications.lock().expect("lock") += 1;
        // Real hashing takes time: let racing logins interleave here, as they would.
        tokio::task::yield_now().await;
        match hash {
            Some(hash) => Ok(hash.as_ref() == format!("plain:{candidate}")),
            None => {
                *self.dummy_verifications.lock().expect("lock") += 1;
                Ok(false)
            }
        }
    }
}

/// Access tokens that are keys into a table of the claims issued, expiring on the fake clock.
pub struct FakeTokens {
    clock: Arc<FakeClock>,
    issued: Mutex<HashMap<String, AccessClaims>>,
}

impl FakeTokens {
    pub fn new(clock: Arc<FakeClock>) -> Self {
        Self {
            clock,
            issued: Mutex::default(),
        }
    }
}

impl AccessTokens for FakeTokens {
    fn issue(&self, claims: &AccessClaims) -> Result<String, DependencyError> {
        let token = format!("access-{}", claims.token_id);
        self.issued
            .lock()
            .expect("lock")
            .insert(token.clone(), claims.clone());
        Ok(token)
    }

    fn verify(&self, token: &str) -> Result<AccessClaims, InvalidToken> {
        let claims = self
            .issued
            .lock()
            .expect("lock")
            .get(token)
            .cloned()
            .ok_or(InvalidToken)?;
        if claims.expires_at <= self.clock.now() {
            return Err(InvalidToken);
        }
        Ok(claims)
    }
}

/// Device tokens in the clear (`device:<account>:<id>:<expiry>`): unforgeable only in tests.
pub struct FakeDeviceTokens;

impl DeviceTokens for FakeDeviceTokens {
    fn issue(&self, account: &str, expires_at: DateTime<Utc>) -> String {
        format!(
            "device:{account}:{}:{}",
            uuid::Uuid::now_v7().simple(),
            expires_at.timestamp()
        )
    }

    fn verify(&self, token: &str, account: &str, now: DateTime<Utc>) -> Option<String> {
        let mut parts = token.split(':');
        let (tag, bound, device, expires) =
            (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
        let expires: i64 = expires.parse().ok()?;
        (tag == "device" && bound == account && expires > now.timestamp())
            .then(|| device.to_owned())
    }
}

/// Refuses exactly one password, and any password that is an account word.
pub struct FakeStrength;

pub const WEAK_PASSWORD: &str = "password123";

#[async_trait]
impl PasswordStrength for FakeStrength {
    async fn check(
        &self,
        password: &Password,
        words: &[&str],
    ) -> Result<Result<(), WeakPassword>, DependencyError> {
        if password.expose() == WEAK_PASSWORD || words.contains(&password.expose()) {
            return Ok(Err(WeakPassword("is too easy to guess".into())));
        }
        Ok(Ok(()))
    }
}
