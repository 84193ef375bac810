//! `RolesCache` in Redis, shared by every instance: one key per account, holding its role
//! names or the mark, each with the TTL (`SET NX PX` to cache, `SET PX` to mark).

use std::time::Duration;

use application::StoreError;
use async_trait::async_trait;
use domain::{Role, UserId};
use redis::{self, AsyncCommands};

use super::pool::{RedisPool, redis_connection};
use crate::{
    cached_users::{MARK, RolesCache, decode, encode},
    unavailable::StoreContext,
};

pub struct RedisRoles {
    pool: RedisPool,
    prefix: String,
    ttl_millis: u64,
}

impl RedisRoles {
    pub fn new(pool: RedisPool, prefix: &str, ttl: Duration) -> Self {
        Self {
            pool,
            prefix: prefix.to_owned(),
            ttl_millis: u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1),
        }
    }

    fn key(&self, user: UserId) -> String {
        format!("{}:roles:{user}", self.prefix)
    }

    async fn set(&self, user: UserId, value: &str, only_if_absent: bool) -> Result<(), StoreError> {
        let mut conn = redis_connection(&self.pool).await?;
        let mut command = redis::cmd("SET");
        command
            .arg(self.key(user))
            .arg(value)
            .arg("PX")
            .arg(self.ttl_millis);
        if only_if_absent {
            command.arg("NX");
        }
        let _: Option<String> = command
            .query_async(&mut conn)
            .await
            .store_context("writing the roles cache")?;
        Ok(())
    }
}

#[async_trait]
impl RolesCache for RedisRoles {
    async fn get(&self, user: UserId) -> Result<Option<Vec<Role>>, StoreError> {
        let mut conn = redis_connection(&self.pool).await?;
        let value: Option<String> = conn
            .get(self.key(user))
            .await
            .store_context("reading the roles cache")?;
        Ok(value.as_deref().and_then(decode))
    }

    async fn put_if_absent(&self, user: UserId, roles: &[Role]) -> Result<(), StoreError> {
        self.set(user, &encode(roles), true).await
    }

    async fn mark(&self, user: UserId) -> Result<(), StoreError> {
        self.set(user, MARK, false).await
    }
}
