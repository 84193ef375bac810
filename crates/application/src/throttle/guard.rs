//! Every password check the server makes: one attempt reserved against the lock-out before the
//! hash is computed, so racing guesses are counted before any of them is checked.

use std::time::Duration;

use domain::PasswordHash;

use super::LockoutPolicy;
use crate::{
    DependencyError,
    ports::{LoginAttempts, PasswordHasher, Reservation},
};

/// What a guarded password check found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Guarded {
    /// The bucket is locked out: no password was checked.
    Refused { retry_after: Duration },
    /// The password was checked. On a mismatch, `locked` says this attempt locked the bucket.
    Checked {
        matches: bool,
        locked: Option<Duration>,
    },
}

/// Reserves an attempt in `bucket`, then checks `candidate` against `hash` (a dummy hash when
/// `None`). A match clears the bucket.
pub async fn check_password(
    attempts: &dyn LoginAttempts,
    hasher: &dyn PasswordHasher,
    policy: &LockoutPolicy,
    bucket: &str,
    candidate: &str,
    hash: Option<&PasswordHash>,
) -> Result<Guarded, DependencyError> {
    let locked = match attempts.reserve(bucket, policy).await? {
        Reservation::Refused { retry_after } => return Ok(Guarded::Refused { retry_after }),
        Reservation::Reserved { locked } => locked,
    };
    let matches = match hasher.verify(candidate, hash).await {
        Ok(matches) => matches && hash.is_some(),
        Err(err) => {
            // Nothing was checked: the attempt is given back, so shed requests (503) never
            // lock anyone out. Failing to give it back only errs on the safe side.
            if let Err(release) = attempts.release(bucket).await {
                tracing::warn!(error = ?release, "could not give back a login attempt");
            }
            return Err(err);
        }
    };
    if matches {
        attempts.clear(bucket).await?;
        return Ok(Guarded::Checked {
            matches,
            locked: None,
        });
    }
    Ok(Guarded::Checked { matches, locked })
}

/// The bucket of a client that presented a valid device token of the account: its own, so
/// failures elsewhere never block it and its failures never block others.
pub fn device_bucket(account: &str, device: &str) -> String {
    format!("{account}:device:{device}")
}

/// The bucket of password re-checks by a signed-in user (password change, email change,
/// deletion): per account, apart from logins, so a stranger's failed logins cannot stop the
/// owner from managing the account, while a stolen session still meets a lock-out.
pub fn reauthentication_bucket(user: domain::UserId) -> String {
    format!("reauth:{user}")
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use async_trait::async_trait;
    use domain::Password;

    use super::*;
    use crate::StoreError;

    #[derive(Default)]
    struct Counted(Mutex<u32>);

    #[async_trait]
    impl LoginAttempts for Counted {
        async fn reserve(&self, _: &str, _: &LockoutPolicy) -> Result<Reservation, StoreError> {
            *self.0.lock().expect("lock") += 1;
            Ok(Reservation::Reserved { locked: None })
        }
        async fn clear(&self, _: &str) -> Result<(), StoreError> {
            *self.0.lock().expect("lock") = 0;
            Ok(())
        }
        async fn release(&self, _: &str) -> Result<(), StoreError> {
            let mut count = self.0.lock().expect("lock");
            *count = count.saturating_sub(1);
            Ok(())
        }
    }

    struct Saturated;

    #[async_trait]
    impl PasswordHasher for Saturated {
        async fn hash(&self, _: &Password) -> Result<PasswordHash, DependencyError> {
            Err(crate::HashingSaturated.into())
        }
        async fn verify(&self, _: &str, _: Option<&PasswordHash>) -> Result<bool, DependencyError> {
            Err(crate::HashingSaturated.into())
        }
    }

    #[tokio::test]
    async fn an_attempt_whose_password_was_never_checked_is_given_back() {
        let attempts = Counted::default();
        let hash = PasswordHash::new("stored".into());
        let policy = LockoutPolicy::default();
        for _ in 0..10 {
            let shed = check_password(&attempts, &Saturated, &policy, "b", "pw", Some(&hash)).await;
            assert!(shed.is_err_and(|e| e.is_unavailable()));
        }
        assert_eq!(
            *attempts.0.lock().expect("lock"),
            0,
            "shed requests lock no one out"
        );
    }
}
