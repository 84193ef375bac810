//! The lock-out of an account after repeated failed logins, growing with each lock-out.

use std::time::Duration;

use sha2::{Digest, Sha256};

/// After `threshold` failed logins in a row, the account is locked for `base`, then twice as
/// long after each further run of failures, up to `max`. A successful login resets it all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockoutPolicy {
    pub threshold: u32,
    pub base: Duration,
    pub max: Duration,
    /// How long failures and past lock-outs are remembered without a new failure.
    pub memory: Duration,
}

impl Default for LockoutPolicy {
    fn default() -> Self {
        Self {
            threshold: 5,
            base: Duration::from_secs(60),
            max: Duration::from_secs(3600),
            memory: Duration::from_secs(24 * 3600),
        }
    }
}

impl LockoutPolicy {
    /// How long the `nth` lock-out lasts (the first is `nth == 1`).
    pub fn lock_duration(&self, nth: u32) -> Duration {
        let doublings = nth.saturating_sub(1).min(20);
        self.base.saturating_mul(1u32 << doublings).min(self.max)
    }
}

/// The key failed logins are counted under: a digest of the normalised address, so an
/// attacker rotating addresses of one account's spelling, or rotating IPs, meets one counter,
/// and the store never holds the address itself. Unknown addresses are counted the same way,
/// so a lock-out tells nothing about whether an account exists.
pub fn account_key(email: &str) -> String {
    let normalised = email.trim().to_lowercase();
    let digest = Sha256::digest(normalised.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}
