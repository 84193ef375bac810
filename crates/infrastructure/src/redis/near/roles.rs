//! `RolesCache` with the roles read from the shared cache kept near; a mark (what every
//! change of roles and every deletion makes, before and after) drops them on every instance
//! before it returns.

use std::sync::Arc;

use application::StoreError;
use async_trait::async_trait;
use domain::{Role, UserId};

use super::{Dropped, NearCache, to_the_end};
use crate::cached_users::RolesCache;

pub struct NearRoles {
    inner: Arc<dyn RolesCache>,
    near: NearCache,
}

impl NearRoles {
    pub fn new(inner: Arc<dyn RolesCache>, near: NearCache) -> Self {
        Self { inner, near }
    }
}

#[async_trait]
impl RolesCache for NearRoles {
    async fn get(&self, user: UserId) -> Result<Option<Vec<Role>>, StoreError> {
        if let Some(kept) = self.near.roles(user) {
            return Ok(Some(kept));
        }
        let ticket = self.near.ticket();
        let roles = self.inner.get(user).await?;
        if let (Some(ticket), Some(roles)) = (ticket, &roles) {
            self.near.keep_roles(ticket, user, roles.clone());
        }
        Ok(roles)
    }

    async fn put_if_absent(&self, user: UserId, roles: &[Role]) -> Result<(), StoreError> {
        self.inner.put_if_absent(user, roles).await
    }

    async fn mark(&self, user: UserId) -> Result<(), StoreError> {
        let (inner, near) = (self.inner.clone(), self.near.clone());
        to_the_end(async move {
            inner.mark(user).await?;
            near.forget_everywhere(&Dropped::Account(user)).await
        })
        .await
    }
}
