//! Every password check the server makes: one attempt reserved against the lock-out before the
//! hash is computed, so racing guesses are counted before any of them is checked.

use std::time::Duration;

use domain::PasswordHash;

use super::LockoutPolicy;
use crate::ports::{LoginAttempts, PasswordHasher, Reservation};

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
) -> anyhow::Result<Guarded> {
    let locked = match attempts.reserve(bucket, policy).await? {
        Reservation::Refused { retry_after } => return Ok(Guarded::Refused { retry_after }),
        Reservation::Reserved { locked } => locked,
    };
    let matches = hasher.verify(candidate, hash).await? && hash.is_some();
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
