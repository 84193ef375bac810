//! `PasswordHasher` with bcrypt, run in the shared `HashSlots`: on threads of their own so
//! hashing never stalls the async workers, at most `concurrency` at once so a login flood
//! cannot take every core, and a bounded wait for a slot so the flood is shed, not queued.

use anyhow::Context;
use application::{DependencyError, ports::PasswordHasher};
use async_trait::async_trait;
use domain::{Password, PasswordHash};
use std::sync::Arc;

use crate::HashSlots;

pub struct BcryptHasher {
    cost: u32,
    /// Verified against when the account does not exist, so that path costs a real hash too.
    dummy: String,
    slots: Arc<HashSlots>,
}

impl BcryptHasher {
    /// Fails at start-up on a cost bcrypt does not accept (4..=31). Hashes run in `slots`.
    pub fn new(cost: u32, slots: Arc<HashSlots>) -> anyhow::Result<Self> {
        let dummy = bcrypt::hash("agora-dummy-password", cost)
            .with_context(|| format!("bcrypt refuses cost {cost}"))?;
        Ok(Self { cost, dummy, slots })
    }

    async fn blocking<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> anyhow::Result<T> + Send + 'static,
    ) -> Result<T, DependencyError> {
        self.slots.run(work).await
    }
}

#[async_trait]
impl PasswordHasher for BcryptHasher {
    async fn hash(&self, password: &Password) -> Result<PasswordHash, DependencyError> {
        let plain = password.expose().to_owned();
        let cost = self.cost;
        // `Password` admits at most 72 bytes, all of which bcrypt uses (only the terminating
        // NUL falls off at exactly 72), so nothing is ever silently cut.
        self.blocking(move || {
            bcrypt::hash(plain, cost)
                .map(PasswordHash::new)
                .context("bcrypt hashing failed")
        })
        .await
    }

    async fn verify(
        &self,
        candidate: &str,
        hash: Option<&PasswordHash>,
    ) -> Result<bool, DependencyError> {
        let candidate = candidate.to_owned();
        let (encoded, real) = match hash {
            Some(hash) => (hash.as_ref().to_owned(), true),
            None => (self.dummy.clone(), false),
        };
        self.blocking(move || {
            // A stored hash we cannot parse is a server fault, not a wrong password.
            let matches = bcrypt::verify(candidate, &encoded)
                .context("stored password hash is unreadable")?;
            Ok(matches && real)
        })
        .await
    }

    /// A hash of a lower cost than configured (`$2b$04$...` is cost 4); an unreadable one
    /// is left alone (`verify` reports it).
    fn needs_rehash(&self, hash: &PasswordHash) -> bool {
        hash.as_ref()
            .split('$')
            .nth(2)
            .and_then(|cost| cost.parse::<u32>().ok())
            .is_some_and(|cost| cost < self.cost)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slots(concurrency: usize) -> Arc<HashSlots> {
        Arc::new(
            HashSlots::new(concurrency, std::time::Duration::from_secs(10)).expect("threads start"),
        )
    }

    #[tokio::test]
    async fn verifies_what_it_hashed_and_nothing_else() {
        let hasher = BcryptHasher::new(4, slots(1)).expect("cost 4 is valid");
        let password = Password::parse("correct horse").expect("valid");
        let hash = hasher.hash(&password).await.expect("hashes");
        assert!(hash.as_ref().starts_with("$2b$04$"));
        assert!(
            hasher
                .verify("correct horse", Some(&hash))
                .await
                .expect("verifies")
        );
        assert!(
            !hasher
                .verify("wrong horse", Some(&hash))
                .await
                .expect("verifies")
        );
        assert!(
            !hasher
                .verify("agora-dummy-password", None)
                .await
                .expect("verifies")
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn no_more_hashes_run_at_once_than_the_cap() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let hasher = Arc::new(BcryptHasher::new(4, slots(2)).expect("cost 4 is valid"));
        let running = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = (0..8)
            .map(|_| {
                let (hasher, running, most) = (hasher.clone(), running.clone(), most.clone());
                tokio::spawn(async move {
                    hasher
                        .blocking(move || {
                            let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                            most.fetch_max(now, Ordering::SeqCst);
                            std::thread::sleep(std::time::Duration::from_millis(30));
                            running.fetch_sub(1, Ordering::SeqCst);
                            Ok(())
                        })
                        .await
                })
            })
            .collect();
        for task in tasks {
            task.await.expect("joined").expect("ran");
        }
        let most = most.load(Ordering::SeqCst);
        assert!(
            (1..=2).contains(&most),
            "{most} ran at once under a cap of 2"
        );
    }

    #[tokio::test]
    async fn hashes_of_a_lower_cost_need_a_rehash() {
        let low = BcryptHasher::new(4, slots(1)).expect("valid");
        let high = BcryptHasher::new(5, slots(1)).expect("valid");
        let hash = low
            .hash(&Password::parse("correct horse").expect("valid"))
            .await
            .expect("hashes");
        assert!(high.needs_rehash(&hash));
        assert!(!low.needs_rehash(&hash));
        assert!(!high.needs_rehash(&PasswordHash::new("not a hash".into())));
    }

    #[test]
    fn refuses_an_invalid_cost() {
        assert!(BcryptHasher::new(3, slots(1)).is_err());
    }
}
