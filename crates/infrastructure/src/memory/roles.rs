//! `RolesCache` in this instance's memory, for the embedded default (one instance: the
//! sessions are in memory too). Bounded: when full, expired entries go; if it is still
//! full, everything goes (a miss only costs a database read).

use std::{
    collections::HashMap,
    sync::{Mutex, MutexGuard},
    time::{Duration, Instant},
};

use application::StoreError;
use async_trait::async_trait;
use domain::{Role, UserId};

use crate::cached_users::RolesCache;

const CAPACITY: usize = 100_000;

/// The roles, or `None` for the mark, and when the entry expires.
type Entries = HashMap<UserId, (Option<Vec<Role>>, Instant)>;

pub struct MemoryRoles {
    ttl: Duration,
    entries: Mutex<Entries>,
}

impl MemoryRoles {
    pub fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            entries: Mutex::default(),
        }
    }

    fn entries(&self) -> MutexGuard<'_, Entries> {
        // A panic while holding the lock leaves a map that is still consistent.
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn store(&self, user: UserId, value: Option<Vec<Role>>, only_if_absent: bool) {
        let now = Instant::now();
        let mut entries = self.entries();
        if only_if_absent && entries.get(&user).is_some_and(|(_, until)| *until > now) {
            return;
        }
        if entries.len() >= CAPACITY && !entries.contains_key(&user) {
            entries.retain(|_, (_, until)| *until > now);
            if entries.len() >= CAPACITY {
                entries.clear();
            }
        }
        entries.insert(user, (value, now + self.ttl));
    }
}

#[async_trait]
impl RolesCache for MemoryRoles {
    async fn get(&self, user: UserId) -> Result<Option<Vec<Role>>, StoreError> {
        let now = Instant::now();
        Ok(self
            .entries()
            .get(&user)
            .filter(|(_, until)| *until > now)
            .and_then(|(roles, _)| roles.clone()))
    }

    async fn put_if_absent(&self, user: UserId, roles: &[Role]) -> Result<(), StoreError> {
        self.store(user, Some(roles.to_vec()), true);
        Ok(())
    }

    async fn mark(&self, user: UserId) -> Result<(), StoreError> {
        self.store(user, None, false);
        Ok(())
    }
}
